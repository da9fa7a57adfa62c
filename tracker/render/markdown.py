"""The weekly report as Markdown for a newsletter or a GitHub page.

Untrusted text is escaped so that nothing in a title or note becomes a link, an
image, raw HTML or a table cell break: every character that opens markup inside
a line is backslash-escaped, and a word that a renderer could turn into a link by
itself (a URL, www.…, an e-mail address, a domain name) is set in a code span,
where no renderer (CommonMark, GitHub's autolinks, linkify) makes one. Nothing is
added to the text: what a reader copies from the rendered page is what was
written. Sources, checked http(s) URLs, are the only links. Times are in the
reader's zone, with its abbreviation.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tracker.countdown import words
from tracker.render.report_text import (MORE_EVENTS_TEXT, MORE_TEXT, MORE_UPCOMING_TEXT, headline_text,
                                         more_changes_text, on_text, period_text)
from tracker.render.safe import printable
from tracker.render.text import span_text, when_text

# What can start markup inside a line. Our untrusted text never starts a line
# (it follows a heading's ref or sits in a table cell), so line-start marks
# (#, -, +, 1.) need no escape.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>|~&$])")
# What renderers turn into a link without being asked: a scheme, www., an e-mail
# address, a name with a dot and a top-level domain.
_LINKISH = re.compile(r"(?i)://|^\W*www\.|@|[a-z0-9-]\.[a-z]{2,}")


def escape(text: str | None, table: bool = True) -> str:
    """Untrusted text as inert Markdown, on one line; `table`: for a table cell."""
    if not text:
        return ""
    words = " ".join(printable(text).split()).split(" ")
    return " ".join(_code(word, table) if _LINKISH.search(word) else _inert(word) for word in words)


def _inert(text: str) -> str:
    return _PUNCTUATION.sub(r"\\\1", text)


def _code(word: str, table: bool) -> str:
    """A word as a code span: its text kept exactly, no link made of it. A table cell
    ends at a pipe even inside one, so there the pipe is escaped (GFM takes the escape
    out again)."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", word)), default=0) + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return fence + pad + (word.replace("|", "\\|") if table else word) + pad + fence


def link(url: str | None) -> str:
    """A source as a link; its characters that could close the link are percent-encoded."""
    if not url:
        return ""
    safe = quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
    safe = safe.replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D")
    host = re.sub(r"^https?://", "", url, flags=re.I).split("/")[0]
    # Link text is never made a link of again: the host needs no code span.
    return f"[{_inert(printable(host))}](<{safe}>)"


def _change(change) -> str:
    from tracker.render.text import change_text

    return escape(change_text(change).plain)


def render_report(report) -> str:
    lines = [f"# Weekly report {escape(report.period.label)}", "", f"*{escape(period_text(report))}*", ""]
    if report.empty_database:
        lines += ["The database has no items yet: add one with `tracker add event` or `tracker add agreement`.", ""]
        return "\n".join(lines)
    lines += [escape(headline_text(report), table=False), ""]
    if not report.changes:
        lines += [f"No changes were logged in {escape(report.period.label)}.", ""]
    else:
        lines += ["## What changed", ""]
        for group in report.groups:
            if group.event:
                lines.append(f"### {group.event.ref} {escape(group.event.title, table=False)} "
                             f"({escape(span_text(group.event, local_zone=report.period.zone), table=False)})")
            else:
                lines.append("### Not at an event")
            lines += ["", "| On | Ref | Title | Change | By | Note | Source |", "|---|---|---|---|---|---|---|"]
            for change in group.changes:
                lines.append(f"| {escape(on_text(report, change))} | {change.ref} | {escape(change.title)} "
                             f"| {_change(change)} | {escape(change.by)} | {escape(change.note)} | {link(change.source)} |")
            lines.append("")
        if report.more_changes:
            lines += [more_changes_text(report), ""]
    if report.upcoming:
        lines += ["## Coming up in the 14 days after", "", "| Ref | When | Time left | Title | Status |",
                  "|---|---|---|---|---|"]
        for entry in report.upcoming:
            item = entry.item
            when = span_text(item, local_zone=report.period.zone) if entry.what == "event" \
                else when_text(item.due, report.period.zone)
            title = ("due: " if entry.what == "due" else "") + escape(item.title)
            lines.append(f"| {item.ref} | {escape(when)} | {escape(words(entry, report.as_of))} | {title} "
                         f"| {item.status} |")
        lines.append("")
        if report.more_upcoming:
            lines += [MORE_UPCOMING_TEXT, ""]
    pipeline = report.pipeline
    if pipeline.overall:
        statuses = list(pipeline.overall)
        lines += ["## Pipeline: agreements by status", "",
                  "| Event | " + " | ".join(escape(s) for s in statuses) + " | all |",
                  "|---|" + "---:|" * (len(statuses) + 1)]
        for event, label, counts in pipeline.rows():
            name = f"{event.ref} {escape(event.title)}" if event else label
            lines.append(f"| {name} | " + " | ".join(str(counts.get(s, "")) for s in statuses)
                         + f" | {sum(counts.values())} |")
        lines.append("| **overall** | " + " | ".join(f"**{pipeline.overall[s]}**" for s in statuses)
                     + f" | **{sum(pipeline.overall.values())}** |")
        lines.append("")
        if pipeline.more_events:
            lines += [MORE_EVENTS_TEXT, ""]
    for title, items, more in (("Overdue: not signed, and the event is over or the due date passed", report.overdue,
                                report.more_overdue),
                               ("Gone quiet: nothing logged in 30 days", report.quiet, report.more_quiet)):
        if items:
            lines += [f"## {escape(title)}", "", "| Ref | Title | Status | Event | Due |", "|---|---|---|---|---|"]
            for item in items:
                lines.append(f"| {item.ref} | {escape(item.title)} | {item.status} "
                             f"| {item.event or item.parent or ''} | {escape(when_text(item.due, report.period.zone))} |")
            lines.append("")
            if more:
                lines += [MORE_TEXT, ""]
    return "\n".join(lines)
