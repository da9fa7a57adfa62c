"""Search keeps its meaning on PostgreSQL: schema.pg.sql's item_search (a stored
tsvector over folded text, tracker_search_query()) finds what FTS5 finds in
schema.sql's, for the same items, notes and sources and the same searches.

Both schemas are built for real (SQLite in a temporary file, PostgreSQL on the
server the tests start), the same rows written to each through the triggers, and
every search asked of both: FTS5 with fts_query() (what `tracker list --search`
sends), PostgreSQL with tracker_search_query().
"""

from __future__ import annotations

import sqlite3
from itertools import count
from pathlib import Path

import pytest

from tracker.store import fts_query

ROOT = Path(__file__).resolve().parent.parent
_databases = count(1)

ITEMS = [
    (1, "Sommet de l'Élysée: S-400 systems"),
    (2, "Саммит ШОС"),
    (3, "abc123 framework"),
    (4, "Pact on Su-57 co-production"),
    (5, "Nuclear power: Kudankulam units 5 and 6"),
    (6, "État de droit: MOU on legal aid"),
]
# (item, note, source) appended to the log: notes and sources are searched too.
LOG = [
    (5, "Rosatom said the deal is near", "https://example.org/kudankulam"),
    (4, None, "https://news.example.com/su-57-deal"),
    (1, "Élysée denies the S-400 report", None),
]
SEARCHES = [
    "elysee", "ÉLYSÉE", "Ely", "S-400", "s 400", "S-4", "400 S", "шос", "ШОС", "сам",
    "abc", "abc123", "123", "su-57", "co-production", "production", "rosatom near",
    "deal", "example", "kudankulam.org", "https", "etat", "droit mou", "MOU", "zzz",
    "- elysee", "nuclear -", "units 5", "5 6", "aid legal", "\"aid\"", "l'élysée",
]


def sqlite_matches(tmp_path: Path) -> dict[str, list[int]]:
    conn = sqlite3.connect(tmp_path / f"search-{next(_databases)}.db", isolation_level=None)
    conn.executescript((ROOT / "schema.sql").read_text(encoding="utf-8"))
    _write(conn, "?")
    return {search: [row[0] for row in conn.execute(
        "SELECT rowid FROM item_search WHERE item_search MATCH ? ORDER BY rowid", (fts_query(search),))]
        for search in SEARCHES}


def postgres_matches(postgres_server) -> dict[str, list[int]]:
    import psycopg

    conn = psycopg.connect(postgres_server.create_database(f"search_{next(_databases)}"), autocommit=True)
    try:
        conn.execute((ROOT / "schema.pg.sql").read_text(encoding="utf-8"))
        conn.execute("SET search_path TO tracker")
        _write(conn, "%s")
        return {search: [row[0] for row in conn.execute(
            "SELECT item_id FROM item_search WHERE document @@ tracker_search_query(%s) ORDER BY item_id",
            (search,))] for search in SEARCHES}
    finally:
        conn.close()


def _write(conn, mark: str) -> None:
    values = ", ".join([mark] * 8)
    for item_id, title in ITEMS:
        conn.execute(f"INSERT INTO items (id, uid, type, num, title, kind, status, created, updated) "
                     f"VALUES ({values}, {mark})",
                     (item_id, f"uid-{item_id}", "agreement", item_id, title, "mou", "expected",
                      "2025-11-29T10:00:00Z", "2025-11-29T10:00:00Z"))
    for item_id, note, source in LOG:
        conn.execute(f"INSERT INTO changes (item_id, field, old, new, happened, happened_utc, recorded, source, note) "
                     f"VALUES ({', '.join([mark] * 9)})",
                     (item_id, "note", None, None, "2025-12-01", "2025-12-01T00:00:00Z",
                      "2025-12-01T10:00:00Z", source, note))


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres_server):
    return sqlite_matches(tmp_path_factory.mktemp("search")), postgres_matches(postgres_server)


@pytest.mark.parametrize("search", SEARCHES)
def test_postgres_finds_what_fts5_finds(both, search):
    on_sqlite, on_postgres = both
    assert on_postgres[search] == on_sqlite[search]


def test_the_searches_tell_items_apart(both):
    """The comparison means something: accents, scripts, phrases and prefixes each
    find some items and not others (a search that found all or none would agree
    on both engines for no reason)."""
    on_sqlite, _ = both
    assert on_sqlite["elysee"] == [1]
    assert on_sqlite["шос"] == [2]
    assert on_sqlite["S-4"] == [1]            # a phrase whose last word is a prefix
    assert on_sqlite["400 S"] == [1]          # two words, in any order
    assert on_sqlite["rosatom near"] == [5]   # words from a note
    assert on_sqlite["kudankulam.org"] == []  # a phrase: no such words in that order
    assert on_sqlite["zzz"] == []
    assert on_sqlite["- elysee"] == [1]       # a word of no letters asks for nothing


def test_the_document_follows_title_changes(postgres_server):
    import psycopg

    conn = psycopg.connect(postgres_server.create_database(f"search_{next(_databases)}"), autocommit=True)
    try:
        conn.execute((ROOT / "schema.pg.sql").read_text(encoding="utf-8"))
        conn.execute("SET search_path TO tracker")
        _write(conn, "%s")
        conn.execute("UPDATE items SET title = 'Agreement on Arctic shipping' WHERE id = 3")
        found = [row[0] for row in conn.execute(
            "SELECT item_id FROM item_search WHERE document @@ tracker_search_query(%s)", ("arctic",))]
        gone = conn.execute("SELECT count(*) FROM item_search WHERE document @@ tracker_search_query('abc123')").fetchone()
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(row[0] for row in conn.execute(
            "EXPLAIN SELECT item_id FROM item_search WHERE document @@ tracker_search_query('arctic')"))
    finally:
        conn.close()
    assert found == [3] and gone == (0,)
    # The GIN index can serve a search (with so few rows the planner would rather scan:
    # scans are forbidden above to see that it can use the index at all).
    assert "item_search_by_word" in plan
