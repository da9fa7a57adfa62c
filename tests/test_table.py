"""tracker's own table layout: it must look like Rich's table, and fit the screen."""

from __future__ import annotations

import io

import pytest
from rich import table as rich_table
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from tracker.render.table import Table, _wrap

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
