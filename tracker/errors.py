"""The errors a user can cause, and the exit code each one gets."""


class TrackerError(Exception):
    """An expected failure: printed as one line on stderr, never as a traceback."""

    exit_code = 1


class BadArgument(TrackerError):
    """The command line (or a file it names) holds something tracker cannot accept."""

    exit_code = 2
