"""Time tracker as whole processes at growing sizes, beside the stack's floor and Taskwarrior.

    .venv/bin/python bench/run.py                       # 1k, 10k, 100k and 1M; 7 runs each
    .venv/bin/python bench/run.py --sizes 1000,10000 --runs 5
    .venv/bin/python bench/run.py --no-task             # without Taskwarrior

Everything is measured in one run, interleaved (each round runs every command at
every size once), so that a noisy shared machine slows all of them alike; the
figures that matter are the ratios, and each is the median of the ratios of one
round (a command against the floor run just before it, a size against 1k in the
same round), which cancels the drift between rounds. Each database is built
through tracker's own import path from bench/generate.py. Taskwarrior (Debian:
`apt-get install taskwarrior`) gets the same agreements as pending or completed
tasks, up to 100k, in the first --task-runs rounds; its columns stay empty where
`task` is not installed. Peak memory is each process's maximum resident set
(wait4). The table is Markdown, for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import SETTLED, write_export  # noqa: E402

BIN = Path(sys.executable).parent
TRACKER = str(BIN / "tracker")
NOW = "2025-11-29T12:00:00Z"
FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]
SEARCH_WORD = "Kudankulam"
TASK_OPTIONS = ["rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off", "rc.color=off"]


def tracker_commands(size: int, round_: int, open_refs: list[str]) -> dict[str, list[str]]:
    middle = f"A{size // 2}"
    return {
        "list": [TRACKER, "list"],
        "list agreements --status expected --party Russia": [TRACKER, "list", "agreements", "--status", "expected",
                                                              "--party", "Russia"],
        f"list --search {SEARCH_WORD}": [TRACKER, "list", "--search", SEARCH_WORD],
        "show A<n>": [TRACKER, "show", middle],
        # A different open agreement each round, so that every run writes.
        "update A<n> --status signed": [TRACKER, "update", open_refs[round_], "--status", "signed"],
        "countdown": [TRACKER, "countdown"],
        "report --format json": [TRACKER, "report", "--format", "json"],
        # The last screenful (25) of the log; of what happened since a week before NOW
        # (a third of a generated log lies after it); one item's; a page back from the
        # middle of the log (change ids run from 1 to about 2 per agreement); every change.
        "history": [TRACKER, "history"],
        "history --since <last week>": [TRACKER, "history", "--since", "2025-11-22"],
        "history --limit 100": [TRACKER, "history", "--limit", "100"],
        "history A<n>": [TRACKER, "history", middle],
        "history --before <id>": [TRACKER, "history", "--before", str(size)],
        "history --json (every change)": [TRACKER, "history", "--json"],
        "--help": [TRACKER, "--help"],
        "--version": [TRACKER, "--version"],
    }


def task_commands(size: int, round_: int) -> dict[str, list[str]]:
    base = [shutil.which("task"), *TASK_OPTIONS]
    return {
        "list": base + ["next"],
        "list agreements --status expected --party Russia": base + ["+Russia", "status:pending", "list"],
        f"list --search {SEARCH_WORD}": base + [f"/{SEARCH_WORD}/", "list"],
        "show A<n>": base + [str(size // 4), "info"],
        "update A<n> --status signed": base + [str(size // 4 + round_), "modify", "+signed"],
        "countdown": base + ["due.after:now", "list"],
    }


# Linux keeps a process's peak RSS across fork and exec: a command started from this
# process would report our peak as its own. So every command is started by a small
# launcher process that holds nothing.
LAUNCHER = r"""
import json, os, subprocess, sys, time
for line in sys.stdin:
    command, env = json.loads(line)
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    print(json.dumps([elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Launcher:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, command: list[str], env: dict[str, str], allowed=(0,)) -> tuple[float, float]:
        """Wall seconds and peak resident MiB of one whole process."""
        self.process.stdin.write(json.dumps([command, env]) + "\n")
        self.process.stdin.flush()
        elapsed, mib, code = json.loads(self.process.stdout.readline())
        if code not in allowed:
            raise SystemExit(f"failed ({code}): {' '.join(command)}")
        return elapsed, mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--task-runs", type=int, default=3, help="rounds that run Taskwarrior too (it is slow)")
    parser.add_argument("--no-task", action="store_true")
    parser.add_argument("--task-max", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    use_task = not args.no_task and shutil.which("task") is not None
    if not args.no_task and not use_task:
        print("Taskwarrior is not installed (apt-get install taskwarrior): its columns stay empty.", file=sys.stderr)
    began = time.perf_counter()
    launcher = Launcher()
    results: dict[tuple[str, int, str], list[tuple[float, float]]] = {}
    imports: dict[int, tuple[float, float]] = {}
    task_imports: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as scratch_name:
        scratch = Path(scratch_name)
        setups = []
        for size in sizes:
            print(f"{time.perf_counter() - began:6.0f} s  generating {size:,} ...", file=sys.stderr)
            export, tasks = scratch / f"{size}.json", scratch / f"tasks-{size}.json"
            with_task = use_task and size <= args.task_max
            with export.open("w") as out, (tasks.open("w") if with_task else open(os.devnull, "w")) as task_out:
                statuses = write_export(out, size, task_out if with_task else None)
            open_refs = [ref for ref, status in statuses.items() if status not in SETTLED]
            open_refs = open_refs[len(open_refs) // 3:][:args.runs]
            del statuses
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "TRACKER_DB": str(scratch / f"{size}.db"),
                   "TRACKER_NOW": NOW, "TZ": "UTC", "COLUMNS": "120"}
            print(f"{time.perf_counter() - began:6.0f} s  tracker import {size:,} ...", file=sys.stderr)
            imports[size] = launcher.run([TRACKER, "import", str(export)], env)
            export.unlink()
            task_env = None
            if with_task:
                taskdata = scratch / f"task-{size}"
                taskdata.mkdir()
                (scratch / f"taskrc-{size}").write_text(f"data.location={taskdata}\n")
                task_env = {**env, "TASKDATA": str(taskdata), "TASKRC": str(scratch / f"taskrc-{size}")}
                print(f"{time.perf_counter() - began:6.0f} s  task import {size:,} ...", file=sys.stderr)
                task_imports[size] = launcher.run([shutil.which("task"), *TASK_OPTIONS, "import", str(tasks)],
                                                  task_env)
            setups.append((size, env, task_env, open_refs))

        for round_ in range(args.runs):
            print(f"{time.perf_counter() - began:6.0f} s  round {round_ + 1} of {args.runs} ...", file=sys.stderr)
            for size, env, task_env, open_refs in setups:
                results.setdefault(("floor", size, "floor"), []).append(launcher.run(FLOOR, env))
                for name, command in tracker_commands(size, round_, open_refs).items():
                    results.setdefault(("tracker", size, name), []).append(launcher.run(command, env))
                if task_env and round_ < args.task_runs:
                    for name, command in task_commands(size, round_).items():
                        # task exits 1 when nothing matches
                        results.setdefault(("task", size, name), []).append(
                            launcher.run(command, task_env, allowed=(0, 1)))
    report(sizes, results, imports, task_imports, args.runs, time.perf_counter() - began)


def report(sizes, results, imports, task_imports, runs, elapsed) -> None:
    def median(key) -> float:
        return statistics.median(seconds for seconds, _ in results[key])

    def ratio(key, base) -> float:
        """The median of the round-by-round ratios (rounds that both ran)."""
        return statistics.median(a / b for (a, _), (b, _) in zip(results[key], results[base]))

    def spread(key) -> str:
        values = sorted(seconds for seconds, _ in results[key])
        return f"{values[0] * 1000:.0f}-{values[-1] * 1000:.0f}"

    def peak(key) -> float:
        return max(mib for _, mib in results[key])

    names = list(tracker_commands(sizes[0], 0, ["A1"]))
    print(f"Medians of {runs} runs each, interleaved; each ratio is the median of one-round ratios "
          f"({elapsed / 60:.1f} minutes in all).\n")
    print("| size | command | median ms | min-max ms | x 1k | x floor | task ms | x task | peak MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        floor = ("floor", size, "floor")
        print(f"| {size:,} | *floor: import typer, rich* | {median(floor) * 1000:.0f} | {spread(floor)} "
              f"| | 1.00 | | | {peak(floor):.0f} |")
        for name in names:
            key, base, task = ("tracker", size, name), ("tracker", sizes[0], name), ("task", size, name)
            task_cells = f"{median(task) * 1000:.0f} | {ratio(key, task):.2f}" if task in results else " | "
            print(f"| {size:,} | {name} | {median(key) * 1000:.0f} | {spread(key)} "
                  f"| {ratio(key, base):.2f} | {ratio(key, floor):.2f} | {task_cells} | {peak(key):.0f} |")
        seconds, mib = imports[size]
        task_cells = (f"{task_imports[size][0] * 1000:.0f} | {seconds / task_imports[size][0]:.2f}"
                      if size in task_imports else " | ")
        print(f"| {size:,} | import (1 run) | {seconds * 1000:.0f} | | | | {task_cells} | {mib:.0f} |")


if __name__ == "__main__":
    main()
