"""Time tracker as whole processes at growing sizes, beside the stack's floor and Taskwarrior.

    .venv/bin/python bench/run.py                       # 1k, 10k, 100k; 5 runs each
    .venv/bin/python bench/run.py --sizes 1000,1000000 --runs 7
    .venv/bin/python bench/run.py --no-task             # without Taskwarrior

Everything is measured in one run, interleaved (each round runs every command once),
so that a noisy shared machine slows all of them alike; the figures that matter are
the ratios. Each database is built through tracker's own import path from
bench/generate.py. Taskwarrior (Debian: `apt-get install taskwarrior`) gets the same
agreements as pending or completed tasks, up to 100k; it is skipped where `task` is
not installed. Peak memory is each process's maximum resident set (wait4).
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
from generate import generate  # noqa: E402

BIN = Path(sys.executable).parent
TRACKER = str(BIN / "tracker")
NOW = "2025-11-29T12:00:00Z"
FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]


def tracker_commands(size: int) -> dict[str, list[str]]:
    middle = f"A{size // 2}"
    return {
        "list": [TRACKER, "list"],
        "list filtered": [TRACKER, "list", "agreements", "--status", "expected", "--party", "Russia"],
        "list --search": [TRACKER, "list", "--search", "Kudankulam"],
        "show": [TRACKER, "show", middle],
        "update": [TRACKER, "update", middle, "--note", "bench"],
        "countdown": [TRACKER, "countdown"],
        "report": [TRACKER, "report", "--format", "json"],
        "--help": [TRACKER, "--help"],
        "--version": [TRACKER, "--version"],
    }


def task_commands(size: int) -> dict[str, list[str]]:
    task = shutil.which("task")
    base = [task, "rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off", "rc.color=off"]
    return {
        "list": base + ["next"],
        "list filtered": base + ["+Russia", "status:pending", "list"],
        "list --search": base + ["/Kudankulam/", "list"],
        "show": base + [str(size // 4), "info"],
        "update": base + [str(size // 4), "annotate", "bench"],
        "countdown": base + ["due.after:now", "list"],
    }


# Linux keeps a process's peak RSS across fork and exec: a command started from this
# process, which holds the generated data, would report our peak as its own. So every
# command is started by a small launcher process that holds nothing.
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
_launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one whole process."""
    _launcher.stdin.write(json.dumps([command, env]) + "\n")
    _launcher.stdin.flush()
    elapsed, mib, code = json.loads(_launcher.stdout.readline())
    if code not in (0, 1):      # task exits 1 on "no matches"
        raise SystemExit(f"failed ({code}): {' '.join(command)}")
    return elapsed, mib


def task_import(document: dict, taskdata: Path, env: dict[str, str]) -> float:
    """The same agreements as Taskwarrior tasks; returns the seconds `task import` took."""
    tasks = []
    for item in document["items"]:
        if item["type"] != "agreement":
            continue
        task = {"description": item["title"], "project": item["sector"].replace(" ", "_"),
                "status": "completed" if item["status"] in ("signed", "ratified", "in-force", "dropped") else "pending",
                "tags": [p.replace(" ", "_") for p in item["parties"]], "entry": "20251101T000000Z"}
        if task["status"] == "completed":
            task["end"] = "20251102T000000Z"
        if item.get("due"):
            task["due"] = item["due"].replace("-", "") + "T000000Z"
        tasks.append(task)
    path = taskdata / "tasks.json"
    path.write_text("\n".join(json.dumps(t) for t in tasks))
    start = time.perf_counter()
    subprocess.run([shutil.which("task"), "rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off",
                    "import", str(path)], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-task", action="store_true")
    parser.add_argument("--task-max", type=int, default=100_000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    use_task = not args.no_task and shutil.which("task") is not None
    if not args.no_task and not use_task:
        print("Taskwarrior is not installed (apt-get install taskwarrior): its columns stay empty.", file=sys.stderr)

    results: dict[tuple[str, int, str], list[tuple[float, float]]] = {}
    imports: dict[int, tuple[float, float]] = {}
    task_imports: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as scratch:
        scratch = Path(scratch)
        setups = []
        for size in sizes:
            print(f"building {size} ...", file=sys.stderr)
            document = generate(size)
            export = scratch / f"{size}.json"
            export.write_text(json.dumps(document))
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "TRACKER_DB": str(scratch / f"{size}.db"),
                   "TRACKER_NOW": NOW, "TZ": "UTC", "COLUMNS": "120"}
            imports[size] = run_once([TRACKER, "import", str(export)], env)
            commands = {("tracker", name): command for name, command in tracker_commands(size).items()}
            task_env = None
            if use_task and size <= args.task_max:
                taskdata = scratch / f"task-{size}"
                taskdata.mkdir()
                (scratch / f"taskrc-{size}").write_text(f"data.location={taskdata}\n")
                task_env = {**env, "TASKDATA": str(taskdata), "TASKRC": str(scratch / f"taskrc-{size}")}
                print(f"  task import {size} ...", file=sys.stderr)
                task_imports[size] = task_import(document, taskdata, task_env)
                commands.update({("task", name): command for name, command in task_commands(size).items()})
            del document
            setups.append((size, env, task_env, commands))

        print(f"timing {args.runs} rounds ...", file=sys.stderr)
        for _ in range(args.runs):
            for size, env, task_env, commands in setups:
                results.setdefault(("floor", size, "floor"), []).append(run_once(FLOOR, env))
                for (tool, name), command in commands.items():
                    results.setdefault((tool, size, name), []).append(
                        run_once(command, task_env if tool == "task" else env))
    report(sizes, results, imports, task_imports, args.runs)


def report(sizes, results, imports, task_imports, runs) -> None:
    def median(key) -> float:
        return statistics.median(seconds for seconds, _ in results[key])

    def spread(key) -> str:
        values = sorted(seconds for seconds, _ in results[key])
        return f"{values[0] * 1000:.0f}-{values[-1] * 1000:.0f}"

    def peak(key) -> float:
        return max(mib for _, mib in results[key])

    names = list(tracker_commands(sizes[0]))
    print(f"\nMedians of {runs} runs each, interleaved; ratios are of medians in this one run.\n")
    print("| size | command | median ms | min-max ms | x 1k | x floor | x task | task ms | peak MiB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        floor = median(("floor", size, "floor"))
        print(f"| {size:,} | *floor* (import typer, rich) | {floor * 1000:.0f} | {spread(('floor', size, 'floor'))} "
              f"| | 1.00 | | | {peak(('floor', size, 'floor')):.0f} |")
        for name in names:
            key = ("tracker", size, name)
            base = ("tracker", sizes[0], name)
            task = ("task", size, name)
            task_cells = (f"{median(key) / median(task):.2f} | {median(task) * 1000:.0f}"
                          if task in results else " | ")
            print(f"| {size:,} | {name} | {median(key) * 1000:.0f} | {spread(key)} "
                  f"| {median(key) / median(base):.2f} | {median(key) / floor:.2f} | {task_cells} "
                  f"| {peak(key):.0f} |")
        seconds, mib = imports[size]
        task_text = f"{task_imports[size] * 1000:.0f}" if size in task_imports else ""
        print(f"| {size:,} | import (1 run) | {seconds * 1000:.0f} | | | | | {task_text} | {mib:.0f} |")


if __name__ == "__main__":
    main()
