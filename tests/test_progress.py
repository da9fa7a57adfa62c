"""Long work shows a progress bar on stderr when stderr is a terminal, and nothing
otherwise; Ctrl-C during an import leaves the database as it was and says so.

The installed command is run for real: with stderr on a pseudo-terminal (the pty
module), on a pipe, and sent SIGINT in the middle of an import."""

from __future__ import annotations

import os
import pty
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SEED, TRACKER_BIN

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import write_export  # noqa: E402

pytestmark = pytest.mark.slow


def env(db: Path, **more: str) -> dict[str, str]:
    return {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
            "PATH": "/usr/bin:/bin", "TERM": "xterm", "COLUMNS": "100", **more}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "export.json"
    with path.open("w") as out:
        write_export(out, 30_000)
    return path


def run_on_terminal(args: list[str], environment: dict[str, str], tmp_path: Path) -> tuple[int, bytes, bytes]:
    """Run tracker with stderr on a pseudo-terminal and stdout into a file: (exit code, stdout, stderr)."""
    leader, follower = pty.openpty()
    out = (tmp_path / "stdout").open("wb")
    process = subprocess.Popen([str(TRACKER_BIN), *args], env=environment, stdout=out, stderr=follower,
                               stdin=subprocess.DEVNULL)
    os.close(follower)
    shown = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:         # the other end closed: the process has ended
                break
            if not chunk:
                break
            shown += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    code = process.wait()
    out.close()
    return code, (tmp_path / "stdout").read_bytes(), bytes(shown)


def test_an_import_shows_a_bar_on_a_terminal_and_nothing_on_a_pipe(export, tmp_path):
    code, stdout, shown = run_on_terminal(["import", str(export)], env(tmp_path / "a.db", TRACKER_PROGRESS_AFTER="0"),
                                           tmp_path)
    assert code == 0 and stdout == b""
    assert b"importing" in shown and b"rows" in shown and b"imported 33000 items" in shown
    piped = subprocess.run([str(TRACKER_BIN), "import", str(export)], capture_output=True,
                           env=env(tmp_path / "b.db", TRACKER_PROGRESS_AFTER="0"))
    assert piped.returncode == 0 and piped.stdout == b""
    assert b"importing" not in piped.stderr and piped.stderr.count(b"\n") == 1


def test_no_bar_when_asked_for_none(export, tmp_path):
    code, _, shown = run_on_terminal(["import", str(export)],
                                     env(tmp_path / "a.db", TRACKER_PROGRESS_AFTER="0", TRACKER_NO_PROGRESS="1"), tmp_path)
    assert code == 0 and b"importing" not in shown and b"imported 33000 items" in shown


def test_an_export_shows_its_bar_on_stderr_and_only_data_on_stdout(export, tmp_path):
    db = tmp_path / "a.db"
    subprocess.run([str(TRACKER_BIN), "import", str(export)], env=env(db), check=True, capture_output=True)
    code, stdout, shown = run_on_terminal(["export"], env(db, TRACKER_PROGRESS_AFTER="0"), tmp_path)
    assert code == 0 and b"exporting" in shown
    assert stdout.startswith(b'{\n  "format": "tracker-export"') and stdout.endswith(b"\n}\n")


def test_ctrl_c_during_an_import_leaves_the_database_as_it_was(export, tmp_path):
    db = tmp_path / "seeded.db"
    subprocess.run([str(TRACKER_BIN), "import", str(SEED)], env=env(db), check=True, capture_output=True)
    before = list(sqlite3.connect(db).iterdump())
    watcher = sqlite3.connect(db, timeout=0, isolation_level=None)
    process = subprocess.Popen([str(TRACKER_BIN), "import", str(export)], env=env(db),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Once its transaction has begun (it holds the write lock), and a little into it.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            watcher.execute("BEGIN IMMEDIATE")
            watcher.execute("ROLLBACK")
            time.sleep(0.01)
        except sqlite3.OperationalError:
            break
    time.sleep(0.3)
    assert process.poll() is None, "the import ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    watcher.close()
    assert process.returncode == 130, stderr
    assert stderr.decode().count("\n") == 1
    assert b"interrupted: nothing was imported" in stderr and b"the database is as it was" in stderr
    assert list(sqlite3.connect(db).iterdump()) == before
    check = subprocess.run([str(TRACKER_BIN), "check"], env=env(db), capture_output=True)
    assert check.returncode == 0, check.stdout
