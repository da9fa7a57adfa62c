"""The errors a user can cause, and the exit code each one gets."""

import re


class TrackerError(Exception):
    """An expected failure: printed as one line on stderr, never as a traceback."""

    exit_code = 1


class BadArgument(TrackerError):
    """The command line (or a file it names) holds something tracker cannot accept."""

    exit_code = 2


class Interrupted(TrackerError):
    """Ctrl-C during a command that writes: what it wrote is rolled back (the shell's code for SIGINT)."""

    exit_code = 130


# A number as tracker reads it: in digits 0-9. Python's int() and float() also read
# other scripts' digits ("٣" is 3) and underscores ("1_0").
_WHOLE = re.compile(r"\s*[+-]?[0-9]+\s*")
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def in_digits(value: str, whole: bool = False) -> bool:
    """Whether `value` is a number (a whole one, if asked) written in digits 0-9."""
    return (_WHOLE if whole else _DECIMAL).fullmatch(value) is not None


def closest(word: str, choices) -> list[str]:
    """What a mistyped word most likely meant: the choices it begins (--stat, --status),
    else the nearest in spelling (lst, list), best first; none when nothing is near.
    Case is ignored (asia/kolkata, Asia/Kolkata); the choices are named as they are written."""
    word = word.lower()
    if not word:
        return []
    written = {}
    for choice in choices:
        written.setdefault(choice.lower(), choice)
    starting = [choice for lower, choice in written.items() if lower.startswith(word)]
    if starting:
        return starting[:3]
    from difflib import get_close_matches     # only when something is mistyped

    return [written[lower] for lower in get_close_matches(word, list(written), n=3, cutoff=0.6)]


def did_you_mean(suggestions: list[str]) -> str:
    return f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""


# How much of a value an error message quotes: enough to recognise it, never the
# whole of a 10 MB field.
EXCERPT_CHARS = 60


def excerpt(value, limit: int = EXCERPT_CHARS) -> str:
    """A value as an error message quotes it: escaped as Python writes a string (control
    characters, lone surrogates and direction marks as \\x, \\u escapes), at most `limit`
    characters of it, then its length. Not a string: its type, never its whole repr (a
    list nested a thousand deep, an integer of a million digits)."""
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        digits = len(str(abs(value))) if value.bit_length() < 10_000 else None
        if digits is not None and digits <= 24:
            return str(value)
        return f"a number of {digits:,} digits" if digits else "a number of thousands of digits"
    return f"a {'list' if isinstance(value, list) else 'object' if isinstance(value, dict) else type(value).__name__}"


def readable(value: str) -> bool:
    """Whether a string is text that UTF-8 can hold: not a lone surrogate (a "\\ud800"
    in a JSON file) nor a byte that was not UTF-8 (argv decodes those as \\udcXX)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def not_text(what: str, value: str) -> BadArgument:
    """The refusal of a string that is not valid UTF-8 text."""
    return BadArgument(f"{what} is not valid text (UTF-8): {excerpt(value)} holds bytes or halves of characters "
                       "that are not text; give it in UTF-8")


# Items read with damaged columns (see tracker check): label -> what is wrong. A read
# shows what it can and names them at the end (the CLI turns this into one line, exit 1).
damaged: dict[str, str] = {}
# Set once the database has given text that is not UTF-8 (read mended, as U+FFFD).
undecodable = False


def note_damage(label: str, what: str) -> None:
    damaged.setdefault(label, what)


def damage_message(first: str | None = None, nothing_changed: bool = False) -> str:
    """The line that names the damage a run met: `first` (else the first met), how many
    more, and what to do."""
    first = first or next(iter(damaged))
    what = damaged[first]
    more = len(damaged) - 1
    return (f"{first} is damaged in the database ({what})" + (f", and {more} more item{'s' * (more != 1)}" if more else "")
            + (": nothing was changed" if nothing_changed else ": read around the damage")
            + "; run `tracker check` to find and repair it, "
            "or restore the last backup (`tracker backup`)")
