"""tracker undo and tracker retract: mistakes reversed by new logged changes, never deleted rows."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import NEWS, SEED, TRACKER_BIN
from tracker.store import SCHEMA_VERSION

V4_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v4.sql"


def items(tracker) -> dict[str, dict]:
    """Every item, removed ones too (as `export` has them), by ref, without when it was last updated."""
    found = {}
    for item in tracker.ok("export").json()["items"]:
        found[item["ref"]] = {key: value for key, value in item.items() if key not in ("updated",)}
    return found


def log_rows(tracker) -> list[tuple]:
    """The log's rows as stored (id, item_id, field, old, new, note), on either backend."""
    header, *rows = [row[1:] for row in tracker.dump(shape=False) if row[0] == "changes"]
    wanted = [header[0].index(column) for column in ("id", "item_id", "field", "old", "new", "note")]
    return [tuple(row[index] for index in wanted) for row in rows]


def last_command(tracker) -> int:
    return tracker.ok("undo", "--list", "--limit", "1", "--json").json()[0]["command"]


def test_undo_of_update_puts_every_field_back_as_new_logged_changes(summit):
    before, rows = items(summit), log_rows(summit)
    summit.ok("update", "A1", "--status", "signed", "--title", "Wrong pact", "--party", "India",
              "--tag", "oops", "--sector", "trade", "--due", "2025-12-20", "--clear", "event",
              "--note", "signed today")
    assert items(summit) != before
    run = summit.ok("undo")
    assert "undid command" in run.stderr and "update A1" in run.stderr
    assert items(summit) == before
    after = log_rows(summit)
    assert after[:len(rows)] == rows                    # nothing deleted, nothing rewritten
    undone = [row for row in after if row[5] and row[5].startswith("undo of command")]
    assert {row[2] for row in undone} == {"status", "title", "parties", "tags", "sector", "due", "event"}
    history = summit.ok("history", "A1", "--json").json()
    assert history[-1]["note"].startswith("undo of command") and all("id" in entry for entry in history)


def test_undo_of_an_event_update_puts_its_times_and_zone_back(summit):
    before = items(summit)
    summit.ok("update", "E1", "--tz", "Europe/Moscow", "--start", "2025-12-03T10:00", "--end", "2025-12-03T18:00",
              "--location", "Moscow", "--series", "India-Russia Annual Summit", "--number", "23")
    summit.ok("undo")
    assert items(summit) == before
    listed = summit.ok("list", "events", "--from", "2025-12-04", "--to", "2025-12-04", "--json").json()
    assert "E1" in [item["ref"] for item in listed]     # its UTC times, put back too


def test_undo_of_add_removes_the_item_and_undo_of_remove_restores_it(summit):
    summit.ok("add", "agreement", "Stray agreement", "--event", "E1")
    summit.ok("undo")
    shown = summit.ok("show", "A3", "--json").json()
    assert shown["removed"] and shown["history"][-1]["field"] == "removed"
    assert "A3" not in [item["ref"] for item in summit.ok("list", "--json").json()]

    before = items(summit)
    summit.ok("remove", "A2")
    assert items(summit)["A2"]["removed"]
    summit.ok("undo")
    assert items(summit) == before
    assert "restored" in summit.ok("history", "A2").stdout


def test_undo_of_remove_detach_relinks_what_was_in_the_event(summit):
    before = items(summit)
    summit.ok("remove", "E1", "--detach")
    assert items(summit)["A1"]["event"] is None
    summit.ok("undo")
    assert items(summit) == before


def test_undo_of_import_reverses_the_whole_import(tracker):
    tracker.ok("add", "event", "Already here", "--start", "2025-12-01")
    before = items(tracker)
    run = tracker.ok("import", str(SEED))
    assert "imported 13 items" in run.stderr
    tracker.ok("undo")
    after = items(tracker)
    assert {ref for ref, item in after.items() if not item["removed"]} == set(before)
    assert after[next(iter(before))] == next(iter(before.values()))
    # One command: the whole import is reversed by one undo, in one transaction.
    assert "nothing to undo" not in tracker("undo", "--list").stderr
    assert len([c for c in tracker.ok("undo", "--list", "--json").json() if c["name"] == "undo"]) == 1


def test_undo_of_apply_reverses_every_update_of_the_file(seeded):
    before = items(seeded)
    report_before = seeded.ok("report", "--week", "2025-W49", "--format", "json",
                              TRACKER_NOW="2025-12-12T09:00:00Z").json()
    seeded.ok("apply", str(NEWS), TRACKER_NOW="2025-12-12T09:00:00Z")
    assert items(seeded) != before
    seeded.ok("undo", TRACKER_NOW="2025-12-12T09:00:00Z")
    assert {ref: item for ref, item in items(seeded).items() if not item["removed"]} == before
    # Its notes are retracted: the week's report is as it was (the field changes and their
    # reversals are all that is left of it, dated on the day of the undo).
    report_after = seeded.ok("report", "--week", "2025-W49", "--format", "json",
                             TRACKER_NOW="2025-12-12T09:00:00Z").json()
    noted = [change for change in report_after["changes"] if change["field"] is None]
    assert noted == [change for change in report_before["changes"] if change["field"] is None]


def test_repeated_undo_walks_back_and_never_redoes(summit):
    states = [items(summit)]
    for status in ("negotiating", "initialled", "signed"):
        summit.ok("update", "A1", "--status", status)
        states.append(items(summit))
    summit.ok("undo")
    assert items(summit) == states[2]
    summit.ok("undo")                   # the command before, not the undo just made
    assert items(summit) == states[1]
    summit.ok("undo")
    assert items(summit) == states[0]
    listed = summit.ok("undo", "--list", "--json").json()
    assert [c["name"] for c in listed[:3]] == ["undo"] * 3
    assert [c["undone_by"] is not None for c in listed[3:6]] == [True] * 3


def test_undo_works_across_processes(summit):
    env = {**os.environ, "TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC"}

    def run(*args):
        return subprocess.run([str(TRACKER_BIN), *args], env=env, capture_output=True, text=True, check=True)

    before = items(summit)
    run("update", "A2", "--status", "signed")
    run("update", "A1", "--title", "Mistake")
    run("undo")
    assert items(summit)["A1"] == before["A1"] and items(summit)["A2"]["status"] == "signed"
    run("undo")
    assert items(summit) == before


def test_undo_refuses_when_a_later_command_changed_the_same_field(summit):
    summit.ok("update", "A1", "--status", "negotiating")
    first = last_command(summit)
    summit.ok("update", "A2", "--status", "signed")      # another item: no conflict
    summit.ok("update", "A1", "--status", "initialled")
    later = last_command(summit)
    before = summit.dump()
    run = summit("undo", str(first))
    assert run.code == 1 and "A1" in run.stderr and f"command {later}" in run.stderr
    assert "negotiating → initialled" in run.stderr and "--force" in run.stderr
    assert summit.dump() == before                     # refused: nothing written
    summit.ok("undo", str(first), "--force")
    assert items(summit)["A1"]["status"] == "expected"
    assert items(summit)["A2"]["status"] == "signed"


def test_undo_of_one_command_leaves_the_others(summit):
    summit.ok("update", "A2", "--status", "in-force")      # the wrong item
    mistake = last_command(summit)
    summit.ok("update", "A1", "--status", "signed")
    summit.ok("undo", str(mistake))
    now = items(summit)
    assert now["A2"]["status"] == "negotiating" and now["A1"]["status"] == "signed"
    run = summit("undo", str(mistake))
    assert run.code == 1 and "undone already" in run.stderr


def test_undo_list_shows_what_undo_would_reverse(summit):
    summit.ok("update", "A1", "--status", "signed", "--note", "signed at last")
    text = summit.ok("undo", "--list", "--limit", "2").stdout
    lines = text.splitlines()
    assert lines[0].startswith("command 5: update A1") and "tracker undo` reverses this" in lines[0]
    assert "status expected → signed" in lines[1] and "signed at last" in lines[1]
    assert lines[2].startswith("command 4: add A2")
    assert len([line for line in lines if line.startswith("command")]) == 2
    summit.ok("undo")
    listed = summit.ok("undo", "--list", "--json").json()
    assert listed[0]["undoes"] == 5 and listed[1]["undone_by"] == listed[0]["command"]
    assert [c["next"] for c in listed] == [False, False, True, False, False, False]


def test_undo_says_why_when_there_is_nothing_to_undo(tracker):
    run = tracker("undo")
    assert run.code == 1 and "nothing to undo: no command" in run.stderr
    tracker.ok("add", "event", "Summit")
    tracker.ok("undo")
    run = tracker("undo")
    assert run.code == 1 and "undone already" in run.stderr
    run = tracker("undo", "2")
    assert run.code == 1 and "is an undo" in run.stderr
    run = tracker("undo", "99")
    assert run.code == 2 and "no command 99" in run.stderr


def test_undo_of_an_add_with_later_items_in_it_is_refused(summit):
    summit.ok("add", "event", "Side meeting", "--start", "2025-12-05")
    event_command = last_command(summit)
    summit.ok("add", "agreement", "Side deal", "--event", "E3")
    run = summit("undo", str(event_command))
    assert run.code == 1 and "E3" in run.stderr
    summit.ok("undo")       # the agreement first, then the event
    summit.ok("undo")
    assert items(summit)["E3"]["removed"]


def test_a_note_is_retracted_and_leaves_the_report(summit):
    summit.ok("update", "E1", "--note", "Stray note about the wrong summit", TRACKER_NOW="2025-11-29T11:00:00Z")
    report = summit.ok("report", "--format", "json").json()
    assert any(c["note"] == "Stray note about the wrong summit" for c in report["changes"])
    counted = report["headline"]["changes"]
    change_id = [c for c in summit.ok("history", "E1", "--json").json() if c["field"] is None][0]["id"]

    run = summit.ok("retract", str(change_id))
    assert "retracted" in run.stderr
    report = summit.ok("report", "--format", "json").json()
    assert not any(c["note"] == "Stray note about the wrong summit" for c in report["changes"])
    assert not any(c["field"] == "retracted" for c in report["changes"])
    assert report["headline"]["changes"] == counted - 1
    for fmt in ("text", "md", "html"):
        assert "Stray note" not in summit.ok("report", "--format", fmt).stdout
    # Still in the log, marked.
    history = summit.ok("history", "E1", "--json").json()
    assert [c["retracted"] for c in history if c["id"] == change_id] == [True]
    assert "(retracted)" in summit.ok("history", "E1").stdout

    again = summit("retract", str(change_id))
    assert again.code == 1 and "retracted already" in again.stderr
    a_field = summit.ok("history", "A1", "--json").json()[0]["id"]
    refused = summit("retract", str(a_field))
    assert refused.code == 2 and "tracker undo" in refused.stderr
    assert summit("retract", "999").code == 2

    summit.ok("undo")           # the retraction withdrawn: the note is back
    report = summit.ok("report", "--format", "json").json()
    assert any(c["note"] == "Stray note about the wrong summit" for c in report["changes"])
    assert report["headline"]["changes"] == counted


def test_undo_of_a_note_retracts_it(summit):
    summit.ok("update", "A1", "--note", "stray")
    summit.ok("undo")
    report = summit.ok("report", "--format", "json").json()
    assert not any(c["note"] == "stray" for c in report["changes"])
    assert [c["retracted"] for c in summit.ok("history", "A1", "--json").json() if c["note"] == "stray"] == [True]


def test_commands_are_append_only(summit):
    before = summit.dump()
    for sql in ("UPDATE commands SET name = 'x'", "DELETE FROM commands"):
        # The engine's error (sqlite3's or psycopg's), with the trigger's words.
        with pytest.raises(Exception, match="append-only"):
            summit.execute(sql)
    assert summit.dump() == before
    # Every row of the log belongs to a command.
    header, *changes = [row[1:] for row in before if row[0] == "changes"]
    assert changes and all(change[header[0].index("command_id")] is not None for change in changes)


@pytest.mark.sqlite_only
def test_a_version_4_database_is_migrated_without_loss(tracker):
    conn = sqlite3.connect(tracker.db)
    conn.executescript(V4_SCHEMA.read_text())
    conn.execute("INSERT INTO items (uid, type, num, title, kind, status, created, updated) VALUES "
                 "('u1', 'agreement', 1, 'Old pact', 'pact', 'signed', '2024-07-01T00:00:00+00:00', "
                 "'2024-07-01T00:00:00+00:00')")
    conn.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, note) VALUES "
                 "(1, 'created', 'signed', '2024-07-01', '2024-06-30T21:00:00Z', '2024-07-01T00:00:00+00:00', 'kept')")
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    dump = [line for line in conn.iterdump() if line.startswith("INSERT")]
    conn.close()

    shown = tracker.ok("show", "A1", "--json").json()
    assert shown["title"] == "Old pact" and shown["history"][0]["note"] == "kept"
    conn = sqlite3.connect(tracker.db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT command_id FROM changes").fetchall() == [(None,)]
    kept = [line for line in conn.iterdump() if line.startswith('INSERT INTO "items"')]
    conn.close()
    assert kept == [line for line in dump if line.startswith('INSERT INTO "items"')]
    # Changes from before commands were recorded are out of undo's reach, and it says so.
    run = tracker("undo")
    assert run.code == 1 and "schema version 5" in run.stderr
    tracker.ok("update", "A1", "--status", "in-force")
    tracker.ok("undo")
    assert tracker.ok("show", "A1", "--json").json()["status"] == "signed"

    from test_series import _shape

    fresh = tracker.db.parent / "fresh.db"
    tracker.ok("list", TRACKER_DB=str(fresh))
    assert _shape(tracker.db) == _shape(fresh)


def test_an_export_keeps_retractions_through_an_import(summit, tmp_path):
    summit.ok("add", "event", "Other", "--note", "first note")      # ids here differ from the copy's
    summit.ok("update", "E1", "--note", "Stray note", TRACKER_NOW="2025-11-29T11:00:00Z")
    summit.ok("update", "E1", "--note", "Kept note", TRACKER_NOW="2025-11-29T11:30:00Z")
    stray = [c for c in summit.ok("history", "E1", "--json").json() if c["note"] == "Stray note"][0]["id"]
    summit.ok("retract", str(stray))
    exported = tmp_path / "export.json"
    summit.ok("export", "-o", str(exported))
    other = tmp_path / "other.db"
    summit.ok("add", "agreement", "Already in the other one", TRACKER_DB=str(other))
    summit.ok("import", str(exported), TRACKER_DB=str(other))
    history = summit.ok("history", "--json", TRACKER_DB=str(other)).json()
    assert [c["note"] for c in history if c["retracted"]] == ["Stray note"]
    report = summit.ok("report", "--format", "json", TRACKER_DB=str(other)).json()
    assert "Kept note" in [c["note"] for c in report["changes"]]
    assert "Stray note" not in [c["note"] for c in report["changes"]]
    # A retraction that names no entry of its item in the file is refused.
    document = json.loads(exported.read_text())
    retraction = next(entry for entry in document["history"] if entry["field"] == "retracted")
    retraction["new"] = "1"
    exported.write_text(json.dumps(document))
    run = summit("import", str(exported), TRACKER_DB=str(tmp_path / "third.db"))
    assert run.code == 2 and "retraction" in run.stderr


@pytest.mark.sqlite_only
def test_undo_of_a_large_import_ends_where_a_row_by_row_undo_ends(tracker, tmp_path, monkeypatch):
    from test_bulk_import import AGREEMENTS, contents, document

    from tracker import undo

    path = tmp_path / "large.json"
    path.write_text(json.dumps(document()))
    other = tmp_path / "row-by-row.db"
    for db in (tracker.db, other):
        tracker.ok("add", "event", "Here before", "--note", "reactor talks resumed", TRACKER_DB=str(db))
        tracker.ok("import", str(path), TRACKER_DB=str(db))
    run = tracker.ok("undo")                                     # the bulk road
    assert len(run.stderr.splitlines()) == 1 + undo.LISTED_CHANGES + 1 and "more changes" in run.stderr
    monkeypatch.setattr(undo, "BULK_ROWS", 10 ** 9)
    tracker.ok("undo", TRACKER_DB=str(other))
    bulk, rows = contents(tracker.db), contents(other)
    conn = sqlite3.connect(tracker.db)
    assert conn.execute("SELECT id FROM items WHERE removed IS NULL").fetchall() == [(1,)]   # all but E1
    assert conn.execute("SELECT count(*) FROM changes WHERE field = 'removed' AND note LIKE 'undo of%'"
                        ).fetchone()[0] == 12 + AGREEMENTS - AGREEMENTS // 50     # every 50th came removed
    conn.close()
    assert (1,) in bulk["found"]
    for db in (bulk, rows):
        db["items"] = [item[:1] + item[2:] for item in db["items"]]      # but E1's uid, made at random
    for table in rows:
        assert bulk[table] == rows[table], table
    listed = tracker.ok("undo", "--list", "--json").json()
    imported = sqlite3.connect(tracker.db).execute("SELECT count(*) FROM changes WHERE command_id = ?",
                                                   (listed[1]["command"],)).fetchone()[0]
    assert listed[1]["total"] == imported > undo.LISTED_CHANGES == len(listed[1]["changes"])


def test_two_undos_at_once_reverse_two_commands(summit):
    env = {**os.environ, "TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "UTC"}
    before = items(summit)
    summit.ok("update", "A1", "--status", "signed")
    summit.ok("update", "A2", "--status", "signed")
    both = [subprocess.Popen([str(TRACKER_BIN), "undo"], env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    said = sorted(process.communicate()[1] for process in both)
    assert [process.returncode for process in both] == [0, 0]
    assert "update A1" in said[0] and "update A2" in said[1]
    assert items(summit) == before


def test_a_refusal_quotes_a_long_value_in_part(summit):
    summit.ok("update", "A1", "--title", "First title")
    first = last_command(summit)
    summit.ok("update", "A1", "--title", "x" * 100_000)
    run = summit("undo", str(first))
    assert run.code == 1 and len(run.stderr) < 500 and "xxx…" in run.stderr


def test_a_retracted_note_does_not_keep_an_item_from_being_quiet(summit):
    later = {"TRACKER_NOW": "2026-01-10T10:00:00Z"}      # 40 days on: nothing logged in the last 30

    def quiet():
        return [item["ref"] for item in summit.ok("report", "--format", "json", **later).json()["quiet"]]

    assert "A1" in quiet()
    summit.ok("update", "A1", "--note", "stray", TRACKER_NOW="2026-01-05T10:00:00Z")
    assert "A1" not in quiet()
    summit.ok("undo", **later)
    assert "A1" in quiet()


def test_undo_refuses_when_a_later_undo_put_another_value_there(summit):
    summit.ok("update", "A1", "--status", "signed")
    first = last_command(summit)
    summit.ok("update", "A1", "--status", "ratified")
    second = last_command(summit)
    summit.ok("undo", str(first), "--force")       # status back to expected, over the second's ratified
    before = log_rows(summit)
    run = summit("undo", str(second))
    assert run.code == 1 and run.stderr.count("\n") == 1, run.stderr
    assert "an undo" in run.stderr and "--force" in run.stderr
    assert log_rows(summit) == before
    assert summit.ok("show", "A1", "--json").json()["status"] == "expected"


def test_undo_walks_back_past_an_undo_that_left_the_value_it_set(summit):
    summit.ok("update", "A1", "--status", "signed")
    summit.ok("update", "A1", "--status", "ratified")
    summit.ok("undo")       # ratified -> signed: as the first update set it
    summit.ok("undo")       # signed -> expected: no conflict
    assert summit.ok("show", "A1", "--json").json()["status"] == "expected"
