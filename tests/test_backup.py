"""tracker backup: a consistent copy, while others write, that is a tracker database itself:
an SQLite file, from either engine (PostgreSQL's by `tracker copy`'s code)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRACKER_BIN


def check(path) -> tuple[int, int]:
    """The copy passes SQLite's integrity check and its log holds together; (items, changes)."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # Every item has its creation logged: no half of a write was copied.
        assert conn.execute("SELECT count(*) FROM items WHERE id NOT IN "
                            "(SELECT item_id FROM changes WHERE field = 'created')").fetchone()[0] == 0
        return conn.execute("SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM changes)").fetchone()
    finally:
        conn.close()


def test_a_backup_is_a_complete_tracker_database(summit, tmp_path):
    # The backup is an SQLite file whichever engine the log is on.
    copy = tmp_path / "backup.db"
    run = summit.ok("backup", str(copy))
    assert "backed up" in run.stderr and "4 items" in run.stderr
    assert not list(tmp_path.glob("backup.db-*")) and not list(tmp_path.glob(".backup.db.*"))   # one file
    assert check(copy) == (4, 4)
    assert summit.ok("--db", str(copy), "list", "--json").stdout == summit.ok("list", "--json").stdout
    assert summit.ok("--db", str(copy), "export").json()["history"] == summit.ok("export").json()["history"]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_backup_of_a_postgresql_log_is_a_file_that_exports_the_same(summit, tmp_path):
    summit.ok("update", "A1", "--status", "signed", "--note", "signed at the summit")
    summit.ok("remove", "A2")
    copy = tmp_path / "desk.db"
    run = summit.ok("backup", str(copy))
    assert run.stderr.startswith("backed up postgresql://") and "(4 items, 6 changes) to " in run.stderr, run.stderr
    assert copy.read_bytes()[:16] == b"SQLite format 3\x00"
    assert summit.ok("--db", str(copy), "export").stdout == summit.ok("export").stdout
    assert summit.ok("--db", str(copy), "check").stderr == "No problems found.\n"
    # The file goes on as the desk's log would: the next ref, the same author kept.
    assert summit.ok("--db", str(copy), "add", "agreement", "Visa pact").stdout == \
        summit.ok("add", "agreement", "Visa pact").stdout


def test_a_backup_does_not_overwrite_without_force(summit, tmp_path):
    copy = tmp_path / "backup.db"
    copy.write_text("precious")
    run = summit("backup", str(copy))
    assert run.code == 1 and "exists" in run.stderr and "--force" in run.stderr
    assert copy.read_text() == "precious"
    summit.ok("backup", str(copy), "--force")
    assert check(copy) == (4, 4)
    if summit.backend == "sqlite":
        itself = summit("backup", str(summit.db), "--force")
        assert itself.code == 2 and "the database itself" in itself.stderr
    folder = summit("backup", str(tmp_path))
    assert folder.code == 2 and "folder" in folder.stderr
    nowhere = summit("backup", str(tmp_path / "missing" / "b.db"))
    assert nowhere.code == 2 and "does not exist" in nowhere.stderr


def test_a_backup_taken_while_another_process_writes_is_consistent(summit, tmp_path):
    env = {**os.environ, "TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC"}
    # Another process adds items and notes as fast as it can, until told to stop.
    writer = subprocess.Popen([sys.executable, "-c", f"""
import subprocess, sys, os
n = 0
while not os.path.exists({str(tmp_path / 'stop')!r}):
    subprocess.run([{str(TRACKER_BIN)!r}, "update", "A1", "--note", f"note {{n}}"], check=True,
                   stderr=subprocess.DEVNULL)
    subprocess.run([{str(TRACKER_BIN)!r}, "add", "event", f"Meeting {{n}}"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    n += 1
"""], env=env)
    try:
        seen = []
        for number in range(40):
            if len(seen) >= 5 and seen[-1] > seen[0]:
                break
            copy = tmp_path / f"backup-{number}.db"
            subprocess.run([str(TRACKER_BIN), "backup", str(copy)], env=env, check=True, capture_output=True)
            seen.append(check(copy))
            listed = subprocess.run([str(TRACKER_BIN), "--db", str(copy), "list", "--all", "--json"], env=env,
                                    check=True, capture_output=True, text=True)
            assert listed.stdout.startswith("[")
    finally:
        (tmp_path / "stop").touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert seen == sorted(seen) and seen[-1] > seen[0]      # the writes went on meanwhile


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("command", [["export", "-o"], ["report", "--format", "json", "-o"], ["backup", "--force"]])
@pytest.mark.sqlite_only
def test_no_output_replaces_the_database_or_its_sqlite_files(summit, tmp_path, command, suffix):
    # Its WAL holds saved changes until a checkpoint: replacing it loses them.
    summit.ok("update", "A1", "--note", "saved in the WAL")
    before = summit.dump()
    target = Path(f"{summit.db}{suffix}")
    existed = target.exists()
    run = summit(*command, str(target))
    assert run.code == 2 and run.stderr.count("\n") == 1, run.stderr
    assert run.stderr.startswith("tracker: error: ") and "give another file" in run.stderr
    assert target.exists() == existed
    assert summit.dump() == before


@pytest.mark.sqlite_only
def test_a_link_to_the_database_is_refused_as_an_output(summit, tmp_path):
    link = tmp_path / "looks-like-a-report.json"
    link.symlink_to(summit.db)
    hard = tmp_path / "hard.json"
    os.link(summit.db, hard)
    before = summit.dump()
    for path in (link, hard):
        run = summit("export", "-o", str(path))
        assert run.code == 2 and "is the database itself" in run.stderr, run.stderr
    assert summit.dump() == before
