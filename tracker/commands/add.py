"""tracker add event | agreement: a new item, its reference on stdout."""

from typing import Annotated

import typer

from tracker import core
from tracker.cli import TrackerCommand, TrackerSubGroup
from tracker.commands.common import (
    AgreementKind, AgreementStatus, AtEvent, Due, End, EventKind, EventStatus, Json, Location, Note,
    Number, On, Parties, Sector, Series, Source, Start, Tags, Within, Zone, announce, store,
)

app = typer.Typer(cls=TrackerSubGroup, help="Add an event or an agreement.", no_args_is_help=True,
                  add_completion=False)


@app.command("event", cls=TrackerCommand)
def add_event(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What the event is called.")],
    kind: EventKind = None, status: EventStatus = None, start: Start = None, end: End = None,
    tz: Zone = None, location: Location = None, within: Within = None,
    series: Series = None, number: Number = None, party: Parties = None, tag: Tags = None,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Add a summit, visit, meeting or other event. Prints its reference (E<n>).

    Without --tz, an event takes the zone of the event it is in (--in), else yours.
    """
    outcome = core.add(store(ctx), "event", core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, start=start, end=end,
        tz=tz, location=location, within=within, series=series, number=number), core.Entry(on, source, note))
    _added(outcome, json)


@app.command("agreement", cls=TrackerCommand)
def add_agreement(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="What the agreement is called.")],
    kind: AgreementKind = None, status: AgreementStatus = None, event: AtEvent = None, sector: Sector = None,
    due: Due = None, party: Parties = None, tag: Tags = None,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Add an agreement expected somewhere: a treaty, MoU, pact, deal. Prints its reference (A<n>)."""
    outcome = core.add(store(ctx), "agreement", core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, within=event,
        sector=sector, due=due), core.Entry(on, source, note))
    _added(outcome, json)


def _added(outcome: core.Outcome, as_json: bool) -> None:
    if as_json:
        announce("added", outcome, True)
        return
    # The reference alone on stdout, so that scripts can capture it.
    typer.echo(str(outcome.item.ref))
    announce("added", outcome, False)
