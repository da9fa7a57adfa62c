"""Writing a whole document to a path given with -o (export, report).

What the path is decides how it is written, so that -o never harms what it names:
- a regular file, or a path with nothing there yet: a temporary file in the same
  folder, written, synced, then renamed over the path; a reader sees the old file
  or the new one, never half of one, and a failure (Ctrl-C too) removes the
  temporary file and leaves the old one as it was;
- a symbolic link: the same, at the file it points to (the link stays a link);
  a link to nothing creates the file it names, as the shell's `>` does;
- a descriptor of this process (/dev/stdout, /dev/stderr, /dev/fd/N): written to
  that descriptor, as if there were no -o (an append stays an append);
- anything else (a FIFO, a device such as /dev/null or /dev/full, a socket):
  opened and written through; it is never replaced.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from tracker.errors import BadArgument, TrackerError
from tracker.streams import reason

# /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: another name of a descriptor.
_DESCRIPTOR = re.compile(r"/(?:dev/(?:(stdout)|(stderr)|fd/(\d+))|proc/(?:self|\d+)/fd/(\d+))")


# SQLite's files beside a database: replacing one of them (its WAL above all) loses
# or damages what was saved.
DATABASE_SIDECARS = ("-wal", "-shm", "-journal")


def refuse_database(path: Path, database: Path, what: str = "the output") -> None:
    """Refuse a path that names the database, or one of SQLite's files beside it, by any
    name (a symbolic or hard link too)."""
    real = os.path.realpath(path.expanduser())
    for suffix in ("", *DATABASE_SIDECARS):
        own = Path(f"{database}{suffix}")
        same = real == os.path.realpath(own)
        if not same and os.path.exists(real) and own.exists():
            same = os.path.samefile(real, own)
        if same:
            whose = "the database itself" if not suffix else f"the {suffix[1:]} file of the database {database}"
            raise BadArgument(f"{path} is {whose}: give another file for {what}")


def write_file(path: Path, text: str | Iterable[str], database: Path | None = None) -> None:
    """Write `text` (UTF-8) to `path`, whole or not at all, without replacing what is not a
    file, nor the database (`database`) or SQLite's files beside it. `text` may come in
    pieces, written as they come (an export of a million items)."""
    path = path.expanduser()
    if database is not None:
        refuse_database(path, database)
    data = [text] if isinstance(text, str) else text
    descriptor = _descriptor(path)
    try:
        if descriptor == 1:
            # The same as no -o, failures included (a stdout closed at start is /dev/null
            # underneath, and only the guarded sys.stdout knows it was closed).
            import sys

            for piece in data:
                sys.stdout.write(piece)
            sys.stdout.flush()
            return
        if descriptor is not None:
            _write_all(descriptor, data)
            return
        try:
            found = os.stat(path)       # follows a symbolic link to what it names
        except FileNotFoundError:
            found = None
        if found is not None and stat.S_ISDIR(found.st_mode):
            raise TrackerError(f"cannot write to {path}: it is a folder; give a file path")
        if found is not None and not stat.S_ISREG(found.st_mode):
            _write_through(path, data)
            return
        _replace(Path(os.path.realpath(path)), data, found)
    except OSError as error:
        raise TrackerError(f"cannot write to {path}: {reason(error)}") from None


def _descriptor(path: Path) -> int | None:
    """The descriptor that `path` names, if it is one of the names of a descriptor of this process."""
    match = _DESCRIPTOR.fullmatch(os.path.abspath(path))
    if match is None:
        return None
    stdout, stderr, dev_fd, proc_fd = match.groups()
    if match.group(0).startswith("/proc/") and not match.group(0).startswith(("/proc/self/", f"/proc/{os.getpid()}/")):
        return None         # another process's: a path like any other
    return 1 if stdout else 2 if stderr else int(dev_fd or proc_fd)


def _write_all(descriptor: int, data: Iterable[str]) -> None:
    import sys

    # What tracker has written to its own stdout or stderr goes first.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    for piece in data:
        view = memoryview(piece.encode("utf-8"))
        while view:
            view = view[os.write(descriptor, view):]


def _write_through(path: Path, data: Iterable[str]) -> None:
    """A FIFO, a device: opened as it is (a FIFO waits for its reader) and written in order."""
    handle = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        _write_all(handle, data)
    finally:
        os.close(handle)


def _replace(target: Path, data: Iterable[str], found: os.stat_result | None) -> None:
    folder = target.parent
    if found is not None and not os.access(target, os.W_OK):
        # The rename would get past a file its owner made read-only; `>` would not.
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            _write_all(handle, data)
            # The file keeps the permissions it had; a new one gets those a plain open() would.
            if found is not None:
                os.fchmod(handle, stat.S_IMODE(found.st_mode))
                if (found.st_uid, found.st_gid) != (os.geteuid(), os.getegid()):
                    try:        # root writing someone else's file leaves it theirs
                        os.fchown(handle, found.st_uid, found.st_gid)
                    except OSError:
                        pass
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(handle, 0o666 & ~umask)
            # On disk before the rename makes it the file: after a power cut, the
            # path holds the old document or the new one, not an empty file.
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, target)
    except BaseException:
        # Whatever stopped the write (a full disk, Ctrl-C), no temporary file is left behind.
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; a folder that cannot be opened so is left as it is."""
    try:
        handle = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
