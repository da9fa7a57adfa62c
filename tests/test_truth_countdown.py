"""`tracker countdown` leaves nothing out (issue 9): overdue agreements come last, and a
watch with nothing to show says so in the same words."""

from __future__ import annotations

import pytest
import typer.testing

from tracker import countdown, dates

from test_scale import Plans, _no_full_scan_or_sort


@pytest.fixture
def late(tracker):
    """Now is Saturday 29 November 2025, 11:00 in Brussels."""
    tracker.ok("add", "agreement", "Fossil fuel phase-out", "--due", "2025-11-26")
    tracker.ok("add", "agreement", "Grain corridor deal", "--due", "2025-11-28T18:00")
    tracker.ok("add", "agreement", "Settled late", "--due", "2025-11-20", "--status", "signed")
    tracker.ok("add", "event", "Trade talks", "--start", "2025-12-03")
    tracker.ok("add", "agreement", "Due next week", "--due", "2025-12-05")
    return tracker


def test_countdown_shows_overdue_agreements_last(late):
    run = late.ok("countdown")
    lines = [line for line in run.stdout.splitlines() if "│" in line]
    assert [line.split("│")[1].strip() for line in lines] == ["E1", "A4", "A2", "A1"]
    assert "overdue by 3 days" in lines[3] and "overdue by 17 h" in lines[2]
    assert "Settled late" not in run.stdout        # signed: nothing is waiting for it


def test_countdown_json_says_overdue(late):
    entries = late.ok("countdown", "--json").json()
    assert [(e["ref"], e["state"]) for e in entries] == [
        ("E1", "upcoming"), ("A4", "upcoming"), ("A2", "overdue"), ("A1", "overdue")]
    assert entries[-1]["left"] == "overdue by 3 days" and entries[-1]["seconds"] < 0
    # report.py reads countdown.coming(): still what is to come, no overdue agreement.
    from tracker.store import Store

    coming = countdown.coming(Store(late.db), dates.instant("2025-11-29T10:00:00Z"))
    assert [entry.item.ref.num for entry in coming] == [1, 4]


def test_overdue_agreements_have_a_limit_of_their_own(late):
    entries = late.ok("countdown", "--limit", "1", "--json").json()
    assert [(e["ref"], e["state"]) for e in entries] == [("E1", "upcoming"), ("A2", "overdue")]


def test_an_overdue_agreement_alone_is_not_nothing(tracker):
    tracker.ok("add", "agreement", "Fossil fuel phase-out", "--due", "2025-11-28")
    run = tracker.ok("countdown")
    assert "overdue by 1 day" in run.stdout and "Nothing coming" not in run.stderr


@pytest.mark.sqlite_only
def test_overdue_agreements_are_read_from_the_due_date_index(summit, monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    dates.set_now(None)
    summit.ok("update", "A1", "--due", "2025-11-20")
    plans = Plans(summit.db)
    countdown.overdue(plans.store, dates.now(), 30)
    found = plans.plans()
    _no_full_scan_or_sort(found)
    assert all("items_by_due" in plan for _, plan in found if "due_utc <=" in _)


def test_watch_with_nothing_coming_says_so(tracker, monkeypatch):
    """The watch on a terminal, stopped by Ctrl-C at its first tick."""
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True)

    def ctrl_c(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", ctrl_c)
    run = tracker.ok("countdown", "--watch")
    assert "Nothing coming." in run.stdout and "Ref" not in run.stdout
    days = tracker.ok("countdown", "--watch", "--days", "3")
    assert "Nothing coming in the next 3 days." in days.stdout
