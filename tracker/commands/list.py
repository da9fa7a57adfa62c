"""tracker list: what is open, or what the filters ask for."""


from typing import Annotated, Optional

import typer

from tracker import core
from tracker.commands.common import Json, ViewZone, err, out, print_json, store, zones
from tracker.errors import BadArgument


def list_command(
    ctx: typer.Context,
    what: Annotated[Optional[str], typer.Argument(
        metavar="[events|agreements]", help="Only events, or only agreements.")] = None,
    status: Annotated[Optional[list[str]], typer.Option("--status", metavar="STATUS", help="Only with this status; repeat for several.")] = None,
    kind: Annotated[Optional[list[str]], typer.Option("--kind", metavar="KIND", help="Only of this kind; repeat for several.")] = None,
    sector: Annotated[Optional[list[str]], typer.Option("--sector", metavar="SECTOR", help="Only agreements in this sector.")] = None,
    party: Annotated[Optional[list[str]], typer.Option("--party", metavar="NAME", help="Only items involving this party (all of those given).")] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag", metavar="TAG", help="Only items with this tag (all of those given).")] = None,
    event: Annotated[Optional[str], typer.Option("--event", metavar="EVENT", help="Only what belongs to this event.")] = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="WHEN", help="Only events from this day on, and agreements due then.")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="WHEN", help="Only events up to this day (inclusive), and agreements due by then.")] = None,
    search: Annotated[Optional[str], typer.Option("--search", metavar="WORDS", help="Only items whose title, notes or sources hold these words.")] = None,
    series: Annotated[Optional[str], typer.Option("--series", metavar="NAME", help="Only the events of this series, in order, past ones too.")] = None,
    everything: Annotated[bool, typer.Option("--all", "-a", help="Held, settled and past items too.")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", min=0,
                                       help="At most N events and N agreements; 0 for all.")] = 25,
    tz: ViewZone = None,
    json: Json = False,
) -> None:
    """What is open: events to come and agreements not yet settled (signed, in force or dropped)."""
    view_zone, local_zone = zones(tz)
    types = {None: ("event", "agreement"), "events": ("event",), "event": ("event",),
             "agreements": ("agreement",), "agreement": ("agreement",)}
    key = what.strip().lower() if what else None
    if key not in types:
        raise BadArgument(f"cannot list {what!r}: say events or agreements, or nothing for both")
    listing = core.list_items(store(ctx), core.ListRequest(
        types=types[key], statuses=status or [], kinds=kind or [], sectors=sector or [],
        parties=party or [], tags=tag or [], within=event, start=start, end=end,
        search=search, series=series, everything=everything, limit=limit))
    items = listing.items
    if listing.cut:
        kinds = " and ".join(f"{item_type}s" for item_type in listing.cut)
        err().print(f"Showing the first {limit} {kinds}; more match (--limit 0 shows them all, "
                     "or narrow the list with --status, --party, --search ...).")
    if json:
        from tracker.render.json import item_data

        print_json([item_data(item) for item in items])
        return
    if not items:
        err().print("Nothing to list." + ("" if everything else " (tracker list --all shows held and settled items too.)"))
        return
    from tracker.render.text import items_tables

    console = out()
    for table in items_tables(items, view_zone, local_zone):
        console.print(table)
