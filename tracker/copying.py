"""`tracker copy`: a whole log moved into an empty database, all of it or nothing.

What is copied is every row of the log and the inbox as it is: the items with their
ids, uids and refs (removed ones too), their parties and tags, every change with its
id and command, the commands, the feeds, their entries and the proposals. The copy is
not itself logged: the target's log is the source's, row for row. The derived tables
(the search index, the agreement counts) are made by the target from what it holds, as
an import makes them.

The source is read in one snapshot (others may write to it meanwhile), in batches, so
that memory stays flat however large the log. The target must be empty, and is written
in one transaction, checked (counts, and the logical checks of `tracker check`) before
its commit: a failure or Ctrl-C anywhere leaves it as it was, and a target file this
copy made is removed again.

Its own module rather than core.py: core is the items' rules, loaded by every write;
a copy needs none of them and is loaded only by `tracker copy`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import BadArgument, Interrupted, TrackerError
from tracker.store import Store, is_url, open_store
from tracker.store.copying import COPIED

# Rows read and written per batch: memory holds one batch of one table.
BATCH = 5000


def without_password(url: str) -> str:
    """The URL as messages may show it: the PostgreSQL dialect's own rule."""
    from tracker.store.postgres import PostgresDialect

    return PostgresDialect(url).where


@dataclass
class End:
    """One end of a copy: a database file (or, later, a server) and how messages name it."""

    name: str
    path: Path | None
    make_folder: bool = False

    @classmethod
    def given(cls, text: str, make_folder: bool = False) -> End:
        if not text.strip():
            raise BadArgument("give a database file (or a postgresql:// URL) to copy to or from")
        if is_url(text):
            return cls(without_password(text), None)
        path = Path(text).expanduser()
        return cls(str(path), path, make_folder)

    @property
    def exists(self) -> bool:
        return self.path is None or self.path.exists() or self.path.is_symlink()

    def open(self, url: str) -> Store:
        if self.path is None:
            return open_store(url)
        return Store(self.path, make_folder=self.make_folder)


def _many(count: int, one: str, more: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else more or one + 's'}"


# What a target that is not empty is said to hold (parties and tags go with items).
_HELD = {"items": ("item",), "changes": ("change",), "commands": ("command",), "feeds": ("feed",),
         "feed_entries": ("feed entry", "feed entries"), "proposals": ("proposal",)}


@dataclass
class Copied:
    counts: dict[str, int]
    source: str
    target: str

    def summary(self) -> str:
        counts = self.counts
        return (f"copied {_many(counts['items'], 'item')}, {_many(counts['changes'], 'change')} "
                f"({_many(counts['commands'], 'command')}, {_many(counts['feeds'], 'feed')}) "
                f"from {self.source} to {self.target}")


def copy(source_text: str, target_text: str, source_folder: bool = False, target_folder: bool = False) -> Copied:
    """Copy the database `source_text` names into the empty one `target_text` names
    (made if it is a file that does not exist)."""
    source, target = End.given(source_text, source_folder), End.given(target_text, target_folder)
    _refuse_same(source, target)
    if not source.exists:
        # Opening it would make an empty database there: a mistyped name would copy nothing.
        raise BadArgument(f"{source.name}: no such database file: give the database to copy from")
    reading = source.open(source_text)
    try:
        made = not target.exists
        try:
            writing = target.open(target_text)
        except BaseException:
            if made:
                _remove(target.path)
            raise
        try:
            counts = _copy(reading, writing, source.name, target.name)
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted: nothing was copied; {target.name} is as it was") from None
        finally:
            try:
                writing.close()
            finally:
                if made and not writing.commits:
                    _remove(target.path)
    finally:
        reading.end_snapshot()
        reading.close()
    return Copied(counts, source.name, target.name)


def _refuse_same(source: End, target: End) -> None:
    if source.path is None or target.path is None:
        if source.name == target.name:
            raise BadArgument(f"{target.name} is the database copied from: give another database to copy to")
        return
    from tracker.output import refuse_database

    # By any name: a link, or one of SQLite's files beside the other.
    refuse_database(target.path, source.path, "the copy")
    refuse_database(source.path, target.path, "the copy")


def _remove(path: Path | None) -> None:
    """A target file this copy made, and SQLite's files beside it: gone again."""
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def _copy(source: Store, target: Store, source_name: str, target_name: str) -> dict[str, int]:
    from tracker.progress import Progress

    held = target.copied_counts()
    if any(held.values()):
        what = ", ".join(_many(held[table], *words) for table, words in _HELD.items() if held[table])
        raise TrackerError(f"{target_name} is not empty ({what}): copy into a new file or an empty database; "
                           "tracker copy neither merges nor replaces a log")
    source.begin_snapshot()
    counts = source.copied_counts()
    columns = {}
    for table in COPIED:
        theirs, ours = source.copied_columns(table), target.copied_columns(table)
        if sorted(theirs) != sorted(ours):
            raise TrackerError(f"{source_name} and {target_name} have different columns in {table}: "
                               "run `tracker check` on both")
        columns[table] = theirs
    late: list[tuple[int, int]] = []
    with Progress("copying", total=sum(counts.values())) as progress, target.writing():
        with target.bulk_loading(counts["items"] + counts["changes"]):
            for table in COPIED:
                for batch in source.row_batches(table, columns[table], BATCH):
                    if table == "items":
                        batch = _without_late_events(batch, columns[table], late)
                    try:
                        target.put_rows(table, columns[table], batch)
                    except target.dialect.IntegrityError as error:
                        # PostgreSQL's message goes on with DETAIL lines: its first says what.
                        said = str(error).strip().splitlines()[0]
                        raise TrackerError(f"{target_name} refused a row of {table} from {source_name} ({said}): "
                                           f"nothing was copied; run `tracker check` on {source_name}") from None
                    progress.advance(len(batch))
        # After the load: the triggers that keep the agreement counts are back, and move
        # each agreement to its event.
        target.link_late(late)
        _verify(source, target, counts, source_name, target_name)
    return counts


def _without_late_events(batch: list[tuple], columns: list[str], late: list[tuple[int, int]]) -> list[tuple]:
    """Items whose event comes after them by id (moved there by an update) are written
    without it at first: their event is not there yet. Noted in `late`."""
    id_at, event_at = columns.index("id"), columns.index("event_id")
    kept = batch
    for place, row in enumerate(batch):
        event_id = row[event_at]
        if event_id is not None and event_id > row[id_at]:
            if kept is batch:
                kept = list(batch)
            late.append((event_id, row[id_at]))
            kept[place] = row[:event_at] + (None,) + row[event_at + 1:]
    return kept


def _verify(source: Store, target: Store, counts: dict[str, int], source_name: str, target_name: str) -> None:
    """Before the commit: the target holds as many rows as the source's snapshot, and
    the logical checks of `tracker check` find nothing in it that they do not find in
    the source (a copy is faithful, not a repair)."""
    from tracker import integrity

    written = target.copied_counts()
    if written != counts:
        table = next(table for table in COPIED if written[table] != counts[table])
        raise TrackerError(f"the copy holds {written[table]:,} rows of {table}, {source_name} "
                           f"{counts[table]:,}: nothing was copied")
    found = [finding.message for finding in integrity.logical(target)]
    if found:
        known = {finding.message for finding in integrity.logical(source)}
        new = [message for message in found if message not in known]
        if new:
            raise TrackerError(f"the copy in {target_name} does not check out ({new[0]}): nothing was copied")
