"""Time `tracker import` beside its limit (bench/import_limit.py) and Taskwarrior's
`task import`, in interleaved rounds, and the peak memory of import and export.

    .venv/bin/python bench/import_measure.py --size 100000 --rounds 5
    .venv/bin/python bench/import_measure.py --size 1000000 --rounds 1 --no-task

Each round imports the same export into a new database with tracker and with the
limit script (and the same agreements into a new Taskwarrior data folder), one
after the other; each ratio is the median of the ratios within a round, so that a
noisy shared machine slows both alike. Peak memory is each process's maximum
resident set (wait4, through bench/run.py's launcher). Files are kept under
--scratch (default /tmp/bench-import).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write_export  # noqa: E402
from run import TASK_OPTIONS, TRACKER, Launcher  # noqa: E402

LIMIT = [sys.executable, str(HERE / "import_limit.py")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="agreements (and a tenth as many events)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-task", action="store_true")
    parser.add_argument("--scratch", default="/tmp/bench-import")
    args = parser.parse_args()
    scratch = Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    export, tasks = scratch / f"{args.size}.json", scratch / f"tasks-{args.size}.json"
    use_task = not args.no_task and shutil.which("task") is not None
    if not export.exists() or (use_task and not tasks.exists()):
        with export.open("w") as out, tasks.open("w") as task_out:
            write_export(out, args.size, task_out)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "TRACKER_NOW": "2025-11-29T12:00:00Z",
           "TZ": "UTC"}
    launcher = Launcher()
    results: dict[str, list[tuple[float, float]]] = {}

    def fresh(name: str) -> Path:
        path = scratch / name
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    for round_ in range(args.rounds):
        db = fresh("measure.db")
        results.setdefault("tracker import", []).append(
            launcher.run([TRACKER, "import", str(export)], {**env, "TRACKER_DB": str(db)}))
        results.setdefault("tracker export", []).append(
            launcher.run([TRACKER, "export", "-o", str(scratch / "measure-export.json")],
                         {**env, "TRACKER_DB": str(db)}))
        results.setdefault("limit script", []).append(launcher.run([*LIMIT, str(export), str(fresh("limit.db"))], env))
        if use_task:
            taskdata = scratch / "task-data"
            shutil.rmtree(taskdata, ignore_errors=True)
            taskdata.mkdir()
            (scratch / "taskrc").write_text(f"data.location={taskdata}\n")
            task_env = {**env, "TASKDATA": str(taskdata), "TASKRC": str(scratch / "taskrc")}
            results.setdefault("task import", []).append(
                launcher.run([shutil.which("task"), *TASK_OPTIONS, "import", str(tasks)], task_env))
        print(f"round {round_ + 1}: " + ", ".join(f"{name} {runs[-1][0]:.2f} s {runs[-1][1]:.0f} MiB"
                                                  for name, runs in results.items()), file=sys.stderr)

    def ratio(name: str, base: str) -> str:
        if base not in results:
            return ""
        return f"{statistics.median(a / b for (a, *_), (b, *_) in zip(results[name], results[base])):.2f}"

    print(f"{args.size:,} agreements, {args.rounds} interleaved rounds (medians)\n")
    print("| what | median s | peak MiB | x limit script | x task import |")
    print("|---|---:|---:|---:|---:|")
    for name, runs in results.items():
        print(f"| {name} | {statistics.median(run[0] for run in runs):.2f} | {max(run[1] for run in runs):.0f} "
              f"| {ratio(name, 'limit script')} | {ratio(name, 'task import')} |")


if __name__ == "__main__":
    main()
