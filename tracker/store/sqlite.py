"""SQLite, the embedded engine: a tracker's database is one file (tracker.db).

Everything the store does that only SQLite does lives here, behind `Dialect`: the
connection (WAL, busy timeout, foreign keys on, text that is not UTF-8 mended as it
is read), the schema version in PRAGMA user_version, schema.sql and the migrations
of tracker/migrations/, the triggers checked in sqlite_master, BEGIN IMMEDIATE, what
an error of SQLite means for the user, the bulk loader's dropping and making again of
triggers and indexes, and the fragments of SQL spelt SQLite's way (json_each, FTS5).
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import TrackerError
from tracker.model import Ref
from tracker.store.connection import BUSY_TIMEOUT_MS
from tracker.store.dialect import Dialect, count_agreements


class SQLiteDialect(Dialect):
    """A tracker's SQLite file at `path`; `make_folder`: its folder is made if missing
    (the default place is made on first use; a folder that --db names is not)."""

    name = "sqlite"
    Error = sqlite3.Error
    IntegrityError = sqlite3.IntegrityError

    def __init__(self, path: Path, make_folder: bool = False):
        self.path, self.make_folder, self.where = path, make_folder, str(path)

    # -- the connection ----------------------------------------------------------

    def connect(self) -> sqlite3.Connection:
        path, make_folder = self.path, self.make_folder
        if path.is_dir():
            raise TrackerError(f"database {path} is a folder: give a file path with --db or TRACKER_DB")
        # A mistyped --db would otherwise start an empty log somewhere unexpected.
        if not make_folder and not path.parent.is_dir():
            raise TrackerError(f"cannot create database {path}: the folder {path.parent} does not exist; "
                               "create it, or give another path with --db or TRACKER_DB")
        try:
            if make_folder:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, factory=_MendingConnection)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            # Whose file it is, decided by reading only: switching to WAL below
            # rewrites the header of a database that is not tracker's.
            _refuse_foreign(conn, path)
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            # In WAL mode NORMAL cannot corrupt the file; a power cut may lose
            # only the last commit. It spares an fsync per command.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            raise self.open_trouble(error) from None
        except OSError as error:
            raise TrackerError(
                f"cannot create database {path}: {error.strerror}; choose another place with --db or TRACKER_DB"
            ) from None
        return conn

    def trouble(self, error: Exception, writing: bool = False) -> TrackerError:
        return database_trouble(self.path, error, writing)

    def open_trouble(self, error: Exception) -> TrackerError:
        message = str(error)
        if "readonly" in message or "unable to open" in message:
            return TrackerError(
                f"cannot open database {self.path} for writing ({message}): check the folder's permissions, "
                "or choose another place with --db or TRACKER_DB"
            )
        return database_trouble(self.path, error)

    # -- the shape ---------------------------------------------------------------

    def schema_version(self, conn) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    def make_schema(self, conn) -> None:
        _refuse_foreign(conn, self.path)
        for statement in statements(schema_sql()):
            conn.execute(statement)

    def migrate(self, conn, to_version: int) -> None:
        for statement in statements(migration(to_version)):
            conn.execute(statement)

    def changed_safeguards(self, conn) -> str | None:
        """One read of sqlite_master, which SQLite has in memory already."""
        expected = expected_triggers()
        present = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        for name, sql in expected.items():
            if name not in present:
                return f"trigger {name} is missing"
            if not same_trigger(present[name] or "", sql):
                return f"trigger {name} was altered"
        for name in present:
            if name not in expected:
                return f"trigger {name} is not tracker's"
        return None

    def begin_write(self, conn) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TrackerError(f"cannot write to {self.path}: {error}; try again") from None

    # -- bulk loading: the row triggers off, their work done once at the end -------------

    def bulk_begin(self, conn, rows: int) -> tuple[int, int, bool]:
        first_item, first_change = conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM items), (SELECT coalesce(max(id), 0) + 1 FROM changes)"
        ).fetchone()
        rebuild = rows >= first_item
        # For the unique indexes written as the load goes, this connection only: a page cache
        # fills to its size and is much of what a million-item import holds.
        conn.execute(f"PRAGMA cache_size = -{LARGE_LOAD_KIB if rows >= LARGE_LOAD else LOAD_KIB}")
        for name in _BULK_TRIGGERS:
            conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in _BULK_INDEXES if rebuild else ():
            conn.execute(f"DROP INDEX IF EXISTS {name}")
        return first_item, first_change, rebuild

    def bulk_end(self, conn, begun: tuple[int, int, bool]) -> None:
        first_item, first_change, rebuild = begun
        made = _schema_objects()
        # An index is built by a sort that holds as much in memory as the page cache may
        # (SQLite sizes its sorter on cache_size): a smaller cache from here on frees the
        # load's pages and keeps the sort from adding as much again.
        conn.execute(f"PRAGMA cache_size = -{SORT_KIB}")
        for name in _BULK_INDEXES if rebuild else ():
            conn.execute(made[name])
        wrong = conn.execute(
            "SELECT items.type, items.num FROM items JOIN items AS event ON event.id = items.event_id "
            "WHERE items.id >= ? AND event.type <> 'event' LIMIT 1", (first_item,)).fetchone()
        if wrong:
            raise TrackerError(f"{Ref(wrong[0], wrong[1])} belongs to an item that is not an event: nothing was imported")
        self.fill_derived(conn, first_item, first_change)
        for name in _BULK_TRIGGERS:
            conn.execute(made[name])

    @staticmethod
    def fill_derived(conn, first_item: int, first_change: int) -> None:
        """What the dropped triggers would have written, for items from `first_item`
        and changes from `first_change` on (the rows of a bulk load; `tracker check
        --repair` rebuilds the search index and counts with it, from 1)."""
        logged = "(note IS NOT NULL OR source IS NOT NULL)"

        def joined(column: str, owner: str, since: str) -> str:
            # As the trigger writes it: a newline and the value (or nothing) per change, in order.
            return (f"coalesce((SELECT group_concat(char(10) || coalesce({column}, ''), '') FROM "
                    f"(SELECT {column} FROM changes WHERE item_id = {owner} AND id >= {since} AND {logged} "
                    f"ORDER BY id)), '')")

        conn.execute(
            "INSERT INTO item_search (rowid, title, notes, sources) "
            f"SELECT items.id, items.title, {joined('note', 'items.id', '0')}, {joined('source', 'items.id', '0')} "
            "FROM items WHERE items.id >= ?", (first_item,))
        conn.execute(
            f"UPDATE item_search SET notes = notes || {joined('note', 'item_search.rowid', ':change')}, "
            f"sources = sources || {joined('source', 'item_search.rowid', ':change')} "
            f"WHERE rowid IN (SELECT item_id FROM changes WHERE id >= :change AND item_id < :item AND {logged})",
            {"change": first_change, "item": first_item})
        count_agreements(conn, first_item)

    # -- fragments of SQL --------------------------------------------------------------

    def in_list(self, column: str, param: str = "?") -> str:
        return f"{column} IN (SELECT value FROM json_each({param}))"

    def list_value(self, values: Iterable) -> str:
        """A JSON array, written by hand to spare plain reads importing json: integers
        as such, strings quoted (json's own escaping only for one that needs it)."""
        return "[" + ",".join(str(int(value)) if not isinstance(value, str) else _json_string(value)
                              for value in values) + "]"

    def indexed_by(self, index: str) -> str:
        return f" INDEXED BY {index}"

    def same(self, left: str, right: str) -> str:
        # IS, not IS NOT DISTINCT FROM: the older SQLite some Pythons carry (< 3.39) lacks it.
        return f"{left} IS {right}"

    def differs(self, left: str, right: str) -> str:
        return f"{left} IS NOT {right}"

    def unindexed(self, column: str) -> str:
        return f"+{column}"

    def nocase_equals(self, column: str, param: str = "?") -> str:
        return f"{column} = {param} COLLATE NOCASE"

    def json_text(self, column: str, key: str) -> str:
        return f"json_extract({column}, '$.{key}')"

    def days_apart(self, first: str, second: str) -> str:
        return f"julianday({first}) - julianday({second})"

    def search_ids(self, param: str = "?") -> str:
        return f"SELECT rowid FROM item_search WHERE item_search MATCH {param}"

    def search_value(self, text: str) -> str:
        from tracker.store.items import fts_query

        return fts_query(text)

    def title_ids(self, every: bool, param: str = "?") -> str:
        return self.search_ids(param)

    def title_value(self, words: list[str], every: bool) -> str:
        # FTS5's column filter; each word a quoted phrase, out of reach of its syntax.
        joined = (" AND " if every else " OR ").join('"' + word.replace('"', '""') + '"' for word in words)
        return f"title : ({joined})"


def _json_string(text: str) -> str:
    if '"' in text or "\\" in text or not text.isprintable():
        import json

        return json.dumps(text)
    return f'"{text}"'


# -- schema.sql and the migrations ---------------------------------------------------------

def migration(to_version: int) -> str:
    """The step that takes a database from version N-1 to N: tracker/migrations/000N-*.sql."""
    from importlib import resources     # only when a database is made or moved forward

    folder = resources.files("tracker").joinpath("migrations")
    for entry in folder.iterdir():
        if entry.name.startswith(f"{to_version:04d}-") and entry.name.endswith(".sql"):
            return entry.read_text(encoding="utf-8")
    raise TrackerError(f"this tracker has no step to schema version {to_version}: reinstall it")


def _schema_objects() -> dict[str, str]:
    """The CREATE statements of schema.sql's indexes and triggers, by name."""
    made = {}
    for sql in statements(schema_sql()):
        named = re.search(r"^CREATE (?:INDEX|TRIGGER) (\w+)\b", sql, re.MULTILINE)
        if named:
            made[named.group(1)] = sql
    return made


def schema_sql() -> str:
    from importlib import resources

    return resources.files("tracker").joinpath("schema.sql").read_text(encoding="utf-8")


def statements(script: str) -> Iterator[str]:
    """Split a script into statements (triggers hold semicolons of their own)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending
            pending = ""
    if pending.strip() and not pending.strip().startswith("--"):
        yield pending


# Triggers that work one row at a time: those that keep the derived tables (the
# search index, the agreement counts) in step, and the check that an item belongs
# to an event. A large import drops them, does their work once in set-based SQL,
# then makes them again from schema.sql: the same rows and the same refusal, for a
# fraction of the cost (each firing costs more than the insert it follows, and an
# FTS5 row rewritten per change was most of an import).
_BULK_TRIGGERS = ("item_search_on_insert", "item_search_on_change", "agreement_counts_on_insert",
                  "items_event_must_be_event_on_insert")
# Indexes a load larger than the database drops and builds again at the end: one
# sort is cheaper than as many inserts at random places. Not the unique ones, nor
# those an import reads while it runs (a series number is checked as it goes).
_BULK_INDEXES = ("items_by_status", "items_by_kind", "items_by_start", "items_by_end", "items_by_due",
                 "items_by_sector", "items_by_event", "item_parties_by_party", "item_tags_by_tag",
                 "changes_by_item", "changes_by_item_happened", "changes_by_happened", "changes_settling", "changes_by_command")
# KiB of memory each sort that builds an index of a bulk load holds at most (beyond it,
# SQLite merges sorted runs from a temporary file): with 64 MiB, a 400k import peaked at 223 MiB, 195 with 16.
SORT_KIB = 16384
# KiB of page cache a bulk load holds: at 100k items 64 MiB was as fast as 256, and 32 took
# 1.14x the time; a load of LARGE_LOAD items or more takes 24 (1M items: 200 MiB peak with
# 64, 157 with 32, under 150 with 24).
LOAD_KIB, LARGE_LOAD_KIB, LARGE_LOAD = 65536, 24576, 500_000


_expected_triggers: dict[str, str] | None = None


def expected_triggers() -> dict[str, str]:
    """schema.sql's triggers by name, as SQLite keeps them in sqlite_master (from CREATE
    TRIGGER to END), their spacing evened out. Read from the file beside the package, by
    str.find: importlib.resources, Path.resolve() or a regular expression would each cost
    more than the whole check on open."""
    global _expected_triggers
    if _expected_triggers is None:
        try:
            with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "schema.sql"), encoding="utf-8") as file:
                text = file.read()
        except OSError:
            raise TrackerError("this tracker has no schema.sql beside it: reinstall it") from None
        found, start = {}, text.find("\nCREATE TRIGGER ")
        while start >= 0:
            end = text.find("\nEND;", start)
            trigger = text[start + 1:end + 4]
            found[trigger.split(None, 3)[2]] = " ".join(trigger.split())
            start = text.find("\nCREATE TRIGGER ", end)
        _expected_triggers = found
    return _expected_triggers


def same_trigger(found: str, expected: str) -> bool:
    """Whether a trigger's SQL is schema.sql's, spacing and a closing semicolon aside.
    A comment added counts as a change: the open-time check of every command and
    `tracker check` use this one rule, so that what one refuses the other repairs."""
    def even(sql: str) -> str:
        return " ".join(sql.split()).rstrip(";").rstrip()

    return even(found) == even(expected)


# -- text that is not UTF-8 ----------------------------------------------------------------

def _decode_damaged(data: bytes) -> str:
    """Text of a column as SQLite holds it; bytes that are not UTF-8 (flipped on disk,
    or written by another program) shown as U+FFFD and noted, never a failed read."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from tracker import errors

        errors.undecodable = True
        return data.decode("utf-8", "replace")


class _MendingCursor(sqlite3.Cursor):
    """A cursor that, when a row holds text that is not UTF-8, switches its connection
    to a decoder that mends such text and reads the statement again from that row on.
    Sound databases keep SQLite's own decoding, in C: the mending one costs a Python
    call per text value, most of the time of a large read."""

    def execute(self, sql, parameters=()):
        self._statement, self._read = (sql, parameters), 0
        try:
            return super().execute(sql, parameters)
        except UnicodeDecodeError:
            # SQLite's own message quoted the damaged bytes (of a schema, say), and could not be read.
            raise sqlite3.DatabaseError("database disk image is malformed (its text is not UTF-8)") from None

    def _again(self) -> None:
        self.connection.text_factory = _decode_damaged
        read = self._read
        super().execute(*self._statement)
        for _ in range(read):
            super().fetchone()

    def fetchone(self):
        try:
            row = super().fetchone()
        except sqlite3.OperationalError as error:
            if not _undecodable(error, self):
                raise
            self._again()
            row = super().fetchone()
        self._read += row is not None
        return row

    def fetchmany(self, size=None):
        size = self.arraysize if size is None else size
        try:
            rows = super().fetchmany(size)
        except sqlite3.OperationalError as error:
            if not _undecodable(error, self):
                raise
            self._again()
            rows = super().fetchmany(size)
        self._read += len(rows)
        return rows

    def fetchall(self):
        rows = []
        while chunk := self.fetchmany(500):
            rows += chunk
        return rows

    def __iter__(self):
        while chunk := self.fetchmany(256):
            yield from chunk

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row


def _undecodable(error: sqlite3.OperationalError, cursor: _MendingCursor) -> bool:
    return str(error).startswith("Could not decode to UTF-8") and \
        cursor.connection.text_factory is not _decode_damaged and hasattr(cursor, "_statement")


class _MendingConnection(sqlite3.Connection):
    # Whether a stream begun outside a transaction is open (see stream()).
    reading = False

    def cursor(self, factory=_MendingCursor):
        return super().cursor(factory)

    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    @contextmanager
    def stream(self, sql, parameters=()) -> Iterator[_MendingCursor]:
        """A read that may be large: SQLite's cursor steps through the rows as they are
        used already, so it is execute()'s. Marked `reading`, as PostgreSQL's stream is
        (where it holds a read-only transaction), so that a write begun in the middle
        of it is refused on both engines alike (Connection.writing)."""
        cursor = self.execute(sql, parameters)
        owned = not self.reading and not self.in_transaction
        if owned:
            self.reading = True
        try:
            yield cursor
        finally:
            # The cursor is left to go as it did before streams (a generator left early
            # may be collected after the connection is closed, where close() would fail).
            if owned:
                self.reading = False


# -- whose file it is, and what an error means --------------------------------------------

def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """A database with tables but no schema version of tracker's belongs to something else."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != 0:
        return
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]:
        raise TrackerError(f"{path} is an SQLite database, but not tracker's: "
                           "choose another file with --db or TRACKER_DB")


# The first 16 bytes of every SQLite database file.
SQLITE_HEADER = b"SQLite format 3\x00"


def database_trouble(path: Path | None, error: sqlite3.Error, writing: bool = False) -> TrackerError:
    """What an error of SQLite means for the user, and what to do about it: a full disk,
    a damaged database (its header is SQLite's, the rest is not sound), a file that is
    not a database at all."""
    message = str(error)
    code = getattr(error, "sqlite_errorname", "") or ""
    where = f" {path}" if path else ""
    if code.startswith("SQLITE_FULL") or "disk is full" in message or \
            (code.startswith("SQLITE_IOERR") or "disk I/O error" in message) and _disk_full(path):
        return TrackerError(f"the disk holding the database{where} is full: nothing was changed; "
                            "free some space and try again")
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "not a database" in message or "malformed" in message:
        if path is None or _has_sqlite_header(path):
            return TrackerError(f"the database{where} is damaged ({message}): run `tracker check` to see what "
                                "can be saved, or restore your last backup (made with `tracker backup`)")
        return TrackerError(f"{path} is not an SQLite database: choose another file with --db or TRACKER_DB")
    if writing:
        return TrackerError(f"cannot write to{where}: {message}; nothing was changed")
    return TrackerError(f"cannot use the database{where}: {message}")


def _has_sqlite_header(path: Path) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


# Below this much free space, a "disk I/O error" is the disk being full (SQLite reports
# some failed writes of a full disk as I/O errors).
_NEARLY_FULL_BYTES = 1 << 20


def _disk_full(path: Path | None) -> bool:
    try:
        stats = os.statvfs((path or Path(".")).resolve().parent)
    except (OSError, AttributeError):
        return False
    return stats.f_bavail * stats.f_frsize < _NEARLY_FULL_BYTES
