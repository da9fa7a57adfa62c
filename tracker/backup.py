"""`tracker backup`: a consistent copy of the database while other processes write.

SQLite's online backup API copies every page in one step, inside one read
transaction: in WAL mode writers go on meanwhile, and the copy is the database as of
one instant. It is written beside its final place and renamed there, so FILE is
either the whole copy or untouched.

A PostgreSQL database is backed up into an SQLite file by `tracker copy`'s code
(tracker/copying.py): the whole log read in one snapshot (REPEATABLE READ), written in
one transaction and checked before its commit. A desk's server has its own backups
(pg_dump, point-in-time recovery); this one is a file anyone can read with tracker.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

from tracker.errors import BadArgument, TrackerError
from tracker.store import Store


def backup_to(store: Store, file: Path, force: bool = False) -> str:
    """Copy the database to `file`; what was copied, in words."""
    target = file.expanduser()
    if target.is_symlink() and force:
        target = target.resolve()       # --force replaces what the link points at, not the link
    if target.is_dir():
        raise BadArgument(f"{file} is a folder: give a file name for the backup")
    if not target.parent.is_dir():
        raise BadArgument(f"cannot write {file}: the folder {target.parent} does not exist")
    if store.path is not None:
        from tracker.output import refuse_database

        refuse_database(file, store.path, "the backup")
    if target.exists() or target.is_symlink():
        if not force:
            raise TrackerError(f"{file} exists: give --force to replace it, or another file name")
        if not target.is_file():
            raise BadArgument(f"{file} is not a regular file: give a file name for the backup")
    if store.dialect.name == "postgres":
        return _copied_to(store, file, target)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    try:
        copy = sqlite3.connect(temporary)
        try:
            store.conn.backup(copy)     # every page in one step: one consistent snapshot
            # One self-contained file, not a WAL beside it.
            copy.execute("PRAGMA journal_mode = DELETE")
            items, changes = copy.execute(
                "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM changes)").fetchone()
        finally:
            copy.close()
        _put_in_place(temporary, target)
    except (OSError, sqlite3.Error) as error:
        Path(temporary).unlink(missing_ok=True)
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise TrackerError(f"cannot write the backup {file}: {reason}; nothing was written") from None
    return _what(store.path, items, changes)


def _copied_to(store: Store, file: Path, target: Path) -> str:
    """A PostgreSQL database copied into a new SQLite file, by `tracker copy`, in a
    folder of its own beside `target` (what the copy leaves on a failure goes with it),
    then renamed to `target`."""
    import shutil

    from tracker.copying import copy

    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    temporary = folder / target.name
    try:
        counts = copy(store.dialect.url, str(temporary)).counts
        copy_file = sqlite3.connect(temporary)
        try:
            # One self-contained file, not a WAL beside it.
            copy_file.execute("PRAGMA journal_mode = DELETE")
        finally:
            copy_file.close()
        _put_in_place(temporary, target)
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise TrackerError(f"cannot write the backup {file}: {reason}; nothing was written") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return _what(store.where, counts["items"], counts["changes"])


def _put_in_place(temporary, target: Path) -> None:
    """The finished copy renamed to its place, readable as a new file of the user's is."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, target)


def _what(where, items: int, changes: int) -> str:
    return f"{where} ({items} item{'s' * (items != 1)}, {changes} change{'s' * (changes != 1)})"
