"""The report's own queries: counts over a period, the agreement pipeline, what is
overdue and what has gone quiet.

Each is shaped so that a report costs the same however large the log: counts kept
by triggers (agreement_counts), index reads that stop at a limit. Items are read
with the columns and the row-to-item making of `ItemReads`.
"""

from __future__ import annotations

from tracker.model import Item
from tracker.store.items import ITEM_COLUMNS, ITEM_FROM, ItemReads
from tracker.store.log import RETRACTED, Span


class ReportReads(ItemReads):
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
        # Less what a report leaves out: retractions, and the notes they retract (few
        # rows, read from their own index).
        by_retractions = self.dialect.indexed_by("changes_retractions")
        total += (f" - (SELECT count(*) FROM changes{by_retractions} "
                  f"WHERE field = 'retracted' AND {condition}) "
                  "- (SELECT count(*) FROM changes WHERE id IN (SELECT CAST(coalesce(new, old) AS INTEGER) "
                  f"FROM changes{by_retractions} WHERE field = 'retracted') "
                  f"AND {condition} AND {RETRACTED})")
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
            f"SELECT event_id, status, n FROM agreement_counts WHERE {self.dialect.in_list('event_id')} AND n > 0",
            (self.dialect.list_value([-1, 0, *event_ids]),)).fetchall()

    def live_agreements_by_event(self, item_ids: list[int]) -> list[tuple[int, str, int]]:
        """(event id or 0, status, how many) of the live agreements among these items."""
        return self.conn.execute(
            f"SELECT coalesce(event_id, 0), status, count(*) FROM items WHERE {self.dialect.in_list('id')} "
            "AND type = 'agreement' AND removed IS NULL GROUP BY 1, 2", (self.dialect.list_value(item_ids),)).fetchall()

    def events_with_agreements(self, limit: int) -> list[int]:
        """The ids of events with live agreements, the newest first, at most `limit`:
        read from the counts in the order of their key, which stops at the limit."""
        return [row[0] for row in self.conn.execute(
            "SELECT DISTINCT event_id FROM agreement_counts WHERE event_id > 0 AND n > 0 "
            f"ORDER BY event_id DESC LIMIT {int(limit)}")]

    def events_with_agreements_count(self) -> int:
        """How many events have live agreements."""
        return self.conn.execute(
            "SELECT count(*) FROM (SELECT DISTINCT event_id FROM agreement_counts WHERE event_id > 0 AND n > 0) AS held"
        ).fetchone()[0]

    def open_agreements_at(self, event_ids: list[int], closed: tuple[str, ...]) -> list[Item]:
        """The live agreements of these events not in a closed status (from the event index)."""
        return self._items(self.query(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {self.dialect.in_list('items.event_id')} "
            "AND items.type = 'agreement' AND items.removed IS NULL "
            f"AND NOT {self.dialect.in_list('items.status')}",
            (self.dialect.list_value(event_ids), self.dialect.list_value(closed))))

    def overdue(self, as_of_utc: str, closed: tuple[str, ...], limit: int, leave_out: list[int] = (),
                leave_out_events: list[int] = ()) -> list[Item]:
        """Open agreements whose event is over, or whose due date has passed, by `as_of_utc`,
        in the order of their numbers: read from the (type, num) index, which stops at
        the limit (the planner took a type index instead and sorted every agreement).
        Not these agreements (`leave_out`), nor those of these events (`leave_out_events`)."""
        marks = ", ".join("?" for _ in closed)
        return self._items(self.query(
            f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.type = 'agreement' "
            f"AND items.removed IS NULL AND items.status NOT IN ({marks}) "
            f"AND (items.due_utc <= ? OR parent.ends_utc <= ?) "
            f"AND NOT {self.dialect.in_list('items.id')} "
            f"AND NOT {self.dialect.in_list('coalesce(items.event_id, 0)')} "
            f"ORDER BY items.num LIMIT {int(limit)}",
            (*closed, as_of_utc, as_of_utc, self.dialect.list_value(leave_out),
             self.dialect.list_value(leave_out_events)),
        ))

    def quiet(self, window: Span, closed: dict[str, tuple[str, ...]], limit: int,
              leave_out: list[int] = ()) -> list[Item]:
        """Open items with nothing logged in `window` (up to the instant they are looked
        at, its end): agreements, then events, each in the order of their numbers (the
        same index, the same stop). `leave_out`: ids of items not to look at."""
        found: list[dict] = []
        logged, params = window.where()
        logged += self.reported_only()      # a retracted note is no news
        for item_type in ("agreement", "event"):
            if len(found) >= limit:
                break
            statuses = closed[item_type]
            # An event that is over is not waiting for news.
            over = "AND (items.ends_utc IS NULL OR items.ends_utc >= :until_utc) " if item_type == "event" else ""
            found += self.query(
                f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE items.type = :type AND items.removed IS NULL "
                f"AND NOT {self.dialect.in_list('items.status', ':closed')} {over}"
                f"AND NOT {self.dialect.in_list('items.id', ':leave_out')} "
                "AND NOT EXISTS (SELECT 1 FROM changes WHERE changes.item_id = items.id "
                f"                AND {logged}) "
                f"ORDER BY items.num LIMIT {int(limit) - len(found)}",
                {**params, "type": item_type, "closed": self.dialect.list_value(statuses),
                 "leave_out": self.dialect.list_value(leave_out)},
            )
        return self._items(found)
