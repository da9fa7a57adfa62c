"""A progress bar on stderr for long work (import, export, apply, check).

Shown only when stderr is a terminal, TRACKER_NO_PROGRESS is not set, and the work
has gone on for SHOW_AFTER seconds: short commands print nothing more, and Rich's
progress module (tens of milliseconds to import) is loaded only then. Never on
stdout, which may be the data itself (`tracker export > file`).

    with Progress("importing", total=rows) as progress:
        for ...:
            progress.advance()
"""

from __future__ import annotations

import os
import sys
import time

# Work shorter than this (seconds) shows no bar; TRACKER_PROGRESS_AFTER says otherwise.
SHOW_AFTER = 2.0
AFTER_ENV = "TRACKER_PROGRESS_AFTER"
# What turns the bar off (set to anything but "" or "0").
OFF_ENV = "TRACKER_NO_PROGRESS"


def _show_after() -> float:
    try:
        return max(0.0, float(os.environ.get(AFTER_ENV, SHOW_AFTER)))
    except ValueError:
        return SHOW_AFTER


def wanted() -> bool:
    """Whether a bar may be shown: stderr is a terminal and no one said otherwise."""
    if os.environ.get(OFF_ENV, "") not in ("", "0"):
        return False
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Progress:
    """Work done, in `total` units (rows, or bytes of a file read as a stream, when the
    rows are not known beforehand): after SHOW_AFTER seconds on a terminal, a bar with
    the rows done, their rate and the time left. `advance` and `rows` are cheap: the
    clock is read once per `every` units."""

    def __init__(self, what: str, total: int | None = None, every: int = 1000):
        self.what, self.total, self.every = what, total, every
        self.done = 0
        self.rows = 0           # counted apart when `total` is not in rows
        self._next_look = every
        self._on = wanted()
        self._after = _show_after() if self._on else SHOW_AFTER
        self._started = time.monotonic()
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.done >= self._next_look and self._on:
            self._next_look = self.done + self.every
            self._look()

    def _look(self) -> None:
        if self._bar is None:
            if time.monotonic() - self._started < self._after:
                return
            self._show()
        self._bar.update(self._task, completed=self.done, rows=self.rows or self.done)

    def _show(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, ProgressColumn, TextColumn, TimeRemainingColumn
        from rich.progress import Progress as Bar
        from rich.text import Text

        started = self._started

        class Rows(ProgressColumn):
            """The rows done and their rate since the start."""

            def render(self, task) -> Text:
                rows = task.fields.get("rows", 0)
                rate = rows / max(time.monotonic() - started, 1e-6)
                return Text(f"{rows:,} rows, {rate:,.0f}/s")

        self._bar = Bar(TextColumn("{task.description}"), BarColumn(), Rows(), TimeRemainingColumn(),
                        console=Console(stderr=True), transient=True, refresh_per_second=4,
                        # stdout is the data (`tracker export > file`): never taken over.
                        redirect_stdout=False, redirect_stderr=False)
        self._task = self._bar.add_task(self.what, total=self.total, completed=self.done, rows=self.rows)
        self._bar.start()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
