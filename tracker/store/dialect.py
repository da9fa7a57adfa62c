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

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from typing import Any

from tracker.errors import TrackerError


def quoted(name: str) -> str:
    """A table's or column's name as SQL names it, whatever it is (a keyword: "set")."""
    return '"' + name.replace('"', '""') + '"'


def count_agreements(conn, first_item: int) -> None:
    """The agreement counts of the items from `first_item` on, added to those kept (a bulk
    load's end, on either engine): what the insert trigger adds row by row."""
    for owner in ("coalesce(event_id, 0)", "-1"):
        conn.execute(
            f"INSERT INTO agreement_counts (event_id, status, n) SELECT {owner}, status, count(*) FROM items "
            "WHERE id >= ? AND type = 'agreement' AND removed IS NULL GROUP BY 1, 2 "
            "ON CONFLICT (event_id, status) DO UPDATE SET n = agreement_counts.n + excluded.n", (first_item,))


class Dialect:
    """One database, on one engine: how to reach it, keep its shape, and speak to it."""

    #: "sqlite" or "postgres": for the few queries a concern must write twice.
    name: str
    #: The driver's base error, and the error(s) of a refused row (a UNIQUE, CHECK, FK, or
    #: one of tracker's triggers): what `except` names, a class or a tuple of classes.
    Error: type[Exception]
    IntegrityError: type[Exception] | tuple[type[Exception], ...]
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

    @contextmanager
    def may_fail(self, conn) -> Iterator[None]:
        """A part of a transaction that may fail without ending it: when a statement inside
        raises the driver's error, what the part wrote is undone and the error goes on, the
        transaction still usable for the caller (to ask which row of an import's batch was
        refused, or to go on checking after a query over a dropped table). SQLite undoes a
        failed statement alone and keeps its transaction: this default does nothing.
        PostgreSQL would refuse every later statement of the transaction: a savepoint,
        rolled back to on the error, released otherwise."""
        yield

    def insert_many(self, conn, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows into a table, in as few statements as may be (names from tracker's code).

        This default: statements of many rows each (INSERT ... VALUES (...), (...), ...),
        999 parameters at most, SQLite's oldest limit. Faster than executemany, which runs
        the statement once per row: a CHECK with an IN list builds its lookup table at
        each run, so once per row there, once per few dozen rows here."""
        per = max(1, 999 // len(columns))
        one = f"({', '.join('?' * len(columns))})"
        head = f"INSERT INTO {quoted(table)} ({', '.join(map(quoted, columns))}) VALUES "
        for first in range(0, len(rows), per):
            chunk = rows[first:first + per]
            conn.execute(head + ", ".join([one] * len(chunk)), list(chain.from_iterable(chunk)))

    # -- bulk loading --------------------------------------------------------------

    def bulk_begin(self, conn, rows: int) -> Any:
        """Inside a write transaction, before about `rows` items are inserted at once (an
        import, a copy): make ready for many inserts, and return what bulk_end() needs.
        SQLite drops the row triggers that keep the derived tables (and, for a load larger
        than the database, most indexes) and sizes its page cache; PostgreSQL says
        tracker.bulk_load for the transaction, which those triggers read and stand aside
        for (no ownership needed: an editor loads as fast). The log's safeguards hold row
        by row on both, and so, on PostgreSQL, do who made a change and that an item's
        event is an event (which SQLite's bulk_end checks for the whole load at once).
        An engine with nothing to set aside keeps this default: nothing."""
        return None

    def bulk_end(self, conn, begun: Any) -> None:
        """After the inserts, still inside the transaction: what bulk_begin() set aside
        done at once (SQLite: the indexes built again, the derived rows written by
        fill_derived(), the triggers made again, refusing (TrackerError) an item put in
        one that is not an event; PostgreSQL: the triggers at work again, fill_derived()).
        If the load fails, the rollback undoes bulk_begin()."""

    def fill_derived(self, conn, first_item: int, first_change: int) -> None:
        """The derived tables (the search index, the agreement counts) written set-based for
        items from `first_item` and changes from `first_change` on, as their triggers
        would have row by row: a bulk load's end, and `tracker check --repair` (from 1,
        the tables emptied first)."""
        raise NotImplementedError

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
