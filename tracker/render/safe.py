"""Untrusted text (titles, notes, sources come from the news) made safe to print.

Control characters would reach the terminal as commands (ESC starts colour,
cursor and OSC 8 hyperlink sequences; C1 CSI does the same on some terminals),
and bidirectional overrides can make text read differently from what it is.
They are shown as visible escapes instead: ESC prints as \\x1b.
"""

from __future__ import annotations

import re
from functools import lru_cache

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode
# direction and line-breaking controls.
_FORMAT_CONTROLS = [0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_UNSAFE = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *_FORMAT_CONTROLS]
# JSON escapes C0 itself; these are the rest.
_UNSAFE_IN_JSON = [*range(0x7F, 0xA0), *_FORMAT_CONTROLS]

# A str.translate table: applied in C, and built in microseconds where a regular
# expression over these ranges cost 1.5 ms to compile at every start.
_ESCAPES = {code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" for code in _UNSAFE}


# For a field that is one line (a title, a location, a message): a line feed too,
# which would start what reads as another field. Titles are refused with one, but
# older databases may hold them.
_ONE_LINE_ESCAPES = {**_ESCAPES, 0x0A: "\\n"}


def printable(text: str | None) -> str:
    """The text with every control character but tab and line feed shown as an escape,
    never sent raw: for text that may run over several lines, such as a note."""
    if not text:
        return text or ""
    if text.isascii() and text.isprintable():
        return text         # the usual case: checked in C, a tenth of translate()'s time
    return text.translate(_ESCAPES)


def one_line(text: str | None) -> str:
    """The text on one line, every control character (line feed too) shown as an escape."""
    if not text:
        return text or ""
    if text.isascii() and text.isprintable():
        return text         # no control character, not even a tab
    return text.translate(_ONE_LINE_ESCAPES)


def json_safe(document: str) -> str:
    """JSON text with the controls JSON leaves raw written as \\u escapes (still valid JSON).

    ASCII text has none of them but DEL (the usual case, checked in C); other text goes
    through a regular expression, which keeps up with an export of a million items
    where translate() would look up every character."""
    if document.isascii() and "\x7f" not in document:
        return document
    return _json_unsafe().sub(lambda match: f"\\u{ord(match.group()):04x}", document)


@lru_cache(maxsize=1)
def _json_unsafe() -> re.Pattern:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in _UNSAFE_IN_JSON) + "]")
