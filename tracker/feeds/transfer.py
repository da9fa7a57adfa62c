"""The feeds a user follows, the entries read from them and the inbox's proposals, in an
export and back (issue 12): a move to a new machine keeps what was followed, what was
seen (so that nothing comes back as new) and every decision taken in the inbox.

An export holds them as one optional member, before the items (an import that streams a
large file reads it with the file's head, before the first item):

    "feeds": {
      "followed": [{"name", "url", "added", "checked", "status", "etag", "last_modified",
                    "retry_after", "error"}],
      "entries": [{"id", "feed", "key", "link", "title", "published", "summary", "seen"}],
      "proposals": [{"entry", "ref", "item_type", "set", "on", "source", "headline", "feed",
                     "confidence", "evidence", "state", "decided"}]
    }

An entry's "id" is its place in the file, which a proposal's "entry" names. A proposal's
ref (and the event of a new agreement) is a reference of the file, moved with its item
when the import gives it another number. An export without "feeds" (written before)
imports as before. What is here already stays as it is: a feed followed (by name or
address), an entry seen (by feed and key), and the proposals of that entry. Which command
accepted a proposal is not carried: commands are not, and `tracker undo` of an accept
does not reach back across machines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from tracker import dates
from tracker.errors import BadArgument, excerpt
from tracker.feeds.parse import feed_address, web_link
from tracker.model import PREFIX, STATUSES, Ref, parse_ref

KEY = "feeds"
_FEED_KEYS = ("name", "url", "added", "checked", "status", "etag", "last_modified", "retry_after", "error")
_ENTRY_KEYS = ("id", "feed", "key", "link", "title", "published", "summary", "seen")
_PROPOSAL_KEYS = ("entry", "ref", "item_type", "set", "on", "source", "headline", "feed", "confidence",
                  "evidence", "state", "decided")
_FEED_STATES = ("ok", "failing", "gone")
_PROPOSAL_STATES = ("open", "accepted", "dismissed")


# -- export --------------------------------------------------------------------------

def export_pieces(store) -> Iterator[str]:
    """`"feeds": {...},` as a member of the export (two-space indent, as the rest), or
    nothing when no feed was ever read: an export stays as it was for those who never
    used the news commands."""
    followed, entries, proposals = store.feeds_to_export(), store.entries_to_export(), store.proposals_to_export()
    if not (followed or entries or proposals):
        return
    text = json.dumps({"followed": followed, "entries": entries, "proposals": proposals}, ensure_ascii=False, indent=2)
    yield f'  "{KEY}": ' + text.replace("\n", "\n  ") + ",\n"


# -- import --------------------------------------------------------------------------

def read_member(events, event: str, value: Any) -> Any:
    """The value of a member of a document read as ijson's events, from its first event:
    the feeds, read whole with the file's head (they are few beside the items)."""
    from ijson.common import ObjectBuilder

    builder, depth = ObjectBuilder(), 0
    while True:
        builder.event(event, value)
        depth += event in ("start_map", "start_array")
        depth -= event in ("end_map", "end_array")
        if depth == 0:
            return builder.value
        _, event, value = next(events)


def load(store, member: Any, name: str, placed: Callable[[Ref], Ref | None]) -> str:
    """Write the feeds, entries and proposals of an export's "feeds" member (inside the
    import's transaction): what it says for the import's summary. `placed` gives the ref
    here of an item of the file, None for one the file does not hold."""
    where = f"{name}: \"{KEY}\""
    if not isinstance(member, dict):
        raise BadArgument(f"{where} must be an object with \"followed\", \"entries\" and \"proposals\" lists")
    lists = {}
    for key in ("followed", "entries", "proposals"):
        lists[key] = member.get(key, [])
        if not isinstance(lists[key], list):
            raise BadArgument(f"{where}: \"{key}\" must be a list")
    unknown = sorted(set(member) - {"followed", "entries", "proposals"})
    if unknown:
        raise BadArgument(f"{where}: unknown key {excerpt(unknown[0])}: the keys are followed, entries, proposals")
    feeds = sum(_feed(store, entry, f"{where}: feed {index}")
                for index, entry in enumerate(lists["followed"], start=1))
    here: dict[int, int | None] = {}        # the file's entry id -> its id here (None: seen before)
    entries = 0
    for index, entry in enumerate(lists["entries"], start=1):
        file_id, entry_id = _entry(store, entry, f"{where}: entry {index}", here)
        here[file_id] = entry_id
        entries += entry_id is not None
    proposals = sum(_proposal(store, entry, f"{where}: proposal {index}", here, placed)
                    for index, entry in enumerate(lists["proposals"], start=1))
    said = [f"{feeds} feed{'s' * (feeds != 1)} followed", f"{entries} entr{'ies' if entries != 1 else 'y'} seen",
            f"{proposals} proposal{'s' * (proposals != 1)}"]
    return f"; from the news, {', '.join(said)}" if feeds or entries or proposals else ""


def _fields(entry: Any, keys: tuple[str, ...], where: str) -> dict:
    if not isinstance(entry, dict):
        raise BadArgument(f"{where} must be an object, not {type(entry).__name__}")
    unknown = sorted(set(entry) - set(keys))
    if unknown:
        raise BadArgument(f"{where}: unknown key {excerpt(unknown[0])}: the keys are {', '.join(keys)}")
    return entry


def _text(entry: dict, key: str, where: str, required: bool = False, longest: int = 20_000) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > longest:
        raise BadArgument(f"{where}: \"{key}\" must be {'a non-empty' if required else 'a'} string "
                          f"of at most {longest:,} characters, not {excerpt(value)}")
    return value


def _stamp(entry: dict, key: str, where: str, required: bool = False) -> str | None:
    text = _text(entry, key, where, required, 40)
    try:
        return None if text is None else dates.read_stamp(text, what=key)
    except BadArgument as error:
        raise BadArgument(f"{where}: {error}") from None


def _one_of(entry: dict, key: str, choices: tuple[str, ...], where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if value not in choices:
        raise BadArgument(f"{where}: \"{key}\" must be one of {', '.join(choices)}, not {excerpt(value)}")
    return value


def _feed(store, entry: Any, where: str) -> int:
    entry = _fields(entry, _FEED_KEYS, where)
    name = _text(entry, "name", where, required=True, longest=200)
    url = _text(entry, "url", where, required=True, longest=2000)
    if feed_address(url) is None:
        raise BadArgument(f"{where}: \"url\" {excerpt(url)} is not an http or https address a feed can be read from")
    if store.feed(name) is not None or store.feed_by_url(url) is not None:
        return 0        # followed here already: kept as it is
    store.add_exported_feed({
        "name": name, "url": url, "added": _stamp(entry, "added", where, required=True),
        "checked": _stamp(entry, "checked", where), "status": _one_of(entry, "status", _FEED_STATES, where, "ok"),
        "etag": _text(entry, "etag", where, longest=2000),
        "last_modified": _text(entry, "last_modified", where, longest=200),
        "retry_after": _stamp(entry, "retry_after", where), "error": _text(entry, "error", where, longest=2000)})
    return 1


def _entry(store, entry: Any, where: str, here: dict) -> tuple[int, int | None]:
    entry = _fields(entry, _ENTRY_KEYS, where)
    file_id = entry.get("id")
    if type(file_id) is not int or file_id in here:
        raise BadArgument(f"{where}: \"id\" must be a whole number no other entry has, not {excerpt(file_id)}")
    row = {"feed": _text(entry, "feed", where, required=True, longest=2000),
           "entry_key": _text(entry, "key", where, required=True, longest=2000),
           "link": _text(entry, "link", where, longest=2000),
           "title": _text(entry, "title", where, required=True, longest=1000),
           "published": _text(entry, "published", where, longest=40),
           "summary": _text(entry, "summary", where) or "",
           "seen": _stamp(entry, "seen", where, required=True)}
    if row["link"] is not None and web_link(row["link"]) is None:
        raise BadArgument(f"{where}: \"link\" {excerpt(row['link'])} is not an http or https address")
    if row["published"] is not None and not _dated(row["published"], datetime):
        raise BadArgument(f"{where}: \"published\" {excerpt(row['published'])} is not a date and time")
    if store.entry_seen(row["feed"], row["entry_key"], None):
        return file_id, None        # seen here already: its proposals are here too
    return file_id, store.add_entry(row)


def _proposal(store, entry: Any, where: str, here: dict, placed: Callable[[Ref], Ref | None]) -> int:
    entry = _fields(entry, _PROPOSAL_KEYS, where)
    file_entry = entry.get("entry")
    if type(file_entry) is not int or file_entry not in here:
        raise BadArgument(f"{where}: \"entry\" must be the id of an entry of the file, not {excerpt(file_entry)}")
    item_type = _one_of(entry, "item_type", tuple(PREFIX), where)
    wanted = entry.get("set")
    if not isinstance(wanted, dict) or not isinstance(wanted.get("status", ""), str):
        raise BadArgument(f"{where}: \"set\" must be an object of the fields it proposes, not {excerpt(wanted)}")
    if "status" in wanted and wanted["status"] not in STATUSES[item_type]:
        raise BadArgument(f"{where}: \"set\" proposes {item_type} status {excerpt(wanted['status'])}, "
                          f"not one of {', '.join(STATUSES[item_type])}")
    evidence = entry.get("evidence", {})
    if not isinstance(evidence, dict):
        raise BadArgument(f"{where}: \"evidence\" must be an object, not {excerpt(evidence)}")
    confidence = entry.get("confidence")
    if type(confidence) not in (int, float) or not 0 <= confidence <= 1:
        raise BadArgument(f"{where}: \"confidence\" must be a number from 0 to 1, not {excerpt(confidence)}")
    ref = _ref_here(entry.get("ref"), item_type, where, placed, "ref")
    if ref is None and item_type == "agreement" and wanted.get("event") is not None:
        wanted = {**wanted, "event": _ref_here(wanted["event"], "event", where, placed, "set's event")}
    if ref is None and not (isinstance(wanted.get("title"), str) and wanted["title"].strip()):
        raise BadArgument(f"{where}: a proposal of a new {item_type} needs a \"title\" in \"set\"")
    source = _text(entry, "source", where, longest=2000)
    if source is not None and web_link(source) is None:
        raise BadArgument(f"{where}: \"source\" {excerpt(source)} is not an http or https address")
    on = _text(entry, "on", where, longest=40)
    if on is not None and not _dated(on, date):
        raise BadArgument(f"{where}: \"on\" {excerpt(on)} is not a day as tracker writes it (2025-12-05)")
    state = _one_of(entry, "state", _PROPOSAL_STATES, where, "open")
    decided = _stamp(entry, "decided", where, required=state != "open")
    if here[file_entry] is None:
        return 0
    store.add_exported_proposal({
        "entry_id": here[file_entry], "ref": ref, "item_type": item_type, "set": wanted, "on": on, "source": source,
        "headline": _text(entry, "headline", where, required=True, longest=1000),
        "feed": _text(entry, "feed", where, required=True, longest=2000), "confidence": confidence,
        "evidence": evidence, "state": state, "decided": decided if state != "open" else None})
    return 1


def _dated(text: str, kind: type) -> bool:
    """Whether `text` is a day (2025-12-05), or a date and time, as tracker writes them."""
    try:
        kind.fromisoformat(text)
    except ValueError:
        return False
    return True


def _ref_here(value: Any, item_type: str, where: str, placed, what: str) -> str | None:
    """A reference of the file (A2), as it is here after the import; None stays None."""
    if value is None:
        return None
    try:
        ref = parse_ref(value, want=item_type, what=what) if isinstance(value, str) else None
    except BadArgument:
        ref = None
    if ref is None:
        raise BadArgument(f"{where}: \"{what}\" must be a reference to an {item_type} such as "
                          f"{PREFIX[item_type]}1, not {excerpt(value)}")
    found = placed(ref)
    if found is None:
        raise BadArgument(f"{where}: \"{what}\" is {ref}, which is not among the file's items")
    return str(found)
