"""The database itself: its shape, its rules and how it behaves under two writers."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tracker import model
from tracker.store import SCHEMA_VERSION, Store, fts_query, schema_sql


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def test_schema_ships_inside_the_installed_package():
    import tracker

    installed = Path(tracker.__file__).parent
    assert "site-packages" in str(installed), "the tests must run against the installed package"
    top_level = Path(__file__).resolve().parent.parent / "schema.sql"
    assert (installed / "schema.sql").read_text() == top_level.read_text()


def test_vocabularies_in_schema_match_the_model():
    sql = schema_sql()

    def listed(kind_or_status: str, item_type: str) -> tuple[str, ...]:
        match = re.search(rf"type = '{item_type}' AND {kind_or_status} IN \(([^)]*)\)", sql)
        return tuple(re.findall(r"'([^']+)'", match.group(1)))

    assert listed("kind", "event") == model.EVENT_KINDS
    assert listed("kind", "agreement") == model.AGREEMENT_KINDS
    assert listed("status", "event") == model.EVENT_STATUSES
    assert listed("status", "agreement") == model.AGREEMENT_STATUSES


@pytest.mark.sqlite_only
def test_a_new_database_is_versioned_and_in_wal_mode(summit):
    conn = connect(summit.db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.sqlite_only
def test_the_change_log_is_append_only(summit):
    conn = connect(summit.db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE changes SET note = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM changes")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        conn.execute("DELETE FROM items")


@pytest.mark.sqlite_only
def test_the_schema_refuses_what_the_cli_refuses(summit):
    conn = connect(summit.db)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE items SET status = 'done' WHERE num = 1 AND type = 'agreement'")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("UPDATE items SET title = '  ' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError, match="only belong to an event"):
        conn.execute("UPDATE items SET event_id = (SELECT id FROM items WHERE type = 'agreement' LIMIT 1) "
                     "WHERE type = 'event' AND num = 2")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        conn.execute("INSERT INTO changes (item_id, happened, happened_utc, recorded) VALUES (999, 'x', 'x', 'x')")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute("INSERT INTO changes (item_id, happened, happened_utc, recorded, source) "
                     "VALUES (1, 'x', 'x', 'x', 'ftp://x')")


@pytest.mark.sqlite_only
def test_every_change_is_logged_in_the_same_transaction(summit):
    conn = connect(summit.db)
    items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    created = conn.execute("SELECT count(*) FROM changes WHERE field = 'created'").fetchone()[0]
    assert items == created == 4


@pytest.mark.parametrize("where, index", [
    ("items.type = 'agreement' AND items.status = 'expected'", "items_by_status"),
    ("items.sector = 'trade'", "items_by_sector"),
    ("items.event_id = 1", "items_by_event"),
    ("items.type = 'event' AND items.starts_utc > '2025'", "items_by_start"),
])
@pytest.mark.sqlite_only
def test_list_filters_use_an_index(summit, where, index):
    conn = connect(summit.db)
    plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN SELECT id FROM items WHERE {where}"))
    assert index in plan, plan


@pytest.mark.sqlite_only
def test_party_filter_uses_its_index(summit):
    conn = connect(summit.db)
    plan = " ".join(row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT item_id FROM item_parties WHERE party = 'Russia' COLLATE NOCASE"))
    assert "item_parties_by_party" in plan


def test_fts_query_quotes_every_word():
    assert fts_query('S-400 "deal"') == '"S-400"* """deal"""*'


@pytest.mark.sqlite_only
def test_a_newer_schema_is_refused(tracker):
    tracker.ok("list")
    conn = connect(tracker.db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    run = tracker("list")
    assert run.code == 1 and "newer tracker" in run.stderr


def test_store_opens_an_existing_database_without_rewriting_it(tmp_path):
    path = tmp_path / "t.db"
    Store(path).close()
    mtime = path.stat().st_mtime_ns
    Store(path).close()
    assert path.stat().st_mtime_ns == mtime


@pytest.mark.sqlite_only
def test_a_due_date_is_a_day_in_the_zone_of_the_agreements_event(summit):
    summit.ok("add", "agreement", "Visa deal", "--due", "2025-12-05")
    conn = connect(summit.db)

    def due_utc():
        return conn.execute("SELECT due_utc FROM items WHERE type = 'agreement' AND num = 3").fetchone()[0]

    assert due_utc() == "2025-12-05T23:00:00Z"      # end of the day in Brussels, the user's zone
    summit.ok("update", "A3", "--event", "E1")
    assert due_utc() == "2025-12-05T18:30:00Z"      # end of the day in New Delhi, the summit's


@pytest.mark.sqlite_only
def test_agreement_counts_follow_every_change(seeded, tmp_path):
    from conftest import NEWS

    seeded.ok("apply", str(NEWS), TRACKER_NOW="2025-12-12T09:00:00Z")
    seeded.ok("remove", "A3")
    seeded.ok("update", "A4", "--event", "E1", "--status", "stalled")
    conn = connect(seeded.db)
    kept = set(conn.execute("SELECT event_id, status, n FROM agreement_counts WHERE n > 0"))
    counted = set(conn.execute(
        "SELECT coalesce(event_id, 0), status, count(*) FROM items WHERE type = 'agreement' AND removed IS NULL "
        "GROUP BY 1, 2 UNION ALL SELECT -1, status, count(*) FROM items "
        "WHERE type = 'agreement' AND removed IS NULL GROUP BY 2"))
    assert kept == counted
