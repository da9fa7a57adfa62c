"""tracker update: change an item's fields, or add a note; every change logged."""

from typing import Annotated, Optional

import typer

from tracker import core
from tracker.commands.common import (
    AtEvent, Due, End, Json, Kind, Location, Note, Number, On, Sector, Series, Source, Start, Status,
    Title, Within, Zone, announce, err, store,
)
from tracker.errors import BadArgument
from tracker.model import parse_ref


def update(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The item to change: E1, A3 ...")],
    title: Title = None, kind: Kind = None, status: Status = None,
    start: Start = None, end: End = None, tz: Zone = None, location: Location = None,
    within: Within = None, series: Series = None, number: Number = None,
    event: AtEvent = None, sector: Sector = None, due: Due = None,
    party: Annotated[Optional[list[str]], typer.Option(
        "--party", metavar="NAME", help="The parties, all of them (replaces the list); repeat for each.")] = None,
    tag: Annotated[Optional[list[str]], typer.Option(
        "--tag", metavar="TAG", help="The tags, all of them (replaces the list); repeat for each.")] = None,
    clear: Annotated[Optional[list[str]], typer.Option(
        "--clear", metavar="FIELD",
        help="Empty a field: start, end, location, parent, series, number (events); event, sector, due (agreements); parties, tags.")] = None,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Change an item's fields, or add a note; every change is logged with --on, --source and --note."""
    target = parse_ref(ref)
    if within is not None and target.type == "agreement":
        raise BadArgument("--in is for events: an agreement's event is set with --event")
    if event is not None and target.type == "event":
        raise BadArgument("--event is for agreements: an event's parent is set with --in")
    outcome = core.update(store(ctx), target, core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, start=start, end=end,
        tz=tz, location=location, within=within if within is not None else event,
        sector=sector, due=due, series=series, number=number, clear=clear or []), core.Entry(on, source, note))
    if not outcome.changes and not json:
        err().print(f"{target}: already as asked; nothing recorded")
        return
    announce("updated", outcome, json)
