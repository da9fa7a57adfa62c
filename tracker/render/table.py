"""Tables for a terminal, laid out here rather than by rich.table.

They look like Rich's default table (a heavy head, a light body, the title above
in italics) and are a Rich renderable, so a Console prints them, colours them or
not, and writes them to a file like anything else. What differs is the work: Rich
measures and renders every cell through its whole pipeline, about 2 ms a row
here, most of `tracker list`; this measures each cell once, wraps only the cells
that do not fit, and yields segments, a tenth of that.

And the layout, when the screen is narrower than the table (see `_layout`): no
word is split where a line break between words would do, the columns that matter
least are left out first (each column says when, `drop`), titles keep a useful
width, and every line fits: the frame is never cut off.

A table may also have Rich's SIMPLE_HEAD look (`simple=True`: a rule under the
header, no other lines), and columns with a `ratio`, which share the whole width
between them as Rich's do (the weekly report's tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.text import Text

from tracker.render.cells import GLUE, _line_ranges, _one_cell_a_character, _word_sizes, _words, cells

# Rich's box.HEAVY_HEAD: top, header row, head/body rule, body row, bottom.
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", "┃", "┃")
_RULE = ("┡", "━", "╇", "┩")
_BODY = ("│", "│", "│")
_BOTTOM = ("└", "─", "┴", "┘")
# The same frame for a stdout that cannot show those (PYTHONIOENCODING=ascii).
_FRAMES = (_TOP, _HEAD, _RULE, _BODY, _BOTTOM)
_ASCII_FRAMES = (("+", "-", "+", "+"), ("|", "|", "|"), ("+", "-", "+", "+"), ("|", "|", "|"), ("+", "-", "+", "+"))
# Rich's box.SIMPLE_HEAD: a blank line for the top and the bottom, spaces between the
# columns, and a rule under the header only.
_SIMPLE_EDGES = (" ", " ", " ")
_SIMPLE_RULE = (" ", "─", "─", " ")
_ASCII_SIMPLE_RULE = (" ", "-", "-", " ")
# A longer "word" is a URL, a path or an identifier, not prose: it is cut where it
# does not fit, rather than holding its column open or pushing others out.
_LONG_WORD = 30
@dataclass
class Column:
    header: str | Text
    no_wrap: bool = False       # one line, at its full width, as long as the screen allows
    style: str = ""
    # 0: always shown. 1, 2, ...: when the screen is too narrow for every column
    # with its words whole, columns are left out in this order (1 first).
    drop: int = 0
    # Not narrowed below this (or its full width, if less) while a column can
    # still be left out instead: a title squeezed to one word a line reads badly.
    min_width: int = 0
    # Its part of the width left over once every column has its minimum.
    share: int = 1
    justify: str = "left"       # or "right", for numbers
    # Columns with a ratio fill the whole width, shared in these proportions (as
    # Rich's ratio columns do), while each still gets its `min_width`; the others
    # keep their full width.
    ratio: int = 0
    # The longest value tracker's own vocabulary puts in this column ("status
    # negotiating → initialled"): a table streamed a few rows at a time, laid out from
    # its first rows, keeps room for it, so that later rows do not wrap.
    longest: str = ""
    # On a screen too narrow for every column, its cells are kept whole up to this
    # width (a phrase of tracker's: "status confirmed → held") before a column that
    # can be left out keeps its place.
    whole_up_to: int = 0

    @property
    def title(self) -> str:
        return self.header.plain if isinstance(self.header, Text) else self.header


class Table:
    """A table of Text or str cells: `add_column`, `add_row`, then print it."""

    def __init__(self, title: str | None = None, *, box: bool = True, padding: int = 1,
                 show_header: bool = True, simple: bool = False):
        self.title = title
        self.box = box
        self.simple = simple and box
        self.padding = padding
        self.show_header = show_header and box
        self.columns: list[Column] = []
        self.rows: list[list[Text]] = []
        # Columns left out whatever the width: those a table printed with it leaves out,
        # so that the two show the same (see `left_out`).
        self.leave_out: set[int] = set()

    @classmethod
    def grid(cls, padding: int = 2) -> Table:
        """Columns side by side, no borders and no header (a name and its value)."""
        return cls(box=False, padding=padding, show_header=False)

    def add_column(self, header: str | Text = "", *, no_wrap: bool = False, style: str = "", drop: int = 0,
                   min_width: int = 0, share: int = 1, justify: str = "left", ratio: int = 0,
                   longest: str = "", whole_up_to: int = 0) -> None:
        self.columns.append(Column(header, no_wrap, style, drop, min_width, share, justify, ratio, longest,
                                   whole_up_to))

    def add_row(self, *cells: Text | str | None) -> None:
        self.rows.append(self._cells(cells))

    def _cells(self, cells) -> list[Text]:
        row = []
        for column, value in zip(self.columns, cells):
            if not isinstance(value, Text):
                value = value or ""
                if not column.style and value.isascii() and value.isprintable():
                    row.append(_PlainCell(value))
                    continue
            text = value if isinstance(value, Text) else Text(value)
            if column.style:
                # The column's style under the cell's own, as Rich does.
                text = text.copy()
                text.style = f"{column.style} {text.style}" if isinstance(text.style, str) and text.style \
                    else column.style
            if "\t" in text.plain:
                # A terminal moves a tab to its next stop, and the border with it.
                text = text.copy()
                text.plain = text.plain.replace("\t", " ")
            row.append(text)
        return row

    def print_rows(self, console: Console, rows: Iterable[Sequence[Text | str | None]], sample: int = 100) -> int:
        """Print the table as its rows come, a few at a time: memory stays flat however
        many there are. Up to `sample` rows, this is the table add_row() and print would
        show. With more, the widths are laid out from the first `sample` rows and kept,
        the columns that wrap text (those with a `min_width`) taking the width left over,
        a column with a `longest` value at least as wide as that,
        and a later cell wider than its column wraps within it: nothing is cut. Prints
        nothing without rows; returns how many it printed."""
        rows = iter(rows)
        self.rows = [self._cells(cells) for cells in islice(rows, sample)]
        following = next(rows, None)
        if following is None:
            if self.rows:
                console.print(self)
            return len(self.rows)
        max_width = console.options.max_width
        # Laid out as if a row of the columns' longest known values were among the first.
        sampled = self.rows
        self.rows = sampled + [[Text(column.longest) for column in self.columns]]
        layout = self._layout(max_width)
        self.rows = sampled
        shown = [index for index, width in enumerate(layout) if width is not None]
        widths = {index: layout[index] for index in shown}
        self._share_out(max_width - self._frame_width(len(shown)) - sum(widths.values()), widths,
                        [max_width] * len(layout), [i for i in shown if self.columns[i].min_width])
        layout = [widths.get(index) for index in range(len(layout))]
        printed = len(self.rows)
        # Every line fits: the console need not measure each to crop it (and would keep the
        # last few thousand in its cache of widths, memory that grows with the table).
        crop = sum(widths.values()) + self._frame_width(len(shown)) > max_width or \
            cells(self.title or "") > max_width
        console.print(_Part(self, layout, self.rows, head=True), crop=crop)
        rows = chain([following], rows)
        while chunk := [self._cells(cells) for cells in islice(rows, sample)]:
            console.print(_Part(self, layout, chunk), crop=crop)
            printed += len(chunk)
        console.print(_Part(self, layout, [], foot=True), crop=crop)
        self.rows = []
        return printed

    # -- layout ---------------------------------------------------------------------

    def _frame_width(self, count: int) -> int:
        """The cells taken by borders and padding around `count` columns."""
        if self.box:
            return (2 * self.padding + 1) * count + 1
        return self.padding * max(count - 1, 0)

    def _layout(self, max_width: int) -> list[int | None]:
        """The width of each column, None for one left out.

        Everything fits: each column at its full width. Otherwise, in order:
        1. A column's floor is its longest word (a run of wide characters may
           break anywhere, as CJK text does), or its `min_width` if more. A word
           longer than its column could ever be, or than _LONG_WORD (a URL), is
           cut anyway, so it does not count.
        2. While the floors do not fit, the columns with the lowest `drop` go.
        3. If the columns that stay (drop=0) still do not fit, they give up
           their `min_width`, and then words are cut, widest column first.
        4. What is left is shared out: each column grows toward its full width,
           the narrowest (in proportion to `share`) first, so that short columns
           stay whole and titles (share=2) get a double part.
        """
        columns = self.columns
        count = len(columns)
        naturals = [cells(c.title) if self.show_header else 0 for c in columns]
        for row in self.rows:
            for index, text in enumerate(row):
                plain = text.plain
                length = cells(plain) if "\n" not in plain else max(map(cells, plain.split("\n")))
                if length > naturals[index]:
                    naturals[index] = length
        if any(c.ratio for c in columns):
            shared = self._ratio_layout(max_width, naturals)
            if shared is not None:
                return shared
        if sum(naturals) + self._frame_width(count) <= max_width and not self.leave_out:
            return list(naturals)

        # The widths of the words in each column, and of its widest character (with
        # its marks): the narrowest it can be.
        units, narrowest = zip(*(self._unit_widths(index) for index in range(count)))
        words = [naturals[i] if c.no_wrap else max(units[i], default=0) for i, c in enumerate(columns)]
        kept = [i for i, c in enumerate(columns) if not c.drop]
        for index, column in enumerate(columns):
            if column.no_wrap:
                continue
            others = [j for j in kept if j != index]
            room = max_width - self._frame_width(len(others) + 1) - sum(words[j] for j in others)
            if words[index] > min(room, _LONG_WORD):
                words[index] = max((size for size in units[index] if size <= min(room, _LONG_WORD)),
                                   default=narrowest[index])
        floors = [words[i] if c.no_wrap else max(words[i], min(naturals[i], max(c.min_width, c.whole_up_to)))
                  for i, c in enumerate(columns)]

        shown = [i for i in range(count) if i not in self.leave_out]
        for index in sorted((i for i in shown if columns[i].drop), key=lambda i: columns[i].drop):
            if sum(floors[i] for i in shown) + self._frame_width(len(shown)) <= max_width:
                break
            shown.remove(index)
        available = max_width - self._frame_width(len(shown))
        widths = {i: floors[i] for i in shown}
        if sum(widths.values()) > available:
            widths = {i: words[i] for i in shown}
        excess = sum(widths.values()) - available
        while excess > 0:
            # Words are cut now: the widest column first, none narrower than a character.
            candidates = [i for i in shown if widths[i] > narrowest[i]]
            if not candidates:
                break           # narrower than a frame: the console cuts the lines
            widest = max(candidates, key=lambda i: (not columns[i].no_wrap, widths[i]))
            widths[widest] -= 1
            excess -= 1
        growing = [i for i in shown if widths[i] < naturals[i]]
        self._share_out(-excess, widths, naturals, growing)
        # A wrapped column may not use its last cells ("2025-11-29 10:00" at 14
        # wraps as at 10): they go to the others, once.
        freed = 0
        for index in list(growing):
            used = self._used_width(index, widths[index])
            if used < widths[index]:
                freed += widths[index] - used
                widths[index] = used
                growing.remove(index)
        self._share_out(freed, widths, naturals, [i for i in growing if widths[i] < naturals[i]])
        return [widths.get(i) for i in range(count)]

    def left_out(self, max_width: int) -> set[int]:
        """The columns this table leaves out at `max_width`."""
        return {index for index, width in enumerate(self._layout(max_width)) if width is None}

    def _ratio_layout(self, max_width: int, naturals: list[int]) -> list[int | None] | None:
        """The whole width, as Rich shares it: the columns without a ratio at their full
        width, the rest in proportion to their ratios (Rich's ratio_distribute, each
        share rounded up in turn). None where a ratio column would get less than its
        `min_width`: then `_layout` leaves columns out instead. A column kept whole up
        to some width has it first, if its share is less, or as much of it as the others
        can give while each keeps its `min_width`; if that is not enough, the columns
        that can be left out go, lowest `drop` first, until it is (or none is left)."""
        gone = set(self.leave_out)
        droppable = sorted((i for i, c in enumerate(self.columns) if c.drop and i not in gone),
                           key=lambda i: self.columns[i].drop)
        while True:
            widths = self._ratio_widths(max_width, naturals, {}, gone)
            if widths is None:
                # Too narrow for every ratio column's minimum: a column of fixed width
                # (no_wrap) that can be left out goes first, if it is the next to go.
                if not droppable or not self.columns[droppable[0]].no_wrap:
                    return None
                gone.add(droppable.pop(0))
                continue
            short = False
            for index, column in enumerate(self.columns):
                if index in gone:
                    continue
                whole = min(naturals[index], column.whole_up_to)
                for target in range(whole, widths[index], -1):
                    raised = self._ratio_widths(max_width, naturals, {index: target}, gone)
                    if raised is not None:
                        widths = raised
                        break
                short = short or widths[index] < whole
            if not short or not droppable:
                break
            gone.add(droppable.pop(0))
        shown = [width for index, width in enumerate(widths) if index not in gone]
        if sum(shown) + self._frame_width(len(shown)) > max_width:
            return None
        return [None if index in gone else width for index, width in enumerate(widths)]

    def _ratio_widths(self, max_width: int, naturals: list[int], whole: dict[int, int],
                      gone: set[int] = frozenset()) -> list[int] | None:
        """The ratio columns' shares of what the others (and the `whole` ones, at their
        given widths) leave; the columns `gone` take nothing."""
        pad = 2 * self.padding
        shown = [i for i in range(len(self.columns)) if i not in gone]
        fixed = sum(naturals[i] + pad for i in shown if not self.columns[i].ratio)
        fixed += sum(width + pad for width in whole.values())
        remaining = max_width - self._frame_width(len(shown)) + pad * len(shown) - fixed
        total_ratio = sum(self.columns[i].ratio for i in shown if i not in whole)
        widths = list(naturals)
        for index in shown:
            column = self.columns[index]
            if index in whole:
                widths[index] = whole[index]
                continue
            if not column.ratio:
                continue
            share = max(1 + pad, -(-column.ratio * remaining // total_ratio))
            total_ratio -= column.ratio
            remaining -= share
            widths[index] = share - pad
            if widths[index] < column.min_width:
                return None
        return widths

    def _share_out(self, spare: int, widths: dict[int, int], naturals: list[int], growing: list[int]) -> None:
        """Spare cells, one at a time, to the narrowest column (in proportion to its share) still short."""
        while spare > 0 and growing:
            neediest = min(growing, key=lambda i: widths[i] / self.columns[i].share)
            widths[neediest] += 1
            spare -= 1
            if widths[neediest] >= naturals[neediest]:
                growing.remove(neediest)

    def _used_width(self, index: int, width: int) -> int:
        """The cells a column's widest line takes once its cells are wrapped at `width`."""
        used = 0
        texts = [row[index].plain for row in self.rows]
        if self.show_header:
            texts.append(self.columns[index].title)
        for plain in texts:
            size = cells(plain) if "\n" not in plain else width + 1
            if size > width:
                size = max(cells(plain[start:end]) for start, end in _line_ranges(plain, width))
            if size > used:
                used = size
                if used >= width:
                    break
        return used

    def _unit_widths(self, index: int) -> tuple[set[int], int]:
        """The widths of the pieces a column's text is not broken within where it fits
        (its words), and of the widest character it is never cut within (a wide one, or
        a letter with its vowel sign)."""
        texts = [row[index].plain for row in self.rows]
        if self.show_header:
            texts.append(self.columns[index].title)
        sizes: set[int] = set()
        widest = 1
        for plain in texts:
            if plain.isascii():
                sizes.update(map(len, plain.split()))
                continue
            for word in _words(plain):
                if _one_cell_a_character(word):
                    sizes.add(len(word))
                else:
                    pieces, character = _word_sizes(word)
                    sizes.update(pieces)
                    widest = max(widest, character)
        return sizes, widest

    # -- rendering ------------------------------------------------------------------

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        if not self.columns:
            return
        yield from self._segments(console, options, self._layout(options.max_width), self.rows, head=True, foot=True)

    def _segments(self, console: Console, options: ConsoleOptions, layout: list[int | None], rows: list[list[Text]],
                  head: bool = False, foot: bool = False) -> Iterator[Segment]:
        """The lines of `rows` at the widths of `layout`; with the title, the frame's top
        and the header (`head`) and its bottom (`foot`)."""
        top, head_edges, rule, body, bottom = _ASCII_FRAMES if options.ascii_only else _FRAMES
        if self.simple:
            head_edges = body = _SIMPLE_EDGES
            rule = _ASCII_SIMPLE_RULE if options.ascii_only else _SIMPLE_RULE
        shown = [index for index, width in enumerate(layout) if width is not None]
        widths = [layout[index] for index in shown]
        right = [self.columns[index].justify == "right" for index in shown]
        new_line = Segment.line()
        pad = Segment(" " * self.padding)
        if head and self.title:
            yield Segment(self.title, console.get_style("table.title"))
            yield new_line
        if head and self.box:
            if not self.simple:     # SIMPLE_HEAD's top is a line of spaces: an empty line
                yield self._frame(top, widths)
            yield new_line
        if head and self.show_header:
            header_style = console.get_style("table.header")
            headers = []
            for index in shown:
                header = self.columns[index].header
                if isinstance(header, Text):    # its own style over the header's
                    style = header.style
                    header = Text(header.plain, style=header_style + console.get_style(style) if style else header_style)
                else:
                    header = Text(header, style=header_style)
                headers.append(header)
            yield from self._row(headers, widths, head_edges, console, pad, new_line, right)
            yield self._frame(rule, widths)
            yield new_line
        every = len(shown) == len(self.columns)
        for row in rows:
            yield from self._row(row if every else [row[i] for i in shown], widths, body if self.box else None,
                                 console, pad, new_line, right)
        if foot and self.box:
            if not self.simple:
                yield self._frame(bottom, widths)
            yield new_line

    def _frame(self, chars: tuple[str, str, str, str], widths: list[int]) -> Segment:
        """A line of the frame: left corner, a run of the line over each column, the joints, right corner."""
        left, line, joint, right = chars
        return Segment(left + joint.join(line * (width + 2 * self.padding) for width in widths) + right)

    def _row(self, row: list[Text], widths: list[int], edges: tuple[str, str, str] | None, console: Console,
             pad: Segment, new_line: Segment, right: list[bool]) -> Iterator[Segment]:
        # Without colour (a file, a pipe) a console prints no style at all: none is worked out.
        styled = console.color_system is not None
        cells_lines = [_cell_lines(text, width, console, styled) for text, width in zip(row, widths)]
        pad_text = pad.text
        last = len(widths) - 1
        if not styled:
            yield Segment(_plain_lines(cells_lines, widths, edges, pad_text, right))
            return
        for line in range(max(map(len, cells_lines))):
            # Unstyled runs (borders, padding, plain cells) are joined into one
            # segment: the console's work is per segment.
            plain = edges[0] if edges else ""
            for index, (lines, width) in enumerate(zip(cells_lines, widths)):
                if edges or index:
                    plain += pad_text
                if line < len(lines):
                    shown, size, styled = lines[line]
                    if right[index] and size < width:
                        plain += " " * (width - size)
                    if styled is None:
                        plain += shown
                    else:
                        if plain:
                            yield Segment(plain)
                            plain = ""
                        yield from styled
                    if not right[index]:
                        width -= size
                    else:
                        width = 0
                if width > 0 and (edges or index < last):
                    plain += " " * width
                if edges:
                    plain += pad_text + (edges[1] if index < last else edges[2])
            if plain:
                yield Segment(plain)
            yield new_line


def _plain_lines(cells_lines: list[list[tuple[str, int, None]]], widths: list[int],
                 edges: tuple[str, str, str] | None, pad_text: str, right: list[bool]) -> str:
    """A row's lines without style, each ending in a line break: the text _row's
    segments hold, built in one piece (a console without colour, a file: most of a
    report's lines are the pipeline's, a wrapped event name beside empty counts)."""
    last = len(widths) - 1
    # What goes before and after each column's text, and the whole of a column with
    # no line here: worked out once for the row.
    before = [pad_text if edges or index else "" for index in range(len(widths))]
    after = [pad_text + (edges[1] if index < last else edges[2]) if edges else "" for index in range(len(widths))]
    filled = [bool(edges) or index < last for index in range(len(widths))]
    blank = [before[i] + (" " * widths[i] if filled[i] else "") + after[i] for i in range(len(widths))]
    out = []
    for line in range(max(map(len, cells_lines))):
        if edges:
            out.append(edges[0])
        for index, lines in enumerate(cells_lines):
            if line >= len(lines):
                out.append(blank[index])
                continue
            shown, size, _ = lines[line]
            space = widths[index] - size
            if right[index]:
                out.append(f"{before[index]}{' ' * space}{shown}{after[index]}" if space > 0
                           else f"{before[index]}{shown}{after[index]}")
            elif space > 0 and filled[index]:
                out.append(f"{before[index]}{shown}{' ' * space}{after[index]}")
            else:
                out.append(f"{before[index]}{shown}{after[index]}")
        out.append("\n")
    return "".join(out)


def _cell_lines(text: Text, width: int, console: Console,
                styled: bool = True) -> list[tuple[str, int, list[Segment] | None]]:
    """A cell's lines at `width`: each as printed (a no-break space as a space), its
    width in cells, and its styled segments (None for a line without style, or
    for every line where not `styled`)."""
    plain = text.plain
    whole = cells(plain) if "\n" not in plain else width + 1
    if whole <= width:
        ranges: tuple[tuple[int, int], ...] = ((0, len(plain)),)
    else:
        ranges = _line_ranges(plain, width)
    glue = GLUE in plain
    lines = []
    if not styled or not text.spans:
        style = console.get_style(text.style) if text.style and styled else None
        for start, end in ranges:
            shown = plain[start:end]
            size = whole if whole <= width else cells(shown)   # one line, measured above
            if glue:
                shown = shown.replace(GLUE, " ")
            lines.append((shown, size, None if style is None else [Segment(shown, style)]))
        return lines
    # Styled spans: the cell's segments once (base style and spans combined), cut at each line.
    segments = list(text.render(console))
    position = 0
    bounds = []
    for segment in segments:
        bounds.append((position, position + len(segment.text)))
        position += len(segment.text)
    for start, end in ranges:
        shown = plain[start:end]
        styled = [Segment(segment.text[max(start, first) - first:min(end, after) - first], segment.style)
                  for segment, (first, after) in zip(segments, bounds) if first < end and after > start]
        size = cells(shown)
        if glue:
            shown = shown.replace(GLUE, " ")
            styled = [Segment(part.text.replace(GLUE, " "), part.style) for part in styled]
        lines.append((shown, size, styled))
    return lines


class _PlainCell:
    """A cell of plain printable ASCII (a date, a ref, a count) as the table reads a
    Text: what Text() would make of it, without its work (a third of a report's cells)."""

    __slots__ = ("plain",)
    spans: tuple = ()
    style = ""

    def __init__(self, plain: str):
        self.plain = plain


class _Part:
    """Some lines of a table printed a few rows at a time (Table.print_rows): a console
    keeps what one print writes until its end."""

    def __init__(self, table: Table, layout: list[int | None], rows: list[list[Text]],
                 head: bool = False, foot: bool = False):
        self.table, self.layout, self.rows, self.head, self.foot = table, layout, rows, head, foot

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        yield from self.table._segments(console, options, self.layout, self.rows, self.head, self.foot)
