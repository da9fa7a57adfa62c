"""Fetching a feed politely: who asks, only what changed, not too long, not too much.

A User-Agent naming tracker and its version; a conditional GET (ETag, Last-Modified),
so that a feed unchanged costs a 304 and no parsing; a deadline for the whole fetch
(a server that drips a byte at a time cannot hold a run); a size cap; at most
MAX_REDIRECTS redirects, to http(s) only; `Retry-After` of a 429 or 503 kept, so that
the next run waits; a 410 marks the feed gone. Whatever a server answers, one fetch
ends as one `Fetched`: never an exception that would stop the other feeds.
"""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from tracker import __version__, errors
from tracker.feeds.parse import MAX_FEED_BYTES, web_link

MAX_REDIRECTS = 3
# Seconds one whole fetch may take, from connecting to the last byte (TRACKER_FEED_TIMEOUT
# changes it: a slow link, a test).
DEFAULT_TIMEOUT = 20.0
MAX_TIMEOUT = 600.0
# The longest a server's Retry-After is honoured: after that the feed is asked again.
MAX_RETRY_AFTER = timedelta(days=7)
USER_AGENT = f"tracker/{__version__} (feed reader; +https://pypi.org/project/tracker/)"


@dataclass
class Fetched:
    state: str                      # read, unchanged, failing, gone
    data: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    retry_after: str | None = None  # UTC, when the server asked to be left alone until


class _Redirects(urllib.request.HTTPRedirectHandler):
    """At most MAX_REDIRECTS, to http(s) only; to the same host, or to a public one: a
    feed on the internet cannot point tracker at a service on this machine or its
    network (169.254.169.254, localhost, 10.x) by redirecting there."""

    max_redirections = max_repeats = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        from urllib.parse import urljoin, urlsplit

        newurl = urljoin(req.full_url, newurl)
        if web_link(newurl) is None:
            raise urllib.error.HTTPError(newurl, code, "redirect to a link that is not http(s)", headers, fp)
        try:
            netloc, host, before = urlsplit(newurl).netloc, urlsplit(newurl).hostname, urlsplit(req.full_url).hostname
        except ValueError:
            netloc = host = before = None
        if not host:
            raise urllib.error.HTTPError(newurl, code, "redirect to an address without a host", headers, fp)
        # urllib unquotes the host before it connects (%31%32%37.0.0.1 is 127.0.0.1): a host
        # with % in it is refused rather than checked in a form urllib never uses.
        if "%" in netloc:
            raise _Refused(f"a redirect to {host}, a host written with % escapes: not followed")
        if host != before and not _public(host):
            raise _Refused(f"a redirect to {host}, a loopback, private or link-local address "
                           "or one that does not resolve: not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Refused(Exception):
    """A redirect that is not followed, and why."""


def _public(host: str) -> bool:
    """Whether `host` resolves, and every address it names is on the public internet. A
    NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address is judged by the IPv4 address it
    carries: 64:ff9b::7f00:1 reaches 127.0.0.1 through a translator."""
    import ipaddress

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    nat64 = ipaddress.ip_network("64:ff9b::/96")
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6:
            if ip in nat64:
                ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            elif ip.sixtofour is not None:
                ip = ip.sixtofour
            elif ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            return False
    return bool(addresses)


def timeout() -> float:
    """Seconds one fetch may take: TRACKER_FEED_TIMEOUT, checked (bad_timeout()) before a run."""
    return DEFAULT_TIMEOUT if bad_timeout() else max(0.1, float(os.environ.get("TRACKER_FEED_TIMEOUT", DEFAULT_TIMEOUT)))


def bad_timeout() -> str | None:
    """What is wrong with TRACKER_FEED_TIMEOUT, if anything: it must be a number of seconds
    above 0 and at most MAX_TIMEOUT (inf or 1e300 overflow the wait for the fetch thread;
    nan compares false with everything)."""
    import math

    value = os.environ.get("TRACKER_FEED_TIMEOUT")
    if value is None:
        return None
    seconds = float(value) if errors.in_digits(value) else math.nan
    if not 0 < seconds <= MAX_TIMEOUT:
        return (f"TRACKER_FEED_TIMEOUT={value[:20]!r} is not a number of seconds above 0 and at most "
                f"{MAX_TIMEOUT:g}: set it so, or unset it for {DEFAULT_TIMEOUT:g}")
    return None


def _retry_after(value: str | None, now: datetime) -> str | None:
    """When the server asked to be left alone until, in UTC; never more than
    MAX_RETRY_AFTER from now (a server cannot silence a feed for decades), and nothing
    for a value that is not a number of seconds or a date, or lies in the past."""
    if not value:
        return None
    value = value.strip()
    try:
        if value.isascii() and value.isdigit():
            when = now + min(timedelta(seconds=int(value[:12])), MAX_RETRY_AFTER)
        else:
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            when = min(when, now + MAX_RETRY_AFTER)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when <= now:
        return None
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch(url: str, etag: str | None, last_modified: str | None, now: datetime) -> Fetched:
    """The feed at `url`, within timeout() seconds in all. The fetch runs in a daemon
    thread: a socket timeout bounds each read, not their sum, and a server sending one
    header byte a second would otherwise hold the run for days. A fetch given up on is
    left to die with the process (its reads stop at the deadline too)."""
    limit = timeout()
    deadline = time.monotonic() + limit
    done: list[Fetched] = []

    def run():
        try:
            done.append(_fetch(url, etag, last_modified, now, deadline))
        except BaseException as error:  # noqa: BLE001 - whatever a server's reply raises is that feed's error
            done.append(Fetched("failing", error=f"cannot read it: {type(error).__name__}: {error}"))

    worker = threading.Thread(target=run, name="tracker-fetch", daemon=True)
    worker.start()
    worker.join(limit + 0.5)
    if not done:
        return Fetched("failing", error=f"no answer within {limit:g} s")
    return done[0]


class _Late(Exception):
    """The deadline passed while the body was still coming."""


def _read_capped(response, deadline: float) -> bytes:
    parts, size = [], 0
    while size <= MAX_FEED_BYTES:
        if time.monotonic() > deadline:
            raise _Late
        part = response.read(min(64 * 1024, MAX_FEED_BYTES + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def _decoded(data: bytes, encoding: str | None) -> bytes:
    """The body as sent, gzip or deflate undone (servers send them unasked), to at most
    MAX_FEED_BYTES + 1 bytes: a compression bomb stops at the cap, as a large feed does."""
    import zlib

    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"sent with Content-Encoding {encoding[:40]!r}, which tracker does not read")
    # 47: a gzip or zlib header, found; raw deflate (some servers' "deflate") is tried after.
    for wbits in ((47,) if encoding != "deflate" else (47, -15)):
        try:
            return zlib.decompressobj(wbits).decompress(data, MAX_FEED_BYTES + 1)
        except zlib.error as error:
            problem = error
    raise ValueError(f"its {encoding} body cannot be undone: {problem}")


def _fetch(url: str, etag: str | None, last_modified: str | None, now: datetime, deadline: float) -> Fetched:
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", "Accept": "application/rss+xml, application/atom+xml, "
               "application/rdf+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(_Redirects)
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=timeout()) as response:
            data = _read_capped(response, deadline)
            if len(data) <= MAX_FEED_BYTES:
                data = _decoded(data, response.headers.get("Content-Encoding"))
            if len(data) > MAX_FEED_BYTES:
                return Fetched("failing", error=f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB: not read")
            return Fetched("read", data=data, etag=response.headers.get("ETag"),
                           last_modified=response.headers.get("Last-Modified"))
    except _Refused as refused:
        return Fetched("failing", error=str(refused))
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched("unchanged", etag=etag, last_modified=last_modified)
        if error.code == 410:
            return Fetched("gone", error="HTTP 410 Gone: the publisher has removed this feed")
        if error.code in (429, 503):
            after = _retry_after(error.headers.get("Retry-After") if error.headers else None, now)
            wait = f"; asked to wait until {after}" if after else ""
            return Fetched("failing", error=f"HTTP {error.code} {error.reason}{wait}", retry_after=after)
        if error.code in (301, 302, 303, 307, 308):
            return Fetched("failing", error=f"more than {MAX_REDIRECTS} redirects, or one that is not http(s)")
        return Fetched("failing", error=f"HTTP {error.code} {error.reason}")
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return Fetched("failing", error=f"no answer within {timeout():g} s")
        return Fetched("failing", error=f"cannot reach it: {reason}")
    except (socket.timeout, TimeoutError, _Late):
        return Fetched("failing", error=f"no answer within {timeout():g} s")
    except http.client.HTTPException as error:
        # Not HTTP (a garbage status line), too many headers, a body cut short.
        return Fetched("failing", error=f"not an HTTP answer that can be read: {type(error).__name__}: {error}")
    except (OSError, ValueError, OverflowError) as error:
        return Fetched("failing", error=f"cannot read it: {error}")
