"""Export and import: the whole database as one JSON document, and back, losslessly.

Items are matched by uid, so importing the same file twice changes nothing.
Every item in a file is checked as `tracker add` checks it before anything is
written, and the import is one transaction.
"""

from __future__ import annotations

import gc
import json
import re
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tracker import core, dates
from tracker.errors import BadArgument, TrackerError, closest, did_you_mean, excerpt, not_text, readable
from tracker.model import PREFIX, Ref, check_source, parse_ref
from tracker.render.json import change_data, item_data
from tracker.store import ItemQuery, Store

FORMAT = "tracker-export"
UPDATES_FORMAT = "tracker-updates"
# What each format is, and the command that reads it.
_READERS = {FORMAT: ("an export", "import"), UPDATES_FORMAT: ("a file of updates", "apply")}
VERSION = 1
# From this many items on, an import fills the search index and the counts in
# one pass at the end instead of row by row.
BULK_ITEMS = 1000


def export_document(store: Store) -> dict[str, Any]:
    items = store.items(ItemQuery(with_removed=True))
    items.sort(key=lambda item: (item.type != "event", item.ref.num))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported": dates.stamp(dates.now()),
        "items": [item_data(item) for item in items],
        "history": _history_data(store.history()),
    }


def _history_data(history: list) -> list[dict[str, Any]]:
    """The log as a file holds it. A retraction names the entry it retracts by its place
    in the file's history (from 1), not by its id here: ids differ from one database
    to another, and an import gives the entry an id of its own."""
    places = {str(change.id): str(place) for place, change in enumerate(history, start=1)}
    entries = []
    for change in history:
        entry = change_data(change)
        if change.field == "retracted":
            entry["old"], entry["new"] = places.get(change.old, change.old), places.get(change.new, change.new)
        entries.append(entry)
    return entries


def read_document(path: Path, kind: str = FORMAT, key: str = "items") -> dict[str, Any]:
    from tracker.streams import read_input

    name = "stdin" if str(path) == "-" else str(path)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is not part of the text.
        text = read_input(path).decode("utf-8-sig")
    except FileNotFoundError:
        raise BadArgument(f"no file {name}: check the path") from None
    except UnicodeDecodeError as error:
        raise BadArgument(f"{name} is not valid text (UTF-8): byte {error.start:,} is not UTF-8; "
                          "save the file as UTF-8") from None
    except OSError as error:
        raise BadArgument(f"cannot read {name}: {error}") from None
    wanted = ("a file written by `tracker export`" if kind == FORMAT else
              f'a {kind} file, {{"format": "{kind}", "version": {VERSION}, "{key}": [...]}} (see JSON shapes in the README)')
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
    return document


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


def import_file(store: Store, path: Path) -> str:
    name = "stdin" if str(path) == "-" else str(path)
    # An import makes millions of objects and no reference cycles: the cycle
    # collector would walk them all, again and again, for nothing (a fifth of
    # the time of a 100k import).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return import_document(store, read_document(path), name)
    finally:
        if was_enabled:
            gc.enable()


# The readers of one field: their errors name the field, and the caller adds
# which entry of which file (only when something is wrong: a large import reads
# a million fields).
def _text(entry: dict, key: str, required: bool = False) -> str | None:
    value = entry.get(key)
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


def _in_order(entries: list[tuple[tuple[str, str], dict]], name: str) -> list[list[tuple[tuple[str, str], dict]]]:
    """Levels to insert one after the other: top events, the events inside them, ...,
    then agreements, so that what an item belongs to is always there before it."""
    by_ref = {where_ref[1]: entry for where_ref, entry in entries}
    depth: dict[str, int] = {}

    def depth_of(start: str) -> int:
        # Followed up the chain of parents with a list, not recursion: a file may nest
        # events thousands deep, listed child first.
        trail: list[str] = []
        on_trail: set[str] = set()
        ref = start
        while ref not in depth:
            entry = by_ref.get(ref, {})
            link = entry.get("parent") if entry.get("type") == "event" else entry.get("event")
            if not isinstance(link, str) or link.upper() not in by_ref:
                depth[ref] = 0
                break
            if ref in on_trail:
                loop = trail[trail.index(ref):]
                more = f" and {len(loop) - 5:,} more" if len(loop) > 5 else ""
                raise BadArgument(f"{name}: events {', '.join(loop[:5])}{more} are inside each other in a loop")
            trail.append(ref)
            on_trail.add(ref)
            ref = link.upper()
        for level, ref in enumerate(reversed(trail), start=depth[ref] + 1):
            depth[ref] = level
        return depth[start]

    levels: dict[tuple[bool, int], list] = {}
    for pair in entries:
        is_agreement = pair[1]["type"] != "event"
        levels.setdefault((is_agreement, 0 if is_agreement else depth_of(pair[0][1])), []).append(pair)
    return [levels[key] for key in sorted(levels)]


def _check_item(entry: Any, index: int, name: str, seen: set[str]) -> tuple[tuple[str, str], dict]:
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
    if not uid or uid in seen or str(ref) in seen:
        raise BadArgument(f"{where}: its uid or ref is empty or repeats an earlier item")
    seen.update((uid, str(ref)))
    return (where, str(ref)), entry


def import_document(store: Store, document: dict[str, Any], name: str) -> str:
    seen: set[str] = set()
    entries = [_check_item(entry, index, name, seen)
               for index, entry in enumerate(document["items"], start=1)]
    large = len(entries) > BULK_ITEMS
    with store.writing(), (store.bulk_loading(len(entries)) if large else nullcontext()):
        known = store.uids()
        taken = {item_type: store.nums(item_type) for item_type in ("event", "agreement")}
        last = {item_type: max(nums, default=0) for item_type, nums in taken.items()}
        here: dict[str, Ref] = {}       # the file's ref -> the ref here
        imported: dict[str, int] = {}   # the file's ref -> id, for items this import adds
        for level in _in_order(entries, name):
            rows, names, refs = [], [], []
            for (where, ref_text), entry in level:
                ref = parse_ref(ref_text)     # read once already: a cached lookup
                uid = entry["uid"].strip()
                if uid in known:
                    row = store.columns(store.item_id_by_uid(uid))
                    here[ref_text] = Ref(row["type"], row["num"])
                    continue
                try:
                    link = _text(entry, "parent" if ref.type == "event" else "event")
                    if link is not None:
                        linked = parse_ref(link, want="event", what="its event")
                        if str(linked) not in here:
                            raise BadArgument(f"its event {linked} is not in the file")
                        link = str(here[str(linked)])
                    plan = core.plan_fields(store, ref.type, core.Fields(
                        title=_text(entry, "title", True), kind=_text(entry, "kind", True),
                        status=_text(entry, "status", True),
                        parties=_names(entry, "parties"), tags=_names(entry, "tags"),
                        start=_text(entry, "start"), end=_text(entry, "end"),
                        tz=_text(entry, "tz"), location=_text(entry, "location"),
                        within=link, sector=_text(entry, "sector"), due=_text(entry, "due"),
                        series=_text(entry, "series"), number=_number(entry, "series_number"),
                    ), into_removed=True)
                    stamps = {"created": _stamp(entry, "created"), "updated": _stamp(entry, "updated"),
                              "removed": _stamp(entry, "removed", required=False)}
                except BadArgument as error:
                    raise _within(where, error) from None
                # Keep the file's number when it is free, else take the next one.
                nums = taken[ref.type]
                num = ref.num if ref.num not in nums else last[ref.type] + 1
                nums.add(num)
                last[ref.type] = max(last[ref.type], num)
                rows.append({"uid": uid, "type": ref.type, "num": num, **stamps, **plan.columns})
                names.append((plan.parties or [], plan.tags or []))
                refs.append(ref_text)
                here[ref_text] = Ref(ref.type, num)
            imported.update(zip(refs, store.insert_items(rows, names)))

        rows = _history_rows(store, document.get("history", []), name, here, imported)
        store.log(rows)
    added, skipped = len(imported), len(entries) - len(imported)
    return (f"imported {added} item{'s' * (added != 1)} and {len(rows)} change{'s' * (len(rows) != 1)} "
            f"from {name}" + (f"; {skipped} already here, left as they are" if skipped else ""))


def _history_rows(store: Store, history: list, name: str, here: dict[str, Ref],
                  imported: dict[str, int]) -> list[dict]:
    rows, logged = [], set()
    zones: dict[int, str] = {}
    placed: dict[str, int] = {}     # an entry's place in the file -> its row's index in `rows`
    for index, entry in enumerate(history, start=1):
        try:
            row = _history_row(store, entry, here, imported, zones)
        except BadArgument as error:
            raise _within(f"{name}: history entry {index}", error) from None
        if row is not None:
            placed[str(index)] = len(rows)
            rows.append(row)
            logged.add(row["item_id"])
    # A retraction names its entry by place in the file: here, by the id its row will
    # get (the rows are inserted in this order, with the ids that follow the last one).
    first = store.next_change_id()
    for index, row in enumerate(rows):
        if row["field"] == "retracted":
            for key in ("old", "new"):
                if row[key] is not None:
                    target = placed.get(row[key])
                    if target is None or rows[target]["item_id"] != row["item_id"] or rows[target]["field"]:
                        raise BadArgument(f"{name}: a retraction names history entry {row[key]!r}, which is not "
                                          "a note on the same item in the file")
                    row[key] = str(first + target)
    # Every item has its creation in the log, even one from a hand-made file.
    now = dates.now()
    for item_id in imported.values():
        if item_id not in logged:
            rows.append({
                "item_id": item_id, "field": "created", "old": None,
                "new": store.columns(item_id)["status"], "happened": dates.stamp(now),
                "happened_utc": dates.utc_text(now), "recorded": dates.stamp(now),
                "source": None, "note": f"imported from {name}",
            })
    return rows


def _history_row(store: Store, entry: Any, here: dict[str, Ref], imported: dict[str, int],
                 zones: dict[int, str]) -> dict | None:
    """One entry of a file's log as a row to insert; None for an item that was here already."""
    if not isinstance(entry, dict):
        raise BadArgument("must be an object")
    ref_text = str(parse_ref(_text(entry, "ref", True), what="ref"))
    if ref_text not in here:
        raise BadArgument(f"its item {ref_text} is not in the file")
    item_id = imported.get(ref_text)
    if item_id is None:
        return None         # an item that was here already keeps its own log
    old, new = entry.get("old"), entry.get("new")
    for value in (old, new):
        if not (value is None or isinstance(value, str) or
                (isinstance(value, list) and all(isinstance(v, str) for v in value))):
            raise BadArgument("\"old\" and \"new\" must be strings, lists of strings or null")
    zone = zones.get(item_id)
    if zone is None:
        zone = zones[item_id] = core.item_zone(store, item_id)
    happened = dates.parse_when(_text(entry, "on", True), zone, what="on", relative=False)
    name = _text(entry, "field")
    if name in ("parent", "event"):
        # The event as it is numbered here: an import renumbers what it cannot keep.
        old, new = _renumbered(old, here), _renumbered(new, here)
    return {
        "item_id": item_id, "field": name, "old": old, "new": new,
        "happened": happened.text, "happened_utc": happened.utc_start,
        "recorded": _stamp(entry, "recorded"), "source": check_source(_text(entry, "source")),
        "note": _text(entry, "note"),
    }


def _renumbered(value, here: dict[str, Ref]):
    """A file's reference in a logged value, as that item is numbered here."""
    if not isinstance(value, str):
        return value
    try:
        ref = str(parse_ref(value))
    except BadArgument:
        return value
    return str(here[ref]) if ref in here else value


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
    name = "stdin" if str(path) == "-" else str(path)
    document = read_document(path, UPDATES_FORMAT, "updates")
    added = updated = already = without_uid = 0
    with store.writing():
        for index, entry in enumerate(document["updates"], start=1):
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
