"""tracker check: what other clients can do to the database is found, repaired where it
can be without deleting a logged change, and writes wait for the repair. On SQLite, any
client (foreign keys off); on PostgreSQL, a superuser past the triggers and keys
(session_replication_role = replica), or one who drops or alters tracker's triggers."""

from __future__ import annotations

import sqlite3
import timeit
from functools import partial
from pathlib import Path

import pytest

from tracker.store import Store


def sql(tracker, *statements: str) -> None:
    """Write as another client would: the sqlite3 module, foreign keys off (its default);
    psql's way on PostgreSQL (one session, tracker's schema on its search_path)."""
    if tracker.backend == "postgres":
        import psycopg

        with psycopg.connect(tracker.db, autocommit=True) as conn:
            conn.execute("SET search_path TO tracker")
            for statement in statements:
                conn.execute(statement)
        return
    conn = sqlite3.connect(tracker.db)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def sql_past_keys(tracker, *statements: str) -> None:
    """Write rows that refer to nothing: SQLite's clients have foreign keys off; on
    PostgreSQL it takes a superuser's replica mode."""
    sql(tracker, *(["SET session_replication_role = replica"] if tracker.backend == "postgres" else []), *statements)


def rows(tracker, query: str) -> list[tuple]:
    if tracker.backend == "postgres":
        import psycopg

        with psycopg.connect(tracker.db, autocommit=True) as conn:
            conn.execute("SET search_path TO tracker")
            return conn.execute(query).fetchall()
    conn = sqlite3.connect(tracker.db)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


def log_rows(tracker) -> list[tuple]:
    return rows(tracker, "SELECT * FROM changes ORDER BY id")


@pytest.fixture
def followed(summit):
    """The summit case, with each kind of logged change made once."""
    summit.ok("update", "A1", "--status", "negotiating", "--party", "India", "--party", "Russia",
              "--party", "UAE", "--tag", "labour")
    summit.ok("update", "E2", "--title", "State banquet at Rashtrapati Bhavan", "--location", "New Delhi")
    summit.ok("update", "A2", "--event", "E2", "--due", "2025-12-20", "--note", "due by the 20th")
    summit.ok("update", "E1", "--series", "India-Russia Annual Summit", "--number", "23")
    summit.ok("add", "agreement", "Visa pact", "--status", "rumoured")
    summit.ok("remove", "A3")
    return summit


def test_a_database_tracker_wrote_is_clean(followed):
    run = followed.ok("check")
    assert run.stdout == "" and run.stderr == "No problems found.\n"
    assert followed.ok("check", "--json").json() == []


def test_an_imported_log_is_clean_though_written_in_the_order_things_happened(tracker, tmp_path):
    # A status dated before an earlier one is written after it by `update`, before it by
    # an import (the export lists the log by date): its last word is the same.
    tracker.ok("add", "agreement", "Pact", "--status", "expected", TRACKER_NOW="2025-11-20T10:00:00Z")
    tracker.ok("update", "A1", "--status", "negotiating", "--on", "2025-11-25", TRACKER_NOW="2025-11-26T10:00:00Z")
    tracker.ok("update", "A1", "--status", "initialled", "--on", "2025-11-22", TRACKER_NOW="2025-11-27T10:00:00Z")
    tracker.ok("update", "A1", "--status", "signed", "--on", "2025-11-10", TRACKER_NOW="2025-11-28T10:00:00Z")
    tracker.ok("check")
    exported = tmp_path / "all.json"
    tracker.ok("export", "-o", str(exported))
    copy = tmp_path / "copy.db"
    tracker.ok("import", str(exported), TRACKER_DB=str(copy))
    assert tracker.ok("check", TRACKER_DB=str(copy)).stderr == "No problems found.\n"


def test_an_import_that_renumbers_events_logs_them_by_their_numbers_here(tracker, tmp_path):
    tracker.ok("add", "event", "Summit", "--start", "2025-12-04")
    tracker.ok("add", "event", "Visit", "--start", "2025-12-10")
    tracker.ok("add", "agreement", "Pact", "--event", "E1")
    tracker.ok("update", "A1", "--event", "E2")
    exported = tmp_path / "all.json"
    tracker.ok("export", "-o", str(exported))
    other = str(tmp_path / "other.db")
    for title in ("Talks", "Meeting"):
        tracker.ok("add", "event", title, "--start", "2025-12-01", TRACKER_DB=other)
    tracker.ok("import", str(exported), TRACKER_DB=other)       # E1, E2 are taken: E3, E4
    moved = tracker.ok("history", "A1", "--json", TRACKER_DB=other).json()[-1]
    assert (moved["field"], moved["old"], moved["new"]) == ("event", "E3", "E4")
    assert tracker.ok("check", TRACKER_DB=other).stderr == "No problems found.\n"


# Each kind of harm: what another client does, and the finding it gives (kind, ref,
# field, and a piece of its line).
HARM = {
    "dropped trigger": (["DROP TRIGGER changes_are_never_deleted"],
                        ("schema", None, "changes_are_never_deleted"), "trigger changes_are_never_deleted is missing"),
    "altered trigger": (["DROP TRIGGER changes_are_never_updated",
                         "CREATE TRIGGER changes_are_never_updated BEFORE UPDATE ON changes BEGIN SELECT 1; END"],
                        ("schema", None, "changes_are_never_updated"),
                        "trigger changes_are_never_updated differs from tracker's"),
    "trigger not tracker's": (["CREATE TRIGGER quiet AFTER INSERT ON changes BEGIN SELECT 1; END"],
                              ("schema", None, "quiet"), "trigger quiet is not tracker's"),
    "altered index": (["DROP INDEX items_by_status", "CREATE INDEX items_by_status ON items (status)"],
                      ("schema", None, "items_by_status"), "index items_by_status differs from tracker's"),
    "dropped index": (["DROP INDEX changes_by_item"], ("schema", None, "changes_by_item"),
                      "index changes_by_item is missing"),
    "dropped table": (["DROP TABLE agreement_counts"], ("schema", None, "agreement_counts"),
                      "table agreement_counts is missing"),
    "dropped search index": (["DROP TABLE item_search"], ("schema", None, "item_search"),
                             "table item_search is missing"),
    "status changed outside": (["UPDATE items SET status = 'signed' WHERE type = 'agreement' AND num = 2"],
                               ("drift", "A2", "status"),
                               "A2: status is signed, but its log says negotiating (changed outside tracker)"),
    "parties changed outside": (["UPDATE item_parties SET party = 'France' WHERE item_id = 3 AND position = 2"],
                                ("drift", "A1", "parties"), "A1: parties is \"India, Russia, France\", but its "
                                                            "log says \"India, Russia, UAE\""),
    "title changed outside": (["UPDATE items SET title = 'Dinner' WHERE type = 'event' AND num = 2"],
                              ("drift", "E2", "title"),
                              "E2: title is Dinner, but its log says \"State banquet at Rashtrapati Bhavan\""),
    "event changed outside": (["UPDATE items SET event_id = 1 WHERE type = 'agreement' AND num = 2"],
                              ("drift", "A2", "event"), "A2: event is E1, but its log says E2"),
    "number changed outside": (["UPDATE items SET series_number = 24 WHERE type = 'event' AND num = 1"],
                               ("drift", "E1", "number"), "E1: number is 24, but its log says 23"),
    "removal undone outside": (["UPDATE items SET removed = NULL WHERE type = 'agreement' AND num = 3"],
                               ("drift", "A3", "removed"), "A3: removed is empty, but its log says removed"),
    "added outside": ([
        "INSERT INTO items (uid, type, num, title, kind, status, created, updated) VALUES "
        "('u-x', 'agreement', 9, 'Secret protocol', 'other', 'signed', '2025-11-29T10:00:00+00:00', "
        "'2025-11-29T10:00:00+00:00')"], ("drift", "A9", "created"), "A9: its log has no creation"),
    "orphan log row": ([
        "INSERT INTO changes (item_id, field, old, new, happened, happened_utc, recorded) VALUES "
        "(9999, 'status', NULL, 'signed', '2025-11-29', '2025-11-28T23:00:00Z', '2025-11-29T10:00:00+00:00')"],
        ("orphan", None, "item_id"), "is logged on item 9999, which does not exist"),
    "junk happened": ([
        "INSERT INTO changes (item_id, field, happened, happened_utc, recorded, note) VALUES "
        "(3, NULL, 'last week', '2025-11-28T23:00:00Z', '2025-11-29T10:00:00+00:00', 'a note')"],
        ("junk", "A1", "happened"), "A1: happened of change 16 is \"last week\", not a day or time"),
    "impossible due date": (["UPDATE items SET due = '2025-02-30' WHERE type = 'agreement' AND num = 2"],
                            ("junk", "A2", "due"), "A2: due is 2025-02-30, not a day or time"),
    "junk start instant": (["UPDATE items SET starts_utc = 'zzz' WHERE id = 1"],
                           ("junk", "E1", "starts_utc"), "E1: starts_utc is zzz, not a UTC time as tracker writes it"),
    "date outside the range": (["UPDATE items SET starts = '1899-12-31' WHERE id = 1"],
                               ("junk", "E1", "starts"), "E1: starts is 1899-12-31, not a day or time as tracker "
                               "writes it (from 1900-01-01 to 2199-12-31)"),
    "junk zone": (["UPDATE items SET tz = 'Mars/Olympus_Mons' WHERE id = 2"],
                  ("junk", "E2", "tz"), "E2: tz is Mars/Olympus_Mons, not a time zone"),
    "counts out of step": (["DROP TRIGGER agreement_counts_on_update",
                            "UPDATE items SET status = 'stalled' WHERE type = 'agreement' AND num = 2"],
                           ("derived", None, "agreement_counts"), "agreement counts: "),
}
# What a repair cannot mend: the log is append-only, and the right value of a junk
# date is not known.
NOT_REPAIRED = {"orphan log row", "junk happened", "impossible due date", "date outside the range", "junk zone"}
# The same harm on PostgreSQL, where its SQL differs: a row past the keys needs a
# superuser's replica mode (no keys, no triggers), a trigger is dropped from its table.
PG_STATEMENTS = {
    "orphan log row": ["SET session_replication_role = replica", *HARM["orphan log row"][0]],
    "counts out of step": ["DROP TRIGGER agreement_counts_on_update ON items", HARM["counts out of step"][0][1]],
}
# PostgreSQL's safeguards: tracker's triggers, against the record tracker keeps of them.
PG_HARM = {
    "dropped trigger": (["DROP TRIGGER changes_are_never_deleted ON changes"],
                        ("schema", None, "changes_are_never_deleted"), "schema: trigger changes_are_never_deleted "
                                                                       "is missing"),
    "disabled trigger": (["ALTER TABLE changes DISABLE TRIGGER changes_are_never_updated"],
                         ("schema", None, "changes_are_never_updated"), "schema: trigger changes_are_never_updated "
                                                                        "is disabled"),
    "altered function": (["CREATE OR REPLACE FUNCTION item_search_on_title() RETURNS trigger LANGUAGE plpgsql "
                          "AS $$ BEGIN RETURN NULL; END; $$"],
                         ("schema", None, "item_search_on_title"), "schema: trigger item_search_on_title was altered"),
    "trigger not tracker's": (["CREATE TRIGGER quiet AFTER INSERT ON changes FOR EACH ROW "
                               "EXECUTE FUNCTION tracker_refuse('quiet')"],
                              ("schema", None, "quiet"), "schema: trigger quiet is not tracker's"),
    "record of the triggers gone": (["UPDATE tracker_schema SET safeguards = NULL"],
                                    ("schema", None, "tracker_schema"),
                                    "schema: the record of tracker's triggers is missing"),
}
# PostgreSQL's indexes and views, against schema.pg.sql's: not safeguards (writes go
# on), but found, and made again (or dropped) by a repair.
PG_OBJECT_HARM = {
    "dropped index": (["DROP INDEX changes_by_item"], ("schema", None, "changes_by_item"),
                      "schema: index changes_by_item is missing"),
    "index not tracker's": (["CREATE INDEX items_by_title ON items (title)"], ("schema", None, "items_by_title"),
                            "schema: index items_by_title is not tracker's (not in schema.pg.sql)"),
    "dropped view": (["DROP VIEW agreements"], ("schema", None, "agreements"), "schema: view agreements is missing"),
    "view not tracker's": (["CREATE VIEW signed AS SELECT * FROM items WHERE status = 'signed'"],
                           ("schema", None, "signed"), "schema: view signed is not tracker's (not in schema.pg.sql)"),
}
# What a repair cannot mend on PostgreSQL: a table or a column gone with its rows (the
# log's, or what the triggers keep). The lines it gives, each with the way out.
PG_RESTORE = (": a repair cannot make it again with its rows; restore the database from its last backup "
              "(pg_restore, or `tracker copy --from` a `tracker backup` file into an empty database)")
PG_LOST = {
    "dropped log": (["DROP TABLE changes CASCADE"], [f"schema: table changes is missing{PG_RESTORE}",
                                                     "schema: view log is missing"]),
    "dropped counts": (["DROP TABLE agreement_counts"], [f"schema: table agreement_counts is missing{PG_RESTORE}"]),
    "renamed table": (["ALTER TABLE feeds RENAME TO sources"],
                      [f"schema: table feeds is missing{PG_RESTORE}",
                       "schema: table sources is not tracker's (not in schema.pg.sql)"]),
    "dropped column": (["ALTER TABLE items DROP COLUMN location CASCADE"],
                       [f"schema: column items.location is missing{PG_RESTORE}", "schema: view events is missing"]),
    "renamed column": (["ALTER TABLE items RENAME COLUMN location TO place"],
                       [f"schema: column items.location is missing{PG_RESTORE}",
                        "schema: column items.place is not tracker's (not in schema.pg.sql)"]),
}
# The harms to the schema SQLite's file has (sqlite_master, FTS5): PostgreSQL's are PG_HARM.
SQLITE_SCHEMA = {name for name, (_, (kind, _, _), _) in HARM.items() if kind == "schema"}


def harm_params(names):
    return [pytest.param(name, marks=pytest.mark.sqlite_only) if name in SQLITE_SCHEMA else name for name in names]


def harmed(tracker, harm: str, harms: dict = HARM) -> None:
    """`harm` (of HARM, or of PG_HARM) done to the tracker's database as another client would do it."""
    if harms is not HARM:
        sql(tracker, *harms[harm][0])
    elif tracker.backend == "postgres":
        sql(tracker, *PG_STATEMENTS.get(harm, HARM[harm][0]))
    else:
        sql(tracker, *HARM[harm][0])


@pytest.mark.parametrize("harm", harm_params(HARM))
def test_check_finds_each_kind_of_harm(followed, harm):
    _check_finds(followed, harm, HARM)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("harm", PG_HARM)
def test_check_on_postgres_finds_each_changed_safeguard(followed, harm):
    _check_finds(followed, harm, PG_HARM)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("harm", PG_OBJECT_HARM)
def test_check_on_postgres_finds_each_changed_index_or_view_and_a_repair_mends_it(followed, harm):
    before = followed.dump()
    _check_finds(followed, harm, PG_OBJECT_HARM)
    _repair_mends(followed, harm, PG_OBJECT_HARM)
    assert [row for row in followed.dump() if row[0] == "-- object"] == [row for row in before if row[0] == "-- object"]


def _check_finds(followed, harm, harms):
    _, (kind, ref, field), words = harms[harm]
    harmed(followed, harm, harms)
    run = followed("check")
    assert run.code == 1, run.stderr
    assert words in run.stdout, run.stdout
    assert "problem" in run.stderr and "Traceback" not in run.stderr
    findings = followed("check", "--json").json()
    assert [kind, ref, field] in [[f["kind"], f["ref"], f["field"]] for f in findings], findings
    assert all(set(f) == {"kind", "ref", "field", "found", "expected", "message"} for f in findings)


@pytest.mark.parametrize("harm", harm_params(sorted(set(HARM) - NOT_REPAIRED)))
def test_repair_mends_each_kind_of_harm_without_deleting_a_logged_change(followed, harm):
    _repair_mends(followed, harm, HARM)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("harm", PG_HARM)
def test_repair_on_postgres_makes_tracker_s_triggers_again(followed, harm):
    before = followed.dump()
    _repair_mends(followed, harm, PG_HARM)
    after = followed.dump()
    # The triggers are tracker's again, as schema.pg.sql makes them: the same shape as before.
    assert [row for row in after if row[0] == "-- object"] == [row for row in before if row[0] == "-- object"]
    with pytest.raises(Exception, match="append-only"):
        sql(followed, "DELETE FROM changes")


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
@pytest.mark.parametrize("harm", PG_LOST)
def test_a_table_or_column_gone_on_postgres_is_found_and_left_to_a_backup(followed, harm):
    statements, lines = PG_LOST[harm]
    sql(followed, *statements)
    run = followed("check")
    assert run.code == 1 and "Traceback" not in run.stderr, run.stderr
    found = run.stdout.splitlines()
    assert all(line in found for line in lines), run.stdout
    # What cannot be read over the missing piece is not read: no second line about it.
    assert not [line for line in found if line.startswith(("database:", "file:"))], run.stdout
    assert run.stderr.endswith("that a repair cannot mend (see each line)\n"), run.stderr
    logged = log_rows(followed) if harm != "dropped log" else None
    repaired = followed("check", "--repair")
    assert repaired.code == 1 and "Traceback" not in repaired.stderr, repaired.stderr
    assert all(line in repaired.stdout.splitlines() for line in lines), repaired.stdout
    assert "that a repair cannot mend" in repaired.stderr, repaired.stderr
    if logged is not None:
        assert log_rows(followed) == logged


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_a_repair_on_postgres_makes_the_other_tables_safeguards_again_beside_a_missing_table(followed):
    """A missing table's triggers and indexes wait for the backup; the rest are mended."""
    sql(followed, "DROP TABLE agreement_counts", "DROP INDEX changes_by_item",
        "DROP TRIGGER changes_are_never_deleted ON changes")
    run = followed("check", "--repair")
    assert run.code == 1, run.stderr
    assert "repaired: made index changes_by_item again from schema.pg.sql" in run.stderr
    assert "repaired: made trigger changes_are_never_deleted again from schema.pg.sql" in run.stderr
    assert followed("check").stdout.splitlines() == [f"schema: table agreement_counts is missing{PG_RESTORE}"]
    with pytest.raises(Exception, match="append-only"):
        sql(followed, "DELETE FROM changes")


def _repair_mends(followed, harm, harms):
    if harms is not PG_OBJECT_HARM:      # done, and found, already
        harmed(followed, harm, harms)
    if harms is PG_HARM:
        # Every open finds it, as on SQLite: writes wait for the repair.
        refused = followed("update", "A1", "--note", "refused until repaired")
        assert refused.code == 1 and "safeguards were changed outside tracker" in refused.stderr, refused.stderr
    logged = log_rows(followed)
    run = followed("check", "--repair")
    assert run.code == 0, run.stdout + run.stderr
    assert "repaired: " in run.stderr and run.stderr.endswith("No problems found.\n")
    assert log_rows(followed)[:len(logged)] == logged       # appended to, never changed
    assert followed.ok("check").stderr == "No problems found.\n"
    followed.ok("update", "A1", "--note", "writes work again")


def test_a_drifted_field_is_logged_as_what_the_item_holds(followed):
    sql(followed, "UPDATE items SET status = 'signed' WHERE type = 'agreement' AND num = 2")
    followed.ok("check", "--repair", TRACKER_NOW="2025-11-30T08:00:00Z")
    last = followed.ok("history", "A2", "--json").json()[-1]
    assert isinstance(last.pop("id"), int) and last.pop("retracted") is False
    assert last == {"ref": "A2", "field": "status", "old": "negotiating", "new": "signed",
                    "on": "2025-11-30T13:30:00+05:30", "recorded": "2025-11-30T08:00:00+00:00", "by": "analyst",
                    "source": None,
                    "note": "changed outside tracker: found signed, log said negotiating"}
    assert followed.ok("show", "A2", "--json").json()["status"] == "signed"     # the item is left as it is


def test_an_item_added_outside_gets_its_creation_logged(followed):
    harmed(followed, "added outside")
    followed.ok("check", "--repair")
    created = followed.ok("history", "A9", "--json").json()
    assert [(c["field"], c["new"]) for c in created] == [("created", "signed")]
    assert created[0]["note"].startswith("added outside tracker")


@pytest.mark.sqlite_only
def test_a_dropped_table_of_counts_is_made_and_filled_again(followed):
    sql(followed, "DROP TABLE agreement_counts")
    followed.ok("check", "--repair")
    assert rows(followed, "SELECT n FROM agreement_counts WHERE event_id = -1 AND status = 'negotiating'") == [(2,)]



@pytest.mark.sqlite_only
def test_a_dropped_search_index_is_made_and_filled_again(followed):
    sql(followed, "DROP TABLE item_search")
    assert followed("list", "--search", "banquet").code == 1
    followed.ok("check", "--repair")
    assert "Rashtrapati Bhavan" in followed.ok("list", "--search", "banquet").stdout
    assert "Labour mobility pact" in followed.ok("list", "--search", "signed", "--all").stdout   # from a note


@pytest.mark.sqlite_only
def test_a_dropped_log_is_made_again_and_every_item_gets_its_creation(followed):
    sql(followed, "DROP TABLE changes")
    assert "schema: table changes is missing" in followed("check").stdout
    followed.ok("check", "--repair")
    assert [c["note"][:22] for c in followed.ok("history", "A1", "--json").json()] == ["added outside tracker:"]


def test_a_junk_instant_is_worked_out_again_from_its_date(followed):
    before = rows(followed, "SELECT starts_utc, ends_utc FROM items WHERE id = 1")
    sql(followed, "UPDATE items SET starts_utc = 'zzz' WHERE id = 1")
    followed.ok("check", "--repair")
    assert rows(followed, "SELECT starts_utc, ends_utc FROM items WHERE id = 1") == before
    followed.ok("list", "--all")


@pytest.mark.parametrize("harm", sorted(NOT_REPAIRED))
def test_what_a_repair_cannot_mend_is_left_and_said(followed, harm):
    harmed(followed, harm)
    logged = log_rows(followed)
    run = followed("check", "--repair")
    assert run.code == 1 and HARM[harm][2] in run.stdout
    assert "that a repair cannot mend" in run.stderr
    assert log_rows(followed) == logged


def test_an_orphan_change_says_how_to_leave_it_behind(followed, tmp_path):
    harmed(followed, "orphan log row")
    line = followed("check").stdout
    assert "export, then import into a new database" in line
    exported = tmp_path / "all.json"
    followed.ok("export", "-o", str(exported))
    followed.ok("import", str(exported), TRACKER_DB=str(tmp_path / "new.db"))
    followed.ok("check", TRACKER_DB=str(tmp_path / "new.db"))


def test_orphan_parties_are_dropped_by_a_repair(followed):
    sql_past_keys(followed, "INSERT INTO item_parties (item_id, position, party) VALUES (9999, 0, 'Atlantis')")
    assert "item_parties: 1 row of item 9999, which does not exist" in followed("check").stdout
    followed.ok("check", "--repair")
    assert rows(followed, "SELECT count(*) FROM item_parties WHERE item_id = 9999") == [(0,)]


@pytest.mark.sqlite_only
def test_a_damaged_file_is_not_repaired(followed):
    # A page of the items table overwritten: SQLite's own check finds it.
    conn = sqlite3.connect(followed.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items_by_status'").fetchone()[0]
    conn.close()
    with open(followed.db, "r+b") as file:
        file.seek((root - 1) * page_size + 8)
        file.write(b"\xff" * 64)
    run = followed("check")
    assert run.code == 1 and run.stdout.startswith("file: ")
    run = followed("check", "--repair")
    assert run.code == 1 and "a repair cannot mend the file" in run.stderr
    assert run.stderr.count("\n") == 1


# -- the safeguards, on every open ----------------------------------------------------

@pytest.mark.parametrize("statements, said", [
    (["DROP TRIGGER changes_are_never_deleted"], "trigger changes_are_never_deleted is missing"),
    (["DROP TRIGGER items_are_never_deleted",
      "CREATE TRIGGER items_are_never_deleted BEFORE DELETE ON items BEGIN SELECT 1; END"],
     "trigger items_are_never_deleted was altered"),
    (["CREATE TRIGGER erase AFTER INSERT ON changes BEGIN DELETE FROM item_tags; END"],
     "trigger erase is not tracker's"),
])
@pytest.mark.sqlite_only
def test_writes_wait_for_a_repair_when_a_safeguard_was_changed(followed, tmp_path, statements, said):
    sql(followed, *statements)
    before = followed.dump()
    refusal = (f"tracker: error: the database's safeguards were changed outside tracker ({said}): "
               "run `tracker check --repair`\n")
    updates = tmp_path / "news.json"
    updates.write_text('{"format": "tracker-updates", "version": 1, "updates": [{"ref": "A1", "set": {"status": "signed"}}]}')
    for args in (["update", "A1", "--status", "signed"], ["add", "event", "Talks"], ["remove", "A1"],
                 ["apply", str(updates)], ["import", str(updates.with_name("none.json"))]):
        run = followed(*args)
        if args[0] == "import":
            continue        # refused for its missing file first: only checked to change nothing
        assert (run.code, run.stdout, run.stderr) == (1, "", refusal), args
    assert followed.dump() == before
    # Reads go on, with a warning after what they print.
    run = followed.ok("list", "--all")
    assert "Labour mobility pact" in run.stdout
    assert run.stderr.endswith(f"tracker: warning: the database's safeguards were changed outside tracker "
                               f"({said}): run `tracker check --repair`\n")
    followed.ok("check", "--repair")
    followed.ok("update", "A1", "--status", "signed")
    assert followed.ok("list").stderr == ""


@pytest.mark.sqlite_only
def test_the_check_on_open_costs_well_under_a_millisecond(followed):
    store = Store(Path(followed.db))
    try:
        check = partial(store.dialect.changed_safeguards, store.conn)
        each = min(timeit.repeat(check, number=200, repeat=5)) / 200
    finally:
        store.close()
    assert each < 0.0005, f"{each * 1e6:.0f} µs"


def test_an_import_drops_and_makes_its_triggers_unseen_by_the_check(tracker, tmp_path):
    # A large import drops the per-row triggers inside its transaction and makes them
    # again from schema.sql: the same text, so the next command finds nothing changed.
    from conftest import SEED

    import json
    document = json.loads(SEED.read_text())
    extra = [{**document["items"][-1], "ref": f"A{100 + n}", "uid": f"bulk-{n}", "title": f"Pact {n}"}
             for n in range(1100)]
    document["items"] += extra
    big = tmp_path / "big.json"
    big.write_text(json.dumps(document))
    tracker.ok("import", str(big))
    assert tracker.ok("check").stderr == "No problems found.\n"
    tracker.ok("update", "A1", "--note", "still writable")


def test_a_repair_is_named_check_in_the_list_of_commands(followed):
    sql(followed, "UPDATE items SET status = 'signed' WHERE type = 'agreement' AND num = 2")
    followed.ok("check", "--repair")
    assert followed.ok("undo", "--list", "--limit", "1", "--json").json()[0]["name"] == "check"


@pytest.mark.sqlite_only
def test_a_trigger_with_a_comment_added_is_found_and_repaired(followed):
    # The check every command makes on open and `tracker check` follow one rule: a
    # trigger the first refuses to write under, the second reports and remakes.
    conn = sqlite3.connect(followed.db)
    sql_text = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'changes_are_never_deleted'").fetchone()[0]
    conn.executescript("DROP TRIGGER changes_are_never_deleted;\n"
                       + sql_text.replace("BEGIN", "BEGIN -- harmless", 1) + ";")
    conn.close()
    assert followed("update", "A1", "--note", "x").code == 1
    run = followed("check")
    assert run.code == 1 and "changes_are_never_deleted" in run.stdout, run.stdout + run.stderr
    followed.ok("check", "--repair")
    followed.ok("update", "A1", "--note", "writes work again")


def test_the_summary_advises_a_repair_for_what_a_repair_mends(followed):
    sql_past_keys(followed, "INSERT INTO item_parties (item_id, position, party) VALUES (9999, 0, 'Nobody')")
    run = followed("check")
    assert run.code == 1 and run.stderr.endswith("run `tracker check --repair`\n"), run.stderr
    assert "dropped 1 parties and tags" in followed.ok("check", "--repair").stderr


# -- the inbox's tables (issue 12) ---------------------------------------------------------

@pytest.fixture
def informed(seeded):
    """The seed case with the feed corpus read: proposals open, accepted, dismissed, and
    an accept undone."""
    corpus = sorted(str(path) for path in (Path(__file__).resolve().parent.parent / "fixtures" / "feeds").glob("*.xml"))
    seeded.env["TRACKER_NOW"] = "2025-12-31T12:00:00Z"
    seeded.ok("news", "--quiet", "--file", *corpus)
    # Read through the CLI: the fixture runs on both engines.
    open_ids = sorted(proposal["id"] for proposal in seeded.ok("inbox", "--json").json())
    seeded.ok("inbox", "accept", str(open_ids[0]))
    seeded.ok("inbox", "dismiss", str(open_ids[1]))
    seeded.ok("inbox", "accept", str(open_ids[2]))
    seeded.ok("undo")
    return seeded


def test_the_inbox_tracker_wrote_is_clean(informed):
    assert informed.ok("check").stderr == "No problems found.\n"


def _open_proposal(tracker, agreement: bool = True) -> int:
    return rows(tracker, "SELECT id FROM proposals WHERE state = 'open' AND ref IS NOT NULL "
                         f"AND item_type = '{'agreement' if agreement else 'event'}' ORDER BY id")[0][0]


@pytest.mark.parametrize("change, words", [
    ("ref = 'A99'", "is open, about A99, which does not exist (an undone import, or written outside tracker)"),
    ("ref = 'E1'", "is about E1, but is marked as a change to an agreement"),
    ("ref = 'A1; drop'", "is about \"A1; drop\", not a reference such as A2 or E1"),
    ("\"set\" = 'nope'", "sets nope, not a JSON object of fields"),
    ("evidence = '[1]'", "gives as evidence \"[1]\", not a JSON object"),
    ("ref = NULL, \"set\" = '{\"kind\": \"mou\"}'", "proposes a new item without a title"),
    ("\"on\" = '2025-13-45'", "is dated 2025-13-45, not a day or time as tracker writes it"),
    ("decided = '2025-12-31T12:00:00+00:00'", "is open, but has a decision recorded: 2025-12-31T12:00:00+00:00"),
    ("entry_id = 99999", "comes from feed entry 99999, which does not exist (written with foreign keys off)"),
])
def test_a_proposal_written_outside_tracker_is_found(informed, change, words):
    proposal = _open_proposal(informed)
    sql_past_keys(informed, f"UPDATE proposals SET {change} WHERE id = {proposal}")
    run = informed("check")
    assert run.code == 1 and run.stdout.count("\n") == 1, run.stdout
    assert run.stdout.startswith(f"proposal #{proposal} ") and words in run.stdout
    assert run.stdout.endswith(f": dismiss it with `tracker inbox dismiss {proposal}`\n")
    assert "a repair cannot mend" in run.stderr
    # The inbox reads around it; it can be dismissed, never accepted.
    if any(damage in words for damage in ("marked as", "not a reference", "not a JSON object")):
        listed = informed("inbox", "--json")
        assert listed.code == 1 and f"proposal #{proposal} is damaged in the database" in listed.stderr
        assert proposal not in [p["id"] for p in listed.json()]
        before = informed.dump()
        refused = informed("inbox", "accept", str(proposal))
        assert refused.code == 1 and "dismiss it with" in refused.stderr and informed.dump() == before
    informed.ok("inbox", "dismiss", str(proposal))


def test_a_decided_proposal_is_found_as_tracker_would_not_write_it(informed):
    decided = rows(informed, "SELECT id, command_id FROM proposals WHERE state = 'accepted' ORDER BY id")[0]
    sql_past_keys(informed, f"UPDATE proposals SET decided = NULL WHERE id = {decided[0]}",
        f"UPDATE proposals SET command_id = 4242 WHERE id = {decided[0]}")
    lines = informed("check").stdout.splitlines()
    assert f"proposal #{decided[0]} was accepted by command 4242, which does not exist (written with foreign keys off)" \
        in lines
    assert f"proposal #{decided[0]} is decided, but has no time of decision as tracker writes it (empty) " \
           "(written outside tracker)" in lines
