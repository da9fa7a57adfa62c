"""tracker export --format ics: read back with the icalendar library, and by a real
calendar client (Debian's khal) in the zones of its users."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta

import icalendar
import pytest

from conftest import TRACKER_BIN
from tracker.calendar import ics
from tracker.model import AGREEMENT_STATUSES, EVENT_STATUSES

FIXED_NOW = "2025-11-29T10:00:00Z"


def _calendar(tracker, *args, **env) -> icalendar.Calendar:
    run = tracker.ok("export", "--format", "ics", *args, **env)
    return icalendar.Calendar.from_ical(run.stdout)


def _by_ref(calendar) -> dict[str, icalendar.Event]:
    return {str(entry["X-TRACKER-REF"]): entry for entry in calendar.walk("VEVENT")}


def test_every_status_of_the_model_has_a_calendar_status():
    assert set(ics.EVENT_STATUS) == set(EVENT_STATUSES)
    assert set(ics.AGREEMENT_STATUS) == set(AGREEMENT_STATUSES)
    assert {ics.EVENT_STATUS[s] for s in ("rumoured", "announced")} == {"TENTATIVE"}
    assert {ics.EVENT_STATUS[s] for s in ("confirmed", "held")} == {"CONFIRMED"}
    assert ics.EVENT_STATUS["cancelled"] == "CANCELLED"


def test_an_event_is_a_vevent_with_its_uid_days_status_place_categories_and_agreements(summit):
    summit.ok("update", "E1", "--tag", "india-russia", "--source", "https://example.org/confirmed",
              "--note", "dates confirmed", TRACKER_NOW="2025-11-30T08:00:00Z")
    summit.ok("update", "A1", "--due", "2025-12-05")
    uids = {item["ref"]: item["uid"] for item in summit.ok("list", "--all", "--json").json()}
    calendar = _calendar(summit)
    assert calendar["PRODID"] == ics.PRODID and calendar["VERSION"] == "2.0"
    entries = _by_ref(calendar)
    summit_entry = entries["E1"]
    assert str(summit_entry["UID"]) == uids["E1"]
    assert str(summit_entry["SUMMARY"]) == "23rd India-Russia Annual Summit"
    # Whole days: DATE values, the end the day after the last (RFC 5545 3.6.1).
    assert summit_entry.decoded("DTSTART") == date(2025, 12, 4)
    assert summit_entry.decoded("DTEND") == date(2025, 12, 6)
    assert summit_entry["STATUS"] == "CONFIRMED"
    assert str(summit_entry["LOCATION"]) == "New Delhi, India"
    assert [str(name) for name in summit_entry["CATEGORIES"].cats] == ["summit", "india-russia"]
    # Two fields changed since creation (tags; the source and note change none).
    assert summit_entry["SEQUENCE"] == 1
    assert summit_entry.decoded("LAST-MODIFIED") == datetime.fromisoformat("2025-11-30T08:00:00+00:00")
    assert str(summit_entry["URL"]) == "https://example.org/confirmed"
    description = str(summit_entry["DESCRIPTION"])
    assert "- A1 Labour mobility pact (expected, due 2025-12-05)" in description
    assert "- A2 Additional S-400 systems (negotiating)" in description
    assert "Source: https://example.org/confirmed" in description
    # The banquet (one day, no end) and A1's due date, an all-day entry that is not busy time.
    assert entries["E2"].decoded("DTEND") - entries["E2"].decoded("DTSTART") == timedelta(days=1)
    due = entries["A1"]
    assert str(due["UID"]) == uids["A1"] and str(due["SUMMARY"]) == "Due: Labour mobility pact"
    assert (due.decoded("DTSTART"), due.decoded("DTEND")) == (date(2025, 12, 5), date(2025, 12, 6))
    assert due["TRANSP"] == "TRANSPARENT" and due["STATUS"] == "TENTATIVE"
    assert str(due["URL"]) == "https://example.org/seed"
    # A2 has no due date: no entry.
    assert "A2" not in entries


def test_a_timed_event_has_its_zone_and_the_vtimezone_it_needs(summit):
    summit.ok("add", "event", "Talks in Kolkata", "--start", "2026-03-28T14:30", "--end", "2026-03-30T14:30",
              "--tz", "Asia/Kolkata")
    summit.ok("add", "event", "Call with Brussels", "--start", "2026-03-29T09:00", "--tz", "Europe/Brussels")
    run = summit.ok("export", "--format", "ics")
    assert "DTSTART;TZID=Asia/Kolkata:20260328T143000" in run.stdout
    assert "DTEND;TZID=Asia/Kolkata:20260330T143000" in run.stdout
    calendar = icalendar.Calendar.from_ical(run.stdout)
    assert {zone.tz_name for zone in calendar.timezones} == {"Asia/Kolkata", "Europe/Brussels"}
    assert calendar.get_missing_tzids() == set()
    # The VTIMEZONEs come before the entries that name them.
    assert run.stdout.index("BEGIN:VTIMEZONE") < run.stdout.index("BEGIN:VEVENT")
    call = _by_ref(calendar)["E4"]
    # No end: it takes no time, said as a zero duration (DTEND = DTSTART is forbidden by RFC 5545).
    assert "DTEND" not in call and call.decoded("DURATION") == timedelta(0)
    assert call.decoded("DTSTART").utcoffset() == timedelta(hours=2)    # CEST from that morning


def test_a_cancelled_event_says_so_and_filters_are_those_of_list(summit):
    summit.ok("update", "E2", "--status", "cancelled")
    entries = _by_ref(_calendar(summit))
    assert entries["E2"]["STATUS"] == "CANCELLED"
    assert set(_by_ref(_calendar(summit, "--status", "cancelled"))) == {"E2"}
    assert set(_by_ref(_calendar(summit, "--kind", "summit"))) == {"E1"}
    assert set(_by_ref(_calendar(summit, "--from", "2025-12-05", "--to", "2025-12-05"))) == {"E1", "E2"}


def test_untrusted_text_reaches_the_calendar_escaped_and_without_controls(tracker):
    tracker.ok("add", "event", "Talks; \u202egnol, \\ ok", "--start", "2025-12-04", "--tz", "Asia/Kolkata",
               "--location", "Hall 1,\tfloor\x1b[31m 2", "--tag", "a,b;c")
    run = tracker.ok("export", "--format", "ics")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", run.stdout)
    entry = _by_ref(icalendar.Calendar.from_ical(run.stdout))["E1"]
    assert str(entry["SUMMARY"]) == "Talks; gnol, \\ ok"
    assert "SUMMARY:Talks\\; gnol\\, \\\\ ok" in run.stdout
    assert str(entry["LOCATION"]) == "Hall 1, floor[31m 2"
    assert [str(name) for name in entry["CATEGORIES"].cats] == ["other", "a,b;c"]


def test_an_unchanged_database_exports_the_same_file(summit, tmp_path):
    first = summit.ok("export", "--format", "ics").stdout
    later = summit.ok("export", "--format", "ics", TRACKER_NOW="2026-02-01T00:00:00Z").stdout
    assert first == later
    summit.ok("export", "--format", "ics", "-o", str(tmp_path / "desk.ics"))
    assert (tmp_path / "desk.ics").read_text(encoding="utf-8") == first


def test_undated_events_are_named_and_bad_options_refused(tracker):
    tracker.ok("add", "event", "Some day", "--kind", "talks")
    run = tracker.ok("export", "--format", "ics")
    assert "BEGIN:VEVENT" not in run.stdout and "END:VCALENDAR" in run.stdout
    assert "1 event without a start left out (E1)" in run.stderr
    wrong = tracker("export", "--format", "icz")
    assert wrong.code == 2 and "--format 'icz' is not one of: json, ics" in wrong.stderr and "ics" in wrong.stderr
    filtered_json = tracker("export", "--status", "held")
    assert filtered_json.code == 2
    assert "--status filters an iCalendar export only: add --format ics" in filtered_json.stderr


LOADED = """
import sys
from tracker.cli import main
try:
    main()
except SystemExit:
    pass
finally:
    sys.stderr.write("\\nicalendar loaded" if "icalendar" in sys.modules else "\\nicalendar not loaded")
"""


@pytest.mark.parametrize("command", [["--help"], ["list"], ["export", "--help"]])
def test_only_the_ics_export_loads_icalendar(command, tmp_path):
    python = str(TRACKER_BIN.parent / "python")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TRACKER_DB": str(tmp_path / "t.db"),
           "TRACKER_NOW": FIXED_NOW}
    run = subprocess.run([python, "-c", LOADED, *command], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert run.stderr.endswith("icalendar not loaded"), run.stderr
    exported = subprocess.run([python, "-c", LOADED, "export", "--format", "ics"], env=env, capture_output=True,
                              text=True, cwd=tmp_path)
    assert exported.stderr.endswith("icalendar loaded"), exported.stderr


# -- khal, Debian's command-line calendar, reading the export -------------------------

def _khal() -> str:
    found = shutil.which("khal")
    if not found:
        if os.environ.get("CI"):
            pytest.fail("khal is missing in CI: `make test` installs it (apt-get install khal)")
        pytest.skip("khal is not installed")
    return found


class Khal:
    """khal with a configuration and a vdir calendar of its own, seeing times in `zone`."""

    def __init__(self, folder, zone: str):
        self.khal = _khal()
        self.folder = folder
        (folder / "calendar").mkdir(parents=True)
        self.config = folder / "khal.conf"
        self.config.write_text(
            "[calendars]\n[[desk]]\n"
            f"path = {folder / 'calendar'}\ntype = calendar\n"
            "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
            "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
            f"default_timezone = {zone}\nlocal_timezone = {zone}\n"
            "[default]\ndefault_calendar = desk\n"
            f"[sqlite]\npath = {folder / 'khal.db'}\n", encoding="utf-8")
        self.env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "XDG_CONFIG_HOME": str(folder / "config"),
                    "XDG_DATA_HOME": str(folder / "data"), "LANG": "C.UTF-8", "TZ": zone}

    def run(self, *args: str) -> str:
        done = subprocess.run([self.khal, "-c", str(self.config), *args], env=self.env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def import_file(self, path) -> None:
        self.run("import", "--batch", str(path))

    def days(self, first: str, last: str) -> dict[str, list[str]]:
        """Each day khal lists, with its lines: 'start | end | title'."""
        listing = self.run("list", first, last, "--format", "{start} | {end} | {title}")
        days: dict[str, list[str]] = {}
        day = None
        for line in listing.splitlines():
            header = re.fullmatch(r"\w+, (\d{4}-\d{2}-\d{2})", line.strip())
            if header:
                day = header.group(1)
                days[day] = []
            elif line.strip():
                days[day].append(line.strip())
        return days

    def stored(self) -> int:
        return len(list((self.folder / "calendar").glob("*.ics")))


# Seen from each zone: the Kolkata talks (14:30 IST, 09:00 UTC, both ends) span the
# night Brussels moves to summer time (29 March 2026); the Kolkata dinner (20:30 IST,
# 15:00 UTC) spans New York's (8 March 2026).
EXPECTED = {
    "Europe/Brussels": {
        "talks": ("2026-03-28 10:00", "2026-03-30 11:00"),
        "dinner": ("2026-03-07 16:00", "2026-03-09 16:00"),
    },
    "America/New_York": {
        "talks": ("2026-03-28 05:00", "2026-03-30 05:00"),
        "dinner": ("2026-03-07 10:00", "2026-03-09 11:00"),
    },
}


@pytest.fixture
def kolkata(tracker):
    tracker.ok("add", "event", "Kolkata talks", "--start", "2026-03-28T14:30", "--end", "2026-03-30T14:30",
               "--tz", "Asia/Kolkata", "--kind", "talks")
    tracker.ok("add", "event", "Kolkata dinner", "--start", "2026-03-07T20:30", "--end", "2026-03-09T20:30",
               "--tz", "Asia/Kolkata", "--kind", "ceremony")
    tracker.ok("add", "event", "Delhi summit", "--start", "2025-12-04", "--end", "2025-12-05",
               "--tz", "Asia/Kolkata", "--kind", "summit")
    return tracker


@pytest.mark.slow
@pytest.mark.parametrize("zone", sorted(EXPECTED))
def test_khal_shows_the_events_on_the_right_days_and_hours(kolkata, tmp_path, zone):
    khal = Khal(tmp_path / "khal", zone)
    kolkata.ok("export", "--format", "ics", "-o", str(tmp_path / "desk.ics"))
    khal.import_file(tmp_path / "desk.ics")
    assert khal.stored() == 3
    days = khal.days("2026-03-01", "2026-04-30")
    for title, (start, end) in EXPECTED[zone].items():
        line = f"{start} | {end} | Kolkata {title}"
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
        shown_on = {day for day, lines in days.items() if line in lines}
        assert shown_on == {str(first + timedelta(days=n)) for n in range((last - first).days + 1)}, (line, days)
    # The whole-day summit: on the 4th and the 5th, in every zone, and not the 6th.
    december = khal.days("2025-12-01", "2025-12-31")
    assert {day for day, lines in december.items() if "2025-12-04 | 2025-12-05 | Delhi summit" in lines} \
        == {"2025-12-04", "2025-12-05"}


@pytest.mark.slow
def test_khal_updates_an_event_on_reimport_rather_than_duplicating_it(kolkata, tmp_path):
    khal = Khal(tmp_path / "khal", "Europe/Brussels")
    kolkata.ok("export", "--format", "ics", "-o", str(tmp_path / "desk.ics"))
    khal.import_file(tmp_path / "desk.ics")
    kolkata.ok("update", "E1", "--start", "2026-03-28T16:30", "--status", "cancelled",
               TRACKER_NOW="2025-12-01T10:00:00Z")
    kolkata.ok("export", "--format", "ics", "-o", str(tmp_path / "desk.ics"))
    khal.import_file(tmp_path / "desk.ics")
    assert khal.stored() == 3
    days = khal.days("2026-03-28", "2026-03-28")
    talks = [line for line in days["2026-03-28"] if "Kolkata talks" in line]
    assert talks == ["2026-03-28 12:00 | 2026-03-30 11:00 | Kolkata talks"]
    status = khal.run("list", "2026-03-28", "2026-03-28", "--format", "{title} {status}")
    assert "Kolkata talks CANCELLED" in status


def test_an_events_entry_is_modified_when_an_agreement_expected_there_changes(summit):
    before = _by_ref(_calendar(summit))["E1"]
    summit.ok("update", "A2", "--status", "initialled", TRACKER_NOW="2025-12-02T12:00:00Z")
    after = _by_ref(_calendar(summit))["E1"]
    assert "- A2 Additional S-400 systems (initialled)" in str(after["DESCRIPTION"])
    assert after.decoded("LAST-MODIFIED") == datetime.fromisoformat("2025-12-02T12:00:00+00:00")
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    # Not a revision of the event itself (RFC 5545: dates, times, status).
    assert after["SEQUENCE"] == before["SEQUENCE"] == 0
    summit.ok("remove", "A2", TRACKER_NOW="2025-12-03T12:00:00Z")
    removed = _by_ref(_calendar(summit))["E1"]
    assert "A2" not in str(removed["DESCRIPTION"])
    assert removed.decoded("LAST-MODIFIED") == datetime.fromisoformat("2025-12-03T12:00:00+00:00")


@pytest.mark.slow
def test_khal_shows_a_time_with_no_end_on_its_one_day_from_new_york(tracker, tmp_path):
    # 09:00 in Kolkata is 23:30 the day before in New York: one day, not two.
    tracker.ok("add", "event", "Morning call", "--start", "2026-04-12T09:00", "--tz", "Asia/Kolkata")
    tracker.ok("export", "--format", "ics", "-o", str(tmp_path / "desk.ics"))
    khal = Khal(tmp_path / "khal", "America/New_York")
    khal.import_file(tmp_path / "desk.ics")
    days = khal.days("2026-04-01", "2026-04-30")
    assert {day for day, lines in days.items() if any("Morning call" in line for line in lines)} == {"2026-04-11"}
    assert days["2026-04-11"] == ["2026-04-11 23:30 | 2026-04-11 23:30 | Morning call"], days


@pytest.mark.slow
def test_the_repeated_hour_of_a_dst_change_keeps_two_events_an_hour_apart(tracker, tmp_path):
    # 02:30 on 25 October 2026 happens twice in Brussels: first in summer time, then in winter time.
    tracker.ok("add", "event", "First 02:30", "--start", "2026-10-25T02:30+02:00", "--end", "2026-10-25T02:50+02:00",
               "--tz", "Europe/Brussels")
    tracker.ok("add", "event", "Second 02:30", "--start", "2026-10-25T02:30+01:00", "--end", "2026-10-25T02:50+01:00",
               "--tz", "Europe/Brussels")
    tracker.ok("add", "event", "Breakfast", "--start", "2026-10-25T08:00", "--end", "2026-10-25T09:00",
               "--tz", "Europe/Brussels")
    run = tracker.ok("export", "--format", "ics")
    assert "DTSTART:20261025T003000Z" in run.stdout and "DTSTART:20261025T013000Z" in run.stdout
    assert "DTSTART;TZID=Europe/Brussels:20261025T080000" in run.stdout   # unambiguous: kept in its zone
    (tmp_path / "desk.ics").write_text(run.stdout, encoding="utf-8", newline="")
    khal = Khal(tmp_path / "khal", "UTC")
    khal.import_file(tmp_path / "desk.ics")
    assert khal.days("2026-10-25", "2026-10-25")["2026-10-25"] == [
        "2026-10-25 00:30 | 2026-10-25 00:50 | First 02:30",
        "2026-10-25 01:30 | 2026-10-25 01:50 | Second 02:30",
        "2026-10-25 07:00 | 2026-10-25 08:00 | Breakfast"]
