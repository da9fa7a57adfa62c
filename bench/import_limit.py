"""The limit of `tracker import`: a plain script that writes the same database from an export.

    python bench/import_limit.py EXPORT.json DB

No validation, no tracker code: the standard library's json and sqlite3, tracker's
schema.sql, and the least Python that turns a well-formed export (as `tracker
export` or bench/generate.py writes it) into the rows `tracker import` writes into a
new database: items, parties, tags, the log and its command, the search index and
the agreement counts. bench/run.py times tracker's import against it, and
tests/test_import_limit.py checks that both write the same rows, so that the limit
stays honest as the schema changes.

It does what a careful plain script would do for speed, as tracker's bulk load does:
the triggers that fill the search index and the counts are dropped during the load
and their work done once at the end, and the secondary indexes are built after it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

SCHEMA = Path(__file__).resolve().parent.parent / "schema.sql"
# The triggers and indexes whose work is done once, at the end of the load.
DEFERRED_TRIGGERS = ("item_search_on_insert", "item_search_on_change", "agreement_counts_on_insert",
                     "items_event_must_be_event_on_insert")
DEFERRED_INDEXES = ("items_by_status", "items_by_kind", "items_by_start", "items_by_end", "items_by_due",
                    "items_by_sector", "items_by_event", "item_parties_by_party", "item_tags_by_tag",
                    "changes_by_item", "changes_by_happened", "changes_settling", "changes_by_command")
ITEM_COLUMNS = ("id", "uid", "type", "num", "title", "kind", "status", "event_id", "starts", "starts_utc", "ends",
                "ends_utc", "tz", "location", "sector", "due", "due_utc", "created", "updated", "removed",
                "series", "series_number")
CHANGE_COLUMNS = ("item_id", "field", "old", "new", "happened", "happened_utc", "recorded", "source", "note",
                  "recorded_by", "command_id")


def user_zone() -> str:
    """The zone of an item without one, as tracker finds it: TRACKER_TZ, TZ, else UTC."""
    return os.environ.get("TRACKER_TZ") or os.environ.get("TZ", "").lstrip(":") or "UTC"


def utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=None)
def reading(text: str, zone_name: str) -> tuple[str, str, str]:
    """A stored day or time: (as stored, its first instant in UTC, the instant it is over)."""
    zone = ZoneInfo(zone_name)
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return text, utc(start), utc(end)
    moment = datetime.fromisoformat(text).astimezone(zone)
    return moment.isoformat(timespec="seconds"), utc(moment), utc(moment)


def schema_statements() -> tuple[str, dict[str, str]]:
    """schema.sql whole, and each of its CREATE TRIGGER / CREATE INDEX statements by name."""
    text = SCHEMA.read_text()
    named, statement = {}, []
    for line in text.splitlines():
        if not statement and (line.startswith("--") or not line.strip()):
            continue
        statement.append(line)
        if sqlite3.complete_statement("\n".join(statement)):
            sql = "\n".join(statement).strip()
            words = sql.split()
            if words[:2] in (["CREATE", "TRIGGER"], ["CREATE", "INDEX"]):
                named[words[2]] = sql
            statement = []
    return text, named


def import_limit(export_path: str, db_path: str) -> tuple[int, int]:
    """Write a new database at db_path from the export; returns (items, changes)."""
    with open(export_path, "rb") as stream:
        document = json.load(stream)
    schema, named = schema_statements()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(schema)
    conn.execute("BEGIN IMMEDIATE")
    for name in DEFERRED_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    for name in DEFERRED_INDEXES:
        conn.execute(f"DROP INDEX {name}")

    default_zone = user_zone()
    ids: dict[str, int] = {}            # ref -> id
    zones: dict[int, str] = {}          # id -> the zone its dates are read in
    items, parties, tags = [], [], []
    # An item comes after what it belongs to: one listed before its event waits for it.
    waiting: dict[str, list[dict]] = {}

    def add(item: dict) -> None:
        item_id = len(ids) + 1
        ids[item["ref"]] = item_id
        is_event = item["type"] == "event"
        link = item.get("parent") if is_event else item.get("event")
        event_id = ids[link] if link else None
        starts = starts_utc = ends = ends_utc = due = due_utc = None
        if is_event:
            zone = item.get("tz") or (zones[event_id] if event_id else default_zone)
            if item.get("start"):
                starts, starts_utc, start_end = reading(item["start"], zone)
                ends_utc = start_end
                if item.get("end"):
                    ends, _, ends_utc = reading(item["end"], zone)
        else:
            zone = zones[event_id] if event_id else default_zone
            if item.get("due"):
                due, _, due_utc = reading(item["due"], zone)
        zones[item_id] = zone
        items.append((item_id, item["uid"], item["type"], int(item["ref"][1:]), item["title"], item["kind"],
                      item["status"], event_id, starts, starts_utc, ends, ends_utc, zone if is_event else None,
                      item.get("location"), item.get("sector"), due, due_utc, item["created"], item["updated"],
                      item.get("removed"), item.get("series"), item.get("series_number")))
        parties.extend((item_id, position, party) for position, party in enumerate(item.get("parties") or []))
        tags.extend((item_id, position, tag) for position, tag in enumerate(item.get("tags") or []))
        for follower in waiting.pop(item["ref"], ()):
            add(follower)

    for item in document["items"]:
        link = item.get("parent") if item["type"] == "event" else item.get("event")
        if link and link not in ids:
            waiting.setdefault(link, []).append(item)
        else:
            add(item)
    insert(conn, "items", ITEM_COLUMNS, items)
    insert(conn, "item_parties", ("item_id", "position", "party"), parties)
    insert(conn, "item_tags", ("item_id", "position", "tag"), tags)

    history = document.get("history", [])
    changes, logged = [], set()
    command_id = None
    if history:
        command_id = conn.execute("INSERT INTO commands (name, recorded) VALUES ('import', ?)",
                                  (history[0]["recorded"],)).lastrowid
    for entry in history:
        item_id = ids[entry["ref"]]
        happened, happened_utc, _ = reading(entry["on"], zones[item_id])
        old, new = entry.get("old"), entry.get("new")
        if entry.get("field") == "retracted":
            # The file names the retracted entry by its place; here it is the id of its row.
            old, new = (None if value is None else str(int(value)) for value in (old, new))
        changes.append((item_id, entry.get("field"), stored(old), stored(new), happened, happened_utc,
                        entry["recorded"], entry.get("source"), entry.get("note"), entry.get("by"), command_id))
        logged.add(item_id)
    insert(conn, "changes", CHANGE_COLUMNS, changes)

    for name in DEFERRED_INDEXES:
        conn.execute(named[name])
    notes = ("coalesce((SELECT group_concat(char(10) || coalesce({0}, ''), '') FROM (SELECT {0} FROM changes "
             "WHERE item_id = items.id AND (note IS NOT NULL OR source IS NOT NULL) ORDER BY id)), '')")
    conn.execute(f"INSERT INTO item_search (rowid, title, notes, sources) "
                 f"SELECT id, title, {notes.format('note')}, {notes.format('source')} FROM items")
    for owner in ("coalesce(event_id, 0)", "-1"):
        conn.execute(f"INSERT INTO agreement_counts (event_id, status, n) SELECT {owner}, status, count(*) "
                     f"FROM items WHERE type = 'agreement' AND removed IS NULL GROUP BY 1, 2")
    for name in DEFERRED_TRIGGERS:
        conn.execute(named[name])
    conn.execute("COMMIT")
    conn.close()
    return len(items), len(changes)


def stored(value):
    """A logged value as the log keeps it: lists (parties, tags) as JSON arrays."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value


def insert(conn: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/import_limit.py EXPORT.json DB")
    if os.path.exists(sys.argv[2]):
        sys.exit(f"{sys.argv[2]} exists: give the path of a new database")
    count_items, count_changes = import_limit(sys.argv[1], sys.argv[2])
    print(f"wrote {count_items} items and {count_changes} changes into {sys.argv[2]}", file=sys.stderr)
