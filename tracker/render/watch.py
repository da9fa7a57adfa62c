"""`tracker countdown --watch`: a live screen that ticks until Ctrl-C."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import timedelta

from rich.console import Group
from rich.live import Live
from rich.text import Text

from tracker import dates
from tracker.errors import BadArgument
from tracker.render.text import clock_text, console, countdown_table

TICK_SECONDS = 1.0
REFRESH_SECONDS = 30.0      # how often the database is read again


def watch_countdown(load: Callable, view_zone: str | None, local_zone: str, nothing: str) -> None:
    """`nothing` is what `tracker countdown` says when there is nothing to show: a
    watch says the same, not an empty table."""
    if not sys.stdout.isatty():
        raise BadArgument("--watch needs a terminal: without one, run tracker countdown")
    # The clock starts at now() (which --now can fix) and runs on with real
    # time, so a fixed clock still ticks.
    started, origin = time.monotonic(), dates.now()

    def current():
        return (origin + timedelta(seconds=int(time.monotonic() - started)))

    def screen(now, entries):
        clock = clock_text(now, view_zone or local_zone, seconds=True)
        heading = Text(f"{clock}  (Ctrl-C to stop)", style="dim")
        body = countdown_table(entries, now, view_zone, local_zone) if entries else Text(nothing)
        return Group(heading, body)

    now = current()
    entries, loaded = load(now), time.monotonic()
    out = console()
    try:
        with Live(screen(now, entries), console=out, auto_refresh=False, transient=False) as live:
            while True:
                time.sleep(TICK_SECONDS)
                now = current()
                if time.monotonic() - loaded > REFRESH_SECONDS:
                    entries, loaded = load(now), time.monotonic()
                live.update(screen(now, entries), refresh=True)
    except KeyboardInterrupt:
        pass        # Ctrl-C is how a watch ends: Live has restored the cursor
