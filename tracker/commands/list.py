"""tracker list: what is open, or what the filters ask for."""


import sys
from typing import Annotated, Optional

import typer

from tracker import core
from tracker.commands.common import (
    Bom, check_bom, COUNT_CAP, SCREENFUL, Filters, Json, TableFormat, ViewZone, err, out, store, table_format, zones,
)
from tracker.errors import BadArgument, closest, did_you_mean, excerpt
from tracker.model import MAX_LIMIT

FILTERS = Filters(search=": open ones first, then the rest", series=", in order, past ones too")
EMPTY_HINT = ("Nothing to list: the database is empty. Add an item with `tracker add event TITLE` "
              "or `tracker add agreement TITLE`, or load a file with `tracker import FILE`.")


def list_command(
    ctx: typer.Context,
    what: Annotated[Optional[str], typer.Argument(
        metavar="[events|agreements]", help="Only events, or only agreements.")] = None,
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
    everything: Annotated[bool, typer.Option("--all", "-a", help="Held, settled and past items too.")] = False,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", metavar="N", min=0, max=MAX_LIMIT, show_default=False,
        help=f"At most N events and N agreements; 0 for all. Default: {SCREENFUL} for a table, all in the other formats.")] = None,
    tz: ViewZone = None,
    output_format: TableFormat = None,
    json: Json = False,
    bom: Bom = False,
) -> None:
    """What is open: events to come and agreements not yet settled (signed, in force or dropped)."""
    view_zone, local_zone = zones(tz)
    kind_of_output = table_format(output_format, json)
    check_bom(bom, kind_of_output)
    types = {None: ("event", "agreement"), "events": ("event",), "event": ("event",),
             "agreements": ("agreement",), "agreement": ("agreement",)}
    key = what.strip().lower() if what else None
    if key not in types:
        raise BadArgument(f"cannot list {excerpt(what)}: say events or agreements, or nothing for both"
                          f"{did_you_mean(closest(what, ['events', 'agreements']))}")
    if limit is None:
        # A table is for people: a screenful. JSON, CSV and TSV are for programs: everything.
        limit = SCREENFUL if kind_of_output == "table" else 0
    database = store(ctx)
    listing = core.list_items(database, core.ListRequest(
        types=types[key], statuses=status or [], kinds=kind or [], sectors=sector or [],
        parties=party or [], tags=tag or [], within=event, start=start, end=end,
        search=search, series=series, everything=everything, limit=limit))
    if kind_of_output != "table":
        if kind_of_output == "json":
            from tracker.render.json import write_items

            written = write_items(listing, sys.stdout)
        else:
            from tracker.render import sheet

            written = sheet.write_rows(sheet.ITEM_COLUMNS, map(sheet.item_row, listing), sys.stdout, kind_of_output, bom=bom)
        _say_what_was_left_out(listing, limit)
        if not written and not database.has_items():
            err().print(EMPTY_HINT)
        return
    items = list(listing)
    _say_what_was_left_out(listing, limit)
    if not items:
        if not database.has_items():
            err().print(EMPTY_HINT)
        else:
            filtered = any((status, kind, sector, party, tag, event, start, end, series))
            err().print(_nothing_found(search, filtered, everything or any((status, start, end, series))))
        return
    from tracker.render.text import items_tables

    console = out()
    for table in items_tables(items, view_zone, local_zone):
        console.print(table)


def _nothing_found(search: str | None, filtered: bool, spans_settled: bool):
    """Why a list is empty. --all is suggested only where it would show more: a search,
    a status, a period and a series take in held and settled items already."""
    from tracker.render.text import cell

    if search is not None:
        return cell(f"Nothing matches {excerpt(search.strip())}" + (" with the other filters given" if filtered else "") + ".")
    said = "Nothing matches these filters." if filtered else "Nothing to list."
    return cell(said + ("" if spans_settled else " (tracker list --all shows held and settled items too.)"))


def _say_what_was_left_out(listing, limit: int) -> None:
    """On stderr: how many of each type were not shown (counted up to a cap, which keeps
    the count cheap at any size), and how to see them."""
    if not listing.cut:
        return
    parts = []
    for item_type in listing.cut:
        more = listing.left_out(item_type, COUNT_CAP)
        parts.append(f"{more:,} more {item_type}{'s' * (more != 1)}" if more is not None
                     else f"more than {COUNT_CAP:,} more {item_type}s")
    shown = " and ".join(f"{item_type}s" for item_type in listing.cut)
    err().print(f"Showing the first {limit} {shown}; {' and '.join(parts)} match "
                "(--limit 0 shows them all, or narrow the list with --status, --party, --search ...).")
