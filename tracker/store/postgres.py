"""PostgreSQL under tracker's store: a desk's shared log on a server (--db postgresql://...).

psycopg is imported here only, and only when a connection is made: SQLite users never
pay for it (it costs more to import than the whole of tracker's own start-up, see
notes/pg-design.md section 9).

The connection takes tracker's SQL as the concerns write it for SQLite (`?` and
`:name`), in autocommit mode, so that "BEGIN", "COMMIT" and "ROLLBACK" executed as
statements bound transactions exactly as they do on SQLite. Every session works in
the schema `tracker` (search_path) and waits at most BUSY_TIMEOUT_MS for a lock.
Writers queue on one advisory lock (begin_write), as SQLite's writers queue on its
write lock: max(num) + 1 stays the next ref, gap-free, whoever else is writing.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import quote, unquote

from tracker.errors import BadArgument, TrackerError
from tracker.model import is_url
from tracker.store.dialect import Dialect, count_agreements, quoted

SCHEMA = "tracker"
# The key of the advisory lock every write transaction of tracker takes first: "tracker"
# in ASCII, read as a number. Advisory locks are per database, so two desks' databases on
# one server never wait for each other; another application would have to pick this very
# number to meet it.
WRITE_LOCK_KEY = int.from_bytes(b"tracker", "big")
# Seconds a connection attempt may take (libpq waits for ever by default), unless the URL
# or PGCONNECT_TIMEOUT says otherwise.
CONNECT_TIMEOUT_S = 10
# The server's passing refusals of a new connection, tried again before giving up: starting
# up or in recovery (cannot_connect_now), no connection slot free (too_many_connections).
RETRIED = ("57P03", "53300")
# For how long at most (less if the connect timeout is shorter), and the first pause.
RETRY_S = 5
RETRY_FIRST_PAUSE_S = 0.05
# Rows a stream (PostgresConnection.stream) fetches from the server at a time: what the
# client holds of a large read, however large; one round trip each.
STREAM_ROWS = 500
# Names of the streams' cursors, unique in a session (two may be open at once).
_stream_numbers = itertools.count(1)

# tracker's own triggers as they are now: for each (in name order) its name, whether it
# is enabled (pg_trigger.tgenabled: 'O', or 'D' once disabled) and an md5 of its
# definition and of its function's body (CREATE OR REPLACE FUNCTION changes no trigger).
# Stored in tracker_schema when tracker makes or migrates the schema; compared on open.
_SAFEGUARDS = (
    "(SELECT string_agg(t.tgname || ' ' || t.tgenabled::text || ' ' || md5(pg_get_triggerdef(t.oid) || p.prosrc), "
    "',' ORDER BY t.tgname) "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    f"JOIN pg_proc p ON p.oid = t.tgfoid WHERE n.nspname = '{SCHEMA}' AND NOT t.tgisinternal)")
# What every command asks on open, in one round trip: the version, and the safeguards as
# recorded and as they are.
_OPENING = f"SELECT version, safeguards, {_SAFEGUARDS} FROM {SCHEMA}.tracker_schema"


class PostgresDialect(Dialect):
    """A database on a PostgreSQL server, named by a postgresql:// or postgres:// URL
    (a socket: postgresql:///desk?host=/var/run/postgresql). The password comes from
    wherever libpq finds it: the URL, PGPASSWORD, ~/.pgpass."""

    name = "postgres"

    def __init__(self, url: str):
        if not is_url(url):
            raise BadArgument("a PostgreSQL database is named by a URL that starts with postgresql:// "
                              "(postgresql://user@host/database)")
        self.url = url
        self.where, self._secrets = _without_password(url)
        # The role logged in as, once connected (named in the refusal of a write).
        self.role: str | None = _url_user(url)
        # The folder of PostgreSQL's schema steps (tracker/migrations/postgres/00NN-*.sql).
        self.migrations = None
        # What the version read on open found of the safeguards, for changed_safeguards()
        # to use without a second round trip: (connection, recorded, present).
        self._opened: tuple | None = None
        # How long connect() tried again before giving up, for the error to say (None: it did not).
        self._retried_s: float | None = None

    # -- errors --------------------------------------------------------------------

    @property
    def Error(self) -> type[Exception]:
        return _driver_error("Error")

    @property
    def IntegrityError(self) -> tuple[type[Exception], ...]:
        # A row refused by a key, UNIQUE or CHECK, or by one of tracker's triggers (RAISE
        # EXCEPTION: SQLSTATE P0001), which SQLite's RAISE(ABORT) reports as an integrity
        # error too: every `except dialect.IntegrityError` meets both, on both engines.
        refused = _driver_error("IntegrityError")
        return (refused, _driver_error("errors").RaiseException) if refused is not _NoDriver else (_NoDriver,)

    def trouble(self, error: Exception, writing: bool = False) -> TrackerError:
        message = self._scrub(str(error))
        state = getattr(error, "sqlstate", None) or _connection_state(message)
        where = self.where
        unchanged = "nothing was changed; " if writing else ""
        if state == "28P01":
            return TrackerError(f"the database server refused the login of {self._who()} to {where}: the password "
                                "is wrong or missing; give it in PGPASSWORD or ~/.pgpass (not in the URL, which "
                                "others may see)")
        if state == "28000":
            return TrackerError(f"the database server refused the login of {self._who()} to {where} ({message}): "
                                "ask its administrator for a role, or give another user in the URL")
        if state == "3D000":
            named = re.search(r'database "([^"]*)" does not exist', message)
            database = named.group(1) if named else "named in the URL"
            return TrackerError(f"the database server has no database {database} ({where}): create it "
                                f"(createdb {database}), or give another URL with --db or TRACKER_DB")
        retried = f", still after {self._retried_s:.0f} s of tries" if self._retried_s else ""
        if state in ("57P01", "57P02", "57P03"):
            return TrackerError(f"the database server of {where} is shutting down, starting up or in recovery ({message}"
                                f"{retried}): {unchanged}try again in a moment")
        if state == "53300":
            return TrackerError(f"the database server of {where} has too many connections open ({message}"
                                f"{retried}): {unchanged}try again in a moment, or ask its administrator for more "
                                "(max_connections, the role's or the database's CONNECTION LIMIT) or a pooler")
        if state in ("08003", "08006"):
            return TrackerError(f"the connection to the database server of {where} was lost ({message}): "
                                f"{unchanged}try again")
        if state.startswith("08"):
            return TrackerError(f"cannot reach the database server of {where} ({message}): {unchanged}check that it "
                                "is running, and the URL's host (or socket folder) and port")
        if state == "42501":
            if writing:
                return TrackerError(f"this database role ({self._who()}) may only read {where}: nothing was changed; "
                                    "ask the desk's administrator for tracker_editor")
            return TrackerError(f"this database role ({self._who()}) may not read {where} ({message}): "
                                "ask the desk's administrator for tracker_reader")
        if state == "25006":
            return TrackerError(f"{where} is read-only here (a read-only session or a standby server): "
                                f"{unchanged}write through the primary server with a role that may write")
        if state == "55P03" or state == "57014" and "timeout" in message:
            return TrackerError(f"the database {where} is busy (another write has held it for "
                                f"{_busy_seconds()} s): {unchanged}try again")
        if state in ("40001", "40P01"):
            return TrackerError(f"the database {where} was busy with another write ({message}): {unchanged}try again")
        if state == "P0001":
            # One of tracker's triggers (schema.pg.sql): its own words, without PL/pgSQL's CONTEXT lines.
            said = self._scrub(getattr(getattr(error, "diag", None), "message_primary", None) or message)
            return TrackerError(f"{where} refused the change ({said}): nothing was changed; run `tracker check` "
                                "to find what was written outside tracker")
        if state == "53100":
            return TrackerError(f"the disk holding the database {where} is full: {unchanged}"
                                "ask the server's administrator to free some space, then try again")
        if writing:
            return TrackerError(f"cannot write to the database {where}: {message}; nothing was changed")
        return TrackerError(f"cannot use the database {where}: {message}")

    def _who(self) -> str:
        return self.role or os.environ.get("PGUSER") or _login_name()

    def _scrub(self, text: str) -> str:
        """An error's text on one line, with no password in it: libpq's messages hold
        none, but a driver may quote the connection string it was given."""
        for secret in (*self._secrets, os.environ.get("PGPASSWORD")):
            if secret:
                text = text.replace(secret, "***")
        text = re.sub(r"(?i)\b(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text)
        text = re.sub(r"(://[^/@\s:]*):[^@/\s]*@", r"\1@", text)
        return " ".join(text.replace("connection failed: ", "").replace("connection is bad: ", "").split())

    # -- the connection ----------------------------------------------------------

    def connect(self) -> PostgresConnection:
        try:
            import psycopg
        except ImportError:
            raise TrackerError(f"{self.where} is a PostgreSQL database, and this tracker has no PostgreSQL "
                               'driver: pip install "tracker[postgres]"') from None
        from tracker.store.connection import BUSY_TIMEOUT_MS

        try:
            given = psycopg.conninfo.conninfo_to_dict(self.url)
        except psycopg.Error as error:
            raise BadArgument(f"{self.where} is not a PostgreSQL URL that libpq reads ({self._scrub(str(error))}): "
                              "see https://www.postgresql.org/docs/current/libpq-connect.html") from None
        # Ours last: of two -c settings of one name, the later holds.
        settings = {"options": f"{given.get('options', '')} -c search_path={SCHEMA} "
                               f"-c lock_timeout={BUSY_TIMEOUT_MS}".strip()}
        if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
            settings["connect_timeout"] = CONNECT_TIMEOUT_S
        raw = self._connect_retrying(psycopg, settings, given.get("connect_timeout")
                                     or os.environ.get("PGCONNECT_TIMEOUT") or CONNECT_TIMEOUT_S)
        self.role = raw.info.user
        _numbers_as_sqlite_gives_them(raw)
        return PostgresConnection(raw)

    def _connect_retrying(self, psycopg, settings: dict, timeout) -> Any:
        """A connection, tried again for a few seconds (RETRY_S, or the connect timeout if
        shorter) while the server turns it away for a passing reason: it is starting up
        or in recovery (57P03), or has no connection slot free (53300). Only here, before
        any statement: nothing is ever run twice."""
        import time

        try:
            window = float(timeout) if float(timeout) > 0 else RETRY_S
        except ValueError:
            window = RETRY_S
        start = time.monotonic()
        deadline, pause = start + min(RETRY_S, window), RETRY_FIRST_PAUSE_S
        while True:
            try:
                return psycopg.connect(self.url, autocommit=True, **settings)
            except psycopg.Error as error:
                state = getattr(error, "sqlstate", None) or _connection_state(str(error))
                left = deadline - time.monotonic()
                if state not in RETRIED or left <= 0:
                    waited = time.monotonic() - start
                    self._retried_s = waited if state in RETRIED and waited >= 1 else None
                    raise self.trouble(error) from None
                # Half to all of the pause, so that many clients turned away at once do not
                # come back at once; doubled each time, to a second at most.
                time.sleep(min(left, pause * (0.5 + _jitter())))
                pause = min(2 * pause, 1.0)

    # -- the shape -----------------------------------------------------------------

    def schema_version(self, conn) -> int:
        self._opened = None
        if conn.in_transaction:
            # A failed read would end the transaction: ask first whether the table is there.
            if conn.execute(f"SELECT to_regclass('{SCHEMA}.tracker_schema')").fetchone()[0] is None:
                return 0
            row = conn.execute(_OPENING).fetchone()
        else:
            try:
                row = conn.execute(_OPENING).fetchone()
            except self.Error as error:
                if getattr(error, "sqlstate", None) == "42P01":     # no schema, or no such table in it
                    return 0
                raise
        if row is None:
            return 0
        self._opened = (conn, row[1], row[2])
        return row[0]

    def make_schema(self, conn) -> None:
        self._opened = None
        foreign = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'f')", (SCHEMA,)).fetchone()[0]
        if foreign:
            raise TrackerError(f"{self.where} has a schema named {SCHEMA} that is not tracker's (it holds tables, "
                               "but no schema version): give another database with --db or TRACKER_DB")
        from importlib import resources

        try:
            conn.execute(resources.files("tracker").joinpath("schema.pg.sql").read_text(encoding="utf-8"))
        except self.Error as error:
            # No CREATE on the database: an editor or a reader before the owner's first run.
            if getattr(error, "sqlstate", None) == "42501":
                who = self._who()
                raise TrackerError(f"{self.where} has no schema {SCHEMA} yet, and this role ({who}) may not make "
                                   "it: nothing was changed; run any tracker command once as the role meant to own "
                                   f"it (tracker_owner in the README's Roles), then again as {who}") from None
            raise
        conn.execute(f"UPDATE tracker_schema SET safeguards = {_SAFEGUARDS}")

    def migrate(self, conn, to_version: int) -> None:
        """Runs tracker/migrations/postgres/00NN-<name>.sql (N = to_version), then records
        the version and the safeguards as that step left them (a step may change a trigger).
        Only the schema's owner may change its tables: any other role (an editor, a reader)
        is refused first, told whom to run tracker as."""
        self._opened = None
        owner, may = conn.execute(
            "SELECT pg_get_userbyid(nspowner), pg_has_role(nspowner, 'USAGE') FROM pg_namespace "
            "WHERE nspname = ?", (SCHEMA,)).fetchone() or (None, False)
        if not may:
            raise self._not_the_owner(to_version - 1, owner)
        try:
            conn.execute(self.migration(to_version))
        except self.Error as error:
            # A table of the schema owned by another role than the schema itself.
            if getattr(error, "sqlstate", None) == "42501":
                raise self._not_the_owner(to_version - 1, owner) from None
            raise
        conn.execute(f"UPDATE tracker_schema SET version = ?, safeguards = {_SAFEGUARDS}", (to_version,))

    def _not_the_owner(self, version: int, owner: str | None) -> TrackerError:
        from tracker.store.connection import SCHEMA_VERSION

        who = self._who()
        if owner:
            way = (f"run any tracker command once as {owner}, the role that owns it "
                   f"(tracker --db {_as_user(self.where, owner)} list), then again as {who}")
        else:
            way = f"run any tracker command once as the role that owns the schema {SCHEMA}, then again as {who}"
        return TrackerError(f"{self.where} is at schema version {version}, and this tracker needs {SCHEMA_VERSION}: "
                            f"only the schema's owner may bring it up to date, not this role ({who}); nothing was "
                            f"changed: {way}")

    def migration(self, to_version: int) -> str:
        folder = self.migrations
        if folder is None:
            from importlib import resources

            folder = resources.files("tracker").joinpath("migrations", "postgres")
        for entry in folder.iterdir():
            if entry.name.startswith(f"{to_version:04d}-") and entry.name.endswith(".sql"):
                return entry.read_text(encoding="utf-8")
        raise TrackerError(f"this tracker has no step to schema version {to_version} for PostgreSQL: reinstall it")

    def changed_safeguards(self, conn) -> str | None:
        if self._opened is not None and self._opened[0] is conn:
            _, recorded, present = self._opened
            self._opened = None
        else:
            _, recorded, present = conn.execute(_OPENING).fetchone()
        troubles = _safeguard_troubles(recorded, present)
        return troubles[0][1] if troubles else None

    def safeguard_troubles(self, conn) -> list[tuple[str | None, str]]:
        """Every trigger missing, disabled, altered or not tracker's (tracker check):
        (its name, or None for the record itself; the words changed_safeguards says)."""
        _, recorded, present = conn.execute(_OPENING).fetchone()
        return _safeguard_troubles(recorded, present)

    def record_safeguards(self, conn) -> None:
        """The triggers as they are now, recorded as tracker's (after check --repair made them)."""
        conn.execute(f"UPDATE tracker_schema SET safeguards = {_SAFEGUARDS}")

    def begin_write(self, conn) -> None:
        try:
            # One round trip: without parameters both statements go as one simple query.
            conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(error, self.Error):
                raise self.trouble(error, writing=True) from None
            raise

    def insert_many(self, conn, table: str, columns: list[str], rows: list[tuple]) -> None:
        # COPY FROM STDIN: the rows streamed in one statement, with no SQL text to build
        # and parse for each few dozen of them (psycopg's parsing of those was most of an
        # import's time in Python). The constraints and row triggers hold as for INSERT.
        with conn.raw.cursor() as cursor:
            with cursor.copy(f"COPY {quoted(table)} ({', '.join(map(quoted, columns))}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    # -- bulk loading: the derived tables' insert triggers aside, their work done at the end --

    def bulk_begin(self, conn, rows: int) -> tuple[int, int]:
        # Read by the triggers that keep item_search and agreement_counts on insert
        # (schema.pg.sql): they stand aside for this transaction only. No ownership
        # needed, unlike ALTER TABLE ... DISABLE TRIGGER: an editor's import is as fast.
        first_item, first_change, _ = conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM items), (SELECT coalesce(max(id), 0) + 1 FROM changes), "
            "set_config('tracker.bulk_load', 'on', true)").fetchone()
        return first_item, first_change

    def bulk_end(self, conn, begun: tuple[int, int]) -> None:
        conn.execute("SET LOCAL tracker.bulk_load = 'off'")     # the triggers at work again, for what follows
        self.fill_derived(conn, *begun)

    @staticmethod
    def fill_derived(conn, first_item: int, first_change: int) -> None:
        """What the insert triggers of the derived tables would have written, for items
        from `first_item` and changes from `first_change` on (a bulk load's; `tracker check
        --repair` rebuilds the search index and counts with it, from 1): each item's search
        row written once, its notes and sources whole, where a trigger per change rewrote
        the row (and its words) at every one."""
        def logged(since: str) -> str:
            # As the trigger writes them: a newline and the value (or nothing) per change, in order.
            return ("SELECT item_id, string_agg(chr(10) || coalesce(note, ''), '' ORDER BY id) AS notes, "
                    "string_agg(chr(10) || coalesce(source, ''), '' ORDER BY id) AS sources FROM changes "
                    f"WHERE {since} AND (note IS NOT NULL OR source IS NOT NULL) GROUP BY item_id")

        conn.execute(
            "INSERT INTO item_search (item_id, title, notes, sources) "
            "SELECT items.id, items.title, coalesce(logged.notes, ''), coalesce(logged.sources, '') FROM items "
            f"LEFT JOIN ({logged('item_id >= :item')}) AS logged ON logged.item_id = items.id "
            "WHERE items.id >= :item", {"item": first_item})
        conn.execute(
            "UPDATE item_search SET notes = item_search.notes || logged.notes, "
            "sources = item_search.sources || logged.sources "
            f"FROM ({logged('id >= :change AND item_id < :item')}) AS logged WHERE item_search.item_id = logged.item_id",
            {"change": first_change, "item": first_item})
        count_agreements(conn, first_item)

    @contextmanager
    def may_fail(self, conn) -> Iterator[None]:
        if not conn.in_transaction:       # autocommit: a failed statement ends nothing
            yield
            return
        conn.execute("SAVEPOINT tracker_part")
        try:
            yield
        except self.Error:
            conn.execute("ROLLBACK TO SAVEPOINT tracker_part")
            raise
        conn.execute("RELEASE SAVEPOINT tracker_part")

    # -- fragments of SQL ----------------------------------------------------------

    def ids_given(self, conn, tables: set[str]) -> None:
        # Identity columns take ids from a sequence, which rows given their own ids do
        # not move: set it past the largest, or the next add would collide.
        for table in sorted(tables):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{SCHEMA}.{table}', 'id'), "
                         f"coalesce(max(id), 0) + 1, false) FROM {SCHEMA}.{table}")

    def keep_authors(self, conn) -> None:
        # The log's trigger writes the session's role as each change's author, unless the
        # owner role says, for this transaction only, that the rows carry their own.
        conn.execute("SET LOCAL tracker.keep_by = 'on'")

    def author(self, conn) -> str | None:
        return conn.execute("SELECT session_user").fetchone()[0]

    def in_list(self, column: str, param: str = "?") -> str:
        return f"{column} = ANY({param})"

    def list_value(self, values: Iterable) -> Any:
        # psycopg sends a list as an array (of bigint, or of text).
        return list(values)

    def indexed_by(self, index: str) -> str:
        return ""

    def same(self, left: str, right: str) -> str:
        return f"{left} IS NOT DISTINCT FROM {right}"

    def differs(self, left: str, right: str) -> str:
        return f"{left} IS DISTINCT FROM {right}"

    def unindexed(self, column: str) -> str:
        # No unary + on text here; the planner chooses on statistics.
        return column

    def nocase_equals(self, column: str, param: str = "?") -> str:
        # tracker_nocase() folds A-Z only (schema.pg.sql), and indexes are made on it.
        return f"tracker_nocase({column}) = tracker_nocase({param})"

    def json_text(self, column: str, key: str) -> str:
        if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", column):
            column = f'"{column}"'
        return f"({column}::jsonb ->> '{key.replace(chr(39), chr(39) * 2)}')"

    def days_apart(self, first: str, second: str) -> str:
        return f"(tracker_days({first}) - tracker_days({second}))"

    def search_ids(self, param: str = "?") -> str:
        # schema.pg.sql: the stored document and tracker_search_query() give FTS5's meaning.
        return f"SELECT item_id FROM item_search WHERE document @@ tracker_search_query({param})"

    def search_value(self, text: str) -> str:
        from tracker.store.items import fts_query

        fts_query(text)         # the same refusal of an empty search
        return text

    def title_ids(self, every: bool, param: str = "?") -> str:
        return (f"SELECT item_id FROM item_search WHERE title_document @@ "
                f"tracker_words_query({param}, '{'&' if every else '|'}', false)")

    def title_value(self, words: list[str], every: bool) -> str:
        return " ".join(words)


def _driver_error(name: str) -> Any:
    try:
        import psycopg
    except ImportError:
        return _NoDriver
    return getattr(psycopg, name)


class _NoDriver(Exception):
    """Stands for psycopg's errors where psycopg is missing: nothing raises it (connect()
    refuses first), but `except dialect.Error` must still name a class."""


class PostgresConnection:
    """sqlite3.Connection's face, for tracker's SQL, over a psycopg connection in
    autocommit mode (transactions are the BEGIN/COMMIT/ROLLBACK tracker executes)."""

    # Whether a stream's own read-only transaction is open (see stream()): a write begun
    # then would run inside it, and Connection.writing() refuses it.
    reading = False

    def __init__(self, raw):
        self.raw = raw
        # psycopg's own rule (None): a statement is prepared on the server from its 5th
        # use in this session on. A command's one-shot statements never are (one round
        # trip each, as with prepare=False), loops are: measured 1.7x faster a statement
        # (notes/pgconn-report.md). True prepares at once, False never.
        self.prepare: bool | None = None

    def execute(self, sql: str, params=()):
        """A cursor (psycopg's: fetchone, fetchmany, fetchall, iteration, description,
        rowcount). Without parameters the text goes as it is (several statements may)."""
        if params:
            return self.raw.execute(placeholders(sql), params, prepare=self.prepare)
        return self.raw.execute(sql, prepare=self.prepare)

    def executemany(self, sql: str, rows):
        cursor = self.raw.cursor()
        cursor.executemany(placeholders(sql), rows)
        return cursor

    @contextmanager
    def stream(self, sql: str, params=()) -> Iterator[Any]:
        """A read that may be large (a whole table, the whole log), its rows fetched from
        the server STREAM_ROWS at a time as they are used: psycopg's client cursor would
        hold the whole result (133 MiB for `history --json` of 190k changes). A named
        cursor (DECLARE ... FETCH), which lives in a transaction: inside a write, that
        one; else a read-only one of its own (one snapshot for the stream and for the
        reads made between its batches), ended when the stream ends, is left early or
        fails. Reads interleaved on this connection meanwhile work as ever."""
        owned = not self.in_transaction
        if owned:
            self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self.reading = True
        cursor = self.raw.cursor(name=f"tracker_stream_{next(_stream_numbers)}")
        cursor.itersize = STREAM_ROWS
        try:
            if params:
                cursor.execute(placeholders(sql), params)
            else:
                cursor.execute(sql)
            yield cursor
        finally:
            if owned:
                self.reading = False
                self._end_reading()
            # After the rollback, which took the cursor with it: no CLOSE to send.
            cursor.close()

    def _end_reading(self) -> None:
        """The stream's own transaction ended: read-only, it has nothing to commit. Where
        the connection is already gone (the error being raised says so), nothing to do."""
        from psycopg.pq import TransactionStatus

        if self.raw.closed or self.raw.info.transaction_status not in (TransactionStatus.INTRANS,
                                                                       TransactionStatus.INERROR):
            return
        self.raw.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.raw.close()


# The pieces of a statement placeholders() looks at: quoted text and comments (left
# alone), casts, named and positional parameters, and percent signs. Compiled on first
# use (by re's own cache), not on import.
_PIECES = r"""
      (?<![A-Za-z0-9_$])[Ee]'(?:[^'\\]|\\.|'')*'     # an escape string: E'it\'s'
    | '(?:[^']|'')*'                                 # a string: 'it''s'
    | "(?:[^"]|"")*"                                 # a quoted name: "on"
    | --[^\n]*                                       # a comment
    | /\*.*?\*/
    | \$(?P<tag>[A-Za-z_][A-Za-z_0-9]*|)\$.*?\$(?P=tag)\$    # a dollar-quoted body
    | ::                                             # a cast
    | :(?P<name>[A-Za-z_][A-Za-z_0-9]*)              # :name
    | \?                                             # ?
    | %
"""


@lru_cache(maxsize=1024)
def placeholders(sql: str) -> str:
    """tracker's SQL (SQLite's `?` and `:name`) with psycopg's placeholders (`%s`,
    `%(name)s`); every other % doubled, since psycopg reads one everywhere, even in
    quotes. `?` and `:` inside quotes or comments, and `::` casts, are left alone.
    (PostgreSQL's jsonb operators `?`, `?|`, `?&` cannot be written: use jsonb_exists.)"""
    def swap(piece: re.Match) -> str:
        text = piece.group()
        if text == "?":
            return "%s"
        if piece.group("name"):
            return f"%({piece.group('name')})s"
        return text.replace("%", "%%")

    return re.sub(_PIECES, swap, sql, flags=re.VERBOSE | re.DOTALL)


def _numbers_as_sqlite_gives_them(raw) -> None:
    """numeric (sum() and avg() of integers, a division) read as int or float, as SQLite
    gives them, not as Decimal (which json cannot write, and which does not mix with float)."""
    from psycopg.adapt import Loader

    class Number(Loader):
        def load(self, data):
            text = bytes(data).decode("ascii")
            return float(text) if "." in text or "N" in text or "e" in text else int(text)

    raw.adapters.register_loader("numeric", Number)


def _safeguard_troubles(recorded: str | None, present: str | None) -> list[tuple[str | None, str]]:
    if recorded is None:
        return [(None, "the record of tracker's triggers is missing")]
    expected, found = _triggers(recorded), _triggers(present)
    troubles = []
    for name, (_, digest) in expected.items():
        if name not in found:
            troubles.append((name, f"trigger {name} is missing"))
        elif found[name][0] == "D":
            troubles.append((name, f"trigger {name} is disabled"))
        elif found[name][1] != digest:
            troubles.append((name, f"trigger {name} was altered"))
    troubles += [(name, f"trigger {name} is not tracker's") for name in found if name not in expected]
    return troubles


def _triggers(summary: str | None) -> dict[str, tuple[str, str]]:
    """_SAFEGUARDS's text read back: trigger name -> (state, digest)."""
    found = {}
    for entry in (summary or "").split(","):
        if entry:
            name, state, digest = entry.split(" ")
            found[name] = (state, digest)
    return found


def _without_password(url: str) -> tuple[str, list[str]]:
    """The URL as messages may show it (no password, in the user part or as a parameter),
    and the password(s) it held, to scrub from any text quoted."""
    scheme, _, rest = url.partition("://")
    netloc_end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    netloc, tail = rest[:netloc_end], rest[netloc_end:]
    secrets = []
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        if colon:
            secrets += [password, unquote(password)]
        netloc = f"{user}@{hosts}"
    path, question, query = tail.partition("?")
    if question:
        kept = []
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if unquote(key).strip().lower() == "password":
                secrets += [value, unquote(value)]
            else:
                kept.append(part)
        tail = path + ("?" + "&".join(kept) if kept else "")
    return f"{scheme}://{netloc}{tail}", [secret for secret in secrets if secret]


def _as_user(where: str, user: str) -> str:
    """The URL (as messages show it) with another user: the owner's, for the way out."""
    scheme, _, rest = where.partition("://")
    if re.search(r"[?&]user=", rest):
        return f"{scheme}://" + re.sub(r"([?&]user=)[^&#]*", lambda m: m.group(1) + quote(user, safe=""), rest)
    netloc_end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    hosts = rest[:netloc_end].rpartition("@")[2]
    return f"{scheme}://{quote(user, safe='')}@{hosts}{rest[netloc_end:]}"


def _url_user(url: str) -> str | None:
    rest = url.partition("://")[2]
    netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, _ = netloc.rpartition("@")
    if at and userinfo.partition(":")[0]:
        return unquote(userinfo.partition(":")[0])
    named = re.search(r"[?&]user=([^&#]*)", rest)
    return unquote(named.group(1)) if named else None


def _jitter() -> float:
    import random

    return random.random()


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "?"


def _busy_seconds() -> int:
    from tracker.store.connection import BUSY_TIMEOUT_MS

    return BUSY_TIMEOUT_MS // 1000


# libpq reports a failed login or connection in words only (no SQLSTATE): the server's
# words in English (lc_messages), else the message is shown as it is.
_CONNECTION_WORDS = (
    # Before `role "`: "too many connections for role "anna"" (its CONNECTION LIMIT).
    ("too many connections", "53300"),
    ("password authentication failed", "28P01"), ("no password supplied", "28P01"),
    ("role \"", "28000"), ("no pg_hba.conf entry", "28000"),
    ("does not exist", "3D000"),
    ("permission denied for database", "42501"),
    ("shutting down", "57P01"), ("starting up", "57P03"), ("in recovery mode", "57P03"),
    ("not accepting connections", "57P03"), ("not yet accepting connections", "57P03"),
    ("too many clients", "53300"), ("remaining connection slots", "53300"),
    ("connection to server", "08001"), ("could not translate host name", "08001"), ("timeout expired", "08001"),
    ("failed to resolve host", "08001"),
    ("server closed the connection", "08006"), ("connection is closed", "08003"),
)


def _connection_state(message: str) -> str:
    for words, state in _CONNECTION_WORDS:
        if words in message:
            return state
    return ""
