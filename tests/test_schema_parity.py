"""schema.sql (SQLite) and schema.pg.sql (PostgreSQL) describe the same database.

Both are built for real (a temporary SQLite file; a fresh database on the server
the tests start, tests/pgserver.py), their catalogues read into one normal form and
compared: tables, columns (name, type class, NOT NULL, default), primary and unique
keys, foreign keys, indexes (name, columns, order, unique, partial or not). CHECKs
and triggers are spelt differently on each side, so a shared list of rows that both
must refuse stands for them.
"""

from __future__ import annotations

import re
import sqlite3
from itertools import count
from pathlib import Path

import pytest

from tracker.store import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
SQLITE_SCHEMA = (ROOT / "schema.sql").read_text(encoding="utf-8")
PG_SCHEMA = (ROOT / "schema.pg.sql").read_text(encoding="utf-8")

# The full-text search is each engine's own: FTS5's virtual table with its shadow
# tables, and PostgreSQL's item_search with a stored tsvector (tests/test_pg_search.py
# holds them to the same meaning). The views are on both (compared by their rows below).
SQLITE_ONLY = {"item_search", "item_search_data", "item_search_idx", "item_search_content",
               "item_search_docsize", "item_search_config"}
VIEWS = ("agreements", "events", "log")
# PostgreSQL's stand-in for PRAGMA user_version, and its search table (above).
PG_ONLY = {"tracker_schema", "item_search"}

TYPE_CLASS = {"INTEGER": "integer", "TEXT": "text", "REAL": "real",
              "bigint": "integer", "integer": "integer", "text": "text", "double precision": "real"}
EXPRESSION = "<expression>"
_databases = count(1)


# -- SQLite ------------------------------------------------------------------------

def build_sqlite(tmp_path: Path, script: str = SQLITE_SCHEMA) -> sqlite3.Connection:
    conn = sqlite3.connect(tmp_path / f"parity-{next(_databases)}.db", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(script)
    return conn


def sqlite_shape(conn: sqlite3.Connection) -> dict:
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if name not in SQLITE_ONLY]
    shape = {}
    for table in tables:
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        primary = tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        columns = [(name, TYPE_CLASS[declared], bool(notnull) or name in primary, default)
                   for _, name, declared, notnull, default, _ in info]
        foreign = {}
        for fk_id, _, target, source, to, *_ in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
            foreign.setdefault(fk_id, (target, [], []))
            foreign[fk_id][1].append(source)
            foreign[fk_id][2].append(to)
        unique, indexes = set(), {}
        for _, index, is_unique, origin, partial in conn.execute(f'PRAGMA index_list("{table}")'):
            keys = [row for row in conn.execute(f'PRAGMA index_xinfo("{index}")') if row[5]]
            if origin == "u":
                unique.add(tuple(row[2] for row in keys))
            elif origin == "c":
                indexes[index] = (
                    rowid_implied(tuple(EXPRESSION if cid == -2 else (name + " nocase" if coll == "NOCASE" else name)
                                        + (" desc" if desc else "")
                                        for _, cid, name, desc, coll, _ in keys), primary),
                    bool(is_unique), bool(partial))
        shape[table] = {"columns": columns, "primary key": primary, "unique": unique,
                        "foreign keys": {(tuple(s), t, tuple(d)) for t, s, d in foreign.values()},
                        "indexes": indexes}
    return shape


# -- PostgreSQL --------------------------------------------------------------------

def build_pg(postgres_server, script: str = PG_SCHEMA):
    import psycopg

    url = postgres_server.create_database(f"parity_{next(_databases)}")
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(script)
    conn.execute("SET search_path TO tracker")
    return conn


def pg_shape(conn) -> dict:
    def rows(sql, *args):
        return conn.execute(sql, args).fetchall()

    tables = [name for (name,) in rows(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tracker' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name") if name not in PG_ONLY]
    shape = {}
    for table in tables:
        columns = [(name, TYPE_CLASS[data_type], nullable == "NO",
                    re.sub(r"::[a-z ]+$", "", default) if default else None)
                   for name, data_type, nullable, default in rows(
                       "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                       "WHERE table_schema = 'tracker' AND table_name = %s ORDER BY ordinal_position", table)]
        constraints = rows(
            "SELECT c.contype, c.conindid, "
            "  ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
            "        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
            "  c.confrelid::regclass::text, "
            "  ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
            "        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) "
            "FROM pg_constraint c WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u', 'f')", table)
        backing = {indid for _, indid, *_ in constraints}
        primary = next((tuple(cols) for kind, _, cols, _, _ in constraints if kind == "p"), ())
        indexes = {}
        for indexrelid, name, is_unique, partial, keys, options in rows(
                "SELECT i.indexrelid, x.relname, i.indisunique, i.indpred IS NOT NULL, i.indnkeyatts, "
                "       i.indoption::int2[] "
                "FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass", table):
            if indexrelid in backing:
                continue
            parts = []
            for position in range(1, keys + 1):
                (text,) = rows("SELECT pg_get_indexdef(%s, %s, true)", indexrelid, position)[0]
                nocase = re.fullmatch(r"tracker_nocase\((\w+)\)", text)
                part = f"{nocase[1]} nocase" if nocase else (text if re.fullmatch(r"\w+", text) else EXPRESSION)
                parts.append(part + (" desc" if options[position - 1] & 1 else ""))
            indexes[name] = (rowid_implied(tuple(parts), primary), is_unique, partial)
        shape[table] = {
            "columns": columns,
            "primary key": primary,
            "unique": {tuple(cols) for kind, _, cols, _, _ in constraints if kind == "u"},
            "foreign keys": {(tuple(cols), target, tuple(to)) for kind, _, cols, target, to in constraints
                             if kind == "f"},
            "indexes": indexes}
    return shape


def rowid_implied(parts: tuple, primary: tuple) -> tuple:
    """An index's columns without a last `id` where id is the table's integer key: SQLite
    ends every index with the rowid (id), unnamed, and reads it in that order; a
    PostgreSQL index must name it to give the same order (schema.pg.sql's items_by_start
    and items_by_end do, so that list and countdown stop at their LIMIT)."""
    return parts[:-1] if primary == ("id",) and len(parts) > 1 and parts[-1] == "id" else parts


def differences(sqlite: dict, pg: dict) -> list[str]:
    """What one schema has that the other lacks, one line each (empty: alike)."""
    found = [f"table {name}: only on {side}" for side, one, other in (("SQLite", sqlite, pg), ("PostgreSQL", pg, sqlite))
             for name in sorted(one.keys() - other.keys())]
    for table in sorted(sqlite.keys() & pg.keys()):
        for aspect, value in sqlite[table].items():
            if value != pg[table][aspect]:
                found.append(f"{table} {aspect}: SQLite {value!r} / PostgreSQL {pg[table][aspect]!r}")
    return found


# -- The tests ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg(postgres_server):
    conn = build_pg(postgres_server)
    yield conn
    conn.close()


def test_both_schemas_describe_the_same_tables_columns_keys_and_indexes(tmp_path, pg):
    sqlite = sqlite_shape(build_sqlite(tmp_path))
    assert "items" in sqlite and "changes" in sqlite and "proposals" in sqlite     # read at all
    assert differences(sqlite, pg_shape(pg)) == []


def test_both_record_the_same_schema_version(tmp_path, pg):
    (user_version,) = build_sqlite(tmp_path).execute("PRAGMA user_version").fetchone()
    assert user_version == SCHEMA_VERSION
    assert pg.execute("SELECT version FROM tracker_schema").fetchall() == [(user_version,)]


def test_a_column_on_one_side_only_is_found(tmp_path, postgres_server, pg):
    note = "    note         TEXT,\n"
    assert note in SQLITE_SCHEMA
    wider_sqlite = sqlite_shape(build_sqlite(tmp_path, SQLITE_SCHEMA.replace(note, note + "    editor TEXT,\n")))
    found = differences(wider_sqlite, pg_shape(pg))
    assert len(found) == 1 and found[0].startswith("changes columns:") and "'editor'" in found[0]

    pg_note = "    note         text,\n"
    assert pg_note in PG_SCHEMA
    wider_pg = build_pg(postgres_server, PG_SCHEMA.replace(pg_note, pg_note + "    editor text,\n"))
    try:
        found = differences(sqlite_shape(build_sqlite(tmp_path)), pg_shape(wider_pg))
    finally:
        wider_pg.close()
    assert len(found) == 1 and found[0].startswith("changes columns:") and "'editor'" in found[0]


def test_an_index_on_one_side_only_is_found(tmp_path, pg):
    last_line = "PRAGMA user_version ="
    assert SQLITE_SCHEMA.count(last_line) == 1
    extra = SQLITE_SCHEMA.replace(last_line, "CREATE INDEX feeds_by_added ON feeds (added);\n" + last_line)
    assert differences(sqlite_shape(build_sqlite(tmp_path, extra)), pg_shape(pg)) == [
        "feeds indexes: SQLite {'feeds_by_added': (('added',), False, False)} / PostgreSQL {}"]


# Rows both databases start from: they must be accepted by both. No ids given: each
# table's first rows are 1, 2 on both (PostgreSQL's identity would not move past given ids).
SEED = [
    "INSERT INTO items (uid, type, num, title, kind, status, starts, starts_utc, ends_utc, created, updated) "
    "VALUES ('u-e1', 'event', 1, 'Summit', 'summit', 'announced', '2025-12-04', '2025-12-04T00:00:00Z', "
    "'2025-12-05T00:00:00Z', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    "INSERT INTO items (uid, type, num, title, kind, status, event_id, sector, created, updated) "
    "VALUES ('u-a1', 'agreement', 1, 'Oil deal', 'deal', 'expected', 1, 'energy', "
    "'2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z')",
    "INSERT INTO commands (name, recorded) VALUES ('add', '2025-01-01T00:00:00Z')",
    "INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, source, command_id) "
    "VALUES (1, 'created', 'Summit', 'x', 'x', 'x', 'HTTPS://example.org/a', 1)",
    "INSERT INTO feed_entries (feed, entry_key, title, summary, seen) VALUES ('f', 'k', 't', 's', 'x')",
    "INSERT INTO proposals (entry_id, item_type, \"set\", headline, feed, confidence, evidence) "
    "VALUES (1, 'agreement', '{}', 'h', 'f', 0.5, '{}')",
]

CHECK = r"CHECK constraint failed|violates check constraint"
FOREIGN = r"FOREIGN KEY constraint failed|violates foreign key constraint"
UNIQUE = r"UNIQUE constraint failed|duplicate key value"
NOT_NULL = r"NOT NULL constraint failed|violates not-null constraint"
NEW_EVENT = ("INSERT INTO items (uid, type, num, title, kind, status, created, updated) "
             "VALUES ('u-e9', 'event', 9, {title}, {kind}, {status}, 'x', 'x')")

# What both must refuse: (what, the SQL, PostgreSQL's SQL where it differs or None, refusal).
REFUSED = [
    ("a status outside the vocabulary", "UPDATE items SET status = 'done' WHERE id = 2", None, CHECK),
    ("an agreement's status on an event", "UPDATE items SET status = 'signed' WHERE id = 1", None, CHECK),
    ("an agreement's kind on an event", NEW_EVENT.format(title="'T'", kind="'treaty'", status="'announced'"),
     None, CHECK),
    ("a blank title", NEW_EVENT.format(title="'  '", kind="'summit'", status="'announced'"), None, CHECK),
    ("no title", NEW_EVENT.format(title="NULL", kind="'summit'", status="'announced'"), None, NOT_NULL),
    ("a sector not in lower case", "UPDATE items SET sector = 'Energy' WHERE id = 2", None, CHECK),
    ("a start on an agreement", "UPDATE items SET starts = 'x', starts_utc = 'x', ends_utc = 'x' WHERE id = 2",
     None, CHECK),
    ("a start without its UTC instant", "UPDATE items SET starts_utc = NULL WHERE id = 1", None, CHECK),
    ("a series on an agreement", "UPDATE items SET series = 'Annual' WHERE id = 2", None, CHECK),
    ("a second A1", "UPDATE items SET num = 1, type = 'agreement', kind = 'deal', status = 'expected', "
     "starts = NULL, starts_utc = NULL, ends_utc = NULL WHERE id = 1", None, UNIQUE),
    ("a uid used twice", "UPDATE items SET uid = 'u-e1' WHERE id = 2", None, UNIQUE),
    # The trigger speaks before the foreign key, on both.
    ("an agreement pointing at a missing event", "UPDATE items SET event_id = 999 WHERE id = 2", None,
     "an item can only belong to an event"),
    ("an item belonging to itself", "UPDATE items SET event_id = 1 WHERE id = 1", None, CHECK),
    ("an event belonging to an agreement", "UPDATE items SET event_id = 2 WHERE id = 1", None,
     "an item can only belong to an event"),
    ("a new item belonging to an agreement",
     "INSERT INTO items (uid, type, num, title, kind, status, event_id, created, updated) "
     "VALUES ('u-a9', 'agreement', 9, 'T', 'mou', 'expected', 2, 'x', 'x')", None,
     "an item can only belong to an event"),
    ("a DELETE of an item", "DELETE FROM items WHERE id = 2", None, "items are never deleted: use tracker remove"),
    ("a party for a missing item", "INSERT INTO item_parties (item_id, position, party) VALUES (999, 0, 'India')",
     None, FOREIGN),
    ("a blank tag", "INSERT INTO item_tags (item_id, position, tag) VALUES (1, 0, ' ')", None, CHECK),
    ("a change of a missing item", "INSERT INTO changes (item_id, happened, happened_utc, recorded) "
     "VALUES (999, 'x', 'x', 'x')", None, FOREIGN),
    ("a source that is not a web address", "INSERT INTO changes (item_id, happened, happened_utc, recorded, source) "
     "VALUES (1, 'x', 'x', 'x', 'ftp://x')", None, CHECK),
    ("an UPDATE of the log", "UPDATE changes SET note = 'edited' WHERE id = 1", None,
     "the change log is append-only: its rows are never updated"),
    ("a DELETE from the log", "DELETE FROM changes WHERE id = 1", None,
     "the change log is append-only: its rows are never deleted"),
    ("the whole log emptied at once", "DELETE FROM changes", "TRUNCATE changes",
     "the change log is append-only: its rows are never deleted"),
    # CASCADE: else PostgreSQL refuses for the foreign keys before the trigger is asked.
    ("the items emptied at once", "DELETE FROM items", "TRUNCATE items CASCADE",
     "items are never deleted: use tracker remove"),
    ("an UPDATE of a command", "UPDATE commands SET name = 'import' WHERE id = 1", None,
     "commands are never updated: the log is append-only"),
    ("a DELETE of a command", "DELETE FROM commands WHERE id = 1", None,
     "commands are never deleted: the log is append-only"),
    ("a command without a name", "INSERT INTO commands (name, recorded) VALUES (NULL, 'x')", None, NOT_NULL),
    ("an undo of a missing command", "INSERT INTO commands (name, recorded, undoes) VALUES ('undo', 'x', 999)",
     None, FOREIGN),
    ("a negative count", "INSERT INTO agreement_counts (event_id, status, n) VALUES (5, 'signed', -1)",
     None, CHECK),
    ("a feed status outside the vocabulary", "INSERT INTO feeds (name, url, added, status) "
     "VALUES ('n', 'https://example.org/feed', 'x', 'broken')", None, CHECK),
    ("a feed that is not on the web", "INSERT INTO feeds (name, url, added) VALUES ('n', 'file:///etc', 'x')",
     None, CHECK),
    ("an entry twice", "INSERT INTO feed_entries (feed, entry_key, title, summary, seen) "
     "VALUES ('f', 'k', 't', 's', 'x')", None, UNIQUE),
    ("a confidence above 1", "UPDATE proposals SET confidence = 1.5 WHERE id = 1", None, CHECK),
    ("a proposal state outside the vocabulary", "UPDATE proposals SET state = 'maybe' WHERE id = 1", None, CHECK),
    ("a proposal for a missing entry", "UPDATE proposals SET entry_id = 999 WHERE id = 1", None, FOREIGN),
]


# Beside SEED: a second agreement (of no event, removed later), parties and tags in an
# order other than their insertion, an event in a series, a removed item, an author.
VIEWED = [
    "INSERT INTO items (uid, type, num, title, kind, status, due, due_utc, created, updated) "
    "VALUES ('u-a2', 'agreement', 2, 'Visa pact', 'pact', 'signed', '2025-12-20', '2025-12-19T18:30:00Z', "
    "'2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z')",
    "INSERT INTO items (uid, type, num, title, kind, status, series, series_number, starts, starts_utc, ends_utc, "
    "tz, location, created, updated) VALUES ('u-e2', 'event', 2, 'Dinner', 'meeting', 'held', 'Talks', 3, "
    "'2025-12-05T19:00:00+05:30', '2025-12-05T13:30:00Z', '2025-12-05T13:30:00Z', 'Asia/Kolkata', 'Delhi', 'x', 'x')",
    "INSERT INTO items (uid, type, num, title, kind, status, created, updated, removed) "
    "VALUES ('u-a3', 'agreement', 3, 'Gone', 'deal', 'dropped', 'x', 'x', 'y')",
    "INSERT INTO item_parties (item_id, position, party) VALUES (2, 1, 'Russia'), (2, 0, 'India'), (1, 0, 'UAE')",
    "INSERT INTO item_tags (item_id, position, tag) VALUES (2, 0, 'energy'), (3, 0, 'labour'), (3, 1, 'visas')",
    "INSERT INTO changes (item_id, field, old, new, happened, happened_utc, recorded, note, recorded_by) "
    "VALUES (2, 'status', 'rumoured', 'expected', '2025-12-01', '2025-11-30T18:30:00Z', 'y', 'said so', 'anna')",
]


def test_both_engines_have_the_views_with_the_same_columns_and_rows(tmp_path, postgres_server):
    sqlite, pg = build_sqlite(tmp_path), build_pg(postgres_server)
    try:
        for statement in SEED + VIEWED:
            sqlite.execute(statement)
            pg.execute(statement)
        for view in VIEWS:
            sqlite_rows = sqlite.execute(f"SELECT * FROM {view} ORDER BY id")
            pg_rows = pg.execute(f"SELECT * FROM {view} ORDER BY id")
            columns = [column[0] for column in sqlite_rows.description]
            assert columns == [column.name for column in pg_rows.description], view
            # `by` is the role logged in on PostgreSQL, whatever the row says (its trigger).
            shared = [index for index, name in enumerate(columns) if name != "by"]
            read = [[row[index] for index in shared] for row in sqlite_rows.fetchall()]
            assert read and read == [[row[index] for index in shared] for row in pg_rows.fetchall()], view
    finally:
        pg.close()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, postgres_server):
    sqlite = build_sqlite(tmp_path_factory.mktemp("parity"))
    pg = build_pg(postgres_server)
    for statement in SEED:
        sqlite.execute(statement)
        pg.execute(statement)
    yield sqlite, pg
    pg.close()


def test_both_accept_the_seed_and_count_its_agreement(seeded):
    sqlite, pg = seeded
    counts = "SELECT event_id, status, n FROM agreement_counts ORDER BY event_id"
    assert sqlite.execute(counts).fetchall() == pg.execute(counts).fetchall() == [(-1, "expected", 1),
                                                                                  (1, "expected", 1)]


def test_both_keep_the_agreement_counts_through_updates(tmp_path, postgres_server):
    sqlite, pg = build_sqlite(tmp_path), build_pg(postgres_server)
    moves = ["UPDATE items SET status = 'signed' WHERE id = 2",
             "UPDATE items SET event_id = NULL WHERE id = 2",
             "UPDATE items SET removed = 'x' WHERE id = 2"]
    counts = "SELECT event_id, status, n FROM agreement_counts WHERE n > 0 ORDER BY event_id, status"
    try:
        for statement in SEED + moves[:2]:
            sqlite.execute(statement)
            pg.execute(statement)
        assert sqlite.execute(counts).fetchall() == pg.execute(counts).fetchall() == [(-1, "signed", 1),
                                                                                      (0, "signed", 1)]
        sqlite.execute(moves[2])
        pg.execute(moves[2])
        assert sqlite.execute(counts).fetchall() == pg.execute(counts).fetchall() == []
    finally:
        pg.close()


@pytest.mark.parametrize("what, sql, pg_sql, refusal", REFUSED, ids=[case[0] for case in REFUSED])
def test_both_refuse(seeded, what, sql, pg_sql, refusal):
    import psycopg

    sqlite, pg = seeded
    with pytest.raises(sqlite3.DatabaseError, match=refusal):
        sqlite.execute("BEGIN")
        try:
            sqlite.execute(sql)
        finally:
            sqlite.execute("ROLLBACK")
    with pytest.raises(psycopg.Error, match=refusal):
        with pg.transaction():
            pg.execute(pg_sql or sql)


# Where the spellings differ (NOCASE folds ASCII only; SQLite's LIKE ignores ASCII case),
# both must also accept the same: (what, SQL).
ACCEPTED = [
    ("a web address in capitals", "INSERT INTO changes (item_id, happened, happened_utc, recorded, source) "
     "VALUES (1, 'x', 'x', 'x', 'HTTP://EXAMPLE.ORG')"),
    ("a sector whose only capital is not ASCII", "UPDATE items SET sector = 'énergie-Ä' WHERE id = 2"),
]


@pytest.mark.parametrize("what, sql", ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_both_accept(seeded, what, sql):
    sqlite, pg = seeded
    sqlite.execute("BEGIN")
    try:
        assert sqlite.execute(sql).rowcount == 1
    finally:
        sqlite.execute("ROLLBACK")
    with pg.transaction(force_rollback=True):
        assert pg.execute(sql).rowcount == 1


def test_the_installed_package_ships_the_postgresql_schema():
    import tracker

    installed = Path(tracker.__file__).parent
    assert "site-packages" in str(installed), "the tests must run against the installed package"
    assert (installed / "schema.pg.sql").read_text(encoding="utf-8") == PG_SCHEMA


# -- who made a change: said by PostgreSQL itself --------------------------------------
# SQLite has no roles: tracker writes TRACKER_USER or the OS user there (tests/test_by.py).
# On PostgreSQL a trigger writes the role that logged in, whatever the INSERT gave, and
# keeps a given name only in a transaction of the log's owner that asked for it
# (SET LOCAL tracker.keep_by = 'on': an import or a copy keeps its file's authors).

def test_postgresql_records_the_role_that_logged_in_and_keeps_a_name_only_for_the_owner(postgres_server):
    import psycopg

    from pgserver import SUPERUSER

    name = f"by_{next(_databases)}"
    url = postgres_server.create_database(name)
    editor = f"{name}_editor"
    with psycopg.connect(url, autocommit=True) as owner:
        owner.execute(PG_SCHEMA)
        owner.execute("SET search_path TO tracker")
        for statement in SEED[:3]:
            owner.execute(statement)
        owner.execute(f'CREATE ROLE "{editor}" LOGIN')
        owner.execute(f'GRANT USAGE ON SCHEMA tracker TO "{editor}"')
        owner.execute(f'GRANT SELECT, INSERT ON tracker.changes TO "{editor}"')
        owner.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA tracker TO "{editor}"')
        insert = ("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, recorded_by) "
                  "VALUES (1, 'status', 'held', 'x', 'x', 'x', %s) RETURNING recorded_by")

        def logged(conn, given, keep=False):
            with conn.transaction():
                if keep:
                    conn.execute("SET LOCAL tracker.keep_by = 'on'")
                return conn.execute(insert, (given,)).fetchone()[0]

        assert logged(owner, "mallory") == SUPERUSER                # not the client's word
        assert logged(owner, "anna", keep=True) == "anna"            # an import's author, kept
        assert logged(owner, None, keep=True) is None                # an old export's: none
        assert logged(owner, "anna") == SUPERUSER                    # SET LOCAL: that transaction only
        with psycopg.connect(url.replace(f"{SUPERUSER}@", f"{editor}@"), autocommit=True) as desk:
            desk.execute("SET search_path TO tracker")
            assert logged(desk, "mallory") == editor
            assert logged(desk, "mallory", keep=True) == editor       # only the owner may keep a name
            with pytest.raises(psycopg.Error, match="permission denied|append-only"):
                with desk.transaction():
                    desk.execute("UPDATE changes SET recorded_by = 'mallory'")
        owner.execute(f'DROP OWNED BY "{editor}"')
        owner.execute(f'DROP ROLE "{editor}"')
