"""What `tracker copy` reads of one database and writes into another, table by table.

Written for either engine: `?` placeholders only, identifiers quoted, no rowid, PRAGMA
or json_each, and a table's columns read from a query's description, so that a
column added by a migration (changes.recorded_by) is carried without being named here.
Rows are written by Writes._insert_many, many to a statement, which also notes the
tables given their own ids, for the engine to set its identity sequences past them
before the commit (Dialect.ids_given).
"""

from __future__ import annotations

from collections.abc import Iterator

from tracker.store.connection import Connection
from tracker.store.dialect import quoted

# The tables of the log and the inbox, in the order their foreign keys need: a row is
# written after the rows it refers to. The derived tables (item_search,
# agreement_counts) are not copied: the target fills them itself (bulk_loading).
COPIED = ("commands", "items", "item_parties", "item_tags", "changes", "feeds", "feed_entries", "proposals")
# Each table's primary key: read in its order (the order rows were written in), a batch
# at a time from where the last one ended.
_KEY = {"item_parties": ("item_id", "position"), "item_tags": ("item_id", "position")}


class CopyReads(Connection):
    def begin_snapshot(self) -> None:
        """Every read from here to end_snapshot() sees the database as of one instant,
        whatever other processes commit meanwhile: on SQLite a read transaction (in WAL
        mode writers go on beside it); on PostgreSQL a read-only transaction at
        REPEATABLE READ, whose every statement sees the snapshot of its first."""
        self.conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if self.dialect.name == "postgres"
                          else "BEGIN")

    def end_snapshot(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def copied_columns(self, table: str) -> list[str]:
        """The table's columns, in their order, as this database has them."""
        cursor = self.conn.execute(f"SELECT * FROM {quoted(table)} LIMIT 0")
        return [column[0] for column in cursor.description]

    def row_batches(self, table: str, columns: list[str], size: int) -> Iterator[list[tuple]]:
        """The table's rows in key order, `size` at a time. Each batch is a query of its
        own that starts after the last key read (an index seek), so that memory holds one
        batch with any driver: PostgreSQL's would fetch a single query's result whole."""
        key = _KEY.get(table, ("id",))
        at = [columns.index(name) for name in key]
        listed, keyed = ", ".join(map(quoted, columns)), ", ".join(map(quoted, key))
        first = f"SELECT {listed} FROM {quoted(table)} ORDER BY {keyed} LIMIT ?"
        after = (f"SELECT {listed} FROM {quoted(table)} WHERE ({keyed}) > ({', '.join('?' for _ in key)}) "
                 f"ORDER BY {keyed} LIMIT ?")
        batch = self.conn.execute(first, (size,)).fetchall()
        while batch:
            yield batch
            if len(batch) < size:
                return
            last = batch[-1]
            batch = self.conn.execute(after, (*(last[place] for place in at), size)).fetchall()

    def copied_counts(self) -> dict[str, int]:
        """How many rows each copied table holds."""
        row = self.conn.execute(
            "SELECT " + ", ".join(f"(SELECT count(*) FROM {quoted(table)})" for table in COPIED)).fetchone()
        return dict(zip(COPIED, row))

    def late_links(self) -> int:
        """How many items belong to an event added after them (its id is larger): moved
        there by `update --event` or `--in`."""
        return self.conn.execute("SELECT count(*) FROM items WHERE event_id > id").fetchone()[0]


class CopyWrites(Connection):
    def put_rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows written as they are, ids and authors included. Inside writing()."""
        if table == "changes":
            self.dialect.keep_authors(self.conn)
        self._insert_many(table, columns, rows)

    def link_late(self, links: list[tuple[int, int]]) -> None:
        """Items written without their event, which came after them: (event id, item id).
        An update, so that the triggers keeping the agreement counts move them there."""
        self.conn.executemany("UPDATE items SET event_id = ? WHERE id = ?", links)
