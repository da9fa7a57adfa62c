"""The weekly report as one self-contained HTML page: inline CSS, inline SVG, no requests.

A Content-Security-Policy forbids scripts and every fetch, and all text is escaped
(after control characters are made visible), so a hostile title stays text.
Printable on A4 and Letter: the page size is left to the printer, rows and charts
are not split across pages, table headings repeat, and words are not broken (only
URLs may break anywhere). On a phone (a screen under 640 px) each table row is a
card: short cells side by side, the rest below, no horizontal scroll. Times are in
the reader's zone, with its abbreviation.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import escape
from urllib.parse import quote

from tracker import __version__
from tracker.countdown import words
from tracker.dates import get_zone, instant
from tracker.render.report_text import (MORE_EVENTS_TEXT, MORE_TEXT, MORE_UPCOMING_TEXT, more_changes_text, on_text,
                                         period_text)
from tracker.render.safe import printable
from tracker.render.text import change_text, span_text, when_text

STATUS_COLOURS = {
    "rumoured": "#9aa5b1", "expected": "#4c8bf5", "negotiating": "#f0a030", "initialled": "#d98c1f",
    "signed": "#2e9e5b", "ratified": "#1f7a45", "in-force": "#145c33", "stalled": "#a855c7", "dropped": "#d64545",
    "announced": "#4c8bf5", "confirmed": "#2f6fd6", "held": "#2e9e5b", "postponed": "#f0a030",
    "cancelled": "#d64545",
}

CSS = """
:root { --ink: #1d232a; --muted: #5c6670; --rule: #d7dce1; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: var(--ink); margin: 0 auto; padding: 24px; max-width: 1000px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.period, .muted { color: var(--muted); }
.headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.figure { background: var(--band); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.figure b { display: block; font-size: 24px; }
.next { margin: 0 0 8px; }
table { width: 100%; border-collapse: collapse; table-layout: auto; margin: 4px 0 12px; }
th, td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid var(--rule); }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
td.num, th.num { text-align: right; }
td.keep, th.keep { white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid var(--ink); }
/* Only URLs may break anywhere: a long one must not push the page wider. */
a, .url { overflow-wrap: anywhere; }
.status { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff; font-size: 12px; }
.chart { margin: 8px 0 16px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.empty { padding: 12px; background: var(--band); border-radius: 6px; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
@media screen and (max-width: 640px) {
  body { padding: 12px; }
  .figure { min-width: 0; flex: 1 1 40%; padding: 6px 10px; }
  .figure b { font-size: 20px; }
  table, tbody, tr, td { display: block; width: 100%; }
  thead { display: none; }
  tr { border: 1px solid var(--rule); border-radius: 6px; margin: 0 0 8px; padding: 4px 8px; }
  td { border: 0; padding: 1px 0; text-align: left; }
  td.keep, td.num { display: inline-block; width: auto; margin-right: 10px; white-space: normal; }
  td.num { text-align: left; }
  td.num[data-label]::before { content: attr(data-label) " "; color: var(--muted); font-size: 12px; }
  td:empty { display: none; }
  tr.total { border: 2px solid var(--ink); }
  tr.total td { border-top: 0; }
}
@page { margin: 14mm 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 9.5pt; }
  th, td { padding: 3px 4px; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  tr, .chart, .figure { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; }
}
"""


def _text(value) -> str:
    """Untrusted text, visible and escaped for HTML."""
    return escape(printable("" if value is None else str(value)), quote=True)


_URLISH = re.compile(r"(\S*(?:://|www\.)\S*|\S{31,})")


def _prose(value) -> str:
    """Untrusted text that may hold URLs: escaped, each URL (or a word too long for a
    phone) marked as the only kind of word that may break anywhere."""
    parts = _URLISH.split(printable("" if value is None else str(value)))
    return "".join(f'<span class="url">{escape(part, quote=True)}</span>' if index % 2 else escape(part, quote=True)
                   for index, part in enumerate(parts))


def _status(status: str) -> str:
    colour = STATUS_COLOURS.get(status, "#6b7785")
    return f'<span class="status" style="background:{colour}">{_text(status)}</span>'


def _source(url: str | None) -> str:
    if not url or not re.match(r"(?i)https?://", url):
        return ""
    host = re.sub(r"(?i)^https?://", "", url).split("/")[0]
    # Controls and spaces percent-encoded, as a URL must have them: never raw in the page.
    href = quote(url, safe="/:?#[]@!$&'()*+,;=%~-._")
    return f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer">{_text(host)}</a>'


def _table(headings: list[str], rows: list[list[str]], classes: dict[int, str] | None = None,
           total: list[str] | None = None) -> str:
    """A table; `classes` gives a column its class (num: right-aligned, keep: never
    wrapped; on a phone both sit side by side in the row's card); `total`: a last
    row that sums those above."""
    classes = classes or {}

    def attribute(index: int) -> str:
        return f' class="{classes[index]}"' if index in classes else ""

    def row_html(row: list[str], mark: str = "") -> str:
        return f"<tr{mark}>" + "".join(f'<td{attribute(i)} data-label="{_text(headings[i])}">{cell}</td>'
                                       for i, cell in enumerate(row)) + "</tr>"

    head = "".join(f"<th{attribute(i)}>{_text(h)}</th>" for i, h in enumerate(headings))
    body = "".join(row_html(row) for row in rows) + (row_html(total, ' class="total"') if total else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def pipeline_chart(counts: dict[str, int]) -> str:
    """Agreements by status: one horizontal bar each."""
    if not counts:
        return ""
    width, label_width, bar_height, gap = 640, 110, 22, 8
    most = max(counts.values())
    height = len(counts) * (bar_height + gap) + gap
    bars = []
    for row, (status, count) in enumerate(counts.items()):
        y = gap + row * (bar_height + gap)
        length = max(2, round((width - label_width - 50) * count / most))
        bars.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{_text(status)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" rx="3" '
            f'fill="{STATUS_COLOURS.get(status, "#6b7785")}"><title>{_text(status)}: {count}</title></rect>'
            f'<text x="{label_width + length + 6}" y="{y + 15}">{count}</text>')
    return (f'<svg class="chart" role="img" aria-label="Agreements by status" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px">{"".join(bars)}</svg>')


def timeline_chart(report) -> str:
    """The period and the 14 days after it, with the events that fall in them."""
    zone = get_zone(report.period.zone) or timezone.utc
    start = report.period.start
    end = report.period.end + timedelta(days=14)
    events = {}
    for group in report.groups:
        if group.event and group.event.start_utc:
            events[group.event.ref] = group.event
    for entry in report.upcoming:
        if entry.what == "event":
            events.setdefault(entry.item.ref, entry.item)
    shown = [item for item in events.values()
             if instant(item.start_utc) < end and instant(item.end_utc) > start]
    shown.sort(key=lambda item: item.start_utc)
    shown = shown[:24]
    width, left, row_height, top = 900, 10, 24, 34
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        moment = min(max(moment, start), end)
        return left + (width - 2 * left) * (moment - start).total_seconds() / span

    height = top + max(1, len(shown)) * row_height + 10
    parts = [f'<rect x="{x(start):.1f}" y="0" width="{x(report.period.end) - x(start):.1f}" height="{height}" '
             f'fill="#eef2f7"/>']
    day = start.astimezone(zone).date()
    while True:
        midnight = datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(timezone.utc)
        if midnight >= end:
            break
        if midnight >= start:
            parts.append(f'<line x1="{x(midnight):.1f}" y1="18" x2="{x(midnight):.1f}" y2="{height}" '
                         f'stroke="#d7dce1" stroke-width="1"/>')
            if day.weekday() == 0 or midnight == start:
                parts.append(f'<text x="{x(midnight) + 3:.1f}" y="13">{day.day} {day:%b}</text>')
        day += timedelta(days=1)
    for row, item in enumerate(shown):
        y = top + row * row_height
        first, last = instant(item.start_utc), instant(item.end_utc)
        bar_end = max(x(last), x(first) + 6)
        colour = "#2e9e5b" if item.status == "held" else "#4c8bf5" if item.status != "cancelled" else "#d64545"
        label = f"{item.ref} {printable(item.title)}"
        if len(label) > 70:
            label = label[:69] + "…"
        parts.append(
            f'<rect x="{x(first):.1f}" y="{y}" width="{bar_end - x(first):.1f}" height="{row_height - 8}" rx="3" '
            f'fill="{colour}"><title>{_text(label)}: {_text(span_text(item))}</title></rect>'
            f'<text x="{min(bar_end + 5, width - 300):.1f}" y="{y + 12}">{escape(label, quote=True)}</text>')
    if not shown:
        parts.append(f'<text x="{left}" y="{top + 12}">No dated events in this window.</text>')
    return (f'<svg class="chart" role="img" aria-label="Timeline of the period and the 14 days after" '
            f'viewBox="0 0 {width} {height}" width="100%">{"".join(parts)}</svg>')


def render_report(report) -> str:
    title = f"Weekly report {report.period.label}"
    body = [f"<header><h1>{_text(title)}</h1><p class=period>{_text(period_text(report))}</p></header>"]
    if report.empty_database:
        body.append('<p class="empty">The database has no items yet: add one with '
                    "<code>tracker add event</code> or <code>tracker add agreement</code>.</p>")
    else:
        h = report.headline
        figures = [(h.changes, "changes"), (h.signed, "agreements signed"), (h.held, "events held"),
                   (len(report.overdue), "overdue")]
        body.append('<section class="headline">' + "".join(
            f'<div class="figure"><b>{n}</b>{_text(label)}</div>' for n, label in figures) + "</section>")
        if h.next:
            body.append(f'<p class="next">Next: <b>{h.next.item.ref}</b> {_text(h.next.item.title)}, '
                        f"{_text(words(h.next, report.as_of))}.</p>")
        body.append(_changes(report))
        body.append("<section><h2>Timeline</h2>" + timeline_chart(report) + "</section>")
        body.append(_upcoming(report))
        body.append(_pipeline(report))
        for heading, items, more in (("Overdue: not signed, and the event is over or the due date passed",
                                      report.overdue, report.more_overdue),
                                     ("Gone quiet: nothing logged in 30 days", report.quiet, report.more_quiet)):
            if items:
                rows = [[str(item.ref), _prose(item.title), _status(item.status),
                         _text(item.event or item.parent or ""), _text(when_text(item.due, report.period.zone))]
                        for item in items]
                body.append(f"<section><h2>{_text(heading)}</h2>"
                            + _table(["Ref", "Title", "Status", "Event", "Due"], rows,
                                     {0: "keep", 2: "keep", 3: "keep", 4: "keep"})
                            + (f'<p class="muted">{_text(MORE_TEXT)}</p>' if more else "") + "</section>")
    as_of = report.as_of.astimezone(get_zone(report.period.zone) or timezone.utc)
    body.append(f"<footer>tracker {__version__}; as of {_text(as_of.isoformat(timespec='minutes'))}. "
                "Everything is shown as it stood then; each change is listed on the day it happened.</footer>")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_text(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body) + "\n</body></html>\n"
    )


def _changes(report) -> str:
    if not report.changes:
        return f'<section><h2>What changed</h2><p class="empty">No changes were logged in {_text(report.period.label)}.</p></section>'
    parts = ["<section><h2>What changed</h2>"]
    for group in report.groups:
        if group.event:
            parts.append(f"<h3>{group.event.ref} {_prose(group.event.title)} "
                         f'<span class="muted">{_text(span_text(group.event, local_zone=report.period.zone))}</span></h3>')
        else:
            parts.append("<h3>Not at an event</h3>")
        rows = [[_text(on_text(report, c)), str(c.ref), _prose(c.title),
                 _prose(change_text(c).plain), _text(c.by), _prose(c.note), _source(c.source)] for c in group.changes]
        parts.append(_table(["On", "Ref", "Title", "Change", "By", "Note", "Source"], rows,
                            {0: "keep", 1: "keep", 4: "keep", 6: "keep"}))
    if report.more_changes:
        parts.append(f'<p class="muted">{_text(more_changes_text(report))}</p>')
    return "".join(parts) + "</section>"


def _upcoming(report) -> str:
    if not report.upcoming:
        return ""
    rows = []
    for entry in report.upcoming:
        item = entry.item
        when = span_text(item, local_zone=report.period.zone) if entry.what == "event" \
            else when_text(item.due, report.period.zone)
        rows.append([str(item.ref), _text(when), _text(words(entry, report.as_of)),
                     ("due: " if entry.what == "due" else "") + _prose(item.title), _status(item.status)])
    return ("<section><h2>Coming up in the 14 days after</h2>"
            + _table(["Ref", "When", "Time left", "Title", "Status"], rows, {0: "keep", 1: "keep", 4: "keep"})
            + (f'<p class="muted">{_text(MORE_UPCOMING_TEXT)}</p>' if report.more_upcoming else "") + "</section>")


def _pipeline(report) -> str:
    pipeline = report.pipeline
    if not pipeline.overall:
        return ""
    statuses = list(pipeline.overall)
    rows = []
    for event, label, counts in pipeline.rows():
        name = f"{event.ref} {_prose(event.title)}" if event else f'<span class="muted">{_text(label)}</span>'
        rows.append([name, *[str(counts.get(s, "")) for s in statuses], str(sum(counts.values()))])
    total = ["overall", *[str(pipeline.overall[s]) for s in statuses], str(sum(pipeline.overall.values()))]
    numeric = {column: "num" for column in range(1, len(statuses) + 2)}
    return ("<section><h2>Pipeline: agreements by status</h2>" + pipeline_chart(pipeline.overall)
            + _table(["Event", *statuses, "all"], rows, numeric, total)
            + (f'<p class="muted">{_text(MORE_EVENTS_TEXT)}</p>' if pipeline.more_events else "") + "</section>")
