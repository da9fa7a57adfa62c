"""Messages that advise: an empty list suggests --all only where it would show more,
apply warns about adds it cannot recognise again, a file given to the wrong command
names the right one, and times in messages are the reader's."""

from __future__ import annotations

import json

import pytest

from test_bad_input import check_one_line_error


def test_a_search_that_finds_nothing_does_not_suggest_all(summit):
    run = summit.ok("list", "--search", "zzzqqq")
    assert run.stdout == "" and run.stderr == "Nothing matches 'zzzqqq'.\n"
    run = summit.ok("list", "--search", "zzzqqq", "--party", "India")
    assert run.stderr == "Nothing matches 'zzzqqq' with the other filters given.\n"


@pytest.mark.parametrize("args", [["--status", "held"], ["--from", "2030-01-01"], ["--series", "G7"]],
                         ids=lambda args: args[0])
def test_filters_that_take_in_settled_items_do_not_suggest_all(summit, args):
    run = summit.ok("list", *args)
    assert run.stderr == "Nothing matches these filters.\n"


def test_filters_of_open_items_still_suggest_all(summit):
    summit.ok("update", "A1", "--status", "signed")
    run = summit.ok("list", "--sector", "labour")
    assert "Nothing matches these filters." in run.stderr and "tracker list --all" in run.stderr


def updates_file(tmp_path, *updates) -> str:
    path = tmp_path / "news.json"
    path.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": list(updates)}))
    return str(path)


def test_apply_warns_once_about_adds_without_a_uid_and_applies_them(tracker, tmp_path):
    named = updates_file(tmp_path, {"add": "agreement", "uid": "one", "set": {"title": "With a uid"}})
    assert "warning" not in tracker.ok("apply", named).stderr
    news = updates_file(tmp_path, {"add": "agreement", "set": {"title": "No uid"}},
                        {"add": "event", "set": {"title": "No uid either"}},
                        {"add": "agreement", "uid": "has-one", "set": {"title": "With a uid"}})
    run = tracker.ok("apply", news)
    warning = (f'warning: 2 "add"s in {news} had no "uid": applying the file again would add them '
               'again (give each "add" a "uid" of its own)\n')
    assert run.stderr == warning + f"{news}: 0 already applied, 3 applied (3 added, 0 updated)\n"
    # It is what the warning says: a second run adds those two again, the other not.
    run = tracker.ok("apply", news)
    assert run.stderr.count("warning") == 1 and "1 already applied, 2 applied (2 added" in run.stderr
    assert len(tracker.ok("list", "--json").json()) == 6


def test_apply_of_an_export_points_to_import_and_back(summit, tmp_path):
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    before = summit.dump()
    check_one_line_error(summit("apply", str(exported)), 2,
                         f"{exported} is an export (tracker-export), not a tracker-updates file: "
                         f"load it with `tracker import {exported}`")
    news = updates_file(tmp_path, {"ref": "A1", "set": {"status": "signed"}})
    check_one_line_error(summit("import", news), 2,
                         f"{news} is a file of updates (tracker-updates), not a tracker-export file: "
                         f"load it with `tracker apply {news}`")
    assert summit.dump() == before


FUTURE = [
    # A1 is at the summit in New Delhi: its own zone is IST, the reader's CET.
    (["update", "A1", "--note", "x", "--on", "tomorrow"], "(2025-11-30; it is now 2025-11-29 11:00 CET)"),
    (["update", "A1", "--note", "x", "--on", "+1h"], "(2025-11-29 12:00 CET; it is now 2025-11-29 11:00 CET)"),
    (["remove", "A1", "--on", "+2h"], "(2025-11-29 13:00 CET; it is now 2025-11-29 11:00 CET)"),
]


@pytest.mark.parametrize("args, words", FUTURE, ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_a_future_on_is_refused_with_times_in_the_readers_zone(summit, args, words):
    run = summit(*args)
    check_one_line_error(run, 2, words)
    assert "IST" not in run.stderr and "+05:30" not in run.stderr


def test_an_end_before_the_start_is_named_as_typed_in_the_events_zone(tracker):
    run = tracker("add", "event", "Talks", "--start", "2025-12-05T10:00", "--end", "2025-12-05T09:00",
                  "--tz", "Asia/Kolkata")
    check_one_line_error(run, 2, "the end 2025-12-05 09:00 IST is before the start 2025-12-05 10:00 IST")


def test_removing_a_removed_item_says_when_in_the_readers_zone(summit):
    summit.ok("remove", "A2")
    run = summit("remove", "A2")
    check_one_line_error(run, 1, "A2 was removed already (2025-11-29 11:00 CET)")
    assert "+00:00" not in run.stderr
    run = summit("update", "A2", "--status", "signed")
    check_one_line_error(run, 1, "A2 was removed (2025-11-29 11:00 CET): it can no longer change")
