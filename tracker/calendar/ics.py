"""Items as iCalendar (RFC 5545) entries, written with the icalendar library.

An event is one VEVENT: its own zone's wall times with a TZID (and the VTIMEZONE that
TZID needs), or whole days as DATE values with the exclusive end RFC 5545 asks for.
An agreement's due date is an all-day VEVENT, not a VTODO: the calendars a desk reads
(khal, Google's, Outlook's web import, phones') show VEVENTs and ignore or hide VTODOs,
and a due date is a day to see in the month, not a task to tick off. It is marked
TRANSP:TRANSPARENT, so that it never shows as busy time.

The UID is the item's uid: a calendar that imports a later export (or a CalDAV server
that is published to again) updates the entry instead of adding a second one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

import icalendar

from tracker.model import Item, Ref

PRODID = "-//tracker//tracker calendar export//EN"
# Each entry names its item: people read it in a calendar's raw view, and `tracker
# publish caldav` recognises the entries it put on a server by it (with the uid).
REF_PROPERTY = "X-TRACKER-REF"

# tracker's statuses to RFC 5545's three (TENTATIVE, CONFIRMED, CANCELLED), every one
# mapped (a test checks the vocabularies of model.py are covered).
EVENT_STATUS = {
    "rumoured": "TENTATIVE",
    "announced": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "held": "CONFIRMED",
    # The date shown may not hold; it is not called off: tentative, with the status
    # said in the description.
    "postponed": "TENTATIVE",
    "cancelled": "CANCELLED",
}
AGREEMENT_STATUS = {
    "rumoured": "TENTATIVE",
    "expected": "TENTATIVE",
    "negotiating": "TENTATIVE",
    "initialled": "TENTATIVE",
    "stalled": "TENTATIVE",
    # Signed by then (or beyond): the day is settled.
    "signed": "CONFIRMED",
    "ratified": "CONFIRMED",
    "in-force": "CONFIRMED",
    "dropped": "CANCELLED",
}

# Items read per round trip for their log facts and agreements.
BATCH = 500
# An export's entries wait here until the zones they use are known (the VTIMEZONEs
# come first); past this size, in a temporary file, so memory stays flat.
SPOOL_BYTES = 8 * 1024 * 1024

# What a calendar must not receive in text: C0 controls (line feed is kept where a
# text may hold lines: the description; elsewhere it becomes a space), DEL, C1, and
# the Unicode direction and line controls, which would make a title read otherwise.
_CONTROLS = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
             0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_DROP = {code: None for code in _CONTROLS}
_ONE_LINE = {**_DROP, 0x09: " ", 0x0A: " ", 0x0D: " ", 0x2028: " ", 0x2029: " "}
_LINES = {**_DROP, 0x0D: None, 0x2028: "\n", 0x2029: "\n"}


def clean(text: str | None, lines: bool = False) -> str:
    """Untrusted text (titles, places, tags) without control characters, and with
    any lone surrogate (a database may hold one) as U+FFFD: icalendar then escapes
    what iCalendar needs escaped (commas, semicolons, backslashes, line breaks)."""
    if not text:
        return ""
    text = text.translate(_LINES if lines else _ONE_LINE)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(char) <= 0xDFFF else char for char in text)
    return text


# Undated events named in the message that says they were left out.
UNDATED_NAMED = 5


@dataclass
class Written:
    entries: int = 0
    undated: int = 0                                        # events with no start: no entry
    undated_refs: list[Ref] = field(default_factory=list)  # the first few of them

    def undated_note(self) -> str | None:
        """What the export and publish say of the events they left out for want of a start."""
        if not self.undated:
            return None
        refs = ", ".join(map(str, self.undated_refs)) + (" ..." if self.undated > len(self.undated_refs) else "")
        return (f"{self.undated} event{'s' * (self.undated != 1)} without a start left out ({refs}): "
                "give one with `tracker update REF --start WHEN`")


def entries(store, items: Iterable[Item], written: Written | None = None) -> Iterator[tuple[Item, icalendar.Event]]:
    """Each item's calendar entry, read in batches: an event with a start, an agreement
    with a due date. Others are left out (undated events counted in `written`)."""
    batch: list[Item] = []
    for item in items:
        if item.type == "event" and not item.start:
            if written is not None:
                written.undated += 1
                if len(written.undated_refs) < UNDATED_NAMED:
                    written.undated_refs.append(item.ref)
            continue
        if item.type == "agreement" and not item.due:
            continue
        batch.append(item)
        if len(batch) >= BATCH:
            yield from _batch_entries(store, batch)
            batch = []
    if batch:
        yield from _batch_entries(store, batch)


def _batch_entries(store, batch: list[Item]) -> Iterator[tuple[Item, icalendar.Event]]:
    ids = store.item_ids_by_uid([item.uid for item in batch])
    facts = store.log_facts(list(ids.values()))
    expected, agreements_written = store.expected_at([ids[item.uid] for item in batch if item.type == "event"])
    for item in batch:
        item_id = ids[item.uid]
        if item.type == "agreement":
            yield item, due_entry(item, facts[item_id])
            continue
        # The entry lists the agreements expected there: it changed when they did.
        written_last = max(filter(None, (facts[item_id].last_recorded, agreements_written.get(item_id))),
                           key=_utc, default="")
        yield item, event_entry(item, facts[item_id]._replace(last_recorded=written_last),
                                expected.get(item_id, []))


def event_entry(item: Item, facts, expected) -> icalendar.Event:
    entry = _common(item, facts, EVENT_STATUS[item.status])
    zone = item.tz or "UTC"
    start = _reading(item.start, zone)
    end = _reading(item.end, zone) if item.end else None
    if isinstance(start, date) and not isinstance(start, datetime) and (end is None or not isinstance(end, datetime)):
        # Whole days: DATE values, the end exclusive (the day after the last).
        entry.add("dtstart", start)
        entry.add("dtend", (end or start) + timedelta(days=1))
    else:
        # A time on either side: both as times in the event's zone. A day stands for
        # its first instant (start) or the end of it (end). A time with no end takes no
        # time, as in tracker: a zero DURATION. DTEND = DTSTART is forbidden (RFC 5545
        # 3.8.2.2) and khal makes it an hour; DTSTART alone is allowed, but khal makes
        # that an hour too (tried: shown on two days from New York); DURATION:P0D it
        # shows as the instant it is.
        entry.add("dtstart", _unambiguous(_as_moment(start, zone)))
        if end is None:
            entry.add("duration", timedelta(0))
        else:
            moment = _as_moment(end + timedelta(days=1), zone) if not isinstance(end, datetime) else end
            entry.add("dtend", _unambiguous(moment))
    if item.location:
        entry.add("location", clean(item.location))
    lines = [f"{item.ref} · {item.kind} · {item.status}"]
    if item.parties:
        lines.append("Parties: " + ", ".join(clean(party) for party in item.parties))
    if expected:
        lines.append("Agreements expected here:")
        for agreement in expected:
            due = f", due {agreement.due[:10]}" if agreement.due else ""
            lines.append(f"- {agreement.ref} {clean(agreement.title)} ({agreement.status}{due})")
    return _finish(entry, lines, facts)


def due_entry(item: Item, facts) -> icalendar.Event:
    """An agreement's due date: the day in the zone it was given in (its event's)."""
    entry = _common(item, facts, AGREEMENT_STATUS[item.status], summary=f"Due: {clean(item.title)}")
    day = date.fromisoformat(item.due[:10])
    entry.add("dtstart", day)
    entry.add("dtend", day + timedelta(days=1))
    entry.add("transp", "TRANSPARENT")
    lines = [f"{item.ref} · {item.kind} · {item.status}" + (f" · {clean(item.sector)}" if item.sector else "")]
    if item.event:
        lines.append(f"Expected at {item.event}")
    if item.parties:
        lines.append("Parties: " + ", ".join(clean(party) for party in item.parties))
    return _finish(entry, lines, facts)


def _common(item: Item, facts, status: str, summary: str | None = None) -> icalendar.Event:
    entry = icalendar.Event()
    entry.add("uid", item.uid)
    entry.add("summary", summary or clean(item.title))
    entry.add("status", status)
    entry.add("sequence", facts.revisions)
    changed = _utc(facts.last_recorded or item.updated)
    # No METHOD: DTSTAMP is when the information was last revised (RFC 5545 3.8.7.2),
    # which keeps an export of an unchanged database the same, byte for byte.
    entry.add("dtstamp", changed)
    entry.add("last-modified", changed)
    entry.add("created", _utc(item.created))
    categories = [clean(name) for name in (item.kind, *item.tags) if clean(name).strip()]
    entry.add("categories", categories)
    entry.add(REF_PROPERTY, str(item.ref))
    return entry


def _finish(entry: icalendar.Event, lines: list[str], facts) -> icalendar.Event:
    if facts.source:
        entry.add("url", facts.source)
        lines.append(f"Source: {facts.source}")
    entry.add("description", clean("\n".join(lines), lines=True))
    return entry


def _reading(text: str, zone: str) -> date | datetime:
    """A stored time as its zone's wall time, or a stored day as a date."""
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text).astimezone(_zone(zone))


def _unambiguous(moment: datetime) -> datetime:
    """The moment in its zone, or in UTC where the zone's wall time names two instants
    (the hour repeated when clocks go back): a TZID time carries no fold, and RFC 5545
    (3.3.5) has clients take the first of the two."""
    if moment.replace(fold=1 - moment.fold).utcoffset() != moment.utcoffset():
        return moment.astimezone(timezone.utc)
    return moment


def _as_moment(value: date | datetime, zone: str) -> datetime:
    if isinstance(value, datetime):
        return value
    from tracker.dates import When

    # The first instant of that day there (a day that starts in a DST gap included).
    return When(value, _zone(zone)).start


@lru_cache(maxsize=1024)
def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return timezone.utc


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(timezone.utc)


def _zones_used(entry: icalendar.Event) -> Iterator[tuple[str, date]]:
    for name in ("dtstart", "dtend"):
        prop = entry.get(name)
        if prop is not None and prop.params.get("TZID"):
            yield prop.params["TZID"], prop.dt.date()


def calendar_head(zones: dict[str, tuple[date, date]]) -> bytes:
    """BEGIN:VCALENDAR, its properties, and a VTIMEZONE for each zone used, covering
    the days it is used on (a zone's whole history would be hundreds of lines)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for name, (first, last) in sorted(zones.items()):
        calendar.add_component(icalendar.Timezone.from_tzinfo(
            _zone(name), name, first - timedelta(days=1), last + timedelta(days=1)))
    text = calendar.to_ical()
    return text[:text.rindex(b"END:VCALENDAR")]


CALENDAR_END = b"END:VCALENDAR\r\n"


def calendar_pieces(store, items: Iterable[Item], written: Written) -> Iterator[str]:
    """One VCALENDAR of these items' entries, in pieces. The entries are spooled while
    the zones they use are gathered, then follow the VTIMEZONEs."""
    zones: dict[str, tuple[date, date]] = {}
    # Text, lines ended by CRLF as written (newline=""), UTF-8 once past memory.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="") as spool:
        for _item, entry in entries(store, items, written):
            for name, day in _zones_used(entry):
                first, last = zones.get(name, (day, day))
                zones[name] = (min(first, day), max(last, day))
            spool.write(entry.to_ical().decode("utf-8"))
            written.entries += 1
        yield calendar_head(zones).decode("utf-8")
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            yield chunk
    yield CALENDAR_END.decode("ascii")


def single_calendar(entry: icalendar.Event) -> bytes:
    """One entry as a calendar object of its own, with its VTIMEZONEs: what a CalDAV
    server stores per resource."""
    zones: dict[str, tuple[date, date]] = {}
    for name, day in _zones_used(entry):
        first, last = zones.get(name, (day, day))
        zones[name] = (min(first, day), max(last, day))
    return calendar_head(zones) + entry.to_ical() + CALENDAR_END
