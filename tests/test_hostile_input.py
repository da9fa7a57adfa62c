"""Hostile input: values built to break a parser (nesting, surrogates, huge numbers, the
edges of the calendar, damaged databases, megabyte values). Each is refused in one line
on stderr, exit 2 for a bad argument and 1 otherwise, never a traceback, and the
database is left as it was."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import SEED
from tracker import errors


def one_line_error(run, code: int, words: str) -> None:
    assert run.code == code, (run.code, run.stderr[:2000])
    assert run.stderr.startswith("tracker: error: "), run.stderr[:2000]
    assert run.stderr.count("\n") == 1, run.stderr[:2000]
    assert words in run.stderr, run.stderr[:2000]
    assert "Traceback" not in run.stderr + run.stdout


# -- the command line ------------------------------------------------------------

HUGE = "99999999999999999999"      # past 2^63

BAD_ARGUMENTS = [
    # Not UTF-8 (a shell's $'\xff\xfe'): Python gives such bytes as lone surrogates.
    (["add", "event", "\udcff\udcfe", "--kind", "summit"], "the title is not valid text (UTF-8)"),
    (["list", "--tag", "\udcff"], "--tag is not valid text (UTF-8)"),
    (["update", "A1", "--note", "signed \udce9"], "--note is not valid text (UTF-8)"),
    (["list", "--search", "\ud800"], "--search is not valid text (UTF-8)"),
    # Integers past 2^63 and other numbers out of range.
    (["update", "E1", "--series", "S", "--number", HUGE],
     "--number 99999999999999999999 is not a number in a series: give 1 or more, up to 1,000,000"),
    (["update", "E1", "--series", "S", "--number", "1000001"], "is not a number in a series"),
    (["countdown", "--days", "99999999999"], "--days"),
    (["list", "--limit", HUGE], "--limit"),
    (["countdown", "--limit", HUGE], "--limit"),
    # The edges of the calendar, and beyond the dates tracker accepts.
    (["add", "event", "X", "--start", "9999-12-31"],
     "--start '9999-12-31' is outside the dates tracker accepts (1900-01-01 to 2199-12-31)"),
    (["add", "event", "X", "--start", "0001-01-01", "--tz", "Asia/Tokyo"], "is outside the dates tracker accepts"),
    (["add", "event", "X", "--start", "2199-12-31", "--end", "2200-01-01"], "--end '2200-01-01' is outside"),
    (["add", "event", "X", "--start", "1899-12-31T23:00"], "is outside the dates tracker accepts"),
    (["add", "agreement", "X", "--due", "9999-12-31"], "--due '9999-12-31' is outside"),
    (["add", "agreement", "X", "--due", "31 Dec 9999"], "is outside the dates tracker accepts"),
    (["update", "A1", "--note", "x", "--on", "9999-12-31T23:59-12:00"], "--on '9999-12-31T23:59-12:00' is outside"),
    (["update", "A1", "--note", "x", "--on", "0001-01-01T00:00+14:00"], "is outside the dates tracker accepts"),
    (["report", "--week", "9999-W52"], "--week '9999-W52' is outside"),
    (["report", "--week", "0001-W01"], "--week '0001-W01' is outside"),
    (["report", "--from", "9999-12", "--to", "9999-12"], "--from '9999-12' is outside"),
    (["list", "--from", "0001-01-01"], "--from '0001-01-01' is outside"),
    (["history", "--since", "9999-12-31"], "--since '9999-12-31' is outside"),
    (["--now", "0001-01-01", "countdown"], "--now '0001-01-01' is outside"),
    (["--now", "9999-12-31T23:59:59-12:00", "list"], "--now '9999-12-31T23:59:59-12:00' is outside"),
    # Accepted quietly before, refused elsewhere.
    (["add", "event", "X", "--status", ""], "event status '' is not one of"),
    (["add", "agreement", "X", "--kind", ""], "agreement kind '' is not one of"),
    (["add", "agreement", "X", "--due", ""], "--due '' is not a date"),
    (["add", "event", "X", "--tz", "localtime"], "--tz 'localtime' is not a known IANA time zone"),
    (["add", "event", "X", "--tz", "posix/Europe/Paris"], "is not a known IANA time zone"),
    (["list", "--tz", "posixrules"], "is not a known IANA time zone"),
]


@pytest.mark.parametrize("args, words", BAD_ARGUMENTS, ids=[" ".join(a).encode("ascii", "backslashreplace").decode()
                                                            for a, _ in BAD_ARGUMENTS])
def test_a_hostile_argument_is_refused_in_one_line(summit, args, words):
    before = summit.dump()
    one_line_error(summit(*args), 2, words)
    assert summit.dump() == before


def test_the_range_of_dates_takes_its_edges_and_nothing_beyond(summit):
    for beyond in ("1899-12-31", "2200-01-01"):
        one_line_error(summit("add", "event", "X", "--start", beyond), 2, "is outside the dates tracker accepts")
    summit.ok("add", "event", "First day", "--start", "1900-01-01", "--tz", "Asia/Tokyo")
    summit.ok("add", "event", "Last day", "--start", "2199-12-31T23:59", "--tz", "Pacific/Kiritimati")
    summit.ok("add", "agreement", "Far target", "--due", "2199-12-31")
    summit.ok("--now", "2199-12-31T23:59", "countdown", "--days", "10")
    summit.ok("--now", "1900-01-01", "countdown", "--days", "109573")
    summit.ok("report", "--week", "2199-W52")
    summit.ok("list", "--all", "--limit", str(2**31 - 1))


TOO_LONG = "x" * 10 * 1024 * 1024      # 10 MB


@pytest.mark.parametrize("args", [
    ["add", "event", "X", "--kind", TOO_LONG],
    ["add", "event", "X", "--start", TOO_LONG],
    ["add", "event", "X", "--tz", TOO_LONG],
    ["update", "A1", "--status", TOO_LONG],
    ["show", TOO_LONG],
    ["list", TOO_LONG],
    ["report", "--format", TOO_LONG],
    ["update", "A1", "--note", "x", "--source", "ftp://" + TOO_LONG],
    ["countdown", "--days", TOO_LONG],
    [TOO_LONG],
], ids=["kind", "start", "tz", "status", "ref", "list-what", "format", "source", "days", "command"])
def test_an_error_quotes_a_short_excerpt_of_a_huge_value(summit, args):
    run = summit(*args)
    assert run.code == 2 and run.stderr.startswith("tracker: error: ") and run.stderr.count("\n") == 1
    assert len(run.stderr) < 2500, len(run.stderr)


def test_excerpt_cuts_escapes_and_names_what_is_not_text():
    assert errors.excerpt("x" * 10_485_760) == repr("x" * 60) + "… (10,485,760 characters)"
    assert errors.excerpt("\x1b[31m\u202e") == "'\\x1b[31m\\u202e'"
    assert errors.excerpt(10**40) == "a number of 41 digits"
    assert errors.excerpt([[[]]]) == "a list"
    assert errors.excerpt(True) == "True"


# -- files: import and apply ----------------------------------------------------


def _export(tracker, tmp_path, change):
    document = json.loads(SEED.read_text())
    change(document)
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document))
    return path


def _updates(tmp_path, *updates, **top):
    path = tmp_path / "hostile-updates.json"
    path.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": list(updates), **top}))
    return path


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _nested_events(count: int) -> list[dict]:
    """`count` events each inside the one before, listed child first."""
    return [{"ref": f"E{n}", "type": "event", "uid": f"nested-{n}", "title": f"Level {n}", "kind": "meeting",
             "status": "announced", "created": "2025-01-01T00:00:00+00:00", "updated": "2025-01-01T00:00:00+00:00",
             **({"parent": f"E{n - 1}"} if n > 1 else {})} for n in range(count, 0, -1)]


HOSTILE_EXPORTS = [
    (lambda d: d["items"][0].update(title="\ud800"), 'item 1, "title" is not valid text (UTF-8)'),
    (lambda d: d["items"][0].update(uid="x\udfff"), 'item 1, "uid" is not valid text (UTF-8)'),
    (lambda d: d["items"][0].update(uid="evil\r\nX-INJ:1"), 'item 1 (E1): "uid" holds the control character U+000D: '
     "give a uid of printable characters, such as a UUID"),
    (lambda d: d["history"][0].update(note="\udc80"), 'history entry 1, "note" is not valid text (UTF-8)'),
    (lambda d: d["items"][0].update({"\ud800": 1}), "a key in item 1 is not valid text"),
    (lambda d: d["items"][0].update(series="S", series_number=99999999999999999999), "--number 99999999999999999999 is not a number in a series: give 1 or more, up to 1,000,000"),
    (lambda d: d["items"][0].update(series="S", series_number=2**63), "is not a number in a series"),
    (lambda d: d["items"][0].update(start="9999-12-31"), "item 1 (E1): --start '9999-12-31' is outside"),
    (lambda d: d["items"][0].update(start="0001-01-01", tz="Asia/Tokyo"), "item 1 (E1): --start '0001-01-01' is outside"),
    (lambda d: d["items"][0].update(created="9999-12-31T23:59:59-12:00"), "created '9999-12-31T23:59:59-12:00' is outside"),
    (lambda d: d["items"][0].update(created="0001-01-01T00:00:00+01:00"), "is outside the dates tracker accepts"),
    (lambda d: d["items"][5].update(due="9999-12-31"), "item 6 (A1): --due '9999-12-31' is outside"),
    (lambda d: d["history"][0].update(on="9999-12-31T23:59-12:00"), "history entry 1: on '9999-12-31T23:59-12:00' is outside"),
    (lambda d: d.update(version=True), "of version True"),
    (lambda d: d.update(format=["tracker-export"]), "is not a tracker-export file"),
    (lambda d: d["items"][0].update(kind="k" * 10_485_760), "(10,485,760 characters)"),
    (lambda d: d["items"][0].update(tz="localtime"), "'localtime' is not a known IANA time zone"),
    (lambda d: d["items"][0].update(start="x" * 5000), "is not a date"),
]


@pytest.mark.parametrize("change, words", HOSTILE_EXPORTS, ids=[w[:40] for _, w in HOSTILE_EXPORTS])
def test_a_hostile_import_is_refused_whole(summit, tmp_path, change, words):
    before = summit.dump()
    run = summit("import", str(_export(summit, tmp_path, change)))
    one_line_error(run, 2, words)
    assert len(run.stderr) < 2500
    assert summit.dump() == before


def test_json_nested_a_thousand_deep_is_refused(summit, tmp_path):
    before = summit.dump()
    text = SEED.read_text().replace('"items": [', '"items": [' + _deep(1000) + ",", 1)
    (tmp_path / "deep.json").write_text(text)
    one_line_error(summit("import", str(tmp_path / "deep.json")), 2, "nested hundreds of levels deep")
    (tmp_path / "deep-updates.json").write_text(
        '{"format": "tracker-updates", "version": 1, "updates": [' + _deep(1000) + "]}")
    one_line_error(summit("apply", str(tmp_path / "deep-updates.json")), 2, "nested hundreds of levels deep")
    assert summit.dump() == before


def test_events_nested_fifteen_hundred_deep_listed_child_first_import(tracker, tmp_path):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": _nested_events(1500)}))
    assert "imported 1500 items" in tracker.ok("import", str(path)).stderr
    shown = tracker.ok("show", "E1500", "--json").json()
    assert shown["parent"] == "E1499"


def test_a_loop_of_thousands_of_events_is_named_briefly(tracker, tmp_path):
    events = _nested_events(3000)
    events[-1]["parent"] = "E3000"          # E1 inside E3000, which is inside ... E1
    path = tmp_path / "loop.json"
    path.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": events}))
    run = tracker("import", str(path))
    one_line_error(run, 2, "and 2,995 more are inside each other in a loop")
    assert len(run.stderr) < 300


HOSTILE_UPDATES = [
    ({"ref": "A1", "on": "2025-11-20", "set": {"status": "signed"}, "nte": "typo"},
     "update 2: unknown key 'nte'; did you mean note? (known: add, note, on, ref, set, source, uid)"),
    ({"ref": "A1", "set": {"stauts": "signed"}}, "unknown field 'stauts'; did you mean status"),
    ({"ref": "A1", "set": {"title": "\ud800"}}, 'update 2, "set", "title" is not valid text (UTF-8)'),
    ({"ref": "E1", "set": {"series": "S", "number": 99999999999999999999}}, "is not a number in a series"),
    ({"ref": "A1", "on": "9999-12-31", "set": {"status": "signed"}}, "\"on\" '9999-12-31' is outside"),
    ({"ref": "E1", "set": {"start": "0001-01-01", "tz": "Asia/Tokyo"}}, "--start '0001-01-01' is outside"),
    ({"add": [[[]]], "set": {"title": "x"}}, "\"add\" must be \"event\" or \"agreement\", not a list"),
    ({"ref": "E1", "set": {"tz": "localtime"}}, "'localtime' is not a known IANA time zone"),
]


@pytest.mark.parametrize("update, words", HOSTILE_UPDATES, ids=[w[:40] for _, w in HOSTILE_UPDATES])
def test_a_hostile_update_file_is_refused_whole(summit, tmp_path, update, words):
    before = summit.dump()
    path = _updates(tmp_path, {"ref": "A2", "on": "2025-11-20", "note": "first, sound"}, update)
    one_line_error(summit("apply", str(path)), 2, words)
    assert summit.dump() == before


def test_version_true_is_refused_in_a_file_of_updates(summit, tmp_path):
    one_line_error(summit("apply", str(_updates(tmp_path, version=True))), 2, "of version True")


def test_a_file_that_is_not_utf8_is_named_so(summit, tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(SEED.read_bytes().replace(b"Summit", b"Summ\xe9t", 1))
    one_line_error(summit("import", str(path)), 2, "is not valid text (UTF-8)")


def test_a_file_with_a_byte_order_mark_imports(tracker, tmp_path):
    # Some Windows editors begin a UTF-8 file with U+FEFF: it is not part of the JSON.
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes())
    tracker.ok("import", str(path))
    assert len(tracker.ok("list", "--all", "--json").json()) == 13


def test_a_number_of_thousands_of_digits_is_named_without_pythons_words(summit, tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('{"format": "tracker-updates", "version": 1, "updates": [{"ref": "A1", "set": {"number": '
                    + "9" * 5000 + "}}]}")
    run = summit("apply", str(path))
    one_line_error(run, 2, "a number of more than 4,300 digits")
    assert "sys." not in run.stderr


def test_a_refused_zone_name_is_not_suggested(summit):
    run = summit("list", "--tz", "localtime")
    one_line_error(run, 2, "not a known IANA time zone")
    assert "did you mean localtime" not in run.stderr


# -- a damaged database -------------------------------------------------------------


def _damage(db, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.commit()
    conn.close()


READS = [["list", "--all"], ["show", "E1"], ["list", "--json", "--all"], ["report"], ["report", "--format", "html"],
         ["export"], ["history", "E1"], ["countdown"]]
DAMAGE = [
    ("UPDATE items SET starts_utc = 'zzz' WHERE id = 1", "starts_utc 'zzz'"),
    ("UPDATE items SET starts = '2025-13-45' WHERE id = 1", "starts '2025-13-45'"),
    ("UPDATE items SET created = 'yesterday' WHERE id = 1", "created 'yesterday'"),
    ("UPDATE items SET tz = 'Mars/Olympus' WHERE id = 1", "tz 'Mars/Olympus'"),
    ("UPDATE items SET title = CAST(X'FFFE41' AS TEXT) WHERE id = 1", "not UTF-8"),
    ("UPDATE item_parties SET party = CAST(X'FF' AS TEXT) WHERE item_id = 1", "not UTF-8"),
]


# Not countdown of a start of 'zzz': it reads the start index from now on, where 'zzz'
# sorts past every date, so E1 is never read (tracker check finds it).
DAMAGED_READS = [(sql, words, args) for sql, words in DAMAGE for args in READS
                 if not (args == ["countdown"] and "'zzz'" in sql)]


@pytest.mark.parametrize("sql, words, args", DAMAGED_READS,
                         ids=[f"{' '.join(args)}: {words}" for _, words, args in DAMAGED_READS])
@pytest.mark.sqlite_only
def test_a_read_of_damaged_data_shows_the_rest_and_names_it(seeded, sql, words, args):
    _damage(seeded.db, sql)
    run = seeded(*args)
    one_line_error(run, 1, "E1 is damaged in the database")
    assert words in run.stderr and "tracker check" in run.stderr
    if args[0] == "show":
        assert "E1" in run.stdout          # shown, as far as it can be
    if args[0] == "list":
        assert "A1" in run.stdout          # the others shown


@pytest.mark.parametrize("sql, words", DAMAGE, ids=[w for _, w in DAMAGE])
@pytest.mark.parametrize("args", [["update", "E1", "--note", "x"], ["remove", "E1", "--detach"]], ids=["update", "remove"])
@pytest.mark.sqlite_only
def test_a_write_to_a_damaged_item_is_refused_whole(seeded, sql, words, args):
    # On top of damage, a change would log what was never there; and a write that then
    # exits 1 (for the damage) would be tried again by a script.
    _damage(seeded.db, sql)
    before = _raw(seeded.db)
    run = seeded(*args)
    one_line_error(run, 1, "E1 is damaged in the database")
    assert words in run.stderr and "nothing was changed; run `tracker check`" in run.stderr
    assert _raw(seeded.db) == before


def _raw(db) -> dict:
    """Every row of every table, as bytes: iterdump cannot read text that is not UTF-8."""
    conn = sqlite3.connect(db)
    conn.text_factory = bytes
    try:
        tables = [name.decode() for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'item_search%'")]
        return {table: conn.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}
    finally:
        conn.close()


@pytest.mark.sqlite_only
def test_a_damaged_log_row_is_left_out_and_named(seeded):
    conn = sqlite3.connect(seeded.db)
    conn.execute("DROP TRIGGER IF EXISTS changes_are_append_only")
    triggers = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                                 "AND tbl_name = 'changes' AND sql LIKE '%UPDATE%'")]
    for name in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("UPDATE changes SET happened = 'qq' WHERE id = 1")
    conn.commit()
    conn.close()
    run = seeded("history")
    one_line_error(run, 1, "E1 is damaged in the database (change #1 of its log, dated 'qq')")
    assert "A1" in run.stdout


@pytest.mark.sqlite_only
def test_a_truncated_database_is_called_damaged(seeded, tmp_path):
    conn = sqlite3.connect(seeded.db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(seeded.db.read_bytes()[:20_000])
    for args in (["list"], ["add", "event", "X"], ["show", "E1"]):
        run = seeded(*args, TRACKER_DB=str(truncated))
        one_line_error(run, 1, "is damaged (database disk image is malformed): run `tracker check`")
        assert "backup" in run.stderr
    # A file that is not SQLite at all is not called damaged: it is someone else's.
    other = tmp_path / "random.db"
    other.write_bytes(bytes(range(256)) * 16)
    one_line_error(seeded("list", TRACKER_DB=str(other)), 1, "is not an SQLite database")


# The disk is made full by SQLite's own cap on the file's pages: a test of the file.
@pytest.mark.sqlite_only
def test_a_full_disk_says_so_and_that_nothing_changed(summit, monkeypatch, tmp_path):
    from tracker.store.sqlite import SQLiteDialect

    original = SQLiteDialect.connect

    def small_disk(dialect):
        conn = original(dialect)
        # SQLite's own limit on the file's pages: writing past it is SQLITE_FULL, as a full disk is.
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(SQLiteDialect, "connect", small_disk)
    before = summit.dump()
    path = tmp_path / "large.json"
    path.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": _nested_events(2000)}))
    run = summit("import", str(path))
    one_line_error(run, 1, "is full: nothing was changed; free some space")
    assert summit.dump() == before


def test_a_disk_io_error_on_a_full_disk_is_called_full(monkeypatch, tmp_path):
    from tracker.store import sqlite as connection

    class FakeStats:
        f_bavail, f_frsize = 3, 4096

    monkeypatch.setattr("os.statvfs", lambda path: FakeStats)
    message = str(connection.database_trouble(tmp_path / "t.db", sqlite3.OperationalError("disk I/O error")))
    assert "is full: nothing was changed" in message
    monkeypatch.setattr("os.statvfs", lambda path: type("Roomy", (), {"f_bavail": 10**9, "f_frsize": 4096}))
    assert "is full" not in str(connection.database_trouble(tmp_path / "t.db", sqlite3.OperationalError("disk I/O error")))

