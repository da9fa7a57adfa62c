"""Untrusted text (titles, notes, sources come from the news) made safe to print.

Control characters would reach the terminal as commands (ESC starts colour,
cursor and OSC 8 hyperlink sequences; C1 CSI does the same on some terminals),
and bidirectional overrides can make text read differently from what it is.
They are shown as visible escapes instead: ESC prints as \\x1b.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode
# direction and line-breaking controls.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# JSON escapes C0 itself; these are the rest.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str | None) -> str:
    """The text with every control character shown as an escape, never sent raw."""
    if not text:
        return text or ""
    return _UNSAFE.sub(_escape, text)


def json_safe(document: str) -> str:
    """JSON text with the controls JSON leaves raw written as \\u escapes (still valid JSON)."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", document)
