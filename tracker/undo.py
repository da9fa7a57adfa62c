"""Undo and retraction: mistakes reversed by new logged changes, never by deleting rows.

`tracker undo` reverses one command (by default the last one still in force) in one
transaction, itself a command that names the one it reversed: a field goes back to
the value it had before, an added item is removed, a removed one restored, a note
retracted. It refuses, naming the change, when a later command still in force changed
the same field of the same item (--force to undo anyway). Undos are never undone: an
undo after an undo reaches further back. Rows logged before commands were recorded
(schema version 5) belong to no command, and undo stops at them.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

from tracker import core, dates
from tracker.errors import BadArgument, TrackerError
from tracker.model import Change, Ref
from tracker.store import Store
from tracker.store.undo import Command, LoggedChange

# How many of a command's items its description names.
NAMED_ITEMS = 3
# From this many log rows on, an undo writes them as a large import does (see
# Connection.bulk_loading): the search index filled once, not row by row.
BULK_ROWS = 1000
# How many changes of each command `tracker undo --list` shows (an import has thousands).
LISTED_CHANGES = 20


@dataclass
class Undone:
    """What an undo did: the command it reversed, and the changes it logged."""

    target: Command
    what: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class Listed:
    """A command as `tracker undo --list` shows it."""

    command: Command
    what: str
    changes: list[LoggedChange]     # the first LISTED_CHANGES of them
    total: int                      # how many changes it logged
    next: bool = False              # the one a plain `tracker undo` reverses


def describe(command: Command, changes: list[LoggedChange], total: int | None = None) -> str:
    """`update A6`, `import E1, E2, A1 and more`: the command and the items it touched
    (`changes` may be the first of `total`)."""
    if command.undoes is not None:
        return f"undo of command {command.undoes}"
    refs = list(dict.fromkeys(str(change.ref) for change in changes))
    named = ", ".join(refs[:NAMED_ITEMS])
    if len(refs) > NAMED_ITEMS and total in (None, len(changes)):
        named += f" and {len(refs) - NAMED_ITEMS} more"
    elif len(refs) > NAMED_ITEMS or (total or 0) > len(changes):
        named += " and more"
    return f"{command.name} {named}".strip()


def recent(store: Store, count: int) -> list[Listed]:
    """The last `count` commands, newest first, each with its first LISTED_CHANGES changes."""
    following = store.last_undoable()
    listed = []
    for command in store.recent_commands(count):
        changes, total = store.first_changes(command.id, LISTED_CHANGES)
        listed.append(Listed(command, describe(command, changes, total), changes, total,
                             next=following is not None and command.id == following.id))
    return listed


def undo(store: Store, command_id: int | None = None, force: bool = False) -> Undone:
    with store.writing():
        target = _target(store, command_id)
        changes = store.command_changes([target.id])
        what = describe(target, changes)
        now = dates.now()
        stamp = dates.stamp(now)
        store.command(stamp, undoes=target.id)
        entry = core.Entry(note=f"undo of command {target.id}: {what}")
        created = {c.item_id for c in changes if c.field == "created"}
        # Nothing else of an item the command added matters: the item goes.
        rest = [c for c in changes if c.item_id not in created]
        restored = {c.item_id for c in rest if c.field == "removed" and c.new is not None}
        if not force:
            _refuse_overwriting(store, target, changes, created)
        logged: list[dict] = []
        for change in rest:
            if change.field == "removed" and change.new is not None:
                logged += _restore(store, change, entry, stamp)
        for item_id, was in _fields_before(rest).items():
            logged += _put_back(store, item_id, was, entry, stamp, force or item_id in restored)
        for change in rest:
            if change.field is None and not change.retracted:
                logged += _retraction(store, change.item_id, change.id, entry)
            elif change.field == "retracted":
                logged += _retraction(store, change.item_id, int(change.new or change.old), entry,
                                      withdraw=change.new is not None)
        logged += _remove_added(store, sorted(created), entry, stamp)
        # The undo of a large import: its rows logged as an import logs them.
        with store.bulk_loading(len(logged)) if len(logged) > BULK_ROWS else nullcontext():
            store.log(logged)
        # An accept from the inbox undone: its proposals are open again, to accept or dismiss.
        store.reopen_accepted(target.id)
        return Undone(target, what, _as_changes(store, logged))


def retract(store: Store, change_id: int, note: str | None = None) -> Change:
    """Mark a note retracted: it stays in the log, marked, and leaves reports."""
    with store.writing():
        change = store.change_by_id(change_id)
        if change is None:
            raise BadArgument(f"no change {change_id}: see `tracker history --json` or `tracker undo --list` "
                              "for the ids of changes")
        if change.field is not None:
            what = "a retraction" if change.field == "retracted" else f"a change of {change.field}"
            raise BadArgument(f"change {change_id} is {what}, not a note: only notes are retracted; "
                              "to reverse a change, use `tracker undo`")
        if change.retracted:
            raise TrackerError(f"change {change_id} (a note on {change.ref}) is retracted already")
        rows = _retraction(store, change.item_id, change_id, core._check_entry(core.Entry(note=note)))
        store.log(rows)
        return _as_changes(store, rows)[0]


def _target(store: Store, command_id: int | None) -> Command:
    if command_id is None:
        target = store.last_undoable()
        if target is None:
            why = ("every command in the log is undone already" if store.recent_commands(1)
                   else "no command has changed anything yet")
            if store.has_unattributed_changes():
                why += "; changes logged before tracker recorded commands (schema version 5) cannot be undone"
            raise TrackerError(f"nothing to undo: {why}")
        return target
    target = store.command_by_id(command_id)
    if target is None:
        raise BadArgument(f"no command {command_id}: see `tracker undo --list`")
    if target.undoes is not None:
        raise TrackerError(f"command {command_id} is an undo (of command {target.undoes}): undo does not redo; "
                           "to have that change again, run it again")
    if target.undone_by is not None:
        raise TrackerError(f"command {command_id} was undone already, by command {target.undone_by}")
    return target


def _refuse_overwriting(store: Store, target: Command, changes: list[LoggedChange], created: set[int]) -> None:
    """Refuse when a later command still in force changed what this undo would put back:
    the same field of the same item, or the item itself (removed, or any change to an
    item the command added)."""
    touched = {(c.item_id, c.field) for c in changes if c.field not in (None, "retracted")}
    items = {item_id for item_id, _ in touched}
    for later in store.later_changes(sorted(items), max(c.id for c in changes)):
        if later.command_id == target.id or later.field in (None, "retracted"):
            continue
        if later.item_id in created or later.field in ("removed", "created") or \
                (later.item_id, later.field) in touched:
            by = f"by command {later.command_id}" if later.command_id else "before commands were recorded"
            what = "removed" if later.field == "removed" else \
                f"{later.field} {_shown(later.old)} → {_shown(later.new)}"
            raise TrackerError(
                f"{later.ref} was changed later {by} (change {later.id}: {what}): undoing command {target.id} "
                f"would overwrite it; undo that first, or give --force to undo command {target.id} anyway")
    # An undo since (of a later command, or a forced one of an earlier) may have left a
    # field as this command set it, which is no conflict, or put another value there.
    set_by_target = {(c.item_id, c.field): c.new for c in changes if c.field not in (None, "retracted")}
    last_by_undo: dict[tuple[int, str], LoggedChange] = {}
    for later in store.later_undo_changes(sorted(items), max(c.id for c in changes)):
        if (later.item_id, later.field) in set_by_target:
            last_by_undo[later.item_id, later.field] = later
    for key, later in last_by_undo.items():
        if later.new != set_by_target[key]:
            raise TrackerError(
                f"{later.ref} was changed later by command {later.command_id}, an undo (change {later.id}: "
                f"{later.field} {_shown(later.old)} → {_shown(later.new)}): undoing command {target.id} would "
                f"overwrite it; undo that first, or give --force to undo command {target.id} anyway")


# How much of a value an error message quotes: a title may be long.
QUOTED_CHARS = 60


def _shown(value) -> str:
    text = (", ".join(value) or "(none)") if isinstance(value, list) else \
        "(none)" if value in (None, "") else str(value)
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS - 1] + "…"


def _fields_before(changes: list[LoggedChange]) -> dict[int, dict[str, object]]:
    """Per item, each field the command changed and its value before the command (the
    first change of it in the command has that value as its old one)."""
    was: dict[int, dict[str, object]] = {}
    for change in changes:
        if change.field not in (None, "created", "removed", "retracted"):
            was.setdefault(change.item_id, {}).setdefault(change.field, change.old)
    return was


# The log's name of a field that a Fields attribute sets, where they differ.
_ATTRIBUTE = {"parent": "within", "event": "within"}
_CLEAR = {"parties": "parties", "tags": "tags", "number": "number"}


def _put_back(store: Store, item_id: int, was: dict[str, object], entry: core.Entry, stamp: str,
              removed_ok: bool) -> list[dict]:
    """One item's fields set back to `was`, as `tracker update` would set them."""
    row = store.columns(item_id)
    ref = Ref(row["type"], row["num"])
    if row["removed"] and not removed_ok:
        raise TrackerError(f"{ref} was removed since: undo its removal first, or give --force")
    given = core.Fields()
    for name, old in was.items():
        if name in ("parties", "tags"):
            setattr(given, name, list(old or []))
        elif old in (None, ""):
            if name in core.CLEARABLE[ref.type]:
                given.clear.append(name)
        elif name == "number":
            given.number = int(old)
        else:
            setattr(given, _ATTRIBUTE.get(name, name), old)
    _, item = store.item(ref)
    plan = core.plan_fields(store, ref.type, given, item_id, (item.parties, item.tags))
    if not plan.logged:
        return []
    store.update_item(item_id, {**plan.columns, "updated": stamp})
    store.set_names(item_id, plan.parties, plan.tags)
    return core._entry_rows(store, item_id, core.item_zone(store, item_id), entry, plan.logged)


def _restore(store: Store, change: LoggedChange, entry: core.Entry, stamp: str) -> list[dict]:
    """An item removed by the command, back in lists. The row keeps when it had been
    removed as its old value, so that a report of before then still sees it removed."""
    row = store.columns(change.item_id)
    if row["removed"] is None:
        return []
    if row["series"] and row["series_number"] is not None:
        holder = store.series_number_taken(row["series"], row["series_number"], change.item_id)
        if holder is not None:
            raise TrackerError(f"{change.ref} cannot come back as no. {row['series_number']} of {row['series']!r}: "
                               f"{holder} is that number now; give {holder} another number first")
    store.update_item(change.item_id, {"removed": None, "updated": stamp})
    return core._entry_rows(store, change.item_id, core.item_zone(store, change.item_id), entry,
                            [("removed", row["removed"], None)])


def _remove_added(store: Store, item_ids: list[int], entry: core.Entry, stamp: str) -> list[dict]:
    """The items the command added, out of lists (logged `removed` on each), in one
    statement. Refused while live items added since belong to one of them."""
    if not item_ids:
        return []
    # Those the command added too go with the event: live_dependants leaves them out
    # in SQL (a query and a list search per dependant was quadratic for a large import).
    dependants = store.live_dependants(item_ids)
    if dependants:
        events = store.refs_by_id(sorted({event_id for event_id, _ in dependants}))
        event = next(iter(events))
        named = ", ".join(str(ref) for _, ref in dependants[:core.DEPENDANTS_NAMED])
        raise TrackerError(f"{event} has live items in it that came later ({named}): undo or remove them "
                           f"first, then undo again")
    live = store.live_zones(item_ids)
    store.remove_items(list(live), stamp)
    # An import may have added a million: the time of the removal worked out once per zone.
    rows: list[dict] = []
    template: dict[str, dict] = {}
    for item_id, zone in live.items():
        zone = zone or dates.user_zone_name()
        if zone not in template:
            template[zone] = core._entry_rows(store, 0, zone, entry, [("removed", None, "removed")])[0]
        rows.append({**template[zone], "item_id": item_id})
    return rows


def _retraction(store: Store, item_id: int, change_id: int, entry: core.Entry, withdraw: bool = False) -> list[dict]:
    """The row that retracts a note (its id as `new`), or withdraws that (its id as `old`)."""
    marked = (None, str(change_id)) if not withdraw else (str(change_id), None)
    return core._entry_rows(store, item_id, core.item_zone(store, item_id), entry, [("retracted", *marked)])


def _as_changes(store: Store, rows: list[dict]) -> list[Change]:
    refs = {item_id: ref for ref, item_id in store.refs_by_id(sorted({row["item_id"] for row in rows})).items()}
    return [Change(ref=refs[row["item_id"]], field=row["field"], old=row["old"], new=row["new"],
                        on=row["happened"], recorded=row["recorded"], source=row["source"], note=row["note"],
                   by=row.get("by"))
            for row in rows]
