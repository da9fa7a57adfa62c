"""A real PostgreSQL server for the tests: made in a temporary folder, reached only
through a Unix socket there, and stopped (its folder removed) at the end.

`postgres_url` is the session-scoped fixture (registered in conftest.py): one server
for the whole run, a fresh database for whoever asks for another (`new_database`).
`PostgresServer` is the server itself, for a test that must see one start and stop.

Where PostgreSQL is not installed the fixture skips, but fails when CI is set:
`make test` installs Debian's `postgresql` as it installs chromium.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

PROGRAMS = ("initdb", "pg_ctl", "postgres")
# Debian keeps the server's programs out of PATH, one folder per major version.
DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
SUPERUSER = "tracker"
# Byte order for ORDER BY and comparisons, as SQLite's BINARY; Unicode case for
# the text search's lower-casing (C alone folds only ASCII).
DATABASE_OPTIONS = "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'"


# Stops the server if the run that started it dies without its teardown (SIGKILL, a CI
# timeout): it waits for the end of a pipe only that run holds, then ends the postmaster
# (SIGQUIT: immediate shutdown) and removes the folder. argv: postmaster pid, folder.
_WATCHDOG = """
import os, shutil, signal, sys, time
postmaster, root = int(sys.argv[1]), sys.argv[2]
sys.stdin.buffer.read()

def running():
    try:
        with open(f"/proc/{postmaster}/cmdline", "rb") as cmdline:
            return b"postgres" in cmdline.read()
    except OSError:
        return False

if running():
    os.kill(postmaster, signal.SIGQUIT)
    deadline = time.monotonic() + 10
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    if running():
        os.kill(postmaster, signal.SIGKILL)
shutil.rmtree(root, ignore_errors=True)
"""


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: Debian's newest version, else PATH's."""
    def major(folder: str) -> int:
        name = Path(folder).parent.name
        return int(name) if name.isdigit() else 0

    candidates = sorted(glob.glob(DEBIAN_BINDIRS), key=major, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for folder in candidates:
        if all(os.access(os.path.join(folder, program), os.X_OK) for program in PROGRAMS):
            return Path(folder)
    return None


def _server_account() -> pwd.struct_passwd | None:
    """Whom the server runs as: postgres refuses root, so as root the `postgres`
    account (made by Debian's package), else `nobody`; otherwise ourselves (None)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, and there is neither a postgres nor a nobody account to run PostgreSQL as")


class PostgresServer:
    """One throwaway cluster: `with PostgresServer(bindir) as server: server.url`."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.account = _server_account()
        # In /tmp, not pytest's tmp_path: a socket's path is limited to ~100 bytes, and
        # pytest's folders are root's (0700), which the server's account cannot enter.
        self.root = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.pid: int | None = None
        self._watchdog: subprocess.Popen | None = None

    @property
    def socket_dir(self) -> str:
        return str(self.root)

    def url(self, database: str = "tracker", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@/{database}?host={self.socket_dir}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        as_account = {}
        if self.account is not None:
            as_account = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
               "HOME": str(self.root), "TZ": "UTC"}
        result = subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.root, env=env,
                                capture_output=True, text=True, timeout=120, **as_account)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{self._log_tail()}")
        return result

    def _log_tail(self) -> str:
        try:
            return "server log:\n" + self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def start(self) -> PostgresServer:
        try:
            if self.account is not None:
                os.chown(self.root, self.account.pw_uid, self.account.pw_gid)
            self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8", "--no-sync")
            with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
                # The socket only, in our own folder: nothing listens on the network, and
                # two runs (two helpers, two CI jobs) never meet on a port.
                conf.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                           # Throwaway data: no fsync, as tmpfs would give.
                           "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                           "max_connections = 50\nshared_buffers = 32MB\n")
            self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60")
            self.pid = int((self.data / "postmaster.pid").read_text().split()[0])
            self._watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(self.pid), str(self.root)], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            self.create_database("tracker")
        except BaseException:
            self.stop()
            raise
        return self

    def create_database(self, name: str) -> str:
        """A new, empty database on this server; its URL."""
        self._sql("postgres", f'CREATE DATABASE "{name}" {DATABASE_OPTIONS}')
        return self.url(name)

    def _sql(self, database: str, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def alive(self) -> bool:
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        # A zombie is gone for our purpose (it is pg_ctl's child, reaped by init).
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server (fast: clients are cut off) and remove its folder. Safe to call twice."""
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
            self._watchdog.stdin.close()
            self._watchdog = None
        if self.data.joinpath("postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", check=False)
        if self.alive():
            # pg_ctl could not stop it: the postmaster is ours, end it and its children.
            os.kill(self.pid, signal.SIGQUIT)
            deadline = time.monotonic() + 10
            while self.alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            if self.alive():
                os.kill(self.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def require_bindir() -> Path:
    """PostgreSQL's programs, or skip (fail in CI, where `make test` must have installed them)."""
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing in CI: `make test` installs it (apt-get install postgresql)")
        pytest.skip("PostgreSQL is not installed (initdb, pg_ctl, postgres)")
    from importlib.util import find_spec

    if find_spec("psycopg") is None:
        if os.environ.get("CI"):
            pytest.fail("psycopg is missing in CI: it comes with tracker[test] (tracker[postgres])")
        pytest.skip("psycopg is not installed: pip install 'tracker[postgres]'")
    return bindir


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL server for the whole run, stopped at its end (also after a
    failure or Ctrl-C: pytest runs session teardown then)."""
    with PostgresServer(require_bindir()) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of the run's database: postgresql://tracker@/tracker?host=/tmp/tracker-pg-..."""
    return postgres_server.url("tracker")
