"""The log stays append-only on PostgreSQL by privilege as well as by trigger: the roles
the README gives (tests/roles.sql, run here as written) on a real server. An editor
writes items and appends to the log but cannot rewrite it; a reader reads and is
refused every write (SQLSTATE 42501); even the owner meets the triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

ROLES = Path(__file__).resolve().parent / "roles.sql"
SCHEMA_PG = Path(__file__).resolve().parent.parent / "schema.pg.sql"
PART_2 = "-- Part 2,"
LOGINS = ("tracker_owner", "anna", "desk_viewer")
ROLE_NAMES = ("anna", "desk_viewer", "tracker_editor", "tracker_reader", "tracker_owner")
INSUFFICIENT_PRIVILEGE = "42501"


def roles_sql() -> tuple[str, str]:
    """The file's two parts: as a superuser before tracker's first run, as the owner after."""
    text = ROLES.read_text(encoding="utf-8")
    assert text.count(PART_2) == 1
    before, after = text.split(PART_2)
    return before, PART_2 + after


@pytest.fixture(scope="module")
def desk(postgres_server):
    """The database `desk` with the README's roles, its schema made by tracker_owner;
    a function connecting as one of its logins (search_path set to tracker's schema)."""
    import psycopg

    def url(role: str, database: str = "desk") -> str:
        return f"postgresql://{role}@/{database}?host={postgres_server.socket_dir}"

    postgres_server.create_database("desk")
    before, after = roles_sql()
    with psycopg.connect(postgres_server.url("desk"), autocommit=True) as conn:
        conn.execute(before)
    with psycopg.connect(url("tracker_owner"), autocommit=True) as conn:
        conn.execute(SCHEMA_PG.read_text(encoding="utf-8"))     # what tracker's first run does
        conn.execute(after)
    opened = []

    def connect(role: str):
        conn = psycopg.connect(url(role), autocommit=True)
        conn.execute("SET search_path TO tracker")
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()
    # Roles belong to the whole server: leave it as it was for the rest of the run.
    with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as conn:
        conn.execute("DROP DATABASE desk WITH (FORCE)")
        for role in ROLE_NAMES:
            conn.execute(f"DROP ROLE {role}")


def refusal(conn, statement: str):
    """The error a statement meets (psycopg's exception), its transaction rolled back."""
    import psycopg

    with pytest.raises(psycopg.Error) as refused:
        conn.execute(statement)
    return refused.value


EVENT = ("INSERT INTO items (uid, type, num, title, kind, status, starts, starts_utc, ends_utc, created, updated) "
         "VALUES ('{uid}', 'event', {num}, 'Summit', 'summit', 'announced', '2025-12-04', '2025-12-04T00:00:00Z', "
         "'2025-12-05T00:00:00Z', 'x', 'x') RETURNING id")
AGREEMENT = ("INSERT INTO items (uid, type, num, title, kind, status, event_id, created, updated) "
             "VALUES ('{uid}', 'agreement', {num}, 'Deal', 'deal', 'expected', {event}, 'x', 'x') RETURNING id")
REWRITES = [
    "UPDATE changes SET note = 'rewritten'",
    "DELETE FROM changes",
    "TRUNCATE changes",
    "UPDATE commands SET name = 'rewritten'",
    "DELETE FROM commands",
    "TRUNCATE commands",
    "DELETE FROM items",
    "TRUNCATE items",
]


def test_the_files_two_parts_are_the_readmes_sql():
    before, after = roles_sql()
    assert "CREATE ROLE tracker_editor NOLOGIN IN ROLE tracker_reader" in before
    assert "GRANT INSERT ON tracker.changes, tracker.commands TO tracker_editor" in after
    # No grant lets the editor rewrite the log.
    assert "UPDATE ON tracker.changes" not in after and "DELETE ON tracker.changes" not in after


def test_the_editor_writes_items_and_appends_to_the_log(desk):
    anna = desk("anna")
    (event,) = anna.execute(EVENT.format(uid="e-anna", num=1)).fetchone()
    (agreement,) = anna.execute(AGREEMENT.format(uid="a-anna", num=1, event=event)).fetchone()
    (command,) = anna.execute("INSERT INTO commands (name, recorded) VALUES ('add', 'x') RETURNING id").fetchone()
    anna.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, command_id) "
                 "VALUES (%s, 'created', 'Deal', 'x', 'x', 'x', %s)", (agreement, command))
    anna.execute("UPDATE items SET status = 'signed', updated = 'y' WHERE id = %s", (agreement,))
    anna.execute("INSERT INTO item_parties (item_id, position, party) VALUES (%s, 0, 'India')", (agreement,))
    anna.execute("DELETE FROM item_parties WHERE item_id = %s", (agreement,))
    # The counts the trigger keeps, as anna: the editor may write them.
    assert anna.execute("SELECT status, n FROM agreement_counts WHERE event_id = %s ORDER BY status",
                        (event,)).fetchall() == [("expected", 0), ("signed", 1)]
    assert anna.execute("SELECT count(*) FROM changes WHERE command_id = %s", (command,)).fetchone() == (1,)


@pytest.mark.parametrize("statement", REWRITES)
def test_the_editor_cannot_rewrite_the_log_nor_delete_items(desk, statement):
    anna = desk("anna")
    error = refusal(anna, statement)
    assert error.sqlstate == INSUFFICIENT_PRIVILEGE, error
    assert "permission denied" in str(error)


@pytest.mark.parametrize("statement", ["DROP TRIGGER changes_are_never_updated ON changes",
                                       "ALTER TABLE changes DISABLE TRIGGER USER",
                                       "ALTER TABLE changes OWNER TO anna"])
def test_the_editor_cannot_lift_the_safeguards(desk, statement):
    error = refusal(desk("anna"), statement)
    assert error.sqlstate == INSUFFICIENT_PRIVILEGE, error


@pytest.mark.parametrize("statement", REWRITES)
def test_even_the_owner_meets_the_triggers(desk, statement):
    owner = desk("tracker_owner")
    (event,) = owner.execute(EVENT.format(uid=f"e-owner-{REWRITES.index(statement)}",
                                          num=100 + REWRITES.index(statement))).fetchone()
    owner.execute("INSERT INTO commands (name, recorded) VALUES ('add', 'x')")
    owner.execute("INSERT INTO changes (item_id, field, happened, happened_utc, recorded) "
                  "VALUES (%s, 'created', 'x', 'x', 'x')", (event,))
    # CASCADE: the owner's strongest truncate, past the foreign keys that refuse it first.
    error = refusal(owner, statement + " CASCADE" if statement.startswith("TRUNCATE") else statement)
    assert error.sqlstate == "P0001", error        # RAISE EXCEPTION in tracker_refuse()
    assert "append-only" in str(error) or "never deleted" in str(error)


def test_the_reader_reads(desk):
    viewer = desk("desk_viewer")
    for table in ("items", "changes", "commands", "item_parties", "item_tags", "agreement_counts",
                  "feeds", "feed_entries", "proposals", "tracker_schema", "agreements", "events", "log"):
        viewer.execute(f"SELECT count(*) FROM {table}").fetchone()


@pytest.mark.parametrize("statement", [
    EVENT.format(uid="e-viewer", num=50),
    "INSERT INTO changes (item_id, field, happened, happened_utc, recorded) VALUES (1, 'created', 'x', 'x', 'x')",
    "INSERT INTO commands (name, recorded) VALUES ('add', 'x')",
    "UPDATE items SET title = 'Renamed'",
    "INSERT INTO feeds (name, url, added) VALUES ('f', 'https://example.org/f', 'x')",
    "DELETE FROM item_tags",
])
def test_the_reader_is_refused_every_write(desk, statement):
    error = refusal(desk("desk_viewer"), statement)
    assert error.sqlstate == INSUFFICIENT_PRIVILEGE, error


@pytest.mark.parametrize("role", ["tracker_editor", "tracker_reader"])
def test_the_group_roles_cannot_log_in(desk, role):
    import psycopg

    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        desk(role)


def test_the_readme_shows_the_roles_as_tested():
    """The README's roles are this file's, whole: what a desk pastes is what ran above."""
    root = Path(__file__).resolve().parent.parent
    roles = (root / "tests" / "roles.sql").read_text(encoding="utf-8")
    assert roles[roles.index("-- Part 1"):].rstrip("\n") in (root / "README.md").read_text(encoding="utf-8")


# -- an older schema: only its owner brings it up to date -----------------------------------

def desk_url(postgres_server, role: str) -> str:
    return f"postgresql://{role}@/desk?host={postgres_server.socket_dir}"


# A step of a newer tracker's: it alters a table, which only the table's owner may do.
NEXT_STEP = "ALTER TABLE items ADD COLUMN checked_by text"


@pytest.fixture
def newer_tracker(desk, monkeypatch):
    """This tracker as if it were the next version, one step ahead of the desk's schema
    (NEXT_STEP), as a desk finds itself after upgrading tracker; the desk's schema put
    back afterwards. The owner's connection."""
    from tracker.store import connection
    from tracker.store.postgres import PostgresDialect

    now = connection.SCHEMA_VERSION
    monkeypatch.setattr(connection, "SCHEMA_VERSION", now + 1)
    monkeypatch.setattr(PostgresDialect, "migration",
                        lambda self, version: NEXT_STEP if version == now + 1 else pytest.fail(version))
    owner = desk("tracker_owner")
    yield owner
    owner.execute("ALTER TABLE items DROP COLUMN IF EXISTS checked_by")
    owner.execute("UPDATE tracker_schema SET version = %s", (now,))


def shape_and_log(conn) -> tuple:
    return (conn.execute("SELECT version, safeguards FROM tracker_schema").fetchall(),
            conn.execute("SELECT count(*) FROM commands").fetchone(),
            conn.execute("SELECT count(*) FROM changes").fetchone(),
            conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tracker' "
                         "AND column_name = 'checked_by'").fetchone())


@pytest.mark.parametrize("role, command", [("anna", ("list",)),
                                           ("anna", ("add", "event", "Summit", "--start", "2025-12-04")),
                                           ("desk_viewer", ("list",))])
def test_an_older_schema_tells_another_role_to_run_tracker_once_as_its_owner(newer_tracker, postgres_server,
                                                                             role, command):
    from conftest import Tracker
    from tracker.store import connection

    before = shape_and_log(newer_tracker)
    run = Tracker(desk_url(postgres_server, role))(*command)
    assert run.code == 1, run.stdout + run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert (f"desk?host={postgres_server.socket_dir} is at schema version {connection.SCHEMA_VERSION - 1}, and "
            f"this tracker needs {connection.SCHEMA_VERSION}: only the schema's owner may bring it up to date, not "
            f"this role ({role}); nothing was changed: run any tracker command once as tracker_owner, the role that "
            f"owns it (tracker --db {desk_url(postgres_server, 'tracker_owner')} list), then again as {role}"
            ) in run.stderr, run.stderr
    assert shape_and_log(newer_tracker) == before
    # The way out, as the line says: once as the owner, then the role carries on. (Not
    # `list`: the desk holds the rows the tests above wrote by hand, with junk dates.)
    Tracker(desk_url(postgres_server, "tracker_owner")).ok("feeds", "list")
    assert shape_and_log(newer_tracker)[0][0][0] == connection.SCHEMA_VERSION
    Tracker(desk_url(postgres_server, role)).ok("feeds", "list")


def test_an_empty_database_tells_a_role_that_may_not_make_the_schema_whom_to_run_tracker_as(desk, postgres_server):
    """A desk's editor who runs tracker before its owner ever has: the schema is not there."""
    from conftest import Tracker

    import psycopg

    postgres_server.create_database("desk_unmade")
    with psycopg.connect(postgres_server.url("desk_unmade"), autocommit=True) as admin:
        admin.execute("GRANT CONNECT ON DATABASE desk_unmade TO PUBLIC")
    try:
        run = Tracker(f"postgresql://anna@/desk_unmade?host={postgres_server.socket_dir}")("list")
        assert run.code == 1 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
        assert ("has no schema tracker yet, and this role (anna) may not make it: nothing was changed; run any "
                "tracker command once as the role meant to own it (tracker_owner in the README's Roles), then "
                "again as anna") in run.stderr, run.stderr
        with psycopg.connect(postgres_server.url("desk_unmade"), autocommit=True) as admin:
            assert admin.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'tracker'").fetchone() == (0,)
    finally:
        with psycopg.connect(postgres_server.url("postgres"), autocommit=True) as admin:
            admin.execute("DROP DATABASE desk_unmade WITH (FORCE)")


def test_the_editors_large_import_is_a_bulk_load_recorded_by_the_editor(desk, postgres_server, tmp_path):
    """An import past BULK_ITEMS by an editor, who owns no table: the derived tables'
    triggers stand aside for it all the same (a setting of its transaction, no ALTER
    TABLE), its changes are by the editor whatever the file says, and the search index
    and counts come out whole. The safeguards are as they were."""
    import json
    import os
    import subprocess
    import sys

    from conftest import TRACKER_BIN

    bench = Path(__file__).resolve().parent.parent / "bench"
    exported = tmp_path / "generated.json"
    with open(exported, "w", encoding="utf-8") as output:
        subprocess.run([sys.executable, str(bench / "generate.py"), "1000"], stdout=output, check=True)
    document = json.loads(exported.read_text(encoding="utf-8"))
    for entry in document["history"]:
        entry["by"] = "mallory"
    exported.write_text(json.dumps(document), encoding="utf-8")
    from tracker.store.postgres import _SAFEGUARDS

    owner = desk("tracker_owner")
    # As tracker's first run records them (the fixture ran schema.pg.sql by hand).
    owner.execute(f"UPDATE tracker_schema SET safeguards = {_SAFEGUARDS}")
    before = owner.execute("SELECT (SELECT max(id) FROM items), (SELECT max(id) FROM changes)").fetchone()
    env = {**os.environ, "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC",
           "TRACKER_DB": f"postgresql://anna@/desk?host={postgres_server.socket_dir}"}
    run = subprocess.run([str(TRACKER_BIN), "import", str(exported)], env=env, capture_output=True, text=True)
    assert run.returncode == 0 and run.stderr.startswith("imported 1100 items and "), run.stderr
    assert owner.execute("SELECT DISTINCT recorded_by FROM changes WHERE id > %s", (before[1] or 0,)).fetchall() == [
        ("anna",)]
    # Every item in the search index, under its title, with its notes; the counts those of the agreements.
    assert owner.execute("SELECT count(*) FROM items LEFT JOIN item_search ON item_search.item_id = items.id "
                         "WHERE item_search.title IS DISTINCT FROM items.title").fetchone() == (0,)
    assert owner.execute("SELECT count(*) FROM item_search WHERE item_id > %s AND notes LIKE %s",
                         (before[0] or 0, "%expected at the meeting%")).fetchone()[0] > 990
    counted = ("SELECT coalesce(event_id, 0), status, count(*) FROM items WHERE type = 'agreement' AND removed IS NULL "
               "GROUP BY 1, 2 UNION ALL SELECT -1, status, count(*) FROM items WHERE type = 'agreement' "
               "AND removed IS NULL GROUP BY 2")
    assert sorted(owner.execute(counted).fetchall()) == sorted(
        owner.execute("SELECT event_id, status, n FROM agreement_counts WHERE n > 0").fetchall())
    listed = subprocess.run([str(TRACKER_BIN), "list", "--all", "--search", "example.org/news/999", "--json"],
                            env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and listed.stderr == "" and len(json.loads(listed.stdout)) == 1
