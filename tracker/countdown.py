"""What is next, and how long until it: countdown entries as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from tracker import dates
from tracker.model import CLOSED_STATUSES, LONGEST_EVENT_DAYS, Item
from tracker.store import Store


@dataclass
class Countdown:
    """One thing to come: an event, or the day an agreement is due."""

    item: Item
    what: str                  # "event" or "due"
    start: datetime            # the first instant, UTC
    end: datetime              # the instant it is over, UTC
    all_day: bool
    zone: str                  # the item's own zone, for reading its days

    def seconds(self, now: datetime) -> int:
        """Until the start; negative once it is under way."""
        return int((self.start - now).total_seconds())

    def state(self, now: datetime) -> str:
        if self.what == "due" and now >= self.end:
            return "overdue"
        return "under-way" if self.start <= now < self.end else "upcoming"


def coming(store: Store, now: datetime, days: int | None = None, limit: int | None = None,
           under_way: bool = True) -> list[Countdown]:
    """Events not over yet (or only those still to start) and open agreements' due
    dates, nearest first, within `days` if given, at most `limit` if given."""
    horizon = dates.utc_text(now + timedelta(days=days)) if days is not None else None
    longest = dates.utc_text(now - timedelta(days=LONGEST_EVENT_DAYS)) if under_way else None
    entries = [countdown_entry(item) for item in
               store.coming(dates.utc_text(now), horizon, CLOSED_STATUSES["agreement"], limit, longest)
               if _dated(item)]
    entries.sort(key=nearest_first)
    return entries[:limit] if limit else entries


def nearest_first(entry: Countdown) -> tuple:
    """The order of what is coming: by start, events before due dates, then by number."""
    return entry.start, entry.item.type != "event", entry.item.ref.num


def overdue(store: Store, now: datetime, limit: int | None = None) -> list[Countdown]:
    """Open agreements whose due date has passed by `now`, the most recently due first
    (read backwards from now on the due-date index), at most `limit` if given."""
    return [countdown_entry(item) for item in store.past_due(dates.utc_text(now), CLOSED_STATUSES["agreement"], limit)
            if _dated(item)]


def _dated(item: Item) -> bool:
    """Whether an item read as dated still is: one whose dates were damaged in the
    database is read without them (and named at the end of the run)."""
    return bool(item.start_utc and item.start) if item.type == "event" else bool(item.due_utc and item.due)


def board(store: Store, now: datetime, days: int | None = None, limit: int | None = None) -> list[Countdown]:
    """What `tracker countdown` shows: what is coming, nearest first, then what is
    overdue (at most `limit` of each)."""
    return coming(store, now, days, limit) + overdue(store, now, limit)


def nothing_coming(days: int | None) -> str:
    """What a countdown with nothing to show says, in a table or a watch."""
    return "Nothing coming" + (f" in the next {days} days." if days is not None else ".")


def countdown_entry(item: Item) -> Countdown:
    """An event, or an agreement's due date, as a countdown entry."""
    if item.type == "event":
        return Countdown(item, "event", dates.instant(item.start_utc), dates.instant(item.end_utc),
                         len(item.start) == 10, item.tz or "UTC")
    # Due by a day: from its 00:00 to its 24:00, in the zone of the agreement's
    # event (else the user's). Due by a time: that instant.
    zone_name = _due_zone(item)
    end = dates.instant(item.due_utc)
    all_day = len(item.due) == 10
    start = end
    if all_day:
        day = dates.When(date.fromisoformat(item.due), dates.get_zone(zone_name) or timezone.utc)
        start = day.start.astimezone(timezone.utc)
    return Countdown(item, "due", start, end, all_day, zone_name)


def _due_zone(item: Item) -> str:
    return item.link_tz or dates.user_zone_name()


def words(entry: Countdown, now: datetime, view_zone: str | None = None) -> str:
    """The time left as people say it: "in 5 days 3 h", "tomorrow 10:30 IST", "under way: day 2 of 2"."""
    zone = dates.get_zone(view_zone or entry.zone) or timezone.utc
    local_now = now.astimezone(zone)
    start = entry.start.astimezone(zone)
    if entry.state(now) == "overdue":
        if entry.all_day:
            # Counted in days of the zone it is due in: due on the 26th, overdue by
            # 3 days on the 29th.
            own = dates.get_zone(entry.zone) or timezone.utc
            late = (now.astimezone(own).date() - entry.start.astimezone(own).date()).days
            return f"overdue by {late} day{'s' * (late != 1)}"
        return f"overdue by {dates.duration_words(int((now - entry.end).total_seconds()))}"
    if entry.state(now) == "under-way":
        if entry.all_day and not view_zone:
            first = start.date()
            last = (entry.end.astimezone(zone) - timedelta(seconds=1)).date()
            return f"under way: day {(local_now.date() - first).days + 1} of {(last - first).days + 1}"
        return f"under way: ends in {dates.duration_words(int((entry.end - now).total_seconds()))}"
    due = "due " if entry.what == "due" else ""
    days_away = (start.date() - local_now.date()).days
    if entry.all_day and not view_zone:
        if days_away <= 0:
            return f"{due}today"
        if days_away == 1:
            return f"{due}tomorrow"
        return f"{due}in {days_away} days ({start:%a} {start.day} {start:%b})"
    clock = f"{start:%H:%M} {dates.zone_abbreviation(start)}"
    left = dates.duration_words(entry.seconds(now))
    if days_away == 0:
        return f"{due}today {clock} (in {left})"
    if days_away == 1:
        return f"{due}tomorrow {clock} (in {left})"
    return f"{due}in {left}"
