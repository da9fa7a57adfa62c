"""Many writers at once, as a desk has them: eight real processes of the installed
tracker, each running fifty commands one after the other, every command with its own
connection and transaction, on whichever backend the run chose (--backend).

Refs must stay unique and gap-free per type, no change may be lost, and no writer may
see an error that tracker itself could have waited out (a busy database)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from conftest import TRACKER_BIN

PROCESSES = 8
INVOCATIONS = 50

# One writer: a process of the installed tracker that runs each command it is given,
# one after the other, and reports each (exit code, stdout, stderr) as a JSON array on
# its stdout. The commands run in the process (as `tracker` runs one: each opens its own
# connection, writes in its own transaction and closes), so that the test pays for
# Python's and the driver's start-up once per writer rather than once per command: 800
# start-ups took minutes of CPU on PostgreSQL, whose driver alone costs 0.2-0.4 s each.
_WRITER = """
import json, sys
from typer.testing import CliRunner
from tracker.cli import app
runs, results = json.loads(sys.argv[2]), []
runner = CliRunner()
for args in runs:
    done = runner.invoke(app, args)
    error = done.stderr
    if done.exception is not None and not isinstance(done.exception, SystemExit):
        error += f"{type(done.exception).__name__}: {done.exception}"
    results.append([args, done.exit_code, done.stdout, error])
json.dump(results, sys.stdout)
"""


def _env(tracker) -> dict[str, str]:
    env = {name: value for name, value in tracker.env.items() if value is not None}
    return {**env, "PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin"}


def _write_at_once(tracker, runs_per_writer: list[list[list[str]]]) -> tuple[list[list], float]:
    """Start every writer, then wait for all: each run's [args, code, stdout, stderr],
    and the seconds the whole took."""
    started = time.monotonic()
    # -P: the installed tracker, not the checkout that a test run's folder holds.
    writers = [subprocess.Popen([sys.executable, "-P", "-c", _WRITER, str(TRACKER_BIN), json.dumps(runs)],
                                env=_env(tracker), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for runs in runs_per_writer]
    results = []
    for writer in writers:
        out, err = writer.communicate(timeout=600)
        assert writer.returncode == 0 and not err, err
        results += json.loads(out)
    return results, time.monotonic() - started


def _all_succeeded(results: list[list], said: str) -> None:
    """Every run exited 0 and said only its confirmation on stderr (`said`, then the
    changes it made, indented): no error, no warning, no busy database."""
    def clean(err: str) -> bool:
        first, *rest = err.splitlines() or [""]
        return first.startswith(said) and all(line.startswith("  ") for line in rest)

    failed = [(args, code, err) for args, code, _, err in results if code != 0 or not clean(err)]
    # Every failure shown, not the first: a "database is locked" is a finding, not a flake.
    assert not failed, f"{len(failed)} of {len(results)} runs failed, e.g. {failed[:5]}"


@pytest.mark.slow
def test_concurrent_adds_get_every_ref_once_without_gaps(tracker):
    tracker.ok("list")      # the database exists before the writers race to it
    runs = [[["add", "event", f"Talks {writer}.{n}"] for n in range(INVOCATIONS)] for writer in range(PROCESSES)]
    results, seconds = _write_at_once(tracker, runs)
    print(f"{PROCESSES} x {INVOCATIONS} adds on {tracker.backend}: {seconds:.1f} s")
    _all_succeeded(results, said="added E")
    total = PROCESSES * INVOCATIONS
    refs = [out.strip() for _, _, out, _ in results]
    assert sorted(refs, key=lambda ref: int(ref[1:])) == [f"E{n}" for n in range(1, total + 1)]
    listed = tracker.ok("list", "events", "--all", "--limit", "0", "--json").json()
    assert sorted(item["ref"] for item in listed) == sorted(refs)
    # Each title is where its writer said: the ref printed is the row written.
    titles = {item["ref"]: item["title"] for item in listed}
    assert all(titles[out.strip()] == args[2] for args, _, out, _ in results)


@pytest.mark.slow
def test_concurrent_notes_are_all_logged_once(tracker):
    items = 4
    for n in range(items):
        tracker.ok("add", "agreement", f"Accord {n}")
    runs = [[["update", f"A{writer % items + 1}", "--note", f"writer {writer} note {n}"] for n in range(INVOCATIONS)]
            for writer in range(PROCESSES)]
    results, seconds = _write_at_once(tracker, runs)
    print(f"{PROCESSES} x {INVOCATIONS} notes on {tracker.backend}: {seconds:.1f} s")
    _all_succeeded(results, said="updated A")
    logged = tracker.ok("history", "--limit", "0", "--json").json()
    notes = [change["note"] for change in logged if (change.get("note") or "").startswith("writer ")]
    expected = [args[3] for args, _, _, _ in results]
    assert len(notes) == PROCESSES * INVOCATIONS
    assert sorted(notes) == sorted(expected)            # each note once: none lost, none doubled
    # Each on the item its writer named.
    on_item = {change["note"]: change["ref"] for change in logged if change["note"] in set(expected)}
    assert all(on_item[args[3]] == args[1] for args, _, _, _ in results)
