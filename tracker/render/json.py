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
        "on": change.on, "recorded": change.recorded, "by": change.by, "source": change.source,
        "note": change.note,
    }


def write_items(items, stream) -> int:
    """Items as a JSON array, written one by one as they come (see write_array)."""
    return write_array(map(item_data, items), stream)


def write_array(records, stream) -> int:
    """Dicts as a JSON array, written one by one as they come (the same text as
    dumps() of the whole list): memory stays flat however many there are."""
    written = 0
    for data in records:
        stream.write(("[\n  " if not written else ",\n  ") + _record_text(data))
        written += 1
    stream.write("\n]\n" if written else "[]\n")
    return written


def _record_text(data: dict[str, Any], indent: str = "") -> str:
    """One dict as dumps() writes it inside a list (two spaces in, and `indent` more),
    built from the C string encoder: json's indenting encoder runs in Python, and took
    two thirds of the time of a list of a million items."""
    fields = []
    for key, value in data.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = (f"[\n{indent}" + f",\n{indent}".join("      " + _string(v) for v in value) + f"\n{indent}    ]"
                    if value else "[]")
        elif isinstance(value, str):
            text = _string(value)
        elif value is None or isinstance(value, (bool, int)):
            text = json.dumps(value)
        else:       # nested data, such as a damaged log's list value: the indenting encoder
            text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    " + indent)
        fields.append(f"{indent}    {_string(key)}: {text}")
    return json_safe("{\n" + ",\n".join(fields) + f"\n{indent}  }}")


def write_entries(key: str, entries, last: bool = False):
    """`"key": [...]` as dumps(..., indent=2) writes it as a member of a top-level
    object, a piece of text per entry (an export, written as it is read)."""
    yield f'  {_string(key)}: ['
    written = False
    for entry in entries:
        yield ("\n    " if not written else ",\n    ") + _record_text(entry, "  ")
        written = True
    yield ("\n  ]" if written else "]") + ("\n" if last else ",\n")


# A str as json.dumps(..., ensure_ascii=False) writes it, in C.
_string = json.encoder.encode_basestring


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


def report_data(report) -> dict[str, Any]:
    """The report as data: the same content as the other formats."""
    as_of = report.as_of
    return {
        "from": report.period.start.astimezone(_zone(report)).isoformat(timespec="seconds"),
        "to": report.period.end.astimezone(_zone(report)).isoformat(timespec="seconds"),
        "period": report.period.label,
        "tz": report.period.zone,
        "as_of": as_of.astimezone(_zone(report)).isoformat(timespec="seconds"),
        "headline": {
            "changes": report.headline.changes, "signed": report.headline.signed, "held": report.headline.held,
            "next": str(report.headline.next.item.ref) if report.headline.next else None,
        },
        "changes": [{**change_data(c), "title": c.title, "event": str(c.within) if c.within else None}
                    for c in report.changes],
        "upcoming": [countdown_data(entry, as_of) for entry in report.upcoming],
        "pipeline": pipeline_data(report.pipeline),
        "overdue": [item_data(item) for item in report.overdue],
        "quiet": [item_data(item) for item in report.quiet],
        "more_overdue": report.more_overdue,
        "more_quiet": report.more_quiet,
        "more_upcoming": report.more_upcoming,
        "more_changes": report.more_changes,
    }


def pipeline_data(pipeline) -> dict[str, Any]:
    """Agreements by status. `overall` is the sum of the `by_event` rows (the events
    listed, then those at no event: "event" null) and of `more_events`' counts."""
    rows = [{"event": str(event.ref), "title": event.title, "counts": counts} for event, counts in pipeline.by_event]
    if pipeline.no_event:
        rows.append({"event": None, "title": None, "counts": pipeline.no_event})
    return {"overall": pipeline.overall, "by_event": rows,
            "more_events": {"events": pipeline.more_events, "counts": pipeline.more}}


def _zone(report):
    from tracker.dates import get_zone

    return get_zone(report.period.zone)
