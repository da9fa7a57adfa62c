"""The dialect-neutral base of the store: opening, the schema's version, transactions,
bulk loading, and the helpers every concern shares.

Every concern (items, log, writes ...) builds on `Connection`: `conn`, the DB-API
connection its dialect made (tracker/store/sqlite.py, or PostgreSQL's), `dialect` for
the fragments of SQL the engines spell differently, and `query()`. Every write happens
inside `writing()`, one transaction begun by the dialect as a write (SQLite: BEGIN
IMMEDIATE): the change and its log rows land together or not at all, and two
processes that write at once queue instead of failing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Self

from tracker.errors import TrackerError

SCHEMA_VERSION = 12
# How long a writer waits for another's transaction to end (SQLite's busy timeout).
BUSY_TIMEOUT_MS = 10_000


class Connection:
    def __init__(self, dialect):
        self.dialect = dialect
        # How messages name the database; the file itself for what only SQLite has
        # (backup, check), None on an engine without one.
        self.where, self.path = dialect.where, getattr(dialect, "path", None)
        # While bulk_loading(): ids and zones of the items it added, so that an
        # import does not ask the database about what it has just written.
        self._loaded: dict | None = None
        # What was found changed in the safeguards (the triggers) on open, if anything:
        # writes are refused then, reads go on with a warning at the end.
        self.safeguards_changed: str | None = None
        # Whether close() says so when they were (not for `tracker check`, whose work it is).
        self.warn_if_changed, self._refused = True, False
        # The command this run is (add, update ...), named in the `commands` row that
        # its transaction's log rows point at; that row is written with the first of them.
        self.command_name = "tracker"
        self._command_id: int | None = None
        # Tables this transaction wrote rows to with their own ids (see Dialect.ids_given).
        self.ids_written: set[str] = set()
        # Commits of this run's commands (not the schema's, made on opening).
        self.commits = 0
        self.conn = dialect.connect()
        self._ensure_shape()
        self.commits = 0
        self.safeguards_changed = dialect.changed_safeguards(self.conn)

    def query(self, sql: str, params=()) -> list[dict]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def rows(self, sql: str, params=(), large: bool = False) -> AbstractContextManager:
        """A cursor over a read's rows, as a context manager: streamed where the read may
        be `large` (a whole table, the whole log: conn.stream, see Dialect.connect), else
        execute()'s, in one round trip."""
        return self.conn.stream(sql, params) if large else nullcontext(self.conn.execute(sql, params))

    # -- opening ---------------------------------------------------------------

    def _ensure_shape(self) -> None:
        dialect = self.dialect
        try:
            version = dialect.schema_version(self.conn)
            if version == SCHEMA_VERSION:
                return
            with self.writing():
                # Read again under the write lock: another process may have
                # made the schema meanwhile.
                version = dialect.schema_version(self.conn)
                if version == 0:
                    dialect.make_schema(self.conn)
                elif version > SCHEMA_VERSION:
                    raise TrackerError(
                        f"{self.where} was written by a newer tracker (schema {version}, "
                        f"this one knows {SCHEMA_VERSION}): upgrade tracker"
                    )
                else:
                    while version < SCHEMA_VERSION:
                        dialect.migrate(self.conn, version + 1)
                        version = dialect.schema_version(self.conn)
        except dialect.Error as error:
            raise dialect.open_trouble(error) from None

    def close(self) -> None:
        from tracker import errors

        # Damage met while reading is said in one line at the end, which names `tracker
        # check` already: the warning would be a second line.
        if self.safeguards_changed and self.warn_if_changed and not self._refused and not errors.damaged:
            from tracker.render.safe import printable

            sys.stderr.write(f"tracker: warning: the database's safeguards were changed outside tracker "
                             f"({printable(self.safeguards_changed)}): run `tracker check --repair`\n")
        self.conn.close()

    @contextmanager
    def writing(self, repairing: bool = False) -> Iterator[Self]:
        """One write transaction (the dialect's begin_write: one writer at a time): all of
        it lands, or none of it. Refused while the safeguards are changed, unless
        `repairing` (tracker check --repair)."""
        if getattr(self.conn, "reading", False):
            # On PostgreSQL the write would run inside the stream's read-only transaction.
            raise RuntimeError("a write begun while a stream read outside a transaction is open (conn.stream): "
                               "read what the write needs first, then write")
        if self.conn.in_transaction:
            yield self
            return
        if self.safeguards_changed and not repairing:
            self._refused = True
            raise TrackerError(f"the database's safeguards were changed outside tracker "
                               f"({self.safeguards_changed}): run `tracker check --repair`")
        self.dialect.begin_write(self.conn)
        # One transaction, one command: what `tracker undo` reverses whole.
        self._command_id = None
        self.ids_written = set()
        try:
            yield self
            if self.ids_written:
                self.dialect.ids_given(self.conn, self.ids_written)
        except self.dialect.Error as error:
            # A full disk or a damaged file met while writing: told as such, after the rollback.
            self._command_id = None
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise self.dialect.trouble(error, writing=True) from None
        except BaseException:
            self._command_id = None
            self.conn.execute("ROLLBACK")
            raise
        self._command_id = None
        try:
            self.conn.execute("COMMIT")
        except self.dialect.Error as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise self.dialect.trouble(error, writing=True) from None
        self.commits += 1

    @contextmanager
    def loading(self) -> Iterator[Self]:
        """Inside writing(): items looked up by what was planned (see Writes.loaded), not
        only by what was written, so that inserts can wait and go in batches."""
        if self._loaded is not None:
            yield self
            return
        self._loaded = {"ids": {}, "zones": {}}
        try:
            yield self
        finally:
            self._loaded = None

    @contextmanager
    def bulk_loading(self, rows: int = 0) -> Iterator[Self]:
        """Inside writing(): many inserts (about `rows`), with the work of the row
        triggers done once at the end where the dialect knows how (see
        Dialect.bulk_begin).

        If the block fails, the transaction's rollback undoes what bulk_begin() did
        with everything else.
        """
        if not self.conn.in_transaction:
            raise RuntimeError("bulk_loading() belongs inside writing()")
        begun = self.dialect.bulk_begin(self.conn, rows)
        with self.loading():
            yield self
        self.dialect.bulk_end(self.conn, begun)
