"""The weekly report as plain data: what changed in a period, what comes next, where things stand.

Statuses are today's (the log says how they got there); "as of" is the end of the
period, or now if the period has not ended yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from tracker import dates
from tracker.countdown import Countdown, coming
from tracker.errors import BadArgument
from tracker.model import AGREEMENT_STATUSES, CLOSED_STATUSES, Change, Item, Ref
from tracker.store import Store

COMING_DAYS = 14
QUIET_DAYS = 30
# What a report lists at most, so that it reads as a summary (and costs the same) at
# any size: the rest are counted, and the text says where to see them all.
LISTED = 50             # overdue items, quiet items, and what is coming up
LISTED_CHANGES = 100    # changes, the first ones in the period
_WEEK = re.compile(r"(\d{4})-?W(\d{2})", re.IGNORECASE)


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
            raise BadArgument(f"--week {text!r} is not an ISO week: use the form 2025-W49")
        try:
            monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
        except ValueError:
            raise BadArgument(f"--week {text!r} does not exist: {match.group(1)} has no week {match.group(2)}") from None
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
class Report:
    period: Period
    as_of: datetime
    generated: datetime
    headline: Headline
    changes: list[Change]
    groups: list[EventChanges]
    upcoming: list[Countdown]
    pipeline: dict[str, int]                                      # overall, in status order
    pipeline_by_event: list[tuple[Item | None, dict[str, int]]] = field(default_factory=list)
    overdue: list[Item] = field(default_factory=list)
    quiet: list[Item] = field(default_factory=list)
    more_overdue: bool = False      # there were more than LISTED
    more_quiet: bool = False
    more_upcoming: bool = False
    more_changes: int = 0           # changes in the period beyond the LISTED_CHANGES listed
    empty_database: bool = False


def build(store: Store, period: Period) -> Report:
    now = dates.now()
    as_of = min(now, period.end)
    since, until = dates.utc_text(period.start), dates.utc_text(period.end)
    changes = store.history(since_utc=since, until_utc=until, limit=LISTED_CHANGES)
    counted, signed, held = store.change_counts(since, until)

    # Group by event: an event's own changes, and those of what belongs to it.
    grouped: dict[Ref | None, list[Change]] = {}
    for change in changes:
        grouped.setdefault(change.ref if change.ref.type == "event" else change.within, []).append(change)

    # Nearest first: what starts (or is due) in the 14 days after the period.
    coming_after = coming(store, period.end, COMING_DAYS, limit=LISTED + 1, under_way=False)
    after = coming_after[:LISTED]
    # Every event the report speaks of, read at once.
    shown_events = [ref for ref in grouped if ref] + [e.item.ref for e in after if e.what == "event"] \
        + [e.item.event for e in after if e.what == "due" and e.item.event]
    events = store.items_by_ref(dict.fromkeys(shown_events))
    order = sorted(grouped, key=lambda ref: (ref is None, events[ref][1].start_utc or "~" if ref else "",
                                             ref.num if ref else 0))
    groups = [EventChanges(events[ref][1] if ref else None, grouped[ref]) for ref in order]

    upcoming_now = coming(store, as_of, None, limit=5)
    headline = Headline(
        changes=counted, signed=signed, held=held,
        next=next((entry for entry in upcoming_now if entry.start >= as_of), None),
    )

    # The pipeline overall, at no event, and at the events this report speaks of.
    overall: dict[str, int] = {}
    by_event: dict[Ref | None, dict[str, int]] = {}
    for event_ref, status, count in store.pipeline([item_id for item_id, _ in events.values()]):
        if event_ref is None:
            overall[status] = count
        else:
            by_event.setdefault(None if event_ref.num == 0 else event_ref, {})[status] = count
    in_order = {status: overall[status] for status in AGREEMENT_STATUSES if status in overall}
    pipeline_by_event = [
        (events[ref][1] if ref else None,
         {status: counts[status] for status in AGREEMENT_STATUSES if status in counts})
        for ref, counts in sorted(by_event.items(), key=lambda pair: (pair[0] is None, pair[0].num if pair[0] else 0))
    ]
    as_of_utc = dates.utc_text(as_of)
    overdue = store.overdue(as_of_utc, CLOSED_STATUSES["agreement"], LISTED + 1)
    quiet = store.quiet(dates.utc_text(as_of - timedelta(days=QUIET_DAYS)), as_of_utc, CLOSED_STATUSES, LISTED + 1)
    return Report(
        period=period, as_of=as_of, generated=now, headline=headline, changes=changes, groups=groups,
        upcoming=after, more_upcoming=len(coming_after) > LISTED, more_changes=counted - len(changes),
        pipeline=in_order, pipeline_by_event=pipeline_by_event,
        overdue=overdue[:LISTED], quiet=quiet[:LISTED],
        more_overdue=len(overdue) > LISTED, more_quiet=len(quiet) > LISTED,
        empty_database=not store.has_items(),
    )

