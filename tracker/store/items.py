"""Reading items: one, several, or a list query (`ItemQuery`), and what is around them.

Lists and countdown read indexes in their order with a LIMIT, so that their cost
follows what is shown, not the size of the database (see `_parts()`). Also here:
the columns an item is read with (`ITEM_COLUMNS`, `ITEM_FROM`) and the making of
`Item`s from rows (`_items()`), which the report's queries share, and the search
syntax (`fts_query()`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from tracker import errors
from tracker.dates import FIRST_DAY, get_zone
from tracker.errors import BadArgument, TrackerError, excerpt
from tracker.model import PREFIX, Item, ItemType, Ref
from tracker.store.connection import Connection


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


ITEM_COLUMNS = """
    items.id, items.uid, items.type, items.num, items.title, items.kind, items.status,
    items.starts, items.starts_utc, items.ends, items.ends_utc, items.tz, items.location,
    items.sector, items.due, items.due_utc, items.created, items.updated, items.removed,
    items.series, items.series_number,
    parent.type AS parent_type, parent.num AS parent_num, parent.tz AS parent_tz
"""
ITEM_FROM = "items LEFT JOIN items AS parent ON parent.id = items.event_id"


class ItemReads(Connection):
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
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.type = ? AND items.num = ?",
            (ref.type, ref.num),
        ))
        if not rows:
            return None
        items = self._items(rows)
        if not items:
            # Its row cannot be read as an item at all.
            raise TrackerError(errors.damage_message())
        return rows[0]["id"], items[0]

    def items_by_ref(self, refs) -> dict[Ref, tuple[int, Item]]:
        """Several items at once, with their ids: one query per type, not one per item."""
        found: dict[Ref, tuple[int, Item]] = {}
        for item_type in ("event", "agreement"):
            nums = [ref.num for ref in refs if ref is not None and ref.type == item_type]
            if nums:
                rows = self.query(f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.type = ? "
                                  f"AND {self.dialect.in_list('items.num')}",
                                  (item_type, self.dialect.list_value(nums)))
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
        few = self._few(query)
        where.append(f"{self.dialect.unindexed('items.type')} = ?" if few else "items.type = ?")
        params.append(item_type)
        for column, values in (("status", query.statuses), ("kind", query.kinds), ("sector", query.sectors)):
            if values:
                where.append(f"items.{column} IN ({', '.join('?' for _ in values)})")
                params += values
        for table, column, values in (("item_parties", "party", query.parties), ("item_tags", "tag", query.tags)):
            for value in values:
                where.append(
                    f"EXISTS (SELECT 1 FROM {table} WHERE {table}.item_id = items.id "
                    f"AND {self.dialect.nocase_equals(f'{table}.{column}')})"
                )
                params.append(value)
        if query.series:
            where.append(self.dialect.nocase_equals("items.series"))
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
            where.append(f"items.id IN ({self.dialect.search_ids()})")
            params.append(self.dialect.search_value(query.search))
        return " AND ".join(where), params

    # A search that matches up to this many items reads them from the search index and
    # sorts them; one that matches more walks the (type, ...) indexes in order, where
    # matches are close together.
    FEW_MATCHES = 5000

    def _few(self, query: ItemQuery) -> bool:
        """Whether a list query finds a handful of rows by their own index: what belongs
        to one event, or a search with few matches."""
        return query.within is not None or bool(query.search and self._few_match(query.search))

    def _few_match(self, search: str) -> bool:
        # Asked for each type and each count of what a list left out: counted once a
        # run (a run that lists does not write).
        known = self.__dict__.setdefault("_few_matches", {})
        if search not in known:
            with self._searching(ItemQuery(search=search)):
                known[search] = self.conn.execute(
                    f"SELECT count(*) FROM ({self.dialect.search_ids()} LIMIT {self.FEW_MATCHES + 1}) AS matched",
                    (self.dialect.search_value(search),)).fetchone()[0] <= self.FEW_MATCHES
        return known[search]

    def _items_of(self, item_type: str, query: ItemQuery, batch: int) -> Iterator[Item]:
        where, params = self._filters(item_type, query)
        select = f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {where} "
        left = int(query.limit) + 1 if query.limit else None
        # Without a limit, a list may be every item (`list --json`, an export to a
        # calendar): streamed. A limited one, or a handful, is read in one round trip.
        large = left is None and not self._few(query)
        with self._searching(query):
            for condition, more, order in self._parts(item_type, query):
                if left is not None and left <= 0:
                    break
                sql = select + condition + f" ORDER BY {order}" + (f" LIMIT {left}" if left is not None else "")
                with self.rows(sql, (*params, *more), large) as cursor:
                    names = [column[0] for column in cursor.description]
                    while rows := cursor.fetchmany(batch):
                        if left is not None:
                            left -= len(rows)
                        yield from self._items([dict(zip(names, row)) for row in rows])

    def items_by_number(self, batch: int = 500) -> Iterator[Item]:
        """Every item, removed ones too: events, then agreements, each by number (an
        export), read a batch at a time from the (type, num) index."""
        for item_type in ("event", "agreement"):
            with self.conn.stream(f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.type = ? "
                                  "ORDER BY items.num", (item_type,)) as cursor:
                names = [column[0] for column in cursor.description]
                while rows := cursor.fetchmany(batch):
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
                    f"SELECT count(*) FROM (SELECT 1 FROM {ITEM_FROM} WHERE {where} {condition} "
                    f"ORDER BY {order} LIMIT {int(cap - found)}) AS left_out", (*params, *more)).fetchone()[0]
        return found

    @contextmanager
    def _searching(self, query: ItemQuery) -> Iterator[None]:
        try:
            yield
        except self.dialect.Error as error:
            if query.search and "fts5" in str(error):
                raise TrackerError(f"cannot search for {excerpt(query.search)}: {error}") from None
            raise

    def _parts(self, item_type: str, query: ItemQuery) -> list[tuple[str, tuple, str]]:
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
        # Undated: no end either, read from the (type, ends_utc) index in id order. The
        # order names ends_utc (null in every row here) for PostgreSQL, whose planner
        # takes "IS NULL" for no equality: by id alone it walks the whole table.
        undated = ("AND items.ends_utc IS NULL", (), "items.ends_utc, items.id")
        if not closed:
            return [dated, undated]
        # Still open: not held or cancelled, and not over. What is under way is
        # looked for among the events that started since `under_way_since_utc` (a
        # year before, as countdown does), so that the read starts near now.
        marks = ", ".join("?" for _ in closed)
        since = query.under_way_since_utc or query.open_at_utc
        is_open = f"items.status NOT IN ({marks})"
        parts = [
            (f"AND {is_open} AND items.starts_utc >= ? AND {self.dialect.unindexed('items.ends_utc')} >= ?",
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
        select = f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.removed IS NULL AND "
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
            select + f"{self.dialect.unindexed('items.type')} = 'agreement' "
            "AND items.due_utc > ? AND items.due_utc <= ? "
            f"AND items.status NOT IN ({', '.join('?' for _ in closed)}) ORDER BY items.due_utc, items.id" + cap,
            (now_utc, horizon, *closed))
        return self._items(rows)

    def past_due(self, now_utc: str, closed: tuple[str, ...], limit: int | None = None) -> list[Item]:
        """Open agreements due before `now_utc`, the most recently due first: read
        backwards from now on the due-date index, so the cost follows the limit."""
        return self._items(self.query(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.removed IS NULL "
            f"AND {self.dialect.unindexed('items.type')} = 'agreement' AND items.due_utc <= ? "
            f"AND items.status NOT IN ({', '.join('?' for _ in closed)}) "
            "ORDER BY items.due_utc DESC, items.id DESC" + (f" LIMIT {int(limit)}" if limit else ""),
            (now_utc, *closed)))

    def _items(self, rows: list[dict], with_names: bool = True) -> list[Item]:
        rows = [row for row in map(sound_row, rows) if row is not None]
        ids = self.dialect.list_value([row["id"] for row in rows])
        names: dict[tuple[str, int], list[str]] = {}
        for table, column in (("item_parties", "party"), ("item_tags", "tag")) if with_names else ():
            for item_id, name in self.conn.execute(
                f"SELECT item_id, {column} FROM {table} "
                f"WHERE {self.dialect.in_list('item_id')} ORDER BY item_id, position",
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
            if errors.undecodable:
                _note_mended_text(items[-1])
        return items

    def items_by_id(self, item_ids, names: bool = True) -> dict[int, Item]:
        """Several items by their ids, removed ones too; without their parties and tags
        unless `names` (a report weighs many to show a few)."""
        rows = self.query(f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {self.dialect.in_list('items.id')}",
                          (self.dialect.list_value(item_ids),))
        return {row["id"]: item for row, item in zip(rows, self._items(rows, names))}

    def refs_by_id(self, item_ids: list[int]) -> dict[Ref, int]:
        """The refs of these items (and their ids), without reading them."""
        return {Ref(item_type, num): item_id for item_id, item_type, num in self.conn.execute(
            f"SELECT id, type, num FROM items WHERE {self.dialect.in_list('id')}",
            (self.dialect.list_value(item_ids),))}

    def event_ids(self, refs) -> dict[Ref, int]:
        """The ids of these events."""
        return {ref: facts[0] for ref, facts in self.event_facts(refs).items()}

    def event_facts(self, refs) -> dict[Ref, tuple[int, str | None, str | None]]:
        """The id, zone and end (UTC) of these events, without reading them whole."""
        return {Ref("event", num): (item_id, tz, ends_utc) for item_id, num, tz, ends_utc in self.conn.execute(
            f"SELECT id, num, tz, ends_utc FROM items WHERE type = 'event' AND {self.dialect.in_list('num')}",
            (self.dialect.list_value([ref.num for ref in refs if ref]),))}

    def series_neighbours(self, item_id: int) -> tuple[Ref | None, Ref | None]:
        """The events just before and after this one in its series: by number, else by start."""
        series = self.columns(item_id)["series"]
        if not series:
            return None, None
        members = self.conn.execute(
            f"SELECT id, type, num FROM items WHERE {self.dialect.nocase_equals('series')} AND removed IS NULL "
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
            f"SELECT type, num FROM items WHERE {self.dialect.nocase_equals('series')} AND series_number = ? "
            f"AND removed IS NULL AND {self.dialect.differs('id', 'CAST(? AS BIGINT)')}", (series, number, item_id),
        ).fetchone()
        return Ref(hit[0], hit[1]) if hit else None

    def event_chain(self, item_id: int) -> list[int]:
        """The ids of an event and the events it belongs to, up the tree."""
        return [row[0] for row in self.conn.execute(
            "WITH RECURSIVE up(id) AS (SELECT CAST(? AS BIGINT) UNION SELECT items.event_id FROM items "
            "JOIN up ON items.id = up.id WHERE items.event_id IS NOT NULL) SELECT id FROM up",
            (item_id,),
        )]

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

    def has_items(self) -> bool:
        return self.conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None


# Columns of an item that hold instants or days, and what each must read as.
_UTC_COLUMNS = ("starts_utc", "ends_utc", "due_utc")            # 2025-12-04T04:30:00Z
_LOCAL_COLUMNS = ("starts", "ends", "due")                      # a day, or a time with its offset
_STAMP_COLUMNS = ("created", "updated", "removed")              # a time with its offset
_TEXT_COLUMNS = ("uid", "title", "kind", "status")
_CHECKED = (*_UTC_COLUMNS, *_LOCAL_COLUMNS, *_STAMP_COLUMNS, "tz", *_TEXT_COLUMNS)     # in that order


def sound_row(row: dict) -> dict | None:
    """An item's row as read, its damaged columns (written by another program, or bytes
    flipped on disk) emptied and noted for the end of the run (errors.damaged); None for a
    row that cannot be an item at all.

    Written out in one pass, in C calls (1.4 us a row, against 4 for a loop over
    _readable_column): a `list --json` of a million items reads every row through here.
    Only a row that fails goes column by column (_mended)."""
    try:
        for column in _UTC_COLUMNS:
            value = row[column]
            if value is not None and (len(value) != 20 or _instant(value).tzinfo is None):
                raise ValueError(column)
        for column in _LOCAL_COLUMNS:
            value = row[column]
            if value is not None and len(value) == 10:
                _day(value)
            elif value is not None and _instant(value).tzinfo is None:
                raise ValueError(column)
        for column in _STAMP_COLUMNS:
            value = row[column]
            if value is not None and _instant(value).tzinfo is None:
                raise ValueError(column)
        if not (type(row["uid"]) is str and type(row["title"]) is str and type(row["kind"]) is str
                and type(row["status"]) is str and type(row["id"]) is int and type(row["num"]) is int
                and row["type"] in PREFIX and (row["tz"] is None or get_zone(row["tz"]) is not None)):
            raise ValueError("row")
    except (ValueError, TypeError):
        return _mended(row)
    return row


_instant, _day = datetime.fromisoformat, date.fromisoformat


# Columns that only make sense together: one damaged, all are left out (an event
# with no sound start is shown undated).
_TOGETHER = {"starts": ("starts", "starts_utc", "ends", "ends_utc"), "due": ("due", "due_utc")}
_TOGETHER.update({column: _TOGETHER["starts"] for column in _TOGETHER["starts"]})
_TOGETHER["due_utc"] = _TOGETHER["due"]


def _mended(row) -> dict | None:
    row = {key: row[key] for key in row.keys()}
    if row["type"] not in PREFIX or type(row["num"]) is not int or row["num"] < 1:
        errors.note_damage(f"item #{row['id']}", f"type {excerpt(row['type'])}, number {excerpt(row['num'])}")
        return None
    if type(row["id"]) is not int:
        errors.note_damage(f"{PREFIX[row['type']]}{row['num']}", f"its row id {excerpt(row['id'])}")
        return None
    found = []
    for column in _CHECKED:
        value = row[column]
        if value is None or _readable_column(column, value):
            continue
        found.append(f"{column} {excerpt(value) if isinstance(value, str) else 'of type ' + type(value).__name__}")
        if column in ("created", "updated"):
            row[column] = f"{FIRST_DAY}T00:00:00+00:00"     # shown, and named as damaged
        elif column in _TEXT_COLUMNS:
            row[column] = "?"
        else:
            for other in _TOGETHER.get(column, (column,)):
                row[other] = None
    errors.note_damage(f"{PREFIX[row['type']]}{row['num']}", ", ".join(found) or "unreadable")
    return row


def _readable_column(column: str, value) -> bool:
    if not isinstance(value, str):
        return False
    if column in _TEXT_COLUMNS:
        return True
    if column == "tz":
        return get_zone(value) is not None
    try:
        if column in _UTC_COLUMNS:
            return len(value) == 20 and datetime.fromisoformat(value).tzinfo is not None
        if len(value) == 10 and column in _LOCAL_COLUMNS:
            date.fromisoformat(value)
            return True
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _note_mended_text(item: Item) -> None:
    """Note an item whose text was not UTF-8 in the database (read with U+FFFD for it)."""
    texts = [item.title, item.location, item.series, item.sector, *item.parties, *item.tags]
    mended = [text for text in texts if isinstance(text, str) and "\ufffd" in text]
    if mended:
        errors.note_damage(str(item.ref), f"text that is not UTF-8, shown as \ufffd: {excerpt(mended[0])}")


def fts_query(text: str) -> str:
    """Every word the user typed, as a quoted prefix phrase: `S-400` finds "S-400 systems".

    Quoting keeps FTS5's own syntax (-, :, NEAR, AND) out of reach of user text.
    """
    words = text.split()
    if not words:
        raise BadArgument("the search is empty: give a word to look for")
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)
