"""Loading a sheet's rows as new items: each row is added as `tracker add` adds it
(core.add), in one transaction: all rows, or none.

A row is recognised by its uid: the uid column's, else one derived from the row's
type, title, event (or the event it is in) and date (start or due, as the instant
or day it names), so that importing the same sheet again adds nothing.

With a `ref` column, the refs in `event` and `in` name rows of the sheet (in any
order: a row whose event comes later waits for it), never this database's items,
whose refs are numbered otherwise; without one, they name this database's items.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Callable, Iterable

from tracker import core
from tracker.errors import BadArgument, Interrupted, TrackerError, closest, did_you_mean, excerpt
from tracker.model import Ref, check_source, parse_ref
from tracker.sheets.reading import MAX_CELL, MAX_NOTE, ONLY, SheetError, kind_of, not_json, open_sheet, read_rows
from tracker.store import Store

# Derived uids live in a namespace of their own: the same row gives the same uid anywhere.
_ROW_NAMESPACE = uuid.UUID("6f1d2c1e-8b7a-5f43-9a55-3c0e2d7b9a10")
# What tracker's CSV puts before a cell a spreadsheet would run as a formula
# (render/sheet.py): the apostrophe is taken off again here, and only there.
_GUARDED = ("'=", "'+", "'-", "'@", "'\t")
# The uids tracker writes: UUIDs in their usual spelling.
_UID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


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
    source, size = open_sheet(path)
    try:
        with source, Progress(f"importing {name}", total=size, every=1 << 16) as progress, store.writing():
            load = _Load(store, show, progress)
            try:
                load.rows(read_rows(source, path, progress))
            except SheetError as error:
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
        """Adds the rows reading.read_rows yields: (the line a row starts on, its cells by column)."""
        for line, row in rows:
            try:
                self.row(row, line)
            except ValueError as error:
                # Text no encoder takes (a lone surrogate, written \ud800 in JSON): said as the
                # reader says a line it cannot read, as it was before reading and loading were apart.
                raise not_json(error, line) from None
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
            raise SheetError("the type is empty: give event or agreement", line, "type")
        item_type = item_type.strip().lower()
        if item_type not in ONLY:
            raise SheetError(f"type {excerpt(item_type)} is not event or agreement"
                             f"{did_you_mean(closest(item_type, list(ONLY)))}", line, "type")
        other = "agreement" if item_type == "event" else "event"
        for column in cells:
            if column in ONLY[other]:
                raise SheetError(f"is for {other}s only, and this row is an {item_type}: "
                                 "leave it empty, or make the row an " + other, line, column)
        ref = cells.get("ref")
        if ref is not None:
            try:
                ref = str(parse_ref(ref, want=item_type, what="the ref"))
            except BadArgument as error:
                raise SheetError(str(error), line, "ref") from None
            earlier = self.ref_lines.get(ref)
            if earlier is not None:
                raise SheetError(f"{ref} is the ref of line {earlier} too: a ref names one row of the sheet; "
                                 "empty this one (a new row needs none)", line, "ref")
            self.ref_lines[ref] = line
            cells["ref"] = ref
        uid = cells.get("uid")
        if uid is not None and not _UID.fullmatch(uid):
            raise SheetError(f"{excerpt(uid)} is not a uid as tracker writes them "
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
                raise SheetError(str(error), line, column) from None
            item_id = self.store.item_id(ref)
            return str(ref), self.store.columns(item_id)["uid"] if item_id is not None else str(ref)
        try:
            ref = str(parse_ref(value, want="event", what=f"--{column}"))
        except BadArgument as error:
            raise SheetError(str(error), line, column) from None
        known_ref = self.sheet_refs.get(ref)
        if known_ref is None:
            return None
        if not known_ref[0]:
            raise SheetError(f"{ref} is a removed item's row (line {self.ref_lines[ref]}), skipped: "
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
                raise SheetError(f"is the same item as line {earlier[0]} ({same}) but its cells differ: "
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
                raise SheetError(str(error), line, self._culprit(item_type, cells)) from None
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
            raise SheetError(f"no event has uid {excerpt(value)}, here or in the sheet: include that event's "
                             "row, or give the ref of an event here", first.line, first.column)
        ref = str(parse_ref(value))
        if ref in self.ref_lines:
            raise SheetError(f"{ref} (line {self.ref_lines[ref]}) and this row are each inside the other "
                             "(through other rows, perhaps): an event cannot be inside itself",
                             first.line, first.column)
        raise SheetError(f"{ref} is no row of this sheet (its ref column), so it names an item of another "
                         "database: include that event's row, or give the event's uid instead", first.line,
                         first.column)

    def _here(self, uid: str, item_type: str, line: int) -> str | None:
        """The row's item if it is here already (a uid names one item for ever): its ref."""
        item_id = self.store.item_id_by_uid(uid)
        if item_id is None:
            return None
        row = self.store.columns(item_id)
        if row["type"] != item_type:
            raise SheetError(f"uid {excerpt(uid)} is {Ref(row['type'], row['num'])} here, an {row['type']}, "
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
            except (TrackerError, SheetError):
                return column
        return "on" if cells.get("on") else None


def _fields(item_type: str, cells: dict[str, Any], line: int) -> tuple[core.Fields, core.Entry]:
    number = cells.get("number")
    if number is not None:
        # In digits 0-9, as everywhere tracker reads a number.
        if not re.fullmatch(r"\s*[0-9]+\s*", str(number)):
            raise SheetError(f"{excerpt(number)} is not a whole number", line, "number")
        number = int(str(number).strip())
    given = core.Fields(
        title=cells.get("title"), kind=cells.get("kind"), status=cells.get("status"),
        parties=_names(cells.get("parties")), tags=_names(cells.get("tags")),
        start=cells.get("start"), end=cells.get("end"), tz=cells.get("tz"), location=cells.get("location"),
        within=cells.get("in" if item_type == "event" else "event"), sector=cells.get("sector"),
        due=cells.get("due"), series=cells.get("series"), number=number)
    entry = core.Entry(cells.get("on"), cells.get("source"), cells.get("note"), on_name="the date on")
    return given, entry


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
        raise SheetError(f"holds {kind_of(value)}: give a whole number", line, column)
    return _text(value, column, line)


def _text(value: Any, column: str, line: int) -> str:
    if not isinstance(value, str):
        raise SheetError(f"holds {kind_of(value)}: give text", line, column)
    cap = MAX_NOTE if column == "note" else MAX_CELL
    if len(value) > cap:
        raise SheetError(f"holds {len(value):,} characters, more than the {cap:,} a cell may: shorten it",
                         line, column)
    if value.startswith(_GUARDED):
        # tracker's own guard against formulas (render/sheet.py): not part of the text.
        value = value[1:]
    found = (_CONTROL_IN_NOTE if column == "note" else _CONTROL).search(value)
    if found:
        raise SheetError(f"holds a control character ({found.group()!r}): remove it", line, column)
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
