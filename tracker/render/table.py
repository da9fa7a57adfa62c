"""Tables for a terminal, laid out here rather than by rich.table.

They look like Rich's default table (a heavy head, a light body, the title above
in italics) and are a Rich renderable, so a Console prints them, colours them or
not, and writes them to a file like anything else. What differs is the work: Rich
measures and renders every cell through its whole pipeline, about 2 ms a row
here, most of `tracker list`; this measures each cell once with `cell_len`,
wraps only the cells that do not fit, and yields segments, a tenth of that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.text import Text

# Rich's box.HEAVY_HEAD: top, header row, head/body rule, body row, bottom.
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", "┃", "┃")
_RULE = ("┡", "━", "╇", "┩")
_BODY = ("│", "│", "│")
_BOTTOM = ("└", "─", "┴", "┘")
_NARROWEST = 6      # a column that wraps is never made narrower than this (or its header)


@dataclass
class Column:
    header: str
    no_wrap: bool = False       # keeps its width; the others are narrowed first
    style: str = ""


class Table:
    """A table of Text or str cells: `add_column`, `add_row`, then print it."""

    def __init__(self, title: str | None = None, *, box: bool = True, padding: int = 1,
                 show_header: bool = True):
        self.title = title
        self.box = box
        self.padding = padding
        self.show_header = show_header and box
        self.columns: list[Column] = []
        self.rows: list[list[Text]] = []

    @classmethod
    def grid(cls, padding: int = 2) -> Table:
        """Columns side by side, no borders and no header (a name and its value)."""
        return cls(box=False, padding=padding, show_header=False)

    def add_column(self, header: str = "", *, no_wrap: bool = False, style: str = "") -> None:
        self.columns.append(Column(header, no_wrap, style))

    def add_row(self, *cells: Text | str | None) -> None:
        row = []
        for column, value in zip(self.columns, cells):
            text = value if isinstance(value, Text) else Text(value or "")
            if column.style:
                # The column's style under the cell's own, as Rich does.
                text = text.copy()
                text.style = f"{column.style} {text.style}" if isinstance(text.style, str) and text.style \
                    else column.style
            row.append(text)
        self.rows.append(row)

    # -- layout ---------------------------------------------------------------------

    def _widths(self, max_width: int) -> list[int]:
        widths = [cell_len(column.header) if self.show_header else 0 for column in self.columns]
        for row in self.rows:
            for index, text in enumerate(row):
                length = cell_len(text.plain) if "\n" not in text.plain else \
                    max(cell_len(line) for line in text.plain.split("\n"))
                if length > widths[index]:
                    widths[index] = length
        frame = (2 * self.padding + 1) * len(widths) + 1 if self.box else self.padding * (len(widths) - 1)
        excess = sum(widths) + frame - max_width
        if excess <= 0:
            return widths
        # Too wide: narrow the widest column that may wrap, a cell at a time, first
        # down to its longest word (so that words stay whole), then further.
        words = [max([cell_len(c.header)] + [cell_len(word) for row in self.rows for word in row[i].plain.split()])
                 for i, c in enumerate(self.columns)]
        for floors in (words, [max(_NARROWEST, cell_len(c.header)) for c in self.columns]):
            while excess > 0:
                candidates = [i for i, column in enumerate(self.columns)
                              if not column.no_wrap and widths[i] > floors[i]]
                if not candidates:
                    break
                widest = max(candidates, key=lambda i: widths[i])
                widths[widest] -= 1
                excess -= 1
        return widths

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        if not self.columns:
            return
        widths = self._widths(options.max_width)
        new_line = Segment.line()
        pad = Segment(" " * self.padding)
        if self.title:
            yield Segment(self.title, console.get_style("table.title"))
            yield new_line
        if self.box:
            yield self._frame(_TOP, widths)
            yield new_line
        if self.show_header:
            header_style = console.get_style("table.header")
            yield from self._row([Text(c.header, style=header_style) for c in self.columns], widths, _HEAD,
                                 console, pad, new_line)
            yield self._frame(_RULE, widths)
            yield new_line
        for row in self.rows:
            yield from self._row(row, widths, _BODY if self.box else None, console, pad, new_line)
        if self.box:
            yield self._frame(_BOTTOM, widths)
            yield new_line

    def _frame(self, chars: tuple[str, str, str, str], widths: list[int]) -> Segment:
        """A line of the frame: left corner, a run of the line over each column, the joints, right corner."""
        left, line, joint, right = chars
        return Segment(left + joint.join(line * (width + 2 * self.padding) for width in widths) + right)

    def _row(self, row: list[Text], widths: list[int], edges: tuple[str, str, str] | None, console: Console,
             pad: Segment, new_line: Segment) -> Iterator[Segment]:
        cells: list[list[Text]] = []
        for text, width in zip(row, widths):
            if cell_len(text.plain) <= width and "\n" not in text.plain:
                cells.append([text])
            elif not text.spans:
                cells.append([Text(line, style=text.style) for line in _wrap(text.plain, width)] or [Text()])
            else:
                cells.append(list(text.wrap(console, width, overflow="fold")) or [Text()])
        pad_text = pad.text
        last = len(widths) - 1
        for line in range(max(len(lines) for lines in cells)):
            # Unstyled runs (borders, padding, plain cells) are joined into one
            # segment: the console's work is per segment.
            plain = edges[0] if edges else ""
            for index, (lines, width) in enumerate(zip(cells, widths)):
                if edges or index:
                    plain += pad_text
                if line < len(lines):
                    text = lines[line]
                    if text.spans or text.style:
                        if plain:
                            yield Segment(plain)
                            plain = ""
                        if text.spans:
                            yield from text.render(console)      # spans over the base style
                        else:
                            yield Segment(text.plain, console.get_style(text.style))
                    else:
                        plain += text.plain
                    width -= cell_len(text.plain)
                if width > 0 and (edges or index < last):
                    plain += " " * width
                if edges:
                    plain += pad_text + (edges[1] if index < last else edges[2])
            if plain:
                yield Segment(plain)
            yield new_line


def _wrap(plain: str, width: int) -> list[str]:
    """Words over lines of at most `width` cells; a longer word is cut. Text.wrap does
    the same for text of many styles, at several times the cost."""
    lines: list[str] = []
    for paragraph in plain.split("\n"):
        current: list[str] = []
        used = 0
        for word in paragraph.split():
            size = cell_len(word)
            if size > width:
                if current:
                    lines.append(" ".join(current))
                pieces = chop_cells(word, width)
                lines += pieces[:-1]
                current, used = [pieces[-1]], cell_len(pieces[-1])
                continue
            needed = used + 1 + size if current else size
            if current and needed > width:
                lines.append(" ".join(current))
                current, needed = [], size
            current.append(word)
            used = needed
        lines.append(" ".join(current))
    return lines
