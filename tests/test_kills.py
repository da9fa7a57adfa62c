"""A tracker killed mid-import or mid-migration (SIGKILL: no handler runs) leaves the
database as it was or as the finished command would have: never half of it.

The installed command is started for real and watched from another connection: once
it holds the write lock (its transaction has begun), it is killed after a delay spread
over the time its transaction takes (measured first), a few times each. After each
kill the database is read as another client would, then `tracker check` must find
nothing.
"""

from __future__ import annotations

import importlib.util
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tracker.store import SCHEMA_VERSION
from conftest import TRACKER_BIN

ROOT = Path(__file__).resolve().parent.parent
V1_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v1.sql"
# Where in the command's transaction each kill lands, as a share of the time it takes.
KILLS_AT = (0.0, 0.2, 0.4, 0.6, 0.8)

pytestmark = pytest.mark.slow


def env(db: Path) -> dict[str, str]:
    return {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
            "PATH": "/usr/bin:/bin"}


def tracker(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TRACKER_BIN), *args], env=env(db), capture_output=True, text=True, timeout=60)


def writing(watcher: sqlite3.Connection) -> bool:
    """Whether another connection holds the write lock (it is inside its transaction)."""
    try:
        watcher.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    watcher.execute("ROLLBACK")
    return False


def run_watched(db: Path, kill_after: float | None, *args: str) -> tuple[int, float | None]:
    """Run tracker; once its transaction has begun, SIGKILL it `kill_after` seconds later
    (None: let it finish). Its exit status (-9 if killed) and how long after the start
    of its transaction it ended (None if no transaction was seen)."""
    watcher = sqlite3.connect(db, timeout=0, isolation_level=None)
    process = subprocess.Popen([str(TRACKER_BIN), *args], env=env(db),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = None
    try:
        while process.poll() is None:
            if began is None and writing(watcher):
                began = time.perf_counter()
                if kill_after is not None:
                    time.sleep(kill_after)
                    process.send_signal(signal.SIGKILL)
                    break
            time.sleep(0.001)
        status = process.wait(timeout=60)
    finally:
        watcher.close()
    return status, None if began is None else time.perf_counter() - began


def read(db: Path, query: str):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query).fetchone()[0]
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def copy(source: Path, target: Path) -> Path:
    """A database file and its write-ahead log, as they are between commands."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


def assert_clean(db: Path) -> None:
    run = tracker(db, "check")
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "No problems found.\n")


@pytest.fixture(scope="module")
def large_export(tmp_path_factory) -> tuple[Path, int]:
    """bench/generate.py's export of 3,000 agreements (and 300 events): half a second to import."""
    spec = importlib.util.spec_from_file_location("generate", ROOT / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = tmp_path_factory.mktemp("kills") / "large.json"
    with path.open("w", encoding="utf-8") as out:
        generate.write_export(out, 3000)
    return path, 3300


def test_a_kill_mid_import_leaves_nothing_or_everything(tmp_path, large_export):
    export, count = large_export
    base = tmp_path / "base.db"
    assert tracker(base, "add", "event", "Summit", "--start", "2025-12-04").returncode == 0
    before = dump(base)
    status, whole = run_watched(copy(base, tmp_path / "whole.db"), None, "import", str(export))
    assert status == 0 and whole is not None
    assert read(tmp_path / "whole.db", "SELECT count(*) FROM items") == count + 1

    outcomes = []
    for n, share in enumerate(KILLS_AT):
        db = copy(base, tmp_path / f"kill-{n}.db")
        status, _ = run_watched(db, whole * share, "import", str(export))
        items = read(db, "SELECT count(*) FROM items")
        if items == 1:
            assert dump(db) == before, f"killed {whole * share:.2f} s into the import: the database changed"
        else:
            assert items == count + 1, f"killed {whole * share:.2f} s into the import: {items} items"
            assert read(db, "SELECT count(*) FROM changes") == read(tmp_path / "whole.db", "SELECT count(*) FROM changes")
        assert_clean(db)
        outcomes.append((status, items))
    # The kills landed inside the import's transaction: killed, and nothing written.
    assert sum(outcome == (-signal.SIGKILL, 1) for outcome in outcomes) >= 3, outcomes


@pytest.fixture(scope="module")
def old_database(tmp_path_factory) -> tuple[Path, int]:
    """A database of schema version 1 with 10,000 items, each with its creation logged:
    a tenth of a second or two to migrate (an index on every item, counts of every agreement)."""
    path = tmp_path_factory.mktemp("kills") / "v1.db"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA.read_text())
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
        "INSERT INTO items (id, uid, type, num, title, kind, status, event_id, starts, starts_utc, ends_utc, tz, "
        "sector, created, updated) SELECT i, 'uid-' || i, iif(i % 10 = 1, 'event', 'agreement'), i, 'Item ' || i, "
        "iif(i % 10 = 1, 'summit', 'pact'), iif(i % 10 = 1, 'held', 'signed'), iif(i % 10 = 1, NULL, i - (i - 1) % 10), "
        "iif(i % 10 = 1, '2024-07-08', NULL), iif(i % 10 = 1, '2024-07-07T21:00:00Z', NULL), "
        "iif(i % 10 = 1, '2024-07-08T21:00:00Z', NULL), iif(i % 10 = 1, 'Europe/Moscow', NULL), "
        "iif(i % 10 = 1, NULL, 'trade'), '2024-07-01T00:00:00+00:00', '2024-07-01T00:00:00+00:00' FROM n")
    conn.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded) SELECT id, 'created', "
                 "status, '2024-07-01', '2024-06-30T22:00:00Z', '2024-07-01T00:00:00+00:00' FROM items")
    conn.commit()
    conn.close()
    return path, 10000


def test_a_kill_mid_migration_leaves_the_old_version_or_the_new(tmp_path, old_database):
    old, count = old_database
    status, whole = run_watched(copy(old, tmp_path / "whole.db"), None, "countdown")
    assert status == 0 and whole is not None
    assert read(tmp_path / "whole.db", "PRAGMA user_version") == SCHEMA_VERSION
    assert_clean(tmp_path / "whole.db")

    outcomes = []
    for n, share in enumerate(KILLS_AT):
        db = copy(old, tmp_path / f"kill-{n}.db")
        status, _ = run_watched(db, whole * share, "countdown")
        version = read(db, "PRAGMA user_version")
        assert version in (1, SCHEMA_VERSION), f"killed {whole * share:.2f} s into the migration: left at version {version}"
        assert read(db, "SELECT count(*) FROM items") == count
        # Opened again: moved to the new version whole, and nothing amiss.
        assert_clean(db)
        assert read(db, "PRAGMA user_version") == SCHEMA_VERSION
        outcomes.append((status, version))
    assert sum(outcome == (-signal.SIGKILL, 1) for outcome in outcomes) >= 3, outcomes
