"""tracker history: the change log."""

import sys
from typing import Annotated, Optional

import typer

from tracker import core
from tracker.commands.common import Bom, check_bom, COUNT_CAP, SCREENFUL, Json, TableFormat, err, store, table_format, zones
from tracker.model import MAX_LIMIT, parse_ref


def history(
    ctx: typer.Context,
    ref: Annotated[Optional[str], typer.Argument(metavar="[REF]", help="Only this item's changes.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN", help="Only changes that happened from then on.")] = None,
    before: Annotated[Optional[str], typer.Option(
        "--before", metavar="CHANGE|WHEN",
        help="Only changes before this one (its id, from --json or the line that pages back), "
             "or that happened before this date or time.")] = None,
    limit: Annotated[Optional[int], typer.Option(
        "--limit", "-n", metavar="N", min=0, max=MAX_LIMIT, show_default=False,
        help=f"The last N changes; 0 for all. Default: {SCREENFUL} for a table, all in the other formats.")] = None,
    tz: Annotated[Optional[str], typer.Option(
        "--tz", metavar="ZONE", help="Show times in this IANA zone (default: yours).")] = None,
    output_format: TableFormat = None,
    json: Json = False,
    bom: Bom = False,
) -> None:
    """The change log, in the order things happened: the latest changes, or all of them with --limit 0."""
    view_zone, local_zone = zones(tz)
    kind_of_output = table_format(output_format, json)
    check_bom(bom, kind_of_output)
    given_limit = limit
    if limit is None:
        # A table is for people: a screenful. JSON, CSV and TSV are for programs: everything, as in list.
        limit = SCREENFUL if kind_of_output == "table" else 0
    page = core.history(store(ctx), parse_ref(ref) if ref else None, since, before, limit, COUNT_CAP)
    if kind_of_output != "table":
        from tracker.render.json import change_data

        # With each change's id, which `tracker retract` and --before take, and whether it was retracted.
        changes = ({**change_data(c), "id": c.id, "retracted": c.retracted} for c in page.changes)
        if kind_of_output == "json":
            from tracker.render.json import write_array

            written = write_array(changes, sys.stdout)
        else:
            from tracker.render import sheet

            written = sheet.write_rows(sheet.HISTORY_COLUMNS, changes, sys.stdout, kind_of_output, bom=bom)
    else:
        from tracker.render.text import print_history

        written = print_history(page.changes, zone=view_zone or local_zone)
        if not written:
            err().print("No changes logged" + (" in that stretch." if since or before else "."))
    if page.first is not None:
        _say_how_to_page_back(ctx, page, written, given_limit)


def _say_how_to_page_back(ctx: typer.Context, page: core.HistoryPage, shown: int, given_limit: int | None) -> None:
    """On stderr: how many changes came before those shown, and the command that shows them."""
    import shlex

    from tracker.render.text import cell

    words = ["tracker"]
    root = ctx.find_root()
    for name in ("db", "now"):
        # By the source's name: the enum is Click's, which is not loaded for this alone.
        if getattr(root.get_parameter_source(name), "name", None) == "COMMANDLINE":
            words += [f"--{name}", str(root.params[name])]
    words.append("history")
    if ctx.params["ref"]:
        words.append(ctx.params["ref"])
    if ctx.params["since"]:
        words += ["--since", _since_as_given_or_fixed(ctx.params["since"], page)]
    if ctx.params["tz"]:
        words += ["--tz", ctx.params["tz"]]
    if given_limit is not None:
        words += ["--limit", str(given_limit)]
    if ctx.params["json"]:
        words.append("--json")
    if ctx.params["output_format"]:
        words += ["--format", ctx.params["output_format"].strip().lower()]
    command = " ".join(map(shlex.quote, [*words, "--before", str(page.first)]))
    more = f"{page.left_out:,} more" if page.left_out is not None else f"more than {COUNT_CAP:,} more"
    # One line however wide: the command in it is to be copied whole.
    err().print(cell(f"Showing the last {shown:,} change{'s' * (shown != 1)}; {more} came before {'them' if shown != 1 else 'it'} "
                     f"(`{command}` shows those, --limit 0 shows them all)."), soft_wrap=True)


def _since_as_given_or_fixed(since: str, page: core.HistoryPage) -> str:
    """--since as typed, but a relative one ("today", "-2w") as the instant it meant:
    the next page, asked for later, must cover the same stretch."""
    from tracker import dates
    from tracker.errors import BadArgument

    try:
        dates.parse_when(since, dates.user_zone_name(), what="--since", relative=False, month=True)
        return since
    except BadArgument:
        from zoneinfo import ZoneInfo

        return page.since.astimezone(ZoneInfo(dates.user_zone_name())).isoformat(timespec="seconds")
