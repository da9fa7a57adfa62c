"""tracker export: the whole database as JSON (`tracker import` reads it back), or the
events and due dates a calendar shows, as iCalendar (--format ics)."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import Filters, err, store
from tracker.errors import BadArgument
from tracker.model import check_choice

FORMATS = ("json", "ics")
# list's filters, for the iCalendar export only.
FILTERS = Filters(prefix="ics: ")


def export(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
    format: Annotated[str, typer.Option(
        "--format", metavar="FORMAT",
        help="json: everything, items and history, for `tracker import`. ics: an iCalendar file of the "
             "events and the agreements' due dates, for calendar apps (the filters below apply).")] = "json",
    status: FILTERS.status = None,
    kind: FILTERS.kind = None,
    sector: FILTERS.sector = None,
    party: FILTERS.party = None,
    tag: FILTERS.tag = None,
    event: FILTERS.event = None,
    start: FILTERS.start = None,
    end: FILTERS.end = None,
    search: FILTERS.search = None,
    series: FILTERS.series = None,
) -> None:
    """Everything as JSON for `tracker import`, or the events and due dates as an iCalendar file."""
    chosen = check_choice(format, FORMATS, "--format")
    filters = {"--status": status, "--kind": kind, "--sector": sector, "--party": party, "--tag": tag,
               "--event": event, "--from": start, "--to": end, "--search": search, "--series": series}
    if chosen == "json":
        given = [name for name, value in filters.items() if value]
        if given:
            raise BadArgument(f"{given[0]} filters an iCalendar export only: add --format ics, "
                              "or leave it out to export everything as JSON")
        from tracker.commands.transfer import export as export_json

        export_json(ctx, output)
        return
    _export_ics(ctx, output, status, kind, sector, party, tag, event, start, end, search, series)


def _export_ics(ctx, output, status, kind, sector, party, tag, event, start, end, search, series) -> None:
    from tracker import core
    from tracker.calendar.ics import Written, calendar_pieces
    from tracker.render.text import cell

    database = store(ctx)
    # Every event, past, held and cancelled ones too (unless filtered): a calendar keeps
    # what happened, and a cancellation must reach it to strike the entry out.
    listing = core.list_items(database, core.ListRequest(
        statuses=status or [], kinds=kind or [], sectors=sector or [], parties=party or [], tags=tag or [],
        within=event, start=start, end=end, search=search, series=series, everything=True, limit=0))
    written = Written()
    pieces = calendar_pieces(database, listing, written)
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
    else:
        from tracker.output import write_file

        write_file(output, pieces, database=database.path)
    console = err()
    if written.undated:
        console.print(cell(written.undated_note()))
    if output is not None:
        entries = f"{written.entries} calendar entr{'ies' if written.entries != 1 else 'y'}"
        console.print(cell(f"exported {entries} to {output}"))
