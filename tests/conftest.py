"""Shared fixtures: a temporary database, a fixed clock and zone, and a way to run tracker."""

from __future__ import annotations

import ast
import itertools
import json
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app

# The PostgreSQL server the tests start themselves (tests/pgserver.py): a fixture
# made known to every test file by being named here.
import pgserver

postgres_server, postgres_url = pgserver.postgres_server, pgserver.postgres_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = FIXTURES / "seed-2025-11-29.json"
NEWS = FIXTURES / "news-2025-12.json"
# The installed command, next to the interpreter running the tests.
TRACKER_BIN = Path(sys.executable).parent / "tracker"

# The backends the CLI tests run against: `pytest --backend=sqlite|postgres|both`, or
# TRACKER_TEST_BACKEND (the Makefile's TEST_BACKEND) when the option is not given.
BACKENDS = ("sqlite", "postgres")
DEFAULT_BACKEND = "sqlite"
# Tests about the SQLite file itself (its bytes, WAL, damage, backup of the file, kills
# mid-write, `serve`) carry @pytest.mark.sqlite_only and are skipped on PostgreSQL. Each
# one is a behaviour the desk's backend is not tested for, so the list may only shrink:
# tests/test_harness.py fails when it grows past this number (raise it knowingly).
SQLITE_ONLY_LIMIT = 74
# PostgreSQL: each test gets a copy of this database, which holds schema.pg.sql.
POSTGRES_TEMPLATE = "tracker_template"
# Who the tests' changes are `by`: TRACKER_USER on SQLite, the role logged in as on PostgreSQL.
TEST_AUTHOR = "analyst"
SCHEMA_PG = Path(__file__).resolve().parent.parent / "schema.pg.sql"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Tracker:
    """Runs tracker's CLI in-process against one database, with the clock fixed: a SQLite
    file (a Path) or a PostgreSQL database (its postgresql:// URL, a str)."""

    def __init__(self, db: Path | str):
        self.db = db
        self.backend = "postgres" if str(db).startswith(("postgresql://", "postgres://")) else "sqlite"
        self.runner = CliRunner()
        self.env = {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z",
                    "TRACKER_TZ": "Europe/Brussels", "NO_COLOR": None, "FORCE_COLOR": None,
                    "COLUMNS": "200", "TRACKER_USER": TEST_AUTHOR}     # who changes are `by`: not the machine's user

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Run:
        result = self.runner.invoke(app, list(args), env={**self.env, **env}, input=input,
                                    catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **env) -> Run:
        run = self(*args, **env)
        assert run.code == 0, f"tracker {' '.join(args)} failed ({run.code}): {run.stderr}"
        return run

    def execute(self, sql: str, params: tuple = ()) -> None:
        """One statement (`?` placeholders) run on this database behind tracker's back, as
        an older tracker or another program would have written it: sqlite3, or psycopg
        in the schema `tracker`, by backend; committed."""
        if self.backend == "postgres":
            import psycopg

            from tracker.store.postgres import SCHEMA, placeholders

            with psycopg.connect(str(self.db), autocommit=True, options=f"-c search_path={SCHEMA}") as conn:
                conn.execute(placeholders(sql), params)
            return
        conn = sqlite3.connect(self.db)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def dump(self, shape: bool = True) -> list[tuple]:
        """Every row of every tracker table, to compare before and after a command:
        per table ("table", column names) then ("table", *values) in primary-key order,
        columns by name, values as int, float, str or None, so that the same data
        gives the same rows on SQLite and on PostgreSQL. With `shape` (the default)
        the engine's own objects follow (its tables, indexes, triggers and schema
        version), so that a command that left a trigger dropped is caught too; those
        differ between engines: compare across engines with shape=False."""
        if self.backend == "postgres":
            return _postgres_dump(str(self.db), shape)
        conn = sqlite3.connect(self.db)
        try:
            return _sqlite_dump(conn, shape)
        finally:
            conn.close()


def _sqlite_dump(conn: sqlite3.Connection, shape: bool) -> list[tuple]:
    objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    virtual = {name for kind, name, _, sql in objects if kind == "table" and sql and sql.startswith("CREATE VIRTUAL")}
    # FTS5's tables (item_search and its shadows _data, _idx, _docsize, _config) are the
    # engine's search index, not tracker's data: with the shape below.
    tables = [name for kind, name, _, _ in objects if kind == "table" and not name.startswith("sqlite_")
              and not any(name == vt or name.startswith(f"{vt}_") for vt in virtual)]
    rows = [row for table in sorted(tables) for row in _sqlite_rows(conn, table)]
    if shape:
        rows.append(("-- version", conn.execute("PRAGMA user_version").fetchone()[0]))
        rows += [("-- object", *row) for row in objects]
        for table in sorted(virtual):
            rows += [("-- index", *row) for row in _sqlite_rows(conn, table, rowid=True)]
    return rows


def _sqlite_rows(conn: sqlite3.Connection, table: str, rowid: bool = False) -> list[tuple]:
    info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    columns = sorted(f'"{column[1]}"' for column in info)
    keys = [f'"{column[1]}"' for column in sorted(info, key=lambda c: c[5]) if column[5]]
    if rowid:
        columns, keys = ["rowid", *columns], ["rowid"]
    order = ", ".join(keys or columns)
    return [(table, tuple(column.strip('"') for column in columns)),
            *((table, *row) for row in conn.execute(f'SELECT {", ".join(columns)} FROM "{table}" ORDER BY {order}'))]


def _postgres_dump(url: str, shape: bool) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        # Base tables of the schema `tracker`, with their columns (generated search
        # vectors aside: the engine's index, as FTS5's shadow tables are on SQLite).
        columns_of: dict[str, list[str]] = {}
        for table, column in conn.execute(
                "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE n.nspname = 'tracker' AND c.relkind IN ('r', 'p') AND a.atttypid <> 'tsvector'::regtype "
                "ORDER BY c.relname, a.attname"):
            columns_of.setdefault(table, []).append(column)
        # The schema version is the engine's bookkeeping (SQLite: PRAGMA user_version),
        # the search index its own (SQLite: FTS5); neither is compared across engines.
        columns_of.pop("tracker_schema", None)
        search = {"item_search": columns_of.pop("item_search")} if "item_search" in columns_of else {}
        keys_of: dict[str, list[str]] = {}
        for table, column in conn.execute(
                "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace, "
                "unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) "
                "JOIN pg_attribute a ON a.attnum = k.attnum "
                "WHERE i.indisprimary AND n.nspname = 'tracker' AND a.attrelid = c.oid ORDER BY c.relname, k.position"):
            keys_of.setdefault(table, []).append(column)
        def table_rows(table: str, columns: list[str]) -> list[tuple]:
            order = ", ".join(f'"{key}"' for key in keys_of.get(table) or columns)
            selected = ", ".join(f'"{column}"' for column in columns)
            return [(table, tuple(columns)), *((table, *row) for row in conn.execute(
                f'SELECT {selected} FROM tracker."{table}" ORDER BY {order}'))]

        rows = [row for table, columns in sorted(columns_of.items()) for row in table_rows(table, columns)]
        if shape:
            rows += [("-- index", *row) for table, columns in search.items() for row in table_rows(table, columns)]
            rows += [("-- version", *row) for row in conn.execute("SELECT version FROM tracker.tracker_schema")]
            rows += [("-- object", *row) for row in conn.execute(
                "SELECT 'column', table_name, column_name, data_type || ' ' || is_nullable || ' ' "
                "|| coalesce(column_default, '') FROM information_schema.columns WHERE table_schema = 'tracker' "
                "UNION ALL SELECT 'index', tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'tracker' "
                "UNION ALL SELECT 'trigger', c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'tracker' AND NOT t.tgisinternal "
                "UNION ALL SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE connamespace = 'tracker'::regnamespace ORDER BY 1, 2, 3")]
    return rows


def chosen_backends(config: pytest.Config) -> tuple[str, ...]:
    name = config.getoption("backend") or os.environ.get("TRACKER_TEST_BACKEND") or DEFAULT_BACKEND
    if name == "both":
        return BACKENDS
    if name not in BACKENDS:
        raise pytest.UsageError(f"--backend (or TRACKER_TEST_BACKEND) is {name!r}: choose sqlite, postgres or both")
    return (name,)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=("sqlite", "postgres", "both"), default=None,
                     help="the database the CLI tests run against (default: $TRACKER_TEST_BACKEND, else sqlite)")


def pytest_configure(config: pytest.Config) -> None:
    chosen_backends(config)
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself; skipped on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test built on the `tracker` fixture (seeded, summit, ...) runs once per chosen
    # backend, ids [sqlite]/[postgres]; on SQLite alone nothing is parametrised, as before.
    backends = chosen_backends(metafunc.config)
    chosen_by_test = any("backend" in str(mark.args[0]) for mark in metafunc.definition.iter_markers("parametrize"))
    if "backend" in metafunc.fixturenames and backends != (DEFAULT_BACKEND,) and not chosen_by_test:
        metafunc.parametrize("backend", backends, indirect=True)


def sqlite_only_tests(folder: Path = Path(__file__).resolve().parent) -> list[str]:
    """The tests marked sqlite_only (module::function), read from the source, so that
    the count does not depend on which tests a run selected."""
    def marked(decorators) -> bool:
        return any("sqlite_only" in ast.unparse(decorator) for decorator in decorators)

    found = []
    for path in sorted(folder.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        whole = any(isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
                    and "sqlite_only" in ast.unparse(node.value) for node in tree.body)
        scopes = [(tree.body, whole)] + [(node.body, whole or marked(node.decorator_list))
                                          for node in tree.body if isinstance(node, ast.ClassDef)]
        for body, inherited in scopes:
            found += [f"{path.name}::{node.name}" for node in body
                      if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                      and (inherited or marked(node.decorator_list))]
    return found


def pytest_report_header(config: pytest.Config) -> str:
    backends = chosen_backends(config)
    line = f"tracker backends: {', '.join(backends)}"
    if "postgres" in backends:
        line += f"; sqlite_only tests: {len(sqlite_only_tests())} (limit {SQLITE_ONLY_LIMIT})"
    return line


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under the test's `tracker`: sqlite, or postgres with --backend."""
    name = getattr(request, "param", DEFAULT_BACKEND)
    if name == "postgres" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about the SQLite file itself (sqlite_only)")
    return name


@pytest.fixture(scope="session")
def postgres_template(postgres_server: pgserver.PostgresServer) -> str:
    """A database holding tracker's PostgreSQL schema, made once per run, for the
    tests' databases to be copied from (CREATE DATABASE ... TEMPLATE)."""
    import psycopg

    from tracker.store import open_store

    postgres_server.create_database(POSTGRES_TEMPLATE)
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        # The tests' author: the role whose name TRACKER_USER gives on SQLite, so that
        # `by` (the role, on PostgreSQL) reads the same on both engines.
        conn.execute(f'CREATE ROLE "{TEST_AUTHOR}" SUPERUSER LOGIN')
    # Made by tracker itself, as a desk's first run makes it (the schema and the record of
    # its triggers); closed before any copy: PostgreSQL copies a template no one is connected to.
    open_store(postgres_server.url(POSTGRES_TEMPLATE, TEST_AUTHOR)).close()
    return POSTGRES_TEMPLATE


_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_admin(postgres_server: pgserver.PostgresServer):
    """One connection for the whole run that makes and drops the tests' databases."""
    import psycopg

    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        yield conn


@pytest.fixture
def postgres_database(postgres_server, postgres_template: str, postgres_admin) -> str:
    """A fresh database for one test, a copy of the template; its URL. Dropped after
    the test (a copy is ~7 MB: a whole run's would fill gigabytes)."""
    name = f"t_{next(_database_numbers)}"
    postgres_admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"')
    yield postgres_server.url(name, TEST_AUTHOR)
    # FORCE: a test's own tracker processes may still hold a connection.
    postgres_admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def another_tracker(tmp_path: Path, backend: str, request: pytest.FixtureRequest):
    """Makes further empty databases on the test's backend (a second SQLite file, or a
    second copy of the PostgreSQL template, dropped after the test): another desk's log
    to import into or to compare with. `another_tracker()` gives a Tracker on one."""
    made, numbers = [], itertools.count(1)

    def make() -> Tracker:
        if backend == "postgres":
            server = request.getfixturevalue("postgres_server")
            admin = request.getfixturevalue("postgres_admin")
            name = f"t_{next(_database_numbers)}"
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("postgres_template")}"')
            made.append(name)
            return Tracker(server.url(name, TEST_AUTHOR))
        return Tracker(tmp_path / f"another-{next(numbers)}.db")

    yield make
    for name in made:
        request.getfixturevalue("postgres_admin").execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str, request: pytest.FixtureRequest) -> Tracker:
    for variable in ("TRACKER_DB", "TRACKER_NOW", "TRACKER_TZ", "TZ", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(variable, raising=False)
    if backend == "postgres":
        return Tracker(request.getfixturevalue("postgres_database"))
    return Tracker(tmp_path / "tracker.db")


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    """The seed case of 29 November 2025."""
    tracker.ok("import", str(SEED))
    return tracker


@pytest.fixture
def summit(tracker: Tracker) -> Tracker:
    """A small case built through the CLI: the summit, its banquet, two agreements."""
    tracker.ok("add", "event", "23rd India-Russia Annual Summit", "--kind", "summit",
               "--start", "2025-12-04", "--end", "2025-12-05", "--tz", "Asia/Kolkata",
               "--location", "New Delhi, India", "--party", "India", "--party", "Russia",
               "--status", "confirmed")
    tracker.ok("add", "event", "State banquet", "--kind", "ceremony", "--start", "2025-12-05",
               "--in", "E1", "--party", "India", "--party", "Russia")
    tracker.ok("add", "agreement", "Labour mobility pact", "--event", "E1", "--kind", "pact",
               "--sector", "Labour", "--party", "India", "--party", "Russia", "--status", "expected",
               "--source", "https://example.org/seed", "--note", "expected to be signed")
    tracker.ok("add", "agreement", "Additional S-400 systems", "--event", "E1", "--kind", "deal",
               "--sector", "defence", "--party", "India", "--party", "Russia", "--status", "negotiating")
    return tracker
