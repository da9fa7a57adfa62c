"""`tracker import` of a sheet: CSV, TSV or newline-delimited JSON, a row per new item.

The columns are `tracker add`'s option names (type, title, kind, status, event, in,
sector, due, start, end, tz, location, series, number, parties, tags, on, source,
note), and uid. The file is read by sqlite-utils' readers, in the format its name
says (.csv, .tsv, .ndjson or .jsonl; no sniffing). Every row is added as
`tracker add` adds it (core.add), in one transaction: all rows, or none.

A row is recognised by its uid: the uid column's, else one derived from the row's
type, title, event (or the event it is in) and date (start or due), so that
importing the same sheet again adds nothing.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from tracker import core
from tracker.errors import BadArgument, Interrupted, TrackerError, closest, did_you_mean, excerpt
from tracker.model import Ref, check_source
from tracker.store import Store

SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".ndjson": "nl", ".jsonl": "nl"}

COMMON = ("type", "title", "kind", "status", "parties", "tags", "on", "source", "note", "uid")
ONLY = {
    "event": ("in", "start", "end", "tz", "location", "series", "number"),
    "agreement": ("event", "sector", "due"),
}
COLUMNS = (*COMMON, *ONLY["event"], *ONLY["agreement"])
# Cells that take tracker's own date words, such as -2d (two days ago): a leading
# minus or plus there is a date, not a formula, and is never stored as text.
DATE_COLUMNS = ("on", "start", "end", "due")
# The longest cell read: a page of text. Longer is a mistake or an attack.
MAX_CELL = 10_000
# The longest line read: room for every column's longest cell, in any script.
MAX_LINE = 4 * 1024 * 1024
# Derived uids live in a namespace of their own: the same row gives the same uid anywhere.
_ROW_NAMESPACE = uuid.UUID("6f1d2c1e-8b7a-5f43-9a55-3c0e2d7b9a10")
# Spreadsheets run a cell as a formula when it starts with one of these (OWASP).
_FORMULA_START = ("=", "+", "-", "@")
# A small file is read whole; a larger one from the disk, a line at a time.
WHOLE_BELOW = 8 * 1024 * 1024


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


class _Empty(Exception):
    """Raised inside the transaction when a sheet holds no rows: nothing to write."""


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, to roll it back."""


def import_sheet(store: Store, path: Path, dry_run: bool = False) -> tuple[str, list[core.Outcome]]:
    """Add a sheet's rows as new items. Returns the summary, and what was (or would be) added."""
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
        source = io.BytesIO(source)
    load = _Load(store, name, keep=dry_run)
    try:
        with source, store.writing():
            load.rows(_Lines(source), SUFFIXES[path.suffix.lower()])
            if not load.seen:
                raise _Empty
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except _Empty:
        return f"{name} holds no rows under a header: nothing imported", []
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: nothing was imported from {name}; the database is as it was") from None
    added, already = load.count, load.already
    plural = "s" * (added != 1)
    said = (f"would import {added} item{plural} from {name} (a dry run: nothing was written)" if dry_run
            else f"imported {added} item{plural} from {name}")
    if already:
        said += f"; {already} row{'s' * (already != 1)} already here, left as they are"
    return said, load.added


class _Lines(io.BufferedIOBase):
    """A binary file read a line at a time, counting lines: the text reader above it
    asks for one line per read, so that the count is the line the CSV reader is on,
    and an error names it."""

    def __init__(self, raw) -> None:
        super().__init__()
        self.raw_file = raw
        self.lines = 0
        self.first = True
        self.header = b""       # the first line, whose column names are checked for repeats

    def readable(self) -> bool:
        return True

    def readline(self, size: int = -1) -> bytes:
        line = self.raw_file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            # Read no further: a file of one endless line would otherwise be held whole.
            raise _SheetError(f"is longer than {MAX_LINE // (1024 * 1024)} MiB: a row holds at most "
                              f"{MAX_CELL:,} characters a cell", self.lines + 1)
        if self.first:
            self.first = False
            self.header = line
            if line.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise _SheetError("is UTF-16 text: save it as UTF-8 (in Excel, \"CSV UTF-8\"; "
                                  "in LibreOffice, character set Unicode (UTF-8))", 1)
        if line:
            self.lines += 1
        return line

    def read(self, size: int = -1) -> bytes:
        return self.readline()

    def read1(self, size: int = -1) -> bytes:
        return self.readline()


class _SheetError(Exception):
    def __init__(self, message: str, line: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.line, self.column = line, column


class _Load:
    def __init__(self, store: Store, name: str, keep: bool) -> None:
        self.store, self.name = store, name
        # What was added, kept for a dry run to show; a real import only counts, however long the sheet.
        self.keep = keep
        self.added: list[core.Outcome] = []
        self.count = self.already = self.seen = 0
        self.header_checked = False

    def rows(self, lines: _Lines, kind: str) -> None:
        from sqlite_utils.utils import Format, RowError, rows_from_file

        formats = {"csv": Format.CSV, "tsv": Format.TSV, "nl": Format.NL}
        self.source = lines
        ended = 0
        try:
            rows, _ = rows_from_file(lines, format=formats[kind])
            iterator = iter(rows)
            while True:
                try:
                    row = next(iterator)
                except StopIteration:
                    break
                # The line a row starts on: after the last row's, less the lines its
                # own cells hold (a note over several lines), blank lines skipped.
                end = lines.lines
                first = max(end - _breaks(row), ended + 1) if kind != "nl" else end
                ended = end
                self.row(row, first, kind)
        except _SheetError as error:
            raise self._error(str(error), error.line if error.line is not None else lines.lines, error.column) from None
        except UnicodeDecodeError as error:
            raise self._error(f"is not UTF-8 text (byte {error.object[error.start:error.start + 1]!r}): "
                              "save the sheet as UTF-8 (in Excel, \"CSV UTF-8\")", lines.lines) from None
        except RowError:
            raise self._error("has more cells than the header has columns: "
                              "name each column in the first line, or remove the extra cells", lines.lines) from None
        except ValueError as error:
            # A line of newline-delimited JSON that is not JSON.
            raise self._error(f"is not JSON ({error}): give one object per line", lines.lines) from None
        except Exception as error:
            import csv

            if isinstance(error, csv.Error):
                too_large = "field larger than field limit" in str(error)
                raise self._error(f"holds a cell of more than {MAX_CELL:,} characters: shorten it" if too_large
                                  else f"cannot be read as {kind.upper()} ({error})", lines.lines) from None
            raise

    def _error(self, message: str, line: int | None, column: str | None = None) -> BadArgument:
        where = f"{self.name}: line {line}" if line else self.name
        if column is not None:
            where += f", column {column}"
        # "line 3 is not UTF-8", "line 3, column title holds ...": one sentence.
        joined = " " if message.startswith(("is ", "has ", "holds ")) else ": "
        return BadArgument(f"{where}{joined}{message}")

    def row(self, row: dict[str | None, Any], line: int, kind: str) -> None:
        if not isinstance(row, dict):
            raise _SheetError(f"holds {excerpt(row)}, not an object: give one object per line, "
                              "its keys `tracker add`'s option names", line)
        if not self.header_checked or kind == "nl":
            if kind != "nl":
                self._check_repeats(kind)
            self._check_columns(row, 1 if kind != "nl" else line)
            self.header_checked = True
        cells = {column.strip().lower(): _cell(value, column, line, kind)
                 for column, value in row.items() if column and column.strip()}
        cells = {column: value for column, value in cells.items() if value not in (None, "", [])}
        if not cells:
            return      # an empty row, as spreadsheets leave at the end
        self.seen += 1
        item_type = cells.pop("type", None)
        if item_type is None:
            raise _SheetError("the type is empty: give event or agreement", line, "type")
        item_type = item_type.strip().lower()
        if item_type not in ONLY:
            raise _SheetError(f"type {excerpt(item_type)} is not event or agreement"
                              f"{did_you_mean(closest(item_type, list(ONLY)))}", line, "type")
        other = "agreement" if item_type == "event" else "event"
        for column in cells:
            if column in ONLY[other]:
                raise _SheetError(f"is for {other}s only, and this row is an {item_type}: "
                                  "leave it empty, or make the row an " + other, line, column)
        uid = cells.pop("uid", None) or _row_uid(item_type, cells)
        if self._here(uid, item_type, line):
            self.already += 1
            return
        given, entry = self._fields(item_type, cells, line)
        try:
            outcome = core.add(self.store, item_type, given, entry, uid=uid)
        except TrackerError as error:
            raise _SheetError(str(error), line, self._culprit(item_type, cells)) from None
        self.count += 1
        if self.keep:
            self.added.append(outcome)

    def _check_repeats(self, kind: str) -> None:
        """A column named twice: the reader keeps only the last of them, and the other's
        cells would be lost without a word. (A dict cannot show it: the header line can.)"""
        import csv

        text = self.source.header.decode("utf-8-sig", "replace")
        names = next(csv.reader([text], dialect=csv.excel_tab if kind == "tsv" else csv.excel), [])
        seen: set[str] = set()
        for name in (name.strip().lower() for name in names):
            if name and name in seen:
                raise _SheetError(f"column {excerpt(name)} is named twice: keep one", 1)
            seen.add(name)

    def _check_columns(self, row: dict, line: int) -> None:
        extra = row.get(None)
        if extra:
            raise _SheetError("has more cells than the header has columns: "
                              "name each column in the first line, or remove the extra cells", line)
        for column, value in row.items():
            if column is None:
                continue
            if not isinstance(column, str):
                raise _SheetError(f"a column is named {excerpt(column)}: name each column", line)
            name = column.strip().lower()
            if not name:
                if value not in (None, ""):
                    raise _SheetError("a column has no name: name it, or empty it", line)
                continue
            if name not in COLUMNS:
                raise _SheetError(f"unknown column {excerpt(column)}{did_you_mean(closest(name, list(COLUMNS)))} "
                                  f"(the columns are `tracker add`'s option names: {', '.join(COLUMNS)})", line)

    def _here(self, uid: str, item_type: str, line: int) -> bool:
        """Whether the row's item is here already (a uid names one item for ever)."""
        item_id = self.store.item_id_by_uid(uid)
        if item_id is None:
            return False
        row = self.store.columns(item_id)
        if row["type"] != item_type:
            raise _SheetError(f"uid {excerpt(uid)} is {Ref(row['type'], row['num'])} here, an {row['type']}, "
                              f"not an {item_type}: give the row a uid of its own", line, "uid")
        return True

    def _fields(self, item_type: str, cells: dict[str, Any], line: int) -> tuple[core.Fields, core.Entry]:
        number = cells.get("number")
        if number is not None:
            try:
                number = int(str(number).strip())
            except ValueError:
                raise _SheetError(f"{excerpt(number)} is not a whole number", line, "number") from None
        within = cells.get("in" if item_type == "event" else "event")
        if within is not None:
            within = self._event_ref(within)
        given = core.Fields(
            title=cells.get("title"), kind=cells.get("kind"), status=cells.get("status"),
            parties=_names(cells.get("parties")), tags=_names(cells.get("tags")),
            start=cells.get("start"), end=cells.get("end"), tz=cells.get("tz"), location=cells.get("location"),
            within=within, sector=cells.get("sector"), due=cells.get("due"),
            series=cells.get("series"), number=number)
        entry = core.Entry(cells.get("on"), cells.get("source"), cells.get("note"), on_name="the date on")
        return given, entry

    def _event_ref(self, value: str) -> str:
        """An event named by its ref, or by its uid (one added by an earlier row, or here)."""
        item_id = self.store.item_id_by_uid(value.strip())
        if item_id is None:
            return value
        row = self.store.columns(item_id)
        return str(Ref(row["type"], row["num"]))

    def _culprit(self, item_type: str, cells: dict[str, Any]) -> str | None:
        """The column whose cell makes the row fail: the fields are checked again one
        column more at a time, as `tracker add` checks them, until the error comes back."""
        if not (cells.get("title") or "").strip():
            return "title"
        try:
            check_source(cells.get("source"))
        except TrackerError:
            return "source"
        taken: dict[str, Any] = {}
        for column, value in cells.items():
            if column in ("source", "note", "on"):
                continue
            taken[column] = value
            try:
                given, _ = self._fields(item_type, taken, 0)
                defaults = {"event": "announced", "agreement": "expected"}
                core.plan_fields(self.store, item_type, core.Fields(**{
                    **given.__dict__, "title": given.title or "untitled", "kind": given.kind or "other",
                    "status": given.status or defaults[item_type]}))
            except (TrackerError, _SheetError):
                return column
        return "on" if cells.get("on") else None


def _breaks(row: dict) -> int:
    """How many line breaks a row's cells hold: the lines it takes beyond its first."""
    return sum(value.count("\n") for value in row.values() if isinstance(value, str)) + sum(
        part.count("\n") for values in row.values() if isinstance(values, list) for part in values
        if isinstance(part, str))


# C0 controls but line feed (and tab, in a note), DEL and the C1 controls.
_CONTROLS = {*range(0x00, 0x20), *range(0x7F, 0xA0)}


def _cell(value: Any, column: str, line: int, kind: str) -> Any:
    """One cell, checked: text (or, in JSON, a list of text for parties and tags, or a
    number for number); no control characters, no formula, not huge."""
    name = column.strip().lower()
    if value is None:
        return None
    if isinstance(value, list) and kind == "nl" and name in ("parties", "tags"):
        return [_text(part, name, line) for part in value]
    if isinstance(value, int) and not isinstance(value, bool) and kind == "nl" and name == "number":
        return str(value)
    if not isinstance(value, str):
        raise _SheetError(f"holds {excerpt(value)}: give text", line, name)
    return _text(value, name, line)


def _text(value: Any, column: str, line: int) -> str:
    if not isinstance(value, str):
        raise _SheetError(f"holds {excerpt(value)}: give text", line, column)
    if len(value) > MAX_CELL:
        raise _SheetError(f"holds {len(value):,} characters, more than the {MAX_CELL:,} a cell may: shorten it",
                          line, column)
    allowed = {0x0A, 0x09} if column == "note" else set()
    for char in value:
        if ord(char) in _CONTROLS and ord(char) not in allowed:
            raise _SheetError(f"holds a control character ({char!r}): remove it", line, column)
    text = value.strip()
    if text.startswith(_FORMULA_START) and column not in DATE_COLUMNS and column != "number":
        raise _SheetError(f"{excerpt(text)} starts with {text[0]!r}, which a spreadsheet runs as a formula: "
                          "begin it with a letter or a digit", line, column)
    return text


def _names(value: Any) -> list[str] | None:
    """Parties or tags: a JSON list, or a cell of names separated by semicolons."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [part.strip() for part in value.split(";") if part.strip()]


def _row_uid(item_type: str, cells: dict[str, Any]) -> str:
    """The uid a row without one is known by: from its type, title, event and date."""
    within = cells.get("in" if item_type == "event" else "event") or ""
    when = cells.get("start" if item_type == "event" else "due") or ""
    key = "\x1f".join([item_type, " ".join((cells.get("title") or "").split()).casefold(),
                       within.strip().upper(), when.strip().lower()])
    return str(uuid.uuid5(_ROW_NAMESPACE, key))
