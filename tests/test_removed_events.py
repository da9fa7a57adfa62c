"""A removed event stays removed: nothing can be linked to it again, and removing
it with --detach says what it unlinked."""

from __future__ import annotations

import json

import pytest

from test_bad_input import check_one_line_error

LINKS_TO_A_REMOVED_EVENT = [
    ["add", "agreement", "Late deal", "--event", "E1"],
    ["add", "event", "Side event", "--in", "E1"],
    ["update", "A2", "--event", "E1"],
    ["update", "E2", "--in", "E1"],
]


@pytest.fixture
def detached(summit):
    """The summit (E1) removed with --detach: E2, A1 and A2 no longer belong to it."""
    summit.ok("remove", "E1", "--detach")
    return summit


@pytest.mark.parametrize("args", LINKS_TO_A_REMOVED_EVENT, ids=lambda args: " ".join(args[:2]))
def test_nothing_links_to_a_removed_event(detached, args):
    before = detached.dump()
    # 10:00 UTC is 11:00 in Brussels, the reader's zone.
    check_one_line_error(detached(*args), 2, "E1 was removed (2025-11-29 11:00 CET): link to another event")
    assert detached.dump() == before


def test_an_applied_file_links_to_a_removed_event_neither(detached, tmp_path):
    news = tmp_path / "news.json"
    news.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "agreement", "uid": "late-deal", "set": {"title": "Late deal", "event": "E1"}},
    ]}))
    before = detached.dump()
    check_one_line_error(detached("apply", str(news)), 2, "update 1: E1 was removed (2025-11-29 11:00 CET)")
    assert detached.dump() == before


def test_an_import_restores_the_links_of_removed_items_as_they_were(summit, tmp_path):
    # Removed with what was in it, bottom up: the links stay, and a restore keeps them.
    for ref in ("A1", "A2", "E2", "E1"):
        summit.ok("remove", ref)
    check_one_line_error(summit("add", "agreement", "Late deal", "--event", "E1"), 2, "E1 was removed")
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    other = tmp_path / "other.db"
    summit.ok("import", str(exported), TRACKER_DB=str(other))
    assert summit.ok("export", TRACKER_DB=str(other)).json() == json.loads(exported.read_text())


def test_remove_detach_names_what_it_unlinked(summit):
    run = summit.ok("remove", "E1", "--detach")
    assert ("unlinked 3 items from E1: E2 'State banquet', A1 'Labour mobility pact', "
            "A2 'Additional S-400 systems'") in run.stderr
    assert "more" not in run.stderr


def test_remove_detach_names_the_first_few_and_counts_the_rest(summit):
    for number in range(1, 6):
        summit.ok("add", "agreement", f"Deal {number}", "--event", "E1")
    run = summit.ok("remove", "E1", "--detach")
    assert "unlinked 8 items from E1: E2 'State banquet', A1 'Labour mobility pact', " in run.stderr
    assert "and 3 more" in run.stderr
    assert "Deal 3" not in run.stderr

