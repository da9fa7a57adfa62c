"""tracker copy (issue 14): a whole log into an empty database, or from one, losslessly,
all of it or nothing."""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, NEWS, TEST_AUTHOR, TRACKER_BIN, Tracker
from test_bad_input import check_one_line_error

BENCH = Path(__file__).resolve().parent.parent / "bench"
CORPUS = [str(path) for path in sorted((FIXTURES / "feeds").glob("*.xml"))]
AFTER = "2025-12-31T12:00:00Z"
V4_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v4.sql"
# The search index's own pages (FTS5 segments): the same words, laid out in as many
# segments as the writes that made them. Its contents (item_search_content) are compared.
SEGMENTS = ('INSERT INTO "item_search_data"', 'INSERT INTO "item_search_idx"')
# A count of agreements that fell to zero stays as a row where triggers kept it, and is
# no row where the copy counted afresh: the same counts (`tracker check` reads them so).
ZERO_COUNT = re.compile(r'INSERT INTO "agreement_counts" VALUES\(-?\d+,\'[a-z-]+\',0\);')


@pytest.fixture
def full(seeded: Tracker) -> Tracker:
    """The seed, the news replayed, a note retracted, an item removed, an undo, an item
    moved to an event added after it, feeds and the inbox with proposals decided."""
    seeded.ok("apply", str(NEWS), TRACKER_NOW="2025-12-12T09:00:00Z")
    seeded.env["TRACKER_NOW"] = AFTER
    noted = seeded.ok("update", "A1", "--note", "talks resumed in Geneva", "--json").json()
    note = [change for change in seeded.ok("history", "A1", "--json").json() if change["note"] == "talks resumed in Geneva"]
    seeded.ok("retract", str(note[0]["id"]))
    seeded.ok("remove", "A3")
    seeded.ok("update", "A2", "--sector", "labour migration")
    seeded.ok("undo")
    later = seeded.ok("add", "event", "Follow-up talks", "--start", "2026-01-20", "--kind", "talks", "--json").json()["ref"]
    seeded.ok("update", "A1", "--event", later)
    assert noted and seeded.ok("show", "A1", "--json").json()["event"] == later
    seeded.env["LATER"] = later
    seeded.ok("feeds", "add", "https://mea.example/press.rss", "--name", "mea")
    seeded.ok("news", "--file", *CORPUS)
    proposals = seeded.ok("inbox", "--json").json()
    seeded.ok("inbox", "accept", str(proposals[0]["id"]))
    seeded.ok("inbox", "dismiss", str(proposals[-1]["id"]))
    return seeded


def rows(db: Path) -> list[str]:
    """Every row and object of the database, in an order that does not depend on the
    order they were written in, but the search index's segments."""
    conn = sqlite3.connect(db)
    try:
        return sorted(line for line in conn.iterdump()
                      if not line.startswith(SEGMENTS) and not ZERO_COUNT.fullmatch(line))
    finally:
        conn.close()


def inserts(db: Path) -> list[str]:
    """The rows alone: a migrated table's CREATE statement is spelt otherwise."""
    return [line for line in rows(db) if line.startswith("INSERT")]


def views(tracker: Tracker) -> dict[str, str]:
    """What a user sees of the log: the export, lists, history, a report, a search."""
    return {
        "export": tracker.ok("export").stdout,
        "list": tracker.ok("list", "--all", "--json").stdout,
        "history": tracker.ok("history", "--json", "--limit", "100000").stdout,
        "history A1": tracker.ok("history", "A1").stdout,
        "report": tracker.ok("report", "--from", "2025-11-01", "--to", "2025-12-31", "--format", "json").stdout,
        "search": tracker.ok("list", "--all", "--search", "Geneva", "--json").stdout,
        "inbox": tracker.ok("inbox", "--all", "--json").stdout,
        "feeds": tracker.ok("feeds", "list", "--json").stdout,
        "undo": tracker.ok("undo", "--list", "--json").stdout,
    }


def at(tracker: Tracker, db: Path) -> Tracker:
    other = Tracker(db)
    other.env = {**tracker.env, "TRACKER_DB": str(db)}
    return other


def test_a_copy_and_its_copy_back_are_the_log_row_for_row(full, tmp_path):
    target, back = tmp_path / "desk.db", tmp_path / "back.db"
    run = full.ok("copy", "--to", str(target))
    assert run.stdout == ""
    counts = [len([row for row in log_rows(full) if row[0] == table]) - 1 for table in ("items", "changes", "commands")]
    assert run.stderr == (f"copied {counts[0]} items, {counts[1]} changes ({counts[2]} commands, 1 feed) "
                          f"from {full.db} to {target}\n")
    if full.backend == "sqlite":
        assert rows(target) == rows(full.db)
    assert log_rows(at(full, target)) == log_rows(full)
    seen = views(full)
    assert '"Geneva"' not in seen["search"] and len(seen["inbox"]) > 100
    assert views(at(full, target)) == seen
    at(full, back).ok("copy", "--from", str(target))
    assert rows(back) == rows(target)
    assert views(at(full, back)) == seen
    assert "No problems found." in at(full, back).ok("check").stderr


def test_the_copy_goes_on_as_the_original_would(full, tmp_path):
    """Ids and refs carry on from where the source left them."""
    target = tmp_path / "desk.db"
    full.ok("copy", "--to", str(target))
    copy = at(full, target)
    for tracker in (full, copy):
        tracker.ok("add", "agreement", "Port access deal", "--event", full.env["LATER"], "--note", "drafted")
        tracker.ok("update", "A1", "--status", "signed")

    assert without_new_uid(copy) == without_new_uid(full)
    assert copy.ok("show", "A1", "--json").stdout == full.ok("show", "A1", "--json").stdout


def test_a_target_that_holds_anything_is_refused_and_left_as_it_was(full, tmp_path):
    summit = at(full, tmp_path / "summit.db")
    summit.ok("add", "event", "Summit", "--kind", "summit", "--start", "2025-12-04")
    summit.ok("add", "event", "Banquet", "--kind", "ceremony", "--start", "2025-12-05", "--in", "E1")
    summit.ok("add", "agreement", "Pact", "--event", "E1")
    summit.ok("add", "agreement", "Deal", "--event", "E1")
    before = summit.dump()
    run = full("copy", "--to", str(summit.db))
    check_one_line_error(run, 1, f"{summit.db} is not empty (4 items, 4 changes, 4 commands): copy into a new "
                                 "file or an empty database; tracker copy neither merges nor replaces a log")
    assert summit.dump() == before
    check_one_line_error(summit("copy", "--from", str(full.db)), 1, f"{summit.db} is not empty (4 items")
    assert summit.dump() == before


def test_an_empty_database_takes_a_copy(seeded, tracker, tmp_path):
    empty = at(seeded, tmp_path / "empty.db")
    empty.ok("list")
    empty.ok("copy", "--from", str(seeded.db))
    assert log_rows(empty) == log_rows(seeded)


@pytest.mark.sqlite_only(reason="a missing SQLite file is not made")
def test_a_missing_source_is_refused_and_not_made(tracker, tmp_path):
    missing = tmp_path / "missing.db"
    check_one_line_error(tracker("copy", "--from", str(missing)), 2,
                         f"{missing}: no such database file: give the database to copy from")
    assert not missing.exists() and not tracker.db.exists()
    check_one_line_error(at(tracker, missing)("copy", "--to", str(tracker.db)), 2, "no such database file")
    assert not missing.exists() and not tracker.db.exists()


@pytest.mark.parametrize("args", [["copy"], ["copy", "--to", "a.db", "--from", "b.db"]])
def test_one_direction_is_given(seeded, args):
    check_one_line_error(seeded(*args), 2, "give one of --to TARGET (copy this database there) or --from SOURCE")


@pytest.mark.sqlite_only(reason="the same SQLite file by a link or its -wal file")
def test_a_database_is_not_copied_onto_itself(seeded, tmp_path):
    link = tmp_path / "link.db"
    link.symlink_to(seeded.db)
    before = seeded.dump()
    for name in (str(seeded.db), str(link), f"{seeded.db}-wal"):
        run = seeded("copy", "--to", name)
        assert run.code == 2 and "give another file for the copy" in run.stderr, run.stderr
        run = seeded("copy", "--from", name)
        assert run.code == 2 and "give another file for the copy" in run.stderr, run.stderr
    assert seeded.dump() == before


@pytest.mark.sqlite_only(reason="the SQLite file's PRAGMA user_version set with sqlite3")
def test_a_source_written_by_a_newer_tracker_is_refused(seeded, tmp_path):
    seeded.ok("list")
    conn = sqlite3.connect(seeded.db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    target = tmp_path / "new.db"
    check_one_line_error(seeded("copy", "--to", str(target)), 1, "was written by a newer tracker")
    assert not target.exists()


@pytest.mark.sqlite_only(reason="SQLite files of schema version 4, made with sqlite3")
def test_older_databases_are_brought_up_to_date_first(seeded, tmp_path):
    """A target of schema version 4 is migrated on opening, then takes the copy; a source
    of version 4 is migrated as any command's database is, then copied."""
    old = tmp_path / "old.db"
    conn = sqlite3.connect(old)
    conn.executescript(V4_SCHEMA.read_text())
    conn.close()
    seeded.ok("copy", "--to", str(old))
    assert inserts(old) == inserts(seeded.db)
    older = tmp_path / "older.db"
    conn = sqlite3.connect(older)
    conn.executescript(V4_SCHEMA.read_text())
    old_item = ("u1", "event", 1, "Old summit", "summit", "held", "2024-07-01T00:00:00+00:00")
    conn.execute("INSERT INTO items (uid, type, num, title, kind, status, created, updated) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (*old_item, old_item[-1]))
    conn.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, note) "
                 "VALUES (1, 'created', 'held', '2024-07-01', '2024-06-30T21:00:00Z', ?, 'kept')", old_item[-1:])
    conn.commit()
    conn.close()
    fresh = at(seeded, tmp_path / "fresh.db")
    fresh.ok("copy", "--from", str(older))
    assert inserts(fresh.db) == inserts(older)
    assert fresh.ok("show", "E1", "--json").json()["history"][0]["note"] == "kept"


def test_a_target_that_made_the_copy_fail_is_as_it_was(full, tmp_path, monkeypatch):
    """A failure after the last row was written (an injected one, in the checks before
    the commit): nothing of the copy is left, and a file it made is gone again."""
    from tracker import copying

    def broken(*args):
        raise copying.TrackerError("the disk went away")

    monkeypatch.setattr(copying, "_verify", broken)
    target = tmp_path / "desk.db"
    check_one_line_error(full("copy", "--to", str(target)), 1, "the disk went away")
    assert not target.exists() and not Path(f"{target}-wal").exists()
    empty = at(full, tmp_path / "empty.db")
    empty.ok("list")
    before = empty.dump()
    check_one_line_error(empty("copy", "--from", str(full.db)), 1, "the disk went away")
    assert empty.dump() == before


def test_the_copy_is_checked_before_its_commit(full, tmp_path, monkeypatch):
    """What the checks find in the copy and not in the source stops it (a derived table
    filled wrong, here): nothing is committed."""
    from tracker.store.sqlite import SQLiteDialect

    filled = SQLiteDialect.fill_derived
    monkeypatch.setattr(SQLiteDialect, "fill_derived", staticmethod(lambda conn, *args: conn.execute(
        "INSERT INTO agreement_counts VALUES (-1, 'signed', 99)") and filled(conn, *args)))
    target = tmp_path / "desk.db"
    run = full("copy", "--to", str(target))
    check_one_line_error(run, 1, f"the copy in {target} does not check out (agreement counts: ")
    assert not target.exists()


@pytest.mark.sqlite_only(reason="a row written into the SQLite file with sqlite3, foreign keys off (PostgreSQL's side: test_a_copy_to_the_server_that_fails_midway_leaves_it_as_it_was)")
def test_rows_the_target_refuses_stop_the_copy(seeded, tmp_path):
    """A source written past tracker (a change about an item that does not exist, foreign
    keys off): the target's constraints refuse it, and say where to look."""
    seeded.ok("list")
    conn = sqlite3.connect(seeded.db)
    conn.execute("INSERT INTO changes (item_id, field, happened, happened_utc, recorded) "
                 "VALUES (999, NULL, '2025-11-01', '2025-11-01T00:00:00Z', '2025-11-01T00:00:00Z')")
    conn.commit()
    conn.close()
    target = tmp_path / "desk.db"
    run = seeded("copy", "--to", str(target))
    check_one_line_error(run, 1, f"{target} refused a row of changes from {seeded.db} (FOREIGN KEY constraint failed)")
    assert "run `tracker check` on" in run.stderr and not target.exists()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["Ctrl-C", "killed"])
def test_an_interrupted_copy_leaves_the_target_as_it_was(tmp_path, stop):
    """Ctrl-C (SIGINT) to a real copy midway: exit 130, one line, the target untouched.
    Killed (SIGKILL): no word, and the target as it was all the same."""
    source, target = tmp_path / "big.db", tmp_path / "desk.db"
    env = {**os.environ, "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC"}
    subprocess.run([TRACKER_BIN, "--db", str(target), "list"], env=env, check=True, capture_output=True)
    before = sorted(sqlite3.connect(target).iterdump())
    _big(source, 20_000)
    process = subprocess.Popen([TRACKER_BIN, "--db", str(source), "copy", "--to", str(target)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupted once the target's transaction is under way (its WAL written to).
    wal = Path(f"{target}-wal")
    started = time.monotonic()
    while process.poll() is None and (not wal.exists() or wal.stat().st_size < 1 << 20):
        assert time.monotonic() - started < 60
        time.sleep(0.005)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert process.returncode == 130, err
        assert err == f"tracker: error: interrupted: nothing was copied; {target} is as it was\n"
    else:
        assert process.returncode == -signal.SIGKILL
    assert sorted(sqlite3.connect(target).iterdump()) == before


def _big(path: Path, items: int) -> None:
    """A database of `items` agreements and their log, from bench/generate.py."""
    file = path.with_suffix(".json")
    with open(file, "w", encoding="utf-8") as output:
        subprocess.run([sys.executable, str(BENCH / "generate.py"), str(items)], stdout=output, check=True)
    env = {**os.environ, "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC"}
    subprocess.run([TRACKER_BIN, "--db", str(path), "import", str(file)], env=env, check=True, capture_output=True)


def test_the_source_is_read_in_batches(seeded, tmp_path, monkeypatch):
    """Memory holds one batch: the rows come in batches of BATCH, never a table whole."""
    from tracker import copying
    from tracker.store.copying import CopyReads

    monkeypatch.setattr(copying, "BATCH", 3)
    sizes = []
    batches = CopyReads.row_batches

    def counted(self, table, columns, size):
        for batch in batches(self, table, columns, size):
            sizes.append(len(batch))
            yield batch

    monkeypatch.setattr(CopyReads, "row_batches", counted)
    seeded.ok("copy", "--to", str(tmp_path / "desk.db"))
    assert max(sizes) == 3 and sum(sizes) > 30
    assert log_rows(at(seeded, tmp_path / "desk.db")) == log_rows(seeded)


@pytest.mark.parametrize("url, shown", [
    ("postgresql://desk:s3cret@db.example:5432/tracker", "postgresql://desk@db.example:5432/tracker"),
    ("postgresql://desk:p%40ss@db.example/tracker?sslmode=require&password=s3cret",
     "postgresql://desk@db.example/tracker?sslmode=require"),
    ("postgresql:///tracker?host=/run/postgresql&Password=x", "postgresql:///tracker?host=/run/postgresql"),
    ("postgres://desk@db.example/tracker", "postgres://desk@db.example/tracker"),
])
def test_a_url_is_named_without_its_password(url, shown):
    from tracker.copying import is_url, without_password

    assert is_url(url) and without_password(url) == shown
    assert not is_url("desk.db") and not is_url("C:\\desk.db")


def test_a_url_is_named_without_its_password_in_errors(seeded):
    run = seeded("copy", "--to", "postgresql://desk:s3cret@db.invalid/tracker")
    assert run.code in (1, 2) and "s3cret" not in run.stderr + run.stdout
    assert run.stderr.count("\n") == 1 and "postgresql://desk@db.invalid/tracker" in run.stderr


def test_memory_stays_flat_as_the_log_grows(tmp_path, monkeypatch):
    """Python's peak while copying 4,000 agreements is about that of 1,000: the rows
    pass through in batches (SQLite's page cache, outside this count, is capped by
    bulk_loading as an import's is)."""
    import tracemalloc

    from tracker import copying

    monkeypatch.setattr(copying, "BATCH", 200)
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    peaks = []
    for items in (1000, 4000):
        source = tmp_path / f"s{items}.db"
        _big(source, items)
        tracemalloc.start()
        copying.copy(str(source), str(tmp_path / f"t{items}.db"))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.3, peaks


@pytest.mark.sqlite_only(reason="columns added to SQLite files with sqlite3")
def test_a_column_a_migration_adds_is_carried_without_being_named(seeded, tmp_path):
    """A column a later migration adds is copied as any column is: the columns are read
    from the databases, not listed in tracker."""
    seeded.ok("list")
    target = at(seeded, tmp_path / "desk.db")
    target.ok("list")
    for db, added in ((seeded.db, "checked_by TEXT DEFAULT 'ana'"), (target.db, "checked_by TEXT")):
        conn = sqlite3.connect(db)
        conn.execute(f"ALTER TABLE changes ADD COLUMN {added}")
        conn.commit()
        conn.close()
    seeded.ok("copy", "--to", str(target.db))
    copied = sqlite3.connect(target.db).execute("SELECT DISTINCT checked_by FROM changes").fetchall()
    assert copied == [("ana",)]
    check_one_line_error(seeded("copy", "--to", str(tmp_path / "plain.db")), 1,
                         f"{seeded.db} and {tmp_path / 'plain.db'} have different columns in changes: "
                         "run `tracker check` on both")
    assert not (tmp_path / "plain.db").exists()


# -- between SQLite and PostgreSQL ------------------------------------------------------
# The source is a SQLite file (the tests below pin `backend`), the other end a database
# of its own on the tests' PostgreSQL server.

_desks = itertools.count(1)
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
def desk(postgres_server, postgres_template, postgres_admin) -> str:
    """A new database on the tests' PostgreSQL server, without tracker's schema yet (as a
    desk's administrator makes it: createdb); its URL, logged in as the tests' author."""
    name = f"desk_{next(_desks)}"
    postgres_server.create_database(name)
    yield postgres_server.url(name, TEST_AUTHOR)
    postgres_admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def without_new_uid(tracker: Tracker) -> list[tuple]:
    """log_rows() after an item was added: its uid is drawn at random, the one difference
    allowed between a log and its copy that went on alike."""
    uid = tracker.ok("export").json()["items"][-1]["uid"]
    return [tuple("UID" if value == uid else value for value in row) for row in log_rows(tracker)]


def log_rows(tracker: Tracker) -> list[tuple]:
    """Every row of tracker's tables, as either engine holds them (Tracker.dump), but the
    counts that fell to zero (see ZERO_COUNT)."""
    return [row for row in tracker.dump(shape=False)      # agreement_counts: event_id, n, status
            if not (row[0] == "agreement_counts" and len(row) == 4 and row[2] == 0)]


@ON_SQLITE
def test_a_log_goes_to_postgresql_and_back_whole(full, desk, tmp_path):
    full.ok("update", "A2", "--note", "seen at the desk", TRACKER_USER="anna")
    seen = views(full)
    run = full.ok("copy", "--to", desk)
    items, changes, commands = (len([row for row in log_rows(full) if row[0] == table]) - 1
                                for table in ("items", "changes", "commands"))
    assert run.stderr == f"copied {items} items, {changes} changes ({commands} commands, 1 feed) from {full.db} to {desk}\n"
    on_desk = at(full, desk)
    # The server answers every command as the file did, and holds the same rows: ids,
    # uids, refs, each change's author.
    assert views(on_desk) == seen
    assert log_rows(on_desk) == log_rows(full)
    # (None: the seed's changes, imported from a file that names no author, stay without one.)
    assert {change["by"] for change in on_desk.ok("history", "--json", "--limit", "0").json()} == {None, "analyst", "anna"}
    back = at(full, tmp_path / "back.db")
    back.ok("copy", "--from", desk)
    assert rows(back.db) == rows(full.db)
    assert views(back) == seen
    # Ids and refs go on from where the log left them (the server's sequences were set):
    # the same rows on both after the same writes, but the new item's uid (drawn at random).
    for tracker in (full, on_desk):
        added = tracker.ok("add", "agreement", "Port access deal", "--event", full.env["LATER"], "--json").json()
        assert added["ref"] == "A23"
        tracker.ok("update", "A23", "--note", "drafted")
    assert without_new_uid(on_desk) == without_new_uid(full)


@ON_SQLITE
def test_a_database_on_the_server_that_holds_anything_is_refused_and_left_as_it_was(seeded, desk):
    on_desk = at(seeded, desk)
    on_desk.ok("add", "event", "Summit", "--kind", "summit", "--start", "2025-12-04")
    before = on_desk.dump()
    check_one_line_error(seeded("copy", "--to", desk), 1, f"{desk} is not empty (1 item, 1 change, 1 command): "
                         "copy into a new file or an empty database; tracker copy neither merges nor replaces a log")
    check_one_line_error(on_desk("copy", "--from", str(seeded.db)), 1, f"{desk} is not empty (1 item")
    assert on_desk.dump() == before


@ON_SQLITE
def test_a_copy_to_the_server_that_fails_midway_leaves_it_as_it_was(seeded, desk, monkeypatch):
    """A failure after the last row (an injected one, in the checks before the commit),
    or a row the server refuses (a change about no item, written into the file with
    foreign keys off): nothing of the copy is left."""
    from tracker import copying

    on_desk = at(seeded, desk)
    on_desk.ok("list")
    before = on_desk.dump()
    verify = copying._verify

    def broken(*args):
        raise copying.TrackerError("the disk went away")

    monkeypatch.setattr(copying, "_verify", broken)
    check_one_line_error(seeded("copy", "--to", desk), 1, "the disk went away")
    assert on_desk.dump() == before
    monkeypatch.setattr(copying, "_verify", verify)
    conn = sqlite3.connect(seeded.db)
    conn.execute("INSERT INTO changes (item_id, field, happened, happened_utc, recorded) "
                 "VALUES (999, NULL, '2025-11-01', '2025-11-01T00:00:00Z', '2025-11-01T00:00:00Z')")
    conn.commit()
    conn.close()
    run = seeded("copy", "--to", desk)
    check_one_line_error(run, 1, f"{desk} refused a row of changes from {seeded.db} (insert or update on table "
                                 '"changes" violates foreign key constraint')
    assert "nothing was copied; run `tracker check` on" in run.stderr
    assert on_desk.dump() == before
    assert on_desk.ok("list", "--all", "--json").json() == []


class _Inserts:
    """A connection that notes each INSERT statement run on it (one per row of an executemany)."""

    def __init__(self, conn, noted: list[str]):
        self._conn, self._noted = conn, noted

    def execute(self, sql, params=()):
        if sql.lstrip().upper().startswith("INSERT"):
            self._noted.append(sql)
        return self._conn.execute(sql, params)

    def executemany(self, sql, rows):
        rows = list(rows)
        if sql.lstrip().upper().startswith("INSERT"):
            self._noted.extend([sql] * len(rows))
        return self._conn.executemany(sql, rows)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _count_inserts(monkeypatch) -> list[str]:
    from tracker.store.postgres import PostgresDialect
    from tracker.store.sqlite import SQLiteDialect

    noted: list[str] = []
    for dialect in (SQLiteDialect, PostgresDialect):
        monkeypatch.setattr(dialect, "connect", lambda self, connect=dialect.connect: _Inserts(connect(self), noted))
    return noted


def _many_rows_a_statement(copying: Tracker, run, noted: list[str]) -> None:
    copied = sum(len([row for row in log_rows(copying) if row[0] == table]) - 1
                 for table in ("items", "item_parties", "item_tags", "changes", "commands", "feed_entries"))
    assert copied > 200, run.stderr
    # A statement per row was a round trip per row to a server: 46 s per 10k items.
    assert len(noted) * 10 < copied, len(noted)


def test_rows_are_written_many_to_a_statement(full, tmp_path, monkeypatch):
    noted = _count_inserts(monkeypatch)
    run = full.ok("copy", "--to", str(tmp_path / "desk.db"))
    _many_rows_a_statement(full, run, noted)
    assert log_rows(at(full, tmp_path / "desk.db")) == log_rows(full)


@ON_SQLITE
def test_rows_are_written_to_the_server_many_to_a_statement(full, desk, monkeypatch):
    """Into PostgreSQL too, ids and authors kept, and the ids the server gives next past them."""
    full.ok("update", "A2", "--note", "seen at the desk", TRACKER_USER="anna")
    noted = _count_inserts(monkeypatch)
    run = full.ok("copy", "--to", desk)
    _many_rows_a_statement(full, run, noted)
    monkeypatch.undo()
    on_desk = at(full, desk)
    assert log_rows(on_desk) == log_rows(full)
    for tracker in (full, on_desk):
        assert tracker.ok("add", "agreement", "Port access deal", "--json").json()["ref"] == "A23"
        tracker.ok("update", "A23", "--note", "drafted")
    assert without_new_uid(on_desk) == without_new_uid(full)
