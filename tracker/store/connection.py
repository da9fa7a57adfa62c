"""Opening the database, keeping its shape, transactions and bulk loading.

The base every concern of the store builds on: the connection (`conn`), `query()`
and `id_list()`, which their SQL shares. Every write happens inside `writing()`,
one IMMEDIATE transaction: the change and its log rows land together or not at
all, and two processes that write at once queue on SQLite's lock (WAL, busy
timeout) instead of failing.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from tracker.errors import TrackerError
from tracker.model import Ref

SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 10_000


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
                 "changes_by_item", "changes_by_happened", "changes_settling", "changes_by_command")


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


class Connection:
    def __init__(self, path: Path, make_folder: bool = False, warn_if_changed: bool = True):
        self.path = path
        self._db = None
        # While bulk_loading(): ids and zones of the items it added, so that an
        # import does not ask the database about what it has just written.
        self._loaded: dict | None = None
        # What was found changed in the safeguards (the triggers) on open, if anything:
        # writes are refused then, reads go on with a warning at the end.
        self.safeguards_changed: str | None = None
        self._warn_if_changed, self._refused = warn_if_changed, False
        # The command this run is (add, update ...), named in the `commands` row that
        # its transaction's log rows point at; that row is written with the first of them.
        self.command_name = "tracker"
        self._command_id: int | None = None
        # Commits of this run's commands (not the schema's, made on opening).
        self.commits = 0
        self.conn = self._connect(path, make_folder)
        self._ensure_shape()
        self.commits = 0
        self.safeguards_changed = self._changed_safeguards()

    @property
    def db(self):
        """sqlite-utils over the same connection, for bulk work (import). Loaded on
        demand: it costs ~25 ms to import, more than a whole `tracker show`."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    def query(self, sql: str, params=()) -> list[dict]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    # -- opening ---------------------------------------------------------------

    @staticmethod
    def _connect(path: Path, make_folder: bool) -> sqlite3.Connection:
        if path.is_dir():
            raise TrackerError(f"database {path} is a folder: give a file path with --db or TRACKER_DB")
        # The default place is made on first use; a folder that a path names is not:
        # a mistyped --db would otherwise start an empty log somewhere unexpected.
        if not make_folder and not path.parent.is_dir():
            raise TrackerError(f"cannot create database {path}: the folder {path.parent} does not exist; "
                               "create it, or give another path with --db or TRACKER_DB")
        try:
            if make_folder:
                path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
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
            raise _open_error(path, error) from None
        except OSError as error:
            raise TrackerError(
                f"cannot create database {path}: {error.strerror}; choose another place with --db or TRACKER_DB"
            ) from None
        return conn

    def _ensure_shape(self) -> None:
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            with self.writing():
                # Read again under the write lock: another process may have
                # made the schema meanwhile.
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    _refuse_foreign(self.conn, self.path)
                    for statement in statements(schema_sql()):
                        self.conn.execute(statement)
                elif version > SCHEMA_VERSION:
                    raise TrackerError(
                        f"{self.path} was written by a newer tracker (schema {version}, "
                        f"this one knows {SCHEMA_VERSION}): upgrade tracker"
                    )
                else:
                    while version < SCHEMA_VERSION:
                        for statement in statements(migration(version + 1)):
                            self.conn.execute(statement)
                        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise _open_error(self.path, error) from None

    def _changed_safeguards(self) -> str | None:
        """Which trigger of schema.sql is missing or altered, or which one is not
        tracker's (triggers are what keep the log append-only and the derived tables
        in step). One read of sqlite_master, which SQLite has in memory already."""
        expected = expected_triggers()
        present = dict(self.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
        for name, sql in expected.items():
            if name not in present:
                return f"trigger {name} is missing"
            if " ".join((present[name] or "").split()) != sql:
                return f"trigger {name} was altered"
        for name in present:
            if name not in expected:
                return f"trigger {name} is not tracker's"
        return None

    def close(self) -> None:
        if self.safeguards_changed and self._warn_if_changed and not self._refused:
            from tracker.render.safe import printable

            sys.stderr.write(f"tracker: warning: the database's safeguards were changed outside tracker "
                             f"({printable(self.safeguards_changed)}): run `tracker check --repair`\n")
        self.conn.close()

    @contextmanager
    def writing(self, repairing: bool = False) -> Iterator[Self]:
        """One IMMEDIATE transaction: all of it lands, or none of it. Refused while the
        safeguards are changed, unless `repairing` (tracker check --repair)."""
        if self.conn.in_transaction:
            yield self
            return
        if self.safeguards_changed and not repairing:
            self._refused = True
            raise TrackerError(f"the database's safeguards were changed outside tracker "
                               f"({self.safeguards_changed}): run `tracker check --repair`")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TrackerError(f"cannot write to {self.path}: {error}; try again") from None
        # One transaction, one command: what `tracker undo` reverses whole.
        self._command_id = None
        try:
            yield self
        except BaseException:
            self._command_id = None
            self.conn.execute("ROLLBACK")
            raise
        self._command_id = None
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise TrackerError(f"cannot write to {self.path}: {error}; nothing was changed") from None
        self.commits += 1

    @contextmanager
    def bulk_loading(self, rows: int = 0) -> Iterator[Self]:
        """Inside writing(): many inserts (about `rows`), with the work of the triggers
        done once at the end, and the indexes built then if the load is the larger part.

        If the block fails, the transaction's rollback brings the triggers and the
        indexes back with everything else.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("bulk_loading() belongs inside writing()")
        first_item, first_change = self.conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) + 1 FROM items), (SELECT coalesce(max(id), 0) + 1 FROM changes)"
        ).fetchone()
        rebuild = rows >= first_item
        self.conn.execute("PRAGMA cache_size = -262144")      # 256 MiB for the indexes, this connection only
        for name in _BULK_TRIGGERS:
            self.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in _BULK_INDEXES if rebuild else ():
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")
        self._loaded = {"ids": {}, "zones": {}}
        try:
            yield self
        finally:
            self._loaded = None
        made = _schema_objects()
        for name in _BULK_INDEXES if rebuild else ():
            self.conn.execute(made[name])
        wrong = self.conn.execute(
            "SELECT items.type, items.num FROM items JOIN items AS event ON event.id = items.event_id "
            "WHERE items.id >= ? AND event.type <> 'event' LIMIT 1", (first_item,)).fetchone()
        if wrong:
            raise TrackerError(f"{Ref(wrong[0], wrong[1])} belongs to an item that is not an event: nothing was imported")
        self._fill_derived(first_item, first_change)
        for name in _BULK_TRIGGERS:
            self.conn.execute(made[name])

    def _fill_derived(self, first_item: int, first_change: int) -> None:
        """What the dropped triggers would have written, for items from `first_item`
        and changes from `first_change` on (the rows of a bulk load)."""
        logged = "(note IS NOT NULL OR source IS NOT NULL)"

        def joined(column: str, owner: str, since: str) -> str:
            # As the trigger writes it: a newline and the value (or nothing) per change, in order.
            return (f"coalesce((SELECT group_concat(char(10) || coalesce({column}, ''), '') FROM "
                    f"(SELECT {column} FROM changes WHERE item_id = {owner} AND id >= {since} AND {logged} "
                    f"ORDER BY id)), '')")

        self.conn.execute(
            "INSERT INTO item_search (rowid, title, notes, sources) "
            f"SELECT items.id, items.title, {joined('note', 'items.id', '0')}, {joined('source', 'items.id', '0')} "
            "FROM items WHERE items.id >= ?", (first_item,))
        self.conn.execute(
            f"UPDATE item_search SET notes = notes || {joined('note', 'item_search.rowid', ':change')}, "
            f"sources = sources || {joined('source', 'item_search.rowid', ':change')} "
            f"WHERE rowid IN (SELECT item_id FROM changes WHERE id >= :change AND item_id < :item AND {logged})",
            {"change": first_change, "item": first_item})
        for owner in ("coalesce(event_id, 0)", "-1"):
            self.conn.execute(
                f"INSERT INTO agreement_counts (event_id, status, n) SELECT {owner}, status, count(*) FROM items "
                "WHERE id >= ? AND type = 'agreement' AND removed IS NULL GROUP BY 1, 2 "
                "ON CONFLICT (event_id, status) DO UPDATE SET n = n + excluded.n", (first_item,))


def id_list(ids: list[int]) -> str:
    """Row ids as a JSON array, for json_each(): one parameter however many there are.
    Written by hand, since they are integers, to spare plain reads importing json."""
    return "[" + ",".join(str(int(item_id)) for item_id in ids) + "]"


def _refuse_foreign(conn: sqlite3.Connection, path: Path) -> None:
    """A database with tables but no schema version of tracker's belongs to something else."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != 0:
        return
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()[0]:
        raise TrackerError(f"{path} is an SQLite database, but not tracker's: "
                           "choose another file with --db or TRACKER_DB")


def _open_error(path: Path, error: sqlite3.DatabaseError) -> TrackerError:
    message = str(error)
    if "not a database" in message or "malformed" in message:
        return TrackerError(
            f"{path} is not an SQLite database ({message}): choose another file with --db or TRACKER_DB"
        )
    if "readonly" in message or "unable to open" in message:
        return TrackerError(
            f"cannot open database {path} for writing ({message}): check the folder's permissions, "
            "or choose another place with --db or TRACKER_DB"
        )
    return TrackerError(f"cannot use database {path}: {message}")
