"""The commands that wrote the log, for `tracker undo`, and the retraction of notes.

Every transaction that logs a change is one command (a `commands` row, named by
changes.command_id). An undo is a command that names the one it reversed in
`undoes`; nothing is ever deleted. A retraction is a log row (field 'retracted')
whose `new` is the id of the retracted change; one that withdraws it again has that
id in `old` and `new` NULL. The last of them says (index changes_retractions).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.model import Ref
from tracker.store.connection import Connection
from tracker.store.log import RETRACTED, _from_log


@dataclass
class Command:
    id: int
    name: str
    recorded: str
    undoes: int | None          # the command this one reversed
    undone_by: int | None       # the undo that reversed this one


@dataclass
class LoggedChange:
    """A log row as undo reads it: with its id and its item's ids."""

    id: int
    item_id: int
    ref: Ref
    title: str
    field: str | None
    old: object
    new: object
    on: str
    note: str | None
    command_id: int | None
    retracted: bool = False
    by: str | None = None           # who made it (None: before schema 11, or no name known)


# Commands whose rows do not stand in the way of undoing an earlier one: undos, and
# what they reversed (the two cancel out).
_SETTLED = ("(SELECT undoes FROM commands WHERE undoes IS NOT NULL "
            "UNION ALL SELECT id FROM commands WHERE undoes IS NOT NULL)")

_COMMAND = ("SELECT commands.id, commands.name, commands.recorded, commands.undoes, "
            "(SELECT u.id FROM commands AS u WHERE u.undoes = commands.id ORDER BY u.id LIMIT 1) FROM commands ")


class UndoReads(Connection):
    def command_by_id(self, command_id: int) -> Command | None:
        row = self.conn.execute(_COMMAND + "WHERE commands.id = ?", (command_id,)).fetchone()
        return Command(*row) if row else None

    def recent_commands(self, limit: int) -> list[Command]:
        """The last `limit` commands, newest first (read backwards on the primary key)."""
        return [Command(*row) for row in self.conn.execute(
            _COMMAND + f"ORDER BY commands.id DESC LIMIT {int(limit)}")]

    def last_undoable(self) -> Command | None:
        """The newest command that is not an undo and was not undone."""
        row = self.conn.execute(
            _COMMAND + "WHERE commands.undoes IS NULL AND commands.id NOT IN "
            "(SELECT undoes FROM commands WHERE undoes IS NOT NULL) ORDER BY commands.id DESC LIMIT 1").fetchone()
        return Command(*row) if row else None

    def has_unattributed_changes(self) -> bool:
        """Whether the log holds rows from before commands were recorded (version 5)."""
        return self.conn.execute("SELECT 1 FROM changes WHERE command_id IS NULL LIMIT 1").fetchone() is not None

    def command_changes(self, command_ids: list[int]) -> list[LoggedChange]:
        """The log rows of these commands, in the order they were written."""
        return self._logged(
            f"{self.dialect.in_list('changes.command_id')} ORDER BY changes.id",
            (self.dialect.list_value(command_ids),))

    def first_changes(self, command_id: int, limit: int) -> tuple[list[LoggedChange], int]:
        """The first `limit` log rows of a command, and how many it has (from its index)."""
        count = self.conn.execute("SELECT count(*) FROM changes WHERE command_id = ?", (command_id,)).fetchone()[0]
        return self._logged(f"changes.command_id = ? ORDER BY changes.id LIMIT {int(limit)}", (command_id,)), count

    def change_by_id(self, change_id: int) -> LoggedChange | None:
        found = self._logged("changes.id = ?", (change_id,))
        return found[0] if found else None

    def later_changes(self, item_ids: list[int], after_id: int) -> list[LoggedChange]:
        """The changes to these items logged after `after_id` by commands still in force
        (not undos, not undone), oldest first: what an undo would overwrite."""
        return self._logged(
            f"{self.dialect.in_list('changes.item_id')} AND changes.id > ? "
            "AND (changes.command_id IS NULL OR changes.command_id NOT IN " + _SETTLED + ") "
            "ORDER BY changes.id", (self.dialect.list_value(item_ids), after_id))

    def later_undo_changes(self, item_ids: list[int], after_id: int) -> list[LoggedChange]:
        """The changes to these items logged after `after_id` by undos, oldest first: an
        undo puts values back, which may or may not be the ones a command had set."""
        return self._logged(
            f"{self.dialect.in_list('changes.item_id')} AND changes.id > ? "
            "AND changes.command_id IN (SELECT id FROM commands WHERE undoes IS NOT NULL) "
            "ORDER BY changes.id", (self.dialect.list_value(item_ids), after_id))

    def _logged(self, condition: str, params: tuple) -> list[LoggedChange]:
        rows = self.conn.execute(
            "SELECT changes.id, changes.item_id, items.type, items.num, items.title, changes.field, changes.old, "
            f"changes.new, changes.happened, changes.note, changes.command_id, {RETRACTED}, changes.recorded_by "
            f"FROM changes JOIN items ON items.id = changes.item_id WHERE {condition}", params)
        return [LoggedChange(change_id, item_id, Ref(item_type, num), title, name, _from_log(name, old),
                             _from_log(name, new), on, note, command_id, bool(retracted), by)
                for change_id, item_id, item_type, num, title, name, old, new, on, note, command_id, retracted, by
                in rows]

    def live_dependants(self, item_ids: list[int]) -> list[tuple[int, Ref]]:
        """Live items, not among these, that belong to one of these events: (the event's
        id, the item's ref)."""
        ids = self.dialect.list_value(item_ids)
        return [(row[0], Ref(row[1], row[2])) for row in self.conn.execute(
            f"SELECT event_id, type, num FROM items WHERE {self.dialect.in_list('event_id', ':ids')} "
            f"AND NOT {self.dialect.in_list('id', ':ids')} "
            "AND removed IS NULL ORDER BY type = 'agreement', num", {"ids": ids})]

    def live_zones(self, item_ids: list[int]) -> dict[int, str | None]:
        """Of these items, the live ones, with the zone their dates are read in (their own,
        else their event's), in one query."""
        return dict(self.conn.execute(
            "SELECT items.id, coalesce(items.tz, parent.tz) FROM items LEFT JOIN items AS parent "
            f"ON parent.id = items.event_id WHERE {self.dialect.in_list('items.id')} "
            "AND items.removed IS NULL", (self.dialect.list_value(item_ids),)).fetchall())

    def remove_items(self, item_ids: list[int], stamp: str) -> None:
        """Take these items out of lists (an undone add or import), in one statement."""
        self.conn.execute(f"UPDATE items SET removed = ?, updated = ? WHERE {self.dialect.in_list('id')} "
                          "AND removed IS NULL", (stamp, stamp, self.dialect.list_value(item_ids)))
