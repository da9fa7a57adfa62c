"""tracker's own table layout: it must look like Rich's table, and fit the screen."""

from __future__ import annotations

import io

import pytest
from rich import table as rich_table
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from tracker.render.cells import _wrap
from tracker.render.table import Table

ROWS = [
    ("A1", "Labour mobility pact", "expected", "India, Russia"),
    ("A12", "Additional S-400 systems and their maintenance", "negotiating", "India, Russia"),
    ("A3", "日本語のタイトル", "signed", "Japan"),
]


def printed(renderable, width: int, colour: bool = False) -> str:
    console = Console(file=io.StringIO(), width=width, markup=False, highlight=False,
                      color_system="standard" if colour else None, force_terminal=colour)
    console.print(renderable)
    return console.file.getvalue()


def ours() -> Table:
    table = Table(title="Agreements")
    for name in ("Ref", "Title", "Status", "Parties"):
        table.add_column(name, no_wrap=name == "Ref")
    for row in ROWS:
        table.add_row(*row)
    return table


def test_it_looks_like_richs_table_when_everything_fits():
    theirs = rich_table.Table(title="Agreements", title_justify="left")
    for name in ("Ref", "Title", "Status", "Parties"):
        theirs.add_column(name, no_wrap=name == "Ref")
    for row in ROWS:
        theirs.add_row(*row)
    # Rich pads the title line to the table's width; nothing else differs.
    assert printed(ours(), 120) == "\n".join(line.rstrip() if line.startswith("Agreements") else line
                                             for line in printed(theirs, 120).split("\n"))


@pytest.mark.parametrize("width", [36, 44, 50, 64, 80])
def test_a_narrow_screen_wraps_cells_and_every_line_fits(width):
    lines = printed(ours(), width).rstrip("\n").split("\n")
    assert all(cell_len(line) <= width for line in lines), lines
    assert len({cell_len(line) for line in lines[1:]}) == 1          # the frame lines up
    if width >= 50:         # room for the longest words: none is cut
        text = " ".join(lines)
        for word in ("Additional", "maintenance", "negotiating", "Russia"):
            assert word in text, (word, lines)


def test_wide_characters_keep_the_frame_aligned():
    lines = printed(ours(), 30).rstrip("\n").split("\n")[1:]
    assert len({cell_len(line) for line in lines}) == 1, lines


def test_cells_keep_their_styles_and_plain_output_has_none():
    table = Table()
    table.add_column("Status")
    table.add_row(Text("signed", style="green"))
    assert "\x1b[32msigned" in printed(table, 40, colour=True)
    assert "\x1b[" not in printed(table, 40)


def test_a_grid_has_no_frame_and_pads_between_columns():
    grid = Table.grid(padding=2)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("status", "signed")
    grid.add_row("parties", "India, Russia")
    assert printed(grid, 40) == "status   signed\nparties  India, Russia\n"


def test_wrap_keeps_words_whole_and_cuts_only_longer_ones():
    assert _wrap("a bb ccc", 4) == ["a bb", "ccc"]
    assert _wrap("abcdefghij x", 4) == ["abcd", "efgh", "ij x"]
    assert _wrap("one\ntwo three", 9) == ["one", "two three"]
    assert _wrap("", 5) == [""]


# -- the layout on a narrow screen ---------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from test_narrow import terminal_cells  # noqa: E402
from tracker.render.cells import cells  # noqa: E402

HINDI = "भारत-रूस वार्षिक शिखर सम्मेलन समझौता"


def test_cells_are_what_a_terminal_gives_devanagari_and_cjk():
    # Rich counts the spacing vowel signs (ा ि ौ) as nothing; a terminal gives each a cell.
    assert cell_len(HINDI) == 26
    assert cells(HINDI) == terminal_cells(HINDI) == 32
    assert cells("日本語") == 6 and cells("Belém") == 5 and cells("e\u0301") == 1


def test_wrap_never_splits_a_word_that_fits_a_line():
    assert _wrap("Tropical Forest Forever Facility", 9) == ["Tropical", "Forest", "Forever", "Facility"]
    assert _wrap("Leaders' statement", 12) == ["Leaders'", "statement"]
    assert _wrap("a  b", 10) == ["a  b"]           # the spaces inside a line are the cell's own


def test_wrap_breaks_cjk_between_characters_and_never_before_a_mark():
    assert _wrap("due: 日本語のタイトル", 10) == ["due: 日本", "語のタイト", "ル"]
    # समझौता cut at 3 cells: each line starts with a letter, its vowel signs kept with it.
    assert _wrap("समझौता", 3) == ["सम", "झौ", "ता"]
    lines = _wrap(HINDI, 20)
    assert len(lines) == 2 and " ".join(lines).split() == HINDI.split()
    assert all(terminal_cells(line) <= 20 for line in lines)


def agreements() -> Table:
    table = Table(title="Agreements")
    table.add_column("Ref", no_wrap=True)
    table.add_column("Title", min_width=20, share=2)
    table.add_column("Kind", drop=3)
    table.add_column("Status")
    table.add_column("Due", no_wrap=True, drop=2)
    table.add_column("Parties", drop=1)
    table.add_row("A1", "Additional S-400 air defence systems", "deal", "negotiating", "2026-03-31",
                  "India, Russia")
    table.add_row("A12", HINDI, "pact", "expected", "", "India, Russia, European Union")
    return table


def headers_at(table: Table, width: int) -> list[str]:
    head = printed(table, width).split("\n")[2]
    return [name.strip() for name in head.split("┃")[1:-1]]


def test_columns_go_in_their_order_and_the_others_never():
    assert headers_at(agreements(), 120) == ["Ref", "Title", "Kind", "Status", "Due", "Parties"]
    assert headers_at(agreements(), 72) == ["Ref", "Title", "Kind", "Status", "Due"]
    assert headers_at(agreements(), 60) == ["Ref", "Title", "Kind", "Status"]
    assert headers_at(agreements(), 44) == ["Ref", "Title", "Status"]
    assert headers_at(agreements(), 30) == ["Ref", "Title", "Status"]
    # Narrower than that, words are cut, but the frame still fits.
    lines = printed(agreements(), 20).rstrip("\n").split("\n")[1:]
    assert {terminal_cells(line) for line in lines} == {20}


def test_a_title_keeps_its_minimum_while_another_column_can_go():
    layout = agreements()._layout(60)
    assert layout[1] >= 20 and layout[4] is None and layout[5] is None
    # Below that, the title gives its minimum up before any word is cut.
    layout = agreements()._layout(36)
    assert layout[1] == 36 - 3 - 11 - 10 and layout[1] >= cells("वार्षिक")


def test_a_long_url_is_cut_rather_than_holding_its_column_open():
    table = Table()
    table.add_column("Change")
    table.add_column("Note", drop=1)
    table.add_row("status expected → signed",
                  "Signed at the summit, see https://example.org/2025/12/05/india-russia-summit-outcomes-list")
    lines = printed(table, 80).rstrip("\n").split("\n")
    assert "Note" in lines[1] and all(terminal_cells(line) <= 80 for line in lines)


WORDS = st.sampled_from(["India", "Russia", "summit", "MoU", "Tropical", "statement", "Johannesburg,",
                         "भारत-रूस", "वार्षिक", "समझौता", "日本語", "共同声明", "Belém", "x" * 40])


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.lists(st.lists(WORDS, max_size=7).map(" ".join), min_size=4, max_size=4),
                     min_size=1, max_size=5),
       width=st.integers(min_value=24, max_value=140))
def test_any_table_fits_keeps_its_frame_and_its_words(rows, width):
    table = Table(title="Any")
    table.add_column("Ref", no_wrap=True)
    table.add_column("Title", min_width=20, share=2)
    table.add_column("Kind", drop=2)
    table.add_column("Parties", drop=1)
    for number, row in enumerate(rows, 1):
        table.add_row(f"A{number}", *row[:3])
    lines = printed(table, width).rstrip("\n").split("\n")[1:]
    assert all(terminal_cells(line) <= width for line in lines), lines
    assert len({terminal_cells(line) for line in lines}) == 1, lines
    layout = [width for width in table._layout(width) if width is not None]
    body = lines[lines.index(next(line for line in lines if line.startswith("┡"))) + 1:-1]
    # Every word no wider than its column is printed whole, on one line.
    for index, column_width in enumerate(layout[1:], 1):
        printed_words = {word for line in body for word in line.split("│")[index + 1].split()}
        for row in rows:
            for word in (row[index - 1].split() if index <= 3 else []):
                if cells(word) <= column_width and not any(cells(c) == 2 for c in word):
                    assert word in printed_words, (word, column_width, lines)


def test_a_tab_in_a_cell_prints_as_a_space_and_keeps_the_border_in_place():
    table = Table()
    table.add_column("Note")
    table.add_row(Text("see\tannex", style="dim"))
    lines = printed(table, 40).rstrip("\n").split("\n")
    assert "\t" not in "".join(lines) and "see annex" in lines[3]


# -- the weekly report's tables: Rich's SIMPLE_HEAD look, columns sharing the width by ratio --

NOTES = [("2025-12-05", "A2", "Labour mobility pact (agreement on temporary labour activity)",
          "status expected → signed", "Signed as the agreement on temporary labour activity (Sentinel Assam).",
          "https://www.sentinelassam.com/north-east-india-news/india-russia-seal-pacts"),
         ("2025-12-04 10:30 IST", "E1", "State visit", "note", "Lands in New Delhi.", "")]


def simple_tables() -> tuple[Table, rich_table.Table]:
    from rich import box

    ours, theirs = Table(simple=True), rich_table.Table(box=box.SIMPLE_HEAD, expand=True)
    for name, ratio in (("On", 0), ("Ref", 0), ("Title", 3), ("Change", 3), ("Note", 4), ("Source", 3)):
        ours.add_column(name, no_wrap=not ratio, ratio=ratio, min_width=10 if ratio else 0)
        theirs.add_column(name, no_wrap=not ratio, ratio=ratio or None, overflow="fold")
    for row in NOTES:
        ours.add_row(*row)
        theirs.add_row(*row)
    return ours, theirs


@pytest.mark.parametrize("width", [120, 100])
def test_ratio_columns_share_the_width_as_richs_do(width):
    ours, theirs = simple_tables()
    assert printed(ours, width) == printed(theirs, width).replace(" " * width, "")


def test_a_right_justified_column_lines_up_its_numbers_as_richs_does():
    from rich import box

    ours, theirs = Table(simple=True), rich_table.Table(box=box.SIMPLE_HEAD)
    ours.add_column("Event")
    theirs.add_column("Event")
    for name in ("signed", "all"):
        ours.add_column(Text(name, style="green"), justify="right")
        theirs.add_column(Text(name, style="green"), justify="right")
    for row in (("E2 23rd India-Russia Annual Summit", "14", "20"), ("at no event", "", "2")):
        ours.add_row(*row)
        theirs.add_row(*row)
    assert [line.rstrip() for line in printed(ours, 120).split("\n")] == \
        [line.rstrip() for line in printed(theirs, 120).split("\n")]
    assert "\x1b[1;32msigned" in printed(ours, 120, colour=True)       # the header's bold, over its own style


def test_ratio_columns_too_narrow_leave_columns_out_instead():
    ours, _ = simple_tables()
    for column in ours.columns:
        column.drop = {"Source": 1, "Title": 2}.get(column.title, 0)
    lines = printed(ours, 60).rstrip("\n").split("\n")
    assert "Source" not in lines[1] and all(terminal_cells(line) <= 60 for line in lines)
