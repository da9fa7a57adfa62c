"""tracker harms nothing outside its database: what -o names, and a file that is not its own."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import SEED, TRACKER_BIN

FULL = "/dev/full"


def run_installed(db: Path, *args: str, **options) -> subprocess.CompletedProcess:
    env = {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(TRACKER_BIN), *args], env=env, capture_output=True, text=True, timeout=60, **options)


# What the devices are; a tracker that replaced what -o names would, as root, have
# made them regular files (and did, before the fix).
DEVICES = {"/dev/null": (stat.S_ISCHR, lambda: os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))),
           FULL: (stat.S_ISCHR, lambda: os.mknod(FULL, 0o666 | stat.S_IFCHR, os.makedev(1, 7))),
           "/dev/stdout": (lambda mode: True, lambda: os.symlink("/proc/self/fd/1", "/dev/stdout"))}


@pytest.fixture(autouse=True)
def devices_survive():
    """Each test leaves /dev as it found it; should one harm it, it is put back (as root) and the test fails."""
    yield
    harmed = []
    for path, (is_kind, make) in DEVICES.items():
        is_link = path == "/dev/stdout"
        if (os.path.islink(path) if is_link else os.path.exists(path) and is_kind(os.stat(path).st_mode)):
            continue
        harmed.append(path)
        if os.geteuid() == 0:
            if os.path.lexists(path):
                os.unlink(path)
            make()
    assert not harmed, f"tracker replaced {harmed} (put back)"


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp") or name.startswith("."))


def test_a_regular_file_is_replaced_whole_and_keeps_its_mode(seeded, tmp_path):
    target = tmp_path / "out" / "export.json"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    seeded.ok("export", "-o", str(target))
    assert json.loads(target.read_text(encoding="utf-8"))["format"] == "tracker-export"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(target.parent) == []


def test_a_symlink_stays_a_link_and_its_target_is_written(seeded, tmp_path):
    target = tmp_path / "reports" / "week.md"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    seeded.ok("report", "--format", "md", "-o", str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8").startswith("# Weekly report")
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_dangling_symlink_creates_the_file_it_names(seeded, tmp_path):
    link = tmp_path / "latest.json"
    link.symlink_to(tmp_path / "missing.json")
    seeded.ok("export", "-o", str(link))
    assert link.is_symlink()
    assert json.loads((tmp_path / "missing.json").read_text(encoding="utf-8"))["format"] == "tracker-export"


def test_a_fifo_is_written_through_to_its_reader(seeded, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []

    def read():
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    run = run_installed(seeded.db, "export", "-o", str(fifo))
    if not received and stat.S_ISFIFO(os.lstat(fifo).st_mode):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))     # nothing wrote to it: let the reader go
    reader.join(timeout=30)
    assert received, "the FIFO's reader got nothing"
    assert run.returncode == 0, run.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(received[0])["format"] == "tracker-export"
    assert leftovers(tmp_path) == []


def test_dev_null_is_written_and_stays_a_device(seeded):
    for args in (["export", "-o", os.devnull], ["report", "-o", os.devnull], ["report", "-f", "html", "-o", os.devnull]):
        seeded.ok(*args)
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("args", [["export"], ["report"], ["report", "--format", "json"]])
def test_dev_full_is_a_full_disk_and_stays_a_device(seeded, args):
    run = run_installed(seeded.db, *args, "-o", FULL)
    assert run.returncode == 1
    assert run.stderr == f"tracker: error: cannot write to {FULL}: no space left on device\n"
    assert os.path.exists(FULL) and stat.S_ISCHR(os.stat(FULL).st_mode)


def test_a_symlink_to_a_device_writes_through_it(seeded, tmp_path):
    link = tmp_path / "full"
    link.symlink_to(FULL)
    run = run_installed(seeded.db, "export", "-o", str(link))
    assert run.returncode == 1 and run.stderr == f"tracker: error: cannot write to {link}: no space left on device\n"
    assert link.is_symlink() and stat.S_ISCHR(os.stat(FULL).st_mode)
    assert leftovers(tmp_path) == []


def test_dev_stdout_is_stdout(seeded, tmp_path):
    """-o /dev/stdout writes to the descriptor itself: appended to a file opened with >>."""
    log = tmp_path / "log.json"
    log.write_text("before\n", encoding="utf-8")
    with open(log, "a", encoding="utf-8") as stdout:
        env = {"TRACKER_DB": str(seeded.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "PATH": "/usr/bin:/bin"}
        run = subprocess.run([str(TRACKER_BIN), "export", "-o", "/dev/stdout"], env=env, stdout=stdout,
                             stderr=subprocess.PIPE, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    text = log.read_text(encoding="utf-8")
    assert text.startswith("before\n") and json.loads(text[len("before\n"):])["format"] == "tracker-export"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_file_is_not_replaced(seeded, tmp_path):
    target = tmp_path / "kept.json"
    target.write_text("kept", encoding="utf-8")
    target.chmod(0o444)
    run = seeded("export", "-o", str(target))
    assert run.code == 1 and run.stderr == f"tracker: error: cannot write to {target}: permission denied\n"
    assert target.read_text(encoding="utf-8") == "kept" and leftovers(tmp_path) == []


def test_a_folder_is_refused(seeded, tmp_path):
    run = seeded("export", "-o", str(tmp_path))
    assert run.code == 1 and run.stderr == f"tracker: error: cannot write to {tmp_path}: it is a folder; give a file path\n"


def _many_items(tracker, tmp_path: Path, count: int = 150) -> None:
    updates = tmp_path / "many.json"
    updates.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "agreement", "uid": f"many-{n}", "on": "2025-11-28",
         "set": {"title": f"Agreement number {n} " + "x" * 80, "sector": "trade"}} for n in range(count)]}),
        encoding="utf-8")
    tracker.ok("apply", str(updates))


def test_a_failed_write_leaves_the_file_as_it_was_and_no_temporary_file(seeded, tmp_path):
    """A write that fails half-way (here: past the largest file size the process may
    write, which holds for root too) removes its temporary file."""
    _many_items(seeded, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "export.json"
    target.write_text("old export", encoding="utf-8")
    limit = 40_000      # room for SQLite's 32 KiB shared-memory file, not for the export

    def limited():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    run = run_installed(seeded.db, "export", "-o", str(target), preexec_fn=limited)
    assert run.returncode == 1
    assert run.stderr.startswith(f"tracker: error: cannot write to {target}: ") and run.stderr.count("\n") == 1
    assert target.read_text(encoding="utf-8") == "old export"
    assert os.listdir(out) == ["export.json"]


def test_ctrl_c_during_a_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from tracker import output

    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")

    def interrupted(handle):
        raise KeyboardInterrupt

    monkeypatch.setattr(output.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        output.write_file(target, "new text")
    assert target.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["report.txt"]


# -- a database that is not tracker's -----------------------------------------------

def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.sqlite_only
def test_an_sqlite_file_of_another_program_is_refused_untouched(tracker, tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    theirs = folder / "f.db"
    conn = sqlite3.connect(theirs)
    conn.execute("create table t(x)")
    conn.execute("insert into t values (1)")
    conn.commit()
    conn.close()
    before = _files(folder)
    for args in (["list"], ["add", "event", "Summit"], ["countdown"]):
        run = tracker(*args, TRACKER_DB=str(theirs))
        assert run.code == 1
        assert run.stderr == (f"tracker: error: {theirs} is an SQLite database, but not tracker's: "
                              "choose another file with --db or TRACKER_DB\n")
        assert _files(folder) == before, "the file changed, or -wal/-shm files were left"


@pytest.mark.sqlite_only
def test_a_file_that_is_not_sqlite_is_refused_untouched(tracker, tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    junk = folder / "notes.db"
    junk.write_bytes(SEED.read_bytes())
    before = _files(folder)
    run = tracker("list", TRACKER_DB=str(junk))
    assert run.code == 1 and "is not an SQLite database" in run.stderr
    assert _files(folder) == before
