"""What tracker does: add, update, remove, find. Validates, then asks the store.

Every operation writes its change and its log rows in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tracker import dates, errors
from tracker.errors import BadArgument, TrackerError, excerpt
from tracker.model import (
    CLOSED_STATUSES, KINDS, LONGEST_EVENT_DAYS, MAX_SERIES_NUMBER, STATUSES, Change, Item, ItemType, Ref,
    check_choice, check_names, check_sector, check_source, check_title, parse_ref,
)
from tracker.store import ItemQuery, Span, Store

# What `--clear` can empty, per type.
CLEARABLE: dict[str, tuple[str, ...]] = {
    "event": ("start", "end", "location", "parent", "series", "number", "parties", "tags"),
    "agreement": ("event", "sector", "due", "parties", "tags"),
}


@dataclass
class Fields:
    """Field values as the user typed them; None means "not given"."""

    title: str | None = None
    kind: str | None = None
    status: str | None = None
    parties: list[str] | None = None
    tags: list[str] | None = None
    start: str | None = None
    end: str | None = None
    tz: str | None = None
    location: str | None = None
    within: str | None = None      # --in (events) or --event (agreements): a ref
    sector: str | None = None
    due: str | None = None
    series: str | None = None
    number: int | None = None      # the event's number in its series
    clear: list[str] = field(default_factory=list)


@dataclass
class Entry:
    """The facts every log row of one command shares: when, where from, why."""

    on: str | None = None
    source: str | None = None
    note: str | None = None
    on_name: str = "--on"          # what `on` is called where it was given, for errors


@dataclass
class Outcome:
    item: Item
    changes: list[Change]
    # What `remove --detach` unlinked: the first few (ref, title), and how many in all.
    unlinked: list[tuple[Ref, str]] = field(default_factory=list)
    unlinked_count: int = 0


def _link_name(item_type: ItemType) -> str:
    return "parent" if item_type == "event" else "event"


def _require(store: Store, ref: Ref, to_write: bool = False) -> tuple[int, Item]:
    """The item, or why not. One to write to must be sound: a change on top of damage
    (read around, see store.items.sound_row) would log what was never there."""
    found = store.item(ref)
    if found is None:
        raise BadArgument(f"no item {ref}: see `tracker list --all` for the references in use")
    if to_write and str(ref) in errors.damaged:
        raise TrackerError(errors.damage_message(str(ref), nothing_changed=True))
    return found


def _wall_time_in(text: str, zone_name: str) -> dates.When:
    """A stored date or time, re-read as the same wall-clock time in another zone."""
    if len(text) == 10:
        return dates.parse_when(text, zone_name)
    return dates.parse_when(text[:19], zone_name, what="stored time")


class _Plan:
    """The columns, names and log rows that one add or update will write."""

    def __init__(self, store: Store, item_type: ItemType, current: dict | None, item_id: int | None):
        self.store, self.type, self.current, self.item_id = store, item_type, current or {}, item_id
        self.columns: dict = {}
        self.parties: list[str] | None = None
        self.tags: list[str] | None = None
        self.logged: list[tuple[str, object, object]] = []   # (field, old, new)

    def set(self, name: str, column: str, value, shown=None) -> None:
        if self.item_id is None:
            # A new item (an import plans a million): nothing was there before.
            self.columns[column] = value
            self.logged.append((name, None, shown if shown is not None else value))
            return
        old = self.current.get(column)
        if old == value:
            return
        self.columns[column] = value
        self.logged.append((name, self._shown(column, old), shown if shown is not None else value))

    def _shown(self, column: str, old):
        if column == "event_id" and old is not None:
            row = self.store.columns(old)
            return str(Ref(row["type"], row["num"]))
        return old


def plan_fields(store: Store, item_type: ItemType, given: Fields, item_id: int | None = None,
                current_names: tuple[list[str], list[str]] | None = None,
                into_removed: bool = False) -> _Plan:
    """What an add or update writes. A link to a removed event is refused unless
    `into_removed` (an import, which restores a database as it was, removed items too)."""
    current = store.columns(item_id) if item_id is not None else None
    plan = _Plan(store, item_type, current, item_id)
    clear = set()
    for name in given.clear:
        clear.add(check_choice(name, CLEARABLE[item_type], f"--clear for an {item_type}"))
    link = _link_name(item_type)

    if given.title is not None:
        plan.set("title", "title", check_title(given.title))
    if given.kind is not None:
        plan.set("kind", "kind", check_choice(given.kind, KINDS[item_type], f"{item_type} kind"))
    if given.status is not None:
        plan.set("status", "status", check_choice(given.status, STATUSES[item_type], f"{item_type} status"))

    old_parties, old_tags = current_names or ([], [])
    for name, one, values, old in (("parties", "party", given.parties, old_parties),
                                   ("tags", "tag", given.tags, old_tags)):
        if name in clear:
            new = []
        elif values is not None:
            new = check_names(values, one)
        else:
            continue
        if new != old:
            setattr(plan, name, new)
            if item_id is not None:
                plan.logged.append((name, old, new))

    # The event this item belongs to: checked to be an event, and never itself
    # or one of its own sub-events.
    if link in clear:
        plan.set(link, "event_id", None)
    elif given.within is not None:
        within = parse_ref(given.within, want="event", what=f"--{'in' if item_type == 'event' else 'event'}")
        within_id = store.item_id(within)
        if within_id is None:
            raise BadArgument(f"no event {within}: see `tracker list events --all`")
        if item_id is not None and item_id in store.event_chain(within_id):
            raise BadArgument(f"{within} belongs to this event already: an event cannot be inside itself")
        removed = None if into_removed else store.columns(within_id)["removed"]
        if removed:
            raise BadArgument(f"{within} was removed ({dates.reader_text(removed)}): link to another event")
        plan.set(link, "event_id", within_id, shown=str(within))

    if item_type == "event":
        _plan_event_times(store, plan, given, clear)
        _plan_series(store, plan, given, clear)
        if "location" in clear:
            plan.set("location", "location", None)
        elif given.location is not None:
            plan.set("location", "location", given.location.strip() or None)
    else:
        if "sector" in clear:
            plan.set("sector", "sector", None)
        elif given.sector is not None:
            plan.set("sector", "sector", check_sector(given.sector))
        if "due" in clear:
            plan.set("due", "due", None)
            plan.columns["due_utc"] = None
        elif given.due is not None or ("event_id" in plan.columns and plan.current.get("due")):
            # A due date is a day in the zone of the agreement's event: read
            # it again when the event changes.
            zone = _agreement_zone(store, plan)
            due = dates.parse_when(given.due if given.due is not None else plan.current["due"], zone, what="--due")
            plan.set("due", "due", due.text)
            plan.columns["due_utc"] = due.utc_end
    for option in ("start", "end", "tz", "location", "series", "number") if item_type == "agreement" \
            else ("sector", "due"):
        if getattr(given, option) is not None:
            other = "events, not agreements" if item_type == "agreement" else "agreements, not events"
            raise BadArgument(f"--{option} is for {other}")
    return plan


def _plan_series(store: Store, plan: _Plan, given: Fields, clear: set[str]) -> None:
    current = plan.current
    if "series" in clear:
        plan.set("series", "series", None)
        plan.set("number", "series_number", None)
        return
    series = given.series.strip() if given.series is not None else current.get("series")
    if given.series is not None:
        if not series:
            raise BadArgument("the series is blank: give its name, such as \"India-Russia Annual Summit\"")
        plan.set("series", "series", series)
    number = None if "number" in clear else (given.number if given.number is not None else current.get("series_number"))
    if number is not None:
        if not 1 <= number <= MAX_SERIES_NUMBER:
            raise BadArgument(f"--number {excerpt(number)} is not a number in a series: "
                              f"give 1 or more, up to {MAX_SERIES_NUMBER:,}")
        if not series:
            raise BadArgument("--number needs a series: give --series too")
        holder = store.series_number_taken(series, number, plan.item_id)
        if holder is not None:
            raise BadArgument(f"{holder} is already no. {number} of {excerpt(series)}: give another number")
    if "number" in clear or given.number is not None:
        plan.set("number", "series_number", number)


def _agreement_zone(store: Store, plan: _Plan) -> str:
    event_id = plan.columns.get("event_id", plan.current.get("event_id"))
    return (store.zone_of(event_id) if event_id else None) or dates.user_zone_name()


def _plan_event_times(store: Store, plan: _Plan, given: Fields, clear: set[str]) -> None:
    current = plan.current
    if given.tz is not None:
        zone = dates.check_zone(given.tz.strip(), what="--tz")
    elif current.get("tz"):
        zone = current["tz"]
    elif plan.columns.get("event_id"):
        zone = store.zone_of(plan.columns["event_id"]) or dates.user_zone_name()
    else:
        zone = dates.user_zone_name()
    plan.set("tz", "tz", zone)
    zone_moved = bool(current) and zone != current.get("tz")

    # An event's times are wall-clock times in its zone: a new zone keeps
    # "10:30" and moves the instant.
    def reading(option: str, column: str) -> dates.When | None:
        if option in clear:
            return None
        text = getattr(given, option)
        if text is not None:
            return dates.parse_when(text, zone, what=f"--{option}")
        if current.get(column):
            return _wall_time_in(current[column], zone) if zone_moved else dates.parse_when(current[column], zone)
        return None

    start = reading("start", "starts")
    end = reading("end", "ends") if "start" not in clear else None
    if end is not None and start is None:
        raise BadArgument("an event cannot have an end without a start: give --start too")
    # Compared as UTC: Python compares two times of one zone by wall clock.
    if end is not None and end.utc_end <= start.utc_start:
        raise BadArgument(f"the end {end.label} is before the start {start.label}: give an end after the start")
    plan.set("start", "starts", start.text if start else None)
    plan.set("end", "ends", end.text if end else None)
    plan.columns["starts_utc"] = start.utc_start if start else None
    plan.columns["ends_utc"] = (end or start).utc_end if start else None


def _entry_rows(store: Store, item_id: int, zone: str, entry: Entry, logged) -> list[dict]:
    now = dates.now()
    happened = _happened(entry, zone, now) if entry.on else dates.When(
        now.astimezone(dates.get_zone(zone)).replace(microsecond=0))
    recorded = dates.stamp(now)
    return [
        {
            "item_id": item_id, "field": name, "old": old, "new": new,
            "happened": happened.text, "happened_utc": happened.utc_start,
            "recorded": recorded, "source": entry.source, "note": entry.note,
        }
        for name, old, new in logged
    ]


def _happened(entry: Entry, zone: str, now) -> dates.When:
    """When a change happened: never after now. A day counts from its first instant,
    so today (in the item's zone) is fine: it holds now."""
    happened = dates.parse_when(entry.on, zone, what=entry.on_name)
    if happened.start > now:
        raise BadArgument(
            f"{entry.on_name} {excerpt(entry.on)} is in the future ({dates.reader_text(happened.text)}; "
            f"it is now {dates.reader_text(now)}): "
            "a change is logged once it has happened; give a date or time up to now")
    return happened


def _check_entry(entry: Entry) -> Entry:
    note = entry.note.strip() if entry.note is not None else None
    return Entry(on=entry.on, source=check_source(entry.source), note=note or None, on_name=entry.on_name)


def add(store: Store, item_type: ItemType, given: Fields, entry: Entry, uid: str | None = None,
        read_back: bool = True) -> Outcome | Ref:
    """A new item, numbered after the last of its type; `uid` lets a file name it in advance.
    Without `read_back`, only its ref: a sheet of 100,000 rows need not read each back."""
    if given.title is None:
        raise BadArgument("the title is empty: give a title with some text in it")
    entry = _check_entry(entry)
    defaults = {"event": "announced", "agreement": "expected"}
    with store.writing():
        plan = plan_fields(store, item_type, Fields(**{
            **given.__dict__,
            # Only what was not given takes the default: a blank --status is refused, as update refuses it.
            "kind": "other" if given.kind is None else given.kind,
            "status": defaults[item_type] if given.status is None else given.status,
        }), current_names=None)
        if uid is not None and store.item_id_by_uid(uid) is not None:
            raise BadArgument(f"an item with uid {excerpt(uid)} exists already")
        stamp = dates.stamp(dates.now())
        num = store.next_num(item_type)
        import uuid

        row = {"uid": uid or str(uuid.uuid4()), "type": item_type, "num": num,
               "created": stamp, "updated": stamp, **plan.columns}
        item_id = store.insert_item(row, plan.parties or [], plan.tags or [])
        zone = item_zone(store, item_id)
        rows = _entry_rows(store, item_id, zone, entry, [("created", None, plan.columns["status"])])
        store.log(rows)
        return _outcome(store, Ref(item_type, num), rows) if read_back else Ref(item_type, num)


def update(store: Store, ref: Ref, given: Fields, entry: Entry) -> Outcome:
    entry = _check_entry(entry)
    with store.writing():
        item_id, item = _require(store, ref, to_write=True)
        if item.removed:
            raise TrackerError(f"{ref} was removed ({dates.reader_text(item.removed)}): it can no longer change")
        plan = plan_fields(store, ref.type, given, item_id, (item.parties, item.tags))
        logged = plan.logged
        if not logged:
            if entry.note is None and entry.source is None:
                asked = any(value not in (None, []) for name, value in given.__dict__.items())
                if asked:
                    return Outcome(item, [])      # everything already as asked
                raise BadArgument(
                    f"nothing to update for {ref}: give a field to change (see `tracker update --help`) or --note"
                )
            logged = [(None, None, None)]      # a note alone
        stamp = dates.stamp(dates.now())
        store.update_item(item_id, {**plan.columns, "updated": stamp})
        store.set_names(item_id, plan.parties, plan.tags)
        rows = _entry_rows(store, item_id, item_zone(store, item_id), entry, logged)
        store.log(rows)
        return _outcome(store, ref, rows)


def already_applied(store: Store, ref: Ref, given: Fields, entry: Entry) -> bool:
    """Whether this update is in the log already (a news file applied before): a change
    to the same item, on the same date (when the update gives one), from the same source,
    with the same note, to one of the fields it sets. An update that sets nothing new
    and was logged as a note is applied too."""
    entry = _check_entry(entry)
    item_id, item = _require(store, ref)
    happened = _happened(entry, item_zone(store, item_id), dates.now()).text if entry.on else None
    logged = store.logged_fields(item_id, happened, entry.source, entry.note)
    if not logged:
        return False
    # The names the log gives the fields it sets: those of Fields, but the event it
    # belongs to, logged as "parent" or "event".
    names = {name for name, value in given.__dict__.items()
             if value is not None and name not in ("within", "clear")} | set(given.clear)
    if given.within is not None:
        names.add(_link_name(ref.type))
    if names & logged:
        return True
    return None in logged and not plan_fields(store, ref.type, given, item_id, (item.parties, item.tags)).logged


def remove(store: Store, ref: Ref, entry: Entry, detach: bool = False) -> Outcome:
    """Take an item out of lists. An event that live items belong to is refused,
    unless `detach`: then each of them is unlinked first, the unlinking logged on it,
    all in the same transaction."""
    entry = _check_entry(entry)
    with store.writing():
        item_id, item = _require(store, ref, to_write=True)
        if item.removed:
            raise TrackerError(f"{ref} was removed already ({dates.reader_text(item.removed)})")
        dependants, count = store.dependants(item_id, DEPENDANTS_NAMED)
        if count and not detach:
            raise TrackerError(
                f"{ref} has {count} live item{'s' * (count != 1)} in it: {some_items(dependants, count)}. "
                f"Remove {'them' if count != 1 else 'it'} first, or give --detach to unlink "
                f"{'them' if count != 1 else 'it'} from {ref} (logged on each)")
        if count:
            stamp = dates.stamp(dates.now())
            said = replace(entry, note=entry.note or f"{ref} was removed")
            for other_id, other_type in store.dependant_ids(item_id):
                plan = plan_fields(store, other_type, Fields(clear=[_link_name(other_type)]), other_id)
                store.update_item(other_id, {**plan.columns, "updated": stamp})
                store.log(_entry_rows(store, other_id, item_zone(store, other_id), said, plan.logged))
        stamp = dates.stamp(dates.now())
        store.update_item(item_id, {"removed": stamp, "updated": stamp})
        rows = _entry_rows(store, item_id, item_zone(store, item_id), entry, [("removed", None, "removed")])
        store.log(rows)
        return replace(_outcome(store, ref, rows), unlinked=dependants, unlinked_count=count)


# How many of the items in an event a refused `remove` (or `remove --detach`) names.
DEPENDANTS_NAMED = 5


def some_items(named: list[tuple[Ref, str]], count: int) -> str:
    """A3 'Title', E4 'Title' and 38 more: the first few of `count` items."""
    more = f" and {count - len(named)} more" if count > len(named) else ""
    return ", ".join(f"{ref} {excerpt(title)}" for ref, title in named) + more


def _outcome(store: Store, ref: Ref, rows: list[dict]) -> Outcome:
    _, item = store.item(ref)
    return Outcome(item, [
        Change(ref=ref, field=row["field"], old=row["old"], new=row["new"], on=row["happened"],
               recorded=row["recorded"], source=row["source"], note=row["note"], title=item.title,
               by=row.get("by"))
        for row in rows
    ])


def item_zone(store: Store, item_id: int) -> str:
    """The zone an item's dates are read in: its own, its event's, else the user's."""
    zone, event_id = store.zone_facts(item_id)
    if zone:
        return zone
    if event_id:
        return store.zone_of(event_id) or dates.user_zone_name()
    return dates.user_zone_name()


@dataclass
class Shown:
    item: Item
    history: list[Change]
    members: list[Item]                 # what belongs to an event
    before: Item | None = None          # the events around it in its series
    after: Item | None = None


def show(store: Store, ref: Ref) -> Shown:
    """An item, its history; for an event, what belongs to it and its neighbours in its series."""
    item_id, item = _require(store, ref)
    if ref.type == "agreement":
        return Shown(item, store.history(item_id), [])
    before, after = store.series_neighbours(item_id)
    return Shown(item, store.history(item_id), store.items(ItemQuery(within=ref)),
                 store.item(before)[1] if before else None, store.item(after)[1] if after else None)


# The largest id SQLite keeps: a larger number names no change (and could not be bound).
LARGEST_ID = 2 ** 63 - 1


@dataclass
class HistoryPage:
    """The changes of a history, read as they are printed, oldest first. With a limit,
    the last ones: `left_out` more came before them (None: more than the count's cap),
    and `first` is the first one shown, where the page before ends."""
    changes: Iterator[Change]
    left_out: int | None = 0
    first: int | None = None
    since: datetime | None = None       # where --since starts, as an instant: "today" moves


def history(store: Store, ref: Ref | None, since: str | None = None, before: str | None = None,
            limit: int = 0, cap: int = 0) -> HistoryPage:
    """The log (of one item, from `since` on, before `before`: a change id or a time),
    all of it or its last `limit` changes; what was left out is counted up to `cap` more."""
    item_id = _require(store, ref)[0] if ref else None
    zone = dates.user_zone_name()
    start = dates.parse_when(since, zone, what="--since", month=True).start if since else None
    end, before_place = None, None
    if before is not None and re.fullmatch(r"\s*-?\d+\s*", before):
        # Python's int() reads any script's digits ("١٢" is 12): an id is written in 0-9.
        if not re.fullmatch(r"\s*[0-9]+\s*", before):
            raise BadArgument(f"--before {excerpt(before)}: a change id is a positive whole number in digits 0-9 "
                              "(`tracker history --json` shows each change's id), or give a date or time")
        change_id = int(before.strip())
        before_place = store.place_of(change_id) if 0 < change_id <= LARGEST_ID else None
        if before_place is None:
            raise BadArgument(f"--before {excerpt(before)}: no change has that id "
                              "(`tracker history --json` shows each change's id), or give a date or time")
    elif before is not None:
        end = dates.parse_when(before, zone, what="--before", month=True).start
    # A date-only change counts from its date, as in a report (see store.Span).
    span = Span.between(start, end, zone) if start or end else Span()
    if not limit:
        return HistoryPage(store.iter_history(item_id, span, before=before_place), since=start)
    first, more = store.last_page(item_id, span, before_place, limit, cap)
    return HistoryPage(store.iter_history(item_id, span, start=first, before=before_place, limit=limit),
                       more if more <= cap else None, first[1] if first else None, start)


@dataclass
class ListRequest:
    types: tuple[ItemType, ...] = ("event", "agreement")
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    within: str | None = None
    start: str | None = None     # --from
    end: str | None = None       # --to, inclusive of its day
    search: str | None = None
    series: str | None = None
    everything: bool = False     # --all: closed and past items too
    limit: int | None = None     # of each type


class Listing:
    """The items of a list, read as they are used: at most `limit` of each type.
    Once they have been read, `cut` names the types of which more match."""

    def __init__(self, store: Store, query: ItemQuery):
        self.store, self.query = store, query
        self.cut: list[str] = []

    def __iter__(self) -> Iterator[Item]:
        limit, shown = self.query.limit, {}
        for item in self.store.iter_items(self.query):
            # The store reads one more of each type than the limit: it says there are more.
            shown[item.type] = shown.get(item.type, 0) + 1
            if limit and shown[item.type] > limit:
                self.cut.append(item.type)
                continue
            yield item

    def left_out(self, item_type: str, cap: int) -> int | None:
        """How many more of a type match than were shown: counted up to `cap` more (then
        None, "many"), so that the count costs little whatever the size of the database."""
        limit = self.query.limit
        found = self.store.count_items(replace(self.query, types=(item_type,)), item_type, limit + cap + 1)
        return found - limit if found <= limit + cap else None


def list_query(store: Store, request: ListRequest) -> ItemQuery:
    def allowed(table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value for t in request.types for value in table[t]))

    label = request.types[0] if len(request.types) == 1 else "item"
    query = ItemQuery(
        types=request.types,
        statuses=[check_choice(s, allowed(STATUSES), f"{label} status") for s in request.statuses],
        kinds=[check_choice(k, allowed(KINDS), f"{label} kind") for k in request.kinds],
        sectors=[check_sector(s) for s in request.sectors],
        parties=check_names(request.parties, "party"),
        tags=check_names(request.tags, "tag"),
        search=request.search,
        series=request.series.strip() if request.series else None,
        limit=request.limit or None,
    )
    if request.within:
        query.within = parse_ref(request.within, want="event", what="--event")
        if store.item_id(query.within) is None:
            raise BadArgument(f"no event {query.within}: see `tracker list events --all`")
    zone = dates.user_zone_name()
    if request.start:
        query.from_utc = dates.utc_text(dates.parse_when(request.start, zone, what="--from", month=True).start)
    if request.end:
        query.to_utc = dates.utc_text(dates.parse_when(request.end, zone, what="--to", month=True).end)
    if query.from_utc and query.to_utc and query.to_utc <= query.from_utc:
        raise BadArgument("--to is before --from: give a period that ends after it starts")
    # With no filter on status or period, a list shows what is still open (a
    # search shows that first, then the rest).
    if not (request.everything or query.statuses or query.from_utc or query.to_utc or query.series):
        now = dates.now()
        query.open_at_utc = dates.utc_text(now)
        query.under_way_since_utc = dates.utc_text(now - timedelta(days=LONGEST_EVENT_DAYS))
        query.closed = {t: CLOSED_STATUSES[t] for t in request.types}
    return query


def list_items(store: Store, request: ListRequest) -> Listing:
    return Listing(store, list_query(store, request))
