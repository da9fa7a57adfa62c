"""tracker history: the change log."""

from typing import Annotated, Optional

import typer

from tracker import core
from tracker.commands.common import Json, err, out, print_json, store, zones
from tracker.model import parse_ref


def history(
    ctx: typer.Context,
    ref: Annotated[Optional[str], typer.Argument(metavar="[REF]", help="Only this item's changes.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN", help="Only changes that happened from then on.")] = None,
    tz: Annotated[Optional[str], typer.Option(
        "--tz", metavar="ZONE", help="Show times in this IANA zone (default: yours).")] = None,
    json: Json = False,
) -> None:
    """The change log, in the order things happened."""
    view_zone, local_zone = zones(tz)
    changes = core.history(store(ctx), parse_ref(ref) if ref else None, since)
    if json:
        from tracker.render.json import change_data

        # With each change's id, which `tracker retract` takes, and whether it was retracted.
        print_json([{**change_data(c), "id": c.id, "retracted": c.retracted} for c in changes])
        return
    if not changes:
        err().print("No changes logged" + (" since then." if since else "."))
        return
    from tracker.render.text import history_table

    out().print(history_table(changes, zone=view_zone or local_zone))
