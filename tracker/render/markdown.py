"""The weekly report as Markdown for a newsletter or a GitHub page.

Untrusted text is escaped so that nothing in a title or note becomes a link, an
image, raw HTML or a table cell break: every character that opens markup inside
a line is backslash-escaped, and the starts of bare URLs
and e-mail addresses, which GitHub would turn into links, carry an invisible
word joiner (U+2060). Sources, checked http(s) URLs, are the only links.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tracker.countdown import words
from tracker.render.report_text import MORE_TEXT, MORE_UPCOMING_TEXT, headline_text, more_changes_text, period_text
from tracker.render.safe import printable
from tracker.render.text import span_text, when_text

# What can start markup inside a line. Our untrusted text never starts a line
# (it follows a heading's ref or sits in a table cell), so line-start marks
# (#, -, +, 1.) need no escape.
_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>|~&$])")
_AUTOLINK = re.compile(r"(?i)(://|www\.|@)")
JOINER = "\u2060"


def escape(text: str | None) -> str:
    """Untrusted text as inert Markdown, on one line."""
    if not text:
        return ""
    text = " ".join(printable(text).split())
    text = _AUTOLINK.sub(lambda m: m.group(1)[0] + JOINER + m.group(1)[1:], text)
    return _PUNCTUATION.sub(r"\\\1", text)


def link(url: str | None) -> str:
    """A source as a link; its characters that could close the link are percent-encoded."""
    if not url:
        return ""
    safe = quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
    safe = safe.replace("(", "%28").replace(")", "%29").replace("[", "%5B").replace("]", "%5D")
    host = re.sub(r"^https?://", "", url, flags=re.I).split("/")[0]
    return f"[{escape(host)}](<{safe}>)"


def _change(change) -> str:
    from tracker.render.text import change_text

    return escape(change_text(change).plain)


def render_report(report) -> str:
    lines = [f"# Weekly report {escape(report.period.label)}", "", f"*{escape(period_text(report))}*", ""]
    if report.empty_database:
        lines += ["The database has no items yet: add one with `tracker add event` or `tracker add agreement`.", ""]
        return "\n".join(lines)
    lines += [escape(headline_text(report)), ""]
    if not report.changes:
        lines += [f"No changes were logged in {escape(report.period.label)}.", ""]
    else:
        lines += ["## What changed", ""]
        for group in report.groups:
            if group.event:
                lines.append(f"### {group.event.ref} {escape(group.event.title)} ({escape(span_text(group.event))})")
            else:
                lines.append("### Not at an event")
            lines += ["", "| On | Ref | Title | Change | Note | Source |", "|---|---|---|---|---|---|"]
            for change in group.changes:
                lines.append(f"| {escape(change.on[:16].replace('T', ' '))} | {change.ref} | {escape(change.title)} "
                             f"| {_change(change)} | {escape(change.note)} | {link(change.source)} |")
            lines.append("")
        if report.more_changes:
            lines += [more_changes_text(report), ""]
    if report.upcoming:
        lines += ["## Coming up in the 14 days after", "", "| Ref | When | Time left | Title | Status |",
                  "|---|---|---|---|---|"]
        for entry in report.upcoming:
            item = entry.item
            when = span_text(item) if entry.what == "event" else when_text(item.due, entry.zone)
            title = ("due: " if entry.what == "due" else "") + escape(item.title)
            lines.append(f"| {item.ref} | {escape(when)} | {escape(words(entry, report.as_of))} | {title} "
                         f"| {item.status} |")
        lines.append("")
        if report.more_upcoming:
            lines += [MORE_UPCOMING_TEXT, ""]
    if report.pipeline:
        statuses = list(report.pipeline)
        lines += ["## Pipeline: agreements by status", "",
                  "| Event | " + " | ".join(escape(s) for s in statuses) + " | all |",
                  "|---|" + "---:|" * (len(statuses) + 1)]
        for event, counts in report.pipeline_by_event:
            name = f"{event.ref} {escape(event.title)}" if event else "at no event"
            lines.append(f"| {name} | " + " | ".join(str(counts.get(s, "")) for s in statuses)
                         + f" | {sum(counts.values())} |")
        lines.append("| **overall** | " + " | ".join(f"**{report.pipeline[s]}**" for s in statuses)
                     + f" | **{sum(report.pipeline.values())}** |")
        lines.append("")
    for title, items, more in (("Overdue: not signed, and the event is over or the due date passed", report.overdue,
                                report.more_overdue),
                               ("Gone quiet: nothing logged in 30 days", report.quiet, report.more_quiet)):
        if items:
            lines += [f"## {escape(title)}", "", "| Ref | Title | Status | Event | Due |", "|---|---|---|---|---|"]
            for item in items:
                lines.append(f"| {item.ref} | {escape(item.title)} | {item.status} "
                             f"| {item.event or item.parent or ''} | {escape(item.due)} |")
            lines.append("")
            if more:
                lines += [MORE_TEXT, ""]
    return "\n".join(lines)
