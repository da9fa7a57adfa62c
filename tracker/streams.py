"""tracker's standard streams, and how much it reads from a file or stdin.

A closed stdin, stdout or stderr (`tracker list >&-`) is given /dev/null at once:
otherwise the database, opened next, would take the free descriptor, and what was
meant for stdout would be written into it. Writes to stdout go through a stream
that turns a failure (a full disk, a closed descriptor) into `StdoutLost`, which
the command line reports in one line; what is left unwritten is then dropped, so
that Python's own flush at exit does not fail a second time. Characters stdout's
encoding cannot show (PYTHONIOENCODING=ascii) are written as \\u escapes.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import sys
from pathlib import Path

from tracker.errors import TrackerError

# The most tracker reads from one file or stdin (import, apply), unless
# TRACKER_MAX_INPUT says otherwise: an export of a million items (about 800 MB) is
# under it, and /dev/zero given by mistake is refused instead of filling the memory.
DEFAULT_MAX_INPUT = 1024 ** 3
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


class StdoutLost(Exception):
    """Writing to stdout failed: not an OSError, so that no handler of file errors takes it for its own."""

    def __init__(self, error: OSError):
        self.errno = error.errno
        super().__init__("stdout is closed" if error.errno == errno.EBADF else reason(error))


class _Stdout(io.RawIOBase):
    """File descriptor 1, whose write errors become StdoutLost (a closed reader stays BrokenPipeError)."""

    def __init__(self, closed_at_start: bool):
        super().__init__()
        self.closed_at_start = closed_at_start
        self.lost = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return 1

    def isatty(self) -> bool:
        return not self.closed_at_start and os.isatty(1)

    def write(self, data) -> int:
        if self.lost:
            return len(data)        # already reported: the rest goes nowhere
        try:
            if self.closed_at_start:
                raise OSError(errno.EBADF, os.strerror(errno.EBADF))
            return os.write(1, data)
        except BrokenPipeError:
            raise
        except OSError as error:
            self.lost = True
            raise StdoutLost(error) from None


def guard() -> None:
    """Set up the standard streams of a run from the command line (not of tests in-process)."""
    closed = [fd for fd in (0, 1, 2) if not _is_open(fd)]
    for fd in closed:
        null = os.open(os.devnull, os.O_RDWR)
        if null != fd:
            os.dup2(null, fd)
            os.close(null)
    if 2 in closed:
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace",
                                      line_buffering=True)
    if 0 in closed:
        sys.stdin = None        # read_input() says it is closed
    original = sys.stdout
    encoding = original.encoding if original is not None else "utf-8"
    line_buffering = original.line_buffering if original is not None else False
    if original is not None:
        original.flush()
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_Stdout(closed_at_start=1 in closed)),
                                  encoding=encoding, errors="backslashreplace", line_buffering=line_buffering)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def reason(error: OSError) -> str:
    """An OSError's reason as it reads inside a sentence: "no space left on device"."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]


def max_input() -> int:
    """The most bytes tracker reads from one file or stdin: TRACKER_MAX_INPUT, or 1 GiB."""
    given = os.environ.get("TRACKER_MAX_INPUT", "").strip()
    if not given:
        return DEFAULT_MAX_INPUT
    match = re.fullmatch(r"([0-9]{1,15})\s*([kmg]?)(?:i?b)?", given, re.IGNORECASE)
    if match is None or int(match.group(1)) == 0:
        raise TrackerError(f"TRACKER_MAX_INPUT={given[:40]!r} is not a size: give bytes, or K, M or G, "
                           "such as 512M")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def size_text(size: int) -> str:
    for unit, factor in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"


def read_input(path: Path) -> bytes | bytearray:
    """The bytes of a file, or of stdin for "-", refused past max_input()."""
    limit = max_input()
    if str(path) == "-":
        if sys.stdin is None:
            raise TrackerError("cannot read stdin: it is closed; give a file, or pipe one in")
        return _read_at_most(sys.stdin.buffer, "stdin", limit)
    with open(path, "rb") as stream:
        return _read_at_most(stream, str(path), limit)


def open_input(path: Path, whole_below: int):
    """A file, or stdin for "-", refused past max_input() as read_input() refuses it:
    its bytes when it holds fewer than `whole_below`, else a seekable binary file to
    read as a stream (stdin, a pipe or a device copied first into a temporary file,
    so that memory stays flat and it can be read more than once). The caller closes it."""
    limit = max_input()
    if str(path) == "-":
        if sys.stdin is None:
            raise TrackerError("cannot read stdin: it is closed; give a file, or pipe one in")
        return _spooled(sys.stdin.buffer, "stdin", limit, whole_below)
    stream = open(path, "rb")
    try:
        try:
            found = os.fstat(stream.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            found = None
        if found is None or not stat.S_ISREG(found.st_mode):
            return _spooled(stream, str(path), limit, whole_below)
        if found.st_size > limit:
            raise _too_large(str(path), limit)
        if found.st_size < whole_below:
            return stream.read()
        # A file of known size, read as a stream: the caller's to close.
        opened, stream = stream, None
        return opened
    finally:
        if stream is not None:
            stream.close()


def _spooled(stream, name: str, limit: int, whole_below: int):
    """What a stream holds: its bytes if fewer than `whole_below`, else a temporary file of them."""
    head = stream.read(min(whole_below, limit + 1))
    if len(head) < whole_below:
        if len(head) > limit:
            raise _too_large(name, limit)
        return head
    import tempfile

    spool = tempfile.TemporaryFile()
    try:
        spool.write(head)
        total = len(head)
        while chunk := stream.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise _too_large(name, limit)
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def _too_large(name: str, limit: int) -> TrackerError:
    return TrackerError(f"{name} is larger than {size_text(limit)}, the most tracker reads from one input: "
                        "split it, or raise the limit with TRACKER_MAX_INPUT (such as 4G)")


def _read_at_most(stream, name: str, limit: int) -> bytes | bytearray:
    try:
        found = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        found = None
    if found is not None and stat.S_ISREG(found.st_mode):
        # A file of known size: refused before it is read, else read at once.
        data = stream.read() if found.st_size <= limit else None
    else:
        # A pipe, a device (/dev/zero): into a buffer one byte larger than the limit,
        # whose memory is taken only as it fills.
        data = bytearray(limit + 1)
        view, filled = memoryview(data), 0
        while filled <= limit:
            count = stream.readinto(view[filled:])
            if not count:
                break
            filled += count
        view.release()
        del data[filled:]
    if data is None or len(data) > limit:
        raise _too_large(name, limit)
    return data
