"""The one clock, date parsing, time zones.

Every date tracker reads goes through `parse_when`; every "now" comes from
`now()`, which `--now` or TRACKER_NOW override so any screen can be reproduced.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path

from dateutil import tz as dateutil_tz
from dateutil.parser import isoparse

from tracker.errors import BadArgument

NOW_ENV = "TRACKER_NOW"
ZONE_ENV = "TRACKER_TZ"

_now_override: datetime | None = None

_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
# The ISO 8601 forms accepted: a whole date, optionally a time, optionally an
# offset. Checked before parsing because isoparse also takes "2025-12" and
# "2025" and fills in the rest, and tracker never guesses a day.
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_ISO_HINT = "use ISO 8601, such as 2025-12-04, 2025-12-04T10:30 or 2025-12-04T10:30+05:30"


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
        return _parse_instant(fixed, NOW_ENV)
    return datetime.now(timezone.utc).replace(microsecond=0)


def _parse_instant(text: str, what: str) -> datetime:
    when = parse_when(text, user_zone_name(), what=what, relative=False)
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
    try:
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            name = target.split("zoneinfo/", 1)[1]
            if get_zone(name):
                return name
    except OSError:
        pass
    return "UTC"


def get_zone(name: str) -> tzinfo | None:
    if not name or not _ZONE_NAME.fullmatch(name):
        return None
    return dateutil_tz.gettz(name)


def check_zone(name: str, what: str = "time zone") -> str:
    if get_zone(name) is None:
        raise BadArgument(
            f"{what} {name!r} is not a known IANA time zone: use a name such as "
            "Asia/Kolkata, Europe/Brussels or UTC"
        )
    return name


@dataclass(frozen=True)
class When:
    """A date or a time as the user meant it, and the instants it covers."""

    value: date | datetime      # a date (all day) or an aware datetime
    zone: tzinfo = timezone.utc  # the zone a date's days are counted in

    @property
    def all_day(self) -> bool:
        return not isinstance(self.value, datetime)

    @property
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
    def start(self) -> datetime:
        """The first instant: 00:00 of a day in the zone it was read in."""
        if isinstance(self.value, datetime):
            return self.value
        return _at_midnight(self.value, self.zone)

    @property
    def end(self) -> datetime:
        """The instant it is over: 24:00 of a day, the instant itself for a time."""
        if isinstance(self.value, datetime):
            return self.value
        return _at_midnight(self.value + timedelta(days=1), self.zone)


def _at_midnight(day: date, zone: tzinfo) -> datetime:
    # Midnight can fall in a DST gap (it has, in a few zones): take the first
    # instant of the day that exists.
    start = datetime.combine(day, time(0), tzinfo=zone)
    return dateutil_tz.resolve_imaginary(start)


def utc_text(moment: datetime) -> str:
    """The sort key form of an instant: 2025-12-04T04:30:00Z."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(moment: datetime) -> str:
    """A bookkeeping timestamp (created, recorded): UTC with its offset."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_when(text: str, zone_name: str, *, what: str = "date", relative: bool = True) -> When:
    """Read a date or time typed by a user; a time without an offset is in `zone_name`.

    Never guesses: a partial date, an impossible date (31 Feb) or a local time
    that a DST change skips or repeats is an error that names the way out.
    """
    zone = get_zone(zone_name) or timezone.utc
    raw = (text or "").strip()
    word = raw.lower()
    if relative and word in ("now", "today", "tomorrow", "yesterday"):
        current = now().astimezone(zone)
        if word == "now":
            return When(current.replace(microsecond=0), zone)
        shift = {"today": 0, "tomorrow": 1, "yesterday": -1}[word]
        return When(current.date() + timedelta(days=shift), zone)
    if not _ISO.fullmatch(raw):
        raise BadArgument(f"{what} {text!r} is not a date: {_ISO_HINT}")
    try:
        parsed = isoparse(raw)
    except ValueError as error:
        raise BadArgument(f"{what} {text!r} does not exist ({error}): {_ISO_HINT}") from None
    if len(raw) == 10:
        return When(parsed.date(), zone)
    if parsed.tzinfo is not None:
        return When(parsed.astimezone(zone), zone)
    local = parsed.replace(tzinfo=zone)
    if not dateutil_tz.datetime_exists(local):
        raise BadArgument(
            f"{what} {text!r} does not exist in {zone_name} (the clocks skip it): "
            "give a time outside the gap, or an explicit offset"
        )
    if dateutil_tz.datetime_ambiguous(local):
        first = dateutil_tz.enfold(local, fold=0).isoformat(timespec="minutes")
        second = dateutil_tz.enfold(local, fold=1).isoformat(timespec="minutes")
        raise BadArgument(
            f"{what} {text!r} happens twice in {zone_name} (the clocks go back): "
            f"give the offset, {first} or {second}"
        )
    return When(local, zone)
