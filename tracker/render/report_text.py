"""The weekly report for a terminal (Rich); plain text, WIDTH columns wide, anywhere else.

Times are shown in the reader's zone (the report's), with its abbreviation; dates
without a time as they were written. The tables are tracker's own (render/table.py),
in the look of Rich's SIMPLE_HEAD box: rich.table took all of a report's 220 ms.
"""

from __future__ import annotations

from datetime import timedelta

from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.text import Text

from tracker.countdown import words
from tracker.dates import get_zone
from tracker.render.safe import one_line
from tracker.render.table import Table
from tracker.render.text import cell, change_text, countdown_table, note_cell, plain_text, span_text, status_cell, when_text

# Not on a terminal (redirected with `>`, piped, or written with -o), the text report
# is this many columns wide: room for the tables, and short enough to read.
WIDTH = 120


MORE_TEXT = "More are not listed here: `tracker list` with --status or --all shows them all."
MORE_EVENTS_TEXT = ("More events have agreements than are listed: theirs are counted in one row. "
                    "`tracker list agreements --event E<n>` shows those of one event.")
MORE_UPCOMING_TEXT = "More are coming in those days: `tracker countdown --days N` shows them all."


# Change keeps this many cells before Note or Title does ("status confirmed → held").
CHANGE_WHOLE_UP_TO = 24


class _ChangeTables:
    """The tables of "What changed", one under each event's heading, showing the same
    columns: those that any of them leaves out at this width, all leave out, and a line
    says which, and where to read them."""

    def __init__(self, groups: list[tuple[Text, Table]]):
        self.groups = groups

    def __rich_console__(self, console, options):
        left_out: set[int] = set()
        for _, table in self.groups:
            left_out |= table.left_out(options.max_width)
        for heading, table in self.groups:
            table.leave_out = left_out
            yield heading
            yield table
        if left_out:
            columns = self.groups[0][1].columns
            names = [columns[index].title for index in sorted(left_out)]
            listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            yield Text(f"{listed} {'are' if len(names) > 1 else 'is'} left out at this width: "
                       "a wider window shows them, as does `tracker report -o FILE`.", style="dim")


def more_changes_text(report) -> str:
    """What the report leaves out of "What changed", and where to read it all."""
    n = report.more_changes
    zone = get_zone(report.period.zone)
    start, end = report.period.start.astimezone(zone).date(), report.period.end.astimezone(zone).date()
    return (f"{n} more change{'s' * (n != 1)} in this period {'are' if n != 1 else 'is'} not listed here: "
            f"`tracker history --since {start} --before {end} --limit 0` lists them all.")


def period_text(report) -> str:
    zone = get_zone(report.period.zone)
    start = report.period.start.astimezone(zone)
    last = (report.period.end - timedelta(seconds=1)).astimezone(zone)
    return f"{start:%a} {start.day} {start:%b %Y} to {last:%a} {last.day} {last:%b %Y}, {report.period.zone}"


def headline_text(report) -> str:
    h = report.headline
    parts = [f"{h.changes} change{'s' * (h.changes != 1)}",
             f"{h.signed} agreement{'s' * (h.signed != 1)} signed",
             f"{h.held} event{'s' * (h.held != 1)} held"]
    text = ", ".join(parts) + "."
    if h.next:
        text += f" Next: {h.next.item.ref} {one_line(h.next.item.title)}, {words(h.next, report.as_of)}."
    return text


def plain(report) -> str:
    """The report as plain text, WIDTH columns wide, with no space at the end of a line."""
    return plain_text(render(report), WIDTH)


def on_text(report, change) -> str:
    """When a change happened, for this report's reader: its date, or its time in their zone."""
    return when_text(change.on, report.period.zone)


def render(report) -> RenderableType:
    parts: list[RenderableType] = [
        Text(f"Weekly report {report.period.label}", style="bold"),
        Text(period_text(report), style="dim"),
    ]
    if report.empty_database:
        parts.append(Text("The database has no items yet: add one with `tracker add event` or `tracker add agreement`."))
        return Group(*parts)
    parts.append(Text(headline_text(report)))
    if not report.changes:
        parts.append(Text(f"No changes were logged in {report.period.label}."))
    else:
        parts.append(Rule("What changed", align="left"))
        groups: list[tuple[Text, Table]] = []
        for group in report.groups:
            heading = Text.assemble((str(group.event.ref) + " ", "bold"), cell(group.event.title, "bold")) \
                if group.event else Text("Not at an event", style="bold")
            if group.event:
                heading.append(f"  {span_text(group.event, local_zone=report.period.zone)}", style="dim")
            # The note gets the most room; words are wrapped whole, and only one longer
            # than its column (a URL) is cut. On a narrow screen By goes first (the report's
            # 80 columns are for what changed; Markdown, HTML and JSON say who), then, as
            # in history, Source, then Note, then Title; Change, a phrase of tracker's,
            # stays whole. By, a name, is never wrapped.
            table = Table(simple=True)
            for name, ratio, drop in (("On", 0, 0), ("Ref", 0, 0), ("Title", 3, 4), ("Change", 3, 0), ("By", 0, 1),
                                      ("Note", 4, 3), ("Source", 3, 2)):
                table.add_column(name, no_wrap=not ratio, ratio=ratio, drop=drop, min_width=10 if ratio else 0,
                                 whole_up_to=CHANGE_WHOLE_UP_TO if name == "Change" else 0)
            for change in group.changes:
                table.add_row(on_text(report, change), str(change.ref), cell(change.title),
                              change_text(change), cell(change.by), note_cell(change.note), cell(change.source))
            groups.append((heading, table))
        parts.append(_ChangeTables(groups))
        if report.more_changes:
            parts.append(Text(more_changes_text(report), style="dim"))
    if report.upcoming:
        parts.append(Rule("Coming up in the 14 days after", align="left"))
        # The rule above is its heading.
        table = countdown_table(report.upcoming, report.as_of, local_zone=report.period.zone, title=None)
        parts.append(table)
        if report.more_upcoming:
            parts.append(Text(MORE_UPCOMING_TEXT, style="dim"))
    pipeline = report.pipeline
    if pipeline.overall:
        parts.append(Rule("Pipeline: agreements by status", align="left"))
        table = Table(simple=True)
        table.add_column("Event")
        statuses = list(pipeline.overall)
        for status in statuses:
            table.add_column(status_cell(status), justify="right")
        table.add_column("all", justify="right")
        for event, label, counts in pipeline.rows():
            name = Text.assemble(f"{event.ref} ", cell(event.title)) if event else Text(label, style="dim")
            table.add_row(name, *[str(counts.get(s, "")) for s in statuses], str(sum(counts.values())))
        table.add_row(Text("overall", style="bold"), *[Text(str(pipeline.overall[s]), style="bold") for s in statuses],
                      Text(str(sum(pipeline.overall.values())), style="bold"))
        parts.append(table)
        if pipeline.more_events:
            parts.append(Text(MORE_EVENTS_TEXT, style="dim"))
    for title, items, more in (("Overdue: not signed, and the event is over or the due date passed", report.overdue,
                                report.more_overdue),
                               ("Gone quiet: nothing logged in 30 days", report.quiet, report.more_quiet)):
        if items:
            parts.append(Rule(title, align="left"))
            table = Table(simple=True)
            for name in ("Ref", "Title", "Status", "Event", "Due"):
                table.add_column(name, no_wrap=name == "Ref")
            for item in items:
                table.add_row(str(item.ref), cell(item.title), status_cell(item.status),
                              str(item.event or item.parent or ""), when_text(item.due, report.period.zone))
            parts.append(table)
            if more:
                parts.append(Text(MORE_TEXT, style="dim"))
    return Group(*parts)
