"""The test harness itself (conftest.py): the backends a run chooses, the PostgreSQL
variant's fresh databases, a dump that reads alike on both engines, and the list of
tests that only SQLite runs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SQLITE_ONLY_LIMIT, Tracker, sqlite_only_tests
from tracker.store import SCHEMA_VERSION

TESTS = Path(__file__).resolve().parent


def test_sqlite_only_tests_stay_few():
    marked = sqlite_only_tests()
    print(f"{len(marked)} sqlite_only tests (limit {SQLITE_ONLY_LIMIT}):", *marked, sep="\n  ")
    assert marked, "the count is read from the source: it finds the marks"
    assert len(marked) <= SQLITE_ONLY_LIMIT, (
        f"{len(marked)} tests are sqlite_only, more than SQLITE_ONLY_LIMIT ({SQLITE_ONLY_LIMIT}): "
        "make the new one run on PostgreSQL too, or raise the limit knowingly")


def test_a_module_wide_mark_counts_every_test_of_the_module(tmp_path):
    (tmp_path / "test_file_itself.py").write_text(
        "import pytest\npytestmark = pytest.mark.sqlite_only\n\ndef test_a():\n    pass\n\n"
        "class TestB:\n    def test_c(self):\n        pass\n\ndef helper():\n    pass\n")
    (tmp_path / "test_other.py").write_text(
        "import pytest\n\n@pytest.mark.sqlite_only\ndef test_d():\n    pass\n\n"
        "@pytest.mark.slow\ndef test_e():\n    pass\n")
    assert sqlite_only_tests(tmp_path) == ["test_file_itself.py::test_a", "test_file_itself.py::test_c",
                                           "test_other.py::test_d"]


def _collected(*args: str, **env: str) -> list[str]:
    """The test ids a run with these options would run (collection only)."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q", *args,
                          str(TESTS / "test_harness.py")],
                         capture_output=True, text=True, cwd=TESTS, env={"PATH": "/usr/bin:/bin", **env}, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return [line.split("::", 1)[1] for line in run.stdout.splitlines() if "::" in line]


def test_the_backend_option_parametrises_the_tracker_fixture():
    alone = _collected()
    assert "test_a_tracker_runs_against_its_backend" in alone       # default: ids as they always were
    assert _collected("--backend=sqlite") == alone
    both = _collected("--backend=both")
    assert {"test_a_tracker_runs_against_its_backend[sqlite]",
            "test_a_tracker_runs_against_its_backend[postgres]"} <= set(both)
    assert "test_sqlite_only_tests_stay_few" in both                # no tracker: not multiplied
    assert _collected(TRACKER_TEST_BACKEND="postgres") == _collected("--backend=postgres")
    assert "test_a_tracker_runs_against_its_backend[postgres]" in _collected("--backend=postgres")


def test_an_unknown_backend_is_refused():
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only", "-q",
                          str(TESTS / "test_harness.py")], capture_output=True, text=True, cwd=TESTS,
                         env={"PATH": "/usr/bin:/bin", "TRACKER_TEST_BACKEND": "mysql"}, timeout=120)
    assert run.returncode != 0 and "choose sqlite, postgres or both" in run.stderr


def test_a_tracker_runs_against_its_backend(tracker, backend):
    assert tracker.backend == backend
    assert tracker.env["TRACKER_DB"] == str(tracker.db)
    if backend == "postgres":
        assert str(tracker.db).startswith("postgresql://") and "?host=/" in str(tracker.db)
    else:
        assert isinstance(tracker.db, Path)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_each_postgres_test_gets_a_fresh_copy_of_the_schema(tracker):
    import psycopg

    with psycopg.connect(tracker.db, autocommit=True) as conn:
        assert conn.execute("SELECT version FROM tracker.tracker_schema").fetchall() == [(SCHEMA_VERSION,)]
        conn.execute("INSERT INTO tracker.commands (name, recorded) VALUES ('add', 'x')")
        name = conn.execute("SELECT current_database()").fetchone()[0]
    assert name.startswith("t_")
    assert ("commands", 1, "add", "x", None) in tracker.dump()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_the_next_postgres_test_starts_empty(tracker):
    # The test before wrote to its own copy, not to the template.
    assert not [row for row in tracker.dump(shape=False) if row[0] == "commands" and not isinstance(row[1], tuple)]


# The same rows written by hand on both engines (the CLI cannot reach PostgreSQL yet):
# text, integers, a real number, NULLs, names that are SQL words ("set", "on").
ROWS = [
    "INSERT INTO items (id, uid, type, num, title, kind, status, starts, starts_utc, ends_utc, created, updated) "
    "VALUES (1, 'u-e1', 'event', 1, 'Sommet de l''Élysée', 'summit', 'announced', '2025-12-04', "
    "'2025-12-04T00:00:00Z', '2025-12-05T00:00:00Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    "INSERT INTO items (id, uid, type, num, title, kind, status, event_id, sector, created, updated) "
    "VALUES (2, 'u-a1', 'agreement', 1, 'Саммит: oil deal', 'deal', 'expected', 1, 'energy', "
    "'2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    "INSERT INTO item_parties (item_id, position, party) VALUES (2, 1, 'Russia'), (2, 0, 'India')",
    "INSERT INTO commands (id, name, recorded) VALUES (1, 'add', '2025-01-01T00:00:00Z')",
    # recorded_by as PostgreSQL writes it whatever is given: the role logged in as.
    "INSERT INTO changes (id, item_id, field, new, happened, happened_utc, recorded, note, command_id, recorded_by) "
    "VALUES (1, 1, 'created', 'Summit', 'x', 'x', 'x', 'line one\nline two', 1, 'analyst')",
    "INSERT INTO feed_entries (id, feed, entry_key, title, summary, seen) VALUES (1, 'f', 'k', 't', 's', 'x')",
    "INSERT INTO proposals (id, entry_id, item_type, \"set\", \"on\", headline, feed, confidence, evidence) "
    "VALUES (1, 1, 'agreement', '{}', NULL, 'h', 'f', 0.75, '{}')",
]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_the_same_rows_dump_alike_on_both_engines(tracker, tmp_path):
    import psycopg

    on_sqlite = Tracker(tmp_path / "same.db")
    on_sqlite.ok("list")        # tracker makes its database (schema.sql)
    conn = sqlite3.connect(on_sqlite.db)
    with conn:
        for statement in ROWS:
            conn.execute(statement)
    conn.close()
    with psycopg.connect(tracker.db, autocommit=True) as pg:
        pg.execute("SET search_path TO tracker")
        for statement in ROWS:
            pg.execute(statement)

    rows = on_sqlite.dump(shape=False)
    # (command_id, confidence, decided, entry_id, evidence, feed, headline, id, item_type, on, ref, set, source, state)
    assert ("proposals", None, 0.75, None, 1, "{}", "f", "h", 1, "agreement", None, None, "{}", None, "open") in rows
    assert ("item_parties", 2, "Russia", 1) in rows     # (item_id, party, position): columns by name
    assert [row for row in rows if row[0] == "item_parties"][1:] == [("item_parties", 2, "India", 0),
                                                                     ("item_parties", 2, "Russia", 1)]
    assert tracker.dump(shape=False) == rows
    # The engines' own parts differ, and are kept apart from the data.
    assert tracker.dump() != on_sqlite.dump()
    assert on_sqlite.dump()[:len(rows)] == rows


@pytest.mark.sqlite_only
def test_the_dump_sees_a_dropped_trigger_and_the_search_index(summit):
    before = summit.dump()
    conn = sqlite3.connect(summit.db)
    conn.execute("DROP TRIGGER changes_are_never_updated")
    conn.commit()
    assert summit.dump() != before
    assert summit.dump(shape=False) == [row for row in before if not row[0].startswith("-- ")]
    assert ("-- index", "item_search", 1, "", "", "23rd India-Russia Annual Summit") in before  # rowid, notes, sources, title
    conn.close()
