"""Feeds, the entries read from them, and the proposals waiting in the inbox (issue 12).

Every value is bound as a parameter; writes run inside `Connection.writing()`.
"""

from __future__ import annotations

from tracker import errors
from tracker.model import PREFIX, Item, Ref
from tracker.store.connection import Connection
from tracker.store.items import ITEM_COLUMNS, ITEM_FROM

FEED_COLUMNS = "name, url, added, checked, status, etag, last_modified, retry_after, error"
PROPOSAL_COLUMNS = ('proposals.id, ref, item_type, "set", "on", source, headline, proposals.feed, confidence, '
                    'evidence, state, decided')

# The proposal's columns that SQL keywords name, quoted.
_SET, _ON = '"set"', '"on"'
# Candidates for one entry: at most this many items found by words, however large the database.
CANDIDATES = 200


class FeedStore(Connection):
    # -- feeds -------------------------------------------------------------------

    def feeds(self) -> list[dict]:
        rows = self.query(f"SELECT {FEED_COLUMNS}, (SELECT count(*) FROM feed_entries WHERE feed_entries.feed = feeds.name) "
                          "AS entries FROM feeds ORDER BY name")
        return rows

    def feed(self, name: str) -> dict | None:
        rows = self.query(f"SELECT {FEED_COLUMNS} FROM feeds WHERE name = ?", (name,))
        return rows[0] if rows else None

    def feed_by_url(self, url: str) -> dict | None:
        rows = self.query(f"SELECT {FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        return rows[0] if rows else None

    def add_feed(self, name: str, url: str, added: str) -> None:
        self.conn.execute("INSERT INTO feeds (name, url, added) VALUES (?, ?, ?)", (name, url, added))

    def remove_feed(self, name: str) -> None:
        # Its entries stay: what was seen stays seen, and proposals keep their entry.
        self.conn.execute("DELETE FROM feeds WHERE name = ?", (name,))

    def feed_checked(self, name: str, checked: str, status: str, error: str | None,
                     etag: str | None = None, last_modified: str | None = None, retry_after: str | None = None,
                     keep_validators: bool = False) -> None:
        if keep_validators:
            self.conn.execute("UPDATE feeds SET checked = ?, status = ?, error = ?, retry_after = ? WHERE name = ?",
                              (checked, status, error, retry_after, name))
        else:
            self.conn.execute("UPDATE feeds SET checked = ?, status = ?, error = ?, etag = ?, last_modified = ?, "
                              "retry_after = ? WHERE name = ?",
                              (checked, status, error, etag, last_modified, retry_after, name))

    # -- entries -----------------------------------------------------------------

    def entry_seen(self, feed: str, key: str, link: str | None) -> bool:
        """Whether an entry was stored before, by its feed and id, or by its link (the same
        story in another feed). An id alone is never compared across feeds: many sites
        number their entries 1, 2, 3, and one feed must not silence another's."""
        if self.conn.execute("SELECT 1 FROM feed_entries WHERE feed = ? AND entry_key = ?", (feed, key)).fetchone():
            return True
        return bool(link) and bool(self.conn.execute("SELECT 1 FROM feed_entries WHERE link = ?", (link,)).fetchone())

    def add_entry(self, row: dict) -> int:
        return self.conn.execute(
            "INSERT INTO feed_entries (feed, entry_key, link, title, published, summary, seen) "
            "VALUES (:feed, :entry_key, :link, :title, :published, :summary, :seen) RETURNING id", row).fetchone()[0]

    # -- proposals ---------------------------------------------------------------

    def add_proposal(self, row: dict) -> int:
        return self.conn.execute(
            'INSERT INTO proposals (entry_id, ref, item_type, "set", "on", source, headline, feed, confidence, evidence) '
            "VALUES (:entry_id, :ref, :item_type, :set, :on, :source, :headline, :feed, :confidence, :evidence) "
            "RETURNING id", {**row, "set": _dumps(row["set"], ensure_ascii=False),
                             "evidence": _dumps(row["evidence"], ensure_ascii=False)}).fetchone()[0]

    def proposals(self, everything: bool = False, ids: list[int] | None = None,
                  above: float | None = None) -> list[dict]:
        """Open proposals best first (all of them, decided ones too, with `everything`)."""
        where, params = [], []
        if not everything:
            where.append("state = 'open'")
        if ids is not None:
            where.append(self.dialect.in_list("proposals.id"))
            params.append(self.dialect.list_value(ids))
        if above is not None:
            where.append("confidence >= ?")
            params.append(above)
        sql = (f"SELECT {PROPOSAL_COLUMNS} FROM proposals" + (f" WHERE {' AND '.join(where)}" if where else "")
               + " ORDER BY state = 'open' DESC, confidence DESC, proposals.id")
        kept = []
        for row in self.query(sql, params):
            row["set"], row["evidence"] = _object(row["set"]), _object(row["evidence"])
            if row["set"] is None or row["evidence"] is None or not _names_its_item(row):
                # Written outside tracker (`tracker check` names it): a listing reads
                # around it; asked for by number, it can be dismissed, never accepted.
                if ids is None:
                    errors.note_damage(f"proposal #{row['id']}", "its item or what it proposes is not as tracker writes it")
                    continue
                row["set"], row["evidence"], row["damaged"] = row["set"] or {}, row["evidence"] or {}, True
            kept.append(row)
        return kept

    def decide(self, proposal_id: int, state: str, decided: str, command_id: int | None = None) -> None:
        self.conn.execute("UPDATE proposals SET state = ?, decided = ?, command_id = ? WHERE id = ?",
                          (state, decided, command_id, proposal_id))

    def same_change_open(self, ref: str, status: str, on: str | None, days: int) -> list[int]:
        """The open proposals of the same change to the same item, dated within `days` of `on`."""
        return [row[0] for row in self.conn.execute(
            "SELECT id FROM proposals WHERE state = 'open' AND ref = ? "
            f"AND {self.dialect.json_text(_SET, 'status')} = ? AND {self._near()} ORDER BY id",
            (ref, status, on, on, days))]

    def same_item_open(self, item_type: str, title: str, event: str | None, on: str | None, days: int) -> list[int]:
        """The open proposals of a new item with the same title, at the same event (or none),
        dated within `days` of `on`."""
        return [row[0] for row in self.conn.execute(
            "SELECT id FROM proposals WHERE state = 'open' AND ref IS NULL AND item_type = ? "
            f"AND lower({self.dialect.json_text(_SET, 'title')}) = lower(?) "
            f"AND coalesce({self.dialect.json_text(_SET, 'event')}, '') = ? AND {self._near()} ORDER BY id",
            (item_type, title, event or "", on, on, days))]

    def reopen_accepted(self, command_id: int) -> int:
        """The proposals a command accepted, open again (that command was undone)."""
        return self.conn.execute("UPDATE proposals SET state = 'open', decided = NULL, command_id = NULL "
                                 "WHERE command_id = ?", (command_id,)).rowcount

    def item_titled(self, item_type: str, title: str) -> Ref | None:
        """A live item of this type with this title (letter case aside), found through the
        search index, not a scan."""
        words = [word for word in title.replace('"', " ").split() if any(c.isalnum() for c in word)][:20]
        if not words:
            return None
        for row in self.conn.execute(
                f"SELECT items.type, items.num, items.title FROM items WHERE items.id IN ({self.dialect.title_ids(True)}) "
                "AND items.type = ? AND items.removed IS NULL LIMIT 200",
                (self.dialect.title_value(words, True), item_type)):
            if row[2].casefold() == title.casefold():
                return Ref(row[0], row[1])
        return None

    # -- export and import (tracker/feeds/transfer.py) ------------------------------

    def feeds_to_export(self) -> list[dict]:
        return self.query(f"SELECT {FEED_COLUMNS} FROM feeds ORDER BY id")

    def entries_to_export(self) -> list[dict]:
        return self.query("SELECT id, feed, entry_key AS key, link, title, published, summary, seen "
                          "FROM feed_entries ORDER BY id")

    def proposals_to_export(self) -> list[dict]:
        rows = self.query('SELECT entry_id AS entry, ref, item_type, "set", "on", source, headline, feed, '
                          "confidence, evidence, state, decided FROM proposals ORDER BY id")
        for row in rows:
            # As stored (check names one that is not JSON): an export never fails on it.
            row["set"], row["evidence"] = _object(row["set"]) or {}, _object(row["evidence"]) or {}
        return rows

    def add_exported_feed(self, row: dict) -> None:
        self.conn.execute(f"INSERT INTO feeds ({FEED_COLUMNS}) VALUES (:name, :url, :added, :checked, :status, "
                          ":etag, :last_modified, :retry_after, :error)", row)

    def add_exported_proposal(self, row: dict) -> None:
        self.conn.execute(
            'INSERT INTO proposals (entry_id, ref, item_type, "set", "on", source, headline, feed, confidence, '
            "evidence, state, decided) VALUES (:entry_id, :ref, :item_type, :set, :on, :source, :headline, :feed, "
            ":confidence, :evidence, :state, :decided)",
            {**row, "set": _dumps(row["set"], ensure_ascii=False), "evidence": _dumps(row["evidence"], ensure_ascii=False)})

    # -- what an entry may be about ----------------------------------------------

    def candidates(self, words: list[str], start_utc: str, end_utc: str, earliest_utc: str) -> list[Item]:
        """Live items an entry may be about: those whose title has one of `words` (the
        search index, at most CANDIDATES), and the events under way between two instants
        with what belongs to them: read from the index by start, newest first, from
        `earliest_utc` on (no event runs longer than a year), so that a large database
        costs no more than a small one."""
        ids: set[int] = set()
        if words:
            ids.update(row[0] for row in self.conn.execute(
                f"{self.dialect.title_ids(False)} LIMIT ?", (self.dialect.title_value(words, False), CANDIDATES)))
        events = [row[0] for row in self.conn.execute(
            "SELECT id FROM items WHERE type = 'event' AND starts_utc BETWEEN ? AND ? AND ends_utc >= ? "
            "ORDER BY starts_utc DESC LIMIT ?", (earliest_utc, end_utc, start_utc, CANDIDATES))]
        ids.update(events)
        if events:
            ids.update(row[0] for row in self.conn.execute(
                f"SELECT id FROM items WHERE {self.dialect.in_list('event_id')} LIMIT ?",
                (self.dialect.list_value(events), CANDIDATES)))
        if not ids:
            return []
        rows = self.query(f"SELECT {ITEM_COLUMNS} FROM {ITEM_FROM} WHERE {self.dialect.in_list('items.id')} "
                          "AND items.removed IS NULL ORDER BY items.id", (self.dialect.list_value(sorted(ids)),))
        return self._items(rows)

    def _near(self) -> str:
        """A proposal's date near another's (both undated counts as near): parameters on, on, days."""
        return f"(coalesce({_ON}, ?) IS NULL OR abs({self.dialect.days_apart(_ON, '?')}) <= ?)"

    def agreements_at(self, event: Ref) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM items WHERE event_id = (SELECT id FROM items WHERE type = ? AND num = ?)",
            (event.type, event.num)).fetchone()[0]


# json is loaded by the news commands that use these, not by every command that opens
# the store (start-up is a feature: 2-9 ms here).


def _dumps(value, **options) -> str:
    import json

    return json.dumps(value, **options)


def _names_its_item(row: dict) -> bool:
    """Whether a proposal's ref is a reference of its item's type (A2 for an agreement), or none."""
    ref = row["ref"]
    return ref is None or (isinstance(ref, str) and ref[:1] == PREFIX.get(row["item_type"])
                           and ref[1:].isascii() and ref[1:].isdigit() and len(ref) <= 19)


def _object(text) -> dict | None:
    """A JSON object stored as text; None for anything else."""
    import json

    try:
        found = json.loads(text)
    except (TypeError, ValueError):
        return None
    return found if isinstance(found, dict) else None
