"""`tracker import` of a sheet: CSV, TSV or newline-delimited JSON, a row per new item.

The columns are `tracker add`'s option names (type, title, kind, status, event, in,
sector, due, start, end, tz, location, series, number, parties, tags, on, source,
note), and uid; the columns `tracker list --format csv` writes besides (ref, created,
updated, removed) are taken too, so that a list goes back in. The file is read by
sqlite-utils' readers, in the format its name says (.csv, .tsv, .ndjson or .jsonl; no
sniffing), with the csv module's strict quoting. Every row is added as `tracker add`
adds it (core.add), in one transaction: all rows, or none.

A row is recognised by its uid: the uid column's, else one derived from the row's
type, title, event (or the event it is in) and date (start or due, as the instant
or day it names), so that importing the same sheet again adds nothing.

With a `ref` column, the refs in `event` and `in` name rows of the sheet (in any
order: a row whose event comes later waits for it), never this database's items,
whose refs are numbered otherwise; without one, they name this database's items.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tracker import core
from tracker.errors import BadArgument, Interrupted, TrackerError, closest, did_you_mean, excerpt
from tracker.model import Ref, check_source, parse_ref
from tracker.store import Store

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
# Cells that take tracker's own date words, such as -2d (two days ago).
DATE_COLUMNS = ("on", "start", "end", "due")
# The longest cell read: a page of text. Longer is a mistake or an attack.
MAX_CELL = 10_000
# A note may be as long as one argument of `tracker add --note` can be on Linux
# (MAX_ARG_STRLEN, 128 KiB), which is also the csv module's own cap on a cell.
MAX_NOTE = 128 * 1024
# The longest line read: room for every column's longest cell, in any script.
MAX_LINE = 4 * 1024 * 1024
# Derived uids live in a namespace of their own: the same row gives the same uid anywhere.
_ROW_NAMESPACE = uuid.UUID("6f1d2c1e-8b7a-5f43-9a55-3c0e2d7b9a10")
# What tracker's CSV puts before a cell a spreadsheet would run as a formula
# (render/sheet.py): the apostrophe is taken off again here, and only there.
_GUARDED = ("'=", "'+", "'-", "'@", "'\t")
# The uids tracker writes: UUIDs in their usual spelling.
_UID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A small file is read whole; a larger one from the disk, a line at a time.
WHOLE_BELOW = 8 * 1024 * 1024


def is_sheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


class _Strict(csv.excel):
    """RFC 4180 as Excel writes it, but a stray quote is an error, not a guess."""
    strict = True


class _StrictTab(csv.excel_tab):
    strict = True


class _StrictSemicolon(_Strict):
    delimiter = ";"


class _Empty(Exception):
    """Raised inside the transaction when a sheet holds no rows: nothing to write."""


class _DryRun(Exception):
    """Raised inside the transaction of a dry run, to roll it back."""


Shown = Callable[[core.Outcome], None]


def import_sheet(store: Store, path: Path, dry_run: bool = False, show: Shown | None = None) -> str:
    """Add a sheet's rows as new items; `show` is told of each as it is added (or would
    be, in a dry run). Returns the summary."""
    from tracker.progress import Progress

    name = str(path)
    source, size = _open_sheet(path)
    try:
        with source, Progress(f"importing {name}", total=size, every=1 << 16) as progress, store.writing():
            load = _Load(store, show, progress)
            try:
                load.rows(_read_rows(_Lines(source, progress), SUFFIXES[path.suffix.lower()]))
            except _SheetError as error:
                raise error.said(name) from None
            if not load.seen:
                raise _Empty
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except _Empty:
        return f"{name} holds no rows under a header: nothing imported"
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted: nothing was imported from {name}; the database is as it was") from None
    added, already = load.count, load.already
    plural = "s" * (added != 1)
    said = (f"would import {added} item{plural} from {name} (a dry run: nothing was written)" if dry_run
            else f"imported {added} item{plural} from {name}")
    for count, what in ((already, "already here, left as they are"),
                        (load.repeated, "repeating an earlier row, counted once"),
                        (load.removed, "of removed items, skipped")):
        if count:
            said += f"; {count} row{'s' * (count != 1)} {what}"
    return said


def _open_sheet(path: Path):
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
                raise _SheetError("is UTF-16 text: save it as UTF-8 (in Excel, \"CSV UTF-8\"; "
                                  "in LibreOffice, character set Unicode (UTF-8))", 1)
            if b"\r" in line.rstrip(b"\r\n"):
                raise _SheetError("ends its lines with a carriage return alone (as Excel for Mac's "
                                  "\"CSV (Macintosh)\" does): save the sheet as \"CSV UTF-8\"", 1)
        if len(line) > MAX_LINE:
            # Read no further: a file of one endless line would otherwise be held whole.
            raise _SheetError(f"is longer than {MAX_LINE // (1024 * 1024)} MiB: a row holds at most "
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


class _SheetError(Exception):
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


def _not_json(error: ValueError, line: int) -> _SheetError:
    return _SheetError(f"is not JSON ({error}): give one object per line", line)


def _column_name(column: str | None) -> str:
    """A column as tracker names it (`tracker add`'s option name, party for parties...):
    empty when the sheet gives it no name."""
    if not column or not column.strip():
        return ""
    name = column.strip().lower()
    return ALIASES.get(name, name)


def _read_rows(lines: _Lines, kind: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The sheet's rows, as read: each with the line it starts on (for messages) and its
    cells by column name (`_column_name`), unnamed columns left out. The columns are
    checked on the first row (on each row of newline-delimited JSON, whose keys may
    differ); the cells are not: loading checks them."""
    from sqlite_utils.utils import Format, RowError, rows_from_file

    try:
        if kind == "nl":
            rows, _ = rows_from_file(lines, format=Format.NL)
        else:
            dialect = _header(lines, kind)
            # Read as CSV in the dialect chosen: sqlite-utils' TSV takes no dialect of ours.
            rows, _ = rows_from_file(lines, format=Format.CSV, dialect=dialect)
        iterator = iter(rows)
        header_checked = False
        while True:
            lines.row_start = None
            try:
                row = next(iterator)
            except StopIteration:
                break
            line = lines.row_start or lines.lines
            if not isinstance(row, dict):
                raise _SheetError(f"holds {_kind_of(row)}, not an object: give one object per line, "
                                  "its keys `tracker add`'s option names", line)
            if not header_checked or kind == "nl":
                _check_columns(row, 1 if kind != "nl" else line)
                header_checked = True
            cells = {}
            for column, value in row.items():
                name = _column_name(column)
                if name:
                    cells[name] = value
            yield line, cells
    except UnicodeDecodeError as error:
        raise _SheetError(f"is not UTF-8 text (byte {error.object[error.start:error.start + 1]!r}): "
                          "save the sheet as UTF-8 (in Excel, \"CSV UTF-8\")", lines.lines) from None
    except RowError:
        raise _SheetError("has more cells than the header has columns: "
                          "name each column in the first line, or remove the extra cells",
                          lines.row_start or lines.lines) from None
    except csv.Error as error:
        said = str(error)
        if "field larger than field limit" in said:
            raise _SheetError(f"holds a cell of more than {MAX_NOTE:,} characters: shorten it",
                              lines.row_start or lines.lines) from None
        if "unexpected end of data" in said:
            raise _SheetError("opens a quote that is never closed: close it, or double each quote "
                              "inside a quoted cell (\"\")", lines.opened_at or lines.row_start) from None
        if "expected after" in said:
            raise _SheetError("has a quote inside a cell that is not quoted whole: quote the whole cell "
                              "and double each quote in it (\"\"), or remove the quote", lines.lines) from None
        raise _SheetError(f"cannot be read as {kind.upper()} ({said})", lines.lines) from None
    except ValueError as error:
        # A line of newline-delimited JSON that is not JSON.
        raise _not_json(error, lines.lines) from None


def _header(lines: _Lines, kind: str) -> type[csv.Dialect]:
    """Checks the first line, and says how the sheet's cells are separated."""
    raw = lines.peek_header()
    text = raw.decode("utf-8-sig")
    if not raw:
        return _StrictTab if kind == "tsv" else _Strict       # an empty file: said later
    if not text.strip():
        raise _SheetError("is empty: put the column names on the first line", 1)
    if text.lstrip().startswith(("{", "[")):
        raise _SheetError("looks like JSON: a file written by `tracker export` is imported as one when "
                          "it is named .json; a sheet of JSON objects, one a line, is named .ndjson", 1)
    dialect: type[csv.Dialect] = _StrictTab if kind == "tsv" else _Strict
    names = _names_in(text, dialect)
    named = [name for name in names if name]
    if kind == "csv" and len(named) == 1 and ";" in named[0]:
        # Excel in much of Europe saves "CSV" with semicolons: read it so, if they are our columns.
        split = _names_in(text, _StrictSemicolon)
        unknown = [name for name in split if name and ALIASES.get(name, name) not in COLUMNS]
        if unknown:
            raise _SheetError(f"this sheet is separated by semicolons, and {excerpt(unknown[0])} is not a "
                              f"column: save it as CSV with commas, or name the columns as `tracker add`'s "
                              f"options ({', '.join(COLUMNS)})", 1)
        names, dialect = split, _StrictSemicolon
    if not any(names):
        raise _SheetError("names no columns: the first line must hold the column names "
                          f"(`tracker add`'s option names: {', '.join(COLUMNS)})", 1)
    seen: set[str] = set()
    for name in (ALIASES.get(name, name) for name in names):
        if name and name in seen:
            raise _SheetError(f"column {excerpt(name)} is named twice: keep one", 1)
        seen.add(name)
    return dialect


def _check_columns(row: dict, line: int) -> None:
    extra = row.get(None)
    if extra:
        raise _SheetError("has more cells than the header has columns: "
                          "name each column in the first line, or remove the extra cells", line)
    keys: set[str] = set()
    for column, value in row.items():
        if column is None:
            continue
        if not isinstance(column, str):
            raise _SheetError(f"a column is named {_kind_of(column)}: name each column", line)
        name = _column_name(column)
        if not name:
            if value not in (None, ""):
                raise _SheetError("a column has no name: name it, or empty it", line)
            continue
        if name in keys:
            raise _SheetError(f"column {excerpt(name)} is named twice: keep one", line)
        keys.add(name)
        if name not in COLUMNS:
            raise _SheetError(f"unknown column {excerpt(column)}{did_you_mean(closest(name, list(COLUMNS)))} "
                              f"(the columns are `tracker add`'s option names: {', '.join(COLUMNS)})", line)


class _Waiting:
    """A row whose event is a later row of the sheet: read again once that row is in."""

    __slots__ = ("cells", "line", "item_type", "column", "value")

    def __init__(self, cells: dict, line: int, item_type: str, column: str, value: str) -> None:
        self.cells, self.line, self.item_type, self.column, self.value = cells, line, item_type, column, value


class _Load:
    """A sheet's rows made items, in one pass: a row whose event is a later row of the
    sheet waits for it."""

    def __init__(self, store: Store, show: Shown | None, progress=None) -> None:
        self.store, self.show, self.progress = store, show, progress
        self.count = self.already = self.seen = self.repeated = self.removed = 0
        self.has_refs = False
        # The sheet's refs: the line each is on, and the item (here) each row became.
        self.ref_lines: dict[str, int] = {}
        self.sheet_refs: dict[str, tuple[str, str]] = {}      # sheet ref -> (ref here, uid)
        self.sheet_uids: dict[str, tuple[int, int, str]] = {}  # uid -> (line, the row's fingerprint, ref here)
        self.waiting: dict[tuple[str, str], list[_Waiting]] = {}

    def rows(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Adds the rows `_read_rows` yields: (the line a row starts on, its cells by column)."""
        for line, row in rows:
            try:
                self.row(row, line)
            except ValueError as error:
                # Text no encoder takes (a lone surrogate, written \ud800 in JSON): said as the
                # reader says a line it cannot read, as it was before reading and loading were apart.
                raise _not_json(error, line) from None
        self._finish()

    # -- a row ----------------------------------------------------------------------

    def row(self, row: dict[str, Any], line: int) -> None:
        if "ref" in row:
            # The sheet has a ref column (newline-delimited JSON: from the first row naming
            # one on): its refs name its rows, not this database's items.
            self.has_refs = True
        cells = {}
        for name, value in row.items():
            value = _cell(value, name, line)
            if value not in (None, "", []):
                cells[name] = value
        cells.pop("created", None)
        cells.pop("updated", None)
        if not cells:
            return      # an empty row, as spreadsheets leave at the end
        self.seen += 1
        if self.progress is not None:
            self.progress.rows += 1
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
        ref = cells.get("ref")
        if ref is not None:
            try:
                ref = str(parse_ref(ref, want=item_type, what="the ref"))
            except BadArgument as error:
                raise _SheetError(str(error), line, "ref") from None
            earlier = self.ref_lines.get(ref)
            if earlier is not None:
                raise _SheetError(f"{ref} is the ref of line {earlier} too: a ref names one row of the sheet; "
                                  "empty this one (a new row needs none)", line, "ref")
            self.ref_lines[ref] = line
            cells["ref"] = ref
        uid = cells.get("uid")
        if uid is not None and not _UID.fullmatch(uid):
            raise _SheetError(f"{excerpt(uid)} is not a uid as tracker writes them "
                              "(such as 0b7e6d1c-2f4a-4c8e-9d3b-5a6f7e8d9c0b): leave it empty, and the row "
                              "is known by its type, title, event and date", line, "uid")
        self._place(cells, line, item_type)

    def _place(self, cells: dict, line: int, item_type: str) -> None:
        """Adds the row, or leaves it waiting for the row of its event."""
        if cells.get("removed"):
            # A removed item is not added again; rows linked to it link to it only if it is here.
            self.removed += 1
            uid = cells.get("uid")
            here = self._here(uid, item_type, line) if uid else None
            self._known(cells, (here, uid) if here else None)
            return
        link = "in" if item_type == "event" else "event"
        value = cells.get(link)
        uid = cells.get("uid")
        if value is not None and not (uid and self.store.item_id_by_uid(uid) is not None):
            # (A row here already needs no event: a list of some items goes back in
            # without the events it leaves out.)
            resolved = self._link(value.strip(), link, line)
            if resolved is None:
                self.waiting.setdefault(self._waiting_key(value.strip()), []).append(
                    _Waiting(cells, line, item_type, link, value))
                return
            cells = {**cells, link: resolved[0], "_link_uid": resolved[1]}
        self._add(cells, line, item_type)

    def _waiting_key(self, value: str) -> tuple[str, str]:
        if _UID.fullmatch(value):
            return ("uid", value)
        return ("ref", str(parse_ref(value)))

    def _link(self, value: str, column: str, line: int) -> tuple[str, str] | None:
        """The event a row names, as (its ref here, its uid); None when it is a row of the
        sheet not read yet."""
        if _UID.fullmatch(value):
            item_id = self.store.item_id_by_uid(value)
            if item_id is not None:
                row = self.store.columns(item_id)
                return str(Ref(row["type"], row["num"])), value
            known = self.sheet_uids.get(value)
            if known is not None:
                return known[2], value
            return None
        if not self.has_refs:
            # Without a ref column, a ref is this database's; core.add checks it.
            try:
                ref = parse_ref(value, want="event", what=f"--{column}")
            except BadArgument as error:
                raise _SheetError(str(error), line, column) from None
            item_id = self.store.item_id(ref)
            return str(ref), self.store.columns(item_id)["uid"] if item_id is not None else str(ref)
        try:
            ref = str(parse_ref(value, want="event", what=f"--{column}"))
        except BadArgument as error:
            raise _SheetError(str(error), line, column) from None
        known_ref = self.sheet_refs.get(ref)
        if known_ref is None:
            return None
        if not known_ref[0]:
            raise _SheetError(f"{ref} is a removed item's row (line {self.ref_lines[ref]}), skipped: "
                              "link this row to another event, or leave the cell empty", line, column)
        return known_ref

    def _add(self, cells: dict, line: int, item_type: str) -> None:
        link_uid = cells.pop("_link_uid", "")
        uid = cells.get("uid") or _row_uid(item_type, cells, link_uid)
        fingerprint = hash(tuple(sorted((k, str(v)) for k, v in cells.items() if k not in ("ref", "uid"))))
        earlier = self.sheet_uids.get(uid)
        if earlier is not None:
            if earlier[1] != fingerprint:
                same = "the same uid" if cells.get("uid") else "the same type, title, event and date"
                raise _SheetError(f"is the same item as line {earlier[0]} ({same}) but its cells differ: "
                                  "merge the two rows, or tell them apart", line)
            self.repeated += 1
            self._known(cells, (earlier[2], uid))
            return
        found = self._here(uid, item_type, line)
        if found is not None:
            self.already += 1
        else:
            given, entry = _fields(item_type, cells, line)
            try:
                outcome = core.add(self.store, item_type, given, entry, uid=uid, read_back=self.show is not None)
            except TrackerError as error:
                raise _SheetError(str(error), line, self._culprit(item_type, cells)) from None
            self.count += 1
            if isinstance(outcome, Ref):
                found = str(outcome)
            else:
                found = str(outcome.item.ref)
                self.show(outcome)
        self.sheet_uids[uid] = (line, fingerprint, found)
        self._known(cells, (found, uid))

    def _known(self, cells: dict, item: tuple[str, str] | None) -> None:
        """A row is in: the rows waiting for it (by its ref or uid) go in too."""
        pending = []
        ref = cells.get("ref")
        if ref is not None:
            self.sheet_refs[ref] = item or ("", "")
            pending.append(("ref", ref))
        if item is not None:
            pending.append(("uid", item[1]))
        while pending:
            for waiting in self.waiting.pop(pending.pop(), ()):
                self._place(waiting.cells, waiting.line, waiting.item_type)

    def _finish(self) -> None:
        """Rows still waiting name an event that no row of the sheet is."""
        if not self.waiting:
            return
        # A row waiting for one that is missing, rather than for one that waits itself (a loop).
        stuck = [w for (key, value), rows in self.waiting.items() for w in rows
                 if key == "uid" or value not in self.ref_lines]
        first = min(stuck or [w for rows in self.waiting.values() for w in rows], key=lambda w: w.line)
        value = first.value.strip()
        if _UID.fullmatch(value):
            raise _SheetError(f"no event has uid {excerpt(value)}, here or in the sheet: include that event's "
                              "row, or give the ref of an event here", first.line, first.column)
        ref = str(parse_ref(value))
        if ref in self.ref_lines:
            raise _SheetError(f"{ref} (line {self.ref_lines[ref]}) and this row are each inside the other "
                              "(through other rows, perhaps): an event cannot be inside itself",
                              first.line, first.column)
        raise _SheetError(f"{ref} is no row of this sheet (its ref column), so it names an item of another "
                          "database: include that event's row, or give the event's uid instead", first.line,
                          first.column)

    def _here(self, uid: str, item_type: str, line: int) -> str | None:
        """The row's item if it is here already (a uid names one item for ever): its ref."""
        item_id = self.store.item_id_by_uid(uid)
        if item_id is None:
            return None
        row = self.store.columns(item_id)
        if row["type"] != item_type:
            raise _SheetError(f"uid {excerpt(uid)} is {Ref(row['type'], row['num'])} here, an {row['type']}, "
                              f"not an {item_type}: give the row a uid of its own", line, "uid")
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
            if column in ("source", "note", "on", "ref", "uid", "removed"):
                continue
            taken[column] = value
            try:
                given, _ = _fields(item_type, taken, 0)
                defaults = {"event": "announced", "agreement": "expected"}
                core.plan_fields(self.store, item_type, core.Fields(**{
                    **given.__dict__, "title": given.title or "untitled", "kind": given.kind or "other",
                    "status": given.status or defaults[item_type]}))
            except (TrackerError, _SheetError):
                return column
        return "on" if cells.get("on") else None


def _names_in(text: str, dialect: type[csv.Dialect]) -> list[str]:
    try:
        names = next(csv.reader([text.rstrip("\r\n")], dialect=dialect), [])
    except csv.Error:
        return [text.strip().lower()]
    return [name.strip().lower() for name in names]


def _fields(item_type: str, cells: dict[str, Any], line: int) -> tuple[core.Fields, core.Entry]:
    number = cells.get("number")
    if number is not None:
        # In digits 0-9, as everywhere tracker reads a number.
        if not re.fullmatch(r"\s*[0-9]+\s*", str(number)):
            raise _SheetError(f"{excerpt(number)} is not a whole number", line, "number")
        number = int(str(number).strip())
    given = core.Fields(
        title=cells.get("title"), kind=cells.get("kind"), status=cells.get("status"),
        parties=_names(cells.get("parties")), tags=_names(cells.get("tags")),
        start=cells.get("start"), end=cells.get("end"), tz=cells.get("tz"), location=cells.get("location"),
        within=cells.get("in" if item_type == "event" else "event"), sector=cells.get("sector"),
        due=cells.get("due"), series=cells.get("series"), number=number)
    entry = core.Entry(cells.get("on"), cells.get("source"), cells.get("note"), on_name="the date on")
    return given, entry


def _kind_of(value: Any) -> str:
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


# C0 controls (a note may hold line feeds and tabs), DEL and the C1 controls: one search
# a cell, not a loop over its characters (a large sheet holds millions).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_NOTE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _cell(value: Any, column: str, line: int) -> Any:
    """One cell, checked: text (or, in JSON, a list of text for parties and tags, or a
    number for number: a CSV cell is always text); no control characters, not huge."""
    if value is None:
        return None
    if isinstance(value, list) and column in ("parties", "tags"):
        return [_text(part, column, line) for part in value]
    if isinstance(value, int) and not isinstance(value, bool) and column == "number":
        return str(value)
    if column == "number" and isinstance(value, float):
        raise _SheetError(f"holds {_kind_of(value)}: give a whole number", line, column)
    return _text(value, column, line)


def _text(value: Any, column: str, line: int) -> str:
    if not isinstance(value, str):
        raise _SheetError(f"holds {_kind_of(value)}: give text", line, column)
    cap = MAX_NOTE if column == "note" else MAX_CELL
    if len(value) > cap:
        raise _SheetError(f"holds {len(value):,} characters, more than the {cap:,} a cell may: shorten it",
                          line, column)
    if value.startswith(_GUARDED):
        # tracker's own guard against formulas (render/sheet.py): not part of the text.
        value = value[1:]
    found = (_CONTROL_IN_NOTE if column == "note" else _CONTROL).search(value)
    if found:
        raise _SheetError(f"holds a control character ({found.group()!r}): remove it", line, column)
    return value.strip()


def _names(value: Any) -> list[str] | None:
    """Parties or tags: a JSON list, or a cell of names separated by semicolons."""
    if value is None:
        return None
    if isinstance(value, list):
        return value
    return [part.strip() for part in value.split(";") if part.strip()]


def _row_uid(item_type: str, cells: dict[str, Any], link_uid: str = "") -> str:
    """The uid a row without one is known by: from its type, title, event (its uid) and
    date (the day or instant it names, however written)."""
    from tracker import dates

    date_column = "start" if item_type == "event" else "due"
    when = (cells.get(date_column) or "").strip()
    if when:
        zone = dates.user_zone_name()
        if item_type == "event" and cells.get("tz"):
            try:
                zone = dates.check_zone(cells["tz"].strip())
            except TrackerError:
                pass
        try:
            found = dates.parse_when(when, zone, relative=False)
            when = found.text if found.all_day else found.utc_start
        except TrackerError:
            # A relative date (+3d) or a bad one (refused when the row is added): as written.
            when = " ".join(when.split()).lower()
    key = "\x1f".join([item_type, " ".join((cells.get("title") or "").split()).casefold(), link_uid, when])
    return str(uuid.uuid5(_ROW_NAMESPACE, key))
