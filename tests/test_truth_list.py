"""`tracker list` tells the whole truth (issue 9): every match for a program, a screenful
for people with what was left out said, a search over everything, events by start, and a
first run that says how to begin."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest

from tracker import dates
from tracker.core import ListRequest, list_items
from tracker.store import Store

from test_scale import Plans, _no_full_scan_or_sort


def _export(path: Path, agreements: int, events: int = 0) -> Path:
    """A file for `tracker import`: open agreements (MoU 1 ...) and events to come."""
    stamp = "2025-11-01T00:00:00+00:00"
    items = [{"ref": f"E{n}", "uid": f"e-{n}", "type": "event", "title": f"Talks {n}", "kind": "talks",
              "status": "announced", "start": "2026-01-05", "tz": "UTC", "created": stamp, "updated": stamp}
             for n in range(1, events + 1)]
    items += [{"ref": f"A{n}", "uid": f"a-{n}", "type": "agreement", "title": f"MoU {n}", "kind": "mou",
               "status": "expected", "created": stamp, "updated": stamp} for n in range(1, agreements + 1)]
    path.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": items, "history": []}))
    return path


# -- complete: every match for a program, a screenful for people ----------------------

def test_list_json_prints_every_match_unless_a_limit_is_given(tracker, tmp_path):
    tracker.ok("import", str(_export(tmp_path / "many.json", 30, 27)))
    run = tracker.ok("list", "--json")
    assert len(run.json()) == 57 and run.stderr == ""
    limited = tracker.ok("list", "--json", "--limit", "10")
    assert len(limited.json()) == 20
    assert "Showing the first 10 events and agreements; 17 more events and 20 more agreements match" in limited.stderr


def test_a_table_keeps_a_screenful_and_says_what_was_left_out(tracker, tmp_path):
    tracker.ok("import", str(_export(tmp_path / "many.json", 30)))
    run = tracker.ok("list")
    assert "MoU 25" in run.stdout and "MoU 26" not in run.stdout
    assert run.stderr.startswith("Showing the first 25 agreements; 5 more agreements match (--limit 0 shows them all")


def test_what_was_left_out_is_counted_up_to_a_cap(tracker, tmp_path, monkeypatch):
    from tracker.commands import list as list_module

    monkeypatch.setattr(list_module, "COUNT_CAP", 3)
    tracker.ok("import", str(_export(tmp_path / "many.json", 30)))
    assert "more than 3 more agreements match" in tracker.ok("list").stderr


def test_the_json_of_a_list_is_written_as_it_is_read(summit):
    from tracker.render.json import dumps, item_data, write_items

    # A title is one line (no NEL): the NEL goes in the location.
    summit.ok("add", "event", 'Sommet "Nord" \x1b[31m\u202e — भारत\\', "--series", "Nord", "--number", "2",
              "--tag", "a\tb", "--start", "2025-12-20", "--location", "Lille\u0085Nord")
    store = Store(summit.db)
    request = ListRequest(everything=True)
    stream = io.StringIO()
    assert write_items(list_items(store, request), stream) == 5
    # The same text as the document made whole.
    assert stream.getvalue() == dumps([item_data(item) for item in store.items(list_items(store, request).query)]) + "\n"
    empty = io.StringIO()
    write_items([], empty)
    assert json.loads(empty.getvalue()) == []


def test_listing_everything_keeps_memory_flat(tracker, tmp_path):
    """Peak memory of writing 400 items, then 4000: about the same (batches of 500 or
    less), where a list made whole grows tenfold."""
    from tracker.render.json import write_items

    peaks = []
    for size in (400, 4000):
        db = tmp_path / f"{size}.db"
        tracker.ok("import", str(_export(tmp_path / f"{size}.json", size)), TRACKER_DB=str(db))
        store = Store(db)
        listing = list_items(store, ListRequest(everything=True))
        tracemalloc.start()
        write_items(listing, _Discard())
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        store.close()
    assert peaks[1] < peaks[0] * 3, peaks


class _Discard:
    def write(self, text: str) -> int:
        return len(text)


# -- a search covers every item, open ones first --------------------------------------

def test_search_finds_settled_and_past_items_after_the_open_ones(tracker):
    tracker.ok("add", "agreement", "Fossil fuel phase-out roadmap", "--status", "signed")
    tracker.ok("add", "agreement", "Fossil subsidy reform", "--status", "negotiating")
    tracker.ok("add", "event", "Fossil fuel dialogue", "--start", "2025-10-01", "--status", "held")
    tracker.ok("add", "event", "Fossil fuel summit", "--start", "2025-12-10")
    found = [item["ref"] for item in tracker.ok("list", "--search", "fossil", "--json").json()]
    assert found == ["E2", "E1", "A2", "A1"]
    table = tracker.ok("list", "--search", "fossil").stdout
    assert "Fossil fuel phase-out roadmap" in table and "Fossil fuel dialogue" in table
    # Without a search, the list is still what is open.
    assert [i["ref"] for i in tracker.ok("list", "--json").json()] == ["E2", "A2"]


def test_a_search_stops_at_its_limit_across_open_and_settled(tracker):
    for n in range(3):
        tracker.ok("add", "agreement", f"Grain deal {n}", "--status", "signed")
    tracker.ok("add", "agreement", "Grain corridor", "--status", "expected")
    run = tracker.ok("list", "--search", "grain", "--limit", "2", "--json")
    assert [i["ref"] for i in run.json()] == ["A4", "A1"]
    assert "2 more agreements match" in run.stderr


# -- in order: open events by start, undated last -------------------------------------

def test_open_events_are_listed_by_start_undated_last(tracker):
    tracker.ok("add", "event", "Long conference", "--start", "2025-12-10", "--end", "2025-12-20")
    tracker.ok("add", "event", "One-day talks", "--start", "2025-12-12")
    tracker.ok("add", "event", "Date to be fixed")
    tracker.ok("add", "event", "Visit under way", "--start", "2025-11-28", "--end", "2025-11-30")
    tracker.ok("add", "event", "Over already", "--start", "2025-11-20")
    order = [item["title"] for item in tracker.ok("list", "events", "--json").json()]
    assert order == ["Visit under way", "Long conference", "One-day talks", "Date to be fixed"]
    assert order == [e["title"] for e in tracker.ok("list", "events", "--all", "--json").json()
                     if e["title"] != "Over already"]


@pytest.mark.sqlite_only
def test_the_list_queries_read_indexes_in_order(summit, monkeypatch):
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    dates.set_now(None)
    plans = Plans(summit.db)
    for request in (ListRequest(limit=1), ListRequest(limit=1, everything=True),
                    ListRequest(types=("event",), limit=1, everything=True)):
        listing = list_items(plans.store, request)
        list(listing)
        for item_type in listing.cut:
            listing.left_out(item_type, 1000)
    _no_full_scan_or_sort(plans.plans())


# -- the first minutes ----------------------------------------------------------------

def test_an_empty_database_suggests_adding_or_importing(tracker):
    run = tracker.ok("list")
    assert "tracker add" in run.stderr and "tracker import" in run.stderr and "--all" not in run.stderr
    assert "tracker add" in tracker.ok("list", "--json").stderr
    # Once there are items, an empty list still points to --all.
    tracker.ok("add", "agreement", "Signed long ago", "--status", "signed")
    run = tracker.ok("list")
    assert "Nothing to list" in run.stderr and "--all" in run.stderr and "tracker add" not in run.stderr


@pytest.mark.sqlite_only
def test_what_belongs_to_an_event_is_read_from_its_index(summit):
    """`show E1` and `list --event E1`: the members found by items_by_event, a handful to
    sort, not every item of the type walked to find them (0.23 s at 1M, now 1 ms)."""
    from tracker.model import Ref
    from tracker.store import ItemQuery

    plans = Plans(summit.db)
    assert len(plans.store.items(ItemQuery(within=Ref("event", 1)))) == 3
    found = plans.plans()
    assert found and all("items_by_event" in plan and "SCAN items" not in plan for _, plan in found), found
