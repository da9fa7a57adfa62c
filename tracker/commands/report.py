"""tracker report: the weekly report in text, Markdown, HTML or JSON."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import ViewZone, err, out, store, zones
from tracker.errors import BadArgument, excerpt


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

    view_zone, local_zone = zones(tz)
    zone = view_zone or local_zone
    kind = output_format.strip().lower()
    if kind not in ("text", "md", "markdown", "html", "json"):
        raise BadArgument(f"--format {excerpt(output_format)} is not one of: text, md, html, json")
    if week is not None and (start is not None or end is not None):
        raise BadArgument("--week and --from/--to do not go together: give one or the other")
    period = report.span_period(start, end, zone) if start or end else report.week_period(week, zone)
    built = report.build(store(ctx), period)
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
        from tracker.render.report_text import plain, render

        # On a terminal, as wide as it is; anywhere else (`>`, a pipe, -o) the same
        # fixed width, so that a file reads the same however it was written.
        if output is None and sys.stdout.isatty():
            out().print(render(built))
            return
        text = plain(built)
    if output is None:
        sys.stdout.write(text)
        return
    from tracker.output import write_file
    from tracker.render.text import cell

    write_file(output, text, database=store(ctx).path)
    err().print(cell(f"report written to {output}"))
