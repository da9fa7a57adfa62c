"""Reading a large file as a stream, an entry at a time: memory flat however large it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


class _Unstreamable(Exception):
    """The stream parser would read this file otherwise than json does, or not at all
    (bad JSON, a number past 64 bits, a lone half of a character, nesting thousands
    deep): the import is rolled back and the file read whole instead."""


def _stream_parser():
    """ijson's C parser (yajl2_c), or None where it is missing: then every file is read
    whole (the pure-Python parsers would take ten times as long)."""
    try:
        import ijson

        return ijson.get_backend("yajl2_c")
    except ImportError:
        return None


_SURROGATE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
# The most brackets opened in one read, or open at once, in a file read as a stream:
# an export nests four deep. Deeper is read whole, where json refuses it in one line
# (the stream parser would take a million levels, and fail in C).
_MOST_NESTED = 4096



class _Unmarked:
    """A file as the stream parser reads it: without a byte-order mark, as some
    Windows editors write (not part of the text)."""

    def __init__(self, file, progress=None):
        self.file, self.started, self.progress = file, False, progress

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""          # the parser asks what kind of file it has: nothing is read
        data = self.file.read(size)
        if self.progress is not None:
            self.progress.advance(len(data))
        if not self.started:
            self.started = True
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
        return data


class _Checked(_Unmarked):
    """Each read checked before the stream parser has it: valid UTF-8, no JSON escape
    of half a character, no deep nesting; else _Unstreamable. Each check in C, the
    costlier ones only where a cheap one finds something.

    With `cut`, the reading ends where the log begins (`], "history":` after the
    items): the parser of the items is given a `}` there, and `self.cut` is the
    offset to read the log from, so that neither part is read twice. A false match
    (a "history" key inside an item) leaves JSON that is not whole: read whole then."""

    def __init__(self, file, progress=None, cut: bool = False, start: bytes = b""):
        import codecs

        super().__init__(file, progress)
        self.depth, self.tail, self.opens = 0, b"", b""
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.cutting, self.cut, self.ended = cut, None, False
        self.start = start
        if start:
            self.started = True

    def read(self, size: int = -1) -> bytes:
        if self.ended or size == 0:
            return b""
        data = super().read(size)
        # ASCII needs no decoding, unless a character began at the end of the read before.
        if not data.isascii() or self.decoder.getstate()[0]:
            try:
                self.decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                raise _Unstreamable from None
        joined = self.tail + data
        if _SURROGATE_BYTES.search(joined):
            raise _Unstreamable
        brackets = data.translate(None, _NOT_BRACKETS)
        opened = brackets.count(b"[") + brackets.count(b"{")
        self.depth += 2 * opened - len(brackets)
        # Hundreds of levels need as many brackets opened with none closed between.
        runs = self.opens + brackets
        if opened > _MOST_NESTED or self.depth > _MOST_NESTED or _DEEP.search(runs):
            raise _Unstreamable
        self.opens, self.tail = runs[-_DEEP_LEVELS:], data[-16:]
        if self.cutting and b'"history"' in joined:
            found = _LOG_NEXT.search(joined)
            at = found.start() - (len(joined) - len(data)) if found else -1
            if at >= 0:
                self.cut = self.file.tell() - len(data) + at + 1
                self.ended = True
                data = data[:at + 1] + b"}"
        if self.start:
            data, self.start = self.start + data, b""
        return data


# Every byte but the four brackets, to delete.
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEEP_LEVELS = 256
_DEEP = re.compile(rb"[\[{]{%d}" % _DEEP_LEVELS)
# The end of the items, and the log next.
_LOG_NEXT = re.compile(rb'\]\s*,\s*"history"\s*:')


def _streamed(file, prefix: str, progress, reader) -> Iterator:
    """The values at `prefix` ("items.item") that `reader` gives the stream parser, one at a time."""
    from ijson.common import JSONError

    parsed = _stream_parser().items(reader, prefix, use_float=True)
    while True:
        try:
            value = next(parsed)
        except StopIteration:
            return
        except (JSONError, ValueError, RecursionError):
            raise _Unstreamable from None
        yield value


def _prologue(file) -> dict[str, Any]:
    """What an export says before its items (format, version, exported), read up to
    the start of the items. Any other shape is read whole."""
    from ijson.common import JSONError

    file.seek(0)
    events = _stream_parser().parse(_Checked(file), use_float=True)
    found: dict[str, Any] = {}
    try:
        if next(events)[1] != "start_map":
            raise _Unstreamable
        for prefix, event, key in events:
            if event != "map_key":
                raise _Unstreamable         # the end of the document, and no items
            _, event, value = next(events)
            if key == "items" and event == "start_array":
                found["items"] = []         # read next, one at a time
                return found
            if key == "feeds" and key not in found:     # before the items (tracker/feeds/transfer.py)
                from tracker.feeds.transfer import read_member

                found[key] = read_member(events, event, value)
                continue
            if key in found or key == "history" or event in ("start_map", "start_array"):
                raise _Unstreamable
            found[key] = value
    except (JSONError, ValueError, RecursionError, StopIteration):
        raise _Unstreamable from None
    raise _Unstreamable
