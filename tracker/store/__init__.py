"""The only package with SQL: opens the database, keeps its shape, reads and writes it.

`Store` is one object over one connection, made of a class per concern, each
holding that concern's SQL, over a dialect: what differs between the engines a
store can sit on (tracker/store/dialect.py, the interface).

- dialect: the interface an engine implements; sqlite: SQLite's implementation
  (the connection, PRAGMA user_version, schema.sql and tracker/migrations/, the
  triggers in sqlite_master, BEGIN IMMEDIATE, SQLite's errors told to the user, the
  bulk loader's dropped triggers and indexes, json_each, FTS5). PostgreSQL's will be
  postgres.py (see open_store);
- connection: the dialect-neutral base: opening (version, making, migrating),
  transactions (`writing()`), bulk loading (the dialect's hooks), `query()`;
- items: reading items, one or many, lists and countdown (`ItemQuery`);
- log: reading the change log, and where a change falls in time (`Span`);
- report: the report's counts, pipeline, overdue and quiet items;
- writes: inserting and updating items, appending to the log (each transaction's
  rows under one command);
- integrity: what `tracker check` reads, and what its `--repair` writes (much of it
  SQLite's own checks, marked as such);
- undo: the commands that wrote the log, and the retraction of notes;
- feeds: the feeds followed, the entries read, the proposals of the inbox;
- calendar: what a calendar entry adds to an item (revisions, latest source, agreements).

The concerns write their SQL once, with `self.dialect`'s fragments where the engines
differ (in_list, unindexed, nocase_equals, json_text, days_apart, search_ids), and
never import a driver: they catch `self.dialect.Error` / `IntegrityError`.

Every write happens inside `Store.writing()`, one write transaction: the change and
its log rows land together or not at all.
"""

from __future__ import annotations

from pathlib import Path

from tracker.model import is_url
from tracker.store.calendar import CalendarReads
from tracker.store.feeds import FeedStore
from tracker.store.copying import CopyReads, CopyWrites
from tracker.store.connection import BUSY_TIMEOUT_MS, SCHEMA_VERSION, Connection
from tracker.store.dialect import Dialect
from tracker.store.integrity import Integrity
from tracker.store.items import ItemQuery, ItemReads, fts_query
from tracker.store.log import DAY_SLACK_HOURS, LogReads, Span
from tracker.store.report import ReportReads
from tracker.store.sqlite import SQLiteDialect, migration, schema_sql, statements
from tracker.store.undo import UndoReads
from tracker.store.writes import Writes

__all__ = ["BUSY_TIMEOUT_MS", "DAY_SLACK_HOURS", "SCHEMA_VERSION", "ItemQuery", "Span", "Store", "dialect_for",
           "fts_query", "is_url", "migration", "open_store", "schema_sql", "statements"]

class Store(CopyReads, CopyWrites, CalendarReads, FeedStore, UndoReads, ReportReads, ItemReads, LogReads, Writes, Integrity, Connection):
    """The database of one tracker, opened (made or migrated) over a dialect:
    `Store(dialect)`, or `Store(target)` for what --db names: an SQLite file's path, or
    a PostgreSQL URL."""

    def __init__(self, dialect: Dialect | Path | str, make_folder: bool = False):
        if not isinstance(dialect, Dialect):
            dialect = dialect_for(dialect, make_folder)
        super().__init__(dialect)


def dialect_for(target: Path | str, make_folder: bool = False) -> Dialect:
    """The dialect of a database named by --db or TRACKER_DB: a PostgreSQL URL, or
    else the path of an SQLite file. Nothing is opened yet; PostgreSQL's module (and
    its driver, later) is imported only for a URL."""
    if is_url(target):
        from tracker.store.postgres import PostgresDialect

        return PostgresDialect(target)
    return SQLiteDialect(Path(target), make_folder)


def open_store(target: Path | str, make_folder: bool = False) -> Store:
    """The store a --db or TRACKER_DB names, opened (see dialect_for)."""
    return Store(dialect_for(target, make_folder))
