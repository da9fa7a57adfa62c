"""Text measured and broken into lines in terminal cells, as tables and help pages lay it
out: widths by what terminals show (not Rich's count for Indic vowel signs), lines broken
between words, CJK between characters, never before a combining mark, and phrases held
together with a no-break space.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rich.cells import cell_len

# A no-break space holds the words either side on one line ("2 days", "(in E1)") and
# prints as a plain space, so that piped output reads as any other text. The table is
# a view for people: a title's own no-break spaces print as spaces too.
GLUE = "\xa0"
_NUMBER_AND_UNIT = re.compile(r"(?<=\d) (?=\S)")
_BREAKS_BUT_GLUE = re.compile(r"[^\S\xa0]+")
_ASCII_WORD = re.compile(r"\S+")


def glued(phrase: str) -> str:
    """A phrase of tracker's with each number held to the word after it: "in 2 days 2 h"
    breaks as "in / 2 days / 2 h", never "2 / h"."""
    return _NUMBER_AND_UNIT.sub(GLUE, phrase)


def _one_cell_a_character(text: str) -> bool:
    """ASCII, or ASCII glued: each character takes one cell, none is wide or a mark."""
    return text.isascii() or (GLUE in text and text.replace(GLUE, "").isascii())


def _words(text: str) -> list[str]:
    """The pieces a line breaks between: split at spaces, but not at a no-break space."""
    if GLUE not in text:
        return text.split()
    return [word for word in _BREAKS_BUT_GLUE.split(text) if word]



def cells(text: str) -> int:
    """The cells a terminal gives `text`.

    Rich's cell_len, but for the spacing vowel signs of Devanagari, Bengali, Tamil...
    (Unicode category Mc): Rich counts them as zero, while terminals (wcwidth(3))
    give them a cell each. "वार्षिक" takes 5 cells, not 3; a Hindi title would
    overflow its column by one cell for each."""
    if _one_cell_a_character(text):
        return len(text)
    return _cells(text)


@lru_cache(maxsize=4096)
def _cells(text: str) -> int:
    return cell_len(text) + sum(1 for character in text
                                if character >= "\u0900" and unicodedata.category(character) == "Mc")


def _clusters(text: str) -> list[str]:
    """Characters with the marks that follow them: a line never starts with a mark."""
    clusters: list[str] = []
    for character in text:
        if clusters and (unicodedata.category(character) in ("Mn", "Mc", "Me")
                         or character in "\u200d\ufe0f" or clusters[-1].endswith("\u200d")):
            clusters[-1] += character
        else:
            clusters.append(character)
    return clusters


def _units(word: str) -> list[str]:
    """A word in the pieces a line may break between: each wide (CJK) character on its
    own, as CJK text breaks anywhere; any other run stays whole."""
    if _one_cell_a_character(word):
        return [word]
    pieces: list[str] = []
    run = ""
    for cluster in _clusters(word):
        if cell_len(cluster[0]) == 2:       # East Asian wide, not a letter with its marks
            if run:
                pieces.append(run)
                run = ""
            pieces.append(cluster)
        else:
            run += cluster
    if run:
        pieces.append(run)
    return pieces


@lru_cache(maxsize=4096)
def _word_sizes(word: str) -> tuple[tuple[int, ...], int]:
    """The widths of a word's unbreakable pieces, and of its widest character with its marks."""
    return tuple(cells(unit) for unit in _units(word)), max(map(cells, _clusters(word)))


@lru_cache(maxsize=4096)
def _line_ranges(plain: str, width: int) -> tuple[tuple[int, int], ...]:
    """Where each line of `plain` starts and ends when wrapped at `width` cells.

    Lines break between words; a word is cut only when it is longer than a line
    (between characters, never before a combining mark), and CJK text breaks
    between any two of its characters. Offsets, so that a cell of several styles
    is sliced with its styles (Text.wrap does this too, at several times the cost)."""
    ranges: list[tuple[int, int]] = []
    offset = 0
    width = max(width, 1)
    for paragraph in plain.split("\n"):
        start = end = -1        # the current line, in the paragraph; -1: none yet
        used = 0
        cursor = 0
        if paragraph.isascii():
            # The same, at a character a cell (most text): found by one regular
            # expression, measured by length, a long word cut every `width`.
            for match in _ASCII_WORD.finditer(paragraph):
                at, cursor = match.span()
                size = cursor - at
                if start >= 0 and used + (at - end) + size <= width:
                    end, used = cursor, used + (at - end) + size
                    continue
                if start >= 0:
                    ranges.append((offset + start, offset + end))
                while size > width:
                    ranges.append((offset + at, offset + at + width))
                    at, size = at + width, size - width
                start, end, used = at, cursor, size
            ranges.append((offset + max(start, 0), offset + max(end, 0)))
            offset += len(paragraph) + 1
            continue
        for word in _words(paragraph):
            at = paragraph.find(word, cursor)
            cursor = at + len(word)
            size = cells(word)
            gap = cells(paragraph[end:at]) if start >= 0 else 0
            if start >= 0 and used + gap + size <= width:
                end, used = cursor, used + gap + size
                continue
            pieces = _units(word)
            if size <= width and len(pieces) == 1:
                if start >= 0:
                    ranges.append((offset + start, offset + end))
                start, end, used = at, cursor, size
                continue
            # Cut the word: CJK continues the line it is on; anything else starts a
            # new one, so that as much of it as possible reads whole.
            if start >= 0 and len(pieces) == 1:
                ranges.append((offset + start, offset + end))
                start, gap = -1, 0
            position = at
            for piece in pieces:
                for part in ([piece] if cells(piece) <= width else _clusters(piece)):
                    size = cells(part)
                    if start >= 0 and used + gap + size <= width:
                        used += gap + size
                    else:
                        if start >= 0:
                            ranges.append((offset + start, offset + end))
                        start, used = position, size
                    gap = 0
                    position += len(part)
                    end = position
        ranges.append((offset + max(start, 0), offset + max(end, 0)))
        offset += len(paragraph) + 1
    return tuple(ranges)


def _wrap(plain: str, width: int) -> list[str]:
    """`plain` over lines of at most `width` cells (see _line_ranges)."""
    return [plain[start:end] for start, end in _line_ranges(plain, width)]
