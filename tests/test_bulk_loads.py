"""Bulk loads (an import of more than BULK_ITEMS items, a copy, a large undo) on both
engines: the derived tables (the search index, the agreement counts) written once, at
the load's end, exactly as row-by-row writes make them; a refused row still named, and
nothing written; on PostgreSQL, a database made at schema 11 brought to 12."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TEST_AUTHOR, Tracker

BENCH = Path(__file__).resolve().parent.parent / "bench"
V11_PG_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v11.pg.sql"
# Agreements of bench/generate.py's file: 1,100 items and 1,9xx changes, past BULK_ITEMS (1,000).
AGREEMENTS = 1000
# Words of its titles, notes and sources (bench/generate.py), and of none.
SEARCHES = ("Kudankulam", "reported", "expected meeting", "example.org/news/999", "treaty", "nowhere-at-all")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    file = tmp_path_factory.mktemp("bulk") / "generated.json"
    with open(file, "w", encoding="utf-8") as output:
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(AGREEMENTS)], stdout=output, check=True)
    return file


def seen(tracker: Tracker) -> dict[str, str]:
    """What a user sees of the derived tables: searches, the report, the check."""
    views = {search: tracker.ok("list", "--all", "--search", search, "--json").stdout for search in SEARCHES}
    views["report"] = tracker.ok("report", "--from", "2025-01-01", "--to", "2026-12-31", "--format", "json").stdout
    checked = tracker.ok("check")
    views["check"] = checked.stdout + checked.stderr
    return views


def derived(tracker: Tracker) -> list[tuple]:
    """The rows of the derived tables: the search index's (each engine's own), the counts
    (those that fell to zero left out: a trigger keeps such a row where a count made
    afresh has none)."""
    rows = [row for row in tracker.dump() if row[0] == "agreement_counts" or row[:2] == ("-- index", "item_search")]
    return [row for row in rows if not (row[0] == "agreement_counts" and len(row) == 4 and row[2] == 0)]


def row_by_row(monkeypatch) -> None:
    """Every load as small ones are: no bulk_begin, the triggers at work row by row."""
    from tracker import undo
    from tracker.transfer import load

    monkeypatch.setattr(load, "BULK_ITEMS", 10 ** 9)
    monkeypatch.setattr(undo, "BULK_ROWS", 10 ** 9)


def test_a_bulk_import_and_its_undo_fill_search_and_counts_as_row_by_row_writes(tracker, another_tracker,
                                                                                generated, monkeypatch):
    tracker.ok("import", str(generated))
    with monkeypatch.context() as patched:
        row_by_row(patched)
        by_rows = another_tracker()
        by_rows.ok("import", str(generated))
    assert seen(tracker) == seen(by_rows)
    assert derived(tracker) == derived(by_rows)
    views = seen(tracker)
    assert len(json.loads(views["expected meeting"])) > 500 and len(json.loads(views["example.org/news/999"])) == 1
    assert "No problems found" in views["check"] and any(row[0] == "agreement_counts" for row in derived(tracker))
    # The import undone: a row of the log per item it added, each with the undo's note,
    # a bulk load onto items written before it (their search rows added to).
    tracker.ok("undo")
    with monkeypatch.context() as patched:
        row_by_row(patched)
        by_rows.ok("undo")
    assert seen(tracker) == seen(by_rows)
    assert derived(tracker) == derived(by_rows)
    assert sum("undo of command" in str(row) for row in derived(tracker)) == 1100


def test_a_bulk_load_writes_the_derived_tables_once_at_its_end(tracker, generated, monkeypatch):
    """Not row by row (on PostgreSQL a trigger per change rewrote the same search row and
    counts again and again: 12-14 min per 100k items): the load's rows are all in before
    any of the derived rows, which its end writes set-based."""
    from tracker.store.postgres import PostgresDialect
    from tracker.store.sqlite import SQLiteDialect

    dialect = PostgresDialect if tracker.backend == "postgres" else SQLiteDialect
    at_end = []
    bulk_end = dialect.bulk_end

    def noted(self, conn, begun):
        at_end.append(conn.execute("SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM item_search), "
                                   "(SELECT count(*) FROM agreement_counts)").fetchone())
        bulk_end(self, conn, begun)

    monkeypatch.setattr(dialect, "bulk_end", noted)
    tracker.ok("import", str(generated))
    assert at_end == [(1100, 0, 0)]
    assert tracker.ok("check").stderr == "No problems found.\n"
    assert len(tracker.ok("list", "--all", "--search", "example.org/news/999", "--json").json()) == 1


def test_a_refused_row_in_a_bulk_import_is_named_and_nothing_is_written(tracker, generated, tmp_path):
    from test_bad_input import check_one_line_error

    document = json.loads(generated.read_text(encoding="utf-8"))
    # The 1,050th item takes the uid of the 3rd: the database refuses the batch that holds it.
    document["items"][1049]["uid"] = document["items"][2]["uid"]
    refused = tmp_path / "refused.json"
    refused.write_text(json.dumps(document), encoding="utf-8")
    tracker.ok("list")
    before = tracker.dump()
    check_one_line_error(tracker("import", str(refused)), 2,
                         f"{refused}: item 1050 (A950): its uid or ref is empty or repeats an earlier item")
    assert tracker.dump() == before


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_postgresql_database_at_schema_11_is_brought_to_12(tracker, another_tracker, generated, postgres_server):
    """Made by the tracker before (schema.pg.sql at 11, its triggers recorded), opened by
    this one: the same shape as a database made now, its triggers its own (no warning),
    and a bulk import fills it as it fills a new one."""
    import psycopg

    from tracker.store.postgres import _SAFEGUARDS

    name = "schema_11"
    postgres_server.create_database(name)
    old = Tracker(postgres_server.url(name, TEST_AUTHOR))
    try:
        with psycopg.connect(str(old.db), autocommit=True) as conn:
            conn.execute(V11_PG_SCHEMA.read_text(encoding="utf-8"))
            conn.execute(f"UPDATE tracker.tracker_schema SET safeguards = {_SAFEGUARDS}")
        run = old.ok("list")
        assert "warning" not in run.stderr
        fresh = another_tracker()
        fresh.ok("list")
        assert old.dump() == fresh.dump()
        assert [row for row in old.dump() if row[0] == "-- version"] == [("-- version", 12)]
        old.ok("import", str(generated))
        fresh.ok("import", str(generated))
        assert seen(old) == seen(fresh) and derived(old) == derived(fresh)
    finally:
        with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
