"""What the commands share: the open database, the consoles, the options of add and update."""

import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from tracker import dates
from tracker.model import AGREEMENT_KINDS, AGREEMENT_STATUSES, EVENT_KINDS, EVENT_STATUSES

if TYPE_CHECKING:      # the commands that read (list, report, countdown) start without core
    from tracker import core

# Rows a table shows by default (of each type, in a list): a screenful. One number, not
# the terminal's height: a row may take several lines, and a page should be the same
# on a screen, in a pipe and in a test.
SCREENFUL = 25
# What was left out is counted up to this many more: a count of every match would read
# half a million index entries at 1M items; this many costs at most a few times the list
# itself (7 ms at 1M for `list agreements --status expected --party Russia`).
COUNT_CAP = 100


def store(ctx: typer.Context):
    """The database of this run, opened on first use."""
    return ctx.find_root().obj.store


def out():
    from tracker.render.text import console

    return console()


def err():
    from tracker.render.text import console

    return console(stderr=True)


def print_json(data) -> None:
    from tracker.render.json import dumps

    sys.stdout.write(dumps(data) + "\n")


# Each command lists the vocabulary it takes: add event the events', add agreement the
# agreements', update both, labelled.
_KINDS = f"Events: {', '.join(EVENT_KINDS)}. Agreements: {', '.join(AGREEMENT_KINDS)}."
_STATUSES = f"Events: {', '.join(EVENT_STATUSES)}. Agreements: {', '.join(AGREEMENT_STATUSES)}."
Title = Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="A new title.")]
Kind = Annotated[Optional[str], typer.Option("--kind", metavar="KIND", help=_KINDS)]
Status = Annotated[Optional[str], typer.Option(
    "--status", metavar="STATUS", help=_STATUSES)]
EventKind = Annotated[Optional[str], typer.Option(
    "--kind", metavar="KIND", help=f"{', '.join(EVENT_KINDS)} (default: other).")]
EventStatus = Annotated[Optional[str], typer.Option(
    "--status", metavar="STATUS", help=f"{', '.join(EVENT_STATUSES)} (default: announced).")]
AgreementKind = Annotated[Optional[str], typer.Option(
    "--kind", metavar="KIND", help=f"{', '.join(AGREEMENT_KINDS)} (default: other).")]
AgreementStatus = Annotated[Optional[str], typer.Option(
    "--status", metavar="STATUS", help=f"{', '.join(AGREEMENT_STATUSES)} (default: expected).")]
Parties = Annotated[Optional[list[str]], typer.Option(
    "--party", metavar="NAME", help="A country, organisation or person involved; repeat for each.")]
Tags = Annotated[Optional[list[str]], typer.Option("--tag", metavar="TAG", help="A label; repeat for each.")]
Start = Annotated[Optional[str], typer.Option("--start", metavar="WHEN", help="Events: the day, or day and time, it starts.")]
End = Annotated[Optional[str], typer.Option("--end", metavar="WHEN", help="Events: the last day, or the time it ends.")]
Zone = Annotated[Optional[str], typer.Option("--tz", metavar="ZONE", help="Events: the IANA time zone it happens in, such as Asia/Kolkata.")]
Location = Annotated[Optional[str], typer.Option("--location", metavar="PLACE", help="Events: where it happens.")]
Within = Annotated[Optional[str], typer.Option("--in", metavar="EVENT", help="Events: the event this one is part of (E1).")]
AtEvent = Annotated[Optional[str], typer.Option("--event", metavar="EVENT", help="Agreements: the event it is expected at (E1).")]
Sector = Annotated[Optional[str], typer.Option("--sector", metavar="SECTOR", help="Agreements: defence, trade, labour ...")]
Series = Annotated[Optional[str], typer.Option(
    "--series", metavar="NAME", help="Events: the recurring series it belongs to, such as \"India-Russia Annual Summit\".")]
Number = Annotated[Optional[int], typer.Option("--number", metavar="N", help="Events: its number in the series (23).")]
Due = Annotated[Optional[str], typer.Option("--due", metavar="WHEN", help="Agreements: the date it is due by.")]
On = Annotated[Optional[str], typer.Option("--on", metavar="WHEN", help="When it happened (default: now).")]
Source = Annotated[Optional[str], typer.Option("--source", metavar="URL", help="Where the news came from (http or https).")]
Note = Annotated[Optional[str], typer.Option("--note", metavar="TEXT", help="What happened, in a few words.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TableFormat = Annotated[Optional[str], typer.Option(
    "--format", "-f", metavar="FORMAT", show_default=False,
    help="table, json, csv or tsv (default: table; --json is --format json).")]
Bom = Annotated[bool, typer.Option(
    "--bom", help="With csv or tsv: begin with a UTF-8 byte-order mark, which Excel needs to read accents and "
                  "other scripts right in a file it opens by double-click.")]
ViewZone = Annotated[Optional[str], typer.Option(
    "--tz", metavar="ZONE", help="Show times in this IANA zone (default: each event's own, with yours beside it).")]


class Filters:
    """The filters of `tracker list` as option types, declared once for each command that
    takes them. `prefix` goes before each help text (export's "ics: "); `search` and
    `series` end those two help texts, which say more on list."""

    def __init__(self, prefix: str = "", search: str = "", series: str = ""):
        def option(name: str, metavar: str, text: str):
            return typer.Option(name, metavar=metavar, help=prefix + (text[0].lower() + text[1:] if prefix else text))

        self.status = Annotated[Optional[list[str]], option("--status", "STATUS", "Only with this status; repeat for several.")]
        self.kind = Annotated[Optional[list[str]], option("--kind", "KIND", "Only of this kind; repeat for several.")]
        self.sector = Annotated[Optional[list[str]], option("--sector", "SECTOR", "Only agreements in this sector.")]
        self.party = Annotated[Optional[list[str]], option(
            "--party", "NAME", "Only items involving this party (all of those given).")]
        self.tag = Annotated[Optional[list[str]], option("--tag", "TAG", "Only items with this tag (all of those given).")]
        self.event = Annotated[Optional[str], option("--event", "EVENT", "Only what belongs to this event.")]
        self.start = Annotated[Optional[str], option(
            "--from", "WHEN", "Only events from this day on, and agreements due then.")]
        self.end = Annotated[Optional[str], option(
            "--to", "WHEN", "Only events up to this day (inclusive), and agreements due by then.")]
        self.search = Annotated[Optional[str], option(
            "--search", "WORDS", f"Items whose title, notes or sources hold these words{search}.")]
        self.series = Annotated[Optional[str], option("--series", "NAME", f"Only the events of this series{series}.")]


def zones(view_zone: str | None) -> tuple[str | None, str]:
    """The zone asked for with --tz (checked), and the user's own."""
    return (dates.check_zone(view_zone, what="--tz") if view_zone else None), dates.user_zone_name()


def announce(verb: str, outcome: "core.Outcome", as_json: bool) -> None:
    from tracker.render.json import item_data
    from tracker.render.text import change_text, cell

    item = outcome.item
    if as_json:
        print_json(item_data(item))
        return
    console = err()
    line = cell(f"{verb} {item.ref}: ")
    line.append(cell(item.title))
    console.print(line)
    for change in outcome.changes:
        console.print(cell("  ").append_text(change_text(change)))


def table_format(given: str | None, as_json: bool) -> str:
    """The format asked for with --format (table, json, csv, tsv) or --json, checked."""
    from tracker.errors import BadArgument
    from tracker.model import check_choice
    from tracker.render.sheet import TABLE_FORMATS

    if given is None:
        return "json" if as_json else "table"
    kind = check_choice(given, TABLE_FORMATS, "--format")
    if as_json and kind != "json":
        raise BadArgument(f"--json and --format {kind} do not go together: use one")
    return kind


def check_bom(bom: bool, kind: str) -> None:
    """--bom is for the sheets only: JSON and text never carry one."""
    if bom and kind not in ("csv", "tsv"):
        from tracker.errors import BadArgument

        raise BadArgument("--bom is for --format csv or tsv: give one of those too")
