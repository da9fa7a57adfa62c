"""tracker's JSON shapes: items and history entries, as documented in the README."""

from __future__ import annotations

import json
from typing import Any

from tracker.model import Change, Item
from tracker.render.safe import json_safe


def item_data(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ref": str(item.ref), "uid": item.uid, "type": item.type, "title": item.title,
        "kind": item.kind, "status": item.status, "parties": item.parties, "tags": item.tags,
    }
    if item.type == "event":
        data.update(start=item.start, end=item.end, tz=item.tz, location=item.location,
                    parent=str(item.parent) if item.parent else None,
                    series=item.series, series_number=item.series_number)
    else:
        data.update(event=str(item.event) if item.event else None, sector=item.sector, due=item.due)
    data.update(created=item.created, updated=item.updated, removed=item.removed)
    return data


def change_data(change: Change) -> dict[str, Any]:
    return {
        "ref": str(change.ref), "field": change.field, "old": change.old, "new": change.new,
        "on": change.on, "recorded": change.recorded, "source": change.source, "note": change.note,
    }


def dumps(data: Any) -> str:
    return json_safe(json.dumps(data, ensure_ascii=False, indent=2))


def countdown_data(entry, now, view_zone: str | None = None) -> dict[str, Any]:
    """A countdown entry: the item, when it starts (in its own zone), seconds to go, and its state."""
    from tracker.countdown import words

    item = entry.item
    start, end = (item.start, item.end) if entry.what == "event" else (item.due, None)
    return {
        "ref": str(item.ref), "title": item.title, "type": item.type, "what": entry.what,
        "status": item.status, "start": start, "end": end, "tz": entry.zone,
        "seconds": entry.seconds(now), "state": entry.state(now), "left": words(entry, now, view_zone),
    }
