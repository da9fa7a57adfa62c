"""A new connection the server turns away for a passing reason (no slot free: SQLSTATE
53300; starting up or in recovery: 57P03) is tried again for a few seconds before the
command gives up, on a real server (tests/pgserver.py): the command goes on once a slot
frees, and fails in one line after a bounded number of tries when none does.

The slots are a database's CONNECTION LIMIT, held by the test's own connections: the
same refusal (53300) as a full server's max_connections, without starving the rest of
the run's tests of connections."""

from __future__ import annotations

import threading

import pytest

from conftest import Tracker

ROLE = "crowd"
DATABASE = "crowded"


@pytest.fixture
def crowded(postgres_server):
    """A database whose schema tracker made as ROLE (not a superuser: superusers pass
    every connection limit), then limited to one connection; a function that opens the
    one connection (as the superuser, which still counts)."""
    import psycopg

    from pgserver import DATABASE_OPTIONS

    admin = psycopg.connect(postgres_server.url("postgres"), autocommit=True)
    admin.execute(f"CREATE ROLE {ROLE} LOGIN")
    admin.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE} {DATABASE_OPTIONS}")
    Tracker(url(postgres_server)).ok("add", "event", "Summit", "--start", "2025-12-04")
    admin.execute(f"ALTER DATABASE {DATABASE} CONNECTION LIMIT 1")
    held = []

    def hold():
        conn = psycopg.connect(postgres_server.url(DATABASE), autocommit=True)
        held.append(conn)
        return conn

    yield hold
    for conn in held:
        conn.close()
    admin.execute(f"DROP DATABASE {DATABASE} WITH (FORCE)")
    admin.execute(f"DROP ROLE {ROLE}")
    admin.close()


def url(postgres_server, **query: str) -> str:
    return (f"postgresql://{ROLE}@/{DATABASE}?host={postgres_server.socket_dir}"
            + "".join(f"&{key}={value}" for key, value in query.items()))


def turned_away(postgres_server) -> int:
    """How many connections the server has turned away for the limit so far (its log)."""
    return postgres_server.log.read_text(errors="replace").count(f'too many connections for database "{DATABASE}"')


def test_a_command_waits_for_a_connection_slot_to_free(crowded, postgres_server):
    holder = crowded()
    before = turned_away(postgres_server)
    # Released while the command is being turned away: it gets the slot on a later try.
    threading.Timer(1.0, holder.close).start()
    run = Tracker(url(postgres_server))("list")
    assert run.code == 0, run.stderr
    assert "Summit" in run.stdout and run.stderr == ""
    assert turned_away(postgres_server) > before


def test_a_command_gives_up_in_one_line_when_no_slot_frees(crowded, postgres_server):
    crowded()
    before = turned_away(postgres_server)
    # The connect timeout (2 s, libpq's least) bounds the tries, as it bounds one.
    run = Tracker(url(postgres_server, connect_timeout="2"))("list")
    assert run.code == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert run.stderr.startswith(f"tracker: error: the database server of {url(postgres_server, connect_timeout='2')}"
                                 " has too many connections open ("), run.stderr
    assert "s of tries): try again in a moment, or ask its administrator for more" in run.stderr, run.stderr
    tries = turned_away(postgres_server) - before
    # Tried again, with pauses that grow: a handful of tries in the two seconds, not a flood.
    assert 3 <= tries <= 15, tries



def test_a_command_waits_for_a_server_in_recovery_and_gives_up_in_one_line(tmp_path):
    """A standby that lets no one in (hot_standby = off) turns every connection away
    with 57P03 (cannot_connect_now), as a server starting up or recovering does: the
    command tries again for the connect timeout, then says so in one line; promoted
    while a command tries, the server lets it in, and the command goes on."""
    from pgserver import PostgresServer, require_bindir

    with PostgresServer(require_bindir()) as server:
        server._run("pg_ctl", "stop", "-D", str(server.data), "-m", "fast", "-w")
        (server.data / "standby.signal").write_text("")
        with open(server.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("hot_standby = off\n")
        server._run("pg_ctl", "start", "-D", str(server.data), "-l", str(server.log), "-w", "-t", "60")
        server.pid = int((server.data / "postmaster.pid").read_text().split()[0])
        desk = server.url("tracker") + "&connect_timeout=2"

        def turned_away() -> int:
            return server.log.read_text(errors="replace").count("the database system is not accepting connections")

        before = turned_away()
        run = Tracker(desk)("list")
        assert run.code == 1 and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
        assert f"the database server of {desk} is shutting down, starting up or in recovery (" in run.stderr
        assert "s of tries): try again in a moment" in run.stderr, run.stderr
        assert 3 <= turned_away() - before <= 15, turned_away() - before

        before = turned_away()
        threading.Timer(0.5, server._run, ("pg_ctl", "promote", "-D", str(server.data), "-w")).start()
        run = Tracker(server.url("tracker"))("list")
        assert run.code == 0, run.stderr
        assert turned_away() > before
