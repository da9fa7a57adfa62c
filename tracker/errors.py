"""The errors a user can cause, and the exit code each one gets."""


class TrackerError(Exception):
    """An expected failure: printed as one line on stderr, never as a traceback."""

    exit_code = 1


class BadArgument(TrackerError):
    """The command line (or a file it names) holds something tracker cannot accept."""

    exit_code = 2


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
