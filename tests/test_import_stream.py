"""A large import file is read as a stream (ijson's C parser), an entry at a time, and
written in batches: memory stays flat however large the file. It must end where
reading the file whole ends, and refuse what that refuses, in the same words. The
tests of whole-file imports are run again here with every file streamed."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from conftest import SEED, Tracker
from test_bulk_import import document, export_file  # noqa: F401
from tracker import transfer
from tracker.transfer import importing, load
from tracker.store import Store

# The tests of imports elsewhere, collected again here, where every file is streamed.
from test_bulk_import import (  # noqa: F401
    test_a_failed_large_import_leaves_the_database_and_its_triggers_as_they_were,
    test_a_large_import_ends_where_the_row_by_row_import_ends,
    test_a_large_import_is_searchable_and_counted_through_the_cli,
)
from test_hostile_input import (  # noqa: F401
    test_a_file_that_is_not_utf8_is_named_so,
    test_a_file_with_a_byte_order_mark_imports,
    test_a_hostile_import_is_refused_whole,
    test_a_loop_of_thousands_of_events_is_named_briefly,
    test_a_number_of_thousands_of_digits_is_named_without_pythons_words,
    test_events_nested_fifteen_hundred_deep_listed_child_first_import,
    test_json_nested_a_thousand_deep_is_refused,
)
from test_import_limit import (  # noqa: F401
    test_the_limit_writes_what_tracker_imports_from_a_generated_export,
    test_the_limit_writes_what_tracker_imports_from_a_lived_in_database,
)
from test_undo import test_an_export_keeps_retractions_through_an_import  # noqa: F401


@pytest.fixture(autouse=True)
def streamed(monkeypatch):
    """Every file streamed, however small."""
    monkeypatch.setattr(importing, "STREAM_FROM", 0)


def test_the_stream_parser_is_there():
    # Without its C parser every file would be read whole, in gigabytes at a million items.
    assert importing._stream_parser() is not None


def test_a_streamed_import_writes_what_a_whole_one_writes(tracker, another_tracker, tmp_path, monkeypatch):
    path = tmp_path / "large.json"
    path.write_text(json.dumps(document()))
    streams = []
    original = importing._import_stream
    monkeypatch.setattr(importing, "_import_stream", lambda *a: streams.append(1) or original(*a))
    tracker.ok("import", str(path))
    assert streams
    monkeypatch.setattr(importing, "STREAM_FROM", 1 << 40)
    whole = another_tracker()
    whole.ok("import", str(path))
    assert len(streams) == 1
    streamed = tracker.dump()
    assert len([row for row in streamed if row[0] == "items"]) > 1000
    assert streamed == whole.dump()


def test_an_import_from_stdin_is_streamed_within_the_limit(tracker, another_tracker):
    text = SEED.read_text()
    assert "imported 13 items" in tracker.ok("import", "-", input=text).stderr
    run = another_tracker()("import", "-", input=text, TRACKER_MAX_INPUT="1K")
    assert run.code == 1 and run.stderr.count("\n") == 1
    assert "stdin is larger than 1 KiB, the most tracker reads from one input" in run.stderr


def test_without_the_c_parser_files_are_read_whole(tracker, monkeypatch):
    monkeypatch.setattr(importing, "_stream_parser", lambda: None)
    monkeypatch.setattr(importing, "_import_stream", None)      # never reached
    assert "imported 13 items" in tracker.ok("import", str(SEED)).stderr


def test_an_event_listed_after_what_belongs_to_it_is_added_first(tracker, tmp_path):
    items = json.loads(SEED.read_text())
    items["items"].reverse()        # agreements first, sub-events before their events
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(items))
    tracker.ok("import", str(path))
    whole = Tracker(tmp_path / "seed.db")
    whole.ok("import", str(SEED))
    # The same items and log (only the ids that order ties may differ).
    for command in (["list", "--all", "--json"], ["history", "--json"]):
        key = lambda entry: json.dumps(entry, sort_keys=True)  # noqa: E731
        assert sorted(tracker.ok(*command).json(), key=key) == sorted(whole.ok(*command).json(), key=key)


def test_an_item_whose_event_is_not_in_the_file_is_named(tracker, tmp_path):
    data = json.loads(SEED.read_text())
    data["items"] = [item for item in data["items"] if item["ref"] != "E1"]
    path = tmp_path / "orphan.json"
    path.write_text(json.dumps(data))
    run = tracker("import", str(path))
    assert run.code == 2 and "its event E1 is not in the file" in run.stderr
    assert run.stderr.count("\n") == 1


def test_a_uid_repeated_far_apart_is_named(tracker, tmp_path, monkeypatch):
    # The database finds it (uids are unique there) in a later batch than the first.
    monkeypatch.setattr(load, "BATCH", 100)
    data = document()
    data["items"][900]["uid"] = data["items"][20]["uid"]
    path = tmp_path / "repeat.json"
    path.write_text(json.dumps(data))
    run = tracker("import", str(path))
    assert run.code == 2 and "item 901 (A889): its uid or ref is empty or repeats an earlier item" in run.stderr
    assert tracker.ok("list", "--json").json() == []


def _peak(tmp_path: Path, agreements: int) -> int:
    path = tmp_path / f"{agreements}.json"
    path.write_text(json.dumps(document(agreements)))
    store = Store(tmp_path / f"{agreements}.db")
    tracemalloc.start()
    try:
        transfer.import_file(store, path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()


def test_a_streamed_import_holds_as_much_at_any_size(tmp_path, monkeypatch):
    from tracker import model

    # Batches and the cache of references read, smaller than both sizes.
    monkeypatch.setattr(load, "BATCH", 200)
    monkeypatch.setattr(model, "REFS_KEPT", 500)
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    small, large = _peak(tmp_path, 2_000), _peak(tmp_path, 8_000)
    # Read whole, four times the file would take about four times the memory.
    assert large < small * 1.5, (small, large)
