"""Export: the whole database as one JSON document, written as it is read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from tracker import dates
from tracker.render.json import change_data, item_data
from tracker.store import Store
from tracker.transfer.document import FORMAT, VERSION, _counted


def export_pieces(store: Store, progress) -> Iterator[str]:
    """The whole database as one JSON document (the text dumps(..., indent=2) writes,
    and a line break), in pieces of a thousand entries, each written as it is read:
    memory stays flat however large the database."""
    from tracker.feeds.transfer import export_pieces as feed_pieces
    from tracker.render.json import write_entries

    head = (f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION},\n'
            f'  "exported": {json.dumps(dates.stamp(dates.now()))},\n')
    items = _counted((item_data(item) for item in store.items_by_number()), progress)
    history = _counted(_history_entries(store), progress)
    return _joined(chain([head], feed_pieces(store), write_entries("items", items),
                         write_entries("history", history, last=True), ["}\n"]))


def _joined(pieces: Iterator[str], count: int = 1000) -> Iterator[str]:
    while batch := list(islice(pieces, count)):
        yield "".join(batch)


def _history_entries(store: Store) -> Iterator[dict[str, Any]]:
    """The log as a file holds it. A retraction names the entry it retracts by its place
    in the file's history (from 1), not by its id here: ids differ from one database
    to another, and an import gives the entry an id of its own."""
    places = store.places(store.retraction_targets()) if store.has_retractions() else {}
    for change in store.iter_history():
        entry = change_data(change)
        if change.field == "retracted":
            entry["old"], entry["new"] = (str(places[value]) if value in places else value
                                          for value in (change.old, change.new))
        yield entry
