"""What differs between the engines a store can sit on: SQLite (the embedded default,
tracker/store/sqlite.py) and PostgreSQL (a desk's shared log, tracker/store/postgres.py).

The concerns of the store (items, log, report, writes ...) hold their SQL once, written
with `?` and `:name` placeholders; a dialect gives them a connection that takes that
SQL, and the few fragments the engines spell differently. Where a whole query must
differ, the concern keeps both texts side by side and asks `dialect.name`: a reader
sees the twins together, and the dialect keeps only the mechanics.

Modelled on taskchampion's storage module: one interface, one implementation per
engine, one behaviour suite run against each (tests/conftest.py `--backend`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracker.errors import TrackerError


class Dialect:
    """One database, on one engine: how to reach it, keep its shape, and speak to it."""

    #: "sqlite" or "postgres": for the few queries a concern must write twice.
    name: str
    #: The driver's base error, and the error of a refused row (a UNIQUE, CHECK, FK).
    Error: type[Exception]
    IntegrityError: type[Exception]
    #: How messages name the database: a file's path, or a URL without its password.
    where: str

    # -- the connection ----------------------------------------------------------

    def connect(self) -> Any:
        """A DB-API connection that takes tracker's SQL (`?` and `:name` placeholders):
        `execute(sql, params)` and `executemany(sql, rows)` returning a cursor
        (`fetchone`, `fetchmany`, `fetchall`, iteration, `description`, `rowcount`),
        `in_transaction`, `close()`. Transactions are begun and ended by executing
        "BEGIN"/"COMMIT"/"ROLLBACK" (the connection never opens one on its own).

        Also `stream(sql, params)`: a context manager whose value is a cursor (as
        execute's) for a read that may be large, a whole table or the whole log: the
        client holds a batch of its rows at a time, not the result, so that memory stays
        flat with the size of the database. Other statements may run on the connection
        between its batches. Outside a transaction it may open one of its own (read-only:
        PostgreSQL's named cursors live in one), ended when the block ends however it ends
        (exhausted, left early, failed); `reading` is true meanwhile, and
        Connection.writing() refuses to begin a write then. Inside a write it reads there.
        Short everyday reads use execute(): one round trip. SQLite's cursor steps through
        its rows as they are used already: its stream is execute()'s cursor."""
        raise NotImplementedError

    def trouble(self, error: Exception, writing: bool = False) -> TrackerError:
        """What a driver error means for the user, in one line that says what to do
        (a full disk, a damaged file, a refused login, a read-only role ...). Never
        holds a password."""
        raise NotImplementedError

    def open_trouble(self, error: Exception) -> TrackerError:
        """As trouble(), for an error met while opening the database and reading its
        shape (SQLite names a file it may not write in; an engine with nothing more to
        say about opening than trouble() keeps this default)."""
        return self.trouble(error)

    # -- the shape ---------------------------------------------------------------

    def schema_version(self, conn) -> int:
        """The database's schema version; 0 for an empty database."""
        raise NotImplementedError

    def make_schema(self, conn) -> None:
        """An empty database made at the latest version (refusing one that holds
        someone else's tables). Runs inside a write transaction."""
        raise NotImplementedError

    def migrate(self, conn, to_version: int) -> None:
        """One step, from version `to_version` - 1. Runs inside a write transaction."""
        raise NotImplementedError

    def changed_safeguards(self, conn) -> str | None:
        """Which of the triggers that keep the log append-only and the derived tables
        in step is missing, altered or not tracker's; None when all are as shipped."""
        raise NotImplementedError

    def begin_write(self, conn) -> None:
        """Begin the one write transaction of a command, queued behind any other
        writer's (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and an advisory lock),
        so that max(num) + 1 is the next ref, gap-free, whoever else is writing."""
        raise NotImplementedError

    # -- bulk loading --------------------------------------------------------------

    def bulk_begin(self, conn, rows: int) -> Any:
        """Inside a write transaction, before about `rows` items are inserted at once (an
        import): make ready for many inserts, and return what bulk_end() needs. SQLite
        drops the row triggers that keep the derived tables (and, for a load larger than
        the database, most indexes) and sizes its page cache. An engine whose triggers
        work per statement keeps them on and does nothing: this default."""
        return None

    def bulk_end(self, conn, begun: Any) -> None:
        """After the inserts, still inside the transaction: what bulk_begin() set aside
        done at once (SQLite: the indexes built again, the derived rows written in
        set-based SQL, the triggers made again), refusing (TrackerError) an item put in
        one that is not an event. If the load fails, the rollback undoes bulk_begin()."""

    def ids_given(self, conn, tables: set[str]) -> None:
        """Before the commit of a transaction that wrote rows with their own ids (an
        import, a copy): the next id the database gives is past them. SQLite's next
        rowid is max(id) + 1 already: this default does nothing."""

    def keep_authors(self, conn) -> None:
        """Inside a write transaction that appends log rows carrying their own author
        (an import, a copy): keep them. SQLite writes what it is given: nothing to do."""

    def author(self, conn) -> str | None | type(NotImplemented):
        """Who the database says this session's changes are by (PostgreSQL: the role it
        logged in as); NotImplemented where it does not say (SQLite: tracker decides)."""
        return NotImplemented

    # -- fragments of SQL spelt differently ----------------------------------------

    def in_list(self, column: str, param: str = "?") -> str:
        """`column` is one of the values of the list bound to `param` (see list_value):
        one parameter however many values."""
        raise NotImplementedError

    def list_value(self, values: Iterable) -> Any:
        """The parameter in_list() reads: ints or strings."""
        raise NotImplementedError

    def indexed_by(self, index: str) -> str:
        """A clause after a table's name that makes the planner read it by `index` (SQLite's
        INDEXED BY, where its planner would choose worse); empty where the engine plans
        on statistics of its own (PostgreSQL)."""
        raise NotImplementedError

    def same(self, left: str, right: str) -> str:
        """`left` equals `right`, NULL equal to NULL (SQLite's IS)."""
        raise NotImplementedError

    def differs(self, left: str, right: str) -> str:
        """`left` is not `right`, NULL equal to NULL (SQLite's IS NOT)."""
        raise NotImplementedError

    def unindexed(self, column: str) -> str:
        """`column`, kept from steering the planner to its indexes (SQLite's unary +)."""
        raise NotImplementedError

    def nocase_equals(self, column: str, param: str = "?") -> str:
        """`column` equals the parameter, ASCII letters compared without case (SQLite's
        NOCASE: É and é stay different, on both engines)."""
        raise NotImplementedError

    def json_text(self, column: str, key: str) -> str:
        """The text member `key` of the JSON object held (as text) in `column`."""
        raise NotImplementedError

    def days_apart(self, first: str, second: str) -> str:
        """How many days (a real number) lie between two of tracker's written instants."""
        raise NotImplementedError

    def search_ids(self, param: str = "?") -> str:
        """A SELECT of the ids of items whose title, notes or sources match the search
        bound to `param` (see search_value)."""
        raise NotImplementedError

    def search_value(self, text: str) -> str:
        """The parameter search_ids() reads, from what the user typed."""
        raise NotImplementedError

    def title_ids(self, every: bool, param: str = "?") -> str:
        """A SELECT of the ids of items whose title holds every one (or, not `every`, any)
        of the words bound to `param` (see title_value), whole words."""
        raise NotImplementedError

    def title_value(self, words: list[str], every: bool) -> str:
        """The parameter title_ids() reads: words of a headline, each of letters or digits."""
        raise NotImplementedError
