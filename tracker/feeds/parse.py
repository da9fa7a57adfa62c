"""A feed's bytes made into entries: RSS 2.0, RSS 1.0 and Atom, through feedparser.

Feeds are untrusted. A DOCTYPE that declares entities or names an external one is
refused before any parser sees it (an expansion bomb, a local file read into an entry);
summaries are reduced from HTML to plain text; a link that is not http(s) is kept out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from tracker.errors import TrackerError

# The largest feed read, file or download: the corpus's feeds are 5 to 20 kB, and a
# busy wire service's a few hundred.
MAX_FEED_BYTES = 4 * 1024 * 1024
# Only the prolog can hold a DOCTYPE: it is looked for in this much of the start.
_PROLOG_BYTES = 64 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE\b(.*?)(>|\[)", re.IGNORECASE | re.DOTALL)
_DECLARES = re.compile(rb"<!ENTITY\b|\bSYSTEM\b|\bPUBLIC\b", re.IGNORECASE)


class FeedRefused(TrackerError):
    """A feed that is not read: too large, hostile, or not a feed."""


@dataclass
class FeedEntry:
    key: str                    # its id (guid, rdf:about, atom:id), else its link
    title: str
    link: str | None            # http(s) only
    published: datetime | None  # with the feed's own offset where it gave one
    summary: str                # plain text
    # The date the feed gave when it cannot be right (year 0001, years ahead): the
    # entry is then undated, dated the day it is read, and its evidence says why.
    date_refused: str | None = None


def refuse_hostile(data: bytes, where: str) -> None:
    """A DTD that declares entities or points outside is refused, never expanded."""
    if len(data) > MAX_FEED_BYTES:
        raise FeedRefused(f"{where} is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB: not read")
    head = data[:_PROLOG_BYTES]
    found = _DOCTYPE.search(head) or _DOCTYPE.search(head.decode("utf-16", "ignore").encode("utf-8", "ignore")
                                                      if head[:2] in (b"\xff\xfe", b"\xfe\xff") else b"")
    if found:
        rest = head[found.start():]
        end = rest.find(b"]>") if found.group(2) == b"[" else rest.find(b">")
        declaration = rest[:end if end >= 0 else len(rest)]
        if _DECLARES.search(declaration):
            raise FeedRefused(f"{where} declares XML entities or an external DTD (a DOCTYPE): "
                              "refused, not expanded; ask its publisher for a plain feed")


def parse_feed(data: bytes, where: str) -> tuple[str, list[FeedEntry]]:
    """(the feed's title, its entries) of a feed's bytes, or FeedRefused saying why not."""
    refuse_hostile(data, where)
    import feedparser       # only the commands that read feeds pay for it

    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if parsed.get("bozo") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedRefused(f"{where} is not a feed that can be read ({_reason(reason)})")
    if not parsed.get("version") and not parsed.entries:
        raise FeedRefused(f"{where} is not an RSS or Atom feed")
    entries = []
    for raw in parsed.entries:
        link = web_link(raw.get("link"))
        title = text_of(raw.get("title", "")).strip() or "(untitled)"
        key = (raw.get("id") or "").strip() or link
        if not key:
            continue        # nothing to know it again by: it would come back at every read
        summary = raw.get("summary") or ""
        if not summary and raw.get("content"):
            summary = raw["content"][0].get("value", "")
        published, refused = _published(raw)
        entries.append(FeedEntry(key=key[:2000], title=title[:1000], link=link, published=published,
                                 summary=text_of(summary)[:20000], date_refused=refused))
    return text_of(parsed.feed.get("title", "")).strip(), entries


def _reason(error) -> str:
    text = str(error).splitlines()[0] if error else "unreadable"
    return text[:200]


def web_link(link: str | None) -> str | None:
    """The link if it is http(s), and could be a source; javascript:, data:, file: never are."""
    if not link:
        return None
    link = link.strip()
    lower = link.lower()
    if not (lower.startswith("http://") or lower.startswith("https://")) or len(link) > 2000:
        return None
    if any(ord(character) < 0x21 or 0x7F <= ord(character) < 0xA0 for character in link):
        return None
    return link


def feed_address(url: str) -> str | None:
    """The URL if it can be fetched: http(s), with a host, and a port that exists."""
    from urllib.parse import urlsplit

    if web_link(url) is None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:         # "http://[::1", "http://h:99999"
        return None
    if not parts.hostname or (port is not None and not 0 < port < 65536):
        return None
    return url


def without_password(url: str) -> str:
    """The URL with the password in it (http://user:secret@host) hidden, for printing."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    shown = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=shown).geturl()


def _published(raw) -> tuple[datetime | None, str | None]:
    """The entry's date with its own offset (feedparser's parsed dates are UTC, and the
    day a thing happened is the day where it was published); else, a date given that
    cannot be right (None, what the feed wrote)."""
    for name in ("published", "updated", "created"):
        text = (raw.get(name) or "").strip()
        if not text:
            continue
        found = _date_of(text, raw.get(f"{name}_parsed"))
        if found is not None:
            return (found, None) if _believable(found, text) else (None, text[:100])
    return None, None


def _date_of(text: str, parsed) -> datetime | None:
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None


# Before this year an entry's date is a mistake (0001-01-01, a zeroed field), not news.
EARLIEST_YEAR = 1900


def _believable(found: datetime, text: str) -> bool:
    """A date from a year tracker believes, as written: email.utils reads the year 0001
    as 2001 (RFC 822's two-digit years), so a year written with three digits or more
    must be the one read (an offset, +0530, is not a year)."""
    written = [int(year) for year in re.findall(r"(?<![\d:.+-])\d{3,}(?![\d:])", text)]
    return found.year >= EARLIEST_YEAR and (not written or found.year in written)


class _Text(HTMLParser):
    # Text of these is never shown: code and styling, not words.
    HIDDEN = {"script", "style", "template"}
    BREAKS = {"p", "br", "li", "div", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def text_of(markup: str) -> str:
    """HTML reduced to its text: tags gone, entities read, blank runs evened; a new line
    where a paragraph or list item ended (a list of outcomes is a list)."""
    if "<" not in markup and "&" not in markup:
        return " ".join(markup.split())
    reader = _Text()
    reader.feed(markup)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.parts).split("\n"))
    return "\n".join(line for line in lines if line)
