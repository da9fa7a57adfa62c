"""A title is one line: a line break in it is refused, and one already stored (an
older database) is shown as \\n, so that it cannot print what reads as a field of its own.
A note may run over lines, inside its column."""

from __future__ import annotations

import json

import pytest

from test_bad_input import check_one_line_error
from tracker.errors import BadArgument
from tracker.model import check_title
from tracker.render.safe import printable

BREAKS = ["\n", "\r\n", "\r", "\v", "\f", "\u2028", "\u2029", "\x85"]
SPOOF = "Arms deal\nstatus   signed"


@pytest.mark.parametrize("line_break", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_title_with_a_line_break_is_refused(summit, line_break):
    title = f"Arms deal{line_break}status   signed"
    before = summit.dump()
    for args in (["add", "agreement", title, "--status", "rumoured"], ["add", "event", title],
                 ["update", "A1", "--title", title]):
        check_one_line_error(summit(*args), 2, "the title holds a line break: give it on one line")
    assert summit.dump() == before


def test_files_with_a_title_on_two_lines_are_refused(summit, tmp_path):
    news = tmp_path / "news.json"
    news.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "agreement", "uid": "arms", "set": {"title": SPOOF}}]}))
    exported = tmp_path / "backup.json"
    summit.ok("export", "-o", str(exported))
    backup = json.loads(exported.read_text())
    backup["items"][2]["title"] = SPOOF
    exported.write_text(json.dumps(backup))
    before = summit.dump()
    check_one_line_error(summit("apply", str(news)), 2, "update 1: the title holds a line break")
    other = tmp_path / "other.db"
    check_one_line_error(summit("import", str(exported), TRACKER_DB=str(other)), 2,
                         "item 3 (A1): the title holds a line break")
    assert summit.dump() == before


@pytest.fixture
def spoofed(summit):
    """A1's title holds a line break, as an older tracker let it; and A1 has a note on two lines."""
    summit.ok("update", "A1", "--note", "line one\nstatus   signed")
    summit.execute("UPDATE items SET title = ? WHERE type = 'agreement' AND num = 1", (SPOOF,))
    return summit


def test_a_stored_title_with_a_line_break_prints_on_one_line(spoofed):
    shown = spoofed.ok("show", "A1").stdout
    assert shown.splitlines()[0] == "A1       Arms deal\\nstatus   signed"
    # The only field line that starts "status" is the real one.
    assert [line for line in shown.splitlines() if line.startswith("status")] == ["status   expected"]
    for args in (["list"], ["history"], ["show", "E1"]):
        out = spoofed.ok(*args).stdout
        assert SPOOF not in out and "Arms deal\\nstatus   signed" in out, args
    said = spoofed.ok("update", "A1", "--status", "negotiating").stderr
    assert "updated A1: Arms deal\\nstatus   signed\n" in said


def test_a_note_on_two_lines_stays_in_its_column(spoofed):
    shown = spoofed.ok("show", "A1").stdout
    first = next(line for line in shown.splitlines() if "line one" in line)
    second = next(line for line in shown.splitlines() if "status   signed" in line and "Arms deal" not in line)
    # The second line of the note is inside the table, under the first: it starts
    # with the table's border, not as a field line of its own.
    assert second.startswith("│") and second.index("status") == first.index("line one")


def test_check_title_and_one_line():
    from tracker.render.safe import one_line

    assert check_title("  G20 summit \n") == "G20 summit"      # a break at an end is space
    with pytest.raises(BadArgument, match="line break"):
        check_title("G20\u2028summit")
    assert one_line("a\nb\rc\x1bd") == "a\\nb\\x0dc\\x1bd"
    assert printable("a\nb") == "a\nb"          # a note keeps its lines
