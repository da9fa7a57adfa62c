"""Apply: a file of dated updates (the news), replayed as `tracker add` and `tracker update`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tracker import core
from tracker.errors import BadArgument, TrackerError, closest, did_you_mean, excerpt
from tracker.model import Ref, parse_ref
from tracker.store import Store
from tracker.transfer.document import UPDATES_FORMAT, _counted, _name, _names, _number, _text, _uid, _within, read_document


_FIELD_KEYS = {"title", "kind", "status", "parties", "tags", "start", "end", "tz", "location",
               "in", "event", "sector", "due", "series", "number", "clear"}


# The keys of one entry of a file of updates.
_ENTRY_KEYS = {"ref", "add", "uid", "on", "set", "source", "note"}


def _unknown_key(what: str, key: str, known) -> BadArgument:
    return BadArgument(f"{what} {excerpt(key)}{did_you_mean(closest(key, sorted(known)))} "
                       f"(known: {', '.join(sorted(known))})")


def _fields(values: Any, where: str) -> core.Fields:
    if not isinstance(values, dict):
        raise BadArgument(f"{where}: the fields must be an object")
    unknown = set(values) - _FIELD_KEYS
    if unknown:
        raise _unknown_key(f"{where}: unknown field", sorted(unknown)[0], _FIELD_KEYS)
    texts = {key: _text(values, key)
             for key in _FIELD_KEYS - {"parties", "tags", "clear", "in", "event", "number"}}
    within = _text(values, "in") or _text(values, "event")
    return core.Fields(
        **texts, within=within, number=_number(values, "number"),
        parties=_names(values, "parties") if "parties" in values else None,
        tags=_names(values, "tags") if "tags" in values else None,
        clear=_names(values, "clear"),
    )


def apply_file(store: Store, path: Path) -> tuple[str, str | None]:
    """Replay a file of dated updates, each as `tracker add` or `tracker update` would, in one transaction.

    {"format": "tracker-updates", "version": 1, "updates": [
        {"ref": "A3", "on": "2025-12-05", "set": {"status": "signed"}, "source": "https://...", "note": "..."},
        {"add": "agreement", "uid": "...", "on": "2025-12-05", "set": {"title": "...", "event": "E2"}, ...}]}
    An update's "ref" may be a reference or the uid of an item.
    Returns the summary, and a warning when an "add" without a uid (which a replay
    cannot recognise, so adds again) was applied.
    """
    from tracker.progress import Progress

    name = _name(path)
    document = read_document(path, UPDATES_FORMAT, "updates")
    added = updated = already = without_uid = 0
    updates = document["updates"]
    with store.writing(), Progress(f"applying {name}", total=len(updates), every=100) as progress:
        for index, entry in enumerate(_counted(updates, progress), start=1):
            where = f"{name}: update {index}"
            if not isinstance(entry, dict):
                raise BadArgument(f"{where}: must be an object")
            unknown = set(entry) - _ENTRY_KEYS
            if unknown:
                # A misspelt "note" or "source" would be lost without a word.
                raise _unknown_key(f"{where}: unknown key", sorted(unknown)[0], _ENTRY_KEYS)
            try:
                given = _fields(entry.get("set", {}), where)
                said = core.Entry(_text(entry, "on"), _text(entry, "source"), _text(entry, "note"), on_name='"on"')
                if "add" in entry:
                    kind = entry["add"]
                    if kind not in ("event", "agreement"):
                        raise BadArgument(f"\"add\" must be \"event\" or \"agreement\", not {excerpt(kind)}")
                    uid = _uid(entry)
                    if _added_before(store, kind, uid):
                        already += 1
                        continue
                    core.add(store, kind, given, said, uid=uid)
                    added += 1
                    without_uid += uid is None
                else:
                    target = _text(entry, "ref", True)
                    item_id = store.item_id_by_uid(target)
                    if item_id is not None:
                        row = store.columns(item_id)
                        ref = Ref(row["type"], row["num"])
                    else:
                        ref = parse_ref(target)
                    if core.already_applied(store, ref, given, said) or not core.update(store, ref, given, said).changes:
                        already += 1
                        continue
                    updated += 1
            except TrackerError as error:
                raise _within(where, error) from None
    warning = None
    if without_uid:
        # Not refused: files written before uids mattered still apply.
        warning = (f"warning: {without_uid} \"add\"{'s' * (without_uid != 1)} in {name} "
                   f"had no \"uid\": applying the file again would add {'them' if without_uid != 1 else 'it'} "
                   "again (give each \"add\" a \"uid\" of its own)")
    if not added + updated:
        return f"{name}: all {already} updates applied already; nothing changed", warning
    return (f"{name}: {already} already applied, {added + updated} applied "
            f"({added} added, {updated} updated)"), warning


def _added_before(store: Store, kind: str, uid: str | None) -> bool:
    """Whether a file's "add" is here already: an item of that uid (a uid names one
    item for ever) is that add, applied before. Of another type, it is an error."""
    item_id = store.item_id_by_uid(uid) if uid else None
    if item_id is None:
        return False
    row = store.columns(item_id)
    if row["type"] != kind:
        raise BadArgument(f"uid {excerpt(uid)} is {Ref(row['type'], row['num'])} here, an {row['type']}, "
                          f"not an {kind}: give the new item a uid of its own")
    return True
