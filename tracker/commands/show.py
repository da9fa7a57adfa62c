"""tracker show: one item, its fields and its history."""

from typing import Annotated

import typer

from tracker import core
from tracker.commands.common import Json, ViewZone, out, print_json, store, zones
from tracker.model import parse_ref


def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The item: E1, A3 ...")],
    tz: ViewZone = None,
    json: Json = False,
) -> None:
    """One item: its fields and its full history."""
    view_zone, local_zone = zones(tz)
    shown = core.show(store(ctx), parse_ref(ref))
    if json:
        from tracker.render.json import change_data, item_data

        data = {**item_data(shown.item), "history": [change_data(c) for c in shown.history]}
        if shown.item.type == "event":
            data["series_before"] = str(shown.before.ref) if shown.before else None
            data["series_after"] = str(shown.after.ref) if shown.after else None
        print_json(data)
        return
    from tracker.render.text import history_table, item_grid, items_tables

    console = out()
    console.print(item_grid(shown.item, view_zone, local_zone, shown.before, shown.after))
    console.print(history_table(shown.history, with_ref=False, zone=view_zone or local_zone))
    for table in items_tables(shown.members, view_zone, local_zone):
        console.print(table)
