"""PostgresDialect (tracker/store/postgres.py) on its own, against the real server the
tests start (tests/pgserver.py): the URL and what messages show of it, the connection
that takes tracker's SQL, the shape (version, schema, steps, safeguards), the write
lock, the fragments of SQL, and what each kind of server error tells the user."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from itertools import count
from pathlib import Path

import pytest

from tracker.errors import BadArgument, TrackerError
from tracker.store.connection import SCHEMA_VERSION
from tracker.store.postgres import WRITE_LOCK_KEY, PostgresDialect, placeholders

_databases = count(1)


def new_url(postgres_server, **query) -> str:
    url = postgres_server.create_database(f"dialect_{next(_databases)}")
    return url + "".join(f"&{key}={value}" for key, value in query.items())


def superuser(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def made(url: str) -> tuple[PostgresDialect, object]:
    """A dialect and its connection to a database it has made at the latest version."""
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    dialect.begin_write(conn)
    dialect.make_schema(conn)
    conn.execute("COMMIT")
    return dialect, conn


# -- the URL, and what messages show of it -------------------------------------------

@pytest.mark.parametrize("url, where", [
    ("postgresql://anna:s3cr%40t@db.example.org:5433/desk?sslmode=require",
     "postgresql://anna@db.example.org:5433/desk?sslmode=require"),
    ("postgres://anna:hunter2@db.example.org/desk", "postgres://anna@db.example.org/desk"),
    ("postgresql:///desk?host=/var/run/postgresql&password=hunter2&application_name=tracker",
     "postgresql:///desk?host=/var/run/postgresql&application_name=tracker"),
    ("postgresql://anna@/desk?password=hunter2", "postgresql://anna@/desk"),
    ("postgresql://db.example.org/desk", "postgresql://db.example.org/desk"),
])
def test_where_is_the_url_without_its_password(url, where):
    dialect = PostgresDialect(url)
    assert dialect.where == where
    assert dialect.name == "postgres"


def test_a_url_of_another_kind_is_refused():
    with pytest.raises(BadArgument, match="postgresql://"):
        PostgresDialect("mysql://anna@db/desk")


def test_a_url_libpq_cannot_read_is_refused_without_its_password():
    dialect = PostgresDialect("postgresql://anna:hunter22@/desk?hots=/tmp")
    with pytest.raises(BadArgument) as refused:
        dialect.connect()
    assert "hots" in str(refused.value) and "hunter22" not in str(refused.value)


def test_a_quoted_connection_string_loses_its_password():
    """A driver may quote the connection string it was given in its error."""
    import psycopg

    dialect = PostgresDialect("postgresql://anna:hunter22@db.example.org/desk")
    error = psycopg.OperationalError(
        "connection failed: host=db.example.org user=anna password=hunter22 dbname=desk: "
        "could not connect (postgresql://anna:hunter22@db.example.org/desk)")
    told = str(dialect.trouble(error))
    assert "hunter22" not in told and "***" in told and "\n" not in told


@pytest.fixture(scope="module")
def password_role(postgres_server):
    """A role that must give its password (SCRAM), as on a desk's server."""
    with superuser(postgres_server.url("postgres")) as conn:
        conn.execute("CREATE ROLE pw_tester LOGIN PASSWORD 'right-horse-battery'")
        hba = Path(postgres_server.data) / "pg_hba.conf"
        rules = hba.read_text()
        hba.write_text(f"local all pw_tester scram-sha-256\n{rules}")
        conn.execute("SELECT pg_reload_conf()")
    return "pw_tester"


def test_a_wrong_password_is_refused_and_never_shown(postgres_server, password_role, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = f"postgresql://pw_tester:wrong-horse-battery@/tracker?host={postgres_server.socket_dir}"
    dialect = PostgresDialect(url)
    with pytest.raises(TrackerError) as refused:
        dialect.connect()
    told = str(refused.value)
    assert "refused the login of pw_tester" in told and "password is wrong" in told
    assert "wrong-horse-battery" not in told and "\n" not in told


def test_the_password_comes_from_pgpassword(postgres_server, password_role, monkeypatch):
    url = f"postgresql://pw_tester@/tracker?host={postgres_server.socket_dir}"
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(TrackerError, match="password is wrong or missing"):
        PostgresDialect(url).connect()
    monkeypatch.setenv("PGPASSWORD", "right-horse-battery")
    conn = PostgresDialect(url).connect()
    assert conn.execute("SELECT current_user").fetchone()[0] == "pw_tester"
    conn.close()


def test_without_psycopg_one_line_says_what_to_install(postgres_url):
    script = textwrap.dedent(f"""
        import sys
        sys.modules["psycopg"] = None       # as if it were not installed
        from tracker.errors import TrackerError
        from tracker.store.postgres import PostgresDialect
        try:
            PostgresDialect({postgres_url!r}).connect()
        except TrackerError as error:
            print(error)
    """)
    told = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert told.count("\n") == 1
    assert 'pip install "tracker[postgres]"' in told and postgres_url in told


# -- the connection: tracker's SQL -------------------------------------------------------

@pytest.mark.parametrize("sql, expected", [
    ("SELECT id FROM items WHERE type = ? AND num = ?", "SELECT id FROM items WHERE type = %s AND num = %s"),
    ("SELECT :ids, :item_type", "SELECT %(ids)s, %(item_type)s"),
    ("SELECT id FROM changes WHERE source LIKE 'http%' AND note = ?",
     "SELECT id FROM changes WHERE source LIKE 'http%%' AND note = %s"),
    ("SELECT 'what? :this' || ?", "SELECT 'what? :this' || %s"),
    ("SELECT 'it''s ? here', ?", "SELECT 'it''s ? here', %s"),
    ("SELECT E'it\\'s ?', ?", "SELECT E'it\\'s ?', %s"),
    ("SELECT \"on\" FROM proposals WHERE \"what?\" = :on", "SELECT \"on\" FROM proposals WHERE \"what?\" = %(on)s"),
    ("SELECT ?::bigint, '1'::text, x::jsonb ->> 'a'", "SELECT %s::bigint, '1'::text, x::jsonb ->> 'a'"),
    ("SELECT 5 % 2 -- why? :because\n, ?", "SELECT 5 %% 2 -- why? :because\n, %s"),
    ("SELECT $$ ? :x $$, ?", "SELECT $$ ? :x $$, %s"),
    ("SELECT $body$ it's ? $body$, :y", "SELECT $body$ it's ? $body$, %(y)s"),
])
def test_placeholders_are_translated_outside_quotes(sql, expected):
    assert placeholders(sql) == expected


def test_the_connection_has_sqlite3s_face(postgres_server):
    dialect, conn = made(new_url(postgres_server))
    conn.execute("CREATE TEMPORARY TABLE notes (id bigint PRIMARY KEY, body text, weight bigint)")
    conn.executemany("INSERT INTO notes VALUES (?, ?, ?)", [(1, "100% sure?", 2), (2, "maybe", 3), (3, None, 5)])
    cursor = conn.execute("SELECT id, body FROM notes WHERE body LIKE '%sure%' OR id = :id ORDER BY id", {"id": 3})
    assert [column[0] for column in cursor.description] == ["id", "body"]
    assert cursor.fetchone() == (1, "100% sure?")
    assert cursor.fetchmany(5) == [(3, None)]
    assert list(conn.execute("SELECT id FROM notes WHERE id > ? ORDER BY id", [1])) == [(2,), (3,)]
    assert conn.execute("UPDATE notes SET weight = weight + 1 WHERE id < ?", (3,)).rowcount == 2
    # As SQLite gives them: sums of integers are integers, averages are floats.
    assert conn.execute("SELECT sum(weight), avg(weight), count(*) FROM notes").fetchone() == (12, 4.0, 3)
    assert not conn.in_transaction
    conn.execute("BEGIN")
    assert conn.in_transaction
    conn.execute("INSERT INTO notes VALUES (?, ?, ?)", (4, "gone", 1))
    conn.execute("ROLLBACK")
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM notes").fetchone() == (3,)
    with pytest.raises(dialect.IntegrityError):
        conn.execute("INSERT INTO notes VALUES (?, ?, ?)", (1, "again", 1))
    assert all(issubclass(refused, dialect.Error) for refused in dialect.IntegrityError)
    # In the tracker schema, and waiting at most tracker's busy timeout for a lock.
    assert conn.execute("SHOW search_path").fetchone()[0] == "tracker"
    assert conn.execute("SHOW lock_timeout").fetchone()[0] == "10s"
    conn.close()


def test_the_url_s_own_options_are_kept(postgres_server):
    url = new_url(postgres_server, options="-c%20application_name%3Ddesk")
    conn = PostgresDialect(url).connect()
    assert conn.execute("SHOW application_name").fetchone()[0] == "desk"
    assert conn.execute("SHOW search_path").fetchone()[0] == "tracker"
    conn.close()


# -- the shape -----------------------------------------------------------------------------

def test_an_empty_database_is_at_version_0_then_made_at_the_latest(postgres_server):
    url = new_url(postgres_server)
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    assert dialect.schema_version(conn) == 0
    dialect.begin_write(conn)
    assert dialect.schema_version(conn) == 0        # read again under the lock, in the transaction
    dialect.make_schema(conn)
    conn.execute("COMMIT")
    assert dialect.schema_version(conn) == SCHEMA_VERSION
    assert dialect.changed_safeguards(conn) is None
    conn.close()
    # Another connection, as the next command: the same answers.
    again = PostgresDialect(url)
    conn = again.connect()
    assert again.schema_version(conn) == SCHEMA_VERSION and again.changed_safeguards(conn) is None
    conn.close()


@pytest.mark.parametrize("beforehand", [
    "CREATE SCHEMA tracker",                      # by an administrator, for the owner role
    "CREATE TABLE public.orders (id integer)",    # the database holds other things
])
def test_tracker_makes_its_schema_beside_what_is_there(postgres_server, beforehand):
    url = new_url(postgres_server)
    with superuser(url) as admin:
        admin.execute(beforehand)
    dialect, conn = made(url)
    assert dialect.schema_version(conn) == SCHEMA_VERSION
    conn.close()


def test_a_tracker_schema_that_is_not_trackers_is_refused(postgres_server):
    url = new_url(postgres_server)
    with superuser(url) as admin:
        admin.execute("CREATE SCHEMA tracker")
        admin.execute("CREATE TABLE tracker.orders (id integer)")
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    assert dialect.schema_version(conn) == 0
    dialect.begin_write(conn)
    with pytest.raises(TrackerError, match="schema named tracker that is not tracker's"):
        dialect.make_schema(conn)
    conn.execute("ROLLBACK")
    with superuser(url) as admin:
        assert admin.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'tracker'").fetchone()[0] == 1
    conn.close()


def test_the_triggers_work_whatever_the_session_s_search_path(postgres_server):
    """An administrator's psql session (search_path public, say) writing by hand: the
    triggers' functions name tracker's tables themselves."""
    url = new_url(postgres_server)
    made(url)[1].close()
    with superuser(url) as admin:
        admin.execute("SET search_path TO public")     # the superuser is named tracker: "$user" would do
        columns = "(uid, type, num, title, kind, status, event_id, created, updated)"
        admin.execute(f"INSERT INTO tracker.items {columns} VALUES "
                      "('e1', 'event', 1, 'summit', 'summit', 'announced', NULL, '2025', '2025'), "
                      "('a1', 'agreement', 1, 'pact', 'pact', 'expected', NULL, '2025', '2025')")
        admin.execute("UPDATE tracker.items SET status = 'signed' WHERE uid = 'a1'")
        assert admin.execute("SELECT event_id, status, n FROM tracker.agreement_counts WHERE n > 0 "
                             "ORDER BY event_id").fetchall() == [(-1, "signed", 1), (0, "signed", 1)]
        with pytest.raises(Exception, match="an item can only belong to an event"):
            admin.execute(f"INSERT INTO tracker.items {columns} SELECT 'a2', 'agreement', 2, 'deal', 'deal', "
                          "'expected', id, '2025', '2025' FROM tracker.items WHERE uid = 'a1'")


def test_the_migration_runner_finds_and_runs_a_step(postgres_server, tmp_path):
    dialect, conn = made(new_url(postgres_server))
    step = SCHEMA_VERSION + 1
    (tmp_path / f"{step:04d}-sources.sql").write_text(
        "CREATE TABLE sources (id bigint PRIMARY KEY, url text NOT NULL);\n"
        # A step may change a trigger: that is tracker's doing, not an alteration.
        "CREATE OR REPLACE FUNCTION tracker_refuse() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN RAISE EXCEPTION 'refused: %', TG_ARGV[0]; END; $$;\n")
    (tmp_path / "README.md").write_text("not a step")
    dialect.migrations = tmp_path
    dialect.begin_write(conn)
    dialect.migrate(conn, step)
    conn.execute("COMMIT")
    assert dialect.schema_version(conn) == step
    assert dialect.changed_safeguards(conn) is None
    assert conn.execute("SELECT count(*) FROM sources").fetchone() == (0,)
    with pytest.raises(TrackerError, match=f"no step to schema version {step + 1} for PostgreSQL"):
        dialect.migration(step + 1)
    conn.close()


def test_the_steps_folder_ships_with_tracker():
    from importlib import resources

    folder = resources.files("tracker").joinpath("migrations", "postgres")
    assert folder.is_dir() and "version 11" in folder.joinpath("README.md").read_text(encoding="utf-8")
    # PostgreSQL's history starts at 11: no step at or below it.
    with pytest.raises(TrackerError, match="no step to schema version 11"):
        PostgresDialect("postgresql:///x").migration(11)


def test_a_version_11_database_gets_the_views_in_the_step_to_12(postgres_server):
    """The step 0012-views-and-bulk-loads.sql on a database as tracker 11 made it: afterwards its views
    read as a database made at 12 has them."""
    from tracker.store import open_store

    text = (Path(__file__).resolve().parent.parent / "schema.pg.sql").read_text(encoding="utf-8")
    at_11 = text[:text.index("-- The views of schema.sql")].replace("VALUES (12);", "VALUES (11);")
    assert "VALUES (11);" in at_11 and "CREATE VIEW" not in at_11
    views = ("SELECT c.relname, pg_get_viewdef(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = 'tracker' AND c.relkind = 'v' ORDER BY 1")
    older, fresh = new_url(postgres_server), new_url(postgres_server)
    with superuser(older) as admin:
        admin.execute(at_11)
        admin.execute("UPDATE tracker.tracker_schema SET safeguards = " + _safeguards_sql())
        assert admin.execute(views).fetchall() == []
    open_store(older).close()
    open_store(fresh).close()
    with superuser(older) as migrated, superuser(fresh) as made_at_12:
        assert migrated.execute("SELECT version FROM tracker.tracker_schema").fetchall() == [(12,)]
        assert [name for name, _ in migrated.execute(views).fetchall()] == ["agreements", "events", "log"]
        assert migrated.execute(views).fetchall() == made_at_12.execute(views).fetchall()


def _safeguards_sql() -> str:
    from tracker.store.postgres import _SAFEGUARDS

    return _SAFEGUARDS


# The first version a PostgreSQL database is made at (schema.pg.sql): every SQLite step
# after it has a PostgreSQL twin of the same number and name ("numbered the same way").
POSTGRES_BASE = 11


def test_every_step_after_the_base_has_its_twin_on_both_engines():
    from importlib import resources

    from tracker.store import SCHEMA_VERSION

    root = resources.files("tracker").joinpath("migrations")
    sqlite = {entry.name for entry in root.iterdir() if entry.name.endswith(".sql")}
    postgres = {entry.name for entry in root.joinpath("postgres").iterdir() if entry.name.endswith(".sql")}
    after_base = {name for name in sqlite if int(name[:4]) > POSTGRES_BASE}
    assert postgres == after_base
    assert int(max(name[:4] for name in sqlite)) == SCHEMA_VERSION
    # schema.pg.sql is made at the base, or at the latest version once steps exist.
    made = resources.files("tracker").joinpath("schema.pg.sql").read_text(encoding="utf-8")
    assert f"INSERT INTO tracker_schema (version) VALUES ({SCHEMA_VERSION})" in made


@pytest.mark.parametrize("change, found", [
    ("DROP TRIGGER changes_are_never_deleted ON changes", "trigger changes_are_never_deleted is missing"),
    ("ALTER TABLE commands DISABLE TRIGGER commands_are_never_updated", "trigger commands_are_never_updated is disabled"),
    ("DROP TRIGGER items_are_never_deleted ON items; CREATE TRIGGER items_are_never_deleted BEFORE UPDATE ON items "
     "FOR EACH ROW EXECUTE FUNCTION tracker_refuse('no')", "trigger items_are_never_deleted was altered"),
    ("CREATE OR REPLACE FUNCTION agreement_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS "
     "$$ BEGIN RETURN NULL; END; $$", "trigger agreement_counts_on_insert was altered"),
    ("CREATE TRIGGER zz_quiet BEFORE INSERT ON changes FOR EACH ROW EXECUTE FUNCTION tracker_refuse('x')",
     "trigger zz_quiet is not tracker's"),
])
def test_a_changed_safeguard_is_named(postgres_server, change, found):
    url = new_url(postgres_server)
    made(url)[1].close()
    with superuser(url) as admin:
        admin.execute("SET search_path TO tracker")
        admin.execute(change)
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    assert dialect.schema_version(conn) == SCHEMA_VERSION
    assert dialect.changed_safeguards(conn) == found
    conn.close()


# -- one writer at a time --------------------------------------------------------------

def _waiting_for_the_write_lock(watcher) -> bool:
    return watcher.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND ((classid::bigint << 32) | objid::bigint) = %s", (WRITE_LOCK_KEY,)).fetchone()[0] > 0


def test_a_second_writer_waits_until_the_first_commits(postgres_server):
    url = new_url(postgres_server)
    first_dialect, first = made(url)
    second_dialect = PostgresDialect(url)
    second = second_dialect.connect()
    happened = []

    first_dialect.begin_write(first)
    first.execute("CREATE TABLE IF NOT EXISTS turns (who text)")

    def second_writer():
        second_dialect.begin_write(second)
        happened.append("second has the lock")
        second.execute("INSERT INTO turns VALUES (?)", ("second",))
        second.execute("COMMIT")

    thread = threading.Thread(target=second_writer)
    thread.start()
    with superuser(url) as watcher:
        while not _waiting_for_the_write_lock(watcher):
            assert thread.is_alive()
    first.execute("INSERT INTO turns VALUES (?)", ("first",))
    happened.append("first commits")
    first.execute("COMMIT")
    thread.join()
    assert happened == ["first commits", "second has the lock"]
    first.close(), second.close()


_WRITER = """
import sys
from tracker.store.postgres import PostgresDialect

dialect = PostgresDialect(sys.argv[1])
conn = dialect.connect()
for n in range(50):
    dialect.begin_write(conn)
    conn.execute(
        "INSERT INTO items (uid, type, num, title, kind, status, created, updated) "
        "SELECT ?, 'event', coalesce(max(num), 0) + 1, ?, 'summit', 'rumoured', ?, ? FROM items WHERE type = 'event'",
        (f"{sys.argv[2]}-{n}", f"visit {n}", "2025-11-29T10:00:00Z", "2025-11-29T10:00:00Z"))
    conn.execute("COMMIT")
conn.close()
"""


@pytest.mark.slow
def test_eight_writers_make_refs_without_gaps_or_twins(postgres_server):
    url = new_url(postgres_server)
    made(url)[1].close()
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, url, f"w{n}"], stderr=subprocess.PIPE, text=True)
               for n in range(8)]
    failures = [writer.stderr.read() for writer in writers if writer.wait() != 0]
    assert failures == []
    with superuser(url) as conn:
        nums = [num for (num,) in conn.execute("SELECT num FROM tracker.items ORDER BY num")]
    assert nums == list(range(1, 401))


# -- fragments of SQL -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def thousands(postgres_server):
    """A database of 5,000 events with a party each (50 France, 50 Élysée), analysed."""
    dialect, conn = made(new_url(postgres_server))
    conn.execute(
        "INSERT INTO items (uid, type, num, title, kind, status, created, updated) "
        "SELECT 'u' || n, 'event', n, 'visit ' || n, 'summit', 'rumoured', '2025-01-01', '2025-01-01' "
        "FROM generate_series(1, 5000) AS n")
    conn.execute("INSERT INTO item_parties SELECT id, 0, CASE id % 100 WHEN 0 THEN 'France' WHEN 1 THEN 'Élysée' "
                 "ELSE 'party ' || id END FROM items")
    conn.execute("ANALYZE")
    yield dialect, conn
    conn.close()


def test_in_list_reads_the_values_of_one_parameter_through_the_index(thousands):
    dialect, conn = thousands
    sql = f"SELECT num FROM items WHERE type = 'event' AND {dialect.in_list('num')} ORDER BY num"
    assert conn.execute(sql, (dialect.list_value([3, 4000, 77, 99999]),)).fetchall() == [(3,), (77,), (4000,)]
    plan = " ".join(row[0] for row in conn.execute("EXPLAIN " + sql, (dialect.list_value([3, 4000, 77]),)))
    assert "Index" in plan and "Seq Scan" not in plan
    uids = f"SELECT num FROM items WHERE {dialect.in_list('uid')} ORDER BY num"
    assert conn.execute(uids, (dialect.list_value(["u5", "u6", "nobody"]),)).fetchall() == [(5,), (6,)]
    assert conn.execute(uids, (dialect.list_value([]),)).fetchall() == []
    # NOT IN's twin: the caller writes NOT (...).
    assert conn.execute(f"SELECT count(*) FROM items WHERE NOT ({dialect.in_list('num')})",
                        (dialect.list_value([1, 2]),)).fetchone() == (4998,)


def test_nocase_equals_folds_ascii_only_through_the_index(thousands):
    dialect, conn = thousands
    sql = f"SELECT count(*) FROM item_parties WHERE {dialect.nocase_equals('party')}"
    assert conn.execute(sql, ("FRANCE",)).fetchone() == (50,)
    # Only A-Z fold, as SQLite's NOCASE: ÉLYSéE is Élysée; ÉLYSÉE and élysée are not.
    assert [conn.execute(sql, (party,)).fetchone()[0] for party in ("ÉLYSéE", "ÉLYSÉE", "élysée")] == [50, 0, 0]
    reference = sqlite3.connect(":memory:")
    assert reference.execute("SELECT 'Élysée' = ? COLLATE NOCASE, 'Élysée' = ? COLLATE NOCASE, "
                             "'Élysée' = ? COLLATE NOCASE", ("ÉLYSéE", "ÉLYSÉE", "élysée")).fetchone() == (1, 0, 0)
    plan = " ".join(row[0] for row in conn.execute(
        f"EXPLAIN SELECT item_id FROM item_parties WHERE {dialect.nocase_equals('party')}", ("france",)))
    assert "item_parties_by_party" in plan


def test_unindexed_is_the_plain_column(thousands):
    dialect, conn = thousands
    assert conn.execute(f"SELECT count(*) FROM items WHERE {dialect.unindexed('items.type')} = ?",
                        ("event",)).fetchone() == (5000,)


def test_json_text_reads_a_member(thousands):
    dialect, conn = thousands
    quoted = dialect.json_text("set", "it's")
    row = conn.execute(f"SELECT {dialect.json_text('set', 'status')}, {quoted} "
                       'FROM (SELECT ? AS "set") AS proposals',
                       ('{"status": "signed", "it\'s": "x", "n": 1}',)).fetchone()
    assert row == ("signed", "x")


INSTANTS = ["2025-12-04", "2025-12-04T10:30:00+05:30", "2025-12-01T23:15:00Z", "2025-12-06T18:00:00-05:00",
            "2025-12-04T10:30", "1899-12-31", "not a date", "2025-13-01"]


def test_days_apart_is_sqlites_julianday_difference(thousands):
    dialect, conn = thousands
    reference = sqlite3.connect(":memory:")
    for first in INSTANTS:
        for second in INSTANTS[:4]:
            expected = reference.execute("SELECT julianday(?) - julianday(?)", (first, second)).fetchone()[0]
            found = conn.execute(f"SELECT {dialect.days_apart('?', '?')}", (first, second)).fetchone()[0]
            if expected is None:
                assert found is None, (first, second)
            else:
                assert found == pytest.approx(expected, abs=1e-6), (first, second)


def test_search_goes_through_the_dialects_fragments(postgres_server):
    """search_ids()/search_value() and title_ids()/title_value() as the store uses them
    (`items.id IN (...)`): accents folded, prefixes, phrases, every or any word."""
    dialect, conn = made(new_url(postgres_server))
    for item_id, title in ((1, "Sommet de l'Élysée: S-400 systems"), (2, "Labour mobility pact"),
                           (3, "Élysée treaty on labour")):
        conn.execute("INSERT INTO items (id, uid, type, num, title, kind, status, created, updated) "
                     "VALUES (?, ?, 'agreement', ?, ?, 'pact', 'expected', ?, ?)",
                     (item_id, f"uid-{item_id}", item_id, title, "2025-11-29T10:00:00Z", "2025-11-29T10:00:00Z"))

    def found(search: str) -> list[int]:
        return [row[0] for row in conn.execute(
            f"SELECT id FROM items WHERE items.id IN ({dialect.search_ids()}) ORDER BY id",
            (dialect.search_value(search),))]

    def titled(words: list[str], every: bool) -> list[int]:
        return [row[0] for row in conn.execute(
            f"SELECT id FROM items WHERE items.id IN ({dialect.title_ids(every)}) ORDER BY id",
            (dialect.title_value(words, every),))]

    assert found("ELYSEE") == [1, 3]
    assert found("S-4") == [1]
    assert found("labour pact") == [2]
    assert found("zzz") == []
    with pytest.raises(BadArgument, match="the search is empty"):
        dialect.search_value("  ")
    assert titled(["elysee", "labour"], every=True) == [3]
    assert titled(["elysee", "labour"], every=False) == [1, 2, 3]
    conn.close()


# -- what server errors tell the user ----------------------------------------------------------

def test_no_such_database(postgres_server):
    dialect = PostgresDialect(postgres_server.url("no_such_desk"))
    with pytest.raises(TrackerError, match="has no database no_such_desk .*createdb no_such_desk"):
        dialect.connect()


def test_no_such_role(postgres_server):
    url = f"postgresql://nobody_here@/tracker?host={postgres_server.socket_dir}"
    with pytest.raises(TrackerError, match="refused the login of nobody_here"):
        PostgresDialect(url).connect()


def test_no_server_at_the_socket(tmp_path):
    dialect = PostgresDialect(f"postgresql://anna:hunter22@/desk?host={tmp_path}")
    with pytest.raises(TrackerError) as refused:
        dialect.connect()
    told = str(refused.value)
    assert told.startswith(f"cannot reach the database server of postgresql://anna@/desk?host={tmp_path} (")
    assert str(tmp_path / ".s.PGSQL.5432") in told and "hunter22" not in told and "\n" not in told


@pytest.fixture(scope="module")
def reader(postgres_server):
    """A database made by tracker, and a role that may only read it."""
    url = new_url(postgres_server)
    made(url)[1].close()
    with superuser(url) as admin:
        admin.execute("CREATE ROLE dialect_viewer LOGIN")
        admin.execute("GRANT USAGE ON SCHEMA tracker TO dialect_viewer")
        admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA tracker TO dialect_viewer")
    return url.replace("postgresql://tracker@", "postgresql://dialect_viewer@")


def _write(dialect: PostgresDialect, conn):
    """A write as a command makes it; the error as the dialect tells it."""
    dialect.begin_write(conn)
    try:
        conn.execute("INSERT INTO commands (name, recorded) VALUES (?, ?)", ("add", "2025-11-29T10:00:00Z"))
    except dialect.Error as error:
        conn.execute("ROLLBACK")
        return str(dialect.trouble(error, writing=True))
    raise AssertionError("the write was not refused")


def test_a_role_that_may_only_read_is_told_so(reader):
    dialect = PostgresDialect(reader)
    conn = dialect.connect()
    assert dialect.schema_version(conn) == SCHEMA_VERSION and dialect.changed_safeguards(conn) is None
    told = _write(dialect, conn)
    assert told.startswith("this database role (dialect_viewer) may only read") and "nothing was changed" in told
    conn.close()


def test_a_read_only_session_is_told_so(postgres_server):
    url = new_url(postgres_server)
    made(url)[1].close()
    dialect = PostgresDialect(url + "&options=-c%20default_transaction_read_only%3Don")
    conn = dialect.connect()
    told = _write(dialect, conn)
    assert "is read-only here" in told and "nothing was changed" in told
    conn.close()


def test_a_write_lock_held_too_long_is_busy(postgres_server):
    url = new_url(postgres_server)
    holder_dialect, holder = made(url)
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    conn.execute("SET lock_timeout = '50ms'")   # tracker's is 10 s
    holder_dialect.begin_write(holder)
    with pytest.raises(TrackerError, match="is busy .*try again"):
        dialect.begin_write(conn)
    assert not conn.in_transaction
    holder.execute("COMMIT")
    dialect.begin_write(conn)
    conn.execute("COMMIT")
    conn.execute("SET statement_timeout = '20ms'")
    with pytest.raises(dialect.Error) as timed_out:
        conn.execute("SELECT pg_sleep(1)")
    assert "is busy" in str(dialect.trouble(timed_out.value))
    holder.close(), conn.close()


def test_a_server_shutting_down_the_session_is_told(postgres_server):
    url = new_url(postgres_server)
    dialect = PostgresDialect(url)
    conn = dialect.connect()
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    with superuser(url) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(dialect.Error) as cut:
        conn.execute("SELECT 1")
    assert str(dialect.trouble(cut.value)).startswith(f"the database server of {dialect.where} is shutting down")
    with pytest.raises(dialect.Error) as lost:
        conn.execute("SELECT 1")
    assert str(dialect.trouble(lost.value, writing=True)).startswith(
        f"the connection to the database server of {dialect.where} was lost")


def test_a_full_disk_and_anything_else(postgres_server):
    import psycopg

    dialect = PostgresDialect(postgres_server.url())
    full = str(dialect.trouble(psycopg.errors.DiskFull("could not extend file"), writing=True))
    assert full.startswith(f"the disk holding the database {dialect.where} is full: nothing was changed")
    conn = dialect.connect()
    with pytest.raises(dialect.Error) as unknown:
        conn.execute("SELECT nothing FROM nowhere")
    assert str(dialect.trouble(unknown.value)).startswith(f"cannot use the database {dialect.where}: ")
    conn.close()
