"""What a calendar entry says beyond the item itself: its revisions and latest source
from the log, and the agreements expected at an event (`tracker export --format ics`,
`tracker publish caldav`)."""

from __future__ import annotations

from typing import NamedTuple

from tracker.model import Ref
from tracker.store.log import NEVER, RETRACTED


class LogFacts(NamedTuple):
    revisions: int            # fields changed since creation: the entry's SEQUENCE
    last_recorded: str        # when tracker last wrote to the item, UTC
    source: str | None        # the latest source that is not retracted


class Expected(NamedTuple):
    ref: Ref
    title: str
    status: str
    due: str | None


def _instant(stamp: str):
    from datetime import datetime

    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class CalendarReads:
    def item_ids_by_uid(self, uids: list[str]) -> dict[str, int]:
        """The row ids of these items (removed ones too), by uid."""
        return dict(self.conn.execute(
            f"SELECT uid, id FROM items WHERE {self.dialect.in_list('uid')}", (self.dialect.list_value(uids),)))

    def log_facts(self, item_ids: list[int]) -> dict[int, LogFacts]:
        """Per item, from its log (the changes_by_item index): how many field changes
        followed its creation (notes and retractions are not revisions), when it was last
        written, and its latest source, in the order things happened."""
        retracted = RETRACTED if self.has_retractions() else NEVER
        facts = {}
        for item_id in item_ids:
            revisions, recorded = self.conn.execute(
                "SELECT count(field) FILTER (WHERE field NOT IN ('created', 'retracted')), max(recorded) "
                "FROM changes WHERE item_id = ?", (item_id,)).fetchone()
            source = self.conn.execute(
                f"SELECT source FROM changes{self.dialect.indexed_by('changes_by_item_happened')} "
                f"WHERE item_id = ? AND source IS NOT NULL AND NOT {retracted} "
                "ORDER BY happened_utc DESC, id DESC LIMIT 1", (item_id,)).fetchone()
            facts[item_id] = LogFacts(revisions or 0, recorded or "", source[0] if source else None)
        return facts

    def expected_at(self, event_ids: list[int]) -> tuple[dict[int, list[Expected]], dict[int, str]]:
        """The agreements expected at each of these events (not removed), by number; and
        when any agreement there (removed ones too) was last written, which changes what
        the event's entry says."""
        found: dict[int, list[Expected]] = {}
        latest: dict[int, str] = {}
        for event_id, num, title, status, due, updated, removed in self.conn.execute(
                "SELECT event_id, num, title, status, due, updated, removed "
                f"FROM items{self.dialect.indexed_by('items_by_event')} "
                f"WHERE {self.dialect.in_list('event_id')} AND type = 'agreement' "
                "ORDER BY event_id, num", (self.dialect.list_value(event_ids),)):
            # Stamps with offsets: compared as instants, not as text.
            latest[event_id] = max(latest.get(event_id, updated), updated, key=_instant)
            if removed is None:
                found.setdefault(event_id, []).append(Expected(Ref("agreement", num), title, status, due))
        return found, latest
