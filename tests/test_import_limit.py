"""bench/import_limit.py is the measured limit of `tracker import`: a plain script that
writes the same database. It must keep writing exactly what tracker writes, or the
limit it sets means nothing: the same rows in every table, a database `tracker check`
passes, and the same answers from `list` and `history --json`."""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import NEWS, Tracker

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


limit = _module("import_limit")
sys.path.insert(0, str(BENCH))
generate = _module("generate")


def rows(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in {
            "items": "SELECT * FROM items ORDER BY id",
            "parties": "SELECT * FROM item_parties ORDER BY item_id, position",
            "tags": "SELECT * FROM item_tags ORDER BY item_id, position",
            "changes": "SELECT * FROM changes ORDER BY id",
            "commands": "SELECT * FROM commands ORDER BY id",
            "counts": "SELECT * FROM agreement_counts ORDER BY event_id, status",
            "search": "SELECT rowid, title, notes, sources FROM item_search ORDER BY rowid",
            "schema": "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
            "version": "PRAGMA user_version",
        }.items()}
    finally:
        conn.close()


def both(tracker: Tracker, export: Path, tmp_path: Path) -> Tracker:
    """Import the export with tracker into tracker.db and with the limit script into a
    database of its own; returns a Tracker on the latter."""
    tracker.ok("import", str(export))
    other = Tracker(tmp_path / "limit.db")
    with pytest.MonkeyPatch.context() as patch:
        # The zone of an item without one, for the script as for tracker.
        patch.setenv("TRACKER_TZ", tracker.env["TRACKER_TZ"])
        limit.import_limit(str(export), str(other.db))
    assert rows(other.db) == rows(tracker.db)
    assert other.ok("check").code == 0
    for command in (["list", "--all"], ["history", "--json"], ["list", "agreements", "--all", "--json"]):
        assert other.ok(*command).stdout == tracker.ok(*command).stdout
    return other


@pytest.mark.sqlite_only
def test_the_limit_writes_what_tracker_imports_from_a_lived_in_database(seeded, tmp_path):
    # The news of December (updates, notes, sources), a sub-event at a time of day,
    # listed before the event it belongs to, and a removed agreement.
    later = {"TRACKER_NOW": "2025-12-12T09:00:00Z"}
    seeded.ok("apply", str(NEWS), **later)
    seeded.ok("add", "event", "Banquet", "--kind", "ceremony", "--in", "E1", "--start", "2025-12-04T20:00",
              "--tag", "dinner", "--tag", "protocol", **later)
    season = seeded.ok("add", "event", "Visits of the season", "--kind", "other", "--tz", "Asia/Tokyo",
                       **later).stderr.split()[1].rstrip(":")
    seeded.ok("update", "E1", "--in", season, **later)
    seeded.ok("remove", "A2", **later)
    export = tmp_path / "lived.json"
    export.write_text(seeded.ok("export").stdout)
    document = json.loads(export.read_text())
    assert any(item.get("parent") for item in document["items"])
    fresh = Tracker(tmp_path / "fresh.db")
    both(fresh, export, tmp_path)


@pytest.mark.parametrize("agreements", [50, 1_200])
@pytest.mark.sqlite_only
def test_the_limit_writes_what_tracker_imports_from_a_generated_export(tracker, tmp_path, agreements):
    # 1,200 agreements take the bulk road of an import (transfer.load.BULK_ITEMS), 50 the row-by-row one.
    export = tmp_path / "generated.json"
    with export.open("w") as out:
        generate.write_export(out, agreements)
    both(tracker, export, tmp_path)
