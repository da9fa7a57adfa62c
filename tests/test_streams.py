"""Standard streams that fail, and inputs without end: one line on stderr, exit 1, nothing half done.

Run through the installed command, as a shell runs it: the redirections are real.
"""

from __future__ import annotations

import json
import resource
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SEED, TRACKER_BIN

FULL = "/dev/full"


def bounded_memory() -> None:
    """A tracker that reads without end fails in this child, not on the machine."""
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def env_for(db: Path, **extra: str) -> dict[str, str]:
    return {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
            "PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin", **extra}


def tracker_to(db: Path, stdout, *args: str, stdin=subprocess.DEVNULL, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(TRACKER_BIN), *args], env=env_for(db, **extra), stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60, preexec_fn=bounded_memory)


def in_shell(db: Path, line: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", line], env=env_for(db, **extra), capture_output=True, text=True, timeout=120)


def one_error(run, message: str | None = None) -> str:
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert run.stderr.startswith("tracker: error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr
    if message is not None:
        assert run.stderr == f"tracker: error: {message}\n"
    return run.stderr


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["show", "E1"], ["countdown"], ["export"],
                                  ["report"], ["history", "--json"], ["check", "--json"], ["undo", "--list"]])
def test_a_full_disk_on_stdout_is_one_line(seeded, args):
    before = seeded.dump()
    with open(FULL, "w") as full:
        run = tracker_to(seeded.db, full, *args)
    one_error(run, "cannot write to stdout: no space left on device")
    assert seeded.dump() == before


@pytest.mark.parametrize("args", [["list"], ["export"], ["countdown", "--json"], ["export", "-o", "/dev/stdout"]])
def test_a_closed_stdout_is_one_line(seeded, args):
    run = in_shell(seeded.db, f"tracker {' '.join(args)} >&-")
    one_error(run, "cannot write to stdout: stdout is closed")


@pytest.mark.sqlite_only
def test_a_closed_stdout_never_receives_the_database(seeded):
    """With descriptor 1 closed, the database would be opened as descriptor 1, and the
    listing written into it."""
    before = seeded.dump()
    in_shell(seeded.db, "tracker list >&-")
    in_shell(seeded.db, "tracker add event 'Closed stdout' >&-")
    conn = sqlite3.connect(seeded.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert len(seeded.dump()) > len(before)


@pytest.mark.parametrize("args", [["add", "event", "Summit"], ["add", "event", "Summit", "--json"],
                                  ["update", "E1", "--location", "Moscow, Russia", "--json"]])
def test_a_change_whose_output_is_lost_says_it_was_saved(seeded, args):
    """The change is committed before its reference is printed (a reference printed
    first could name an item that then failed to be saved): when the printing fails,
    the message says the change is in, so that a script does not make it twice."""
    before = len(seeded.ok("history", "--json").json())
    with open(FULL, "w") as full:
        run = tracker_to(seeded.db, full, *args)
    one_error(run, "the change was saved, but its output could not be written to stdout (no space left on "
                   "device): do not run the command again; `tracker history` shows the change")
    assert len(seeded.ok("history", "--json").json()) == before + 1
    closed = in_shell(seeded.db, "tracker add event Again >&-")
    assert "the change was saved" in one_error(closed)


def test_a_closed_stdin_is_one_line(seeded):
    before = seeded.dump()
    for command in ("import", "apply"):
        run = in_shell(seeded.db, f"tracker {command} - <&-")
        one_error(run, "cannot read stdin: it is closed; give a file, or pipe one in")
    assert seeded.dump() == before


def test_stdin_still_reads_a_pipe(tracker):
    run = subprocess.run([str(TRACKER_BIN), "import", "-"], input=SEED.read_bytes(), env=env_for(tracker.db),
                         capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert len(tracker.ok("list", "--all", "--json").json()) == 13


def test_an_ascii_stdout_gets_escapes_not_a_traceback(tracker):
    tracker.ok("add", "event", "Café – Straße summit", "--location", "Zürich", "--start", "2025-12-04")
    for args in (["list"], ["show", "E1"], ["history"], ["countdown"], ["report"], ["list", "--json"]):
        run = subprocess.run([str(TRACKER_BIN), *args], env=env_for(tracker.db, PYTHONIOENCODING="ascii"),
                             capture_output=True, timeout=60)
        assert run.returncode == 0, run.stderr.decode()
        run.stdout.decode("ascii")          # nothing but ASCII reached stdout
        if args[0] in ("list", "show"):
            assert b"Caf\\xe9" in run.stdout or b"Caf\\u00e9" in run.stdout


@pytest.mark.parametrize("command", ["import", "apply"])
def test_an_endless_input_is_refused_at_the_limit(seeded, command):
    tracker = seeded
    before = tracker.dump()
    run = subprocess.run([str(TRACKER_BIN), command, "/dev/zero"], env=env_for(tracker.db, TRACKER_MAX_INPUT="1M"),
                         capture_output=True, text=True, timeout=60, preexec_fn=bounded_memory)
    one_error(run, "/dev/zero is larger than 1 MiB, the most tracker reads from one input: split it, "
                   "or raise the limit with TRACKER_MAX_INPUT (such as 4G)")
    with open("/dev/zero", "rb") as zero:
        piped = tracker_to(tracker.db, subprocess.PIPE, command, "-", stdin=zero, TRACKER_MAX_INPUT="64k")
    one_error(piped, "stdin is larger than 64 KiB, the most tracker reads from one input: split it, "
                     "or raise the limit with TRACKER_MAX_INPUT (such as 4G)")
    assert tracker.dump() == before


def test_the_default_limit_stops_dev_zero(tracker):
    run = subprocess.run([str(TRACKER_BIN), "apply", "/dev/zero"], env=env_for(tracker.db),
                         capture_output=True, text=True, timeout=60, preexec_fn=bounded_memory)
    one_error(run, "/dev/zero is larger than 1 GiB, the most tracker reads from one input: split it, "
                   "or raise the limit with TRACKER_MAX_INPUT (such as 4G)")


def test_a_file_past_the_limit_is_refused_before_it_is_read(tracker, tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": [], "history": [],
                               "padding": "x" * 5000}), encoding="utf-8")
    run = tracker("import", str(big), TRACKER_MAX_INPUT="4096")
    assert run.code == 1 and "is larger than 4 KiB" in run.stderr
    assert tracker("import", str(big), TRACKER_MAX_INPUT="8k").code == 0
    bad = tracker("import", str(big), TRACKER_MAX_INPUT="lots")
    assert bad.code == 1 and "TRACKER_MAX_INPUT='lots' is not a size" in bad.stderr
