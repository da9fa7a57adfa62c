"""Reading a sheet: a CSV, TSV or newline-delimited JSON file, as rows of cells.

The file is read by sqlite-utils' readers, in the format its name says (.csv, .tsv,
.ndjson or .jsonl; no sniffing), with the csv module's strict quoting, a line at a time
(a small file is read whole first), each line at most MAX_LINE. The first line's
column names are checked: `tracker add`'s option names, and the columns `tracker list
--format csv` writes besides. read_rows yields each row with the line it starts on, for
messages; load.py makes the rows items. A file that cannot be read raises SheetError,
which names its line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Iterator

from tracker.errors import BadArgument, closest, did_you_mean, excerpt

# The formats, by the file's suffix (no sniffing).
SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".ndjson": "nl", ".jsonl": "nl"}

COMMON = ("type", "title", "kind", "status", "parties", "tags", "on", "source", "note", "uid")
ONLY = {
    "event": ("in", "start", "end", "tz", "location", "series", "number"),
    "agreement": ("event", "sector", "due"),
}
# What `tracker list --format csv` writes besides: the row's ref (its name within the
# sheet), and stamps tracker keeps itself (created, updated: not read; removed: the row
# is skipped).
LISTED = ("ref", "created", "updated", "removed")
COLUMNS = (*COMMON, *ONLY["event"], *ONLY["agreement"], *LISTED)
# `tracker add`'s option names, one party or tag at a time.
ALIASES = {"party": "parties", "tag": "tags"}
# The longest cell read: a page of text. Longer is a mistake or an attack.
MAX_CELL = 10_000
# A note may be as long as one argument of `tracker add --note` can be on Linux
# (MAX_ARG_STRLEN, 128 KiB), which is also the csv module's own cap on a cell.
MAX_NOTE = 128 * 1024
# The longest line read: room for every column's longest cell, in any script.
MAX_LINE = 4 * 1024 * 1024
# A small file is read whole; a larger one from the disk, a line at a time.
WHOLE_BELOW = 8 * 1024 * 1024


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def open_sheet(path: Path):
    """The sheet's bytes as a binary stream (a small file read whole), and its size in
    bytes when it is known (for the progress bar)."""
    from tracker.streams import open_input

    name = str(path)
    try:
        source = open_input(path, WHOLE_BELOW)
    except FileNotFoundError:
        raise BadArgument(f"no file {name}: check the path") from None
    except IsADirectoryError:
        raise BadArgument(f"{name} is a folder: give a file") from None
    except OSError as error:
        raise BadArgument(f"cannot read {name}: {error}") from None
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source), len(source)
    return source, _size(source)


def _size(stream) -> int | None:
    import os

    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation, AttributeError):
        return None


class _Strict(csv.excel):
    """RFC 4180 as Excel writes it, but a stray quote is an error, not a guess."""
    strict = True


class _StrictTab(csv.excel_tab):
    strict = True


class _StrictSemicolon(_Strict):
    delimiter = ";"


class _Lines(io.BufferedIOBase):
    """A binary file read a line at a time, counting lines: the text reader above it
    asks for one line per read, so that the count is the line the CSV reader is on,
    and an error names it. It also notes the line each row starts on (its first line
    that is not blank) and, for CSV, the line where a quote still open was opened."""

    def __init__(self, raw, progress=None) -> None:
        super().__init__()
        self.raw_file = raw
        self.progress = progress
        self.lines = 0
        self.first = True
        self.header = b""       # the first line, whose column names are checked
        self.replay: bytes | None = None
        self.row_start: int | None = None
        self.quoting = False    # whether a quoted cell is open at the end of the last line
        self.opened_at = 0      # the line where it was opened

    def readable(self) -> bool:
        return True

    def peek_header(self) -> bytes:
        """The first line, read now and handed again to the reader's first read."""
        line = self.readline()
        self.replay = line
        return line

    def readline(self, size: int = -1) -> bytes:
        if self.replay is not None:
            line, self.replay = self.replay, None
            return line
        line = self.raw_file.readline(MAX_LINE + 1)
        if self.first:
            self.first = False
            self.header = line
            if line.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise SheetError("is UTF-16 text: save it as UTF-8 (in Excel, \"CSV UTF-8\"; "
                                 "in LibreOffice, character set Unicode (UTF-8))", 1)
            if b"\r" in line.rstrip(b"\r\n"):
                raise SheetError("ends its lines with a carriage return alone (as Excel for Mac's "
                                 "\"CSV (Macintosh)\" does): save the sheet as \"CSV UTF-8\"", 1)
        if len(line) > MAX_LINE:
            # Read no further: a file of one endless line would otherwise be held whole.
            raise SheetError(f"is longer than {MAX_LINE // (1024 * 1024)} MiB: a row holds at most "
                             f"{MAX_NOTE:,} characters in its note, {MAX_CELL:,} in another cell",
                             self.lines + 1)
        if line:
            self.lines += 1
            if self.row_start is None and line.strip():
                self.row_start = self.lines
            if line.count(b'"') % 2:
                self.quoting = not self.quoting
                if self.quoting:
                    self.opened_at = self.lines
            if self.progress is not None:
                self.progress.advance(len(line))
        return line

    def read(self, size: int = -1) -> bytes:
        return self.readline()

    def read1(self, size: int = -1) -> bytes:
        return self.readline()


class SheetError(Exception):
    """A row or line that cannot be taken: the line it is on and, when one is to blame, the column."""

    def __init__(self, message: str, line: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column

    def said(self, name: str) -> BadArgument:
        """The error as the user reads it: the file, the line, the column, then the message."""
        where = f"{name}: line {self.line}" if self.line else name
        if self.column is not None:
            where += f", column {self.column}"
        # "line 3 is not UTF-8", "line 3, column title holds ...": one sentence.
        message = str(self)
        joined = " " if message.startswith(("is ", "has ", "holds ", "opens ", "ends ", "names ", "looks ")) else ": "
        return BadArgument(f"{where}{joined}{message}")


def not_json(error: ValueError, line: int) -> SheetError:
    """A line of newline-delimited JSON that cannot be read."""
    return SheetError(f"is not JSON ({error}): give one object per line", line)


def _column_name(column: str | None) -> str:
    """A column as tracker names it (`tracker add`'s option name, party for parties...):
    empty when the sheet gives it no name."""
    if not column or not column.strip():
        return ""
    name = column.strip().lower()
    return ALIASES.get(name, name)


def read_rows(source, path: Path, progress=None) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of the sheet `path` names, read from `source` (open_sheet's) in the format
    its name says: each with the line it starts on (for messages) and its cells by column
    name (`_column_name`), unnamed columns left out. The columns are checked on the first
    row (on each row of newline-delimited JSON, whose keys may differ); the cells are not:
    loading checks them. `progress` is told of the bytes read."""
    from sqlite_utils.utils import Format, RowError, rows_from_file

    kind = SUFFIXES[path.suffix.lower()]
    lines = _Lines(source, progress)
    try:
        if kind == "nl":
            rows, _ = rows_from_file(lines, format=Format.NL)
        else:
            dialect = _header(lines, kind)
            # Read as CSV in the dialect chosen: sqlite-utils' TSV takes no dialect of ours.
            rows, _ = rows_from_file(lines, format=Format.CSV, dialect=dialect)
        iterator = iter(rows)
        header_checked = False
        names: dict[str | None, str] = {}   # each column as the sheet names it -> as tracker does
        while True:
            lines.row_start = None
            try:
                row = next(iterator)
            except StopIteration:
                break
            line = lines.row_start or lines.lines
            if not isinstance(row, dict):
                raise SheetError(f"holds {kind_of(row)}, not an object: give one object per line, "
                                 "its keys `tracker add`'s option names", line)
            if not header_checked or kind == "nl":
                _check_columns(row, 1 if kind != "nl" else line)
                header_checked = True
                # Every row of a CSV holds the header's columns: named once.
                names = {column: _column_name(column) for column in row}
            yield line, {names[column]: value for column, value in row.items() if names[column]}
    except UnicodeDecodeError as error:
        raise SheetError(f"is not UTF-8 text (byte {error.object[error.start:error.start + 1]!r}): "
                         "save the sheet as UTF-8 (in Excel, \"CSV UTF-8\")", lines.lines) from None
    except RowError:
        raise SheetError("has more cells than the header has columns: "
                         "name each column in the first line, or remove the extra cells",
                         lines.row_start or lines.lines) from None
    except csv.Error as error:
        said = str(error)
        if "field larger than field limit" in said:
            raise SheetError(f"holds a cell of more than {MAX_NOTE:,} characters: shorten it",
                             lines.row_start or lines.lines) from None
        if "unexpected end of data" in said:
            raise SheetError("opens a quote that is never closed: close it, or double each quote "
                             "inside a quoted cell (\"\")", lines.opened_at or lines.row_start) from None
        if "expected after" in said:
            raise SheetError("has a quote inside a cell that is not quoted whole: quote the whole cell "
                             "and double each quote in it (\"\"), or remove the quote", lines.lines) from None
        raise SheetError(f"cannot be read as {kind.upper()} ({said})", lines.lines) from None
    except ValueError as error:
        # A line of newline-delimited JSON that is not JSON.
        raise not_json(error, lines.lines) from None


def _header(lines: _Lines, kind: str) -> type[csv.Dialect]:
    """Checks the first line, and says how the sheet's cells are separated."""
    raw = lines.peek_header()
    text = raw.decode("utf-8-sig")
    if not raw:
        return _StrictTab if kind == "tsv" else _Strict       # an empty file: said later
    if not text.strip():
        raise SheetError("is empty: put the column names on the first line", 1)
    if text.lstrip().startswith(("{", "[")):
        raise SheetError("looks like JSON: a file written by `tracker export` is imported as one when "
                         "it is named .json; a sheet of JSON objects, one a line, is named .ndjson", 1)
    dialect: type[csv.Dialect] = _StrictTab if kind == "tsv" else _Strict
    names = _names_in(text, dialect)
    named = [name for name in names if name]
    if kind == "csv" and len(named) == 1 and ";" in named[0]:
        # Excel in much of Europe saves "CSV" with semicolons: read it so, if they are our columns.
        split = _names_in(text, _StrictSemicolon)
        unknown = [name for name in split if name and ALIASES.get(name, name) not in COLUMNS]
        if unknown:
            raise SheetError(f"this sheet is separated by semicolons, and {excerpt(unknown[0])} is not a "
                             f"column: save it as CSV with commas, or name the columns as `tracker add`'s "
                             f"options ({', '.join(COLUMNS)})", 1)
        names, dialect = split, _StrictSemicolon
    if not any(names):
        raise SheetError("names no columns: the first line must hold the column names "
                         f"(`tracker add`'s option names: {', '.join(COLUMNS)})", 1)
    seen: set[str] = set()
    for name in (ALIASES.get(name, name) for name in names):
        if name and name in seen:
            raise SheetError(f"column {excerpt(name)} is named twice: keep one", 1)
        seen.add(name)
    return dialect


def _check_columns(row: dict, line: int) -> None:
    extra = row.get(None)
    if extra:
        raise SheetError("has more cells than the header has columns: "
                         "name each column in the first line, or remove the extra cells", line)
    keys: set[str] = set()
    for column, value in row.items():
        if column is None:
            continue
        if not isinstance(column, str):
            raise SheetError(f"a column is named {kind_of(column)}: name each column", line)
        name = _column_name(column)
        if not name:
            if value not in (None, ""):
                raise SheetError("a column has no name: name it, or empty it", line)
            continue
        if name in keys:
            raise SheetError(f"column {excerpt(name)} is named twice: keep one", line)
        keys.add(name)
        if name not in COLUMNS:
            raise SheetError(f"unknown column {excerpt(column)}{did_you_mean(closest(name, list(COLUMNS)))} "
                             f"(the columns are `tracker add`'s option names: {', '.join(COLUMNS)})", line)


def _names_in(text: str, dialect: type[csv.Dialect]) -> list[str]:
    try:
        names = next(csv.reader([text.rstrip("\r\n")], dialect=dialect), [])
    except csv.Error:
        return [text.strip().lower()]
    return [name.strip().lower() for name in names]


def kind_of(value: Any) -> str:
    """A JSON value as a message names it: null, true, a number, a list, an object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}" if abs(value) < 1e15 else "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return excerpt(value)
