"""CSV and TSV for spreadsheets: a header row, then one row per record, written as they come.

Dates and times are written as tracker stores them, ISO 8601 with their offset
(2025-12-04T10:30:00+05:30; a day alone stays a day: 2025-12-04); lists are
joined with "; ". A text cell that a spreadsheet would run as a formula (one that
starts with =, +, -, @, a tab or a carriage return, as OWASP lists them) is written
with a leading apostrophe, which makes it text in LibreOffice and Excel alike.
Numbers tracker writes itself (seconds to go, counts) are left as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from tracker.render.safe import printable

FORMATS = ("csv", "tsv")
# What the format-taking commands show people by default, and what programs read.
TABLE_FORMATS = ("table", "json", *FORMATS)

# The first characters of a formula in LibreOffice, Excel and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "


def cell(value: Any) -> Any:
    """One value as a spreadsheet cell: text never read as a formula, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        value = LIST_SEPARATOR.join(str(part) for part in value)
    # Control characters shown as escapes, as everywhere tracker prints untrusted text;
    # a tab and a line feed stay, quoted by the writer.
    text = printable(str(value))
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def write_rows(columns: list[str], records: Iterable[dict[str, Any]], stream, kind: str, bom: bool = False) -> int:
    """The header, then each record's cells in the order of `columns`, one row at a
    time as the records come: memory stays flat however many there are. With `bom`, a
    byte-order mark first: Excel reads a file opened by double-click as the Windows
    code page without one (LibreOffice asks, and ignores it)."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, dialect=csv.excel_tab if kind == "tsv" else csv.excel, lineterminator="\r\n")
    writer.writerow(columns)
    written = 0
    for record in records:
        writer.writerow([cell(record.get(column)) for column in columns])
        written += 1
    return written


# -- the columns of each table --------------------------------------------------------

# An item: the names `tracker add` and `tracker import` take for its fields, after its ref.
ITEM_COLUMNS = ["ref", "type", "title", "kind", "status", "event", "in", "sector", "due", "start", "end", "tz",
                "location", "series", "number", "parties", "tags", "uid", "created", "updated", "removed"]


def item_row(item) -> dict[str, Any]:
    from tracker.render.json import item_data

    data = item_data(item)
    data["in"] = data.pop("parent", None)
    data["number"] = data.pop("series_number", None)
    return data


HISTORY_COLUMNS = ["id", "ref", "field", "old", "new", "on", "recorded", "by", "source", "note", "retracted"]

COUNTDOWN_COLUMNS = ["ref", "type", "title", "what", "status", "start", "end", "tz", "seconds", "state", "left"]

REPORT_TABLES = ("changes", "upcoming", "pipeline", "overdue", "quiet")
_CHANGE_COLUMNS = ["ref", "title", "event", "field", "old", "new", "on", "recorded", "by", "source", "note"]


def report_table(report, table: str) -> tuple[list[str], Iterable[dict[str, Any]]]:
    """One of the report's tables, as columns and rows."""
    from tracker.render.json import change_data, countdown_data

    if table == "changes":
        return _CHANGE_COLUMNS, ({**change_data(c), "title": c.title, "event": str(c.within) if c.within else None}
                                 for c in report.changes)
    if table == "upcoming":
        return COUNTDOWN_COLUMNS, (countdown_data(entry, report.as_of) for entry in report.upcoming)
    if table == "pipeline":
        from tracker.model import AGREEMENT_STATUSES

        pipeline = report.pipeline
        rows = [{"event": str(event.ref) if event else None, "title": event.title if event else f"({label})", **counts}
                for event, label, counts in pipeline.rows()]
        rows.append({"event": None, "title": "(overall)", **pipeline.overall})
        for row in rows:
            row.update({status: row.get(status, 0) for status in AGREEMENT_STATUSES})
            row["total"] = sum(row[status] for status in AGREEMENT_STATUSES)
        return ["event", "title", *AGREEMENT_STATUSES, "total"], rows
    items = report.overdue if table == "overdue" else report.quiet
    return ITEM_COLUMNS, map(item_row, items)
