"""The change log tells the truth (issue 9): times in the reader's zone, no change after
now, no event removed from under what belongs to it, and a news file replayed without fear."""

from __future__ import annotations

import json

import pytest

from conftest import NEWS

NEWS_NOW = "2025-12-12T09:00:00Z"


def _rows(run) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in run.stdout.splitlines() if "│" in line]


# -- times in the reader's zone, labelled ----------------------------------------------

def test_history_shows_times_in_the_readers_zone(summit):
    # The summit's agreements live in New Delhi; the reader is in Brussels. Now is 10:00 UTC.
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-11-28")
    rows = _rows(summit.ok("history", "A1"))
    assert [row[0] for row in rows] == ["2025-11-28", "2025-11-29 11:00 CET"]   # a date stays a date
    rows = _rows(summit.ok("history", "A1", "--tz", "Asia/Kolkata"))
    assert rows[1][0] == "2025-11-29 15:30 IST"
    # JSON keeps ISO with the offset it was written with.
    assert summit.ok("history", "A1", "--json").json()[1]["on"] == "2025-11-29T15:30:00+05:30"


def test_show_gives_created_updated_and_the_log_in_the_readers_zone(summit):
    run = summit.ok("show", "A1")
    assert "created  2025-11-29 11:00 CET" in run.stdout and "updated  2025-11-29 11:00 CET" in run.stdout
    assert _rows(run)[0][0] == "2025-11-29 11:00 CET"
    kolkata = summit.ok("show", "A1", "--tz", "Asia/Kolkata")
    assert "created  2025-11-29 15:30 IST" in kolkata.stdout
    assert summit.ok("show", "A1", "--json").json()["created"] == "2025-11-29T10:00:00+00:00"


def test_history_refuses_an_unknown_zone(summit):
    run = summit("history", "--tz", "Mars/Olympus")
    assert run.code == 2 and "Mars/Olympus" in run.stderr


# -- no change after now ---------------------------------------------------------------

def test_a_change_cannot_be_dated_in_the_future(summit):
    before = summit.dump()
    for args in (("update", "A1", "--status", "signed", "--on", "in 2 weeks"),
                 ("update", "A1", "--note", "later today", "--on", "2025-11-29T18:00"),
                 ("remove", "A2", "--on", "tomorrow"),
                 ("add", "agreement", "Not yet", "--on", "2025-12-01")):
        run = summit(*args)
        assert run.code == 2, args
        assert "is in the future" in run.stderr and "give a date or time up to now" in run.stderr
        assert run.stderr.count("\n") == 1
    assert summit.dump() == before
    # Today (a day that holds now) and the past are fine.
    summit.ok("update", "A1", "--note", "talks began", "--on", "today")
    summit.ok("update", "A1", "--note", "first rumour", "--on", "2025-11-01")
    history = summit.ok("history", "A1", "--json").json()
    # A change dated before the item was added is kept, in its place in time: first.
    assert [entry["note"] for entry in history] == ["first rumour", "talks began", "expected to be signed"]
    # ... and marked in tables; a date-only change on the day it was added is not.
    rows = _rows(summit.ok("history", "A1"))
    assert rows[0][3] == "note (dated before it was added)" and rows[1][3] == "note"


def test_apply_refuses_a_file_with_a_change_after_now(seeded, tmp_path):
    news = json.loads(NEWS.read_text())
    news["updates"][3]["on"] = "2025-12-13"
    path = tmp_path / "news.json"
    path.write_text(json.dumps(news))
    before = seeded.dump()
    run = seeded("apply", str(path), TRACKER_NOW=NEWS_NOW)
    assert run.code == 2 and "update 4" in run.stderr and '"on" \'2025-12-13\' is in the future' in run.stderr
    assert seeded.dump() == before


# -- removing an event that others belong to -------------------------------------------

def test_remove_refuses_an_event_that_live_items_belong_to(summit):
    before = summit.dump()
    run = summit("remove", "E1")
    assert run.code == 1
    assert "E1 has 3 live items in it: E2 'State banquet', A1 'Labour mobility pact', A2 " in run.stderr
    assert "--detach" in run.stderr
    assert summit.dump() == before


def test_remove_names_the_first_few_and_counts_the_rest(summit):
    for n in range(5):
        summit.ok("add", "agreement", f"MoU {n}", "--event", "E1")
    run = summit("remove", "E1")
    assert "E1 has 8 live items in it" in run.stderr and "and 3 more" in run.stderr


@pytest.mark.sqlite_only
def test_remove_detach_unlinks_and_logs_on_each(summit):
    summit.ok("remove", "A2")         # removed already: left alone
    summit.ok("remove", "E1", "--detach", "--note", "summit called off")
    assert summit.ok("show", "E1", "--json").json()["removed"]
    banquet = summit.ok("show", "E2", "--json").json()
    pact = summit.ok("show", "A1", "--json").json()
    assert banquet["parent"] is None and pact["event"] is None
    assert (banquet["history"][-1]["field"], banquet["history"][-1]["old"], banquet["history"][-1]["new"]) == (
        "parent", "E1", None)
    assert (pact["history"][-1]["field"], pact["history"][-1]["old"], pact["history"][-1]["new"]) == ("event", "E1", None)
    assert pact["history"][-1]["note"] == "summit called off"
    assert summit.ok("show", "A2", "--json").json()["event"] == "E1"
    # The pipeline counts follow: the pact is at no event now.
    import sqlite3

    conn = sqlite3.connect(summit.db)
    assert conn.execute("SELECT n FROM agreement_counts WHERE event_id = 0 AND status = 'expected'").fetchone() == (1,)


# -- a news file replayed without fear ---------------------------------------------------

def test_applying_a_news_file_twice_changes_nothing_the_second_time(seeded):
    first = seeded.ok("apply", str(NEWS), TRACKER_NOW=NEWS_NOW)
    assert "0 already applied, 27 applied (15 added, 12 updated)" in first.stderr
    after_once = seeded.dump()
    again = seeded.ok("apply", str(NEWS), TRACKER_NOW=NEWS_NOW)
    assert "all 27 updates applied already; nothing changed" in again.stderr
    assert seeded.dump() == after_once
    # A day later too: dates, sources and notes say what was applied, not the clock.
    seeded.ok("apply", str(NEWS), TRACKER_NOW="2025-12-13T09:00:00Z")
    assert seeded.dump() == after_once


def test_a_file_partly_applied_applies_the_rest(seeded, tmp_path):
    news = json.loads(NEWS.read_text())
    half = dict(news, updates=news["updates"][:11])
    path = tmp_path / "half.json"
    path.write_text(json.dumps(half))
    seeded.ok("apply", str(path), TRACKER_NOW=NEWS_NOW)
    run = seeded.ok("apply", str(NEWS), TRACKER_NOW=NEWS_NOW)
    assert "11 already applied, 16 applied" in run.stderr
    # The same items and the same log as applying it once, whole.
    other = tmp_path / "whole.db"
    seeded.ok("import", str(NEWS.parent / "seed-2025-11-29.json"), TRACKER_DB=str(other))
    seeded.ok("apply", str(NEWS), TRACKER_DB=str(other), TRACKER_NOW=NEWS_NOW)

    def state(**env):
        items = seeded.ok("list", "--all", "--json", **env).json()
        log = seeded.ok("history", "--json", **env).json()
        return items, log

    assert state(TRACKER_NOW=NEWS_NOW) == state(TRACKER_DB=str(other), TRACKER_NOW=NEWS_NOW)


def test_a_later_change_is_not_undone_by_applying_an_earlier_file_again(seeded, tmp_path):
    seeded.ok("apply", str(NEWS), TRACKER_NOW=NEWS_NOW)
    seeded.ok("update", "A2", "--status", "ratified", "--on", "2025-12-12", TRACKER_NOW=NEWS_NOW)
    seeded.ok("apply", str(NEWS), TRACKER_NOW=NEWS_NOW)
    assert seeded.ok("show", "A2", "--json").json()["status"] == "ratified"


def test_an_add_whose_uid_is_another_type_here_is_refused(seeded, tmp_path):
    uid = seeded.ok("show", "E1", "--json").json()["uid"]
    path = tmp_path / "clash.json"
    path.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "agreement", "uid": uid, "on": "2025-11-28", "set": {"title": "Clash"}}]}))
    run = seeded("apply", str(path))
    assert run.code == 2 and f"uid '{uid}' is E1 here" in run.stderr
