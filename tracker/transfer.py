"""Export and import: the whole database as one JSON document, and back, losslessly.

Items are matched by uid, so importing the same file twice changes nothing.
Every item in a file is checked as `tracker add` checks it before anything is
written, and the import is one transaction.
"""

from __future__ import annotations

import gc
import json
import os
import re
import sqlite3
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from tracker import core, dates
from tracker.errors import BadArgument, Interrupted, TrackerError, closest, did_you_mean, excerpt, not_text, readable
from tracker.model import PREFIX, Ref, check_source, parse_ref
from tracker.render.json import change_data, item_data
from tracker.store import Store
from tracker.store.log import to_log

FORMAT = "tracker-export"
UPDATES_FORMAT = "tracker-updates"
# What each format is, and the command that reads it.
_READERS = {FORMAT: ("an export", "import"), UPDATES_FORMAT: ("a file of updates", "apply")}
VERSION = 1
# From this many items on, an import fills the search index and the counts in
# one pass at the end instead of row by row.
BULK_ITEMS = 1000


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


def _name(path: Path) -> str:
    return "stdin" if str(path) == "-" else str(path)


def read_document(path: Path, kind: str = FORMAT, key: str = "items") -> dict[str, Any]:
    from tracker.streams import read_input

    name = _name(path)
    try:
        data = read_input(path)
    except FileNotFoundError:
        raise BadArgument(f"no file {name}: check the path") from None
    except OSError as error:
        raise BadArgument(f"cannot read {name}: {error}") from None
    return _parse_document(data, path, kind, key)


def _wanted(kind: str, key: str) -> str:
    return ("a file written by `tracker export`" if kind == FORMAT else
            f'a {kind} file, {{"format": "{kind}", "version": {VERSION}, "{key}": [...]}} (see JSON shapes in the README)')


def _parse_document(data: bytes, path: Path, kind: str, key: str) -> dict[str, Any]:
    """A whole file, read as json reads it, and checked to be what `kind` reads."""
    name = _name(path)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArgument(f"{name} is not valid text (UTF-8): byte {error.start:,} is not UTF-8; "
                          "save the file as UTF-8") from None
    wanted = _wanted(kind, key)
    try:
        document = json.loads(text)
    except ValueError as error:
        if "integer string conversion" in str(error):
            # Python's own words name one of its settings: say what is wrong with the file.
            raise BadArgument(f"{name} holds a number of more than 4,300 digits: give {wanted}") from None
        raise BadArgument(f"{name} is not JSON ({error}): give {wanted}") from None
    except RecursionError:
        # Python's JSON reader recurses once per level: hundreds of levels exhaust the stack.
        raise BadArgument(f"{name} is JSON nested hundreds of levels deep: give {wanted}") from None
    _check_text(document, text, name)
    _check_shape(document, path, kind, key)
    return document


def _check_shape(document: Any, path: Path, kind: str, key: str) -> None:
    """The format, version and lists of a file `kind` reads, or one line that says what it is instead."""
    name = _name(path)
    if not isinstance(document, dict) or document.get("format") != kind:
        found = document.get("format") if isinstance(document, dict) else None
        if isinstance(found, str) and found in _READERS:
            # The other of the two formats: the file is fine, the command is not.
            what, command = _READERS[found]
            raise BadArgument(f"{name} is {what} ({found}), not a {kind} file: "
                              f"load it with `tracker {command} {path}`")
        raise BadArgument(f"{name} is not a {kind} file (no \"format\": \"{kind}\")")
    version = document.get("version")
    # A JSON true is a Python int (1) too: the version is a number, and nothing else.
    if type(version) is not int or version != VERSION:
        raise BadArgument(f"{name} is a {kind} file of version {excerpt(version)}; this tracker reads version {VERSION}")
    if not isinstance(document.get(key), list) or not isinstance(document.get("history", []), list):
        raise BadArgument(f"{name}: \"{key}\" must be a list")


# A JSON escape of half of a character (a surrogate): "\ud83d\ude00" is one emoji, a
# "\ud800" alone is not text. Only a file that holds such escapes is walked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# What a file's lists are called in messages, one entry of each.
_ENTRY_NAMES = {"items": "item", "updates": "update", "history": "history entry"}


def _check_text(document: Any, text: str, name: str) -> None:
    """Refuse a file holding a string that is not text (a lone surrogate, from a JSON
    escape), naming where it is. Walked with a stack, not recursion, and only when such
    a string can be there: the file's bytes were decoded strictly, so only an escape
    can make one."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    # (value, where it is for a message, the name of its entries if it is a top list)
    pending: list[tuple[Any, str, str | None]] = [(document, "", None)]
    while pending:
        value, where, entries = pending.pop()
        if isinstance(value, str):
            if not readable(value):
                raise not_text(f"{name}: {where or 'the document'}", value)
        elif isinstance(value, dict):
            for key, inner in reversed(list(value.items())):
                if not readable(key):
                    raise not_text(f"{name}: a key{' in ' + where if where else ''}", key)
                pending.append((inner, f"{where}, {json.dumps(key)}" if where else json.dumps(key),
                                None if where else _ENTRY_NAMES.get(key)))
        elif isinstance(value, list):
            for index in range(len(value), 0, -1):
                pending.append((value[index - 1], f"{entries} {index}" if entries else f"{where}[{index}]", None))


# The readers of one field: their errors name the field, and the caller adds
# which entry of which file (only when something is wrong: a large import reads
# a million fields).
def _text(entry: dict, key: str, required: bool = False) -> str | None:
    value = entry.get(key)
    if value.__class__ is str:
        return value
    if value is None:
        if required:
            raise BadArgument(f"\"{key}\" is missing")
        return None
    if not isinstance(value, str):
        raise BadArgument(f"\"{key}\" must be a string, not {type(value).__name__}")
    return value


def _names(entry: dict, key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadArgument(f"\"{key}\" must be a list of strings")
    return value


def _number(entry: dict, key: str) -> int | None:
    value = entry.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadArgument(f"\"{key}\" must be a whole number")
    return value


def _stamp(entry: dict, key: str, required: bool = True) -> str | None:
    text = _text(entry, key, required)
    return None if text is None else dates.read_stamp(text, what=key)


def _within(where: str, error: TrackerError) -> TrackerError:
    """The same error (and exit code), its message saying which entry of which file."""
    message = str(error)
    return type(error)(message if message.startswith(where) else f"{where}: {message}")


# From this size on, an import file is read as a stream, an entry at a time, so that
# its memory stays flat however large it is; a smaller one is read whole, as json
# reads it. Tests lower it to stream small files.
STREAM_FROM = 8 * 1024 * 1024
# Items or log rows written per batch of statements.
BATCH = 4096


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


def _counted(entries, progress) -> Iterator:
    for entry in entries:
        progress.advance()
        yield entry


# -- reading a large file as a stream -----------------------------------------------

class _Unstreamable(Exception):
    """The stream parser would read this file otherwise than json does, or not at all
    (bad JSON, a number past 64 bits, a lone half of a character, nesting thousands
    deep): the import is rolled back and the file read whole instead."""


def _stream_parser():
    """ijson's C parser (yajl2_c), or None where it is missing: then every file is read
    whole (the pure-Python parsers would take ten times as long)."""
    try:
        import ijson

        return ijson.get_backend("yajl2_c")
    except ImportError:
        return None


_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
# The most brackets opened in one read, or open at once, in a file read as a stream:
# an export nests four deep. Deeper is read whole, where json refuses it in one line
# (the stream parser would take a million levels, and fail in C).
_MOST_NESTED = 4096



class _Unmarked:
    """A file as the stream parser reads it: without a byte-order mark, as some
    Windows editors write (not part of the text)."""

    def __init__(self, file, progress=None):
        self.file, self.started, self.progress = file, False, progress

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""          # the parser asks what kind of file it has: nothing is read
        data = self.file.read(size)
        if self.progress is not None:
            self.progress.advance(len(data))
        if not self.started:
            self.started = True
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        return data


class _Checked(_Unmarked):
    """Each read checked before the stream parser has it: valid UTF-8, no JSON escape
    of half a character, no deep nesting; else _Unstreamable. Each check in C, the
    costlier ones only where a cheap one finds something.

    With `cut`, the reading ends where the log begins (`], "history":` after the
    items): the parser of the items is given a `}` there, and `self.cut` is the
    offset to read the log from, so that neither part is read twice. A false match
    (a "history" key inside an item) leaves JSON that is not whole: read whole then."""

    def __init__(self, file, progress=None, cut: bool = False, start: bytes = b""):
        import codecs

        super().__init__(file, progress)
        self.depth, self.tail, self.opens = 0, b"", b""
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.cutting, self.cut, self.ended = cut, None, False
        self.start = start
        if start:
            self.started = True

    def read(self, size: int = -1) -> bytes:
        if self.ended or size == 0:
            return b""
        data = super().read(size)
        # ASCII needs no decoding, unless a character began at the end of the read before.
        if not data.isascii() or self.decoder.getstate()[0]:
            try:
                self.decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                raise _Unstreamable from None
        joined = self.tail + data
        if _SURROGATE_BYTES.search(joined):
            raise _Unstreamable
        brackets = data.translate(None, _NOT_BRACKETS)
        opened = brackets.count(b"[") + brackets.count(b"{")
        self.depth += 2 * opened - len(brackets)
        # Hundreds of levels need as many brackets opened with none closed between.
        runs = self.opens + brackets
        if opened > _MOST_NESTED or self.depth > _MOST_NESTED or _DEEP.search(runs):
            raise _Unstreamable
        self.opens, self.tail = runs[-_DEEP_LEVELS:], data[-16:]
        if self.cutting and b'"history"' in joined:
            found = _LOG_NEXT.search(joined)
            at = found.start() - (len(joined) - len(data)) if found else -1
            if at >= 0:
                self.cut = self.file.tell() - len(data) + at + 1
                self.ended = True
                data = data[:at + 1] + b"}"
        if self.start:
            data, self.start = self.start + data, b""
        return data


# Every byte but the four brackets, to delete.
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEEP_LEVELS = 256
_DEEP = re.compile(rb"[\[{]{%d}" % _DEEP_LEVELS)
# The end of the items, and the log next.
_LOG_NEXT = re.compile(rb'\]\s*,\s*"history"\s*:')


def _streamed(file, prefix: str, progress, reader) -> Iterator:
    """The values at `prefix` ("items.item") that `reader` gives the stream parser, one at a time."""
    from ijson.common import JSONError

    parsed = _stream_parser().items(reader, prefix, use_float=True)
    while True:
        try:
            value = next(parsed)
        except StopIteration:
            return
        except (JSONError, ValueError, RecursionError):
            raise _Unstreamable from None
        yield value


def _prologue(file) -> dict[str, Any]:
    """What an export says before its items (format, version, exported), read up to
    the start of the items. Any other shape is read whole."""
    from ijson.common import JSONError

    file.seek(0)
    events = _stream_parser().parse(_Checked(file), use_float=True)
    found: dict[str, Any] = {}
    try:
        if next(events)[1] != "start_map":
            raise _Unstreamable
        for prefix, event, key in events:
            if event != "map_key":
                raise _Unstreamable         # the end of the document, and no items
            _, event, value = next(events)
            if key == "items" and event == "start_array":
                found["items"] = []         # read next, one at a time
                return found
            if key == "feeds" and key not in found:     # before the items (tracker/feeds/transfer.py)
                from tracker.feeds.transfer import read_member

                found[key] = read_member(events, event, value)
                continue
            if key in found or key == "history" or event in ("start_map", "start_array"):
                raise _Unstreamable
            found[key] = value
    except (JSONError, ValueError, RecursionError, StopIteration):
        raise _Unstreamable from None
    raise _Unstreamable


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


# -- checking and writing what a file holds ------------------------------------------

def _check_item(entry: Any, index: int, name: str) -> tuple[str, Ref, str]:
    """An item's place for messages, its reference in the file and its uid."""
    where = f"{name}: item {index}"
    if not isinstance(entry, dict):
        raise BadArgument(f"{where}: must be an object")
    try:
        ref = parse_ref(_text(entry, "ref", True), what="ref")
    except BadArgument as error:
        raise _within(where, error) from None
    where = f"{name}: item {index} ({ref})"
    if entry.get("type") != ref.type:
        raise BadArgument(f"{where}: \"type\" must be \"{ref.type}\" for a {PREFIX[ref.type]} reference")
    try:
        uid = _text(entry, "uid", True).strip()
    except BadArgument as error:
        raise _within(where, error) from None
    return where, ref, uid


class _Notes:
    """The notes of a file's log (entries that change no field), which a retraction
    may name by place: in arrays, in the order of the file (a log may hold a million)."""

    def __init__(self) -> None:
        self.places, self.ids, self.items = array("q"), array("q"), array("q")

    def add(self, place: int, change_id: int, item_id: int) -> None:
        self.places.append(place)
        self.ids.append(change_id)
        self.items.append(item_id)

    def get(self, place: str) -> tuple[int, int] | None:
        """(the id here, its item's id) of the note at that place ("7"), if there is one."""
        if not place.isdecimal() or str(int(place)) != place:
            return None
        at = bisect_left(self.places, int(place))
        if at < len(self.places) and self.places[at] == int(place):
            return self.ids[at], self.items[at]
        return None


class _Refs:
    """The file's references of one type, by number: the id each has here (negative
    for an item that was here already), and the zone its dates are read in. Arrays,
    not dicts: a million items take 10 MB, not 150."""

    def __init__(self) -> None:
        self.ids, self.zones = array("q"), array("H")
        self.sparse: dict[int, tuple[int, int]] | None = None     # numbers too far apart for arrays

    def id(self, num: int) -> int:
        if self.sparse is not None:
            return self.sparse.get(num, (0, 0))[0]
        return self.ids[num] if num < len(self.ids) else 0

    def zone(self, num: int) -> int:
        return self.sparse[num][1] if self.sparse is not None else self.zones[num]

    def put(self, num: int, item_id: int, zone: int) -> None:
        if self.sparse is None and num >= len(self.ids):
            if num > 4 * len(self.ids) + 1_000_000:
                self.sparse = {n: (i, z) for n, (i, z) in enumerate(zip(self.ids, self.zones)) if i}
            else:
                more = max(num + 1, 2 * len(self.ids)) - len(self.ids)
                self.ids.extend(array("q", bytes(8 * more)))
                self.zones.extend(array("H", bytes(2 * more)))
        if self.sparse is not None:
            self.sparse[num] = (item_id, zone)
        else:
            self.ids[num], self.zones[num] = item_id, zone


# The columns of an item an add plans, in the order of the statement that writes them.
_PLANNED = ("title", "kind", "status", "event_id", "starts", "starts_utc", "ends", "ends_utc", "tz", "location",
            "sector", "due", "due_utc", "series", "series_number")
_ITEM_COLUMNS = ["id", "uid", "type", "num", *_PLANNED, "created", "updated", "removed"]


class _Load:
    """One import: items checked as `tracker add` checks them and written in batches,
    then the log, in one transaction."""

    def __init__(self, store: Store, name: str, progress) -> None:
        self.store, self.name, self.progress = store, name, progress
        self.known = store.uids()                     # uids here before the import
        self.known_seen: set[str] = set()
        self.refs = {"event": _Refs(), "agreement": _Refs()}
        self.moved: dict[tuple[str, int], Ref] = {}   # the file's ref -> the ref here, where they differ
        self.taken = {item_type: store.nums(item_type) for item_type in ("event", "agreement")}
        self.given: dict[str, set[int]] = {"event": set(), "agreement": set()}     # numbers not the file's
        self.last = {item_type: max(nums, default=0) for item_type, nums in self.taken.items()}
        self.first_id = self.next_id = store.next_item_id()
        self.zone_names: list[str] = []
        self.zone_index: dict[str, int] = {}
        # Items whose event comes later in the file, by that event's ref.
        self.waiting: dict[str, list[tuple[int, str, Ref, str, dict]]] = {}
        self.parked: set[str] = set()
        self.items = self.added = 0
        self.rows: list[tuple] = []
        self.names: list[tuple[int, list[str], list[str]]] = []
        self.wheres: list[tuple[str, str]] = []       # (uid, where) of the rows in the batch

    # -- items ------------------------------------------------------------------

    def item(self, entry: Any, index: int) -> None:
        where, ref, uid = _check_item(entry, index, self.name)
        self.items += 1
        self.progress.rows += 1
        refs = self.refs[ref.type]
        if not uid or refs.id(ref.num) or str(ref) in self.parked:
            raise BadArgument(f"{where}: its uid or ref is empty or repeats an earlier item")
        if uid in self.known:
            if uid in self.known_seen:
                raise BadArgument(f"{where}: its uid or ref is empty or repeats an earlier item")
            self.known_seen.add(uid)
            item_id = self.store.item_id_by_uid(uid)
            row = self.store.columns(item_id)
            refs.put(ref.num, -item_id, 0)
            if (row["type"], row["num"]) != (ref.type, ref.num):
                self.moved[ref.type, ref.num] = Ref(row["type"], row["num"])
            self._release(ref)
            return
        try:
            link = _text(entry, "parent" if ref.type == "event" else "event")
            if link is not None:
                linked = parse_ref(link, want="event", what="its event")
                if not self.refs["event"].id(linked.num):
                    # Its event comes later in the file: it waits for it.
                    self.waiting.setdefault(str(linked), []).append((index, where, ref, uid, entry))
                    self.parked.add(str(ref))
                    return
        except BadArgument as error:
            raise _within(where, error) from None
        self._add(where, ref, uid, entry)

    def _release(self, ref: Ref) -> None:
        """Add what was waiting for this event, and what waited for those, in turn."""
        if not self.waiting:
            return
        pending = [ref]
        while pending:
            for _, where, waiting_ref, uid, entry in self.waiting.pop(str(pending.pop()), ()):
                self._add(where, waiting_ref, uid, entry, release=False)
                pending.append(waiting_ref)

    def here(self, ref: Ref) -> Ref:
        """The ref here of an item of the file (known to be in it)."""
        return self.moved.get((ref.type, ref.num), ref)

    def _add(self, where: str, ref: Ref, uid: str, entry: dict, release: bool = True) -> None:
        store = self.store
        try:
            link = _text(entry, "parent" if ref.type == "event" else "event")
            if link is not None:
                link = str(self.here(parse_ref(link, want="event", what="its event")))
            plan = core.plan_fields(store, ref.type, core.Fields(
                title=_text(entry, "title", True), kind=_text(entry, "kind", True),
                status=_text(entry, "status", True),
                parties=_names(entry, "parties"), tags=_names(entry, "tags"),
                start=_text(entry, "start"), end=_text(entry, "end"),
                tz=_text(entry, "tz"), location=_text(entry, "location"),
                within=link, sector=_text(entry, "sector"), due=_text(entry, "due"),
                series=_text(entry, "series"), number=_number(entry, "series_number"),
            ), into_removed=True)
            created, updated = _stamp(entry, "created"), _stamp(entry, "updated")
            removed = _stamp(entry, "removed", required=False)
        except BadArgument as error:
            raise _within(where, error) from None
        # Keep the file's number when it is free, else take the next one.
        num = ref.num
        if num in self.taken[ref.type] or num in self.given[ref.type]:
            num = self.last[ref.type] + 1
            self.given[ref.type].add(num)
            self.moved[ref.type, ref.num] = Ref(ref.type, num)
        if num > self.last[ref.type]:
            self.last[ref.type] = num
        item_id = self.next_id
        self.next_id += 1
        columns = plan.columns
        event_id = columns.get("event_id")
        if ref.type == "event":
            store.loaded("event", num, item_id, columns.get("tz"), event_id)
        # The zone its log is read in, as core.item_zone finds it.
        zone = columns.get("tz") or (store.zone_of(event_id) if event_id else None) or dates.user_zone_name()
        index = self.zone_index.get(zone)
        if index is None:
            index = self.zone_index[zone] = len(self.zone_names)
            self.zone_names.append(zone)
        self.refs[ref.type].put(ref.num, item_id, index)
        self.rows.append((item_id, uid, ref.type, num, *map(columns.get, _PLANNED), created, updated, removed))
        self.names.append((item_id, plan.parties or [], plan.tags or []))
        self.wheres.append((uid, where))
        self.added += 1
        if len(self.rows) >= BATCH:
            self.write_items()
        if release:
            self._release(ref)

    def write_items(self) -> None:
        if not self.rows:
            return
        store = self.store
        try:
            store.insert_rows("items", _ITEM_COLUMNS, self.rows)
        except sqlite3.IntegrityError:
            self._repeated_uid()
            raise
        store.insert_rows("item_parties", ["item_id", "position", "party"],
                          [(item_id, position, party) for item_id, parties, _ in self.names
                           for position, party in enumerate(parties)])
        store.insert_rows("item_tags", ["item_id", "position", "tag"],
                          [(item_id, position, tag) for item_id, _, tags in self.names
                           for position, tag in enumerate(tags)])
        self.rows, self.names, self.wheres = [], [], []

    def _repeated_uid(self) -> None:
        """The item of this batch whose uid an earlier item of the file has: the
        database refused the batch for it (uids are unique there)."""
        earlier: set[str] = set()
        for (uid, where), row in zip(self.wheres, self.rows):
            found = self.store.item_id_by_uid(uid)
            if uid in earlier or (found is not None and found != row[0]):
                raise BadArgument(f"{where}: its uid or ref is empty or repeats an earlier item")
            earlier.add(uid)

    def finish_items(self) -> None:
        """Write the last batch; what still waits for its event waits for one not in the file, or for itself."""
        if self.waiting:
            refs_waiting = {str(entry[2]): target for target, entries in self.waiting.items() for entry in entries}
            for entries in self.waiting.values():
                ref = entries[0][2]
                trail, ref_text = [], str(ref)
                while ref_text in refs_waiting and ref_text not in trail:
                    trail.append(ref_text)
                    ref_text = refs_waiting[ref_text]
                if ref_text in trail:
                    loop = trail[trail.index(ref_text):]
                    more = f" and {len(loop) - 5:,} more" if len(loop) > 5 else ""
                    raise BadArgument(f"{self.name}: events {', '.join(loop[:5])}{more} are inside each other in a loop")
            _, where, ref, _, _ = min(entry for entries in self.waiting.values() for entry in entries)
            raise BadArgument(f"{where}: its event {refs_waiting[str(ref)]} is not in the file")
        self.write_items()

    # -- the log ------------------------------------------------------------------

    def history(self, entries: Iterator) -> int:
        store, name = self.store, self.name
        first_change = store.next_change_id()
        logged = bytearray(self.next_id - self.first_id)      # per item added: has it a row in the log
        notes = _Notes()
        # Retractions of a note later in the file (a log is exported in the order things
        # happened): written once the file is read, with the id of their own place.
        held: list[tuple] = []
        rows: list[tuple] = []
        change_id, recorded = first_change, None
        progress = self.progress
        for index, entry in enumerate(entries, start=1):
            progress.rows += 1
            try:
                row = self._history_row(entry)
            except BadArgument as error:
                raise _within(f"{name}: history entry {index}", error) from None
            if row is None:
                continue
            item_id, field = row[0], row[1]
            logged[item_id - self.first_id] = 1
            # The command's time is that of the first row in the file's order, held or not.
            recorded = recorded or row[6]
            if field == "retracted":
                retraction = self._retraction(row, notes, final=False)
                if retraction is None:
                    held.append((change_id, *row))
                    change_id += 1
                    continue
                row = retraction
            elif not field:
                notes.add(index, change_id, item_id)
            rows.append((change_id, *row))
            change_id += 1
            if len(rows) >= BATCH:
                store.log_rows(rows, recorded)
                rows = []
        rows.extend((held_id, *self._retraction(row, notes, final=True)) for held_id, *row in held)
        # Every item has its creation in the log, even one from a hand-made file.
        if self.added and logged.count(0):
            now = dates.now()
            for offset in (offset for offset, done in enumerate(logged) if not done):
                item_id = self.first_id + offset
                rows.append((change_id, item_id, "created", None, store.columns(item_id)["status"], dates.stamp(now),
                             dates.utc_text(now), dates.stamp(now), None, f"imported from {name}"))
                change_id += 1
        if rows:
            store.log_rows(rows, recorded or rows[0][7])
        return change_id - first_change

    def _retraction(self, row: tuple, notes: _Notes, final: bool) -> tuple | None:
        """A retraction names its note by place in the file: here, by the id of its row.
        None while that note may still come (not `final`)."""
        values = []
        for value in (row[2], row[3]):
            if value is not None:
                target = notes.get(value)
                if target is None and not final:
                    return None
                if target is None or target[1] != row[0]:
                    raise BadArgument(f"{self.name}: a retraction names history entry {value!r}, which is not "
                                      "a note on the same item in the file")
                value = str(target[0])
            values.append(value)
        return (row[0], row[1], *values, *row[4:])

    def _history_row(self, entry: Any) -> tuple | None:
        """One entry of a file's log as a row to insert; None for an item that was here already."""
        if not isinstance(entry, dict):
            raise BadArgument("must be an object")
        ref = parse_ref(_text(entry, "ref", True), what="ref")
        refs = self.refs[ref.type]
        item_id = refs.id(ref.num)
        if not item_id:
            raise BadArgument(f"its item {ref} is not in the file")
        if item_id < 0:
            return None         # an item that was here already keeps its own log
        old, new = entry.get("old"), entry.get("new")
        for value in (old, new):
            if not (value is None or isinstance(value, str) or
                    (isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise BadArgument("\"old\" and \"new\" must be strings, lists of strings or null")
        happened = dates.parse_when(_text(entry, "on", True), self.zone_names[refs.zone(ref.num)], what="on",
                                    relative=False)
        field = _text(entry, "field")
        if field in ("parent", "event"):
            # The event as it is numbered here: an import renumbers what it cannot keep.
            old, new = self._renumbered(old), self._renumbered(new)
        return (item_id, field, to_log(old), to_log(new), happened.text, happened.utc_start,
                _stamp(entry, "recorded"), check_source(_text(entry, "source")), _text(entry, "note"))

    def _renumbered(self, value):
        """A file's reference in a logged value, as that item is numbered here."""
        if not isinstance(value, str):
            return value
        try:
            ref = parse_ref(value)
        except BadArgument:
            return value
        return str(self.here(ref)) if self.refs[ref.type].id(ref.num) else value


def _import(store: Store, name: str, items: Iterator, history: Callable[[], Iterator], count: int,
            progress, feeds: Any = None) -> str:
    """Import a file's items and log, read one at a time: all of it, or nothing."""
    large = count > BULK_ITEMS
    with store.writing(), (store.bulk_loading(count) if large else store.loading()):
        load = _Load(store, name, progress)
        for index, entry in enumerate(items, start=1):
            load.item(entry, index)
        load.finish_items()
        changes = load.history(history())
        if feeds is not None:       # the news followed, seen and decided (tracker/feeds/transfer.py)
            from tracker.feeds.transfer import load as load_feeds

            feeds = load_feeds(store, feeds, name,
                               lambda ref: load.here(ref) if load.refs[ref.type].id(ref.num) else None)
    added, skipped = load.added, load.items - load.added
    return (f"imported {added} item{'s' * (added != 1)} and {changes} change{'s' * (changes != 1)} "
            f"from {name}" + (f"; {skipped} already here, left as they are" if skipped else "") + (feeds or ""))


# -- a file of dated updates: the news, replayed ------------------------------------

_FIELD_KEYS = {"title", "kind", "status", "parties", "tags", "start", "end", "tz", "location",
               "in", "event", "sector", "due", "series", "number", "clear"}


# The keys of one entry of a file of updates.
_ENTRY_KEYS = {"ref", "add", "uid", "on", "set", "source", "note"}


def _unknown_key(what: str, key: str, known) -> BadArgument:
    return BadArgument(f"{what} {excerpt(key)}{did_you_mean(closest(key, sorted(known)))} "
                       f"(known: {', '.join(sorted(known))})")


def _fields(values: Any, where: str) -> core.Fields:
    if not isinstance(values, dict):
        raise BadArgument(f"{where}: the fields must be an object")
    unknown = set(values) - _FIELD_KEYS
    if unknown:
        raise _unknown_key(f"{where}: unknown field", sorted(unknown)[0], _FIELD_KEYS)
    texts = {key: _text(values, key)
             for key in _FIELD_KEYS - {"parties", "tags", "clear", "in", "event", "number"}}
    within = _text(values, "in") or _text(values, "event")
    return core.Fields(
        **texts, within=within, number=_number(values, "number"),
        parties=_names(values, "parties") if "parties" in values else None,
        tags=_names(values, "tags") if "tags" in values else None,
        clear=_names(values, "clear"),
    )


def apply_file(store: Store, path: Path) -> tuple[str, str | None]:
    """Replay a file of dated updates, each as `tracker add` or `tracker update` would, in one transaction.

    {"format": "tracker-updates", "version": 1, "updates": [
        {"ref": "A3", "on": "2025-12-05", "set": {"status": "signed"}, "source": "https://...", "note": "..."},
        {"add": "agreement", "uid": "...", "on": "2025-12-05", "set": {"title": "...", "event": "E2"}, ...}]}
    An update's "ref" may be a reference or the uid of an item.
    Returns the summary, and a warning when an "add" without a uid (which a replay
    cannot recognise, so adds again) was applied.
    """
    from tracker.progress import Progress

    name = _name(path)
    document = read_document(path, UPDATES_FORMAT, "updates")
    added = updated = already = without_uid = 0
    updates = document["updates"]
    with store.writing(), Progress(f"applying {name}", total=len(updates), every=100) as progress:
        for index, entry in enumerate(_counted(updates, progress), start=1):
            where = f"{name}: update {index}"
            if not isinstance(entry, dict):
                raise BadArgument(f"{where}: must be an object")
            unknown = set(entry) - _ENTRY_KEYS
            if unknown:
                # A misspelt "note" or "source" would be lost without a word.
                raise _unknown_key(f"{where}: unknown key", sorted(unknown)[0], _ENTRY_KEYS)
            try:
                given = _fields(entry.get("set", {}), where)
                said = core.Entry(_text(entry, "on"), _text(entry, "source"), _text(entry, "note"), on_name='"on"')
                if "add" in entry:
                    kind = entry["add"]
                    if kind not in ("event", "agreement"):
                        raise BadArgument(f"\"add\" must be \"event\" or \"agreement\", not {excerpt(kind)}")
                    if _added_before(store, kind, _text(entry, "uid")):
                        already += 1
                        continue
                    uid = _text(entry, "uid")
                    core.add(store, kind, given, said, uid=uid)
                    added += 1
                    without_uid += uid is None
                else:
                    target = _text(entry, "ref", True)
                    item_id = store.item_id_by_uid(target)
                    if item_id is not None:
                        row = store.columns(item_id)
                        ref = Ref(row["type"], row["num"])
                    else:
                        ref = parse_ref(target)
                    if core.already_applied(store, ref, given, said) or not core.update(store, ref, given, said).changes:
                        already += 1
                        continue
                    updated += 1
            except TrackerError as error:
                raise _within(where, error) from None
    warning = None
    if without_uid:
        # Not refused: files written before uids mattered still apply.
        warning = (f"warning: {without_uid} \"add\"{'s' * (without_uid != 1)} in {name} "
                   f"had no \"uid\": applying the file again would add {'them' if without_uid != 1 else 'it'} "
                   "again (give each \"add\" a \"uid\" of its own)")
    if not added + updated:
        return f"{name}: all {already} updates applied already; nothing changed", warning
    return (f"{name}: {already} already applied, {added + updated} applied "
            f"({added} added, {updated} updated)"), warning


def _added_before(store: Store, kind: str, uid: str | None) -> bool:
    """Whether a file's "add" is here already: an item of that uid (a uid names one
    item for ever) is that add, applied before. Of another type, it is an error."""
    item_id = store.item_id_by_uid(uid) if uid else None
    if item_id is None:
        return False
    row = store.columns(item_id)
    if row["type"] != kind:
        raise BadArgument(f"uid {excerpt(uid)} is {Ref(row['type'], row['num'])} here, an {row['type']}, "
                          f"not an {kind}: give the new item a uid of its own")
    return True
