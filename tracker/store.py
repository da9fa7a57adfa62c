"""The only module with SQL: opens the database, keeps its shape, reads and writes it.

Every write happens inside `Store.writing()`, one IMMEDIATE transaction: the
change and its log rows land together or not at all, and two processes that
write at once queue on SQLite's lock (WAL, busy timeout) instead of failing.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import BadArgument, TrackerError
from tracker.model import Change, Item, ItemType, Ref

SCHEMA_VERSION = 4
BUSY_TIMEOUT_MS = 10_000
# A date-only change ("--on 2025-11-24") is stored at 00:00 of its day in its item's
# zone: up to 26 hours (UTC+14 against UTC-12) from 00:00 in the reader's zone.
DAY_SLACK_HOURS = 26


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


@dataclass(frozen=True)
class Span:
    """A stretch of the log as a reader means it: a change with a time belongs to it if
    it happened from `since_utc` up to `until_utc` (exclusive); a date-only change if its
    date is from `first_day` up to `end_day` (exclusive): the days whose 00:00 in the
    reader's zone falls in the stretch, whatever the item's zone. An end may be open
    (None). Without days, date-only changes are placed by their stored instant."""

    since_utc: str | None = None
    until_utc: str | None = None
    first_day: str | None = None
    end_day: str | None = None

    def where(self, table: str = "changes") -> tuple[str, dict]:
        """The SQL condition and its parameters. It reads the happened_utc index over the
        stretch widened by DAY_SLACK_HOURS at each end, then places date-only rows by date."""
        timed, params = [], {}
        for name, op in (("since_utc", ">="), ("until_utc", "<")):
            if getattr(self, name) is not None:
                timed.append(f"{table}.happened_utc {op} :{name}")
                params[name] = getattr(self, name)
        if self.first_day is None and self.end_day is None:
            return " AND ".join(timed) or "1", params
        wide, days = [], []
        for name, op, day, shift in (("since_utc", ">=", "first_day", -DAY_SLACK_HOURS),
                                     ("until_utc", "<", "end_day", DAY_SLACK_HOURS)):
            if getattr(self, name) is not None:
                wide.append(f"{table}.happened_utc {op} :wide_{name}")
                params[f"wide_{name}"] = _shifted(getattr(self, name), shift)
                days.append(f"{table}.happened {op} :{day}")
                params[day] = getattr(self, day)
        condition = (f"CASE WHEN length({table}.happened) = 10 THEN {' AND '.join(days)} "
                     f"ELSE {' AND '.join(timed)} END")
        return " AND ".join([*wide, condition]), params

    def inner(self) -> Span | None:
        """The part of a closed stretch where every change, date-only or not, belongs to
        it by its stored instant alone (DAY_SLACK_HOURS in from each end); None if none."""
        if self.since_utc is None or self.until_utc is None or self.first_day is None:
            return None
        since, until = _shifted(self.since_utc, DAY_SLACK_HOURS), _shifted(self.until_utc, -DAY_SLACK_HOURS)
        return Span(since, until) if since < until else None


def _shifted(utc_text: str, hours: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(utc_text) + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ItemQuery:
    """What `tracker list` asks for; empty fields filter nothing."""

    types: tuple[ItemType, ...] = ("event", "agreement")
    statuses: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)      # all of them
    tags: list[str] = field(default_factory=list)         # all of them
    within: Ref | None = None                             # the event (or parent event)
    from_utc: str | None = None
    to_utc: str | None = None
    search: str | None = None
    series: str | None = None
    open_at_utc: str | None = None    # only what is still open at this instant (a search: that first)
    under_way_since_utc: str | None = None   # events under way started after this instant
    closed: dict[str, tuple[str, ...]] | None = None      # closed statuses per type
    with_removed: bool = False
    limit: int | None = None          # of each type; None for all


_ITEM_COLUMNS = """
    items.id, items.uid, items.type, items.num, items.title, items.kind, items.status,
    items.starts, items.starts_utc, items.ends, items.ends_utc, items.tz, items.location,
    items.sector, items.due, items.due_utc, items.created, items.updated, items.removed,
    items.series, items.series_number,
    parent.type AS parent_type, parent.num AS parent_num, parent.tz AS parent_tz
"""
_ITEM_FROM = "items LEFT JOIN items AS parent ON parent.id = items.event_id"


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
                 "changes_by_item", "changes_by_happened", "changes_settling")


class Store:
    def __init__(self, path: Path):
        self.path = path
        self._db = None
        # While bulk_loading(): ids and zones of the items it added, so that an
        # import does not ask the database about what it has just written.
        self._loaded: dict | None = None
        self.conn = self._connect(path)
        self._ensure_shape()

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
    def _connect(path: Path) -> sqlite3.Connection:
        if path.is_dir():
            raise TrackerError(f"database {path} is a folder: give a file path with --db or TRACKER_DB")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
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
                    tables = self.conn.execute(
                        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                    ).fetchone()[0]
                    if tables:
                        raise TrackerError(
                            f"{self.path} is an SQLite database, but not tracker's: "
                            "choose another file with --db or TRACKER_DB"
                        )
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

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """One IMMEDIATE transaction: all of it lands, or none of it."""
        if self.conn.in_transaction:
            yield self
            return
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise TrackerError(f"cannot write to {self.path}: {error}; try again") from None
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.DatabaseError as error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise TrackerError(f"cannot write to {self.path}: {error}; nothing was changed") from None

    @contextmanager
    def bulk_loading(self, rows: int = 0) -> Iterator[Store]:
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

    # -- reading ---------------------------------------------------------------

    def item_id(self, ref: Ref) -> int | None:
        if self._loaded is not None and (ref.type, ref.num) in self._loaded["ids"]:
            return self._loaded["ids"][ref.type, ref.num]
        row = self.conn.execute(
            "SELECT id FROM items WHERE type = ? AND num = ?", (ref.type, ref.num)
        ).fetchone()
        return row[0] if row else None

    def item_id_by_uid(self, uid: str) -> int | None:
        row = self.conn.execute("SELECT id FROM items WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else None

    def item(self, ref: Ref) -> tuple[int, Item] | None:
        rows = list(self.query(
            f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.type = ? AND items.num = ?",
            (ref.type, ref.num),
        ))
        if not rows:
            return None
        return rows[0]["id"], self._items(rows)[0]

    def items_by_ref(self, refs) -> dict[Ref, tuple[int, Item]]:
        """Several items at once, with their ids: one query per type, not one per item."""
        found: dict[Ref, tuple[int, Item]] = {}
        for item_type in ("event", "agreement"):
            nums = [ref.num for ref in refs if ref is not None and ref.type == item_type]
            if nums:
                rows = self.query(f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.type = ? "
                                  "AND items.num IN (SELECT value FROM json_each(?))", (item_type, _id_list(nums)))
                found.update((item.ref, (row["id"], item)) for row, item in zip(rows, self._items(rows)))
        return found

    def items(self, query: ItemQuery) -> list[Item]:
        """Items of each type asked for, events first; at most `query.limit` + 1 of each
        (the one more tells the caller there are more)."""
        return list(self.iter_items(query))

    def iter_items(self, query: ItemQuery, batch: int = 500) -> Iterator[Item]:
        """As items(), read and made `batch` rows at a time: memory stays flat however
        many match (`tracker list --json` of a million items)."""
        for item_type in ("event", "agreement"):
            if item_type in query.types:
                yield from self._items_of(item_type, query, batch)

    def _filters(self, item_type: str, query: ItemQuery) -> tuple[str, list]:
        """The WHERE of a list query for one type, and its parameters."""
        where, params = ([] if query.with_removed else ["items.removed IS NULL"]), []
        # What belongs to one event, or a search with few matches, is a handful of rows
        # found by their own index (items_by_event, the search index) and sorted: "+"
        # keeps the planner off the (type, ...) indexes, which would walk every item of
        # the type to find them.
        few = query.within is not None or (query.search and self._few_match(query.search))
        where.append("+items.type = ?" if few else "items.type = ?")
        params.append(item_type)
        for column, values in (("status", query.statuses), ("kind", query.kinds), ("sector", query.sectors)):
            if values:
                where.append(f"items.{column} IN ({', '.join('?' for _ in values)})")
                params += values
        for table, column, values in (("item_parties", "party", query.parties), ("item_tags", "tag", query.tags)):
            for value in values:
                where.append(
                    f"EXISTS (SELECT 1 FROM {table} WHERE {table}.item_id = items.id "
                    f"AND {table}.{column} = ? COLLATE NOCASE)"
                )
                params.append(value)
        if query.series:
            where.append("items.series = ? COLLATE NOCASE")
            params.append(query.series)
        if query.within:
            where.append("parent.type = ? AND parent.num = ?")
            params += [query.within.type, query.within.num]
        # A period takes events that overlap it and agreements due in it.
        if query.from_utc:
            where.append("(items.ends_utc >= ? OR items.due_utc >= ?)")
            params += [query.from_utc, query.from_utc]
        if query.to_utc:
            where.append("(items.starts_utc < ? OR items.due_utc < ?)")
            params += [query.to_utc, query.to_utc]
        if query.search:
            where.append("items.id IN (SELECT rowid FROM item_search WHERE item_search MATCH ?)")
            params.append(fts_query(query.search))
        return " AND ".join(where), params

    # A search that matches up to this many items reads them from the search index and
    # sorts them; one that matches more walks the (type, ...) indexes in order, where
    # matches are close together.
    FEW_MATCHES = 5000

    def _few_match(self, search: str) -> bool:
        with self._searching(ItemQuery(search=search)):
            return self.conn.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM item_search WHERE item_search MATCH ? LIMIT {self.FEW_MATCHES + 1})",
                (fts_query(search),)).fetchone()[0] <= self.FEW_MATCHES

    def _items_of(self, item_type: str, query: ItemQuery, batch: int) -> Iterator[Item]:
        where, params = self._filters(item_type, query)
        select = f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE {where} "
        left = int(query.limit) + 1 if query.limit else None
        with self._searching(query):
            for condition, more, order in self._parts(item_type, query):
                if left is not None and left <= 0:
                    break
                cursor = self.conn.execute(select + condition + f" ORDER BY {order}"
                                           + (f" LIMIT {left}" if left is not None else ""), (*params, *more))
                names = [column[0] for column in cursor.description]
                while rows := cursor.fetchmany(batch):
                    if left is not None:
                        left -= len(rows)
                    yield from self._items([dict(zip(names, row)) for row in rows])

    def count_items(self, query: ItemQuery, item_type: str, cap: int) -> int:
        """How many items of a type a list query finds, counted up to `cap`: the same
        index reads as the list, stopped there."""
        where, params = self._filters(item_type, query)
        found = 0
        with self._searching(query):
            for condition, more, order in self._parts(item_type, query):
                if found >= cap:
                    break
                found += self.conn.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {_ITEM_FROM} WHERE {where} {condition} "
                    f"ORDER BY {order} LIMIT {int(cap - found)})", (*params, *more)).fetchone()[0]
        return found

    @contextmanager
    def _searching(self, query: ItemQuery) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as error:
            if query.search and "fts5" in str(error):
                raise TrackerError(f"cannot search for {query.search!r}: {error}") from None
            raise

    @staticmethod
    def _parts(item_type: str, query: ItemQuery) -> list[tuple[str, tuple, str]]:
        """The queries that read one type in order, one after the other: (condition, its
        parameters, order). Each is an index read in its order, so that a list stops at
        its limit instead of sorting every match."""
        closed = (query.closed or {}).get(item_type) if query.open_at_utc else None
        if item_type == "agreement":
            # In the order of their numbers, read from the (type, num) index.
            if not closed:
                return [("", (), "items.num")]
            marks = ", ".join("?" for _ in closed)
            parts = [(f"AND items.status NOT IN ({marks})", closed, "items.num")]
            if query.search:      # a search finds the settled ones too, after the open ones
                parts.append((f"AND items.status IN ({marks})", closed, "items.num"))
            return parts
        if query.series:
            return [("", (), "items.series_number IS NULL, items.series_number, "
                             "items.starts_utc IS NULL, items.starts_utc, items.num")]
        # By start, as countdown has them; undated ones last. The (type, starts_utc,
        # ends_utc) index gives that order; "+" keeps the planner off the others.
        dated = ("AND items.starts_utc IS NOT NULL", (), "items.starts_utc, items.ends_utc, items.id")
        # Undated: no end either, read from the (type, ends_utc) index in id order.
        undated = ("AND items.ends_utc IS NULL", (), "items.id")
        if not closed:
            return [dated, undated]
        # Still open: not held or cancelled, and not over. What is under way is
        # looked for among the events that started since `under_way_since_utc` (a
        # year before, as countdown does), so that the read starts near now.
        marks = ", ".join("?" for _ in closed)
        since = query.under_way_since_utc or query.open_at_utc
        is_open = f"items.status NOT IN ({marks})"
        parts = [
            (f"AND {is_open} AND items.starts_utc >= ? AND +items.ends_utc >= ?",
             (*closed, since, query.open_at_utc), dated[2]),
            (f"AND {is_open} {undated[0]}", closed, undated[2]),
        ]
        if query.search:
            # Then what a search also finds: held, cancelled and past events, by start.
            rest = (f"AND NOT ({is_open} AND (items.starts_utc IS NULL OR "
                    "(items.starts_utc >= ? AND items.ends_utc >= ?)))")
            parts.append((rest, (*closed, since, query.open_at_utc),
                          "items.starts_utc IS NULL, items.starts_utc, items.ends_utc, items.id"))
        return parts

    def coming(self, now_utc: str, horizon_utc: str | None, closed: tuple[str, ...],
               limit: int | None = None, longest_utc: str | None = None) -> list[Item]:
        """Events not over by `now_utc` (not cancelled) and open agreements due after it,
        up to the horizon; at most `limit` of each kind, nearest first.

        Each part reads an index from `now_utc` on, so the cost follows the limit, not
        the size of the log. Events under way are looked for among those that started
        after `longest_utc` (a year before, say), not since the beginning of time, and
        not at all without it.
        """
        horizon = horizon_utc or "9999"
        cap = f" LIMIT {int(limit)}" if limit else ""
        select = f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.removed IS NULL AND "
        events = "items.type = 'event' AND items.status <> 'cancelled' AND "
        rows = self.query(
            select + events + "items.starts_utc >= ? AND items.starts_utc < ? "
            "ORDER BY items.starts_utc, items.ends_utc, items.id" + cap, (now_utc, horizon))
        if longest_utc:
            rows += self.query(
                select + events + "items.starts_utc < ? AND items.starts_utc >= ? AND items.ends_utc > ? "
                "ORDER BY items.starts_utc, items.ends_utc, items.id" + cap, (now_utc, longest_utc, now_utc))
        # "+items.type" keeps the planner off the (type, ...) indexes: only the
        # due-date index reads these rows in order.
        rows += self.query(
            select + f"+items.type = 'agreement' AND items.due_utc > ? AND items.due_utc <= ? "
            f"AND items.status NOT IN ({', '.join('?' for _ in closed)}) ORDER BY items.due_utc, items.id" + cap,
            (now_utc, horizon, *closed))
        return self._items(rows)

    def past_due(self, now_utc: str, closed: tuple[str, ...], limit: int | None = None) -> list[Item]:
        """Open agreements due before `now_utc`, the most recently due first: read
        backwards from now on the due-date index, so the cost follows the limit."""
        return self._items(self.query(
            f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.removed IS NULL "
            f"AND +items.type = 'agreement' AND items.due_utc <= ? "
            f"AND items.status NOT IN ({', '.join('?' for _ in closed)}) "
            "ORDER BY items.due_utc DESC, items.id DESC" + (f" LIMIT {int(limit)}" if limit else ""),
            (now_utc, *closed)))

    def _items(self, rows: list[dict], with_names: bool = True) -> list[Item]:
        ids = _id_list([row["id"] for row in rows])
        names: dict[tuple[str, int], list[str]] = {}
        for table, column in (("item_parties", "party"), ("item_tags", "tag")) if with_names else ():
            for item_id, name in self.conn.execute(
                f"SELECT item_id, {column} FROM {table} "
                "WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position",
                (ids,),
            ):
                names.setdefault((column, item_id), []).append(name)
        items = []
        for row in rows:
            ref = Ref(row["type"], row["num"])
            link = Ref(row["parent_type"], row["parent_num"]) if row["parent_num"] else None
            items.append(Item(
                ref=ref, uid=row["uid"], title=row["title"], kind=row["kind"],
                status=row["status"],
                parties=names.get(("party", row["id"]), []),
                tags=names.get(("tag", row["id"]), []),
                created=row["created"], updated=row["updated"], removed=row["removed"],
                start=row["starts"], end=row["ends"], tz=row["tz"], location=row["location"],
                parent=link if ref.type == "event" else None,
                event=link if ref.type == "agreement" else None,
                sector=row["sector"], due=row["due"],
                series=row["series"], series_number=row["series_number"],
                start_utc=row["starts_utc"], end_utc=row["ends_utc"], due_utc=row["due_utc"],
                link_tz=row["parent_tz"],
            ))
        return items

    def history(self, item_id: int | None = None, since_utc: str | None = None,
                until_utc: str | None = None, limit: int | None = None, span: Span | None = None) -> list[Change]:
        """The log in the order things happened; `until_utc` is exclusive; the first
        `limit` changes only, if given. `span`, if given, says which changes belong to
        the stretch asked for, date-only ones by their date (see Span)."""
        span = span or Span(since_utc, until_utc)
        condition, params = span.where()
        if item_id is not None:
            condition += " AND changes.item_id = :item_id"
            params["item_id"] = item_id
        sql = (
            "SELECT changes.*, items.type, items.num, items.title, "
            "parent.type AS parent_type, parent.num AS parent_num, "
            # Dated before the item's creation (by day where either is a day), read from
            # the item's own log (changes_by_item).
            "(SELECT CASE WHEN length(changes.happened) = 10 OR length(created.happened) = 10 "
            "    THEN substr(changes.happened, 1, 10) < substr(created.happened, 1, 10) "
            "    ELSE changes.happened_utc < created.happened_utc END "
            "  FROM changes AS created WHERE created.item_id = changes.item_id AND created.field = 'created' "
            "  ORDER BY created.id LIMIT 1) AS early FROM changes "
            "JOIN items ON items.id = changes.item_id "
            "LEFT JOIN items AS parent ON parent.id = items.event_id "
            f"WHERE {condition} "
            "ORDER BY changes.happened_utc, changes.id"
            + (f" LIMIT {int(limit)}" if limit else "")
        )
        return [
            Change(
                ref=Ref(row["type"], row["num"]), field=row["field"],
                old=_from_log(row["field"], row["old"]), new=_from_log(row["field"], row["new"]),
                on=row["happened"], recorded=row["recorded"], source=row["source"],
                note=row["note"], title=row["title"],
                within=Ref(row["parent_type"], row["parent_num"]) if row["parent_num"] else None,
                early=bool(row["early"]),
            )
            for row in self.query(sql, params)
        ]

    def changes_from(self, span: Span) -> list[tuple[int, str | None, object]]:
        """(item id, field, old value) of the log rows of `span` (open at its end: from an
        instant on), newest first: what a report of a past period rewinds."""
        condition, params = span.where()
        return [(item_id, name, _from_log(name, old)) for item_id, name, old in self.conn.execute(
            f"SELECT item_id, field, old FROM changes WHERE {condition} "
            "ORDER BY happened_utc DESC, id DESC", params)]

    def last_recorded(self, item_ids: list[int], after: Span) -> dict[int, str]:
        """When each of these items was last written to, leaving out the changes of `after`."""
        condition, params = after.where()
        return dict(self.conn.execute(
            "SELECT item_id, max(recorded) FROM changes WHERE item_id IN (SELECT value FROM json_each(:ids)) "
            f"AND NOT ({condition}) GROUP BY item_id", {**params, "ids": _id_list(item_ids)}).fetchall())

    def items_by_id(self, item_ids, names: bool = True) -> dict[int, Item]:
        """Several items by their ids, removed ones too; without their parties and tags
        unless `names` (a report weighs many to show a few)."""
        cursor = self.conn.execute(f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} "
                                   "WHERE items.id IN (SELECT value FROM json_each(?))", (_id_list(list(item_ids)),))
        cursor.row_factory = sqlite3.Row
        rows = cursor.fetchall()
        return {row["id"]: item for row, item in zip(rows, self._items(rows, names))}

    def change_counts(self, span: Span) -> tuple[int, int, int]:
        """For a period: how many changes were logged, how many agreements were signed,
        how many events were held (or added as held, if they took place in it).

        The bulk of the count is read from an index alone (changes_by_happened, away
        from the ends, where no date-only change can fall on the other side of a
        boundary); only the rows near the ends, and those that settle something (few,
        from changes_settling), are read to place date-only changes by their date. So
        the cost does not follow how many changes the period holds."""
        inner = span.inner()
        condition, params = span.where()
        if inner is None:
            total = f"(SELECT count(*) FROM changes WHERE {condition})"
        else:
            params.update(inner_since=inner.since_utc, inner_until=inner.until_utc)
            total = ("((SELECT count(*) FROM changes WHERE happened_utc >= :inner_since "
                     "AND happened_utc < :inner_until) "
                     f"+ (SELECT count(*) FROM changes WHERE {condition} AND happened_utc < :inner_since) "
                     f"+ (SELECT count(*) FROM changes WHERE {condition} AND happened_utc >= :inner_until))")
        params.setdefault("since_utc", None)
        params.setdefault("until_utc", None)
        return tuple(self.conn.execute(
            f"SELECT {total}, "
            "count(DISTINCT CASE WHEN new = 'signed' THEN item_id END), "
            "count(DISTINCT CASE WHEN new = 'held' AND (field = 'status' OR EXISTS ("
            "    SELECT 1 FROM items WHERE items.id = changes.item_id "
            "    AND items.starts_utc < :until_utc AND items.ends_utc > :since_utc)) THEN item_id END) "
            "FROM changes WHERE field IN ('status', 'created') AND new IN ('signed', 'held') "
            f"AND {condition}", params).fetchone())

    def pipeline_by_id(self, event_ids: list[int]) -> list[tuple[int, str, int]]:
        """How many live agreements have each status: overall (event id -1), at no event
        (0), and at each of these events, as (event id, status, count). Read from counts
        the triggers keep, so the cost does not grow with the number of agreements."""
        return self.conn.execute(
            "SELECT event_id, status, n FROM agreement_counts "
            "WHERE event_id IN (SELECT value FROM json_each(?)) AND n > 0", (_id_list([-1, 0, *event_ids]),)).fetchall()

    def refs_by_id(self, item_ids: list[int]) -> dict[Ref, int]:
        """The refs of these items (and their ids), without reading them."""
        return {Ref(item_type, num): item_id for item_id, item_type, num in self.conn.execute(
            "SELECT id, type, num FROM items WHERE id IN (SELECT value FROM json_each(?))", (_id_list(item_ids),))}

    def live_agreements_by_event(self, item_ids: list[int]) -> list[tuple[int, str, int]]:
        """(event id or 0, status, how many) of the live agreements among these items."""
        return self.conn.execute(
            "SELECT coalesce(event_id, 0), status, count(*) FROM items WHERE id IN (SELECT value FROM json_each(?)) "
            "AND type = 'agreement' AND removed IS NULL GROUP BY 1, 2", (_id_list(item_ids),)).fetchall()

    def event_ids(self, refs) -> dict[Ref, int]:
        """The ids of these events."""
        return {ref: facts[0] for ref, facts in self.event_facts(refs).items()}

    def event_facts(self, refs) -> dict[Ref, tuple[int, str | None, str | None]]:
        """The id, zone and end (UTC) of these events, without reading them whole."""
        return {Ref("event", num): (item_id, tz, ends_utc) for item_id, num, tz, ends_utc in self.conn.execute(
            "SELECT id, num, tz, ends_utc FROM items WHERE type = 'event' "
            "AND num IN (SELECT value FROM json_each(?))", (_id_list([ref.num for ref in refs if ref]),))}

    def events_with_agreements(self, limit: int) -> list[int]:
        """The ids of events with live agreements, the newest first, at most `limit`:
        read from the counts in the order of their key, which stops at the limit."""
        return [row[0] for row in self.conn.execute(
            "SELECT DISTINCT event_id FROM agreement_counts WHERE event_id > 0 AND n > 0 "
            f"ORDER BY event_id DESC LIMIT {int(limit)}")]

    def events_with_agreements_count(self) -> int:
        """How many events have live agreements."""
        return self.conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT event_id FROM agreement_counts WHERE event_id > 0 AND n > 0)"
        ).fetchone()[0]

    def open_agreements_at(self, event_ids: list[int], closed: tuple[str, ...]) -> list[Item]:
        """The live agreements of these events not in a closed status (from the event index)."""
        return self._items(self.query(
            f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.event_id IN (SELECT value FROM json_each(?)) "
            "AND items.type = 'agreement' AND items.removed IS NULL "
            "AND items.status NOT IN (SELECT value FROM json_each(?))",
            (_id_list(event_ids), "[" + ",".join(f'"{s}"' for s in closed) + "]")))

    def logged_in(self, item_ids: list[int], window: Span) -> set[int]:
        """Which of these items have changes in `window`."""
        condition, params = window.where()
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT item_id FROM changes WHERE item_id IN (SELECT value FROM json_each(:ids)) "
            f"AND {condition}", {**params, "ids": _id_list(item_ids)})}

    def overdue(self, as_of_utc: str, closed: tuple[str, ...], limit: int, leave_out: list[int] = (),
                leave_out_events: list[int] = ()) -> list[Item]:
        """Open agreements whose event is over, or whose due date has passed, by `as_of_utc`,
        in the order of their numbers: read from the (type, num) index, which stops at
        the limit (the planner took a type index instead and sorted every agreement).
        Not these agreements (`leave_out`), nor those of these events (`leave_out_events`)."""
        marks = ", ".join("?" for _ in closed)
        return self._items(self.query(
            f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.type = 'agreement' "
            f"AND items.removed IS NULL AND items.status NOT IN ({marks}) "
            f"AND (items.due_utc <= ? OR parent.ends_utc <= ?) "
            "AND items.id NOT IN (SELECT value FROM json_each(?)) "
            "AND coalesce(items.event_id, 0) NOT IN (SELECT value FROM json_each(?)) "
            f"ORDER BY items.num LIMIT {int(limit)}",
            (*closed, as_of_utc, as_of_utc, _id_list(list(leave_out)), _id_list(list(leave_out_events))),
        ))

    def quiet(self, window: Span, closed: dict[str, tuple[str, ...]], limit: int,
              leave_out: list[int] = ()) -> list[Item]:
        """Open items with nothing logged in `window` (up to the instant they are looked
        at, its end): agreements, then events, each in the order of their numbers (the
        same index, the same stop). `leave_out`: ids of items not to look at."""
        found: list[dict] = []
        logged, params = window.where()
        for item_type in ("agreement", "event"):
            if len(found) >= limit:
                break
            statuses = closed[item_type]
            # An event that is over is not waiting for news.
            over = "AND (items.ends_utc IS NULL OR items.ends_utc >= :until_utc) " if item_type == "event" else ""
            found += self.query(
                f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE items.type = :type AND items.removed IS NULL "
                f"AND items.status NOT IN (SELECT value FROM json_each(:closed)) {over}"
                "AND items.id NOT IN (SELECT value FROM json_each(:leave_out)) "
                "AND NOT EXISTS (SELECT 1 FROM changes WHERE changes.item_id = items.id "
                f"                AND {logged}) "
                f"ORDER BY items.num LIMIT {int(limit) - len(found)}",
                {**params, "type": item_type, "closed": "[" + ",".join(f'"{s}"' for s in statuses) + "]",
                 "leave_out": _id_list(list(leave_out))},
            )
        return self._items(found)

    def series_neighbours(self, item_id: int) -> tuple[Ref | None, Ref | None]:
        """The events just before and after this one in its series: by number, else by start."""
        series = self.columns(item_id)["series"]
        if not series:
            return None, None
        members = self.conn.execute(
            "SELECT id, type, num FROM items WHERE series = ? COLLATE NOCASE AND removed IS NULL "
            "ORDER BY series_number IS NULL, series_number, starts_utc IS NULL, starts_utc, num",
            (series,),
        ).fetchall()
        ids = [member[0] for member in members]
        if item_id not in ids:          # a removed event keeps its series but has no place in it
            return None, None
        at = ids.index(item_id)
        before = Ref(members[at - 1][1], members[at - 1][2]) if at > 0 else None
        after = Ref(members[at + 1][1], members[at + 1][2]) if at + 1 < len(members) else None
        return before, after

    def series_number_taken(self, series: str, number: int, item_id: int | None) -> Ref | None:
        hit = self.conn.execute(
            "SELECT type, num FROM items WHERE series = ? COLLATE NOCASE AND series_number = ? "
            "AND removed IS NULL AND id IS NOT ?", (series, number, item_id),
        ).fetchone()
        return Ref(hit[0], hit[1]) if hit else None

    def event_chain(self, item_id: int) -> list[int]:
        """The ids of an event and the events it belongs to, up the tree."""
        return [row[0] for row in self.conn.execute(
            "WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT items.event_id FROM items "
            "JOIN up ON items.id = up.id WHERE items.event_id IS NOT NULL) SELECT id FROM up",
            (item_id,),
        )]

    def logged_fields(self, item_id: int, happened: str | None, source: str | None, note: str | None) -> set:
        """The fields (None for a note) of an item's logged changes with this source and
        note, and this happened date if given (read from the item's own log)."""
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT field FROM changes WHERE item_id = ? AND source IS ? AND note IS ? "
            "AND (? IS NULL OR happened = ?)", (item_id, source, note, happened, happened))}

    def dependants(self, item_id: int, named: int) -> tuple[list[tuple[Ref, str]], int]:
        """The live items that belong to an event: the first `named` (events first, by
        number) with their titles, and how many there are (read from items_by_event)."""
        first = [(Ref(row[0], row[1]), row[2]) for row in self.conn.execute(
            "SELECT type, num, title FROM items WHERE event_id = ? AND removed IS NULL "
            f"ORDER BY type = 'agreement', num LIMIT {int(named)}", (item_id,))]
        count = self.conn.execute("SELECT count(*) FROM items WHERE event_id = ? AND removed IS NULL",
                                  (item_id,)).fetchone()[0] if first else 0
        return first, count

    def dependant_ids(self, item_id: int) -> list[tuple[int, str]]:
        """Every live item that belongs to an event: (id, type)."""
        return [(row[0], row[1]) for row in self.conn.execute(
            "SELECT id, type FROM items WHERE event_id = ? AND removed IS NULL ORDER BY id", (item_id,))]

    def columns(self, item_id: int) -> dict:
        """The raw row of an item, for computing what an update changes."""
        return self.query("SELECT * FROM items WHERE id = ?", (item_id,))[0]

    def zone_of(self, item_id: int) -> str | None:
        return self.zone_facts(item_id)[0]

    def zone_facts(self, item_id: int) -> tuple[str | None, int | None]:
        """An item's own zone and the event it belongs to: what its dates are read in."""
        if self._loaded is not None and item_id in self._loaded["zones"]:
            return self._loaded["zones"][item_id]
        row = self.conn.execute("SELECT tz, event_id FROM items WHERE id = ?", (item_id,)).fetchone()
        return (row[0], row[1]) if row else (None, None)

    # -- writing (inside writing()) -----------------------------------------------

    def next_num(self, item_type: ItemType) -> int:
        return self.conn.execute(
            "SELECT coalesce(max(num), 0) + 1 FROM items WHERE type = ?", (item_type,)
        ).fetchone()[0]

    def nums(self, item_type: ItemType) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT num FROM items WHERE type = ?", (item_type,))}

    def insert_items(self, rows: list[dict], names: list[tuple[list[str], list[str]]]) -> list[int]:
        """Many new items at once (import): one statement per table, run with executemany."""
        if not rows:
            return []
        first = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]
        ids = list(range(first, first + len(rows)))
        columns = sorted({column for row in rows for column in row})
        self._insert_many("items", ["id", *columns],
                          [(item_id, *map(row.get, columns)) for item_id, row in zip(ids, rows)])
        for table, column, index in (("item_parties", "party", 0), ("item_tags", "tag", 1)):
            self._insert_many(table, ["item_id", "position", column],
                              [(item_id, position, value) for item_id, pair in zip(ids, names)
                               for position, value in enumerate(pair[index])])
        if self._loaded is not None:
            for item_id, row in zip(ids, rows):
                self._loaded["ids"][row["type"], row["num"]] = item_id
                self._loaded["zones"][item_id] = (row.get("tz"), row.get("event_id"))
        return ids

    def _insert_many(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows in statements of many rows each (INSERT ... VALUES (...), (...), ...).

        Faster than executemany, which runs the statement once per row: a CHECK
        with an IN list builds its lookup table at each run, so once per row there,
        once per few dozen rows here. 999 parameters at most, SQLite's oldest limit.
        """
        per = max(1, 999 // len(columns))
        one = f"({', '.join('?' * len(columns))})"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        for first in range(0, len(rows), per):
            chunk = rows[first:first + per]
            self.conn.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])

    def insert_item(self, row: dict, parties: list[str], tags: list[str]) -> int:
        # Column names come from tracker's own code, never from input.
        item_id = self.conn.execute(
            f"INSERT INTO items ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values())
        ).lastrowid
        self.set_names(item_id, parties, tags)
        return item_id

    def update_item(self, item_id: int, columns: dict) -> None:
        if columns:
            self.conn.execute(f"UPDATE items SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                              (*columns.values(), item_id))

    def set_names(self, item_id: int, parties: list[str] | None, tags: list[str] | None) -> None:
        for table, column, values in (("item_parties", "party", parties), ("item_tags", "tag", tags)):
            if values is None:
                continue
            self.conn.execute(f"DELETE FROM {table} WHERE item_id = ?", (item_id,))
            self.conn.executemany(
                f"INSERT INTO {table} (item_id, position, {column}) VALUES (?, ?, ?)",
                [(item_id, position, value) for position, value in enumerate(values)],
            )

    def log(self, rows: list[dict]) -> None:
        """Append to the change log; list values are stored as JSON arrays."""
        self._insert_many(
            "changes", ["item_id", "field", "old", "new", "happened", "happened_utc", "recorded", "source", "note"],
            [(row["item_id"], row["field"], _to_log(row["old"]), _to_log(row["new"]), row["happened"],
              row["happened_utc"], row["recorded"], row["source"], row["note"]) for row in rows],
        )

    def has_items(self) -> bool:
        return self.conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None

    def uids(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT uid FROM items")}


def fts_query(text: str) -> str:
    """Every word the user typed, as a quoted prefix phrase: `S-400` finds "S-400 systems".

    Quoting keeps FTS5's own syntax (-, :, NEAR, AND) out of reach of user text.
    """
    words = text.split()
    if not words:
        raise BadArgument("the search is empty: give a word to look for")
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def _id_list(ids: list[int]) -> str:
    """Row ids as a JSON array, for json_each(): one parameter however many there are.
    Written by hand, since they are integers, to spare plain reads importing json."""
    return "[" + ",".join(str(int(item_id)) for item_id in ids) + "]"


def _to_log(value) -> str | None:
    if isinstance(value, list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return value


def _from_log(field_name: str | None, value: str | None):
    if field_name in ("parties", "tags") and value is not None:
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


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
