"""A row refused by one of tracker's triggers on PostgreSQL (RAISE EXCEPTION: SQLSTATE
P0001) is met where SQLite's trigger refusal (an integrity error) is met, and said in
one line as there: by `tracker copy`, which names the row's table and the way out, and
by any other write, in the trigger's own words (no PL/pgSQL CONTEXT lines)."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import Tracker


@pytest.fixture
def misfiled(tmp_path) -> Tracker:
    """An SQLite log where, past a trigger dropped with the sqlite3 shell, agreement A2
    belongs to agreement A1: what schema.pg.sql's trigger refuses."""
    source = Tracker(tmp_path / "misfiled.db")
    source.ok("add", "agreement", "Deal")
    source.ok("add", "agreement", "Side letter")
    conn = sqlite3.connect(source.db)
    conn.execute("DROP TRIGGER items_event_must_be_event_on_update")
    conn.execute("UPDATE items SET event_id = 1 WHERE num = 2")
    conn.commit()
    conn.close()
    return source


def test_a_copy_to_postgres_refused_by_a_trigger_names_the_row_s_table_and_the_way_out(misfiled, postgres_database):
    target = Tracker(postgres_database)
    before = target.dump()
    run = misfiled("copy", "--to", postgres_database)
    assert run.code == 1 and "Traceback" not in run.stderr
    error = run.stderr.splitlines()[-1]
    assert error == (f"tracker: error: {postgres_database} refused a row of items from {misfiled.db} (an item can "
                     f"only belong to an event): nothing was copied; run `tracker check` on {misfiled.db}"), error
    assert target.dump() == before


def test_a_write_refused_by_a_trigger_is_said_in_its_own_words(postgres_database):
    """The dialect's line for P0001, as a write through the store meets it."""
    from tracker.errors import TrackerError
    from tracker.store import open_store

    Tracker(postgres_database).ok("add", "event", "Summit", "--start", "2025-12-04")
    store = open_store(postgres_database)
    try:
        with pytest.raises(TrackerError) as refused:
            with store.writing():
                store.conn.execute("DELETE FROM changes")
    finally:
        store.close()
    assert str(refused.value) == (f"{postgres_database} refused the change (the change log is append-only: its rows "
                                  "are never deleted): nothing was changed; run `tracker check` to find what was "
                                  "written outside tracker")
