"""tracker countdown: what is next, nearest first."""

import sys
from typing import Annotated, Optional

import typer

from tracker import dates
from tracker.commands.common import Bom, check_bom, Json, TableFormat, ViewZone, err, out, print_json, store, table_format, zones
from tracker.errors import BadArgument
from tracker.model import MAX_LIMIT


def countdown_command(
    ctx: typer.Context,
    days: Annotated[Optional[int], typer.Option(
        "--days", metavar="N", min=0, max=dates.DAYS_AHEAD, help="Only what starts or is due within N days (overdue agreements all the same).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", min=0, max=MAX_LIMIT, help="At most N entries to come and N overdue; 0 for all.")] = 30,
    tz: ViewZone = None,
    watch: Annotated[bool, typer.Option("--watch", help="Keep the screen up to date until Ctrl-C.")] = False,
    output_format: TableFormat = None,
    json: Json = False,
    bom: Bom = False,
) -> None:
    """What is next, nearest first: events to come or under way, and agreements' due dates; then overdue agreements."""
    from tracker import countdown

    view_zone, local_zone = zones(tz)
    kind_of_output = table_format(output_format, json)
    check_bom(bom, kind_of_output)
    database = store(ctx)
    if watch:
        if kind_of_output != "table":
            raise BadArgument(f"--watch and --{'json' if json else 'format ' + kind_of_output} do not go together: use one")
        from tracker.render.watch import watch_countdown

        watch_countdown(lambda now: countdown.board(database, now, days, limit or None), view_zone, local_zone,
                        countdown.nothing_coming(days))
        return
    now = dates.now()
    entries = countdown.board(database, now, days, limit or None)
    if kind_of_output != "table":
        from tracker.render.json import countdown_data

        rows = [countdown_data(entry, now, view_zone) for entry in entries]
        if kind_of_output == "json":
            print_json(rows)
        else:
            from tracker.render import sheet

            sheet.write_rows(sheet.COUNTDOWN_COLUMNS, rows, sys.stdout, kind_of_output, bom=bom)
        return
    if not entries:
        err().print(countdown.nothing_coming(days))
        return
    from tracker.render.text import countdown_table

    out().print(countdown_table(entries, now, view_zone, local_zone))
