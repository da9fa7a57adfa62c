"""Reading the change log, and where a change falls in time.

`Span` is a stretch of the log as a reader means it, with the SQL condition that
places each change in it (date-only changes by their date). The reads: an item's
history or the whole log's, what was logged with a given source and note, which
items have changes in a stretch, and what a report of a past period rewinds. The
log is written by `Writes.log()`, its list values encoded by `to_log()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from tracker.model import PREFIX, Change, Ref
from tracker.store.connection import Connection

# A date-only change ("--on 2025-11-24") is stored at 00:00 of its day in its item's
# zone: up to 26 hours (UTC+14 against UTC-12) from 00:00 in the reader's zone.
DAY_SLACK_HOURS = 26


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

    @classmethod
    def between(cls, start: datetime | None, end: datetime | None, zone_name: str) -> Span:
        """The changes from `start` up to `end` (either open) for a reader in that zone:
        date-only ones by their date."""
        from tracker import dates

        return cls(dates.utc_text(start) if start else None, dates.utc_text(end) if end else None,
                   dates.first_day_from(start, zone_name).isoformat() if start else None,
                   dates.first_day_from(end, zone_name).isoformat() if end else None)

    def where(self, table: str = "changes", index_since: bool = True, index_until: bool = True,
              unindexed=lambda column: "+" + column) -> tuple[str, dict]:
        """The SQL condition and its parameters. It reads the happened_utc index over the
        stretch widened by DAY_SLACK_HOURS at each end, then places date-only rows by date.
        Without `index_since` (`index_until`), the index is not read from that end (SQLite
        reads from one bound at each end: a read from a place in the log has a closer one;
        `unindexed` is the store's dialect's, where a bound is not read from the index)."""
        timed, params = [], {}
        instant = f"{table}.happened_utc"
        column = {">=": instant if index_since else unindexed(instant), "<": instant if index_until else unindexed(instant)}
        for name, op in (("since_utc", ">="), ("until_utc", "<")):
            if getattr(self, name) is not None:
                timed.append(f"{column[op]} {op} :{name}")
                params[name] = getattr(self, name)
        if self.first_day is None and self.end_day is None:
            return " AND ".join(timed) or "1 = 1", params
        wide, days = [], []
        for name, op, day, shift in (("since_utc", ">=", "first_day", -DAY_SLACK_HOURS),
                                     ("until_utc", "<", "end_day", DAY_SLACK_HOURS)):
            if getattr(self, name) is not None:
                wide.append(f"{column[op]} {op} :wide_{name}")
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


# Whether the change `changes.id` is retracted now: the last row retracting it, or
# withdrawing its retraction, says. Read from the changes_retractions index: the id
# as text by `|| ''`, which has no affinity (with CAST's, SQLite scanned the log).
RETRACTED = ("(coalesce((SELECT CASE WHEN r.new IS NULL THEN 0 ELSE 1 END FROM changes AS r WHERE r.field = 'retracted' "
             "AND coalesce(r.new, r.old) = (changes.id || '') ORDER BY r.id DESC LIMIT 1), 0) = 1)")
# Where the log holds no retraction at all: a condition that is never true, on both engines.
NEVER = "(1 = 0)"


# A place in the log's order: (happened_utc, id). Changes that happened at the same
# instant follow each other by id, so that a page ends and the next begins exactly.
Place = tuple[str, int]


class LogReads(Connection):
    def history(self, item_id: int | None = None, since_utc: str | None = None,
                until_utc: str | None = None, limit: int | None = None, span: Span | None = None,
                reported: bool = False) -> list[Change]:
        """The log in the order things happened; `until_utc` is exclusive; the first
        `limit` changes only, if given. `span`, if given, says which changes belong to
        the stretch asked for, date-only ones by their date (see Span). `reported`: what
        a report lists, without retracted notes and the retractions themselves."""
        return list(self.iter_history(item_id, span or Span(since_utc, until_utc), limit=limit, reported=reported))

    def iter_history(self, item_id: int | None = None, span: Span = Span(), *, start: Place | None = None,
                     before: Place | None = None, limit: int | None = None,
                     reported: bool = False) -> Iterator[Change]:
        """As history(), read as it is used (one row at a time: memory stays flat at any
        size), from the change at `start` on and up to the one at `before` (exclusive)."""
        # From a place to a limit, the read stops at its limit: `before` needs no index.
        condition, params = self._history_where(item_id, before, index_before=start is None or not limit)
        if reported:
            condition += self.reported_only()
        # Most logs have no retraction: then no row is looked up for one (5 us a row).
        retracted = RETRACTED if self.has_retractions() else NEVER
        sql = (
            f"SELECT changes.*, items.type, items.num, items.title, {retracted} AS retracted, "
            "parent.type AS parent_type, parent.num AS parent_num, "
            # Dated before the item's creation (by day where either is a day), read from
            # the item's own log (changes_by_item).
            "(SELECT CASE WHEN length(changes.happened) = 10 OR length(created.happened) = 10 "
            "    THEN substr(changes.happened, 1, 10) < substr(created.happened, 1, 10) "
            "    ELSE changes.happened_utc < created.happened_utc END "
            "  FROM changes AS created WHERE created.item_id = changes.item_id AND created.field = 'created' "
            f"  ORDER BY created.id LIMIT 1) AS early FROM changes{self._by_item(item_id)} "
            "JOIN items ON items.id = changes.item_id "
            "LEFT JOIN items AS parent ON parent.id = items.event_id "
            f"WHERE {condition} AND {{span}} AND {{place}} ORDER BY changes.happened_utc, changes.id"
        )
        # The whole log, or a stretch of it, may be large: streamed. A page, or an item's
        # own log, is read in one round trip.
        for row in self._in_order(sql, params, span, start, True, limit, large=limit is None and item_id is None):
            if _sound_change(row):
                yield Change(
                    ref=Ref(row["type"], row["num"]), field=row["field"],
                    old=_from_log(row["field"], row["old"]), new=_from_log(row["field"], row["new"]),
                    on=row["happened"], recorded=row["recorded"], source=row["source"],
                    note=row["note"], title=row["title"],
                    within=Ref(row["parent_type"], row["parent_num"]) if row["parent_num"] else None,
                    early=bool(row["early"]), id=row["id"], retracted=bool(row["retracted"]),
                    # Another program's non-text name is no name: shown empty, the change kept.
                    by=row["recorded_by"] if type(row["recorded_by"]) is str else None)

    def last_page(self, item_id: int | None, span: Span, before: Place | None, count: int,
                  beyond: int) -> tuple[Place | None, int]:
        """Where the last `count` changes (of an item, in `span`, before `before`) start,
        and how many more come before them, counted up to `beyond` + 1 (more than
        `beyond`): the index read backwards over at most count + beyond + 1 entries,
        whatever the size of the log. (None, 0) if they are all of it."""
        condition, params = self._history_where(item_id, None)
        sql = (f"SELECT changes.happened_utc, changes.id FROM changes{self._by_item(item_id)} "
               f"WHERE {condition} AND {{span}} AND {{place}} "
               "ORDER BY changes.happened_utc DESC, changes.id DESC")
        read, first = 0, None
        for place in self._in_order(sql, params, span, before, False, count + beyond + 1):
            read += 1
            if read == count:
                first = (place["happened_utc"], place["id"])
        return (first, read - count) if read > count else (None, 0)

    def place_of(self, change_id: int) -> Place | None:
        """Where a change falls in the log's order; None if there is no such change."""
        found = self.conn.execute("SELECT happened_utc, id FROM changes WHERE id = ?", (change_id,)).fetchone()
        return tuple(found) if found else None

    def _history_where(self, item_id: int | None, before: Place | None,
                       index_before: bool = True) -> tuple[str, dict]:
        """The condition on `changes` of a read of the log: of an item, up to `before`, if
        given (as a row value: an index's upper bound, unless not `index_before`)."""
        condition, params = "1 = 1", {}
        if item_id is not None:
            condition += " AND changes.item_id = :item_id"
            params["item_id"] = item_id
        if before is not None:
            instant = "changes.happened_utc" if index_before else self.dialect.unindexed("changes.happened_utc")
            condition += (f" AND ({instant}, changes.id) "
                          "< (:before_utc, :before_id)")
            params.update(before_utc=before[0], before_id=before[1])
        return condition, params

    def _by_item(self, item_id: int | None) -> str:
        """An item's log is read from its own index: at an instant that many items share,
        SQLite would otherwise as soon step through all of their changes."""
        return self.dialect.indexed_by("changes_by_item_happened") if item_id is not None else ""

    def _in_order(self, sql: str, params: dict, span: Span, place: Place | None, forwards: bool,
                  limit: int | None, large: bool = False) -> Iterator[dict]:
        """The rows of `sql` in `span` (its `{span}`) from `place` on (`forwards`, the
        place included) or back from it (excluded; its `{place}`: where they are in the
        log), at most `limit`. In two reads, each from an index: the changes of the place's
        instant on one side of its id, then those past that instant. A row value
        (happened_utc, id) would seek the instant alone and step through all of its changes
        on the wrong side of the id, and an import can date any number at one instant.
        Streamed where it may be `large` (see Connection.rows)."""
        if place is None:
            parts = [("1 = 1", {}, True, True)]
        else:
            # Where the place bounds the read, the span's end on that side is not read from
            # the index (SQLite would take either); at the instant, neither is.
            parts = [(f"changes.happened_utc = :place_utc AND changes.id {'>=' if forwards else '<'} :place_id",
                      {"place_utc": place[0], "place_id": place[1]}, False, False),
                     (f"changes.happened_utc {'>' if forwards else '<'} :place_utc", {"place_utc": place[0]},
                      not forwards, forwards)]
        left = limit
        for condition, more, index_since, index_until in parts:
            within, bounds = span.where(index_since=index_since, index_until=index_until,
                                        unindexed=self.dialect.unindexed)
            with self.rows(
                    sql.replace("{span}", within).replace("{place}", condition) + (f" LIMIT {int(left)}" if left else ""),
                    {**params, **bounds, **more}, large) as cursor:
                names = [column[0] for column in cursor.description]
                for values in cursor:
                    yield dict(zip(names, values))
                    if left:
                        left -= 1
                        if not left:
                            return

    def entry_count(self) -> int:
        """Items and changes: the entries of an export."""
        return self.conn.execute("SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM changes)").fetchone()[0]

    def retraction_targets(self) -> set[str]:
        """The ids (as the log holds them, text) of the changes some retraction names."""
        return {row[0] for row in self.conn.execute(
            f"SELECT coalesce(new, old) FROM changes{self.dialect.indexed_by('changes_retractions')} "
            "WHERE field = 'retracted'")}

    def places(self, ids: set[str]) -> dict[str, int]:
        """Where each of these changes comes in the log's order (from 1)."""
        found = {}
        # Every change's id: streamed.
        with self.conn.stream("SELECT id FROM changes ORDER BY happened_utc, id") as cursor:
            for place, (change_id,) in enumerate(cursor, start=1):
                if str(change_id) in ids:
                    found[str(change_id)] = place
        return found

    def has_retractions(self) -> bool:
        return self.conn.execute(f"SELECT 1 FROM changes{self.dialect.indexed_by('changes_retractions')} "
                                 "WHERE field = 'retracted' LIMIT 1").fetchone() is not None

    def reported_only(self) -> str:
        """The condition (to AND to a WHERE on `changes`) that leaves out what a report does
        not count: retracted notes and the retractions themselves. Empty if there are none."""
        return (f" AND {self.dialect.differs('changes.field', chr(39) + 'retracted' + chr(39))} AND NOT {RETRACTED}"
                if self.has_retractions() else "")

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
            f"SELECT item_id, max(recorded) FROM changes WHERE {self.dialect.in_list('item_id', ':ids')} "
            f"AND NOT ({condition}) GROUP BY item_id", {**params, "ids": self.dialect.list_value(item_ids)}).fetchall())

    def logged_in(self, item_ids: list[int], window: Span) -> set[int]:
        """Which of these items have changes in `window`."""
        condition, params = window.where()
        return {row[0] for row in self.conn.execute(
            f"SELECT DISTINCT item_id FROM changes WHERE {self.dialect.in_list('item_id', ':ids')} "
            f"AND {condition}{self.reported_only()}", {**params, "ids": self.dialect.list_value(item_ids)})}

    def logged_fields(self, item_id: int, happened: str | None, source: str | None, note: str | None) -> set:
        """The fields (None for a note) of an item's logged changes with this source and
        note, and this happened date if given (read from the item's own log)."""
        return {row[0] for row in self.conn.execute(
            f"SELECT DISTINCT field FROM changes WHERE item_id = ? AND {self.dialect.same('source', '?')} "
            f"AND {self.dialect.same('note', '?')} AND (CAST(? AS TEXT) IS NULL OR happened = ?)",
            (item_id, source, note, happened, happened))}


def _sound_change(row: dict) -> bool:
    """Whether a log row can be shown: its item a real one, its dates dates. A damaged
    one (another program's write, flipped bytes) is left out and named at the end of
    the run (errors.damaged), rather than stopping the whole read."""
    from datetime import date, datetime

    try:
        happened, recorded = row["happened"], row["recorded"]
        if len(happened) == 10:
            date.fromisoformat(happened)
        elif datetime.fromisoformat(happened).tzinfo is None:
            raise ValueError(happened)
        if datetime.fromisoformat(recorded).tzinfo is None:
            raise ValueError(recorded)
        if row["type"] not in PREFIX or type(row["num"]) is not int:
            raise ValueError(row["type"])
        for column in ("field", "source", "note", "title", "old", "new"):
            if row[column] is not None and type(row[column]) is not str:
                raise ValueError(column)
        from tracker import errors

        if errors.undecodable:
            mended = [row[c] for c in ("title", "source", "note", "old", "new") if row[c] and "\ufffd" in row[c]]
            if mended:
                errors.note_damage(f"{PREFIX[row['type']]}{row['num']}",
                                   f"change #{row['id']} of its log holds text that is not UTF-8")
        return True
    except (ValueError, TypeError):
        from tracker import errors
        from tracker.errors import excerpt

        where = f"{PREFIX[row['type']]}{row['num']}" if row["type"] in PREFIX else f"item #{row['item_id']}"
        errors.note_damage(where, f"change #{row['id']} of its log, dated {excerpt(row['happened'])}")
        return False


def to_log(value) -> str | None:
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
