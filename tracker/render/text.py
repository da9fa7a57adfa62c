"""Rich tables for people at a terminal.

Every cell is a Text built from `one_line()` (a note's from `printable()`): no Rich
markup in a title is interpreted and no control character reaches the terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from datetime import datetime, timezone

from rich.console import Console
from rich.text import Text

from tracker.dates import clock_text, get_zone, instant, zone_abbreviation
from tracker.model import KINDS, STATUSES, Change, Item
from tracker.render.safe import one_line, printable
from tracker.render.cells import GLUE, glued
from tracker.render.table import Table

STATUS_STYLE = {
    "rumoured": "dim", "announced": "cyan", "confirmed": "bold cyan", "held": "green",
    "postponed": "yellow", "cancelled": "red", "expected": "cyan", "negotiating": "yellow",
    "initialled": "bold yellow", "signed": "green", "ratified": "bold green",
    "in-force": "bold green", "stalled": "magenta", "dropped": "red",
}


def console(stderr: bool = False) -> Console:
    """A console that never reads markup, colours only a terminal, obeys NO_COLOR."""
    stream = sys.stderr if stderr else sys.stdout
    width = None
    # Piped output is for grep and less, not a screen: don't wrap at 80.
    if not stream.isatty() and not os.environ.get("COLUMNS"):
        width = 200
    # NO_COLOR: no colour, and no bold or dim either: plain text.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(file=stream, stderr=stderr, markup=False, highlight=False, emoji=False, width=width,
                   color_system=None if plain else "auto")


def plain_text(renderable, width: int = 120) -> str:
    """A renderable as plain text, for a file: `width` columns, no space at the end of a line."""
    import io

    buffer = io.StringIO()
    # Not cropped: every part fits the width already (Text and Rule wrap to it, tables
    # lay out within it), and cropping measures every line again: a tenth of a report.
    Console(file=buffer, width=width, color_system=None, markup=False, highlight=False,
            emoji=False).print(renderable, crop=False)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def cell(text: str | None, style: str = "") -> Text:
    """A field that is one line: a title, a place, names. A line break in it shows as \\n."""
    return Text(one_line(text), style=style)


def note_cell(text: str | None) -> Text:
    """A note, which may run over lines: they stay inside its column of the table."""
    return Text(printable(text))


def when_text(text: str | None, zone_name: str | None) -> str:
    """A stored date or instant (a start, a due time, when a change happened or was
    recorded) for people: 2025-12-04, or 2025-12-04 10:30 IST in `zone_name`. A date
    alone stays a date: it names a day, not an instant, and moving it to another zone
    would change what it says."""
    if not text:
        return ""
    if len(text) == 10:
        return text
    return clock_text(datetime.fromisoformat(text), zone_name or "UTC")


def span_text(item: Item, view_zone: str | None = None, local_zone: str | None = None) -> str:
    """When an event happens: in its own zone, or in `view_zone` (--tz) when given.

    In its own zone, a time is followed by the reader's own clock where the
    zones differ: "2025-12-04 10:30 IST (06:00 CET)".
    """
    if not item.start:
        return "date not set"
    zone = view_zone or item.tz or "UTC"
    all_day = len(item.start) == 10
    if all_day and zone == item.tz:
        text = item.start if not item.end or item.end == item.start else f"{item.start} → {item.end}"
        if local_zone and local_zone != zone and not view_zone:
            # Whose days these are, for a reader elsewhere.
            text += " " + zone_abbreviation(instant(item.start_utc).astimezone(get_zone(zone) or timezone.utc))
        return text
    start = instant(item.start_utc)
    text = clock_text(start, zone)
    if item.end:
        end = clock_text(instant(item.end_utc), zone)
        text += " → " + (end[11:] if end[:10] == text[:10] else end)
    if not view_zone and local_zone and local_zone != zone and not all_day:
        local = start.astimezone(get_zone(local_zone) or timezone.utc)
        own = start.astimezone(get_zone(zone) or timezone.utc)
        day = "" if local.date() == own.date() else f"{local.day} {local:%b} "
        text += f" ({day}{local:%H:%M} {zone_abbreviation(local)})"
    return text


def status_cell(status: str) -> Text:
    return Text(status, style=STATUS_STYLE.get(status, ""))


def items_tables(items: list[Item], view_zone: str | None = None, local_zone: str | None = None) -> list[Table]:
    tables = []
    events = [item for item in items if item.type == "event"]
    agreements = [item for item in items if item.type == "agreement"]
    if events:
        table = Table(title="Events")
        # On a narrow screen, Parties go first, then Where, Kind, When (see Table._layout).
        table.add_column("Ref", no_wrap=True)
        table.add_column("When", drop=4, min_width=14)
        table.add_column("Title", min_width=20, share=2)
        table.add_column("Kind", drop=3)
        table.add_column("Status")
        table.add_column("Where", drop=2, min_width=12)
        table.add_column("Parties", drop=1, min_width=14)
        for item in events:
            title = cell(item.title)
            if item.parent:
                title.append(f" (in{GLUE}{item.parent})", style="dim")
            table.add_row(str(item.ref), span_text(item, view_zone, local_zone), title, item.kind, status_cell(item.status),
                          cell(item.location), cell(", ".join(item.parties)))
        tables.append(table)
    if agreements:
        table = Table(title="Agreements")
        # On a narrow screen, Parties go first, then Due, Sector, Kind, Event.
        table.add_column("Ref", no_wrap=True)
        table.add_column("Title", min_width=20, share=2)
        table.add_column("Kind", drop=4)
        table.add_column("Sector", drop=3)
        table.add_column("Status")
        table.add_column("Event", no_wrap=True, drop=5)
        table.add_column("Due", no_wrap=True, drop=2)
        table.add_column("Parties", drop=1, min_width=14)
        for item in agreements:
            table.add_row(str(item.ref), cell(item.title), item.kind, cell(item.sector),
                          status_cell(item.status), str(item.event or ""), item.due or "",
                          cell(", ".join(item.parties)))
        tables.append(table)
    return tables


def _series_text(item: Item, before: Item | None, after: Item | None) -> str:
    if not item.series:
        return ""
    text = item.series + (f", no. {item.series_number}" if item.series_number else "")

    def neighbour(other: Item | None) -> str:
        if other is None:
            return "none"
        number = f"no. {other.series_number}, " if other.series_number else ""
        return f"{other.ref} ({number}{other.start or 'date not set'})"

    return f"{text}; before: {neighbour(before)}; after: {neighbour(after)}"


def item_grid(item: Item, view_zone: str | None = None, local_zone: str | None = None,
              before: Item | None = None, after: Item | None = None) -> Table:
    reader = view_zone or local_zone or "UTC"
    grid = Table.grid(padding=2)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    heading = cell(item.title, "bold")
    if item.removed:
        heading.append(f"  (removed {when_text(item.removed, reader)})", style="red")
    grid.add_row(str(item.ref), heading)
    rows: list[tuple[str, Text | str]] = [("type", item.type), ("kind", item.kind),
                                         ("status", status_cell(item.status))]
    if item.type == "event":
        rows += [("when", span_text(item, view_zone, local_zone)), ("zone", item.tz or ""), ("where", cell(item.location)),
                 ("in", str(item.parent or "")), ("series", cell(_series_text(item, before, after)))]
    else:
        rows += [("sector", cell(item.sector)), ("event", str(item.event or "")), ("due", item.due or "")]
    rows += [("parties", cell(", ".join(item.parties))), ("tags", cell(", ".join(item.tags))),
             ("uid", item.uid), ("created", when_text(item.created, reader)),
             ("updated", when_text(item.updated, reader))]
    for name, value in rows:
        if value:
            grid.add_row(name, value)
    return grid


def _value(value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)


def change_text(change: Change) -> Text:
    if change.field is None:
        return Text("note", style="dim")
    if change.field == "created":
        return Text.assemble("created as ", (one_line(_value(change.new)), "bold"))
    if change.field == "removed":
        # Undone (`tracker undo` of a remove): the log keeps when it had been removed, as old.
        return Text("removed", style="red") if change.new is not None else Text("restored", style="green")
    if change.field == "retracted":
        return Text(f"note {change.new} retracted" if change.new is not None else f"note {change.old} restored",
                    style="dim")
    text = Text.assemble((change.field, "bold"), " ")
    if change.old not in (None, "", []):
        text.append(one_line(_value(change.old)), style="dim")
        text.append(" → ")
    text.append(one_line(_value(change.new)) if change.new not in (None, "", []) else "(none)")
    return text


def history_table(changes: list[Change], with_ref: bool = True, zone: str = "UTC") -> Table:
    """The log; times in `zone` (the reader's, or --tz), labelled."""
    table = history_frame(with_ref)
    for change in changes:
        table.add_row(*history_row(change, with_ref, zone))
    return table


def print_history(changes: Iterable[Change], zone: str = "UTC") -> int:
    """The log printed as it is read (see Table.print_rows); returns how many changes."""
    return history_frame().print_rows(console(), (history_row(change, True, zone) for change in changes))


# The widest change of a field whose values are tracker's own: a kind or a status.
_LONGEST_CHANGE = max((f"{field} {old} → {new}" for field, vocabulary in
                       [("kind", kinds) for kinds in KINDS.values()] + [("status", s) for s in STATUSES.values()]
                       for old in vocabulary for new in vocabulary if old != new), key=len)


def history_frame(with_ref: bool = True) -> Table:
    """The log's table without its rows."""
    table = Table(title="History")
    # On a narrow screen, Source goes first, then By (short, but on one user's database the
    # same on every row), then Note, then Title; a date wraps before its time.
    # The note, the substance of a change, gets a double part of the width.
    table.add_column("On")
    if with_ref:
        table.add_column("Ref", no_wrap=True)
        table.add_column("Title", drop=4, min_width=16)
    table.add_column("Change", longest=_LONGEST_CHANGE)
    table.add_column("By", drop=2)
    table.add_column("Note", drop=3, min_width=20, share=2)
    table.add_column("Source", drop=1, min_width=20)
    return table


def history_row(change: Change, with_ref: bool = True, zone: str = "UTC") -> list[Text | str]:
    row: list[Text | str] = [when_text(change.on, zone)]
    if with_ref:
        row += [str(change.ref), cell(change.title)]
    text = change_text(change)
    if change.early:
        text.append(" (dated before it was added)", style="dim")
    if change.retracted:
        text.append(" (retracted)", style="dim")
    return row + [text, cell(change.by), note_cell(change.note), cell(change.source)]


def countdown_table(entries, now: datetime, view_zone: str | None = None,
                    local_zone: str | None = None, title: str | None = "Coming up") -> Table:
    from tracker.countdown import words

    table = Table(title=title)
    # On a narrow screen, When goes first (Time left names the day), then Status.
    table.add_column("Ref", no_wrap=True)
    table.add_column("When", drop=1, min_width=14)
    table.add_column("Time left", min_width=12)
    table.add_column("Title", min_width=20, share=2)
    table.add_column("Status", drop=2)
    for entry in entries:
        item = entry.item
        if entry.what == "event":
            when = span_text(item, view_zone, local_zone)
        else:
            when = when_text(item.due, entry.zone) if not view_zone else clock_text(entry.end, view_zone)
        state = entry.state(now)
        left = Text(glued(words(entry, now, view_zone)), style={"under-way": "bold", "overdue": "red"}.get(state, ""))
        title = cell(item.title)
        if entry.what == "due":
            title = Text.assemble(("due: ", "dim"), title)
        table.add_row(str(item.ref), when, left, title, status_cell(item.status))
    return table
