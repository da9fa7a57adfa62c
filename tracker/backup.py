"""`tracker backup`: a consistent copy of the database while other processes write.

SQLite's online backup API copies every page in one step, inside one read
transaction: in WAL mode writers go on meanwhile, and the copy is the database as of
one instant. It is written beside its final place and renamed there, so FILE is
either the whole copy or untouched.
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
    from tracker.output import refuse_database

    refuse_database(file, store.path, "the backup")
    if target.exists() or target.is_symlink():
        if not force:
            raise TrackerError(f"{file} exists: give --force to replace it, or another file name")
        if not target.is_file():
            raise BadArgument(f"{file} is not a regular file: give a file name for the backup")
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
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except (OSError, sqlite3.Error) as error:
        Path(temporary).unlink(missing_ok=True)
        reason = error.strerror if isinstance(error, OSError) else str(error)
        raise TrackerError(f"cannot write the backup {file}: {reason}; nothing was written") from None
    return f"{store.path} ({items} item{'s' * (items != 1)}, {changes} change{'s' * (changes != 1)})"
