"""A large import takes another road (set-based search index and counts, triggers
dropped and made again, no cycle collector): it must end where the row-by-row road
ends, and fail as cleanly."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tracker.transfer import load
from tracker.errors import TrackerError
from tracker.store import Store

AGREEMENTS = 1_050      # above transfer.load.BULK_ITEMS


def document(agreements: int = AGREEMENTS) -> dict:
    """Events (one inside another), agreements at them and at none, notes and sources,
    a removed item, names with repeats: what the derived tables are made from."""
    items, history = [], []
    events = 12
    for n in range(1, events + 1):
        items.append({
            "ref": f"E{n}", "uid": f"e-{n}", "type": "event", "title": f"Summit {n}", "kind": "summit",
            "status": "announced", "parties": ["India", "Russia"], "tags": [], "start": f"2025-12-{n:02d}",
            "end": None, "tz": "Asia/Kolkata" if n % 2 else "Europe/Brussels", "location": None,
            "parent": "E1" if n == 2 else None, "created": "2025-11-01T00:00:00+00:00",
            "updated": "2025-11-01T00:00:00+00:00", "removed": None,
        })
        history.append({"ref": f"E{n}", "field": "created", "old": None, "new": "announced",
                        "on": "2025-11-01", "recorded": "2025-11-01T00:00:00+00:00", "source": None, "note": None})
    statuses = ["expected", "negotiating", "signed", "dropped", "rumoured"]
    for n in range(1, agreements + 1):
        items.append({
            "ref": f"A{n}", "uid": f"a-{n}", "type": "agreement", "title": f"Kudankulam MoU {n}",
            "kind": "mou", "status": statuses[n % len(statuses)], "parties": ["India", "Russia", "india"],
            "tags": ["energy"] if n % 3 else [], "event": f"E{n % events + 1}" if n % 7 else None,
            "sector": "Energy", "due": "2025-12-20" if n % 4 == 0 else None,
            "created": "2025-11-02T00:00:00Z", "updated": "2025-11-02T00:00:00+00:00",
            "removed": "2025-11-20T00:00:00+00:00" if n % 50 == 0 else None,
        })
        history.append({"ref": f"A{n}", "field": "created", "old": None, "new": "expected", "on": "2025-11-02",
                        "recorded": "2025-11-02T00:00:00+00:00", "source": f"https://example.org/{n}",
                        "note": f"reactor units {n}"})
        if n % 2:
            history.append({"ref": f"A{n}", "field": None, "old": None, "new": None, "on": "2025-11-03T10:00",
                            "recorded": "2025-11-03T04:30:00+00:00", "source": None, "note": "talks resumed"})
        if n % 5 == 0:
            history.append({"ref": f"A{n}", "field": "parties", "old": ["India"], "new": ["India", "Russia"],
                            "on": "2025-11-04", "recorded": "2025-11-04T00:00:00+00:00",
                            "source": "https://example.org/parties", "note": None})
    return {"format": "tracker-export", "version": 1, "exported": "2025-11-29T00:00:00+00:00",
            "items": items, "history": history}


def contents(path: Path) -> dict[str, list]:
    """An SQLite file's tables, search index and schema (test_undo's sqlite_only comparison)."""
    conn = sqlite3.connect(path)
    try:
        return {
            name: conn.execute(sql).fetchall() for name, sql in {
                "items": "SELECT * FROM items ORDER BY id",
                "changes": "SELECT * FROM changes ORDER BY id",
                "parties": "SELECT * FROM item_parties ORDER BY item_id, position",
                "tags": "SELECT * FROM item_tags ORDER BY item_id, position",
                "counts": "SELECT * FROM agreement_counts ORDER BY event_id, status",
                "search": "SELECT rowid, title, notes, sources FROM item_search ORDER BY rowid",
                "found": "SELECT rowid FROM item_search WHERE item_search MATCH '\"reactor\"* \"resumed\"*' ORDER BY rowid",
                "schema": "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'item_search_%' ORDER BY name",
            }.items()
        }
    finally:
        conn.close()


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    path = tmp_path / "large.json"
    path.write_text(json.dumps(document()))
    return path


def test_a_large_import_ends_where_the_row_by_row_import_ends(tracker, another_tracker, export_file, monkeypatch):
    tracker.ok("import", str(export_file))                       # the bulk road
    monkeypatch.setattr(load, "BULK_ITEMS", 10 ** 9)
    row_by_row = another_tracker()
    row_by_row.ok("import", str(export_file))
    bulk = tracker.dump()
    assert len([row for row in bulk if row[0] == "items"]) == 1 + 12 + AGREEMENTS
    assert tracker.ok("list", "--search", "reactor resumed", "--json").json()
    # Every table, the derived ones and the search index too, and the engine's objects.
    assert bulk == row_by_row.dump()


def test_a_large_import_is_searchable_and_counted_through_the_cli(tracker, export_file):
    tracker.ok("import", str(export_file))
    found = tracker.ok("list", "--all", "--limit", "0", "--search", "units 1049", "--json").json()
    assert [item["ref"] for item in found] == ["A1049"]
    pipeline = tracker.ok("report", "--format", "json").json()["pipeline"]["overall"]
    live = [n for n in range(1, AGREEMENTS + 1) if n % 50]
    assert pipeline["signed"] == sum(1 for n in live if n % 5 == 2)
    # The triggers are back: what is added after the import is searched and counted too.
    tracker.ok("add", "agreement", "Grid pact", "--status", "signed", "--note", "Bushehr")
    assert [i["ref"] for i in tracker.ok("list", "--all", "--search", "Bushehr", "--json").json()] == ["A1051"]
    assert tracker.ok("report", "--format", "json").json()["pipeline"]["overall"]["signed"] == pipeline["signed"] + 1


def test_a_failed_large_import_leaves_the_database_and_its_triggers_as_they_were(seeded, tmp_path):
    broken = document()
    broken["history"][-1]["on"] = "31 Feb 2026"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    before = seeded.dump()
    run = seeded("import", str(path))
    assert run.code == 2 and "history entry" in run.stderr and "31 Feb 2026" in run.stderr
    assert seeded.dump() == before


def test_bulk_loading_refuses_an_item_that_belongs_to_an_agreement(tmp_path):
    store = Store(tmp_path / "t.db")
    row = {"uid": "a-1", "type": "agreement", "num": 1, "title": "MoU", "kind": "mou", "status": "expected",
           "created": "2025-11-01T00:00:00+00:00", "updated": "2025-11-01T00:00:00+00:00"}
    with store.writing():
        store.insert_items([row], [([], [])])
    before = list(store.conn.iterdump())
    with pytest.raises(TrackerError, match="A2 belongs to an item that is not an event"):
        with store.writing(), store.bulk_loading():
            store.insert_items([{**row, "uid": "a-2", "num": 2, "event_id": 1}], [([], [])])
    assert list(store.conn.iterdump()) == before


def test_the_indexes_of_a_bulk_load_are_sorted_within_a_small_cache(tmp_path):
    # SQLite's sorter holds as much as the page cache may: the index builds run with less.
    from tracker.store.sqlite import LARGE_LOAD, LARGE_LOAD_KIB, LOAD_KIB, SORT_KIB

    store = Store(tmp_path / "t.db")
    sizes = []
    for rows in (10, LARGE_LOAD):
        with store.writing(), store.bulk_loading(rows):
            sizes.append(store.conn.execute("PRAGMA cache_size").fetchone()[0])
        sizes.append(store.conn.execute("PRAGMA cache_size").fetchone()[0])
    assert sizes == [-LOAD_KIB, -SORT_KIB, -LARGE_LOAD_KIB, -SORT_KIB] and SORT_KIB < LARGE_LOAD_KIB < LOAD_KIB
