"""The only package with SQL: opens the database, keeps its shape, reads and writes it.

`Store` is one object over one connection, made of a class per concern, each
holding that concern's SQL (a second backend would replace them one by one):

- connection: opening, the schema and its migrations, transactions (`writing()`),
  bulk loading, and the helpers every concern shares;
- items: reading items, one or many, lists and countdown (`ItemQuery`);
- log: reading the change log, and where a change falls in time (`Span`);
- report: the report's counts, pipeline, overdue and quiet items;
- writes: inserting and updating items, appending to the log (each transaction's
  rows under one command);
- integrity: what `tracker check` reads, and what its `--repair` writes;
- undo: the commands that wrote the log, and the retraction of notes;
- feeds: the feeds followed, the entries read, the proposals of the inbox;
- calendar: what a calendar entry adds to an item (revisions, latest source, agreements).

Every write happens inside `Store.writing()`, one IMMEDIATE transaction: the
change and its log rows land together or not at all.
"""

from __future__ import annotations

from tracker.store.calendar import CalendarReads
from tracker.store.feeds import FeedStore
from tracker.store.copying import CopyReads, CopyWrites
from tracker.store.connection import BUSY_TIMEOUT_MS, SCHEMA_VERSION, Connection, migration, schema_sql, statements
from tracker.store.integrity import Integrity
from tracker.store.items import ItemQuery, ItemReads, fts_query
from tracker.store.log import DAY_SLACK_HOURS, LogReads, Span
from tracker.store.report import ReportReads
from tracker.store.undo import UndoReads
from tracker.store.writes import Writes

__all__ = ["BUSY_TIMEOUT_MS", "DAY_SLACK_HOURS", "SCHEMA_VERSION", "ItemQuery", "Span", "Store", "fts_query",
           "migration", "schema_sql", "statements"]


class Store(CopyReads, CopyWrites, CalendarReads, FeedStore, UndoReads, ReportReads, ItemReads, LogReads, Writes, Integrity, Connection):
    """The database of one tracker: `Store(path)` opens it (making or migrating it)."""
