"""Unit tests of the core: references, dates, safe printing."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from tracker import dates
from tracker.errors import BadArgument
from tracker.model import Ref, check_names, check_source, parse_ref
from tracker.render.safe import json_safe, printable


@pytest.mark.parametrize("text, ref", [("E1", Ref("event", 1)), ("a3", Ref("agreement", 3)),
                                       (" A12 ", Ref("agreement", 12))])
def test_parse_ref(text, ref):
    assert parse_ref(text) == ref
    assert str(ref) == text.strip().upper()


@pytest.mark.parametrize("text", ["", "E", "E0", "X1", "A-1", "A1.5", "EA1"])
def test_parse_ref_rejects(text):
    with pytest.raises(BadArgument):
        parse_ref(text)


def test_parse_ref_checks_the_type():
    with pytest.raises(BadArgument, match="must be an event"):
        parse_ref("A1", want="event")


def test_check_names_strips_and_drops_repeats():
    assert check_names([" India", "russia", "India ", "Russia"], "party") == ["India", "russia"]
    with pytest.raises(BadArgument):
        check_names(["India", " "], "party")


@pytest.mark.parametrize("url", ["https://example.org", "http://a.b/c?d=e", "HTTPS://EXAMPLE.ORG/x"])
def test_check_source_accepts_http_urls(url):
    assert check_source(url) == url


@pytest.mark.parametrize("url", ["example.org", "ftp://x", "https://", "https:// x", "javascript:alert(1)",
                                 "https://a b"])
def test_check_source_rejects(url):
    with pytest.raises(BadArgument):
        check_source(url)


def test_parse_when_date_and_times():
    assert dates.parse_when("2025-12-04", "Asia/Kolkata").value == date(2025, 12, 4)
    local = dates.parse_when("2025-12-04 10:30", "Asia/Kolkata")
    assert local.text == "2025-12-04T10:30:00+05:30"
    moved = dates.parse_when("2025-12-04T10:30+01:00", "Asia/Kolkata")
    assert moved.text == "2025-12-04T15:00:00+05:30"
    assert dates.parse_when("2025-12-04T05:00Z", "UTC").text == "2025-12-04T05:00:00+00:00"


def test_a_day_covers_midnight_to_midnight_in_its_zone():
    day = dates.parse_when("2025-12-04", "Asia/Kolkata")
    assert dates.utc_text(day.start) == "2025-12-03T18:30:00Z"
    assert dates.utc_text(day.end) == "2025-12-04T18:30:00Z"


def test_a_day_that_loses_an_hour_is_23_hours_long():
    day = dates.parse_when("2025-03-30", "Europe/Brussels")
    # Subtracted in UTC: Python subtracts two times of one zone by wall clock.
    length = day.end.astimezone(timezone.utc) - day.start.astimezone(timezone.utc)
    assert length.total_seconds() == 23 * 3600


def test_a_day_whose_midnight_the_clocks_skip_starts_at_its_first_hour():
    # Chile moved its clocks from 00:00 to 01:00 on 8 September 2024.
    day = dates.parse_when("2024-09-08", "America/Santiago")
    assert day.start.isoformat() == "2024-09-08T01:00:00-03:00"
    assert dates.utc_text(day.start) == "2024-09-08T04:00:00Z"


# Zones with gaps and folds at odd hours, half-hour shifts and midnight changes.
DST_ZONES = ["Europe/Brussels", "America/New_York", "America/Santiago", "Australia/Lord_Howe",
             "Asia/Beirut", "America/Havana", "Pacific/Chatham"]


def _clock_changes(zone_name: str) -> list[datetime]:
    """The wall time just before each change of offset from 2000 to 2030 (found a day,
    then a quarter of an hour, at a time)."""
    zone = dates.get_zone(zone_name)
    changes, moment = [], datetime(2000, 1, 1, tzinfo=timezone.utc)
    while moment.year < 2031:
        following = moment + timedelta(days=1)
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            step = moment
            while step.astimezone(zone).utcoffset() == moment.astimezone(zone).utcoffset():
                step += timedelta(minutes=15)
            changes.append((step - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None))
        moment = following
    return changes


CLOCK_CHANGES = [(zone, change) for zone in DST_ZONES for change in _clock_changes(zone)]


@given(st.sampled_from(CLOCK_CHANGES), st.integers(min_value=-150, max_value=150))
def test_gaps_and_folds_are_found_as_dateutil_finds_them(change, minutes):
    """The DST checks tracker makes on the standard library's zones, held to dateutil's
    own helpers on dateutil's zones (dateutil stays a dependency, for parsing), at wall
    times within two and a half hours of a change of the clocks."""
    from dateutil import tz as dateutil_tz

    zone_name, before = change
    naive = before + timedelta(minutes=minutes)
    local, oracle = naive.replace(tzinfo=dates.get_zone(zone_name)), naive.replace(tzinfo=dateutil_tz.gettz(zone_name))
    assert dates._exists(local) == dateutil_tz.datetime_exists(oracle)
    assert dates._ambiguous(local) == dateutil_tz.datetime_ambiguous(oracle)
    assert dates._first_existing(local).astimezone(timezone.utc) == \
        dateutil_tz.resolve_imaginary(oracle).astimezone(timezone.utc)


def test_the_clock_changes_include_gaps_and_folds():
    # Otherwise the test above would prove nothing.
    assert len(CLOCK_CHANGES) > 300
    assert any(not dates._exists((b + timedelta(minutes=5)).replace(tzinfo=dates.get_zone(z))) for z, b in CLOCK_CHANGES)
    assert any(dates._ambiguous((b - timedelta(minutes=30)).replace(tzinfo=dates.get_zone(z))) for z, b in CLOCK_CHANGES)


def test_now_follows_tracker_now(monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00+05:30")
    dates.set_now(None)
    assert dates.now() == datetime(2025, 11, 29, 4, 30, tzinfo=timezone.utc)
    dates.set_now("2025-12-01T00:00:00Z")
    try:
        assert dates.now() == datetime(2025, 12, 1, tzinfo=timezone.utc)
    finally:
        dates.set_now(None)


def test_relative_words_count_from_now_in_the_zone(monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-12-04T20:00:00Z")    # already 5 Dec in New Delhi
    assert dates.parse_when("today", "Asia/Kolkata").value == date(2025, 12, 5)
    assert dates.parse_when("tomorrow", "UTC").value == date(2025, 12, 5)
    assert dates.parse_when("yesterday", "UTC").value == date(2025, 12, 3)


def test_user_zone_comes_from_tracker_tz_then_tz(monkeypatch):
    monkeypatch.setenv("TRACKER_TZ", "Asia/Kolkata")
    monkeypatch.setenv("TZ", "America/New_York")
    assert dates.user_zone_name() == "Asia/Kolkata"
    monkeypatch.delenv("TRACKER_TZ")
    assert dates.user_zone_name() == "America/New_York"


# Within the dates tracker accepts (1900-01-01 to 2199-12-31) in every zone.
@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30, 23, 59)),
       st.sampled_from(["Asia/Kolkata", "Europe/Brussels", "America/New_York", "UTC"]))
def test_a_stored_time_reads_back_as_the_same_instant(moment, zone_name):
    aware = moment.replace(microsecond=0, tzinfo=timezone.utc)
    text = aware.isoformat()
    when = dates.parse_when(text, zone_name)
    # Compared in UTC: Python never finds a time in a DST fold equal to
    # another zone's time (PEP 495), even when it is the same instant.
    assert when.start.astimezone(timezone.utc) == aware
    assert dates.parse_when(when.text, zone_name).text == when.text


@given(st.text())
def test_printable_never_lets_a_control_character_through(text):
    shown = printable(text)
    assert not any(ord(c) < 0x20 and c not in "\t\n" or 0x7f <= ord(c) <= 0x9f for c in shown)


def test_printable_keeps_ordinary_text():
    assert printable("Modi–Putin: «S-400» 5%, [bold]") == "Modi–Putin: «S-400» 5%, [bold]"
    assert printable("\x1b[31m") == "\\x1b[31m"
    assert printable("\u202e") == "\\u202e"


@pytest.mark.parametrize("xdg", [None, "", "   ", "/srv/data"])
def test_the_default_database_is_where_platformdirs_puts_user_data(xdg, monkeypatch):
    from platformdirs import user_data_path

    from tracker.cli import default_db_path

    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    assert default_db_path() == user_data_path("tracker", appauthor=False) / "tracker.db"


def test_json_safe_leaves_ascii_alone_but_del():
    assert json_safe('{"a": "b"}') == '{"a": "b"}'
    assert json_safe('"\x7f"') == '"\\u007f"'


def test_json_safe_escapes_what_json_leaves_raw():
    assert json_safe('"\x9b\u202e"') == '"\\u009b\\u202e"'


def test_a_tz_variable_that_is_not_an_iana_name_is_passed_over(monkeypatch):
    monkeypatch.delenv("TRACKER_TZ", raising=False)
    monkeypatch.setenv("TZ", ":/etc/localtime")
    assert dates.get_zone(dates.user_zone_name()) is not None
    monkeypatch.setenv("TRACKER_TZ", "Nowhere/Special")
    with pytest.raises(BadArgument, match="TRACKER_TZ"):
        dates.user_zone_name()
