"""What a PostgreSQL backend would cost an everyday command, against SQLite (issue 14).

Starts its own server (tests/pgserver.py) and measures, interleaved, medians:
- the import of psycopg on top of tracker's own start-up imports (python -X importtime);
- whole processes: tracker's imports plus one indexed read, through sqlite3, psycopg,
  and libpq called through ctypes (the floor of a driver: no Python driver imported);
- a connection over the Unix socket, and one indexed SELECT in a warm connection.

    .venv/bin/python bench/pg_measure.py [--rounds 15] [--rows 100000]

Timings on a shared machine are noisy: read the ratios, which are taken within one run.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pgserver  # noqa: E402

PYTHON = sys.executable
ONE = "SELECT title FROM items WHERE type = {p} AND num = {p}"

SQLITE_READ = f"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1]); conn.execute("PRAGMA user_version").fetchone()
conn.execute("{ONE.format(p='?')}", ("event", 5)).fetchone()
"""
PSYCOPG_READ = f"""
import psycopg, sys
with psycopg.connect(sys.argv[1]) as conn:
    conn.execute("{ONE.format(p='%s')}", ("event", 5), prepare=False).fetchone()
"""
# libpq's C API through ctypes: what a command would cost with no Python driver to import.
LIBPQ_READ = """
import ctypes, sys
lib = ctypes.CDLL("libpq.so.5")
lib.PQconnectdb.restype = ctypes.c_void_p
lib.PQconnectdb.argtypes = [ctypes.c_char_p]
lib.PQstatus.argtypes = [ctypes.c_void_p]
lib.PQexecParams.restype = ctypes.c_void_p
lib.PQexecParams.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_char_p), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
lib.PQgetvalue.restype = ctypes.c_char_p
lib.PQgetvalue.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
lib.PQclear.argtypes = [ctypes.c_void_p]
lib.PQfinish.argtypes = [ctypes.c_void_p]
conn = lib.PQconnectdb(sys.argv[1].encode())
assert lib.PQstatus(conn) == 0
params = (ctypes.c_char_p * 2)(b"event", b"5")
result = lib.PQexecParams(conn, b"SELECT title FROM items WHERE type = $1 AND num = $2", 2, None, params, None, None, 0)
assert lib.PQgetvalue(result, 0, 0)
lib.PQclear(result)
lib.PQfinish(conn)
"""


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def import_ms(module: str, after: str) -> float:
    """Cumulative import time of `module` when `after` was imported first (ms)."""
    err = subprocess.run([PYTHON, "-X", "importtime", "-c", f"{after}\nimport {module}"],
                         capture_output=True, text=True, check=True).stderr
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].rstrip() == f" {module}":
            return int(parts[1]) / 1000
    return 0.0


def build(url: str, sqlite_path: str, rows: int) -> None:
    import psycopg

    items = [(i, "event", i, f"Summit {i}") for i in range(1, rows + 1)]
    conn = sqlite3.connect(sqlite_path)
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, type TEXT, num INTEGER, title TEXT, UNIQUE (type, num))")
    conn.executemany("INSERT INTO items VALUES (?, ?, ?, ?)", items)
    conn.commit()
    conn.close()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE TABLE items (id bigint PRIMARY KEY, type text, num integer, title text, UNIQUE (type, num))")
        with pg.cursor().copy("COPY items FROM STDIN") as copy:
            for item in items:
                copy.write_row(item)
        pg.execute("VACUUM ANALYZE items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    import psycopg

    imports = {"psycopg": [], "sqlite3": []}
    for _ in range(args.rounds):
        imports["psycopg"].append(import_ms("psycopg", "import tracker.cli"))
        imports["sqlite3"].append(import_ms("sqlite3", "pass"))
    print(f"import psycopg after tracker.cli: {statistics.median(imports['psycopg']):.1f} ms; "
          f"import sqlite3 alone: {statistics.median(imports['sqlite3']):.1f} ms (tracker.cli imports it already)")

    with pgserver.PostgresServer(pgserver.find_bindir()) as server, tempfile.TemporaryDirectory() as scratch:
        url, sqlite_path = server.url(), os.path.join(scratch, "items.db")
        build(url, sqlite_path, args.rows)
        commands = {
            "tracker.cli imports only": ([PYTHON, "-c", "import tracker.cli"], None),
            "+ sqlite3 read": ([PYTHON, "-c", "import tracker.cli\n" + SQLITE_READ, sqlite_path], None),
            "+ psycopg read": ([PYTHON, "-c", "import tracker.cli\n" + PSYCOPG_READ, url], None),
            "+ libpq (ctypes) read": ([PYTHON, "-c", "import tracker.cli\n" + LIBPQ_READ, url], None),
        }
        times = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, (command, _) in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True)
                times[name].append(time.perf_counter() - start)
        base = median_ms(times["+ sqlite3 read"])
        print(f"whole processes, {args.rows} rows:")
        for name, samples in times.items():
            print(f"  {name:26s} {median_ms(samples):6.0f} ms  x{median_ms(samples) / base:.2f} of the SQLite one")

        connect, opened, pg_one, pg_prepared, sq_one = [], [], [], [], []
        for _ in range(100):
            start = time.perf_counter()
            psycopg.connect(url).close()
            connect.append(time.perf_counter() - start)
            start = time.perf_counter()
            conn = sqlite3.connect(sqlite_path)
            conn.execute("PRAGMA user_version").fetchone()
            opened.append(time.perf_counter() - start)
            conn.close()
        print(f"connect: PostgreSQL over the socket {median_ms(connect):.2f} ms, SQLite open {median_ms(opened):.2f} ms")
        pg, sq = psycopg.connect(url, autocommit=True), sqlite3.connect(sqlite_path)
        for k in range(2000):
            num = 1 + (k * 7919) % args.rows
            for samples, run in ((pg_one, lambda: pg.execute(ONE.format(p="%s"), ("event", num), prepare=False)),
                                 (pg_prepared, lambda: pg.execute(ONE.format(p="%s"), ("event", num), prepare=True)),
                                 (sq_one, lambda: sq.execute(ONE.format(p="?"), ("event", num)))):
                start = time.perf_counter()
                run().fetchone()
                samples.append(time.perf_counter() - start)
        pg.close()
        sq.close()
        print(f"one row by a unique index: PostgreSQL {median_ms(pg_one) * 1000:.0f} us "
              f"(prepared {median_ms(pg_prepared) * 1000:.0f} us), SQLite {median_ms(sq_one) * 1000:.0f} us")


if __name__ == "__main__":
    main()
