"""`tracker import` of a sheet: CSV, TSV or newline-delimited JSON, a row per new item.

The columns are `tracker add`'s option names (type, title, kind, status, event, in,
sector, due, start, end, tz, location, series, number, parties, tags, on, source,
note), and uid; the columns `tracker list --format csv` writes besides (ref, created,
updated, removed) are taken too, so that a list goes back in.

reading: the file read as rows of cells (formats, dialects, size caps, the header),
each with the line it starts on; load: those rows made items (cells checked, uids,
the refs between rows), in one transaction.
"""

from tracker.sheets.load import import_sheet
from tracker.sheets.reading import is_sheet

__all__ = ["import_sheet", "is_sheet"]
