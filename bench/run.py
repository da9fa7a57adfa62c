"""Time tracker as whole processes at growing sizes, beside the stack's floor, a plain
sqlite3 import and Taskwarrior, and print each of issue 11's targets beside its measurement.

    .venv/bin/python bench/run.py                       # 1k, 10k, 100k and 1M; 7 runs each
    .venv/bin/python bench/run.py --quick               # 1k and 10k, 3 runs: a check in a few minutes
    .venv/bin/python bench/run.py --sizes 1000,100000 --runs 5 --scratch /tmp/bench
    .venv/bin/python bench/run.py --no-task             # without Taskwarrior
    .venv/bin/python bench/run.py --imports-only --sizes 10000,100000 --import-runs 5
                                                        # import (tracker, limit, task) and export alone
    .venv/bin/python bench/run.py --backend postgres --sizes 10000,100000 --runs 5
                                                        # the same commands on PostgreSQL beside SQLite

Everything is measured in one run, interleaved (each round runs every command at
every size once), so that a noisy shared machine slows all of them alike; the
figures that matter are the ratios, and each is the median of the ratios of one
round (a command against the floor run just before it, a size against 1k in the
same round), which cancels the drift between rounds. Each database is built
through tracker's own import path from bench/generate.py.

Imports are timed the same way: in each of --import-runs rounds, `tracker import`,
the limit script (bench/import_limit.py: plain sqlite3 writing the same database)
and Taskwarrior's `task import` of the same agreements each fill a fresh database
from the same export file, one after the other. Taskwarrior (Debian: `apt-get
install taskwarrior`) runs up to --task-max agreements, its commands in the first
--task-runs rounds; its columns stay empty where `task` is not installed. Peak
memory is each process's maximum resident set (wait4). Beside each ratio to the floor of
wall time is the same of CPU time (user and system, from wait4): on a machine shared
with other work, it moves less when the others take the cores; the verdicts are on
wall time, as the issue's targets are.

With --backend postgres (or both), run.py starts its own PostgreSQL server
(tests/pgserver.py's, in a temporary folder, reached through a Unix socket there) with
fsync, synchronous_commit and full_page_writes on, as a desk's server runs (the tests'
server turns them off), copies each size's SQLite database into a database of its own
with `tracker copy --to URL` (where that fails, says why and loads `tracker import` of
the export instead), analyzes it (as autovacuum would within a minute), and
runs every command on both, one after the other in each round. It prints a second
table: each command's median on both, the ratio PostgreSQL/SQLite (the median of the
one-round ratios), how each grows with size, and where PostgreSQL's extra time goes:
the import of its driver (psycopg) and the connection, measured each round as whole
processes (`import tracker.cli`, then also `import psycopg`, then also tracker's own
connect) and with `python -X importtime`. `postgres` measures SQLite only as far as
the comparison needs (no Taskwarrior, no limit script, one import); `both` prints the
whole SQLite table too. The server is stopped at the end, also after a failure or Ctrl-C.

A size that would not finish within --budget minutes (estimated from the sizes
before it, which grow tenfold) is skipped, and the line under the table says so.
The table is Markdown, for the README: each target of issue 11 is in the target
column, and "met?" says whether this run met it, with the figure it was judged on.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
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
LIMIT_SCRIPT = HERE / "import_limit.py"
NOW = "2025-11-29T12:00:00Z"
FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table"]
SEARCH_WORD = "Kudankulam"
TASK_OPTIONS = ["rc.confirmation=off", "rc.verbose=nothing", "rc.hooks=off", "rc.color=off"]
Measure = tuple[float, float, float]        # wall seconds, peak MiB, CPU seconds

# Issue 11's targets, as (ratio to the floor at most, peak MiB under): by command name,
# or by the start of it (the history commands).
EVERYDAY = (1.3, None)
TARGETS = {
    "report": (1.6, None),          # the text report
    "--help": (1.3, None),
    "list --help": (1.3, None),
    "history": (1.3, 60),
    # The whole log (190k changes at 100k): no time target, it is as long as the log;
    # what must hold is that it streams, memory flat.
    "history --json (every change)": (None, 60),
}
IMPORT_LIMIT_RATIO = 1.2            # at most this times the limit script
IMPORT_PEAK_MIB = 150
EXPORT_FLAT = 1.25                  # peak at most this times the smallest size's
# Issue 14: an everyday command on PostgreSQL takes at most this times SQLite's, and
# stays flat with size: at most FLAT times its time at the smallest size measured.
POSTGRES_RATIO = 1.5
FLAT = 1.25
# What grows with the log by design: the whole log, streamed.
NOT_FLAT = {"history --json (every change)"}


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
        "report": [TRACKER, "report"],
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
        "list --help": [TRACKER, "list", "--help"],
        "--version": [TRACKER, "--version"],
    }


# Where PostgreSQL's extra time goes, each as a whole process: tracker's start-up
# imports; the same and the driver's; the same and tracker's own connection (psycopg's
# connect, the session's settings, its loaders), closed at once. argv[1]: the URL.
STARTUP_STEPS = {
    "import tracker.cli": "import tracker.cli",
    "+ import psycopg": "import tracker.cli, psycopg",
    "+ connect (PostgresDialect.connect)": "import sys, tracker.cli, psycopg\n"
                                           "from tracker.store.postgres import PostgresDialect\n"
                                           "PostgresDialect(sys.argv[1]).connect().close()",
}


def within(value: float, most: float) -> bool:
    """Judged on the figure as printed, two decimals."""
    return round(value, 2) <= most


def target_of(name: str) -> tuple[float | None, float | None]:
    """The most this command may take, as a ratio to the floor, and its peak memory."""
    if name in TARGETS:
        return TARGETS[name]
    return TARGETS["history"] if name.startswith("history") else EVERYDAY


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
    print(json.dumps([elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                      os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Launcher:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, command: list[str], env: dict[str, str], allowed=(0,)) -> Measure:
        """Wall seconds, peak resident MiB and CPU seconds of one whole process."""
        self.process.stdin.write(json.dumps([command, env]) + "\n")
        self.process.stdin.flush()
        elapsed, mib, cpu, code = json.loads(self.process.stdout.readline())
        if code not in allowed:
            raise SystemExit(f"failed ({code}): {' '.join(command)}")
        return elapsed, mib, cpu


class Imports:
    """Fills fresh databases from one export file: tracker, the limit script, Taskwarrior."""

    def __init__(self, launcher: Launcher, scratch: Path, use_task: bool) -> None:
        self.launcher, self.scratch, self.use_task = launcher, scratch, use_task
        self.limit = LIMIT_SCRIPT.exists()

    def tracker(self, export: Path, db: Path, env: dict[str, str]) -> Measure:
        db.unlink(missing_ok=True)
        return self.launcher.run([TRACKER, "import", str(export)], {**env, "TRACKER_DB": str(db)})

    def limit_script(self, export: Path, db: Path, env: dict[str, str]) -> Measure:
        db.unlink(missing_ok=True)
        return self.launcher.run([sys.executable, str(LIMIT_SCRIPT), str(export), str(db)], env)

    def task(self, tasks: Path, taskdata: Path, env: dict[str, str]) -> tuple[Measure, dict[str, str]]:
        shutil.rmtree(taskdata, ignore_errors=True)
        taskdata.mkdir()
        taskrc = taskdata.with_name(taskdata.name + ".rc")
        taskrc.write_text(f"data.location={taskdata}\n")
        task_env = {**env, "TASKDATA": str(taskdata), "TASKRC": str(taskrc)}
        return self.launcher.run([shutil.which("task"), *TASK_OPTIONS, "import", str(tasks)], task_env), task_env


class Postgres:
    """A PostgreSQL server of the bench's own (tests/pgserver.py), durable as a desk's
    server is, and a database on it per size."""

    def __init__(self) -> None:
        sys.path.insert(0, str(HERE.parent / "tests"))
        import pgserver

        bindir = pgserver.find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL is not installed (initdb, pg_ctl, postgres): apt-get install postgresql")
        self.server = pgserver.PostgresServer(bindir)

    def start(self) -> None:
        self.server.start()
        # The tests' server runs without durability (throwaway data); a bench must measure
        # what a desk's server does: every commit flushed to disk before it returns.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            self.server._sql("postgres", f"ALTER SYSTEM SET {setting} = on")
        self.server._sql("postgres", "SELECT pg_reload_conf()")
        import psycopg

        deadline = time.monotonic() + 10
        while True:
            with psycopg.connect(self.server.url("postgres")) as conn:
                settings = dict(conn.execute("SELECT name, setting FROM pg_settings WHERE name IN "
                                             "('fsync', 'synchronous_commit', 'full_page_writes')").fetchall())
            if set(settings.values()) == {"on"}:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"the bench's PostgreSQL server did not turn durability on: {settings}")
            time.sleep(0.1)

    def database(self, size: int) -> str:
        return self.server.create_database(f"bench{size}")

    def analyze(self, url: str) -> None:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def stop(self) -> None:
        self.server.stop()


def psycopg_import_ms() -> float:
    """psycopg's cumulative import time after tracker.cli's, from python -X importtime (ms)."""
    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tracker.cli\nimport psycopg"],
                         capture_output=True, text=True, check=True).stderr
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].rstrip() == " psycopg":
            return int(parts[1]) / 1000
    raise SystemExit("python -X importtime did not show psycopg's import")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--import-runs", type=int, default=3, help="rounds of the imports (one above 100k)")
    parser.add_argument("--task-runs", type=int, default=3, help="rounds that run Taskwarrior too (it is slow)")
    parser.add_argument("--no-task", action="store_true")
    parser.add_argument("--task-max", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=90, help="minutes; a size that would overrun is skipped")
    parser.add_argument("--scratch", type=Path, help="where the databases go (default: a temporary folder)")
    parser.add_argument("--quick", action="store_true", help="1k and 10k, 3 runs, 2 import runs: a few minutes")
    parser.add_argument("--imports-only", action="store_true",
                        help="import (tracker, the limit script, task) and export alone, no everyday commands")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite",
                        help="postgres: the commands on PostgreSQL beside SQLite; both: the SQLite table too")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs, args.import_runs, args.task_runs = "1000,10000", 3, 2, 1
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.backend == "postgres":
        # SQLite only as far as the comparison needs.
        args.no_task, args.import_runs = True, 1
        if args.imports_only:
            parser.error("--imports-only measures SQLite's imports: use it with --backend sqlite")
    use_task = not args.no_task and shutil.which("task") is not None
    if not args.no_task and not use_task:
        print("Taskwarrior is not installed (apt-get install taskwarrior): its columns stay empty.", file=sys.stderr)
    if args.scratch:
        args.scratch.mkdir(parents=True, exist_ok=True)
    postgres = None if args.backend == "sqlite" else Postgres()
    # A kill stops the server too, as Ctrl-C does (through the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with tempfile.TemporaryDirectory(prefix="tracker-bench-", dir=args.scratch) as scratch_name:
            if postgres:
                postgres.start()
            run(args, sizes, use_task, Path(scratch_name), postgres)
    finally:
        if postgres:
            postgres.stop()


def run(args, sizes: list[int], use_task: bool, scratch: Path, postgres: Postgres | None = None) -> None:
    began = time.perf_counter()

    def say(text: str) -> None:
        print(f"{time.perf_counter() - began:6.0f} s  {text}", file=sys.stderr)

    launcher = Launcher()
    imports = Imports(launcher, scratch, use_task)
    results: dict[tuple[str, int, str], list[Measure]] = {}
    setups, skipped = [], []
    spent: dict[int, float] = {}
    for size in sizes:
        if spent:
            # Setting up a size takes about ten times the one a tenth its size; its rounds, a
            # third more.
            last = max(spent)
            estimate = spent[last] * size / last * 1.3
            left = args.budget * 60 - (time.perf_counter() - began)
            if estimate > left:
                skipped.append(f"{size:,} (about {estimate / 60:.0f} min, {left / 60:.0f} min of the "
                               f"{args.budget:.0f}-minute budget left)")
                continue
        started = time.perf_counter()
        say(f"generating {size:,} ...")
        export, tasks = scratch / f"{size}.json", scratch / f"tasks-{size}.json"
        with_task = use_task and size <= args.task_max
        with export.open("w") as out, (tasks.open("w") if with_task else open(os.devnull, "w")) as task_out:
            statuses = write_export(out, size, task_out if with_task else None)
        open_refs = [ref for ref, status in statuses.items() if status not in SETTLED]
        open_refs = open_refs[len(open_refs) // 3:][:args.runs]
        del statuses
        db = scratch / f"{size}.db"
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "TRACKER_DB": str(db),
               "TRACKER_NOW": NOW, "TZ": "UTC", "COLUMNS": "120"}
        # The databases the commands read are the first import round's.
        import_runs = args.import_runs if size <= 100_000 else 1
        task_env = None
        for round_ in range(import_runs):
            say(f"import round {round_ + 1} of {import_runs}, {size:,} ...")
            target = db if round_ == 0 else scratch / "import-round.db"
            results.setdefault(("import", size, "tracker"), []).append(imports.tracker(export, target, env))
            if imports.limit and args.backend != "postgres":
                results.setdefault(("import", size, "limit"), []).append(
                    imports.limit_script(export, scratch / "limit-round.db", env))
            if with_task:
                taskdata = scratch / (f"task-{size}" if round_ == 0 else "task-round")
                measured, this_env = imports.task(tasks, taskdata, env)
                results.setdefault(("import", size, "task"), []).append(measured)
                task_env = task_env or this_env
        pg_env = None
        if postgres:
            pg_env = {**env, "TRACKER_DB": postgres.database(size)}
            load(launcher, results, size, env, pg_env, export, say)
            postgres.analyze(pg_env["TRACKER_DB"])
        for leftover in ("import-round.db", "limit-round.db"):
            (scratch / leftover).unlink(missing_ok=True)
        shutil.rmtree(scratch / "task-round", ignore_errors=True)
        export.unlink()
        tasks.unlink(missing_ok=True)
        say(f"export {size:,} ...")
        results[("export", size, "tracker")] = [launcher.run([TRACKER, "export"], env)]
        setups.append((size, env, task_env, open_refs, pg_env))
        spent[size] = time.perf_counter() - started

    for round_ in range(0 if args.imports_only else args.runs):
        say(f"round {round_ + 1} of {args.runs} ...")
        if postgres and setups:
            url = setups[0][4]["TRACKER_DB"]
            for name, code in STARTUP_STEPS.items():
                results.setdefault(("startup", 0, name), []).append(
                    launcher.run([sys.executable, "-c", code, url], setups[0][1]))
            results.setdefault(("importtime", 0, "psycopg"), []).append((psycopg_import_ms() / 1000, 0, 0))
        for size, env, task_env, open_refs, pg_env in setups:
            results.setdefault(("floor", size, "floor"), []).append(launcher.run(FLOOR, env))
            for name, command in tracker_commands(size, round_, open_refs).items():
                results.setdefault(("tracker", size, name), []).append(launcher.run(command, env))
                if pg_env:
                    # Right after SQLite's run of it: both meet the same load.
                    results.setdefault(("postgres", size, name), []).append(launcher.run(command, pg_env))
            if task_env and round_ < args.task_runs:
                for name, command in task_commands(size, round_).items():
                    # task exits 1 when nothing matches
                    results.setdefault(("task", size, name), []).append(
                        launcher.run(command, task_env, allowed=(0, 1)))
    measured = [size for size, *_ in setups]
    if args.backend != "postgres":
        report(measured, skipped, results, imports.limit, 0 if args.imports_only else args.runs,
               time.perf_counter() - began)
    if postgres:
        if args.backend == "both":
            print()
        report_postgres(measured, skipped, results, args.runs, time.perf_counter() - began)


def report(sizes, skipped, results, have_limit, runs, elapsed) -> None:
    def median(key) -> float:
        return statistics.median(seconds for seconds, _, _ in results[key])

    def ratio(key, base, part: int = 0) -> float:
        """The median of the round-by-round ratios (rounds that both ran), of wall time
        or (part 2) of CPU time."""
        return statistics.median(a[part] / b[part] for a, b in zip(results[key], results[base]))

    def spread(key) -> str:
        values = sorted(seconds for seconds, _, _ in results[key])
        return f"{values[0] * 1000:.0f}-{values[-1] * 1000:.0f}"

    def peak(key) -> float:
        return max(mib for _, mib, _ in results[key])

    def met(ok: bool, figure: str) -> str:
        return f"{'yes' if ok else '**no**'}: {figure}"

    # No runs: the imports and exports alone (--imports-only).
    names = list(tracker_commands(sizes[0], 0, ["A1"])) if sizes and runs else []
    print(f"Medians of {runs or 'the import'} runs each, interleaved; each ratio is the median of one-round ratios "
          f"({elapsed / 60:.1f} minutes in all).\n")
    print("| size | what | median ms | min-max ms | x 1k | x floor | x floor cpu | task ms | x task | peak MiB "
          "| target | met? |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for size in sizes:
        floor = ("floor", size, "floor")
        if floor in results:
            print(f"| {size:,} | *floor: import typer, rich* | {median(floor) * 1000:.0f} | {spread(floor)} "
                  f"| | 1.00 | 1.00 | | | {peak(floor):.0f} | | |")
        for name in names:
            key, base, task = ("tracker", size, name), ("tracker", sizes[0], name), ("task", size, name)
            task_cells = f"{median(task) * 1000:.0f} | {ratio(key, task):.2f}" if task in results else " | "
            most, mib = target_of(name)
            target = ", ".join(([f"≤{most}x floor"] if most else []) + ([f"<{mib} MiB"] if mib else []))
            verdict = met((most is None or within(ratio(key, floor), most)) and (mib is None or peak(key) < mib),
                          ", ".join(([f"{ratio(key, floor):.2f}x"] if most else []) + ([f"{peak(key):.0f} MiB"] if mib else [])))
            print(f"| {size:,} | {name} | {median(key) * 1000:.0f} | {spread(key)} "
                  f"| {ratio(key, base):.2f} | {ratio(key, floor):.2f} | {ratio(key, floor, 2):.2f} | {task_cells} "
                  f"| {peak(key):.0f} | {target} | {verdict} |")
        tracker_import, limit, task = ("import", size, "tracker"), ("import", size, "limit"), ("import", size, "task")
        rounds = len(results[tracker_import])
        if have_limit:
            verdict = met(within(ratio(tracker_import, limit), IMPORT_LIMIT_RATIO),
                          f"{ratio(tracker_import, limit):.2f}x")
        else:
            verdict = "limit script missing (bench/import_limit.py)"
        print(f"| {size:,} | import ({rounds} run{'s' * (rounds != 1)}) | {median(tracker_import) * 1000:.0f} "
              f"| {spread(tracker_import)} | | | | | | {peak(tracker_import):.0f} "
              f"| ≤{IMPORT_LIMIT_RATIO}x the limit script | {verdict} |")
        if have_limit:
            print(f"| {size:,} | *limit: bench/import_limit.py* | {median(limit) * 1000:.0f} | {spread(limit)} "
                  f"| | | | | | {peak(limit):.0f} | | |")
        if task in results:
            print(f"| {size:,} | import vs `task import` | | | | | | {median(task) * 1000:.0f} "
                  f"| {ratio(tracker_import, task):.2f} | {peak(task):.0f} | faster than `task import` "
                  f"| {met(ratio(tracker_import, task) < 1, f'{ratio(tracker_import, task):.2f}x')} |")
        print(f"| {size:,} | import peak memory | | | | | | | | {peak(tracker_import):.0f} | <{IMPORT_PEAK_MIB} MiB "
              f"| {met(peak(tracker_import) < IMPORT_PEAK_MIB, f'{peak(tracker_import):.0f} MiB')} |")
        export, smallest = ("export", size, "tracker"), ("export", sizes[0], "tracker")
        growth = peak(export) / peak(smallest)
        print(f"| {size:,} | export (1 run) | {median(export) * 1000:.0f} | | | | | | | {peak(export):.0f} "
              f"| memory flat: ≤{EXPORT_FLAT}x the peak at {sizes[0]:,} "
              f"| {met(within(growth, EXPORT_FLAT), f'{growth:.2f}x')} |")
    print()
    print(f"Sizes measured: {', '.join(f'{size:,}' for size in sizes) or 'none'}; "
          f"skipped: {'; '.join(skipped) or 'none'}.")



def load(launcher, results, size, env, pg_env, export, say) -> None:
    """Fills the size's PostgreSQL database from the SQLite one: `tracker copy --to`, or
    where that fails (it then leaves the target empty), `tracker import` of the export."""
    # A copy that failed at one size (after copying it all: the check is last) is not
    # tried again at the larger ones.
    if not any(key[0] == "copy failed" for key in results):
        say(f"tracker copy --to PostgreSQL, {size:,} ...")
        started = time.perf_counter()
        copied = subprocess.run([TRACKER, "copy", "--to", pg_env["TRACKER_DB"]], env=env, capture_output=True,
                                text=True)
        if copied.returncode == 0:
            results[("load", size, "tracker copy --to PostgreSQL (1 run, wall time only)")] = [
                (time.perf_counter() - started, 0.0, 0.0)]
            return
        why = (copied.stderr.strip().splitlines() or ["no message"])[-1]
        say(f"tracker copy --to failed ({why}); loading with tracker import of the export instead")
        results[("copy failed", 0, why)] = []
    else:
        say(f"tracker import into PostgreSQL, {size:,} ...")
    results[("load", size, "tracker import into PostgreSQL (1 run; tracker copy --to failed)")] = [
        launcher.run([TRACKER, "import", str(export)], pg_env)]


def report_postgres(sizes, skipped, results, runs, elapsed) -> None:
    """The commands on PostgreSQL beside SQLite: issue 14's speed requirement."""
    def median(key, part: int = 0) -> float:
        return statistics.median(measure[part] for measure in results[key])

    def ratio(key, base) -> float:
        """The median of the one-round ratios of wall time."""
        return statistics.median(a[0] / b[0] for a, b in zip(results[key], results[base]))

    def difference_ms(key, base) -> float:
        """The median of the one-round differences of wall time (ms)."""
        return statistics.median((a[0] - b[0]) * 1000 for a, b in zip(results[key], results[base]))

    def peak(key) -> float:
        return max(mib for _, mib, _ in results[key])

    def verdict(ok: bool, figure: str) -> str:
        return f"{'yes' if ok else '**no**'}: {figure}"

    load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
    print(f"PostgreSQL beside SQLite: medians of {runs} runs each, interleaved (each command on SQLite, then "
          f"on PostgreSQL); each ratio is the median of one-round ratios ({elapsed / 60:.1f} minutes in all; "
          f"load average at the end {load} on {os.cpu_count()} cores).\n")
    print(f"| size | command | SQLite ms | PostgreSQL ms | PG/SQLite | PG-SQLite ms | SQLite x {sizes[0]:,} "
          f"| PG x {sizes[0]:,} | SQLite peak MiB | PG peak MiB | ≤{POSTGRES_RATIO}x SQLite? | flat with size? |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    names = list(tracker_commands(sizes[0], 0, ["A1"])) if sizes and runs else []
    for size in sizes:
        for name in names:
            sqlite, pg = ("tracker", size, name), ("postgres", size, name)
            sqlite_base, pg_base = ("tracker", sizes[0], name), ("postgres", sizes[0], name)
            growth = ratio(pg, pg_base)
            if name in NOT_FLAT:
                flat = "n/a: the whole log, streamed"
            elif size == sizes[0]:
                flat = ""
            else:
                flat = verdict(within(growth, FLAT), f"{growth:.2f}x")
            print(f"| {size:,} | {name} | {median(sqlite) * 1000:.0f} | {median(pg) * 1000:.0f} "
                  f"| {ratio(pg, sqlite):.2f} | {difference_ms(pg, sqlite):.0f} | {ratio(sqlite, sqlite_base):.2f} "
                  f"| {growth:.2f} | {peak(sqlite):.0f} | {peak(pg):.0f} "
                  f"| {verdict(within(ratio(pg, sqlite), POSTGRES_RATIO), f'{ratio(pg, sqlite):.2f}x')} | {flat} |")
        for key in results:
            if key[:2] == ("load", size):
                print(f"| {size:,} | {key[2]} | | {median(key) * 1000:.0f} | | | | | | {f'{peak(key):.0f}' if peak(key) else ''} | | |")
    steps = [("startup", 0, name) for name in STARTUP_STEPS]
    if runs and steps[0] in results:
        print()
        print("Where PostgreSQL's extra time goes, as whole processes in the same rounds (medians; each step's "
              "cost is the median of its one-round differences from the step before):\n")
        print("| step | median ms | cost of the step ms | peak MiB |")
        print("|---|---:|---:|---:|")
        for before, step in zip([None, *steps], steps):
            cost = f"{difference_ms(step, before):.0f}" if before else ""
            print(f"| `python -c` {step[2]} | {median(step) * 1000:.0f} | {cost} | {peak(step):.0f} |")
        importtime = ("importtime", 0, "psycopg")
        print(f"| psycopg's import alone, `python -X importtime` (cumulative, after tracker.cli) "
              f"| {median(importtime) * 1000:.0f} | | |")
    for key in results:
        if key[0] == "copy failed":
            print(f"\n`tracker copy --to` failed ({key[2]}): the PostgreSQL databases were loaded with "
                  "`tracker import` of the export instead.")
    print()
    print(f"Sizes measured: {', '.join(f'{size:,}' for size in sizes) or 'none'}; "
          f"skipped: {'; '.join(skipped) or 'none'}.")


if __name__ == "__main__":
    main()
