"""tracker export: the whole database as JSON (`tracker import` reads it back), or the
events and due dates a calendar shows, as iCalendar (--format ics)."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import err, store
from tracker.errors import BadArgument, closest, did_you_mean, excerpt

FORMATS = ("json", "ics")


def export(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
    format: Annotated[str, typer.Option(
        "--format", metavar="FORMAT",
        help="json: everything, items and history, for `tracker import`. ics: an iCalendar file of the "
             "events and the agreements' due dates, for calendar apps (the filters below apply).")] = "json",
    status: Annotated[Optional[list[str]], typer.Option("--status", metavar="STATUS", help="ics: only with this status; repeat for several.")] = None,
    kind: Annotated[Optional[list[str]], typer.Option("--kind", metavar="KIND", help="ics: only of this kind; repeat for several.")] = None,
    sector: Annotated[Optional[list[str]], typer.Option("--sector", metavar="SECTOR", help="ics: only agreements in this sector.")] = None,
    party: Annotated[Optional[list[str]], typer.Option("--party", metavar="NAME", help="ics: only items involving this party (all of those given).")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", metavar="TAG", help="ics: only items with this tag (all of those given).")] = None,
    event: Annotated[Optional[str], typer.Option("--event", metavar="EVENT", help="ics: only what belongs to this event.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="WHEN", help="ics: only events from this day on, and agreements due then.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="WHEN", help="ics: only events up to this day (inclusive), and agreements due by then.")] = None,
    search: Annotated[Optional[str], typer.Option("--search", metavar="WORDS", help="ics: items whose title, notes or sources hold these words.")] = None,
    series: Annotated[Optional[str], typer.Option("--series", metavar="NAME", help="ics: only the events of this series.")] = None,
) -> None:
    """Everything as JSON for `tracker import`, or the events and due dates as an iCalendar file."""
    chosen = (format or "").strip().lower()
    if chosen not in FORMATS:
        raise BadArgument(f"--format {excerpt(format)} is not one of: {', '.join(FORMATS)}"
                          f"{did_you_mean(closest(chosen, FORMATS))}")
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
