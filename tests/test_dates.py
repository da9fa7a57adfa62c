"""Dates in and time out: every accepted form, every refusal, DST, zones and countdowns."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from conftest import TRACKER_BIN
from tracker import dates
from tracker.errors import BadArgument

NOW = "2025-12-04T10:00:00Z"        # a Thursday; 11:00 in Brussels, 15:30 in New Delhi


@pytest.fixture
def fixed_now(monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", NOW)
    dates.set_now(None)


ACCEPTED = [
    ("2025-12-04", "2025-12-04"),
    ("2025-12-04 10:30", "2025-12-04T10:30:00+01:00"),
    ("2025-12-04T10:30", "2025-12-04T10:30:00+01:00"),
    ("2025-12-04T10:30:15", "2025-12-04T10:30:15+01:00"),
    ("2025-12-04T10:30+05:30", "2025-12-04T06:00:00+01:00"),
    ("2025-12-04T05:00Z", "2025-12-04T06:00:00+01:00"),
    ("4 Dec 2025", "2025-12-04"),
    ("4 December 2025", "2025-12-04"),
    ("Dec 4 2025", "2025-12-04"),
    ("December 4, 2025", "2025-12-04"),
    ("Dec 4 2025 10:30", "2025-12-04T10:30:00+01:00"),
    ("4 Dec 2025 9:05", "2025-12-04T09:05:00+01:00"),
    ("today", "2025-12-04"),
    ("Today", "2025-12-04"),
    ("tomorrow", "2025-12-05"),
    ("yesterday", "2025-12-03"),
    ("tomorrow 10:30", "2025-12-05T10:30:00+01:00"),
    ("now", "2025-12-04T11:00:00+01:00"),
    ("+3d", "2025-12-07"),
    ("-2w", "2025-11-20"),
    ("+5h", "2025-12-04T16:00:00+01:00"),
    ("in 3 days", "2025-12-07"),
    ("in 1 week", "2025-12-11"),
    ("2 days ago", "2025-12-02"),
    ("next monday", "2025-12-08"),
    ("monday", "2025-12-08"),
    ("fri", "2025-12-05"),
    ("thursday", "2025-12-11"),         # the next one to come, never today
    ("last friday", "2025-11-28"),
    ("last thursday", "2025-11-27"),
]


@pytest.mark.parametrize("text, stored", ACCEPTED, ids=[a for a, _ in ACCEPTED])
def test_each_accepted_form(fixed_now, text, stored):
    assert dates.parse_when(text, "Europe/Brussels").text == stored


@pytest.mark.parametrize("text, stored", ACCEPTED[:12], ids=[a for a, _ in ACCEPTED[:12]])
def test_each_form_through_the_cli(tracker, text, stored):
    item = tracker.ok("add", "event", "X", "--start", text, "--tz", "Europe/Brussels", "--json",
                      TRACKER_NOW=NOW).json()
    assert item["start"] == stored


REFUSED = [
    ("2025-12", "is a month, not a day"),
    ("2025", "is not a date"),
    ("03/04/2025", "ambiguous (day and month could swap): write 2025-04-03 or 2025-03-04"),
    ("13/04/2025", "is not in ISO form: write it as 2025-04-13"),
    ("04.12.25", "two-digit year"),
    ("31 Feb 2026", "does not exist"),
    ("2026-02-31", "does not exist"),
    ("2025-02-29", "does not exist"),
    ("Feb 29 2025", "does not exist"),
    ("2025-12-04 25:00", "does not exist"),
    ("tomorrow 24:30", "no such time of day"),
    ("10:30", "is not a date"),
    ("Dec 2025", "is a month, not a day: give the day, such as 2025-12-01"),
    ("next blursday", "is not a date"),
    ("soon", "is not a date"),
    ("4th of December", "is not a date"),
]


@pytest.mark.parametrize("text, words", REFUSED, ids=[a for a, _ in REFUSED])
def test_each_refused_form_exits_2_and_changes_nothing(summit, text, words):
    before = summit.dump()
    run = summit("add", "event", "X", "--start", text, TRACKER_NOW=NOW)
    assert run.code == 2 and words in run.stderr and run.stderr.count("\n") == 1, run.stderr
    assert summit.dump() == before


DST = [
    ("Europe/Brussels", "2025-03-30T02:30", "does not exist in Europe/Brussels"),
    ("Europe/Brussels", "2025-10-26T02:30", "happens twice in Europe/Brussels (the clocks go back): "
                                            "give the offset, 2025-10-26T02:30+02:00 or 2025-10-26T02:30+01:00"),
    ("America/New_York", "2025-03-09T02:30", "does not exist in America/New_York"),
    ("America/New_York", "2025-11-02T01:30", "happens twice in America/New_York"),
]


@pytest.mark.parametrize("zone, text, words", DST, ids=[f"{z} {t}" for z, t, _ in DST])
def test_dst_gaps_and_folds_are_refused_with_the_way_out(summit, zone, text, words):
    before = summit.dump()
    run = summit("add", "event", "X", "--start", text, "--tz", zone)
    assert run.code == 2 and words in run.stderr, run.stderr
    assert summit.dump() == before


@pytest.mark.parametrize("zone, text, offset", [
    ("Europe/Brussels", "2025-10-26T02:30+01:00", "+01:00"),
    ("America/New_York", "2025-11-02T01:30-05:00", "-05:00"),
])
def test_a_fold_time_with_its_offset_is_accepted(tracker, zone, text, offset):
    item = tracker.ok("add", "event", "X", "--start", text, "--tz", zone, "--json").json()
    assert item["start"].endswith(offset)


def test_a_month_is_accepted_where_the_option_means_a_period(summit):
    refs = [i["ref"] for i in summit.ok("list", "events", "--from", "2025-12", "--to", "2025-12", "--json").json()]
    assert refs == ["E1", "E2"]
    assert summit.ok("list", "events", "--from", "2026-01", "--json").json() == []
    assert summit.ok("list", "events", "--to", "2025-11", "--json").json() == []


@pytest.mark.parametrize("zone, now, start, seconds", [
    # Brussels springs forward on 30 March 2025: noon to noon is 23 hours.
    ("Europe/Brussels", "2025-03-29T12:00:00+01:00", "2025-03-30T12:00", 23 * 3600),
    # New York falls back on 2 November 2025: noon to noon is 25 hours.
    ("America/New_York", "2025-11-01T12:00:00-04:00", "2025-11-02T12:00", 25 * 3600),
])
def test_a_countdown_across_a_dst_change_is_exact_to_the_second(tracker, zone, now, start, seconds):
    tracker.ok("add", "event", "Talks", "--start", start, "--tz", zone)
    entry = tracker.ok("countdown", "--json", TRACKER_NOW=now).json()[0]
    assert entry["seconds"] == seconds
    assert entry["state"] == "upcoming"


def _instant(text: str) -> datetime:
    """Read back "2025-12-04 06:00 CET" as printed, knowing the abbreviations used here."""
    offsets = {"CET": 1, "EST": -5, "JST": 9, "IST": 5.5}
    stamp, abbreviation = text.rsplit(" ", 1)
    naive = datetime.strptime(stamp, "%Y-%m-%d %H:%M")
    return (naive - timedelta(hours=offsets[abbreviation])).replace(tzinfo=timezone.utc)


@pytest.mark.parametrize("user_zone, beside", [
    ("Europe/Brussels", "(06:00 CET)"), ("America/New_York", "(00:00 EST)"), ("Asia/Tokyo", "(14:00 JST)"),
])
def test_the_same_item_under_three_zones_shows_the_same_instant(tracker, user_zone, beside):
    tracker.ok("add", "event", "Talks", "--start", "2025-12-04T10:30", "--tz", "Asia/Kolkata")
    default = tracker.ok("list", TRACKER_TZ=user_zone).stdout
    assert "2025-12-04 10:30 IST" in default       # the event's own zone first ...
    assert beside in default                        # ... and the reader's beside it
    abbreviation = beside.strip("()").split()[1]
    shown = tracker.ok("list", "--tz", user_zone, TRACKER_TZ="UTC").stdout
    found = re.search(rf"\d{{4}}-\d\d-\d\d \d\d:\d\d {abbreviation}", shown).group()
    assert _instant(found) == datetime(2025, 12, 4, 5, 0, tzinfo=timezone.utc)
    assert _instant("2025-12-04 10:30 IST") == _instant(found)
    assert tracker.ok("list", "--json", TRACKER_TZ=user_zone).json()[0]["start"] == "2025-12-04T10:30:00+05:30"


def test_an_all_day_event_runs_from_midnight_to_midnight_in_its_zone(summit):
    entries = summit.ok("countdown", "--json", TRACKER_NOW="2025-12-03T18:29:59Z").json()
    assert entries[0]["ref"] == "E1" and entries[0]["seconds"] == 1 and entries[0]["state"] == "upcoming"
    entries = summit.ok("countdown", "--json", TRACKER_NOW="2025-12-03T18:30:00Z").json()
    assert entries[0]["state"] == "under-way" and entries[0]["left"] == "under way: day 1 of 2"
    entries = summit.ok("countdown", "--json", TRACKER_NOW="2025-12-05T18:29:59Z").json()
    assert entries[0]["left"] == "under way: day 2 of 2"
    assert summit.ok("countdown", "--json", TRACKER_NOW="2025-12-05T18:30:00Z").json() == []


@pytest.mark.parametrize("now, left", [
    ("2025-11-29T10:00:00Z", "in 5 days (Thu 4 Dec)"),
    ("2025-12-02T20:00:00Z", "tomorrow"),       # already 3 December in New Delhi
    ("2025-12-04T10:00:00Z", "under way: day 1 of 2"),
])
def test_countdown_words_for_all_day_events(summit, now, left):
    assert summit.ok("countdown", "--json", TRACKER_NOW=now).json()[0]["left"] == left


def test_countdown_words_for_timed_events(tracker):
    tracker.ok("add", "event", "Talks", "--start", "2025-12-04T10:30", "--end", "2025-12-04T12:00",
               "--tz", "Asia/Kolkata")

    def left(now):
        return tracker.ok("countdown", "--json", TRACKER_NOW=now).json()[0]["left"]

    assert left("2025-11-29T02:00:00Z") == "in 5 days 3 h"
    assert left("2025-12-03T10:00:00Z") == "tomorrow 10:30 IST (in 19 h)"
    assert left("2025-12-04T02:55:00Z") == "today 10:30 IST (in 2 h 5 min)"
    assert left("2025-12-04T05:30:00Z") == "under way: ends in 1 h"


def test_countdown_lists_due_dates_and_honours_days(summit):
    summit.ok("update", "A1", "--due", "2025-12-10")
    entries = summit.ok("countdown", "--json", TRACKER_NOW="2025-12-06T00:00:00Z").json()
    assert [(e["ref"], e["what"], e["left"]) for e in entries] == [("A1", "due", "due in 4 days (Wed 10 Dec)")]
    assert summit.ok("countdown", "--days", "3", "--json", TRACKER_NOW="2025-12-06T00:00:00Z").json() == []
    # The summit starts at 18:30 UTC on 3 December, the banquet a day later.
    soon = summit.ok("countdown", "--days", "5", "--json", TRACKER_NOW="2025-11-29T00:00:00Z").json()
    assert [e["ref"] for e in soon] == ["E1"]
    soon = summit.ok("countdown", "--days", "6", "--json", TRACKER_NOW="2025-11-29T00:00:00Z").json()
    assert [e["ref"] for e in soon] == ["E1", "E2"]
    summit.ok("update", "A1", "--status", "signed")
    assert summit.ok("countdown", "--json", TRACKER_NOW="2025-12-06T00:00:00Z").json() == []


def test_countdown_json_shape_and_text(summit):
    entry = summit.ok("countdown", "--json", TRACKER_NOW="2025-11-29T10:00:00Z").json()[0]
    assert {"ref", "title", "start", "seconds", "state"} <= set(entry)
    assert entry["start"] == "2025-12-04"
    text = summit.ok("countdown", TRACKER_NOW="2025-11-29T10:00:00Z").stdout
    assert "Coming up" in text and "in 5 days (Thu 4 Dec)" in text
    run = summit.ok("countdown", TRACKER_NOW="2026-01-01T00:00:00Z")
    assert run.stdout == "" and "Nothing coming" in run.stderr


def test_countdown_tz_shows_times_in_that_zone(summit):
    text = summit.ok("countdown", "--tz", "America/New_York", TRACKER_NOW="2025-11-29T10:00:00Z").stdout
    assert "2025-12-03 13:30 EST" in text


def test_now_option_and_variable_agree(summit):
    by_option = summit.ok("--now", "2025-12-04T10:00:00Z", "countdown", "--json", TRACKER_NOW=None).json()
    by_variable = summit.ok("countdown", "--json", TRACKER_NOW="2025-12-04T10:00:00Z").json()
    assert by_option == by_variable


def test_watch_renders_ticks_and_exits_cleanly_on_ctrl_c(summit):
    pexpect = pytest.importorskip("pexpect")
    env = {"TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
           "TERM": "xterm", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    child = pexpect.spawn(str(TRACKER_BIN), ["countdown", "--watch"], env=env, dimensions=(30, 160),
                          encoding="utf-8", timeout=10)
    child.expect("2025-11-29 11:00:00 CET")
    child.expect("in 5 days")
    child.expect("2025-11-29 11:00:01 CET")            # it ticks
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and child.signalstatus is None
    assert "Traceback" not in child.before
    assert child.before.endswith("\x1b[?25h")           # the cursor is back


def test_watch_needs_a_terminal(summit):
    run = summit("countdown", "--watch")
    assert run.code == 2 and "needs a terminal" in run.stderr


@given(st.dates(min_value=dates.FIRST_DAY, max_value=dates.LAST_DAY))     # the dates tracker accepts
def test_written_and_iso_dates_round_trip(day):
    assert dates.parse_when(day.isoformat(), "UTC").value == day
    assert dates.parse_when(f"{day.day} {day:%b} {day.year}", "UTC").value == day
    assert dates.parse_when(f"{day:%B} {day.day}, {day.year}", "UTC").value == day


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
       st.sampled_from(["Asia/Kolkata", "Europe/Brussels", "America/New_York", "Australia/Lord_Howe"]))
def test_a_local_time_round_trips_or_is_refused_with_a_reason(moment, zone_name):
    text = moment.replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    try:
        when = dates.parse_when(text, zone_name)
    except BadArgument as error:
        assert "the clocks" in str(error)             # only a DST gap or fold is refused
        return
    assert when.text[:19].replace("T", " ") == text
    assert dates.parse_when(when.text, zone_name).text == when.text


def test_duration_words():
    assert dates.duration_words(5 * 86400 + 3 * 3600 + 59) == "5 days 3 h"
    assert dates.duration_words(86400) == "1 day"
    assert dates.duration_words(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert dates.duration_words(59) == "under a minute"
