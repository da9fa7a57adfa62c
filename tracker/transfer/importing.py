"""Import: an export read whole or as a stream, and loaded (all of it, or nothing).

Items are matched by uid, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

from tracker.errors import BadArgument, Interrupted
from tracker.store import Store
from tracker.transfer.document import FORMAT, _check_shape, _counted, _name, _parse_document
from tracker.transfer.load import BULK_ITEMS, _import
from tracker.transfer.stream import _Checked, _prologue, _stream_parser, _streamed, _Unmarked, _Unstreamable

# From this size on, an import file is read as a stream, an entry at a time, so that
# its memory stays flat however large it is; a smaller one is read whole, as json
# reads it. Tests lower it to stream small files.
STREAM_FROM = 8 * 1024 * 1024


def import_file(store: Store, path: Path) -> str:
    from tracker.streams import open_input

    name = _name(path)
    # An import makes millions of objects and no reference cycles: the cycle
    # collector would walk them all, again and again, for nothing (a fifth of
    # the time of a 100k import).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            source = open_input(path, STREAM_FROM if _stream_parser() else 1 << 62)
        except FileNotFoundError:
            raise BadArgument(f"no file {name}: check the path") from None
        except OSError as error:
            raise BadArgument(f"cannot read {name}: {error}") from None
        if isinstance(source, (bytes, bytearray)):
            return _import_whole(store, source, path)
        with source:
            try:
                return _import_stream(store, source, path)
            except _Unstreamable:
                # Rolled back already: read whole, json says what is wrong (or reads what
                # the stream parser would read otherwise).
                source.seek(0)
                data = source.read()
        return _import_whole(store, data, path)
    except KeyboardInterrupt:
        # Ctrl-C: the transaction was rolled back on the way out.
        raise Interrupted(f"interrupted: nothing was imported from {name}; the database is as it was") from None
    finally:
        if was_enabled:
            gc.enable()


def _import_whole(store: Store, data: bytes, path: Path) -> str:
    from tracker.progress import Progress

    document = _parse_document(data, path, FORMAT, "items")
    del data
    items, history = document["items"], document.get("history", [])
    with Progress(f"importing {_name(path)}", total=len(items) + len(history)) as progress:
        return _import(store, _name(path), _counted(items, progress), lambda: _counted(history, progress),
                       len(items), progress, document.get("feeds"))


def _import_stream(store: Store, file, path: Path) -> str:
    from tracker.progress import Progress

    _check_shape(head := _prologue(file), path, FORMAT, "items")
    size = os.fstat(file.fileno()).st_size
    # Counted in bytes read: the file is read once (its log read on from where the items end).
    progress = Progress(f"importing {_name(path)}", total=size, every=1 << 20)

    file.seek(0)
    items = _Checked(file, progress, cut=True)

    def history() -> Iterator:
        if items.cut is None:
            # The items were read from the whole file, checked: the log is read from it again.
            file.seek(0)
            progress.done = 0
            reader = _Unmarked(file, progress)
        else:
            # From the end of the items on, as the member of an object of its own.
            file.seek(items.cut)
            reader = _Checked(file, progress, start=b'{"_": 0')
        read = 0
        for entry in _streamed(file, "history.item", progress, reader):
            read += 1
            yield entry
        if not read:
            # No log, or a "history" that is not a list: the whole file says which.
            raise _Unstreamable

    with progress:
        # About how many items (an export spends some 700 bytes on one, and its log).
        return _import(store, _name(path), _streamed(file, "items.item", progress, items), history,
                       max(size // 700, BULK_ITEMS + 1), progress, head.get("feeds"))
