"""The `tracker` command: parses arguments, calls the core, hands results to a renderer."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from tracker import __version__, core, dates
from tracker.errors import BadArgument, TrackerError
from tracker.model import AGREEMENT_KINDS, AGREEMENT_STATUSES, EVENT_KINDS, EVENT_STATUSES, parse_ref


def _fail(message: str, code: int) -> None:
    from tracker.render.safe import printable

    sys.stderr.write(f"tracker: error: {printable(message)}\n")
    sys.stderr.flush()
    sys.exit(code)


class TrackerGroup(TyperGroup):
    """Turns every expected failure into one line on stderr and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            result = super().main(args=args, prog_name="tracker",
                                  complete_var=complete_var, standalone_mode=False, **extra)
        except TrackerError as error:
            _fail(str(error), error.exit_code)
        except typer.TyperException as error:      # Click's usage errors
            context = getattr(error, "ctx", None)
            where = context.command_path if context else "tracker"
            if type(error).__name__ == "NoArgsIsHelpError":
                sys.stderr.write(error.format_message() + "\n")
                sys.exit(error.exit_code)
            _fail(f"{error.format_message()} (see `{where} --help`)", error.exit_code)
        except typer.Abort:
            _fail("aborted", 1)
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            # The reader (head, less) went away: not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except sqlite3.Error as error:
            _fail(f"database error: {error}", 1)
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    cls=TrackerGroup,
    help="Follow summits, state visits and the agreements expected at them.",
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
add_app = typer.Typer(help="Add an event or an agreement.", no_args_is_help=True)
app.add_typer(add_app, name="add")


class Session:
    """Per-run state: where the database is, opened on first use."""

    def __init__(self, db: Path | None):
        self.db = db
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from tracker.store import Store

            self._store = Store(self.db or default_db_path())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("tracker", appauthor=False) / "tracker.db"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option(
        "--db", envvar="TRACKER_DB", metavar="PATH",
        help="The database file (default: tracker.db in your data folder).")] = None,
    now: Annotated[Optional[str], typer.Option(
        "--now", metavar="WHEN", help="Act as if it were this instant (also TRACKER_NOW).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    dates.set_now(now)      # None clears an earlier run's clock (tests run many in one process)
    session = Session(db.expanduser() if db else None)
    ctx.obj = session
    ctx.call_on_close(session.close)
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def _store(ctx: typer.Context):
    return ctx.find_root().obj.store


def _out():
    from tracker.render.text import console

    return console()


def _err():
    from tracker.render.text import console

    return console(stderr=True)


def _print_json(data) -> None:
    from tracker.render.json import dumps

    sys.stdout.write(dumps(data) + "\n")


# -- options shared by add and update ---------------------------------------------

_KINDS = f"Events: {', '.join(EVENT_KINDS)}. Agreements: {', '.join(AGREEMENT_KINDS)}."
_STATUSES = f"Events: {', '.join(EVENT_STATUSES)}. Agreements: {', '.join(AGREEMENT_STATUSES)}."
Title = Annotated[Optional[str], typer.Option("--title", metavar="TEXT", help="A new title.")]
Kind = Annotated[Optional[str], typer.Option("--kind", metavar="KIND", help=_KINDS)]
Status = Annotated[Optional[str], typer.Option(
    "--status", metavar="STATUS", help=_STATUSES)]
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
ViewZone = Annotated[Optional[str], typer.Option(
    "--tz", metavar="ZONE", help="Show times in this IANA zone (default: each event's own, with yours beside it).")]


def _zones(view_zone: str | None) -> tuple[str | None, str]:
    """The zone asked for with --tz (checked), and the user's own."""
    return (dates.check_zone(view_zone, what="--tz") if view_zone else None), dates.user_zone_name()


def _announce(verb: str, outcome: core.Outcome, as_json: bool) -> None:
    from tracker.render.json import item_data
    from tracker.render.text import change_text, cell

    item = outcome.item
    if as_json:
        _print_json(item_data(item))
        return
    err = _err()
    line = cell(f"{verb} {item.ref}: ")
    line.append(cell(item.title))
    err.print(line)
    for change in outcome.changes:
        err.print(cell("  ").append_text(change_text(change)))


@add_app.command("event")
def add_event(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What the event is called.")],
    kind: Kind = None, status: Status = None, start: Start = None, end: End = None,
    tz: Zone = None, location: Location = None, within: Within = None,
    series: Series = None, number: Number = None, party: Parties = None, tag: Tags = None,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Add a summit, visit, meeting or other event. Prints its reference (E<n>).

    Kind defaults to other and status to announced. Without --tz, an event takes the zone
    of the event it is in (--in), else yours.
    """
    outcome = core.add(_store(ctx), "event", core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, start=start, end=end,
        tz=tz, location=location, within=within, series=series, number=number), core.Entry(on, source, note))
    _added(outcome, json)


@add_app.command("agreement")
def add_agreement(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What the agreement is called.")],
    kind: Kind = None, status: Status = None, event: AtEvent = None, sector: Sector = None,
    due: Due = None, party: Parties = None, tag: Tags = None,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Add an agreement expected somewhere: a treaty, MoU, pact, deal. Prints its reference (A<n>).

    Kind defaults to other and status to expected.
    """
    outcome = core.add(_store(ctx), "agreement", core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, within=event,
        sector=sector, due=due), core.Entry(on, source, note))
    _added(outcome, json)


def _added(outcome: core.Outcome, as_json: bool) -> None:
    if as_json:
        _announce("added", outcome, True)
        return
    # The reference alone on stdout, so that scripts can capture it.
    typer.echo(str(outcome.item.ref))
    _announce("added", outcome, False)


@app.command("update")
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
    outcome = core.update(_store(ctx), target, core.Fields(
        title=title, kind=kind, status=status, parties=party, tags=tag, start=start, end=end,
        tz=tz, location=location, within=within if within is not None else event,
        sector=sector, due=due, series=series, number=number, clear=clear or []), core.Entry(on, source, note))
    if not outcome.changes and not json:
        _err().print(f"{target}: already as asked; nothing recorded")
        return
    _announce("updated", outcome, json)


@app.command("remove")
def remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The item to remove: E1, A3 ...")],
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Take an item out of lists. It stays in history and `tracker show` still finds it."""
    outcome = core.remove(_store(ctx), parse_ref(ref), core.Entry(on, source, note))
    _announce("removed", outcome, json)


@app.command("list")
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
    view_zone, local_zone = _zones(tz)
    types = {None: ("event", "agreement"), "events": ("event",), "event": ("event",),
             "agreements": ("agreement",), "agreement": ("agreement",)}
    key = what.strip().lower() if what else None
    if key not in types:
        raise BadArgument(f"cannot list {what!r}: say events or agreements, or nothing for both")
    listing = core.list_items(_store(ctx), core.ListRequest(
        types=types[key], statuses=status or [], kinds=kind or [], sectors=sector or [],
        parties=party or [], tags=tag or [], within=event, start=start, end=end,
        search=search, series=series, everything=everything, limit=limit))
    items = listing.items
    if listing.cut:
        kinds = " and ".join(f"{item_type}s" for item_type in listing.cut)
        _err().print(f"Showing the first {limit} {kinds}; more match (--limit 0 shows them all, "
                     "or narrow the list with --status, --party, --search ...).")
    if json:
        from tracker.render.json import item_data

        _print_json([item_data(item) for item in items])
        return
    if not items:
        _err().print("Nothing to list." + ("" if everything else " (tracker list --all shows held and settled items too.)"))
        return
    from tracker.render.text import items_tables

    out = _out()
    for table in items_tables(items, view_zone, local_zone):
        out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The item: E1, A3 ...")],
    tz: ViewZone = None,
    json: Json = False,
) -> None:
    """One item: its fields and its full history."""
    view_zone, local_zone = _zones(tz)
    shown = core.show(_store(ctx), parse_ref(ref))
    if json:
        from tracker.render.json import change_data, item_data

        data = {**item_data(shown.item), "history": [change_data(c) for c in shown.history]}
        if shown.item.type == "event":
            data["series_before"] = str(shown.before.ref) if shown.before else None
            data["series_after"] = str(shown.after.ref) if shown.after else None
        _print_json(data)
        return
    from tracker.render.text import history_table, item_grid, items_tables

    out = _out()
    out.print(item_grid(shown.item, view_zone, local_zone, shown.before, shown.after))
    out.print(history_table(shown.history, with_ref=False))
    for table in items_tables(shown.members, view_zone, local_zone):
        out.print(table)


@app.command("history")
def history(
    ctx: typer.Context,
    ref: Annotated[Optional[str], typer.Argument(metavar="[REF]", help="Only this item's changes.")] = None,
    since: Annotated[Optional[str], typer.Option("--since", metavar="WHEN", help="Only changes that happened from then on.")] = None,
    json: Json = False,
) -> None:
    """The change log, in the order things happened."""
    changes = core.history(_store(ctx), parse_ref(ref) if ref else None, since)
    if json:
        from tracker.render.json import change_data

        _print_json([change_data(c) for c in changes])
        return
    if not changes:
        _err().print("No changes logged" + (" since then." if since else "."))
        return
    from tracker.render.text import history_table

    _out().print(history_table(changes))


@app.command("countdown")
def countdown_command(
    ctx: typer.Context,
    days: Annotated[Optional[int], typer.Option(
        "--days", metavar="N", min=0, help="Only what starts or is due within N days.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", metavar="N", min=0, help="At most N entries; 0 for all.")] = 30,
    tz: ViewZone = None,
    watch: Annotated[bool, typer.Option("--watch", help="Keep the screen up to date until Ctrl-C.")] = False,
    json: Json = False,
) -> None:
    """What is next, nearest first: events to come or under way, and agreements' due dates."""
    from tracker import countdown

    view_zone, local_zone = _zones(tz)
    store = _store(ctx)
    if watch:
        if json:
            raise BadArgument("--watch and --json do not go together: use one")
        from tracker.render.watch import watch_countdown

        watch_countdown(lambda now: countdown.coming(store, now, days, limit or None), view_zone, local_zone)
        return
    now = dates.now()
    entries = countdown.coming(store, now, days, limit or None)
    if json:
        from tracker.render.json import countdown_data

        _print_json([countdown_data(entry, now, view_zone) for entry in entries])
        return
    if not entries:
        _err().print("Nothing coming" + (f" in the next {days} days." if days is not None else "."))
        return
    from tracker.render.text import countdown_table

    _out().print(countdown_table(entries, now, view_zone, local_zone))


@app.command("report")
def report_command(
    ctx: typer.Context,
    week: Annotated[Optional[str], typer.Option("--week", metavar="YYYY-Www", help="An ISO week, such as 2025-W49 (default: this week).")] = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="WHEN", help="The first day of the period (with --to).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="WHEN", help="The last day of the period, inclusive.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text, md, html or json.")] = "text",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
    tz: ViewZone = None,
) -> None:
    """What changed in a week (or period), what is coming, and where the agreements stand."""
    from tracker import report

    view_zone, local_zone = _zones(tz)
    zone = view_zone or local_zone
    kind = output_format.strip().lower()
    if kind not in ("text", "md", "markdown", "html", "json"):
        raise BadArgument(f"--format {output_format!r} is not one of: text, md, html, json")
    if week is not None and (start is not None or end is not None):
        raise BadArgument("--week and --from/--to do not go together: give one or the other")
    period = report.span_period(start, end, zone) if start or end else report.week_period(week, zone)
    built = report.build(_store(ctx), period)
    if kind == "json":
        from tracker.render.json import dumps, report_data

        text = dumps(report_data(built)) + "\n"
    elif kind in ("md", "markdown"):
        from tracker.render.markdown import render_report

        text = render_report(built)
    elif kind == "html":
        from tracker.render.html import render_report

        text = render_report(built)
    else:
        from tracker.render.report_text import render

        if output is None:
            _out().print(render(built))
            return
        from tracker.render.text import plain_text

        text = plain_text(render(built))
    if output is None:
        sys.stdout.write(text)
        return
    from tracker import transfer

    transfer.write_file(output, text)
    _err().print(f"report written to {output}")


@app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
) -> None:
    """Everything, items and history, as one JSON document that `tracker import` reads back."""
    from tracker import transfer
    from tracker.render.json import dumps

    text = dumps(transfer.export_document(_store(ctx))) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    transfer.write_file(output, text)
    _err().print(f"exported to {output}")


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A file written by `tracker export` (- for stdin).")],
) -> None:
    """Add the items and history of an export file. Items already here (same uid) are left alone."""
    from tracker import transfer

    summary = transfer.import_file(_store(ctx), file)
    _err().print(summary)


@app.command("apply")
def apply_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A tracker-updates JSON file (- for stdin).")],
) -> None:
    """Replay a file of dated updates (news), each as `tracker add` or `tracker update` would, all or nothing."""
    from tracker import transfer

    _err().print(transfer.apply_file(_store(ctx), file))


def main() -> None:
    app()
