"""The two file formats (an export, a file of updates): a whole file read and checked,
and the readers of one field of an entry."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker import dates
from tracker.errors import BadArgument, TrackerError, excerpt, not_text, readable

FORMAT = "tracker-export"
UPDATES_FORMAT = "tracker-updates"
# What each format is, and the command that reads it.
_READERS = {FORMAT: ("an export", "import"), UPDATES_FORMAT: ("a file of updates", "apply")}
VERSION = 1


def _name(path: Path) -> str:
    return "stdin" if str(path) == "-" else str(path)


def read_document(path: Path, kind: str = FORMAT, key: str = "items") -> dict[str, Any]:
    from tracker.streams import read_input

    name = _name(path)
    try:
        data = read_input(path)
    except FileNotFoundError:
        raise BadArgument(f"no file {name}: check the path") from None
    except OSError as error:
        raise BadArgument(f"cannot read {name}: {error}") from None
    return _parse_document(data, path, kind, key)


def _wanted(kind: str, key: str) -> str:
    return ("a file written by `tracker export`" if kind == FORMAT else
            f'a {kind} file, {{"format": "{kind}", "version": {VERSION}, "{key}": [...]}} (see JSON shapes in the README)')


def _parse_document(data: bytes, path: Path, kind: str, key: str) -> dict[str, Any]:
    """A whole file, read as json reads it, and checked to be what `kind` reads."""
    name = _name(path)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is not part of the text.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadArgument(f"{name} is not valid text (UTF-8): byte {error.start:,} is not UTF-8; "
                          "save the file as UTF-8") from None
    wanted = _wanted(kind, key)
    try:
        document = json.loads(text)
    except ValueError as error:
        if "integer string conversion" in str(error):
            # Python's own words name one of its settings: say what is wrong with the file.
            raise BadArgument(f"{name} holds a number of more than 4,300 digits: give {wanted}") from None
        raise BadArgument(f"{name} is not JSON ({error}): give {wanted}") from None
    except RecursionError:
        # Python's JSON reader recurses once per level: hundreds of levels exhaust the stack.
        raise BadArgument(f"{name} is JSON nested hundreds of levels deep: give {wanted}") from None
    _check_text(document, text, name)
    _check_shape(document, path, kind, key)
    return document


def _check_shape(document: Any, path: Path, kind: str, key: str) -> None:
    """The format, version and lists of a file `kind` reads, or one line that says what it is instead."""
    name = _name(path)
    if not isinstance(document, dict) or document.get("format") != kind:
        found = document.get("format") if isinstance(document, dict) else None
        if isinstance(found, str) and found in _READERS:
            # The other of the two formats: the file is fine, the command is not.
            what, command = _READERS[found]
            raise BadArgument(f"{name} is {what} ({found}), not a {kind} file: "
                              f"load it with `tracker {command} {path}`")
        raise BadArgument(f"{name} is not a {kind} file (no \"format\": \"{kind}\")")
    version = document.get("version")
    # A JSON true is a Python int (1) too: the version is a number, and nothing else.
    if type(version) is not int or version != VERSION:
        raise BadArgument(f"{name} is a {kind} file of version {excerpt(version)}; this tracker reads version {VERSION}")
    if not isinstance(document.get(key), list) or not isinstance(document.get("history", []), list):
        raise BadArgument(f"{name}: \"{key}\" must be a list")


# A JSON escape of half of a character (a surrogate): "\ud83d\ude00" is one emoji, a
# "\ud800" alone is not text. Only a file that holds such escapes is walked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# What a file's lists are called in messages, one entry of each.
_ENTRY_NAMES = {"items": "item", "updates": "update", "history": "history entry"}


def _check_text(document: Any, text: str, name: str) -> None:
    """Refuse a file holding a string that is not text (a lone surrogate, from a JSON
    escape), naming where it is. Walked with a stack, not recursion, and only when such
    a string can be there: the file's bytes were decoded strictly, so only an escape
    can make one."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    # (value, where it is for a message, the name of its entries if it is a top list)
    pending: list[tuple[Any, str, str | None]] = [(document, "", None)]
    while pending:
        value, where, entries = pending.pop()
        if isinstance(value, str):
            if not readable(value):
                raise not_text(f"{name}: {where or 'the document'}", value)
        elif isinstance(value, dict):
            for key, inner in reversed(list(value.items())):
                if not readable(key):
                    raise not_text(f"{name}: a key{' in ' + where if where else ''}", key)
                pending.append((inner, f"{where}, {json.dumps(key)}" if where else json.dumps(key),
                                None if where else _ENTRY_NAMES.get(key)))
        elif isinstance(value, list):
            for index in range(len(value), 0, -1):
                pending.append((value[index - 1], f"{entries} {index}" if entries else f"{where}[{index}]", None))


# The readers of one field: their errors name the field, and the caller adds
# which entry of which file (only when something is wrong: a large import reads
# a million fields).
def _uid(entry: dict) -> str | None:
    """An item's uid from a file: printable text only. A uid names the item in other
    programs too (a calendar entry's UID and its address on a CalDAV server), where a
    line break or other control cannot go; tracker's own are UUIDs."""
    uid = _text(entry, "uid")
    if uid is not None and not uid.isprintable():
        bad = next(char for char in uid if not char.isprintable())
        raise BadArgument(f"\"uid\" holds the control character U+{ord(bad):04X}: give a uid of printable "
                          "characters, such as a UUID")
    return uid


def _text(entry: dict, key: str, required: bool = False) -> str | None:
    value = entry.get(key)
    if value.__class__ is str:
        return value
    if value is None:
        if required:
            raise BadArgument(f"\"{key}\" is missing")
        return None
    if not isinstance(value, str):
        raise BadArgument(f"\"{key}\" must be a string, not {type(value).__name__}")
    return value


def _names(entry: dict, key: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadArgument(f"\"{key}\" must be a list of strings")
    return value


def _number(entry: dict, key: str) -> int | None:
    value = entry.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadArgument(f"\"{key}\" must be a whole number")
    return value


def _stamp(entry: dict, key: str, required: bool = True) -> str | None:
    text = _text(entry, key, required)
    return None if text is None else dates.read_stamp(text, what=key)


def _within(where: str, error: TrackerError) -> TrackerError:
    """The same error (and exit code), its message saying which entry of which file."""
    message = str(error)
    return type(error)(message if message.startswith(where) else f"{where}: {message}")


def _counted(entries, progress) -> Iterator:
    for entry in entries:
        progress.advance()
        yield entry
