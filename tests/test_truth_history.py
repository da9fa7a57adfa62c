"""tracker history at any size: a screenful by default and the way back, pages that
join up exactly, every change in --json, the log read from its indexes in order and
written as it is read."""

from __future__ import annotations

import io
import json
import re
import shlex
import sqlite3
import tracemalloc
from pathlib import Path

import pytest
from rich.console import Console

from tracker import core, dates
from tracker.render.table import Table
from tracker.model import Ref
from tracker.store import Store

# The days the notes of _log happened on, in an order unlike that of their ids.
DAYS = ["2025-11-05", "2025-11-02", "2025-11-04", "2025-11-01", "2025-11-03"]


def _log(path: Path, notes: int, items: int = 3) -> Path:
    """A file for `tracker import`: `items` agreements and `notes` notes on them, many
    at the same instant (00:00 of one of five days), their ids out of time order."""
    stamp = "2025-10-01T00:00:00+00:00"
    entries = [{"ref": f"A{n}", "uid": f"a-{n}", "type": "agreement", "title": f"Pact {n}", "kind": "mou",
                "status": "expected", "created": stamp, "updated": stamp} for n in range(1, items + 1)]
    history = [{"ref": f"A{n % items + 1}", "field": None, "old": None, "new": None, "on": DAYS[n % len(DAYS)],
                "recorded": stamp, "source": None, "note": f"entry-{n:04d}"} for n in range(notes)]
    path.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": entries, "history": history}))
    return path


def _notes(text: str) -> list[str]:
    return re.findall(r"entry-\d{4}", text)


def _page_back(run) -> list[str] | None:
    """The arguments of the command that the line on stderr says shows the page before."""
    found = re.search(r"`([^`]*)`", run.stderr)
    if not found:
        return None
    words = shlex.split(found.group(1))
    assert words[0] == "tracker"
    return words[1:]


# -- a screenful for people, and the way to more ----------------------------------------

def test_a_table_shows_the_last_screenful_and_how_to_page_back(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    everything = tracker.ok("history", "--json").json()
    run = tracker.ok("history")
    last = everything[-25:]
    # The latest changes, in the order they happened.
    assert _notes(run.stdout) == [change["note"] for change in last]
    assert run.stderr == (f"Showing the last 25 changes; 15 more came before them (`tracker history --before "
                          f"{last[0]['id']}` shows those, --limit 0 shows them all).\n")
    # A page that holds the whole log says nothing more.
    whole = tracker.ok("history", "--limit", "40")
    assert len(_notes(whole.stdout)) == 40 and whole.stderr == ""


def test_limit_shows_the_last_changes_and_zero_shows_all(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    everything = [change["note"] for change in tracker.ok("history", "--json").json()]
    assert _notes(tracker.ok("history", "--limit", "3").stdout) == everything[-3:]
    run = tracker.ok("history", "--limit", "0")
    assert _notes(run.stdout) == everything and run.stderr == ""


def test_what_was_left_out_is_counted_up_to_a_cap(tracker, tmp_path, monkeypatch):
    from tracker.commands import history as history_module

    monkeypatch.setattr(history_module, "COUNT_CAP", 3)
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    assert "; more than 3 more came before them" in tracker.ok("history", "--limit", "5").stderr
    assert "; 3 more came before them" in tracker.ok("history", "--limit", "37").stderr


@pytest.mark.parametrize("options", [[], ["--json"], ["A2"], ["--since", "2025-11-03"],
                                     ["A1", "--since", "2025-11-02", "--tz", "Asia/Tokyo"]])
def test_pages_join_up_with_no_gap_and_no_overlap(tracker, tmp_path, options):
    """Paged back by the command each page names, down to the first change: every
    change once, in order, though many happened at the same instant."""
    tracker.ok("import", str(_log(tmp_path / "log.json", 60)))
    filters = [word for word in options if word != "--json"]
    everything = [change["note"] for change in tracker.ok("history", *filters, "--json").json()]
    assert len(everything) > 14 and len(set(everything)) == len(everything)
    shown: list[str] = []
    arguments: list[str] | None = ["history", *options, "--limit", "7"]
    pages = 0
    while arguments:
        run = tracker.ok(*arguments)
        page = [c["note"] for c in run.json()] if "--json" in options else _notes(run.stdout)
        assert 0 < len(page) <= 7
        shown = page + shown
        pages += 1
        arguments = _page_back(run)
        if arguments:
            # The same question, one page further back.
            assert sorted(arguments[:-2]) == sorted(["history", *options, "--limit", "7"]) and arguments[-2] == "--before"
    assert shown == everything and pages == -(-len(everything) // 7)


def test_before_takes_a_change_id_or_a_time(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 20)))
    everything = tracker.ok("history", "--json").json()
    tenth = everything[9]
    assert tracker.ok("history", "--before", str(tenth["id"]), "--json").json() == everything[:9]
    # A date: what happened before that day began, in the reader's zone (--on days by their date).
    before_day = [c for c in everything if c["on"] < "2025-11-03"]
    assert before_day and tracker.ok("history", "--before", "2025-11-03", "--json").json() == before_day
    assert _notes(tracker.ok("history", "--before", "2025-11-03", "--limit", "0").stdout) == \
        [c["note"] for c in before_day]


@pytest.mark.parametrize("value", ["junk", "0", "12345", "99999999999999999999", "", "2025-02-30"])
def test_a_bad_before_is_one_line_and_exit_2(tracker, tmp_path, value):
    tracker.ok("import", str(_log(tmp_path / "log.json", 5)))
    run = tracker("history", "--before", value)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("tracker: error: --before ")


def test_since_and_a_ref_keep_working_with_the_limit(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    everything = tracker.ok("history", "--json").json()
    mine = [c["note"] for c in everything if c["ref"] == "A2" and c["on"] >= "2025-11-04"]
    run = tracker.ok("history", "A2", "--since", "2025-11-04", "--limit", "2")
    assert _notes(run.stdout) == mine[-2:]
    assert f"`tracker history A2 --since 2025-11-04 --limit 2 --before " in run.stderr


@pytest.mark.parametrize("value", ["\u0661\u0662", "\u0967\u0968", "\uff11\uff12", "-1", " -12 "])
def test_before_takes_an_id_in_digits_0_to_9_and_positive(tracker, tmp_path, value):
    # int() reads Arabic-Indic, Devanagari and full-width digits: "١٢" would be change 12.
    tracker.ok("import", str(_log(tmp_path / "log.json", 20)))
    run = tracker("history", "--before", value)
    assert run.code == 2 and run.stdout == "" and run.stderr.count("\n") == 1
    assert "a change id is a positive whole number in digits 0-9" in run.stderr


@pytest.mark.parametrize("args", [("show", "A\u0661"), ("report", "--week", "2025-W\u0664\u0668"),
                                  ("list", "--from", "\u0662\u0660\u0662\u0665-11-01"),
                                  ("history", "--since", "2025-11-0\u0661")])
def test_numbers_elsewhere_are_read_in_digits_0_to_9_only(tracker, tmp_path, args):
    tracker.ok("import", str(_log(tmp_path / "log.json", 3)))
    run = tracker(*args)
    assert run.code == 2 and run.stdout == "" and run.stderr.count("\n") == 1
    # Refused as what it is not, not as a date that "does not exist (Invalid isoformat ...)".
    assert run.stderr.startswith("tracker: error: ") and " is not a" in run.stderr


@pytest.mark.parametrize("since, meant", [("today", "2025-11-29T00:00:00+01:00"),
                                          ("-2w", "2025-11-15T00:00:00+01:00")])
def test_the_page_back_pins_a_relative_since_to_what_it_meant(tracker, tmp_path, since, meant):
    # Paged back tomorrow, "today" would be another day: the line says the day it meant.
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    tracker.ok("add", "event", "Late talks", "--start", "2025-12-20")
    for n in range(3):
        tracker.ok("update", "E1", "--note", f"late-{n}")
    run = tracker.ok("history", "--since", since, "--limit", "2")
    words = _page_back(run)
    assert words[words.index("--since") + 1] == meant
    later = tracker.ok(*words, TRACKER_NOW="2025-12-30T10:00:00Z")
    assert "late-0" in later.stdout


def test_the_page_back_of_one_change_says_it(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 6)))
    run = tracker.ok("history", "--limit", "1")
    assert run.stderr.startswith("Showing the last 1 change; 5 more came before it (")


# -- --json: every change, written as it is read --------------------------------------

def test_json_prints_every_change_unless_a_limit_is_given(tracker, tmp_path):
    tracker.ok("import", str(_log(tmp_path / "log.json", 40)))
    run = tracker.ok("history", "--json")
    assert len(run.json()) == 40 and run.stderr == ""
    limited = tracker.ok("history", "--json", "--limit", "10")
    assert limited.json() == run.json()[-10:]
    assert limited.stderr.startswith("Showing the last 10 changes; 30 more came before them")


def test_the_json_of_history_is_the_document_made_whole(summit):
    from tracker.render.json import change_data, dumps, write_array

    summit.ok("update", "A1", "--party", "India", "--party", 'Rus"sia\x1b[31m', "--note", "line\u2028two\u202e \\ भारत",
              "--source", "https://example.org/a?b=1&c=<2>")
    summit.ok("add", "event", "Talks\tnext", "--start", "2025-12-20", "--tag", "a\tb")
    store = Store(summit.db)
    whole = dumps([{**change_data(c), "id": c.id, "retracted": c.retracted} for c in store.history()]) + "\n"
    assert summit.ok("history", "--json").stdout == whole
    stream = io.StringIO()
    assert write_array(({**change_data(c), "id": c.id} for c in core.history(store, None).changes), stream) == 6
    assert stream.getvalue() == dumps([{**change_data(c), "id": c.id} for c in store.history()]) + "\n"


def test_a_long_log_keeps_each_status_change_on_one_line(tracker, tmp_path):
    """The whole log streamed: Change is laid out from its first rows, all "created as
    expected", yet "status expected → stalled", later, fits it whole."""
    stamp = "2025-10-01T00:00:00+00:00"
    count = 150
    items = [{"ref": f"A{n}", "uid": f"a-{n}", "type": "agreement", "title": f"Pact {n}", "kind": "mou",
              "status": "stalled", "created": stamp, "updated": stamp} for n in range(1, count + 1)]
    history = [{"ref": f"A{n}", "field": "created", "old": None, "new": "expected", "on": "2025-10-01",
                "recorded": stamp, "source": None, "note": "reported"} for n in range(1, count + 1)]
    history += [{"ref": f"A{n}", "field": "status", "old": "expected", "new": "stalled", "on": "2025-10-02",
                 "recorded": stamp, "source": None, "note": "reported"} for n in range(1, count + 1)]
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"format": "tracker-export", "version": 1, "items": items, "history": history}))
    tracker.ok("import", str(log))
    table = tracker.ok("history", "--limit", "0", COLUMNS="120").stdout
    assert table.count("status expected → stalled") == count
    assert len(table.splitlines()) == 2 * count + 5     # title, frame, header, rule, rows, bottom


def test_history_keeps_memory_flat(tracker, tmp_path):
    """Peak memory of writing a log of 400 changes, then 4000, as JSON and as a table:
    about the same, where a list made whole grows tenfold."""
    from tracker.render.json import change_data, write_array
    from tracker.render.text import history_frame, history_row

    peaks: dict[str, list[int]] = {"json": [], "table": []}
    for size in (400, 4000):
        db = tmp_path / f"{size}.db"
        tracker.ok("import", str(_log(tmp_path / f"{size}.json", size)), TRACKER_DB=str(db))
        store = Store(db)
        for shape in peaks:
            page = core.history(store, None)
            tracemalloc.start()
            if shape == "json":
                write_array((change_data(c) for c in page.changes), _Discard())
            else:
                console = Console(file=_Discard(), width=120, color_system=None)
                assert history_frame().print_rows(console, (history_row(c) for c in page.changes)) == size
            peaks[shape].append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        store.close()
    assert all(small * 3 > large for small, large in peaks.values()), peaks


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


# -- a table printed as its rows come -------------------------------------------------

def _table() -> Table:
    table = Table(title="T")
    table.add_column("On")
    table.add_column("Note", min_width=10)
    return table


def _printed(rows, sample: int, width: int = 40) -> str:
    buffer = io.StringIO()
    _table().print_rows(Console(file=buffer, width=width, color_system=None), rows, sample=sample)
    return buffer.getvalue()


def test_a_table_of_few_rows_is_the_table_made_whole():
    rows = [("2025-11-01", "short"), ("2025-11-02", "a longer note \x1b here")]
    whole = _table()
    for row in rows:
        whole.add_row(*row)
    buffer = io.StringIO()
    Console(file=buffer, width=40, color_system=None).print(whole)
    assert _printed(rows, sample=5) == buffer.getvalue()
    assert _printed([], sample=5) == ""


def test_rows_past_the_sample_keep_the_widths_and_wrap_within_them():
    rows = [(f"2025-11-0{n}", "short") for n in range(1, 4)]
    rows.append(("2025-11-09", "a much longer note that comes late and must wrap, whole"))
    text = _printed(rows, sample=2)
    lines = text.splitlines()
    assert len({len(line) for line in lines[1:]}) == 1 and len(lines[1]) == 40     # the screen's width
    assert [line.split()[1] for line in lines if "2025-11-0" in line] == [r[0] for r in rows]
    late = lines[next(i for i, line in enumerate(lines) if "2025-11-09" in line):-1]
    assert len(late) > 1 and " ".join(" ".join(line.split("│")[2].split()) for line in late) == rows[-1][1]
    assert lines[-1].startswith("└")


# -- the log read from its indexes in order ---------------------------------------------

@pytest.mark.parametrize("ref", [None, "A2"])
@pytest.mark.parametrize("since", [None, "2025-11-02"])
@pytest.mark.parametrize("before", [None, "id", "2025-11-04"])
@pytest.mark.parametrize("limit", [0, 7])
@pytest.mark.sqlite_only
def test_history_reads_the_log_in_order(tracker, tmp_path, monkeypatch, ref, since, before, limit):
    from tracker.model import parse_ref

    tracker.ok("import", str(_log(tmp_path / "log.json", 60)))
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    dates.set_now(None)
    store = Store(tracker.db)
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    page = core.history(store, parse_ref(ref) if ref else None, since, "30" if before == "id" else before, limit, 100)
    assert list(page.changes)
    conn = sqlite3.connect(tracker.db)
    plans = [(sql, " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)))
             for sql in statements if sql.startswith("SELECT") and "ORDER BY changes.happened_utc" in sql]
    assert len(plans) >= (2 if limit else 1)
    for sql, plan in plans:
        assert "TEMP B-TREE" not in plan, (sql, plan)
        assert re.search(r"SCAN changes(?! USING (COVERING )?INDEX changes_by_happened\b)", plan) is None, (sql, plan)
        assert ("changes_by_item_happened" if ref else "changes_by_happened") in plan, (sql, plan)


@pytest.mark.parametrize("since", [None, "2025-11-02", "2025-11-02T00:00+00:00"])
@pytest.mark.parametrize("before", [False, True])
@pytest.mark.parametrize("ref", [None, "A7"])
def test_a_page_reads_as_much_at_any_size(tracker, tmp_path, monkeypatch, since, before, ref):
    """The SQLite work of the last page, counted in steps of its virtual machine, is the
    same for 400 changes as for 4000, --since or not: the read starts at the page, not at
    the start of the stretch (SQLite reads an index from one lower bound only)."""
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    dates.set_now(None)
    steps = []
    for size in (400, 4000):
        db = tmp_path / f"{size}.db"
        # Ten changes an item at both sizes: what a change's row looks up in its item's
        # log (whether it is dated before the item was added) stays the same.
        tracker.ok("import", str(_log(tmp_path / f"{size}.json", size, items=size // 10)), TRACKER_DB=str(db))
        store = Store(db)
        counted = [0]

        def step() -> int:
            counted[0] += 1
            return 0

        # Before the latest change: a page back from among the many of its instant.
        latest = str(store.conn.execute("SELECT max(id) FROM changes").fetchone()[0]) if before else None
        store.conn.set_progress_handler(step, 100)
        page = core.history(store, Ref("agreement", 7) if ref else None, since, latest, 7 if not ref else 3, 10)
        assert len(list(page.changes)) == (7 if not ref else 3)
        steps.append(counted[0])
        store.close()
    assert steps[1] < steps[0] * 2, steps


def test_the_way_back_keeps_the_database_and_clock_given_on_the_command_line(tracker, tmp_path):
    other = tmp_path / "other place" / "log.db"
    other.parent.mkdir()
    tracker.ok("import", str(_log(tmp_path / "log.json", 10)), TRACKER_DB=str(other))
    run = tracker.ok("--db", str(other), "--now", "2025-11-20T10:00:00Z", "history", "--limit", "4")
    back = _page_back(run)
    assert back[:5] == ["--db", str(other), "--now", "2025-11-20T10:00:00Z", "history"]
    # Found there, with the database of the environment elsewhere.
    assert len(_notes(tracker.ok(*back).stdout)) == 4
    assert "--db" not in tracker.ok("history", "--limit", "4", TRACKER_DB=str(other)).stderr
