"""tracker report: the weekly report in text, Markdown, HTML or JSON."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import Bom, ViewZone, check_bom, err, out, store, zones
from tracker.errors import BadArgument, closest, did_you_mean, excerpt


def report_command(
    ctx: typer.Context,
    week: Annotated[Optional[str], typer.Option("--week", metavar="YYYY-Www", help="An ISO week, such as 2025-W49 (default: this week).")] = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="WHEN", help="The first day of the period (with --to).")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="WHEN", help="The last day of the period, inclusive.")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="text, md, html, json, or csv or tsv (one of its tables: see --table).")] = "text",
    table: Annotated[Optional[str], typer.Option(
        "--table", metavar="TABLE",
        help="With csv or tsv: changes, upcoming, pipeline, overdue or quiet (default: changes).")] = None,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
    tz: ViewZone = None,
    bom: Bom = False,
) -> None:
    """What changed in a week (or period), what is coming, and where the agreements stand."""
    from tracker import report

    view_zone, local_zone = zones(tz)
    zone = view_zone or local_zone
    kind = output_format.strip().lower()
    formats = ("text", "md", "markdown", "html", "json", "csv", "tsv")
    if kind not in formats:
        raise BadArgument(f"--format {excerpt(output_format)} is not one of: text, md, html, json, csv, tsv"
                          f"{did_you_mean(closest(kind, list(formats)))}")
    check_bom(bom, kind)
    if table is not None and kind not in ("csv", "tsv"):
        raise BadArgument("--table picks one of the report's tables for --format csv or tsv: give one of those too")
    chosen = _report_table(table) if kind in ("csv", "tsv") else None
    if week is not None and (start is not None or end is not None):
        raise BadArgument("--week and --from/--to do not go together: give one or the other")
    period = report.span_period(start, end, zone) if start or end else report.week_period(week, zone)
    built = report.build(store(ctx), period)
    if kind in ("csv", "tsv"):
        import io

        from tracker.render import sheet

        columns, rows = sheet.report_table(built, chosen)
        text_stream = io.StringIO()
        sheet.write_rows(columns, rows, text_stream, kind, bom=bom)
        text = text_stream.getvalue()
    elif kind == "json":
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


def _report_table(table: str | None) -> str:
    from tracker.model import check_choice
    from tracker.render.sheet import REPORT_TABLES

    return "changes" if table is None else check_choice(table, REPORT_TABLES, "--table")
