"""The PostgreSQL server the tests start themselves (tests/pgserver.py): it starts,
psycopg talks to it over its Unix socket only, and nothing of it is left after."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pgserver
from pgserver import PostgresServer, require_bindir

TESTS = Path(__file__).resolve().parent


def test_a_table_round_trips_through_the_session_server(postgres_url):
    import psycopg

    assert postgres_url.startswith("postgresql://") and "host=/" in postgres_url
    with psycopg.connect(postgres_url) as conn:
        # A Unix socket: no server address; and nothing listens on the network.
        assert conn.execute("SELECT inet_server_addr()").fetchone()[0] is None
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
        assert conn.execute("SHOW server_encoding").fetchone()[0] == "UTF8"
        conn.execute("CREATE TEMPORARY TABLE visits (id integer PRIMARY KEY, title text NOT NULL)")
        conn.execute("INSERT INTO visits VALUES (%s, %s), (%s, %s)",
                     (1, "Sommet de l'Élysée", 2, "Саммит ШОС"))
        rows = conn.execute("SELECT id, title FROM visits ORDER BY id").fetchall()
    assert rows == [(1, "Sommet de l'Élysée"), (2, "Саммит ШОС")]


def test_a_stopped_server_leaves_no_process_and_no_folder():
    import psycopg

    server = PostgresServer(require_bindir()).start()
    try:
        url = server.create_database("another")
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == "another"
        assert server.alive()
    finally:
        server.stop()
    assert not server.alive()
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5)
    server.stop()   # twice is harmless


@pytest.mark.slow
def test_an_interrupted_run_stops_its_server(tmp_path):
    """Ctrl-C in the middle of a test: pytest's session teardown still stops the server."""
    require_bindir()
    told = tmp_path / "server.txt"
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        from pgserver import postgres_server  # noqa: F401
    """))
    (tmp_path / "test_waits.py").write_text(textwrap.dedent(f"""
        import time
        from pathlib import Path

        def test_waits(postgres_server):
            Path({str(told)!r}).write_text(f"{{postgres_server.pid}} {{postgres_server.root}}")
            time.sleep(60)
    """))
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
                           cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not told.exists() or not told.read_text():
            assert run.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        pid, root = told.read_text().split()
        assert Path(root).exists()
        run.send_signal(signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert "KeyboardInterrupt" in output
    assert not Path(root).exists()
    assert not _is_postmaster(int(pid))


def test_missing_postgresql_skips_here_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(pgserver, "find_bindir", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL is not installed"):
        require_bindir()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="make test"):
        require_bindir()


def test_the_programs_are_found_outside_path(monkeypatch):
    """Debian keeps initdb and pg_ctl in /usr/lib/postgresql/N/bin, not on PATH."""
    bindir = require_bindir()
    if not str(bindir).startswith("/usr/lib/postgresql/"):
        pytest.skip("PostgreSQL here is not Debian's")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert pgserver.find_bindir() == bindir
    assert all(os.access(bindir / program, os.X_OK) for program in pgserver.PROGRAMS)


@pytest.mark.slow
def test_a_killed_run_does_not_leave_its_server_running():
    """SIGKILL (a CI timeout, the OOM killer): no teardown runs, the watchdog stops the server."""
    bindir = require_bindir()
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(TESTS)!r})
        from pathlib import Path
        from pgserver import PostgresServer
        server = PostgresServer(Path({str(bindir)!r})).start()
        print(server.pid, server.root, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    pid, root = run.stdout.split()
    deadline = time.monotonic() + 30
    while (_is_postmaster(int(pid)) or Path(root).exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _is_postmaster(int(pid))
    assert not Path(root).exists()


def _is_postmaster(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"postgres" in cmdline.read()
    except OSError:
        return False
