"""`tracker news`: read the feeds (or feed files), keep the entries not seen before, and
propose the changes they report. Each feed is fetched outside any transaction, then what
it gave is written in a transaction of its own: a feed that fails, hangs or is interrupted
later in the run never costs the feeds read before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tracker import dates
from tracker.errors import BadArgument, Interrupted, TrackerError
from tracker.feeds.parse import MAX_FEED_BYTES, FeedRefused, parse_feed


# At most this many new entries of one feed are stored in a run, and at most this many
# proposals made from one feed: a feed of 20,000 "signed" entries would bury the inbox.
# What is left (the feed's entries not stored yet) is read by the next run: entries seen
# before do not count against the cap, so each run gets further.
MAX_ENTRIES_PER_FEED = 1000
MAX_PROPOSALS_PER_FEED = 200


@dataclass
class FeedRun:
    """What happened to one feed (or file) in a run."""

    name: str
    state: str = "read"             # read, unchanged, failing, gone, skipped
    entries: int = 0                # new entries stored
    proposals: int = 0              # new proposals made
    future: int = 0                 # entries dated after now: left for a later run
    left: int = 0                   # entries beyond a cap: left for a later run
    warning: str | None = None      # said on stderr, the feed read all the same
    error: str | None = None
    data: bytes | None = field(default=None, repr=False)
    fetched: object = field(default=None, repr=False)


def _read_file(path: Path) -> FeedRun:
    run = FeedRun(path.name)
    try:
        with open(path, "rb") as file:
            run.data = file.read(MAX_FEED_BYTES + 1)
    except OSError as error:
        run.state, run.error = "failing", f"cannot read {path}: {error.strerror or error}"
        return run
    if len(run.data) > MAX_FEED_BYTES:
        run.state, run.error, run.data = "failing", f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB: not read", None
    return run


def _feeds_to_read(store, feed_name: str | None) -> list[dict]:
    feeds = store.feeds()
    if feed_name is not None:
        feeds = [feed for feed in feeds if feed["name"] == feed_name]
        if not feeds:
            raise BadArgument(f"no feed named {feed_name!r}: see `tracker feeds list`")
    if not feeds:
        raise TrackerError("no feeds to read: follow one with `tracker feeds add URL`, "
                           "or read feed files with `tracker news --file PATH`")
    return feeds


def _fetch_feed(feed: dict) -> FeedRun:
    from tracker.feeds.fetch import fetch

    now = dates.now()
    run = FeedRun(feed["name"])
    if feed["status"] == "gone":
        run.state, run.error = "skipped", "gone (HTTP 410): remove it with `tracker feeds remove`"
    elif feed["retry_after"] and feed["retry_after"] > dates.stamp(now)[:19] + "Z":
        run.state, run.error = "skipped", f"the server asked to wait until {feed['retry_after']}"
    else:
        fetched = fetch(feed["url"], feed["etag"], feed["last_modified"], now)
        run.fetched, run.data, run.error = fetched, fetched.data, fetched.error
        run.state = fetched.state
    return run


def read_news(store, feed_name: str | None, files: list[Path]) -> list[FeedRun]:
    """Read, store and propose; what happened to each feed."""
    from tracker.feeds.propose import Reader

    if files:
        for path in files:
            if not path.exists():
                raise BadArgument(f"{path}: no such file: give a feed file's path")
        sources = [(lambda path=path: _read_file(path)) for path in files]
    else:
        sources = [(lambda feed=feed: _fetch_feed(feed)) for feed in _feeds_to_read(store, feed_name)]
    reader, runs, saved = Reader(store), [], []
    try:
        for source in sources:
            run = source()
            runs.append(run)
            parsed = None
            if run.data is not None:
                try:
                    parsed = parse_feed(run.data, "this file" if files else "this feed")
                except FeedRefused as refused:
                    run.state, run.error = "failing", str(refused)
            now = dates.now()
            with store.writing():
                if parsed is not None:
                    _store_entries(store, reader, run, parsed, now)
                if not files:
                    _note_fetch(store, run, dates.stamp(now))
            saved.append(run)
    except KeyboardInterrupt:
        # The feed under way was rolled back whole (store.writing); those before it stay.
        raise Interrupted(_interrupted(saved, len(sources), "file" if files else "feed")) from None
    return runs


def _interrupted(saved: list[FeedRun], count: int, what: str) -> str:
    """What Ctrl-C left: the feeds saved, each whole, and how many were not read."""
    from tracker.render.safe import one_line

    left = count - len(saved)
    if not saved:
        return f"interrupted: nothing was saved; run `tracker news` again to read the {what}s"
    done = ", ".join(f"{one_line(run.name)} ({run.entries} new entr{'ies' if run.entries != 1 else 'y'}, "
                     f"{run.proposals} proposal{'s' * (run.proposals != 1)})" for run in saved)
    if not left:
        return f"interrupted: saved {done}, every {what} of the run"
    return (f"interrupted: saved {done}; the other {left} {what}{'s' * (left != 1)} not read, nothing of "
            f"{'them' if left != 1 else 'it'} written: run `tracker news` again to read "
            f"{'them' if left != 1 else 'it'}")


# An entry dated this far after now has a wrong date, not an embargo (an embargo is
# hours; time zones a day).
FURTHEST_AHEAD = timedelta(days=2)


def _aware(published: datetime) -> datetime:
    return published if published.tzinfo else published.replace(tzinfo=timezone.utc)


def _refuse_far_dates(entries, now) -> None:
    """An entry dated beyond FURTHEST_AHEAD loses its date, as one dated year 0001 does
    (parse.py): it is read now, dated the day it is read, with evidence saying why,
    rather than waiting for years, counted in every run's "dated in the future"."""
    for entry in entries:
        if entry.published is not None and _aware(entry.published) > now + FURTHEST_AHEAD:
            entry.date_refused, entry.published = entry.published.isoformat(), None


def _future(entry, now) -> bool:
    return entry.published is not None and _aware(entry.published) > now


def _store_entries(store, reader, run: FeedRun, parsed, now) -> None:
    feed_title, entries = parsed
    seen, read_on = dates.stamp(now), now.date()
    _refuse_far_dates(entries, now)
    for position, entry in enumerate(entries):
        if run.proposals >= MAX_PROPOSALS_PER_FEED or run.entries >= MAX_ENTRIES_PER_FEED:
            run.left = sum(1 for rest in entries[position:]
                           if not _future(rest, now) and not store.entry_seen(run.name, rest.key, rest.link))
            if run.left:
                run.warning = (f"{run.proposals} proposals made, as many as one feed makes in a run"
                               if run.proposals >= MAX_PROPOSALS_PER_FEED else
                               f"{run.entries} new entries stored, as many as one feed gives in a run")
                run.warning += f": its other {run.left} new entries are left for the next run"
            break
        if _future(entry, now):
            # Dated after now: a wrong clock, or an embargo. Not stored, so that it is read
            # (and proposes) once its date has come.
            run.future += 1
            continue
        if store.entry_seen(run.name, entry.key, entry.link):
            continue
        entry_id = store.add_entry({
            "feed": run.name, "entry_key": entry.key, "link": entry.link, "title": entry.title,
            "published": entry.published.isoformat() if entry.published else None,
            "summary": entry.summary, "seen": seen})
        run.entries += 1
        for proposal in reader.propose(entry, feed_title, read_on):
            store.add_proposal({
                "entry_id": entry_id, "ref": proposal.ref, "item_type": proposal.item_type,
                "set": proposal.set, "on": proposal.on, "source": entry.link, "headline": entry.title,
                "feed": run.name, "confidence": proposal.confidence, "evidence": proposal.evidence})
            run.proposals += 1


def _note_fetch(store, run: FeedRun, checked: str) -> None:
    fetched = run.fetched
    if run.state == "skipped":
        return
    if run.state == "failing" and fetched is not None and fetched.state == "read":
        # Fetched, but not a feed that can be read: its validators are kept from before.
        store.feed_checked(run.name, checked, "failing", run.error, keep_validators=True)
        return
    if fetched.state in ("read", "unchanged"):
        # Entries left for the next run: no validators, or the server's 304 would hide them.
        store.feed_checked(run.name, checked, "ok", None, *((None, None) if run.left else (fetched.etag, fetched.last_modified)))
    else:
        store.feed_checked(run.name, checked, fetched.state, fetched.error, keep_validators=True,
                           retry_after=fetched.retry_after)
