"""Checking and writing what an export holds: items as `tracker add` checks them, then
their log, in batches, in one transaction."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from typing import Any

from tracker import core, dates
from tracker.errors import BadArgument
from tracker.model import PREFIX, Ref, check_by, check_source, parse_ref
from tracker.store import Store
from tracker.store.log import to_log
from tracker.transfer.document import _names, _number, _stamp, _text, _uid, _within

# From this many items on, an import fills the search index and the counts in
# one pass at the end instead of row by row.
BULK_ITEMS = 1000

# Items or log rows written per batch of statements.
BATCH = 4096
# Dates of the log kept read at most (some 250 bytes each): memory flat at any size.
HAPPENED_KEPT = 16_384


_FILE_PREFIX = {"A": "agreement", "E": "event", "a": "agreement", "e": "event"}


def _file_ref(text: Any, want: str | None = None, what: str = "ref") -> Ref:
    """parse_ref(text, want=want, what=what), the form files hold (A12, E3) read without
    its pattern: a large import names more references than parse_ref keeps read. The
    same Ref, or the same refusal (from parse_ref itself)."""
    if text.__class__ is str and len(text) > 1:
        digits = text[1:]
        item_type = _FILE_PREFIX.get(text[0])
        if (item_type is not None and (want is None or item_type == want) and digits.isascii()
                and digits.isdigit() and digits[0] != "0" and len(digits) <= 18):
            return Ref(item_type, int(digits))
    return parse_ref(text, want=want, what=what)


def _check_item(entry: Any, index: int, name: str) -> tuple[str, Ref, str]:
    """An item's place for messages, its reference in the file and its uid."""
    where = f"{name}: item {index}"
    if not isinstance(entry, dict):
        raise BadArgument(f"{where}: must be an object")
    try:
        text = entry.get("ref")
        ref = _file_ref(text if text.__class__ is str else _text(entry, "ref", True))
    except BadArgument as error:
        raise _within(where, error) from None
    where = f"{name}: item {index} ({ref})"
    if entry.get("type") != ref.type:
        raise BadArgument(f"{where}: \"type\" must be \"{ref.type}\" for a {PREFIX[ref.type]} reference")
    try:
        uid = entry.get("uid")
        uid = (uid if uid.__class__ is str else _text(entry, "uid", True)).strip()
        if not uid.isprintable():
            _uid(entry)   # says which character
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
                # A quarter more at a time, from bytes: doubling, through a copy, held up to
                # four times the arrays' size at a million items.
                more = max(num + 1, len(self.ids) + len(self.ids) // 4 + 1024) - len(self.ids)
                self.ids.frombytes(bytes(8 * more))
                self.zones.frombytes(bytes(2 * more))
        if self.sparse is not None:
            self.sparse[num] = (item_id, zone)
        else:
            self.ids[num], self.zones[num] = item_id, zone


# The columns of an item an add plans, in the order of the statement that writes them.
_PLANNED = ("title", "kind", "status", "event_id", "starts", "starts_utc", "ends", "ends_utc", "tz", "location",
            "sector", "due", "due_utc", "series", "series_number")
_ITEM_COLUMNS = ["id", "uid", "type", "num", *_PLANNED, "created", "updated", "removed"]


_LINK = {"event": "parent", "agreement": "event"}
# The text fields of an item in a file, in the order they are read.
_ITEM_TEXTS = ("title", "kind", "status", "start", "end", "tz", "location", "sector", "due", "series")
_STR, _STR_OR_NONE = {str}, {str, type(None)}


def _fields(entry: dict, link: str | None) -> core.Fields:
    """An item's fields as _text, _names and _number read them: the common item (strings
    where strings go) checked in a few C calls, any other by those readers, in the same
    order, so that the first problem named is the same."""
    title, kind, status, start, end, tz, location, sector, due, series = map(entry.get, _ITEM_TEXTS)
    parties, tags, number = entry.get("parties", []), entry.get("tags", []), entry.get("series_number")
    if (title.__class__ is str and kind.__class__ is str and status.__class__ is str
            and _STR_OR_NONE.issuperset(map(type, (start, end, tz, location, sector, due, series)))
            and parties.__class__ is list and _STR.issuperset(map(type, parties))
            and tags.__class__ is list and _STR.issuperset(map(type, tags))
            and (number is None or number.__class__ is int)):
        return core.Fields(title=title, kind=kind, status=status, parties=parties, tags=tags, start=start,
                           end=end, tz=tz, location=location, within=link, sector=sector, due=due,
                           series=series, number=number)
    return core.Fields(
        title=_text(entry, "title", True), kind=_text(entry, "kind", True),
        status=_text(entry, "status", True),
        parties=_names(entry, "parties"), tags=_names(entry, "tags"),
        start=_text(entry, "start"), end=_text(entry, "end"),
        tz=_text(entry, "tz"), location=_text(entry, "location"),
        within=link, sector=_text(entry, "sector"), due=_text(entry, "due"),
        series=_text(entry, "series"), number=_number(entry, "series_number"),
    )


# The keys of a log entry, in the order _history_row reads them.
_LOG_KEYS = ("ref", "old", "new", "on", "field", "recorded", "source", "note", "by")


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
        # The log's dates read, by (text, zone index): (as stored, its first instant in UTC).
        # A log names the same few thousand days again and again.
        self.happened: dict[tuple[str, int], tuple[str, str]] = {}
        self.user_zone = dates.user_zone_name()
        self.authors: dict[str, str | None] = {}      # a file's `by` names, as checked (see _by)
        # Who imports, for the changes the import logs itself; a TRACKER_USER that is no
        # name is refused before anything is read.
        store.recorded_by()

    # -- items ------------------------------------------------------------------

    def item(self, entry: Any, index: int) -> None:
        where, ref, uid = _check_item(entry, index, self.name)
        self.items += 1
        self.progress.rows += 1
        refs = self.refs[ref.type]
        if not uid or refs.id(ref.num) or (self.parked and str(ref) in self.parked):
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
            link = entry.get("parent" if ref.type == "event" else "event")
            if link is not None:
                linked = _file_ref(link if link.__class__ is str else _text(entry, _LINK[ref.type]),
                                   want="event", what="its event")
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
            link = entry.get(_LINK[ref.type])
            if link is not None:
                link = _file_ref(link if link.__class__ is str else _text(entry, _LINK[ref.type]),
                                 want="event", what="its event")
                link = str(self.here(link) if self.moved else link)
            plan = core.plan_fields(store, ref.type, _fields(entry, link), into_removed=True)
            created, updated, removed = entry.get("created"), entry.get("updated"), entry.get("removed")
            if created.__class__ is str and updated.__class__ is str and (removed is None or removed.__class__ is str):
                created = dates.read_stamp(created, what="created")
                updated = dates.read_stamp(updated, what="updated")
                removed = None if removed is None else dates.read_stamp(removed, what="removed")
            else:
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
        # The zone its log is read in, as core.item_zone finds it.
        zone = columns.get("tz") or (store.zone_of(event_id) if event_id else None) or self.user_zone
        index = self.zone_index.get(zone)
        if index is None:
            index = self.zone_index[zone] = len(self.zone_names)
            self.zone_names.append(zone)
        if ref.type == "event":
            # Its zone's name kept once, not once per event (a million-item load has 100k).
            store.loaded("event", num, item_id, self.zone_names[index] if columns.get("tz") else None, event_id)
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
        except store.dialect.IntegrityError:
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
                             dates.utc_text(now), dates.stamp(now), None, f"imported from {name}",
                             store.recorded_by()))
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
        """One entry of a file's log as a row to insert; None for an item that was here already.

        The common entry (strings where strings go, an item of the file, no event to
        renumber) is checked here in few steps, its date read once per day and zone;
        any other is read by _checked_history_row, which names what is wrong. Both check
        the same things in the same order, so the first problem found is the same."""
        if entry.__class__ is not dict:
            return self._checked_history_row(entry)
        ref_text, old, new, on, field, recorded, source, note, by = map(entry.get, _LOG_KEYS)
        if not (ref_text.__class__ is str and on.__class__ is str and recorded.__class__ is str
                and (old is None or old.__class__ is str) and (new is None or new.__class__ is str)
                and (field is None or (field.__class__ is str and field != "parent" and field != "event"))
                and (source is None or source.__class__ is str) and (note is None or note.__class__ is str)):
            return self._checked_history_row(entry)
        ref = _file_ref(ref_text)
        refs = self.refs[ref.type]
        item_id = refs.id(ref.num)
        if item_id <= 0:
            return self._checked_history_row(entry)
        zone = refs.zone(ref.num)
        reading = self.happened.get((on, zone))
        if reading is None:
            happened = dates.parse_when(on, self.zone_names[zone], what="on", relative=False)
            # A day is stored as written: its text kept once.
            reading = (on if happened.text == on else happened.text, happened.utc_start)
            if len(self.happened) >= HAPPENED_KEPT:
                self.happened.clear()
            self.happened[on, zone] = reading
        return (item_id, field, old, new, *reading, dates.read_stamp(recorded, what="recorded"),
                None if source is None else check_source(source), note, self._by(by))

    def _checked_history_row(self, entry: Any) -> tuple | None:
        """_history_row for any entry, each field read by the readers that name a problem."""
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
                _stamp(entry, "recorded"), check_source(_text(entry, "source")), _text(entry, "note"),
                self._by(entry.get("by")))

    def _by(self, by: Any) -> str | None:
        """Who made a file's change, kept as the file says (an export's `by`; none in an
        older one's). A desk has a few authors: each name is checked once."""
        if by is None:
            return None
        if by.__class__ is str and by in self.authors:
            return self.authors[by]
        checked = self.authors[by] = check_by(by, '"by"')     # a string: check_by refuses anything else
        return checked

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
