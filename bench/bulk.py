"""Bulk writes on both engines: `tracker import` and `tracker copy` (both directions),
at growing sizes, for one tracker or several side by side.

    .venv/bin/python bench/bulk.py --sizes 10000,100000 --runs 3 --scratch /tmp/bench
    .venv/bin/python bench/bulk.py --tracker before=/tmp/old/tracker --tracker after=.venv/bin/tracker

Starts its own PostgreSQL server (bench/run.py's: fsync, synchronous_commit and
full_page_writes on, as a desk's server runs). Each round runs, for every tracker
given, one after the other (interleaved, so that a noisy machine slows all alike):
an import of the export into a fresh SQLite file and into a fresh PostgreSQL
database, `tracker copy --to` from that SQLite file into another fresh PostgreSQL
database, and `tracker copy --from` that PostgreSQL database into a fresh file. It
prints each one's median wall time, peak memory and CPU, and with several trackers
the median of the one-round ratios of each to the first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import write_export  # noqa: E402
from run import NOW, TRACKER, Launcher, Postgres  # noqa: E402

STEPS = ("import SQLite", "import PostgreSQL", "copy SQLite -> PostgreSQL", "copy PostgreSQL -> SQLite")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scratch", type=Path, help="where the files go (default: a temporary folder)")
    parser.add_argument("--tracker", action="append", default=[], metavar="LABEL=PATH",
                        help="a tracker to measure (repeat to compare; the first is the base of the ratios)")
    parser.add_argument("--steps", default=",".join(str(n) for n in range(len(STEPS))),
                        help=f"which of {', '.join(f'{n}: {s}' for n, s in enumerate(STEPS))}")
    args = parser.parse_args()
    trackers = [tuple(given.split("=", 1)) for given in args.tracker] or [("tracker", TRACKER)]
    steps = [STEPS[int(n)] for n in args.steps.split(",")]
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="tracker-bulk-"))
    scratch.mkdir(parents=True, exist_ok=True)
    postgres = Postgres()
    postgres.start()
    launcher = Launcher()
    results: dict[tuple, list] = {}
    databases = 0

    def fresh_url() -> str:
        nonlocal databases
        databases += 1
        return postgres.database(databases)

    try:
        for size in (int(s) for s in args.sizes.split(",")):
            export = scratch / f"bulk-{size}.json"
            with export.open("w") as out:
                write_export(out, size)
            for round_ in range(args.runs):
                for label, tracker in trackers:
                    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(scratch), "TRACKER_NOW": NOW,
                           "TZ": "UTC", "COLUMNS": "120"}
                    db = scratch / f"bulk-{label}.db"
                    back = scratch / f"bulk-{label}-back.db"
                    for path in (db, back):
                        for suffix in ("", "-wal", "-shm"):
                            Path(f"{path}{suffix}").unlink(missing_ok=True)
                    runs = {
                        "import SQLite": ([tracker, "--db", str(db), "import", str(export)], True),
                        "import PostgreSQL": ([tracker, "--db", fresh_url(), "import", str(export)], False),
                    }
                    if "import SQLite" not in steps:
                        launcher.run(runs["import SQLite"][0], env)
                    copied = fresh_url()
                    runs["copy SQLite -> PostgreSQL"] = ([tracker, "--db", str(db), "copy", "--to", copied], False)
                    runs["copy PostgreSQL -> SQLite"] = ([tracker, "--db", str(back), "copy", "--from", copied], False)
                    for step in STEPS:
                        if step in steps or step == "copy SQLite -> PostgreSQL" and "copy PostgreSQL -> SQLite" in steps:
                            measured = launcher.run(runs[step][0], env)
                            if step in steps:
                                results.setdefault((size, step, label), []).append(measured)
                                print(f"{size:>7,} round {round_ + 1} {label:>8}: {step:<26} {measured[0]:7.1f} s "
                                      f"{measured[1]:5.0f} MiB", file=sys.stderr, flush=True)
            export.unlink()
    finally:
        postgres.stop()
    print("| size | step | tracker | wall s (median) | peak MiB | CPU s |" + (" ÷ first |" if len(trackers) > 1 else ""))
    print("|---|---|---|---|---|---|" + ("---|" if len(trackers) > 1 else ""))
    base_label = trackers[0][0]
    for (size, step, label), measures in results.items():
        line = (f"| {size:,} | {step} | {label} | {statistics.median(m[0] for m in measures):.1f} | "
                f"{statistics.median(m[1] for m in measures):.0f} | {statistics.median(m[2] for m in measures):.1f} |")
        if len(trackers) > 1:
            base = results[(size, step, base_label)]
            line += f" {statistics.median(m[0] / b[0] for m, b in zip(measures, base)):.3f} |"
        print(line)


if __name__ == "__main__":
    main()
