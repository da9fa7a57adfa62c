"""Each command through the CLI, as a user would run it."""

from __future__ import annotations

import json

from conftest import NEWS, SEED


def test_add_event_prints_its_ref_on_stdout_and_a_message_on_stderr(tracker):
    run = tracker.ok("add", "event", "23rd India-Russia Annual Summit", "--kind", "summit",
                     "--start", "2025-12-04", "--end", "2025-12-05", "--tz", "Asia/Kolkata")
    assert run.stdout == "E1\n"
    assert "added E1: 23rd India-Russia Annual Summit" in run.stderr


def test_add_event_json_has_the_documented_shape(tracker):
    item = tracker.ok("add", "event", "Summit", "--kind", "summit", "--start", "2025-12-04T10:30",
                      "--tz", "Asia/Kolkata", "--location", "New Delhi", "--party", "India",
                      "--tag", "g20", "--json").json()
    assert set(item) == {"ref", "uid", "type", "title", "kind", "status", "parties", "tags", "created",
                         "updated", "removed", "start", "end", "tz", "location", "parent", "series",
                         "series_number"}
    assert item["ref"] == "E1" and item["type"] == "event"
    assert item["start"] == "2025-12-04T10:30:00+05:30"
    assert item["parties"] == ["India"] and item["tags"] == ["g20"]
    assert item["status"] == "announced"        # the default for a new event
    assert item["created"] == "2025-11-29T10:00:00+00:00"


def test_add_agreement_links_to_its_event_and_lowercases_the_sector(summit):
    item = summit.ok("show", "A1", "--json").json()
    assert item["event"] == "E1" and item["sector"] == "labour"
    assert {"event", "sector", "due"} <= set(item) and "start" not in item
    assert item["history"][0]["field"] == "created"
    assert item["history"][0]["new"] == "expected"
    assert item["history"][0]["source"] == "https://example.org/seed"


def test_child_event_takes_its_parents_time_zone(summit):
    banquet = summit.ok("show", "E2", "--json").json()
    assert banquet["parent"] == "E1" and banquet["tz"] == "Asia/Kolkata"


def test_refs_are_case_insensitive(summit):
    assert summit.ok("show", "a1", "--json").json()["ref"] == "A1"
    assert summit.ok("show", " e2 ", "--json").json()["ref"] == "E2"


def test_list_shows_open_items_in_tables(summit):
    run = summit.ok("list")
    for text in ("Events", "Agreements", "23rd India-Russia Annual Summit", "State banquet",
                 "Labour mobility pact", "Additional S-400 systems"):
        assert text in run.stdout
    assert run.stderr == ""


def test_list_hides_settled_agreements_and_held_events_unless_all(summit):
    summit.ok("update", "A1", "--status", "signed")
    summit.ok("update", "E2", "--status", "held")
    refs = [item["ref"] for item in summit.ok("list", "--json").json()]
    assert refs == ["E1", "A2"]
    refs = [item["ref"] for item in summit.ok("list", "--all", "--json").json()]
    assert refs == ["E1", "E2", "A1", "A2"]


def test_list_hides_events_that_are_over(summit):
    refs = [i["ref"] for i in summit.ok("list", "events", "--json", TRACKER_NOW="2025-12-05T20:00:00Z").json()]
    assert refs == []     # both ended at midnight in New Delhi, 18:30 UTC
    refs = [i["ref"] for i in summit.ok("list", "events", "--json", TRACKER_NOW="2025-12-05T18:00:00Z").json()]
    assert refs == ["E1", "E2"]


def test_list_filters(summit):
    def refs(*args):
        return [item["ref"] for item in summit.ok("list", *args, "--json").json()]

    assert refs("agreements") == ["A1", "A2"]
    assert refs("events") == ["E1", "E2"]
    assert refs("agreements", "--status", "expected") == ["A1"]
    assert refs("agreements", "--status", "expected", "--status", "negotiating") == ["A1", "A2"]
    assert refs("--sector", "Defence") == ["A2"]
    assert refs("--kind", "ceremony") == ["E2"]
    assert refs("--party", "russia") == ["E1", "E2", "A1", "A2"]
    assert refs("--party", "China") == []
    assert refs("--event", "E1") == ["E2", "A1", "A2"]
    assert refs("events", "--from", "2025-12-05", "--to", "2025-12-31") == ["E1", "E2"]
    assert refs("events", "--from", "2025-12-06") == []
    # A period is read in the user's zone and compared as instants: the end of
    # 3 December in New Delhi is before the summit; in Brussels it is not.
    assert [i["ref"] for i in summit.ok("list", "events", "--to", "2025-12-03", "--json",
                                        TRACKER_TZ="Asia/Kolkata").json()] == []
    assert refs("events", "--to", "2025-12-03") == ["E1"]
    assert refs("--search", "S-400") == ["A2"]
    assert refs("--search", "signed") == ["A1"]          # in a note
    assert refs("--search", "example.org") == ["A1"]     # in a source
    assert refs("--search", "labo") == ["A1"]            # a prefix


def test_list_json_is_an_empty_array_when_nothing_matches(tracker):
    run = tracker.ok("list", "--json")
    assert json.loads(run.stdout) == []
    run = tracker.ok("list")
    assert run.stdout == "" and "Nothing to list" in run.stderr


def test_show_prints_fields_and_history(summit):
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-11-28",
              "--source", "https://example.org/signed", "--note", "exchanged at the summit")
    run = summit.ok("show", "A1")
    for text in ("Labour mobility pact", "labour", "E1", "History", "created as expected",
                 "status expected → signed", "exchanged at the summit", "https://example.org/signed",
                 "2025-11-28"):
        assert text in run.stdout


def test_show_of_an_event_lists_what_belongs_to_it(summit):
    out = summit.ok("show", "E1").stdout
    assert "State banquet" in out and "Labour mobility pact" in out and "Additional S-400 systems" in out
    assert "Labour mobility pact" not in summit.ok("show", "E2").stdout


def test_update_logs_old_new_when_source_and_note(summit):
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-11-29",
              "--source", "https://example.org/signed", "--note", "exchanged at the summit")
    entry = next(e for e in summit.ok("history", "A1", "--json").json() if e["field"] == "status")
    assert entry == {"ref": "A1", "field": "status", "old": "expected", "new": "signed",
                     "on": "2025-11-29", "recorded": "2025-11-29T10:00:00+00:00", "by": "analyst",
                     "source": "https://example.org/signed", "note": "exchanged at the summit",
                     "id": entry["id"], "retracted": False}


def test_update_with_a_note_alone_changes_no_field(summit):
    before = summit.ok("show", "A1", "--json").json()
    summit.ok("update", "A1", "--note", "text published", "--source", "https://example.org/text")
    after = summit.ok("show", "A1", "--json").json()
    assert {k: v for k, v in after.items() if k != "history"} == \
        {k: v for k, v in before.items() if k != "history"}
    note = after["history"][-1]
    assert note["field"] is None and note["note"] == "text published"


def test_update_any_field_is_logged(summit):
    summit.ok("update", "E1", "--start", "2025-12-05", "--note", "postponed by a day")
    entry = summit.ok("history", "E1", "--json").json()[-1]
    assert (entry["field"], entry["old"], entry["new"]) == ("start", "2025-12-04", "2025-12-05")
    summit.ok("update", "A1", "--party", "India", "--party", "Russia", "--party", "Belarus")
    entry = summit.ok("history", "A1", "--json").json()[-1]
    assert entry["old"] == ["India", "Russia"] and entry["new"] == ["India", "Russia", "Belarus"]


def test_update_several_fields_logs_one_row_each(summit):
    summit.ok("update", "A2", "--status", "signed", "--title", "S-400 deal", "--note", "both")
    fields = [entry["field"] for entry in summit.ok("history", "A2", "--json").json()]
    assert fields == ["created", "title", "status"]


def test_update_to_the_same_value_records_nothing(summit):
    before = summit.dump()
    run = summit.ok("update", "A1", "--status", "expected")
    assert "nothing recorded" in run.stderr
    assert summit.dump() == before


def test_update_moving_the_zone_keeps_the_wall_clock_time(tracker):
    tracker.ok("add", "event", "Talks", "--start", "2025-12-10T10:00", "--tz", "Europe/Brussels")
    tracker.ok("update", "E1", "--tz", "Asia/Kolkata")
    item = tracker.ok("show", "E1", "--json").json()
    assert item["start"] == "2025-12-10T10:00:00+05:30"


def test_update_clear_empties_a_field(summit):
    summit.ok("update", "E1", "--clear", "end", "--clear", "location")
    item = summit.ok("show", "E1", "--json").json()
    assert item["end"] is None and item["location"] is None
    fields = [entry["field"] for entry in item["history"]]
    assert fields[-2:] == ["end", "location"]


def test_history_since_and_for_one_item(summit):
    later = "2025-12-07T10:00:00Z"     # a change is logged once it has happened
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-12-05", TRACKER_NOW=later)
    summit.ok("update", "E1", "--status", "held", "--on", "2025-12-06", TRACKER_NOW=later)
    since = summit.ok("history", "--since", "2025-12-01", "--json").json()
    assert [(e["ref"], e["field"]) for e in since] == [("A1", "status"), ("E1", "status")]
    assert len(summit.ok("history", "--json").json()) == 6
    assert [e["ref"] for e in summit.ok("history", "E1", "--json").json()] == ["E1", "E1"]


def test_remove_leaves_lists_but_stays_in_history(summit):
    run = summit.ok("remove", "A2", "--note", "duplicate of A1")
    assert "removed A2" in run.stderr
    assert "A2" not in [item["ref"] for item in summit.ok("list", "--all", "--json").json()]
    item = summit.ok("show", "A2", "--json").json()
    assert item["removed"] == "2025-11-29T10:00:00+00:00"
    assert item["history"][-1]["field"] == "removed"
    assert item["history"][-1]["note"] == "duplicate of A1"
    again = summit("update", "A2", "--status", "signed")
    assert again.code == 1 and "removed" in again.stderr


def test_export_import_round_trip_is_lossless(summit, tmp_path):
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-12-05T15:00", "--note", "done",
              TRACKER_NOW="2025-12-06T10:00:00Z")
    summit.ok("remove", "A2")
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    other = tmp_path / "other.db"
    summit.ok("import", str(exported), TRACKER_DB=str(other))
    again = summit.ok("export", TRACKER_DB=str(other)).json()
    assert again == json.loads(exported.read_text())


def test_import_twice_changes_nothing(summit, tmp_path):
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    other = tmp_path / "other.db"
    summit.ok("import", str(exported), TRACKER_DB=str(other))
    first = summit.ok("export", TRACKER_DB=str(other)).stdout
    run = summit.ok("import", str(exported), TRACKER_DB=str(other))
    assert "imported 0 items" in run.stderr and "4 already here" in run.stderr
    assert summit.ok("export", TRACKER_DB=str(other)).stdout == first


def test_import_into_a_database_with_those_refs_renumbers_and_keeps_links(summit, tmp_path):
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    other = tmp_path / "other.db"
    summit.ok("add", "event", "Another summit", TRACKER_DB=str(other))
    summit.ok("import", str(exported), TRACKER_DB=str(other))
    items = {i["title"]: i for i in summit.ok("list", "--all", "--json", TRACKER_DB=str(other)).json()}
    assert items["23rd India-Russia Annual Summit"]["ref"] == "E2"
    assert items["State banquet"]["parent"] == "E2"
    assert items["Labour mobility pact"]["event"] == "E2"


def test_seed_and_news_replay(tracker):
    tracker.ok("import", str(SEED))
    before = {i["title"]: i["status"] for i in tracker.ok("list", "--json").json()}
    assert before["Labour mobility pact"] == "expected"
    assert before["23rd India-Russia Annual Summit"] == "confirmed"
    run = tracker.ok("apply", str(NEWS), TRACKER_NOW="2025-12-12T09:00:00Z")
    assert "applied" in run.stderr
    after = {i["title"]: i for i in tracker.ok("list", "--all", "--json", TRACKER_NOW="2025-12-12T09:00:00Z").json()}
    assert after["Labour mobility pact (agreement on temporary labour activity)"]["status"] == "signed"
    assert after["Additional S-400 air defence systems"]["status"] == "stalled"
    assert after["23rd India-Russia Annual Summit"]["status"] == "held"
    assert after["State banquet hosted by President Droupadi Murmu"]["start"] == "2025-12-05"
    assert after["US-India trade talks, New Delhi"]["status"] == "held"
    signed = [i for i in after.values() if i["type"] == "agreement" and i["status"] == "signed"]
    assert len(signed) >= 12
    still_open = [i["ref"] for i in tracker.ok("list", "--json", TRACKER_NOW="2025-12-12T09:00:00Z").json()]
    assert "A2" not in still_open and "A1" in still_open


def test_apply_is_all_or_nothing(seeded, tmp_path):
    news = json.loads(NEWS.read_text())
    news["updates"].append({"ref": "A99", "set": {"status": "signed"}})
    broken = tmp_path / "news.json"
    broken.write_text(json.dumps(news))
    before = seeded.dump()
    run = seeded("apply", str(broken), TRACKER_NOW="2025-12-12T09:00:00Z")
    assert run.code == 2
    assert f"update {len(news['updates'])}" in run.stderr and "A99" in run.stderr
    assert seeded.dump() == before


def test_bare_tracker_prints_help(tracker):
    run = tracker.ok()
    assert "Usage" in run.stdout and "update" in run.stdout


def test_version(tracker):
    from tracker import __version__

    assert tracker.ok("--version").stdout.strip() == f"tracker {__version__}"


def test_db_option_beats_the_environment(tracker, tmp_path):
    chosen = tmp_path / "chosen.db"
    tracker.ok("--db", str(chosen), "add", "event", "Somewhere else")
    assert chosen.exists()
    assert tracker.ok("list", "--json").json() == []
