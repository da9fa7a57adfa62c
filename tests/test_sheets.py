"""Spreadsheets: CSV and TSV out of list, history, countdown and report, read back by
Python's csv module and by LibreOffice; and sheets (CSV, TSV, newline-delimited JSON)
imported as new items, each row checked as `tracker add` checks it."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from conftest import NEWS, TRACKER_BIN
from test_bulk_import import document
from tracker import core, sheets, transfer
from tracker.render import sheet
from tracker.sheets import load as sheet_load
from tracker.store import Store

LATER = {"TRACKER_NOW": "2025-12-12T09:00:00Z"}


def rows(text: str, kind: str = "csv") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), dialect=csv.excel_tab if kind == "tsv" else csv.excel))


# -- out ------------------------------------------------------------------------------

def test_list_as_csv_has_a_header_refs_iso_dates_and_joined_lists(seeded):
    seeded.ok("add", "event", "Talks in Delhi", "--start", "2025-12-10T10:30", "--tz", "Asia/Kolkata",
              "--party", "India", "--party", "Japan")
    text = seeded.ok("list", "--all", "--format", "csv").stdout
    assert text.splitlines()[0] == ",".join(sheet.ITEM_COLUMNS)
    table = rows(text)
    listed = seeded.ok("list", "--all", "--json").json()
    assert [row["ref"] for row in table] == [item["ref"] for item in listed]
    talks = next(row for row in table if row["title"] == "Talks in Delhi")
    assert talks["start"] == "2025-12-10T10:30:00+05:30" and talks["parties"] == "India; Japan"
    a2 = next(row for row in table if row["ref"] == "A2")
    assert a2["event"] == "E2" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", a2["created"])


def test_history_as_tsv_holds_what_its_json_holds(seeded):
    seeded.ok("apply", str(NEWS), **LATER)
    table = rows(seeded.ok("history", "--limit", "0", "--format", "tsv", **LATER).stdout, "tsv")
    changes = seeded.ok("history", "--limit", "0", "--json", **LATER).json()
    assert len(table) == len(changes) > 20
    for row, change in zip(table, changes):
        assert row["id"] == str(change["id"]) and row["ref"] == change["ref"] and row["on"] == change["on"]
        for key in ("old", "new", "note", "source"):
            value = change[key]
            assert row[key] == ("; ".join(value) if isinstance(value, list) else value or "")


def test_countdown_and_each_report_table_as_csv(seeded):
    table = rows(seeded.ok("countdown", "-f", "csv").stdout)
    board = seeded.ok("countdown", "--json").json()
    assert [row["ref"] for row in table] == [entry["ref"] for entry in board]
    assert [int(row["seconds"]) for row in table] == [entry["seconds"] for entry in board]
    seeded.ok("apply", str(NEWS), **LATER)
    data = seeded.ok("report", "--week", "2025-W49", "--format", "json", **LATER).json()
    pipeline = rows(seeded.ok("report", "--week", "2025-W49", "-f", "csv", "--table", "pipeline", **LATER).stdout)
    overall = pipeline[-1]
    assert overall["title"] == "(overall)"
    assert {status: int(overall[status]) for status in data["pipeline"]["overall"]} == data["pipeline"]["overall"]
    assert int(overall["total"]) == sum(data["pipeline"]["overall"].values())
    changes = rows(seeded.ok("report", "--week", "2025-W49", "-f", "tsv", **LATER).stdout, "tsv")
    assert [row["ref"] for row in changes] == [change["ref"] for change in data["changes"]]
    for table_name, key in (("upcoming", "upcoming"), ("overdue", "overdue"), ("quiet", "quiet")):
        got = rows(seeded.ok("report", "--week", "2025-W49", "-f", "csv", "--table", table_name, **LATER).stdout)
        assert [row["ref"] for row in got] == [entry["ref"] for entry in data[key]]


def test_format_options_are_checked_and_json_still_works(seeded):
    assert seeded.ok("list", "--json").json() == seeded.ok("list", "--format", "json").json()
    for command in (["list"], ["history"], ["countdown"]):
        run = seeded(*command, "--json", "--format", "csv")
        assert run.code == 2 and "--json and --format csv do not go together" in run.stderr
        run = seeded(*command, "--format", "xlsx")
        assert run.code == 2 and "is not one of: table, json, csv, tsv" in run.stderr
    run = seeded("report", "--table", "pipeline")
    assert run.code == 2 and "--table picks one of the report's tables" in run.stderr
    run = seeded("report", "-f", "csv", "--table", "pipelne")
    assert run.code == 2 and "did you mean pipeline" in run.stderr
    run = seeded("countdown", "--watch", "--format", "csv")
    assert run.code == 2 and "do not go together" in run.stderr


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"]


def test_cells_that_would_run_as_formulas_start_with_an_apostrophe():
    for text in FORMULAS[:-1]:
        assert sheet.cell(text) == "'" + text
    # A carriage return is a control character: shown as an escape, as everywhere tracker prints text.
    assert sheet.cell("\r=1+1") == "\\x0d=1+1"
    assert sheet.cell("Kudankulam =") == "Kudankulam =" and sheet.cell(-3600) == -3600
    assert sheet.cell(["India", "Russia"]) == "India; Russia" and sheet.cell("\x1b[31mred") == "\\x1b[31mred"


def _formula_items(tracker) -> None:
    for n, text in enumerate(FORMULAS[:4]):
        tracker.ok("add", "agreement", '--party==HYPERLINK("http://x")', f"--note={text}",
                   "--", f"{text} deal" if n else text)


def test_a_formula_title_comes_back_as_text_through_the_csv_module(tracker):
    _formula_items(tracker)
    table = rows(tracker.ok("list", "--format", "csv").stdout)
    assert [row["title"] for row in table] == ["'=1+1", "'+1+1 deal", "'-1+1 deal", "'@SUM(1) deal"]
    assert all(row["parties"] == "'=HYPERLINK(\"http://x\")" for row in table)


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found and os.environ.get("CI"):
        pytest.fail("LibreOffice is missing in CI: `make test` installs it (apt-get install libreoffice-calc-nogui)")
    return found


# LibreOffice's CSV import with "Evaluate formulas" on (the 13th token; off by
# default since 7.x, on in Excel and in many users' settings): the harshest reading.
EVALUATING = "Text - txt - csv (StarCalc):44,34,76,1,,1033,false,false,false,false,false,0,true"


def _to_xlsx(soffice: str, path: Path, tmp_path: Path) -> str:
    """The sheet's XML after LibreOffice opened the CSV and saved it as .xlsx."""
    out = tmp_path / "out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    f"--infilter={EVALUATING}", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(out / (path.stem + ".xlsx")) as book:
        return html.unescape(book.read("xl/worksheets/sheet1.xml").decode() + book.read("xl/sharedStrings.xml").decode())


def test_libreoffice_opens_the_csv_and_runs_no_formula(tracker, tmp_path):
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    _formula_items(tracker)
    path = tmp_path / "items.csv"
    path.write_text(tracker.ok("list", "--format", "csv").stdout, newline="")
    book = _to_xlsx(soffice, path, tmp_path)
    assert "<f>" not in book and "<f " not in book
    for text in ("'=1+1", "'+1+1 deal", "'-1+1 deal", "'@SUM(1) deal", "'=HYPERLINK(\"http://x\")"):
        assert f">{text}<" in book, text
    # The same cells unguarded: LibreOffice makes formulas of them (what the test would miss).
    bare = tmp_path / "bare.csv"
    bare.write_text(path.read_text().replace(",'=", ",=").replace(",'@", ",@"), newline="")
    unguarded = _to_xlsx(soffice, bare, tmp_path / "bare")
    assert "<f " in unguarded and ">1+1</f>" in unguarded


def _history_peak(tmp_path: Path, agreements: int, kind: str) -> int:
    path = tmp_path / f"{agreements}.json"
    path.write_text(json.dumps(document(agreements)))
    store = Store(tmp_path / f"{agreements}.db")
    transfer.import_file(store, path)

    class Counted(io.TextIOBase):
        size = 0

        def write(self, text: str) -> int:
            self.size += len(text)
            return len(text)

    tracemalloc.start()
    try:
        stream = Counted()
        page = core.history(store, None)
        changes = (json_change(c) for c in page.changes)
        written = sheet.write_rows(sheet.HISTORY_COLUMNS, changes, stream, kind)
        assert written > agreements and stream.size > agreements * 50
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()


def json_change(change):
    from tracker.render.json import change_data

    return {**change_data(change), "id": change.id, "retracted": change.retracted}


def test_history_as_csv_holds_as_much_memory_at_any_size(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    small, large = _history_peak(tmp_path, 1_500, "csv"), _history_peak(tmp_path, 6_000, "tsv")
    # Written whole, four times the log would take about four times the memory.
    assert large < small * 1.5, (small, large)


# -- in -------------------------------------------------------------------------------

SHEET = (
    "type,title,kind,status,event,in,start,end,tz,due,sector,parties,tags,source,note\r\n"
    "event,Quad foreign ministers' meeting,meeting,announced,,,2026-01-15T10:00,,Asia/Tokyo,,,"
    "India; Japan; USA; Australia,quad,https://example.org/quad,\"Two lines\r\nof note\"\r\n"
    "agreement,Critical minerals pact,pact,expected,E1,,,,,2026-01-15,Mining,India; Japan,quad,,\r\n"
    ",,,,,,,,,,,,,,\r\n"
)


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_a_csv_sheet_adds_its_rows_as_tracker_add_would(summit, tmp_path):
    path = write(tmp_path, "new.csv", SHEET)
    run = summit.ok("import", str(path))
    assert "imported 2 items from" in run.stderr
    meeting = summit.ok("show", "E3", "--json").json()
    pact = summit.ok("show", "A3", "--json").json()
    meeting, pact = meeting.get("item", meeting), pact.get("item", pact)
    assert meeting["title"] == "Quad foreign ministers' meeting" and meeting["start"] == "2026-01-15T10:00:00+09:00"
    assert meeting["parties"] == ["India", "Japan", "USA", "Australia"] and meeting["tags"] == ["quad"]
    assert pact["event"] == "E1" and pact["sector"] == "mining" and pact["due"] == "2026-01-15"
    notes = [c["note"] for c in summit.ok("history", "E3", "--json").json()]
    assert notes == ["Two lines\nof note"]


def test_the_same_sheet_twice_adds_nothing_the_second_time(summit, tmp_path):
    path = write(tmp_path, "new.csv", SHEET)
    summit.ok("import", str(path))
    before = summit.dump()
    run = summit.ok("import", str(path))
    assert "imported 0 items" in run.stderr and "2 rows already here" in run.stderr
    assert summit.dump() == before
    # Recognised by type, title, event and date: the same rows in another order, spelt with other spaces.
    header, meeting = SHEET.split("\r\n", 1)
    meeting, pact = meeting.split("\r\nagreement", 1)
    reordered = "\r\n".join([header, "agreement" + pact.replace("Critical minerals", "Critical  minerals"), meeting])
    assert "2 rows already here" in summit.ok("import", str(write(tmp_path, "again.csv", reordered))).stderr
    # A uid column names the row: given, it is what recognises it.
    with_uid = "type,title,uid\r\nagreement,Some pact,0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c01\r\n"
    summit.ok("import", str(write(tmp_path, "uid.csv", with_uid)))
    renamed = "type,title,uid\r\nagreement,Renamed pact,0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c01\r\n"
    assert "1 row already here" in summit.ok("import", str(write(tmp_path, "uid2.csv", renamed))).stderr


def test_a_dry_run_shows_what_would_be_added_and_writes_nothing(summit, tmp_path):
    before = summit.dump()
    run = summit.ok("import", "--dry-run", str(write(tmp_path, "new.csv", SHEET)))
    assert run.stdout.splitlines() == ["E3\tevent\tQuad foreign ministers' meeting", "A3\tagreement\tCritical minerals pact"]
    assert "would import 2 items" in run.stderr and "nothing was written" in run.stderr
    assert summit.dump() == before
    run = summit("import", "--dry-run", str(write(tmp_path, "export.json", "{}")))
    assert run.code == 2 and "--dry-run is for sheets" in run.stderr


def test_a_bad_row_is_named_by_line_and_column_and_nothing_is_added(summit, tmp_path):
    before = summit.dump()
    cases = [
        # After a note over three lines, the bad row starts on line 5.
        ("type,title,due,note\nagreement,Fine,2025-12-20,\"a\nb\nc\"\nagreement,Bad date,2025-13-01,\n",
         "line 5, column due: --due '2025-13-01' does not exist"),
        ("type,title,kind\nagreement,Pact,treety\n", "line 2, column kind:"),
        ("type,title,start\nagreement,Pact,2025-12-20\n", "line 2, column start is for events only"),
        ("type,title,event\nagreement,Pact,E99\n", "line 2, column event: no event E99"),
        ("type,title\nsummit,Pact\n", "line 2, column type: type 'summit' is not event or agreement"),
        ("title,kind\nPact,mou\n", "line 2, column type: the type is empty"),
        ("type,title,source\nagreement,Pact,ftp://example.org\n", "line 2, column source:"),
        ("type,title,dew\nagreement,Pact,2025-12-20\n", "line 1: unknown column 'dew'; did you mean due?"),
        ("type,title\nagreement,Pact,extra\n", "line 2 has more cells than the header has columns"),
        ("type,title,number\nevent,Summit,23rd\n", "line 2, column number: '23rd' is not a whole number"),
        ("type,title,on\nagreement,Pact,2026-01-01\n", "line 2, column on:"),
        ("type,title,Title\nagreement,Pact,Other\n", "line 1: column 'title' is named twice: keep one"),
    ]
    for n, (text, said) in enumerate(cases):
        run = summit("import", str(write(tmp_path, f"bad{n}.csv", text)))
        assert run.code == 2, (text, run.stderr)
        assert f"bad{n}.csv: {said}" in run.stderr, (said, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
        assert summit.dump() == before


def test_hostile_cells_are_refused_with_one_line(summit, tmp_path):
    before = summit.dump()
    cases = [
        (b"type,title\nagreement,Pact \x1b[31mred\n", "line 2, column title holds a control character ('\\x1b')"),
        (b"type,title,note\nagreement,Pact,a\x00b\n", "line 2, column note holds a control character ('\\x00')"),
        (b"type,title\nagreement," + b"x" * 20_000 + b"\n", "line 2, column title holds 20,000 characters"),
        (b"type,title,note\nagreement,Pact," + b"x" * 200_000 + b"\n", "line 2 holds a cell of more than 131,072"),
        (b"type,title,note\nagreement,Pact,\"" + b"x," * 3_000_000 + b"\"\n", "line 2 is longer than 4 MiB"),
        (b"type,title\nagreement,Caf\xe9 pact\n", "line 2 is not UTF-8 text (byte b'\\xe9')"),
        ("type,title\nagreement,Pact\n".encode("utf-16"), "line 1 is UTF-16 text: save it as UTF-8"),
    ]
    for n, (data, said) in enumerate(cases):
        run = summit("import", str(write(tmp_path, f"hostile{n}.csv", data)))
        assert run.code == 2 and f"hostile{n}.csv: {said}" in run.stderr, (said, run.stderr)
        assert len(run.stderr.strip().splitlines()) == 1
        assert summit.dump() == before
    # A relative date is tracker's own, not a formula; a byte-order mark is not part of the text.
    summit.ok("import", str(write(tmp_path, "ok.csv", "\ufefftype,title,due\nagreement,Pact,+3d\n".encode())))
    assert summit.ok("show", "A3", "--json").stdout.count("Pact") >= 1
    run = summit("import", str(write(tmp_path, "big.csv", SHEET)), TRACKER_MAX_INPUT="100")
    assert run.code == 1 and "larger than 100 bytes" in run.stderr


def test_a_sheet_with_no_rows_says_so(summit, tmp_path):
    before = summit.dump()
    for n, text in enumerate(["", "type,title\r\n", "type,title\r\n,\r\n,\r\n"]):
        run = summit.ok("import", str(write(tmp_path, f"empty{n}.csv", text)))
        assert f"empty{n}.csv holds no rows under a header: nothing imported" in run.stderr
    assert summit.dump() == before


def test_tsv_and_newline_delimited_json_sheets(summit, tmp_path):
    tsv = "type\ttitle\tparties\tdue\nagreement\tTab pact\tIndia; Russia\t2025-12-20\n"
    summit.ok("import", str(write(tmp_path, "s.tsv", tsv)))
    lines = ["\ufeff" + json.dumps({"type": "event", "title": "JSON visit", "parties": ["India", "Japan"], "uid": "0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c02"}), "",
             json.dumps({"type": "agreement", "title": "JSON pact", "event": "0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c02", "tags": "a; b"})]
    path = write(tmp_path, "s.ndjson", "\n".join(lines) + "\n")
    assert "imported 2 items" in summit.ok("import", str(path)).stderr
    listed = {item["title"]: item for item in summit.ok("list", "--json").json()}
    assert listed["Tab pact"]["parties"] == ["India", "Russia"]
    assert listed["JSON pact"]["event"] == listed["JSON visit"]["ref"] and listed["JSON pact"]["tags"] == ["a", "b"]
    assert "2 rows already here" in summit.ok("import", str(path)).stderr
    bad = write(tmp_path, "bad.jsonl", lines[0][1:] + "\n{\"type\": \"event\", \n")
    run = summit("import", str(bad))
    assert run.code == 2 and "bad.jsonl: line 2 is not JSON" in run.stderr
    run = summit("import", str(write(tmp_path, "list.jsonl", "[1, 2]\n")))
    assert run.code == 2 and "list.jsonl: line 1 holds a list, not an object" in run.stderr
    run = summit("import", str(write(tmp_path, "num.jsonl", '{"type": "event", "title": 3}\n')))
    assert run.code == 2 and "num.jsonl: line 1, column title holds the number 3: give text" in run.stderr


def test_row_uids_are_stable_and_ignore_spacing_and_case():
    one = sheet_load._row_uid("agreement", {"title": "Critical  Minerals pact", "event": "e1", "due": "2026-01-15"})
    two = sheet_load._row_uid("agreement", {"title": "critical minerals pact", "event": "E1 ", "due": "2026-01-15"})
    assert one == two != sheet_load._row_uid("event", {"title": "critical minerals pact"})


def test_a_real_process_imports_a_sheet_and_lists_it_as_csv(tmp_path):
    env = {**os.environ, "TRACKER_DB": str(tmp_path / "t.db"), "TRACKER_NOW": "2025-11-29T10:00:00Z",
           "TRACKER_TZ": "Europe/Brussels"}
    path = write(tmp_path, "new.csv", SHEET)
    run = subprocess.run([str(TRACKER_BIN), "import", str(path)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "imported 2 items" in run.stderr, run.stderr
    run = subprocess.run([str(TRACKER_BIN), "list", "--format", "csv"], env=env, capture_output=True, timeout=60)
    assert run.returncode == 0
    table = rows(run.stdout.decode())
    assert [(row["ref"], row["title"]) for row in table] == [
        ("E1", "Quad foreign ministers' meeting"), ("A1", "Critical minerals pact")]
    assert b"\r\n" in run.stdout


# -- in: what the hostile trial found ---------------------------------------------------

def _refused(tracker, path: Path, said: str) -> None:
    before = tracker.dump()
    run = tracker("import", str(path))
    assert run.code == 2 and f"{path.name}: {said}" in run.stderr, (said, run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert tracker.dump() == before


def test_a_stray_or_unclosed_quote_is_refused_naming_the_line_it_opens_on(summit, tmp_path):
    # Read leniently, the quote swallowed the rows after it into one note, and exit 0.
    _refused(summit, write(tmp_path, "open.csv", 'type,title,note\nagreement,P1,x\nagreement,P2,"never closed\n'
                                                 'agreement,P3,x\nagreement,P4,x\n'),
             "line 3 opens a quote that is never closed")
    _refused(summit, write(tmp_path, "stray.csv", 'type,title\nagreement,"x"y"\n'),
             "line 2 has a quote inside a cell that is not quoted whole")
    _refused(summit, write(tmp_path, "half.csv", 'type,title,note\nagreement,"Malabar" exercise pact,n\n'),
             "line 2 has a quote inside a cell that is not quoted whole")
    _refused(summit, write(tmp_path, "half.tsv", 'type\ttitle\tnote\nagreement\t"Malabar exercise pact\tn1\n'
                                                 'agreement\tSecond pact\tn2\n'),
             "line 2 opens a quote that is never closed")
    # A quote inside a cell, not at its start, is just a character (as RFC 4180 readers take it).
    summit.ok("import", str(write(tmp_path, "inner.csv", 'type,title\nagreement,The 5" gun deal\n')))
    assert any(item["title"] == 'The 5" gun deal' for item in summit.ok("list", "--json").json())


def _by_uid(tracker) -> dict[str, tuple]:
    """Each item by its uid: what it is, and the uid of the event it is in."""
    items = tracker.ok("list", "--all", "--json").json()
    uid_of = {item["ref"]: item["uid"] for item in items}
    return {item["uid"]: (item["type"], item["title"], item["status"], item.get("start"), item.get("due"),
                          uid_of.get(item.get("event") or item.get("parent") or ""))
            for item in items}


def test_a_sheet_written_by_list_goes_back_in_here_and_into_a_new_database(seeded, tmp_path):
    seeded.ok("apply", str(NEWS), **LATER)
    text = seeded.ok("list", "--all", "--format", "csv", **LATER).stdout
    path = write(tmp_path, "list.csv", text)
    before = seeded.dump()
    assert "imported 0 items" in seeded.ok("import", str(path), **LATER).stderr
    # A list of open items only, whose agreements name events it leaves out, too.
    open_only = write(tmp_path, "open.csv", seeded.ok("list", "--format", "csv", **LATER).stdout)
    assert "imported 0 items" in seeded.ok("import", str(open_only), **LATER).stderr
    assert seeded.dump() == before
    # Into a new database: the refs there are numbered otherwise, the links follow the rows.
    header, *lines = text.split("\r\n")
    shuffled = write(tmp_path, "shuffled.csv", "\r\n".join([header, *reversed([line for line in lines if line])]) + "\r\n")
    for sheet_path in (path, shuffled):
        other = type(seeded)(tmp_path / f"other-{sheet_path.stem}.db")
        run = other.ok("import", str(sheet_path), **LATER)
        assert f"imported {len(_by_uid(seeded))} items" in run.stderr
        assert _by_uid(other) == _by_uid(seeded)
        assert "imported 0 items" in other.ok("import", str(sheet_path), **LATER).stderr


def test_refs_of_another_database_are_refused_and_later_events_are_found(summit, tmp_path):
    before = summit.dump()
    # With a ref column, E1 names the sheet's row E1, never this database's E1.
    _refused(summit, write(tmp_path, "foreign.csv", "ref,type,title,event\nA1,agreement,Pact,E7\n"),
             "line 2, column event: E7 is no row of this sheet (its ref column), so it names an item of another "
             "database: include that event's row, or give the event's uid instead")
    assert summit.dump() == before
    summit.ok("import", str(write(tmp_path, "later.csv", "ref,type,title,event,start\n,agreement,Pact,E7,\n"
                                                         "E7,event,Talks,,2026-01-10\n")))
    listed = {item["title"]: item for item in summit.ok("list", "--all", "--json").json()}
    assert listed["Pact"]["event"] == listed["Talks"]["ref"] == "E3"
    # A row waiting for a row that waits for a missing one; two events each inside the other.
    _refused(summit, write(tmp_path, "chain.csv", "ref,type,title,in,start\nE1,event,Inner,E2,2026-01-01\n"
                                                  "E2,event,Outer,E9,2026-01-01\n"),
             "line 3, column in: E9 is no row of this sheet")
    _refused(summit, write(tmp_path, "loop.csv", "ref,type,title,in,start\nE1,event,Inner,E2,2026-01-01\n"
                                                 "E2,event,Outer,E1,2026-01-01\n"),
             "line 2, column in: E2 (line 3) and this row are each inside the other")
    # An event named by its uid on a later row.
    uid = "11111111-1111-4111-8111-111111111111"
    summit.ok("import", str(write(tmp_path, "uid.csv", f"type,title,event,uid,start\nagreement,Pact X,{uid},,\n"
                                                       f"event,Summit Y,,{uid},2026-01-10\n")))
    listed = {item["title"]: item for item in summit.ok("list", "--all", "--json").json()}
    assert listed["Pact X"]["event"] == listed["Summit Y"]["ref"]
    _refused(summit, write(tmp_path, "nouid.csv", "type,title,event\nagreement,Pact Z,22222222-2222-4222-8222-222222222222\n"),
             "line 2, column event: no event has uid '22222222-2222-4222-8222-222222222222', here or in the sheet")
    # A removed item's row is skipped, and counted; a row linked to it is refused.
    removed = "ref,type,title,event,removed\nA1,agreement,Gone,,2025-11-01T10:00:00+00:00\nA2,agreement,Kept,,\n"
    run = summit.ok("import", str(write(tmp_path, "removed.csv", removed)))
    assert "imported 1 item" in run.stderr and "1 row of removed items, skipped" in run.stderr
    _refused(summit, write(tmp_path, "inremoved.csv", "ref,type,title,in,removed\nE1,event,Gone,,2025-11-01\n"
                                                     ",event,Inside,E1,\n"),
             "line 3, column in: E1 is a removed item's row (line 2), skipped")


def test_rows_that_are_the_same_item_are_refused_unless_identical(tracker, tmp_path):
    tracker.ok("list")
    _refused(tracker, write(tmp_path, "dup.csv", "type,title,kind,start,tz,location\n"
                                                 "event,Summit Z,summit,2026-02-01T10:00,Asia/Kolkata,Delhi\n"
                                                 "event,summit  z,summit,2026-02-01 10:00,Asia/Kolkata,Moscow\n"),
             "line 3 is the same item as line 2 (the same type, title, event and date) but its cells differ")
    uid = "0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c0b"
    _refused(tracker, write(tmp_path, "dupuid.csv", f"type,title,uid\nagreement,A,{uid}\nagreement,B,{uid}\n"),
             "line 3 is the same item as line 2 (the same uid)")
    _refused(tracker, write(tmp_path, "baduid.csv", "type,title,uid\nagreement,A,not-a-uuid\n"),
             "line 2, column uid: 'not-a-uuid' is not a uid as tracker writes them")
    run = tracker.ok("import", str(write(tmp_path, "twice.csv", "type,title\nagreement,Pact\nagreement,Pact\n")))
    assert "imported 1 item" in run.stderr and "1 row repeating an earlier row, counted once" in run.stderr


def test_the_same_date_written_otherwise_is_the_same_row(tracker, tmp_path):
    for n, start in enumerate(["2026-02-01T10:00", "2026-02-01 10:00", "1 Feb 2026 10:00", "2026-02-01T04:30:00Z"]):
        tracker.ok("import", str(write(tmp_path, f"d{n}.csv", f"type,title,start,tz\nevent,Summit Z,{start},Asia/Kolkata\n")))
    for n, due in enumerate(["2026-01-15", "15 Jan 2026"]):
        tracker.ok("import", str(write(tmp_path, f"due{n}.csv", f"type,title,due\nagreement,Pact,{due}\n")))
    assert [item["ref"] for item in tracker.ok("list", "--all", "--json").json()] == ["E1", "A1"]


def test_text_starting_like_a_formula_is_taken_as_tracker_add_takes_it(tracker, tmp_path):
    sheet_text = ("type,title,note,parties\r\n"
                  "agreement,+91 hotline agreement,\"- signed by both ministers\n- next round in March\",=India\r\n"
                  "agreement,-5% tariff deal,@mention,India\r\n")
    tracker.ok("import", str(write(tmp_path, "plain.csv", sheet_text)))
    listed = {item["title"]: item for item in tracker.ok("list", "--all", "--json").json()}
    assert set(listed) == {"+91 hotline agreement", "-5% tariff deal"} and listed["+91 hotline agreement"]["parties"] == ["=India"]
    assert tracker.ok("history", "A1", "--json").json()[0]["note"] == "- signed by both ministers\n- next round in March"
    # tracker's own guard (an apostrophe before = + - @) is taken off again: a list goes back in as it was.
    _formula_items(tracker)
    text = tracker.ok("list", "--all", "--format", "csv").stdout
    other = type(tracker)(tmp_path / "other.db")
    other.ok("import", str(write(tmp_path, "guarded.csv", text)))
    assert _by_uid(other) == _by_uid(tracker)
    assert {item["title"] for item in other.ok("list", "--json").json()} >= {"=1+1", "@SUM(1) deal"}


def test_semicolons_carriage_returns_and_odd_first_lines(tracker, tmp_path):
    tracker.ok("list")
    tracker.ok("import", str(write(tmp_path, "semi.csv", "type;title;due;party\r\nagreement;Semicolon pact;2026-01-01;India\r\n")))
    assert tracker.ok("list", "--json").json()[0]["parties"] == ["India"]
    _refused(tracker, write(tmp_path, "semi2.csv", "type;title;Comments\r\nagreement;Pact;x\r\n"),
             "line 1: this sheet is separated by semicolons, and 'comments' is not a column")
    _refused(tracker, write(tmp_path, "cr.csv", "type,title\ragreement,Mac pact\r"),
             "line 1 ends its lines with a carriage return alone")
    _refused(tracker, write(tmp_path, "blank.csv", "\ntype,title\nagreement,x\n"),
             "line 1 is empty: put the column names on the first line")
    _refused(tracker, write(tmp_path, "commas.csv", ",,,\nagreement,x,,\n"), "line 1 names no columns")
    _refused(tracker, write(tmp_path, "export.csv", '{"format": "tracker-export"}\n'), "line 1 looks like JSON")
    # A carriage return inside a quoted cell is no line of its own: the row is on line 2.
    _refused(tracker, write(tmp_path, "crcell.csv", 'type,title\r\nagreement,"a\rb"\r\n'),
             "line 2, column title holds a control character")
    # A cell too long, over many lines: named by the line its row starts on.
    _refused(tracker, write(tmp_path, "long.csv", 'type,title,note\nagreement,Big,"' + ("y" * 1000 + "\n") * 200 + '"\n'),
             "line 2 holds a cell of more than 131,072 characters")


def test_files_that_are_not_sheets_nor_exports_say_what_to_name_them(tracker, tmp_path):
    for name in ("small.txt", "notjson"):
        run = tracker("import", str(write(tmp_path, name, "type\ttitle\nagreement\tPact\n")))
        assert run.code == 2 and "a sheet must be a file named .csv, .tsv, .ndjson or .jsonl" in run.stderr
    run = tracker("import", str(write(tmp_path, "book.xlsx", b"PK\x03\x04rest of a zip")))
    assert run.code == 2 and "book.xlsx is a workbook (a ZIP file)" in run.stderr and "CSV UTF-8" in run.stderr


def test_json_sheet_messages_and_add_s_names_and_limits(tracker, tmp_path):
    tracker.ok("list")
    for n, (line, said) in enumerate([('null', "line 1 holds null, not an object"),
                                       ('{"type": "event", "title": {}}', "line 1, column title holds an object: give text"),
                                       ('{"type": "event", "title": "S", "number": true}', "line 1, column number holds true"),
                                       ('{"type": "event", "title": "S", "number": 1.5}', "line 1, column number holds the number 1.5: give a whole number")]):
        _refused(tracker, write(tmp_path, f"j{n}.ndjson", line + "\n"), said)
    # `tracker add`'s own option names, one party or tag at a time; a note as long as `add` takes.
    note = "n" * 20_000
    tracker.ok("import", str(write(tmp_path, "alias.csv", f"type,title,party,tag,note\nagreement,Pact,India,quad,{note}\n")))
    item = tracker.ok("list", "--json").json()[0]
    assert item["parties"] == ["India"] and item["tags"] == ["quad"]
    assert tracker.ok("history", "A1", "--json").json()[0]["note"] == note
    _refused(tracker, write(tmp_path, "both.csv", "type,title,party,parties\nagreement,P,India,Japan\n"),
             "line 1: column 'parties' is named twice")


def _agreements_sheet(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["type", "title", "due", "parties", "note"])
        for n in range(count):
            writer.writerow(["agreement", f"Pact number {n}", f"2026-01-{1 + n % 28:02d}", "India; Russia", "a note"])
    return path


def test_a_long_sheet_shows_a_bar_on_a_terminal(tmp_path):
    from test_progress import env, run_on_terminal

    path = _agreements_sheet(tmp_path / "long.csv", 3_000)
    code, stdout, shown = run_on_terminal(["import", str(path)], env(tmp_path / "a.db", TRACKER_PROGRESS_AFTER="0"),
                                           tmp_path)
    assert code == 0 and stdout == b""
    assert b"importing" in shown and b"rows" in shown and b"imported 3000 items" in shown


def _dry_run_peak(tmp_path: Path, count: int) -> tuple[int, int]:
    path = _agreements_sheet(tmp_path / f"{count}.csv", count)
    store = Store(tmp_path / f"{count}.db")
    shown = []
    tracemalloc.start()
    try:
        said = sheets.import_sheet(store, path, dry_run=True, show=lambda outcome: shown.append(str(outcome.item.ref)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()
    assert f"would import {count} items" in said and len(shown) == count and shown[-1] == f"A{count}"
    return peak, len(shown)


def test_a_dry_run_shows_each_row_as_it_goes_and_keeps_little_of_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    _dry_run_peak(tmp_path, 50)       # modules loaded, caches filled
    small, _ = _dry_run_peak(tmp_path, 500)
    large, _ = _dry_run_peak(tmp_path, 4_000)
    # What a row leaves behind is its uid, to know the sheet's repeats: some 400 bytes,
    # not the item read back (several kilobytes) that a dry run used to keep.
    assert (large - small) / 3_500 < 1_000, (small, large)


# LibreOffice's CSV import told the file is UTF-8 (charset 76), as its import dialog offers.
UTF8_IMPORT = "Text - txt - csv (StarCalc):44,34,76,1"


def test_bom_for_excel_and_what_libreoffice_makes_of_it(tracker, tmp_path):
    tracker.ok("add", "agreement", "Türkiye–India pact", "--party", "Россия")
    text = tracker.ok("list", "--format", "csv", "--bom").stdout
    assert text.startswith("\ufeffref,type,title") and "Türkiye–India pact" in text
    assert tracker.ok("report", "-f", "tsv", "--bom").stdout.startswith("\ufeffref\t")
    # The file goes back in: the mark is not part of the first column's name.
    other = type(tracker)(tmp_path / "other.db")
    other.ok("import", str(write(tmp_path, "bom.csv", text)))
    assert _by_uid(other) == _by_uid(tracker)
    for args in (["list", "--bom"], ["history", "--json", "--bom"], ["report", "--bom"]):
        run = tracker(*args)
        assert run.code == 2 and "--bom is for --format csv or tsv" in run.stderr
    run = tracker("report", "--format", "cvs")
    assert run.code == 2 and "did you mean csv" in run.stderr
    soffice = _soffice()
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    path = write(tmp_path, "bom-items.csv", text)
    out = tmp_path / "out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    f"--infilter={UTF8_IMPORT}", "--convert-to", "xlsx", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    with zipfile.ZipFile(out / "bom-items.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert ">ref<" in strings and "\ufeff" not in strings
    assert ">Türkiye–India pact<" in strings and ">Россия<" in strings
