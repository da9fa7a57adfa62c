"""Recurring series (the 23rd India-Russia Annual Summit), and the schema step that added them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest


V1_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v1.sql"
SERIES = "India-Russia Annual Summit"


def test_events_of_a_series_list_in_order_and_show_their_neighbours(tracker):
    tracker.ok("add", "event", "23rd India-Russia Annual Summit", "--kind", "summit", "--start", "2025-12-04",
               "--series", SERIES, "--number", "23")
    tracker.ok("add", "event", "21st India-Russia Annual Summit", "--kind", "summit", "--start", "2021-12-06",
               "--series", SERIES, "--number", "21", "--status", "held")
    tracker.ok("add", "event", "22nd India-Russia Annual Summit", "--kind", "summit", "--start", "2024-07-08",
               "--series", "india-russia annual summit", "--number", "22", "--status", "held")
    tracker.ok("add", "event", "Unrelated talks", "--start", "2025-12-01")
    listed = tracker.ok("list", "events", "--series", SERIES, "--json").json()
    assert [item["series_number"] for item in listed] == [21, 22, 23]     # held ones too
    shown = tracker.ok("show", "E3", "--json").json()
    assert (shown["series_before"], shown["series_after"]) == ("E2", "E1")
    text = tracker.ok("show", "E1").stdout
    assert f"{SERIES}, no. 23; before: E3 (no. 22, 2024-07-08); after: none" in text
    assert tracker.ok("show", "E4", "--json").json()["series_before"] is None


def test_series_changes_are_logged_and_can_be_cleared(tracker):
    tracker.ok("add", "event", "Summit", "--start", "2025-12-04")
    tracker.ok("update", "E1", "--series", SERIES, "--number", "23")
    fields = [(e["field"], e["new"]) for e in tracker.ok("history", "E1", "--json").json()][1:]
    assert fields == [("series", SERIES), ("number", "23")]
    tracker.ok("update", "E1", "--clear", "series")
    item = tracker.ok("show", "E1", "--json").json()
    assert item["series"] is None and item["series_number"] is None


def test_series_bad_input(tracker):
    tracker.ok("add", "event", "Summit", "--series", SERIES, "--number", "23")
    tracker.ok("add", "agreement", "Pact")
    before = tracker.dump()
    for args, words in [
        (["add", "event", "Again", "--series", SERIES, "--number", "23"], "E1 is already no. 23"),
        (["add", "event", "X", "--number", "4"], "--number needs a series"),
        (["add", "event", "X", "--series", "  "], "the series is blank"),
        (["add", "event", "X", "--series", SERIES, "--number", "0"], "give 1 or more"),
        (["update", "A1", "--series", SERIES], "--series is for events"),
    ]:
        run = tracker(*args)
        assert run.code == 2 and words in run.stderr, (args, run.stderr)
    assert tracker.dump() == before


def test_the_seed_summit_is_the_23rd_of_its_series(seeded):
    summit = [i for i in seeded.ok("list", "events", "--series", SERIES, "--json").json()]
    assert [(i["title"], i["series_number"]) for i in summit] == [("23rd India-Russia Annual Summit", 23)]


@pytest.mark.sqlite_only
def test_a_version_1_database_is_migrated_without_loss(tracker):
    conn = sqlite3.connect(tracker.db)
    conn.executescript(V1_SCHEMA.read_text())
    conn.execute("INSERT INTO items (uid, type, num, title, kind, status, starts, starts_utc, ends_utc, tz, "
                 "created, updated) VALUES ('u1', 'event', 1, 'Old summit', 'summit', 'held', '2024-07-08', "
                 "'2024-07-07T21:00:00Z', '2024-07-08T21:00:00Z', 'Europe/Moscow', '2024-07-01T00:00:00+00:00', "
                 "'2024-07-01T00:00:00+00:00')")
    conn.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, note) VALUES "
                 "(1, 'created', 'held', '2024-07-01', '2024-06-30T21:00:00Z', '2024-07-01T00:00:00+00:00', 'kept')")
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()

    item = tracker.ok("show", "E1", "--json").json()
    assert item["title"] == "Old summit" and item["history"][0]["note"] == "kept"
    tracker.ok("update", "E1", "--series", SERIES, "--number", "22")
    assert tracker.ok("show", "E1", "--json").json()["series_number"] == 22

    fresh = tracker.db.parent / "fresh.db"
    tracker.ok("list", TRACKER_DB=str(fresh))
    assert _shape(tracker.db) == _shape(fresh)


# A fresh database taken back to before version 11 (no `by` in the log), for the tests
# that make an older shape out of a fresh one: the later steps then run as on a real one.
WITHOUT_BY = "DROP VIEW IF EXISTS log; ALTER TABLE changes DROP COLUMN recorded_by;"


def _shape(path: Path) -> dict:
    """What a database holds, apart from how its CREATE statements were spelled."""
    conn = sqlite3.connect(path)
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {
        "version": conn.execute("PRAGMA user_version").fetchone()[0],
        "columns": {t: [tuple(c[1:]) for c in conn.execute(f"PRAGMA table_xinfo('{t}')")] for t in tables},
        "indexes": {r[0]: [c[2] for c in conn.execute(f"PRAGMA index_info('{r[0]}')")]
                    for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")},
        "triggers": sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")),
    }


@pytest.mark.sqlite_only
def test_a_migrated_database_keeps_the_series_rules(tracker):
    conn = sqlite3.connect(tracker.db)
    conn.executescript(V1_SCHEMA.read_text())
    conn.close()
    tracker.ok("add", "agreement", "Pact")
    conn = sqlite3.connect(tracker.db)
    for sql in ("UPDATE items SET series = 'S' WHERE type = 'agreement'",
                "UPDATE items SET series_number = 0"):
        try:
            conn.execute(sql)
        except sqlite3.IntegrityError as error:
            assert "CHECK" in str(error)
        else:
            raise AssertionError(f"{sql} was allowed")
