"""The weekly report as plain data: what changed in a period, what comes next, where things stand.

A report shows the world as it stood at its "as of": the end of the period, or now
if the period has not ended yet. For a period that has ended, every item with
changes after that instant is rewound through the change log (each change's `old`
value put back, newest first): its status, title, dates, event, due date and every
other field are as they were then; an item created after it does not exist for the
report, and one removed after it is still there. Everything else in the report, the
headline's "Next", what is coming up, the pipeline, overdue and quiet items, is
worked out against that world. So last month's report reads the same today as it
did once the month was over, whatever news came later. When the changes are placed
in time, it is by when they happened in the world (`--on`), not when they were
written down: news dated back into a past period changes its report.

A change with a date and no time (`--on 2025-11-24`) belongs to that day for every
reader: it is in a period if its date is one of the period's days in the reader's
zone (a week's seven days), and it comes after an instant if its date starts at or
after that instant there; never by the hour its day starts in the item's zone.

Only the items with changes after the "as of" are rewound, found from the
changes_by_happened index, so that a report of the current week reads no more than
before, and a past one reads what changed since as well.
"""

from __future__ import annotations

import re
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from tracker import dates
from tracker.countdown import Countdown, coming, countdown_entry, nearest_first
from tracker.errors import BadArgument, excerpt
from tracker.model import AGREEMENT_STATUSES, CLOSED_STATUSES, LONGEST_EVENT_DAYS, Change, Item, Ref, parse_ref
from tracker.store import Span, Store

COMING_DAYS = 14
QUIET_DAYS = 30
# What a report lists at most, so that it reads as a summary (and costs the same) at
# any size: the rest are counted, and the text says where to see them all.
LISTED = 50             # overdue items, quiet items, what is coming up, pipeline events
LISTED_CHANGES = 100    # changes, the first ones in the period
_WEEK = re.compile(r"([0-9]{4})-?W([0-9]{2})", re.IGNORECASE)


@dataclass
class Period:
    start: datetime          # UTC, inclusive
    end: datetime            # UTC, exclusive
    zone: str
    label: str               # "2025-W49", or "2025-12-01 to 2025-12-07"


def week_period(text: str | None, zone_name: str) -> Period:
    """An ISO week, Monday 00:00 to Sunday 24:00 in the zone; this week without `text`."""
    zone = dates.get_zone(zone_name) or timezone.utc
    if text is None:
        today = dates.now().astimezone(zone).date()
        monday = today - timedelta(days=today.weekday())
    else:
        match = _WEEK.fullmatch(text.strip())
        if not match:
            raise BadArgument(f"--week {excerpt(text)} is not an ISO week: use the form 2025-W49")
        try:
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise BadArgument(f"--week {excerpt(text)} does not exist: {match.group(1)} has no week {match.group(2)}") from None
        dates.check_day(monday, "--week", text)
        dates.check_day(monday + timedelta(days=6), "--week", text)
    year, week, _ = monday.isocalendar()
    first = dates.When(monday, zone).start
    last = dates.When(monday + timedelta(days=6), zone).end
    return Period(first.astimezone(timezone.utc), last.astimezone(timezone.utc), zone_name, f"{year}-W{week:02d}")


def span_period(start: str | None, end: str | None, zone_name: str) -> Period:
    """--from and --to, read in the zone; --to is inclusive of its day (or month)."""
    if not start or not end:
        raise BadArgument("give both --from and --to, or --week, or neither for this week")
    first = dates.parse_when(start, zone_name, what="--from", month=True)
    last = dates.parse_when(end, zone_name, what="--to", month=True)
    if last.end <= first.start:
        raise BadArgument("--to is before --from: give a period that ends after it starts")
    label = f"{first.text[:10]} to {(last.end - timedelta(seconds=1)).astimezone(first.start.tzinfo).date()}" \
        if last.all_day else f"{first.text} to {last.text}"
    return Period(first.start.astimezone(timezone.utc), last.end.astimezone(timezone.utc), zone_name, label)


# A change's field as the log names it, and the Item attribute it sets.
_PLAIN_FIELDS = {"title", "kind", "status", "location", "sector", "series", "start", "end", "tz", "due",
                 "parties", "tags"}


class World:
    """The items as they stood at an instant: those with changes after it, rewound
    from the log; every other item is as it is now.

    Those created after it (`unborn`) are only named: they did not exist. The others
    changed since (`then`) are read without their parties and tags, enough to decide
    what the report shows; what it shows is read whole (`item`, `whole`)."""

    def __init__(self, store: Store, after: Span | None = None):
        self.then: dict[Ref, Item] = {}
        self.now: dict[Ref, Item] = {}              # the same items as they are now
        self.unborn: dict[Ref, int] = {}
        self.ids: dict[Ref, int] = {}               # of every item changed since, unborn too
        self._store, self._after = store, after
        self._was: dict[int, dict[str | None, object]] = {}     # field: value then, by item id
        self._zones: dict[Ref, str | None] = {}
        self._whole: dict[Ref, Item] = {}
        if after is None:
            return
        for item_id, name, old in store.changes_from(after):
            # Newest first: the oldest change after the instant has the last word.
            self._was.setdefault(item_id, {})[name] = old
        unborn = [item_id for item_id, was in self._was.items() if "created" in was]
        for item_id in unborn:
            del self._was[item_id]
        self.unborn = store.refs_by_id(unborn) if unborn else {}
        current = store.items_by_id(self._was, names=False) if self._was else {}
        self.ids = {**self.unborn, **{item.ref: item_id for item_id, item in current.items()}}
        self.now = {item.ref: item for item in current.values()}
        rewound = {item.ref: _rewind(item, self._was[item_id]) for item_id, item in current.items()}
        # Times are kept as written (in the item's zone) and as UTC: the UTC forms of
        # what was rewound are worked out again, in the zones of then.
        self._zones = {ref: item.tz for ref, item in rewound.items() if ref.type == "event"}
        linked = {item.event for item in rewound.values() if item.event and item.event not in self._zones}
        self._zones.update({ref: tz for ref, (_, tz, _) in store.event_facts(linked).items()} if linked else {})
        for ref, item in rewound.items():
            _place_in_time(item, self.now[ref], self._zones.get(item.event))
        self.then = rewound

    def __bool__(self) -> bool:
        return bool(self.ids)

    def touched(self, ref: Ref) -> bool:
        """Whether this item changed after the instant (or was created after it)."""
        return ref in self.ids

    def whole(self, items: list[Item]) -> list[Item | None]:
        """These items as they stood then, each read whole: with its parties, its tags,
        and when it was last written to before the instant; None for one not created yet."""
        if not self.ids:
            return items
        refs = [item.ref for item in items if item.ref in self.then and item.ref not in self._whole]
        if refs:
            current = self._store.items_by_id([self.ids[ref] for ref in refs])
            updated = self._store.last_recorded([self.ids[ref] for ref in refs], self._after)
            for item_id, now in current.items():
                then = _rewind(now, self._was[item_id])
                _place_in_time(then, now, self._zones.get(then.event))
                then.updated = updated.get(item_id) or then.created
                self._whole[now.ref] = then
        return [None if item.ref in self.unborn else self._whole.get(item.ref, item) for item in items]

    def changed_ids(self) -> list[int]:
        """The ids of the items that existed then and changed since."""
        return [self.ids[ref] for ref in self.then]


def _rewind(item: Item, was: dict[str | None, object]) -> Item:
    """An item as it was before the changes whose values of then are `was`."""
    then = copy(item)
    for name, old in was.items():
        if name == "removed":
            then.removed = old      # None before a removal; when it was removed, before a restore (undo)
        elif name in _PLAIN_FIELDS:
            setattr(then, name, old if old is not None or name not in ("parties", "tags") else [])
        elif name in ("parent", "event"):
            setattr(then, name, parse_ref(old) if old else None)
        elif name == "number":
            then.series_number = int(old) if old not in (None, "") else None
    return then


def _place_in_time(then: Item, now: Item, event_zone: str | None) -> None:
    """The UTC instants of a rewound item's dates, read in its zone of then (an
    agreement's due date in its event's zone, as tracker read it when it was set)."""
    if then.type == "event":
        if (then.start, then.end, then.tz) != (now.start, now.end, now.tz):
            zone = then.tz or "UTC"
            first = dates.parse_when(then.start, zone) if then.start else None
            last = dates.parse_when(then.end, zone) if then.end else None
            then.start_utc = first.utc_start if first else None
            then.end_utc = (last or first).utc_end if first else None
        return
    then.link_tz = event_zone
    if (then.due, then.event) != (now.due, now.event):
        zone = then.link_tz or dates.user_zone_name()
        then.due_utc = dates.parse_when(then.due, zone).utc_end if then.due else None


def _coming(store: Store, world: World, at: datetime, days: int | None, limit: int,
            under_way: bool = True) -> list[Countdown]:
    """countdown.coming() in the world of then: the items rewound take the place of
    what they are now (they may leave, come in or move), the others are as read."""
    if not world:
        return coming(store, at, days, limit=limit, under_way=under_way)
    # What is coming as things are now, but for the items rewound: read until there
    # are `limit` of the others, or no more.
    want = limit + LISTED
    while True:
        found = coming(store, at, days, limit=want, under_way=under_way)
        entries = [entry for entry in found if not world.touched(entry.item.ref)]
        if len(entries) >= limit or len(found) < want:
            break
        want *= 4
    at_utc = dates.utc_text(at)
    horizon = dates.utc_text(at + timedelta(days=days)) if days is not None else "9999"
    longest = dates.utc_text(at - timedelta(days=LONGEST_EVENT_DAYS))
    for item in world.then.values():
        if item.removed:
            continue
        if item.type == "event":
            ahead = item.start_utc is not None and at_utc <= item.start_utc < horizon
            going = under_way and item.start_utc is not None and longest <= item.start_utc < at_utc < item.end_utc
            if item.status != "cancelled" and (ahead or going):
                entries.append(countdown_entry(item))
        elif item.due_utc and at_utc < item.due_utc <= horizon and item.is_open:
            entries.append(countdown_entry(item))
    entries.sort(key=nearest_first)
    return entries[:limit]


@dataclass
class EventChanges:
    """The changes of one event and what belongs to it; event None: items at no event."""

    event: Item | None
    changes: list[Change]


@dataclass
class Headline:
    changes: int
    signed: int
    held: int
    next: Countdown | None


@dataclass
class Pipeline:
    """Live agreements by status: per event listed, at no event, at the events not
    listed (counted), and overall, which is the sum of the rows above it."""

    overall: dict[str, int]                                  # in status order
    by_event: list[tuple[Item, dict[str, int]]] = field(default_factory=list)
    no_event: dict[str, int] = field(default_factory=dict)
    more_events: int = 0                                     # events with agreements not listed
    more: dict[str, int] = field(default_factory=dict)       # their agreements

    def rows(self) -> list[tuple[Item | None, str | None, dict[str, int]]]:
        """(event, label, counts) for each row before the overall one: an event, or a
        label for "at no event" and "at N more events"."""
        rows: list[tuple[Item | None, str | None, dict[str, int]]] = [(e, None, c) for e, c in self.by_event]
        if self.no_event:
            rows.append((None, "at no event", self.no_event))
        if self.more_events:
            rows.append((None, f"at {self.more_events} more event{'s' * (self.more_events != 1)}", self.more))
        return rows


@dataclass
class Report:
    period: Period
    as_of: datetime
    generated: datetime
    headline: Headline
    changes: list[Change]
    groups: list[EventChanges]
    upcoming: list[Countdown]
    pipeline: Pipeline
    overdue: list[Item] = field(default_factory=list)
    quiet: list[Item] = field(default_factory=list)
    more_overdue: bool = False      # there were more than LISTED
    more_quiet: bool = False
    more_upcoming: bool = False
    more_changes: int = 0           # changes in the period beyond the LISTED_CHANGES listed
    empty_database: bool = False


def build(store: Store, period: Period) -> Report:
    now = dates.now()
    ended = now >= period.end
    as_of = period.end if ended else now
    # The current period is the world as it is: nothing to rewind.
    world = World(store, Span.between(period.end, None, period.zone)) if ended else World(store)
    in_period = Span.between(period.start, period.end, period.zone)
    changes = [_as_then(change, world) for change in store.history(span=in_period, limit=LISTED_CHANGES, reported=True)]
    counted, signed, held = store.change_counts(in_period)

    # Group by event: an event's own changes, and those of what belongs to it.
    grouped: dict[Ref | None, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.ref if change.ref.type == "event" else change.within, []).append(change)

    # Nearest first: what starts (or is due) in the 14 days after the period.
    coming_after = _coming(store, world, period.end, COMING_DAYS, limit=LISTED + 1, under_way=False)
    after = coming_after[:LISTED]
    # Every event the report speaks of, read at once.
    shown_events = [ref for ref in grouped if ref] + [e.item.ref for e in after if e.what == "event"] \
        + [e.item.event for e in after if e.what == "due" and e.item.event]
    read = store.items_by_ref(dict.fromkeys(shown_events))
    # An event that did not exist yet (a change dated before its creation) is shown as it is now.
    events = {ref: (item_id, then or now) for (ref, (item_id, now)), then in
              zip(read.items(), world.whole([item for _, item in read.values()]))}
    # An event whose row is damaged is not read (the run names it at its end): its changes are left out.
    order = sorted((ref for ref in grouped if ref is None or ref in events),
                   key=lambda ref: (ref is None, _start_key(events[ref][1]) if ref else "", ref.num if ref else 0))
    groups = [EventChanges(events[ref][1] if ref else None, grouped[ref]) for ref in order]

    upcoming_now = _coming(store, world, as_of, None, limit=5)
    headline = Headline(
        changes=counted, signed=signed, held=held,
        next=next((entry for entry in upcoming_now if entry.start >= as_of), None),
    )
    pipeline = _pipeline(store, world, [events[ref][0] for ref in dict.fromkeys(shown_events) if ref in events])
    overdue = _overdue(store, world, as_of)
    quiet = _quiet(store, world, Span.between(as_of - timedelta(days=QUIET_DAYS), as_of, period.zone))
    return Report(
        period=period, as_of=as_of, generated=now, headline=headline, changes=changes, groups=groups,
        upcoming=after, more_upcoming=len(coming_after) > LISTED, more_changes=counted - len(changes),
        pipeline=pipeline, overdue=overdue[:LISTED], quiet=quiet[:LISTED],
        more_overdue=len(overdue) > LISTED, more_quiet=len(quiet) > LISTED,
        empty_database=not store.has_items(),
    )


def _start_key(event: Item | None) -> str:
    return (event.start_utc if event else None) or "~"


def _as_then(change: Change, world: World) -> Change:
    """A change of the period, with its item's title and event as they stood then."""
    then = world.then.get(change.ref) if world else None
    if then is None:
        return change
    return replace(change, title=then.title, within=then.event or then.parent)


def _counts(pairs) -> dict[str, int]:
    """Counts by status, in status order, without the zeros."""
    found: dict[str, int] = {}
    for status, count in pairs:
        found[status] = found.get(status, 0) + count
    return {status: found[status] for status in AGREEMENT_STATUSES if found.get(status)}


def _pipeline(store: Store, world: World, speaks_of: list[int]) -> Pipeline:
    """The agreements by status as of then. Per event: the events the report speaks
    of (by id), then the newest, LISTED at most; the others are summed in one counted row."""
    # What the agreements changed since take from the counts of now, and give back;
    # those created since only take.
    delta: dict[int, list[tuple[str, int]]] = {}
    overall_delta: list[tuple[str, int]] = []
    changed = [(world.now[ref], then) for ref, then in world.then.items() if ref.type == "agreement"]
    event_ids = store.event_ids({item.event for pair in changed for item in pair if item.event})
    for pair in changed:
        for item, sign in zip(pair, (-1, 1)):
            if not item.removed:
                delta.setdefault(event_ids.get(item.event, 0) if item.event else 0, []).append((item.status, sign))
                overall_delta.append((item.status, sign))
    unborn = [item_id for ref, item_id in world.unborn.items() if ref.type == "agreement"]
    for event_id, status, count in store.live_agreements_by_event(unborn) if unborn else ():
        delta.setdefault(event_id, []).append((status, -count))
        overall_delta.append((status, -count))

    want = LISTED + 1
    while True:
        newest = store.events_with_agreements(want)
        candidates = list(dict.fromkeys([*speaks_of, *newest, *(i for i in delta if i)]))
        now_counts: dict[int, list[tuple[str, int]]] = {}
        for event_id, status, count in store.pipeline_by_id(candidates):
            now_counts.setdefault(event_id, []).append((status, count))

        def then_counts(event_id: int) -> dict[str, int]:
            return _counts(now_counts.get(event_id, []) + delta.get(event_id, []))

        having = [event_id for event_id in candidates if then_counts(event_id)]
        # Read whole only the events that may be listed (one that did not exist then
        # but has agreements then is one the log cannot explain: left out).
        items = store.items_by_id(having[:2 * LISTED]) if having else {}
        found = [(event_id, items[event_id]) for event_id in having[:2 * LISTED] if event_id in items]
        listed = [(event, then_counts(event_id)) for (event_id, _), event in
                  zip(found, world.whole([item for _, item in found])) if event is not None][:LISTED]
        # Enough listed, or every event with agreements now was a candidate.
        if len(listed) >= LISTED or len(newest) < want:
            break
        want *= 4
    listed.sort(key=lambda pair: (_start_key(pair[0]), pair[0].ref.num))
    overall = _counts([*now_counts.get(-1, []), *overall_delta])
    no_event = then_counts(0)
    # Events that have live agreements then and are not listed: none if fewer than
    # LISTED are (the candidates held every one), else counted.
    more_events = 0
    if len(listed) >= LISTED:
        count = store.events_with_agreements_count()
        for event_id in delta:
            if event_id:
                count += bool(then_counts(event_id)) - bool(_counts(now_counts.get(event_id, [])))
        more_events = max(0, count - len(listed))
    rest = _counts([*overall.items(), *((s, -n) for s, n in no_event.items()),
                    *((s, -n) for _, counts in listed for s, n in counts.items())])
    return Pipeline(overall, listed, no_event, more_events, rest if more_events else {})


def _overdue(store: Store, world: World, as_of: datetime) -> list[Item]:
    """Open agreements whose event is over or whose due date has passed, as of then, by number."""
    as_of_utc = dates.utc_text(as_of)
    closed = CLOSED_STATUSES["agreement"]
    # Left out here and weighed below: the agreements changed since, and the open ones
    # of the events whose end moved since. (An agreement that was there before its event
    # is one the log cannot explain: it is read as it is now.)
    ends = {ref: item.end_utc for ref, item in world.then.items() if ref.type == "event"}
    moved = [world.ids[ref] for ref, end in ends.items() if end != world.now[ref].end_utc]
    found = store.overdue(as_of_utc, closed, LISTED + 1, list(world.ids.values()), moved)
    if not world:
        return found
    others = [item for item in store.open_agreements_at(moved, closed) if not world.touched(item.ref)] \
        if moved else []
    candidates = [item for item in world.then.values() if item.type == "agreement"] + others
    linked = {item.event for item in candidates if item.event and item.event not in ends}
    ends.update({ref: end for ref, (_, _, end) in store.event_facts(linked).items()} if linked else {})
    for item in candidates:
        if item.removed or item.status in closed:
            continue
        # An event created since was not there to be over.
        end = ends.get(item.event) if item.event and item.event not in world.unborn else None
        if (item.due_utc and item.due_utc <= as_of_utc) or (end and end <= as_of_utc):
            found.append(item)
    found.sort(key=lambda item: item.ref.num)
    return world.whole(found[:LISTED + 1])


def _quiet(store: Store, world: World, window: Span) -> list[Item]:
    """Open items with nothing logged in the 30 days to then: agreements, then events, by number."""
    found = store.quiet(window, CLOSED_STATUSES, LISTED + 1, list(world.ids.values()))
    if not world:
        return found
    logged = store.logged_in(world.changed_ids(), window)
    for ref, item in world.then.items():
        if item.removed or not item.is_open or world.ids[ref] in logged:
            continue
        if item.type == "event" and item.end_utc is not None and item.end_utc < window.until_utc:
            continue
        found.append(item)
    found.sort(key=lambda item: (item.type != "agreement", item.ref.num))
    return world.whole(found[:LISTED + 1])
