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
from tracker.store.connection import Connection, id_list

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


# Whether the change `changes.id` is retracted now: the last row retracting it, or
# withdrawing its retraction, says. Read from the changes_retractions index: the id
# as text by `|| ''`, which has no affinity (with CAST's, SQLite scanned the log).
RETRACTED = ("coalesce((SELECT r.new IS NOT NULL FROM changes AS r WHERE r.field = 'retracted' "
             "AND coalesce(r.new, r.old) = (changes.id || '') ORDER BY r.id DESC LIMIT 1), 0)")


def _change(row: dict) -> Change:
    return Change(
        ref=Ref(row["type"], row["num"]), field=row["field"],
        old=_from_log(row["field"], row["old"]), new=_from_log(row["field"], row["new"]),
        on=row["happened"], recorded=row["recorded"], source=row["source"],
        note=row["note"], title=row["title"],
        within=Ref(row["parent_type"], row["parent_num"]) if row["parent_num"] else None,
        early=bool(row["early"]), id=row["id"], retracted=bool(row["retracted"]),
    )


class LogReads(Connection):
    def history(self, item_id: int | None = None, since_utc: str | None = None,
                until_utc: str | None = None, limit: int | None = None, span: Span | None = None,
                reported: bool = False, stream: bool = False) -> list[Change] | Iterator[Change]:
        """The log in the order things happened; `until_utc` is exclusive; the first
        `limit` changes only, if given. `span`, if given, says which changes belong to
        the stretch asked for, date-only ones by their date (see Span). `reported`: what
        a report lists, without retracted notes and the retractions themselves. `stream`:
        the changes read and made a batch at a time, as they are wanted (an export of
        millions), instead of a list."""
        span = span or Span(since_utc, until_utc)
        condition, params = span.where()
        if item_id is not None:
            condition += " AND changes.item_id = :item_id"
            params["item_id"] = item_id
        # Most logs have no retraction: then no row is looked up for one (5 us a row).
        retracted = RETRACTED if self.has_retractions() else "0"
        if reported:
            condition += self.reported_only()
        sql = (
            f"SELECT changes.*, items.type, items.num, items.title, {retracted} AS retracted, "
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
        changes = (_change(row) for row in self._rows(sql, params) if _sound_change(row))
        return changes if stream else list(changes)

    def _rows(self, sql: str, params) -> Iterator[dict]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        while rows := cursor.fetchmany(1000):
            for row in rows:
                yield dict(zip(names, row))

    def entry_count(self) -> int:
        """Items and changes: the entries of an export."""
        return self.conn.execute("SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM changes)").fetchone()[0]

    def retraction_targets(self) -> set[str]:
        """The ids (as the log holds them, text) of the changes some retraction names."""
        return {row[0] for row in self.conn.execute(
            "SELECT coalesce(new, old) FROM changes INDEXED BY changes_retractions WHERE field = 'retracted'")}

    def places(self, ids: set[str]) -> dict[str, int]:
        """Where each of these changes comes in the log's order (from 1)."""
        found = {}
        for place, (change_id,) in enumerate(self.conn.execute(
                "SELECT id FROM changes ORDER BY happened_utc, id"), start=1):
            if str(change_id) in ids:
                found[str(change_id)] = place
        return found

    def has_retractions(self) -> bool:
        return self.conn.execute("SELECT 1 FROM changes INDEXED BY changes_retractions "
                                 "WHERE field = 'retracted' LIMIT 1").fetchone() is not None

    def reported_only(self) -> str:
        """The condition (to AND to a WHERE on `changes`) that leaves out what a report does
        not count: retracted notes and the retractions themselves. Empty if there are none."""
        return f" AND changes.field IS NOT 'retracted' AND NOT {RETRACTED}" if self.has_retractions() else ""

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
            f"AND NOT ({condition}) GROUP BY item_id", {**params, "ids": id_list(item_ids)}).fetchall())

    def logged_in(self, item_ids: list[int], window: Span) -> set[int]:
        """Which of these items have changes in `window`."""
        condition, params = window.where()
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT item_id FROM changes WHERE item_id IN (SELECT value FROM json_each(:ids)) "
            f"AND {condition}{self.reported_only()}", {**params, "ids": id_list(item_ids)})}

    def logged_fields(self, item_id: int, happened: str | None, source: str | None, note: str | None) -> set:
        """The fields (None for a note) of an item's logged changes with this source and
        note, and this happened date if given (read from the item's own log)."""
        return {row[0] for row in self.conn.execute(
            "SELECT DISTINCT field FROM changes WHERE item_id = ? AND source IS ? AND note IS ? "
            "AND (? IS NULL OR happened = ?)", (item_id, source, note, happened, happened))}


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
