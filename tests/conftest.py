"""Shared fixtures: a temporary database, a fixed clock and zone, and a way to run tracker."""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app

# The PostgreSQL server the tests start themselves (tests/pgserver.py): a fixture
# made known to every test file by being named here.
import pgserver

postgres_server, postgres_url = pgserver.postgres_server, pgserver.postgres_url

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED = FIXTURES / "seed-2025-11-29.json"
NEWS = FIXTURES / "news-2025-12.json"
# The installed command, next to the interpreter running the tests.
TRACKER_BIN = Path(sys.executable).parent / "tracker"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


class Tracker:
    """Runs tracker's CLI in-process against one database, with the clock fixed."""

    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()
        self.env = {"TRACKER_DB": str(db), "TRACKER_NOW": "2025-11-29T10:00:00Z",
                    "TRACKER_TZ": "Europe/Brussels", "NO_COLOR": None, "FORCE_COLOR": None,
                    "COLUMNS": "200", "TRACKER_USER": "analyst"}     # who changes are `by`: not the machine's user

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Run:
        result = self.runner.invoke(app, list(args), env={**self.env, **env}, input=input,
                                    catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **env) -> Run:
        run = self(*args, **env)
        assert run.code == 0, f"tracker {' '.join(args)} failed ({run.code}): {run.stderr}"
        return run

    def dump(self) -> list[str]:
        """Every row of the database, to compare before and after a command."""
        conn = sqlite3.connect(self.db)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()


@pytest.fixture
def tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tracker:
    for variable in ("TRACKER_DB", "TRACKER_NOW", "TRACKER_TZ", "TZ", "NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(variable, raising=False)
    return Tracker(tmp_path / "tracker.db")


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    """The seed case of 29 November 2025."""
    tracker.ok("import", str(SEED))
    return tracker


@pytest.fixture
def summit(tracker: Tracker) -> Tracker:
    """A small case built through the CLI: the summit, its banquet, two agreements."""
    tracker.ok("add", "event", "23rd India-Russia Annual Summit", "--kind", "summit",
               "--start", "2025-12-04", "--end", "2025-12-05", "--tz", "Asia/Kolkata",
               "--location", "New Delhi, India", "--party", "India", "--party", "Russia",
               "--status", "confirmed")
    tracker.ok("add", "event", "State banquet", "--kind", "ceremony", "--start", "2025-12-05",
               "--in", "E1", "--party", "India", "--party", "Russia")
    tracker.ok("add", "agreement", "Labour mobility pact", "--event", "E1", "--kind", "pact",
               "--sector", "Labour", "--party", "India", "--party", "Russia", "--status", "expected",
               "--source", "https://example.org/seed", "--note", "expected to be signed")
    tracker.ok("add", "agreement", "Additional S-400 systems", "--event", "E1", "--kind", "deal",
               "--sector", "defence", "--party", "India", "--party", "Russia", "--status", "negotiating")
    return tracker
