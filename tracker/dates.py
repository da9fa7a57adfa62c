"""The one clock, date parsing, time zones.

Every date tracker reads goes through `parse_when`; every "now" comes from
`now()`, which `--now` or TRACKER_NOW override so any screen can be reproduced.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path

from zoneinfo import ZoneInfo, available_timezones

from tracker.errors import BadArgument, closest, did_you_mean, excerpt

NOW_ENV = "TRACKER_NOW"
ZONE_ENV = "TRACKER_TZ"

_now_override: datetime | None = None

# The days tracker accepts, in any zone: the diplomacy of the twentieth century on
# (the treaties still in force, the UN and its charter) up to the far future of
# long-term targets and deadlines. A day outside is refused by `check_day`, which
# every reading of a date goes through (options, files, --now, stored times re-read):
# a typo such as 9999 never reaches a computation, and every one tracker makes
# (a day or a year either side, a week, the slack of time zones, --days up to
# DAYS_AHEAD) stays within the years Python's dates hold (1 to 9999) with room to
# spare. Four-digit years also keep the stored sort keys in order as text.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
# The furthest ahead a count of days may look (countdown --days): the whole range.
DAYS_AHEAD = (LAST_DAY - FIRST_DAY).days + 1

_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
# The ISO 8601 forms accepted: a whole date, optionally a time, optionally an
# offset. Checked before parsing because ISO parsers also take "2025-12" or
# "2025" and fill in the rest, and tracker never guesses a day.
_ISO = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


def set_now(text: str | None) -> None:
    """Fix the clock for this process (the --now option)."""
    global _now_override
    _now_override = None if text is None else _parse_instant(text, "--now")


def now() -> datetime:
    """The current instant, in UTC: --now, else TRACKER_NOW, else the system clock."""
    if _now_override is not None:
        return _now_override
    fixed = os.environ.get(NOW_ENV)
    if fixed:
        return _fixed_now(fixed, user_zone_name())
    return datetime.now(timezone.utc).replace(microsecond=0)


@lru_cache(maxsize=4)
def _fixed_now(text: str, zone_name: str) -> datetime:
    # Read once, not at every date an import parses.
    return _parse_instant(text, NOW_ENV, zone_name)


def _parse_instant(text: str, what: str, zone_name: str | None = None) -> datetime:
    when = parse_when(text, zone_name or user_zone_name(), what=what, relative=False)
    return when.start.astimezone(timezone.utc)


def user_zone_name() -> str:
    """The user's IANA zone: TRACKER_TZ, else TZ, else the system's, else UTC."""
    name = os.environ.get(ZONE_ENV)
    if name:
        return check_zone(name, what=ZONE_ENV)
    # TZ belongs to the whole system and may hold a POSIX rule or a path
    # (":/etc/localtime"): use it only when it is an IANA name.
    name = os.environ.get("TZ", "").lstrip(":")
    if name and get_zone(name):
        return name
    return _system_zone_name()


@lru_cache(maxsize=1)
def _system_zone_name() -> str:
    """The zone /etc/localtime points at, else UTC. Read once per process."""
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if get_zone(name):
                return name
    except OSError:
        pass
    return "UTC"


# Files in the zone folder that are not IANA zone names: the system's own zone under
# another name (localtime), a template, and the copies under posix/ and right/.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=512)
def get_zone(name: str) -> tzinfo | None:
    """The IANA zone of that name, or None. The standard library's zoneinfo, not
    dateutil's: it reads a zone file in C and converts in C, and imports in a
    quarter of the time (dateutil.tz cost 17 ms of every command's start)."""
    if not name or not _named_zone(name):
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):     # not found (a KeyError), a bad key, unreadable
        return None


def _named_zone(name: str) -> bool:
    """An IANA name as get_zone() takes it (not localtime, posixrules, posix/...); also
    what a suggestion may offer."""
    return bool(_ZONE_NAME.fullmatch(name)) and name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))


def check_zone(name: str, what: str = "time zone") -> str:
    if get_zone(name) is None:
        # available_timezones() opens every zone file (tens of ms): only for a name not found.
        raise BadArgument(
            f"{what} {excerpt(name)} is not a known IANA time zone: use a name such as "
            "Asia/Kolkata, Europe/Brussels or UTC"
            f"{did_you_mean(closest(name, [zone for zone in available_timezones() if _named_zone(zone)]))}"
        )
    return name


@dataclass(frozen=True)
class When:
    """A date or a time as the user meant it, and the instants it covers."""

    value: date | datetime      # a date (all day) or an aware datetime
    zone: tzinfo = timezone.utc  # the zone a date's days are counted in
    until: date | None = None    # the day after a span of days (a month), if it is one

    @property
    def all_day(self) -> bool:
        return not isinstance(self.value, datetime)

    # Computed once: an import asks each reading for these several times.
    @cached_property
    def text(self) -> str:
        """As stored and shown: 2025-12-04, or 2025-12-04T10:30:00+05:30."""
        if isinstance(self.value, datetime):
            if self.value.utcoffset().seconds % 60:
                # Local mean time before 1900 or so (+05:21:10): ISO 8601 has
                # no seconds in an offset, so such a time is written in UTC.
                return self.value.astimezone(timezone.utc).isoformat(timespec="seconds")
            return self.value.isoformat(timespec="seconds")
        return self.value.isoformat()

    @property
    def label(self) -> str:
        """As a message gives it, in the zone it was read in: 2025-12-04, or 2025-12-04 10:30 IST."""
        if isinstance(self.value, datetime):
            return f"{self.value:%Y-%m-%d %H:%M} {zone_abbreviation(self.value)}"
        return self.value.isoformat()

    @cached_property
    def start(self) -> datetime:
        """The first instant: 00:00 of a day in the zone it was read in."""
        if isinstance(self.value, datetime):
            return self.value
        return _at_midnight(self.value, self.zone)

    @cached_property
    def end(self) -> datetime:
        """The instant it is over: 24:00 of a day, the instant itself for a time."""
        if isinstance(self.value, datetime):
            return self.value
        return _at_midnight(self.until or self.value + timedelta(days=1), self.zone)

    @cached_property
    def utc_start(self) -> str:
        return utc_text(self.start)

    @cached_property
    def utc_end(self) -> str:
        return utc_text(self.end)


@lru_cache(maxsize=65_536)
def _at_midnight(day: date, zone: tzinfo) -> datetime:
    # Midnight can fall in a DST gap (it has, in a few zones): take the first
    # instant of the day that exists.
    return _first_existing(datetime.combine(day, time(0), tzinfo=zone))


def _exists(local: datetime) -> bool:
    """Whether the clocks show this wall time in its zone: one they skip does not
    come back the same from a round trip through UTC."""
    back = local.astimezone(timezone.utc).astimezone(local.tzinfo)
    return back.replace(tzinfo=None, fold=0) == local.replace(tzinfo=None, fold=0)


def _ambiguous(local: datetime) -> bool:
    """Whether the clocks show this wall time twice: it exists, and its two folds
    (PEP 495) have different offsets (in a gap they differ too, but name no time)."""
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset() and _exists(local)


def _first_existing(local: datetime) -> datetime:
    """A wall time in a gap moved on by the gap's length: 02:30 on a night the clocks
    go from 02:00 to 03:00 is 03:30, as dateutil's resolve_imaginary has it."""
    if _exists(local):
        return local
    return local + (local.replace(fold=1).utcoffset() - local.replace(fold=0).utcoffset())


def zone_abbreviation(moment: datetime) -> str:
    """IST, CET, EST; or +0530 where the zone has no abbreviation."""
    name = moment.tzname()
    return name if name and not name[0] in "+-" else moment.strftime("%z")


def clock_text(moment: datetime, zone_name: str, seconds: bool = False) -> str:
    """2025-12-04 10:30 IST: an instant as read in a zone."""
    local = moment.astimezone(get_zone(zone_name) or timezone.utc)
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {zone_abbreviation(local)}"


def reader_text(moment: datetime | str) -> str:
    """An instant (or a stored time or stamp) in the reader's zone, labelled, as messages
    give it: 2025-11-20 11:00 CET. A date alone stays a date: it names a day."""
    if isinstance(moment, str):
        if len(moment) == 10:
            return moment
        moment = datetime.fromisoformat(moment)
    return clock_text(moment, user_zone_name())


def duration_words(seconds: int) -> str:
    """5 days 3 h, 3 h 20 min, 12 min, under a minute: exact elapsed time, as people say it."""
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' * (days != 1)}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min"
    return "under a minute"


def instant(utc_text: str) -> datetime:
    """An aware UTC datetime from the sort-key form utc_text() writes (read in C)."""
    return datetime.fromisoformat(utc_text)


def utc_text(moment: datetime) -> str:
    """The sort key form of an instant: 2025-12-04T04:30:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime) -> str:
    """A bookkeeping timestamp (created, recorded): UTC with its offset."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?P<offset>Z|[+-][0-9]{2}:[0-9]{2})")


# More than the furthest apart two zones' clocks are (26 hours, UTC-12 to UTC+14).
_ZONES_APART = timedelta(days=2)


def check_day(day: date, what: str, text, slack: timedelta = timedelta(0)) -> None:
    """Refuse a day outside the dates tracker accepts (see FIRST_DAY); with `slack`, only
    one further out than that (a time as written, before it is read in its zone, where
    the day is checked again)."""
    if not FIRST_DAY - slack <= day <= LAST_DAY + slack:
        raise BadArgument(f"{what} {excerpt(text)} is outside the dates tracker accepts "
                          f"({FIRST_DAY} to {LAST_DAY})")


def read_stamp(text: str, what: str = "timestamp") -> str:
    """A timestamp from a file, as `stamp` writes it. One with its offset is read in C,
    without the zone machinery (an import reads one or two per row), and one read
    before is not read again (the same few thousand recur through a large import)."""
    found = _STAMPS_READ.get(text)
    if found is None:
        found = _read_stamp(text, what)
        if len(_STAMPS_READ) >= READINGS_KEPT:
            _STAMPS_READ.clear()
        _STAMPS_READ[text] = found
    return found


# Readings each cache below keeps at most: a reading (a When with its texts, and its key)
# takes some 700 bytes, and an import of 200k agreements already meets 41,000 days and zones.
READINGS_KEPT = 16_384


# Timestamps read (the text as given -> as stored): only those that were read without an error.
_STAMPS_READ: dict[str, str] = {}


def _read_stamp(text: str, what: str) -> str:
    match = _STAMP.fullmatch(text)
    if match:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass        # parse_when names the problem
        else:
            check_day(moment.date(), what, text, slack=_ZONES_APART)
            check_day(moment.astimezone(timezone.utc).date(), what, text)
            # Already in the form stamp() writes: checked to exist, kept as it is.
            return text if match.group("offset") == "+00:00" and len(text) == 25 else stamp(moment)
    return stamp(parse_when(text, "UTC", what=what, relative=False).start)


class _Lazy:
    """A pattern compiled when it is first used: most runs read only ISO dates, and
    the written and relative forms cost milliseconds to compile at every start."""

    def __init__(self, pattern: str, flags: int = 0):
        self._source, self._compiled = (pattern, flags), None

    def fullmatch(self, text: str) -> re.Match | None:
        if self._compiled is None:
            self._compiled = re.compile(*self._source)
        return self._compiled.fullmatch(text)


_WEEKDAYS = {name: index for index, names in enumerate((
    ("monday", "mon"), ("tuesday", "tue", "tues"), ("wednesday", "wed"), ("thursday", "thu", "thur", "thurs"),
    ("friday", "fri"), ("saturday", "sat"), ("sunday", "sun"),
)) for name in names}
_MONTHS = ("jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|"
           "sep|sept|september|oct|october|nov|november|dec|december")
_CLOCK = r"(?P<clock>[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)"
# "4 Dec 2025", "4 December 2025 10:30", "Dec 4 2025", "December 4, 2025 10:30".
_WRITTEN = _Lazy(
    rf"(?:(?P<d1>[0-9]{{1,2}})\s+(?P<m1>{_MONTHS})\.?,?\s+(?P<y1>[0-9]{{4}})"
    rf"|(?P<m2>{_MONTHS})\.?\s+(?P<d2>[0-9]{{1,2}}),?\s+(?P<y2>[0-9]{{4}}))"
    rf"(?:,?\s+{_CLOCK})?",
    re.IGNORECASE,
)
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# "Dec 2025", "December 2025": a month, written out.
_WRITTEN_MONTH = _Lazy(rf"(?P<month>{_MONTHS})\.?,?\s+(?P<year>[0-9]{{4}})", re.IGNORECASE)
_NUMERIC = _Lazy(r"([0-9]{1,4})[/.]([0-9]{1,2})[/.]([0-9]{1,4})")
_SHIFT = _Lazy(r"(?P<sign>[+-])(?P<count>[0-9]{1,5})(?P<unit>[dwh])")
_IN = _Lazy(r"in\s+(?P<count>[0-9]{1,5})\s+(?P<unit>day|week|hour)s?")
_AGO = _Lazy(r"(?P<count>[0-9]{1,5})\s+(?P<unit>day|week|hour)s?\s+ago")
_DAY_WORD = _Lazy(rf"(?P<word>today|tomorrow|yesterday|(?:(?P<which>next|last)\s+)?(?P<weekday>[a-z]+))"
                       rf"(?:\s+(?:at\s+)?{_CLOCK})?")
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
FORMS_HINT = ("use 2025-12-04, 2025-12-04T10:30, 2025-12-04T10:30+05:30, 4 Dec 2025, Dec 4 2025 10:30, "
              "today, tomorrow 10:30, +3d, -2w, in 3 days, next monday")


def parse_when(text: str, zone_name: str, *, what: str = "date", relative: bool = True,
               month: bool = False) -> When:
    """Read a date or time typed by a user; a time without an offset is in `zone_name`.

    Never guesses: a partial date (unless `month` allows 2025-12), an impossible
    date (31 Feb), a numeric date whose day and month could swap (03/04/2025),
    a local time that a DST change skips or repeats, or a day outside FIRST_DAY to
    LAST_DAY is an error that names the way out. Relative forms count from `now()`
    in `zone_name`.
    """
    if not isinstance(text, str) or len(text) > 100:
        # No date is written in more: a longer text is not read (nor quoted) whole.
        raise BadArgument(f"{what} {excerpt(text)} is not a date: {FORMS_HINT}")
    found = _ISO_CHECKED.get((text, zone_name))
    if found is not None:
        return found
    try:
        found = _parse_when(text, zone_name, what, relative, month)
    except OverflowError:
        # A computation past year 9999 or before year 1: a day far outside the range.
        raise BadArgument(f"{what} {excerpt(text)} is outside the dates tracker accepts "
                          f"({FIRST_DAY} to {LAST_DAY})") from None
    check_day(found.value if found.all_day else found.value.date(), what, text)
    if found.until is not None:
        check_day(found.until - timedelta(days=1), what, text)
    if _ISO.fullmatch(" ".join(text.split())):
        # Read the same however and whenever it is asked (no relative word): a large
        # import asks for the same few thousand days and zones again and again.
        if len(_ISO_CHECKED) >= READINGS_KEPT:
            _ISO_CHECKED.clear()
        _ISO_CHECKED[text, zone_name] = found
    return found


# ISO dates and times read, in their zone, and found within FIRST_DAY to LAST_DAY.
_ISO_CHECKED: dict[tuple[str, str], When] = {}


def _parse_when(text: str, zone_name: str, what: str, relative: bool, month: bool) -> When:
    raw = " ".join((text or "").split())
    # The ISO forms first: they are what files hold, no relative word looks like
    # one, and the same few thousand days and zones recur through a large import.
    if _ISO.fullmatch(raw):
        key = (raw, zone_name)
        found = _ISO_READINGS.get(key)
        if found is None:
            found = _iso(raw, get_zone(zone_name) or timezone.utc, zone_name, what, text)
            if len(_ISO_READINGS) >= READINGS_KEPT:
                _ISO_READINGS.clear()
            _ISO_READINGS[key] = found
        return found
    zone = get_zone(zone_name) or timezone.utc
    if relative:
        found = _relative(raw.lower(), zone, zone_name, what, text)
        if found is not None:
            return found
    if month and _MONTH.fullmatch(raw):
        from dateutil.relativedelta import relativedelta

        try:
            first = date(int(raw[:4]), int(raw[5:7]), 1)
        except ValueError:
            raise BadArgument(f"{what} {excerpt(text)} is not a month: use 2025-12") from None
        check_day(first, what, text)
        return When(first, zone, until=first + relativedelta(months=1))
    written = _WRITTEN.fullmatch(raw)
    if written:
        from dateutil.parser import parse as dateutil_parse

        try:
            # The shape is checked above, so dateutil fills in nothing.
            parsed = dateutil_parse(raw)
        except (ValueError, OverflowError) as error:
            raise BadArgument(f"{what} {excerpt(text)} does not exist ({error}): {FORMS_HINT}") from None
        check_day(parsed.date(), what, text, slack=_ZONES_APART)
        if written.group("clock") is None:
            return When(parsed.date(), zone)
        return When(_local(parsed, zone, zone_name, what, text), zone)
    numeric = _NUMERIC.fullmatch(raw)
    if numeric:
        raise BadArgument(f"{what} {excerpt(text)} {_readings(numeric)}")
    written_month = _WRITTEN_MONTH.fullmatch(raw)
    if written_month:
        number = _MONTH_ABBREVIATIONS.index(written_month.group("month").lower()[:3]) + 1
        raw = f"{written_month.group('year')}-{number:02d}"
        if month:
            raise BadArgument(f"{what} {excerpt(text)} is a month written out: write it as {raw}")
    if _MONTH.fullmatch(raw):
        raise BadArgument(f"{what} {excerpt(text)} is a month, not a day: give the day, such as {raw}-01")
    raise BadArgument(f"{what} {excerpt(text)} is not a date: {FORMS_HINT}")


# Successful ISO readings by (text, zone): a When is immutable, so it can be shared.
_ISO_READINGS: dict[tuple[str, str], When] = {}


def _iso(raw: str, zone: tzinfo, zone_name: str, what: str, text: str) -> When:
    # The shape is checked by the caller; the standard library reads every ISO
    # form it allows, in C.
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as error:
        raise BadArgument(f"{what} {excerpt(text)} does not exist ({error}): {FORMS_HINT}") from None
    # Before any conversion to another zone, which could step past year 9999; the day
    # in the zone, which is what is stored, is checked once read.
    check_day(parsed.date(), what, text, slack=_ZONES_APART)
    if len(raw) == 10:
        return When(parsed.date(), zone)
    if parsed.tzinfo is not None:
        return When(parsed.astimezone(zone), zone)
    return When(_local(parsed, zone, zone_name, what, text), zone)


def _readings(numeric: re.Match) -> str:
    """Why a numeric date is refused, with the ISO forms it could mean."""
    a, b, c = numeric.groups()
    if len(a) == 4:
        candidates = [(a, b, c)]
    elif len(c) == 4:
        candidates = [(c, b, a), (c, a, b)]         # day first, month first
    else:
        return "has a two-digit year: write it as ISO, such as 2025-12-04"
    valid = []
    for year, month_, day in candidates:
        try:
            valid.append(date(int(year), int(month_), int(day)).isoformat())
        except ValueError:
            pass
    valid = list(dict.fromkeys(valid))
    if not valid:
        return "is not a real date in any reading: write it as ISO, such as 2025-12-04"
    if len(valid) == 1:
        return f"is not in ISO form: write it as {valid[0]}"
    return f"is ambiguous (day and month could swap): write {' or '.join(valid)}"


def _relative(word: str, zone: tzinfo, zone_name: str, what: str, text: str) -> When | None:
    current = now().astimezone(zone)
    today = current.date()
    if word == "now":
        return When(current.replace(microsecond=0), zone)
    for pattern, sign in ((_SHIFT, None), (_IN, 1), (_AGO, -1)):
        match = pattern.fullmatch(word)
        if match:
            count = int(match.group("count")) * (sign or (1 if match.group("sign") == "+" else -1))
            unit = match.group("unit")[0]
            if unit == "h":
                # Hours are elapsed time, whatever the clocks do meanwhile.
                moment = (current.astimezone(timezone.utc) + timedelta(hours=count)).astimezone(zone)
                return When(moment.replace(microsecond=0), zone)
            return When(today + timedelta(days=count * (7 if unit == "w" else 1)), zone)
    match = _DAY_WORD.fullmatch(word)
    if not match:
        return None
    name = match.group("word")
    if name in ("today", "tomorrow", "yesterday"):
        day = today + timedelta(days={"today": 0, "tomorrow": 1, "yesterday": -1}[name])
    elif match.group("weekday") in _WEEKDAYS:
        weekday = _WEEKDAYS[match.group("weekday")]
        # "friday" and "next friday" are the next one to come, never today;
        # "last friday" the one before today.
        if match.group("which") == "last":
            day = today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1)
        else:
            day = today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    else:
        return None
    clock = match.group("clock")
    if clock is None:
        return When(day, zone)
    try:
        moment = datetime.combine(day, time.fromisoformat(clock if clock[2:3] == ":" else "0" + clock))
    except ValueError:
        raise BadArgument(f"{what} {excerpt(text)} has no such time of day: use 00:00 to 23:59") from None
    return When(_local(moment, zone, zone_name, what, text), zone)


def _local(naive: datetime, zone: tzinfo, zone_name: str, what: str, text: str) -> datetime:
    """A wall-clock time in a zone, refused where a DST change skips or repeats it."""
    local = naive.replace(tzinfo=zone)
    if not _exists(local):
        raise BadArgument(
            f"{what} {excerpt(text)} does not exist in {zone_name} (the clocks skip it): "
            "give a time outside the gap, or an explicit offset"
        )
    if _ambiguous(local):
        first = local.replace(fold=0).isoformat(timespec="minutes")
        second = local.replace(fold=1).isoformat(timespec="minutes")
        raise BadArgument(
            f"{what} {excerpt(text)} happens twice in {zone_name} (the clocks go back): "
            f"give the offset, {first} or {second}"
        )
    return local


def first_day_from(moment: datetime, zone_name: str) -> date:
    """The first day whose 00:00 in the zone is at or after `moment`: for a reader
    there, a change dated that day (no time) or later happened from `moment` on."""
    zone = get_zone(zone_name) or timezone.utc
    day = moment.astimezone(zone).date()
    return day if _at_midnight(day, zone) >= moment else day + timedelta(days=1)
