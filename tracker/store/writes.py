"""Writing items and the change log, and what numbering and import need to know first.

Every method here runs inside `Connection.writing()` (and an import's inside
`bulk_loading()` too); column names come from tracker's own code, never from input.
"""

from __future__ import annotations

from tracker.model import ItemType
from tracker.store.connection import Connection
from tracker.store.log import to_log


# The (zone, no event) pairs of a load's events, one per zone (see Writes.loaded).
_ALONE_IN: dict[str | None, tuple[str | None, None]] = {}
_CHANGE_COLUMNS = ("item_id", "field", "old", "new", "happened", "happened_utc", "recorded", "source", "note",
                   "recorded_by", "command_id")
# Not decided yet: who writes is read from the environment on the run's first write.
_UNDECIDED = object()


def current_by() -> str | None:
    """Who this run's changes are recorded by: TRACKER_USER if set and not blank (refused
    if it is no name: a control character, overlong), else the OS user (cleaned, not
    refused: no one typed it), else None. On PostgreSQL the database says, not this."""
    import os

    from tracker.model import MAX_BY, check_by

    given = os.environ.get("TRACKER_USER")
    if given is not None and given.strip():
        return check_by(given, "TRACKER_USER")
    import getpass

    try:
        name = getpass.getuser()
    except Exception:       # no login name, no passwd entry (a container's bare uid), no pwd module
        return None
    name = "".join(character for character in name if character.isprintable()).strip()[:MAX_BY]
    return name or None


class Writes(Connection):
    _recorded_by = _UNDECIDED

    def recorded_by(self) -> str | None:
        """Who this run writes as (see current_by), decided once, on the first write."""
        if self._recorded_by is _UNDECIDED:
            said = self.dialect.author(self.conn)
            self._recorded_by = current_by() if said is NotImplemented else said
        return self._recorded_by

    def next_num(self, item_type: ItemType) -> int:
        return self.conn.execute(
            "SELECT coalesce(max(num), 0) + 1 FROM items WHERE type = ?", (item_type,)
        ).fetchone()[0]

    def nums(self, item_type: ItemType) -> set[int]:
        return {row[0] for row in self.conn.execute("SELECT num FROM items WHERE type = ?", (item_type,))}

    def insert_items(self, rows: list[dict], names: list[tuple[list[str], list[str]]]) -> list[int]:
        """Many new items at once (import): one statement per table, run with executemany."""
        if not rows:
            return []
        first = self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]
        ids = list(range(first, first + len(rows)))
        columns = sorted({column for row in rows for column in row})
        self._insert_many("items", ["id", *columns],
                          [(item_id, *map(row.get, columns)) for item_id, row in zip(ids, rows)])
        for table, column, index in (("item_parties", "party", 0), ("item_tags", "tag", 1)):
            self._insert_many(table, ["item_id", "position", column],
                              [(item_id, position, value) for item_id, pair in zip(ids, names)
                               for position, value in enumerate(pair[index])])
        if self._loaded is not None:
            for item_id, row in zip(ids, rows):
                self._loaded["ids"][row["type"], row["num"]] = item_id
                self._loaded["zones"][item_id] = (row.get("tz"), row.get("event_id"))
        return ids

    def insert_rows(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows of tracker's own making (an import's, their ids given), in as few statements as may be.
        A refused batch leaves the transaction usable (Dialect.may_fail), for the caller to
        ask which row it was."""
        with self.dialect.may_fail(self.conn):
            self._insert_many(table, columns, rows)

    def loaded(self, item_type: ItemType, num: int, item_id: int, zone: str | None, event_id: int | None) -> None:
        """Tell the lookups of this load (item_id, zone_facts) of an event given its id
        but perhaps not written yet: what is planned next may belong to it."""
        self._loaded["ids"][item_type, num] = item_id
        # An event in no other shares its (zone, None) with every such event of its zone:
        # a million-item load holds 100k of them.
        self._loaded["zones"][item_id] = ((zone, event_id) if event_id is not None else
                                          _ALONE_IN.setdefault(zone, (zone, None)))

    def next_item_id(self) -> int:
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]

    def _insert_many(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Rows in as few statements as the engine may (Dialect.insert_many), the tables
        given their own ids noted for Dialect.ids_given."""
        if "id" in columns:
            self.ids_written.add(table)
        if rows:
            self.dialect.insert_many(self.conn, table, columns, rows)

    def insert_item(self, row: dict, parties: list[str], tags: list[str]) -> int:
        # Column names come from tracker's own code, never from input.
        item_id = self.conn.execute(
            f"INSERT INTO items ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)}) RETURNING id",
            tuple(row.values())).fetchone()[0]
        self.set_names(item_id, parties, tags)
        return item_id

    def update_item(self, item_id: int, columns: dict) -> None:
        if columns:
            self.conn.execute(f"UPDATE items SET {', '.join(f'{name} = ?' for name in columns)} WHERE id = ?",
                              (*columns.values(), item_id))

    def set_names(self, item_id: int, parties: list[str] | None, tags: list[str] | None) -> None:
        for table, column, values in (("item_parties", "party", parties), ("item_tags", "tag", tags)):
            if values is None:
                continue
            self.conn.execute(f"DELETE FROM {table} WHERE item_id = ?", (item_id,))
            self.conn.executemany(
                f"INSERT INTO {table} (item_id, position, {column}) VALUES (?, ?, ?)",
                [(item_id, position, value) for position, value in enumerate(values)],
            )

    def log_rows(self, rows: list[tuple], recorded: str) -> None:
        """Append rows already in the log's shape (id, item_id, field, old, new, happened,
        happened_utc, recorded, source, note, recorded_by), values as stored (an import's:
        each keeps its file's author), for this transaction's command (its row written
        with the first, `recorded` then)."""
        if not rows:
            return
        command_id = self.command(recorded)
        self.dialect.keep_authors(self.conn)
        self._insert_many("changes", ["id", *_CHANGE_COLUMNS], [(*row, command_id) for row in rows])

    def log(self, rows: list[dict]) -> None:
        """Append to the change log, recorded by this run's author (each row gains it as
        "by", for what the command shows of them); list values are stored as JSON arrays.
        The rows belong to the command of this transaction (its row written with the first)."""
        if not rows:
            return
        by = self.recorded_by()
        command_id = self.command(rows[0]["recorded"])
        for row in rows:
            row["by"] = by
        self._insert_many(
            "changes", list(_CHANGE_COLUMNS),
            [(row["item_id"], row["field"], to_log(row["old"]), to_log(row["new"]), row["happened"],
              row["happened_utc"], row["recorded"], row["source"], row["note"], by, command_id) for row in rows],
        )

    def command(self, recorded: str, undoes: int | None = None) -> int:
        """The id of this transaction's command, its row written now if it has none yet."""
        if self._command_id is None:
            self._command_id = self.conn.execute(
                "INSERT INTO commands (name, recorded, undoes) VALUES (?, ?, ?) RETURNING id",
                (self.command_name, recorded, undoes)).fetchone()[0]
        return self._command_id

    def next_change_id(self) -> int:
        """The id the next row of the log gets (one write transaction at a time)."""
        return self.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM changes").fetchone()[0]

    def uids(self) -> set[str]:
        return {row[0] for row in self.conn.execute("SELECT uid FROM items")}
