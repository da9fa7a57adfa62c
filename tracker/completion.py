"""Shell completion: the values each option takes, from the vocabularies and the database.

Loaded only while a shell asks for completions (_TRACKER_COMPLETE is set): tracker/cli.py
then hands each command it builds to `attach`. Every answer reads an index in order with
a LIMIT, so that a Tab stays instant at 100k items; the database is opened read-only and
never created or migrated, and any failure completes nothing rather than print an error
into the user's command line.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

try:        # newer Typers carry their own copy of Click, older ones use Click's
    from typer._click.shell_completion import CompletionItem, add_completion_class
except ImportError:
    from click.shell_completion import CompletionItem, add_completion_class
from typer._completion_classes import BashComplete, FishComplete, ZshComplete

from tracker.model import KINDS, PREFIX, STATUSES, is_url

# At most this many values per Tab: more is a screenful nobody reads.
MOST = 50

_REF_PREFIX = re.compile(r"([EeAa]?)([0-9]{0,18})")
_TYPES = {"e": ("event",), "a": ("agreement",), "": ("event", "agreement")}


def attach(command) -> None:
    """Give the parameters of a command (and of its subcommands) their completions."""
    for sub in getattr(command, "commands", {}).values():
        attach(sub)
    for param in command.params:
        complete = _COMPLETIONS.get(param.name if param.param_type_name == "argument" else
                                    next((opt for opt in param.opts if opt.startswith("--")), ""))
        if complete is not None:
            # Click's hook for a parameter's own completions (what shell_complete= sets):
            # set here, while completing, so that no other run pays for it.
            param._custom_shell_complete = complete


def command_names(group, ctx, incomplete: str) -> list[CompletionItem]:
    """tracker's commands that begin with what is typed. Their help (what zsh and fish show
    beside them) means building each command: not for bash, which shows names only."""
    from tracker.cli import COMPLETE_VAR

    names = [name for name in group.list_commands(ctx) if name.startswith(incomplete)]
    if os.environ.get(COMPLETE_VAR, "").endswith("bash"):
        return [CompletionItem(name) for name in names]
    return [CompletionItem(name, help=group.get_command(ctx, name).get_short_help_str()) for name in names]


def _values(incomplete: str, values) -> list[CompletionItem]:
    """The values that begin with what is typed (any case)."""
    typed = incomplete.lower()
    found = [value for value in dict.fromkeys(values) if value.lower().startswith(typed)]
    return [CompletionItem(value) for value in found[:MOST]]


def _types(ctx) -> tuple[str, ...]:
    """The item types the command at hand is about: add event, add agreement, the type of
    update's REF, list's [events|agreements]; both when it cannot tell."""
    path = ctx.command_path.split()
    if path[-1] in ("event", "agreement") and len(path) > 2:
        return (path[-1],)
    # While an option waits for its value, Click's reading stops and leaves REF unread.
    ref = ctx.params.get("ref") or next((arg for arg in ctx.args if not arg.startswith("-")), None)
    if ref and ref[:1].lower() in ("e", "a"):
        return _TYPES[ref[:1].lower()]
    what = (ctx.params.get("what") or "").lower().rstrip("s")
    if what in ("event", "agreement"):
        return (what,)
    return ("event", "agreement")


def _statuses(ctx, param, incomplete):
    return _values(incomplete, [status for kind in _types(ctx) for status in STATUSES[kind]])


def _kinds(ctx, param, incomplete):
    return _values(incomplete, [kind for item_type in _types(ctx) for kind in KINDS[item_type]])


def _clearable(ctx, param, incomplete):
    from tracker.core import CLEARABLE

    return _values(incomplete, [name for item_type in _types(ctx) for name in CLEARABLE[item_type]])


def _what(ctx, param, incomplete):
    return _values(incomplete, ["events", "agreements"])


def _formats(ctx, param, incomplete):
    return _values(incomplete, ["text", "md", "html", "json"])


def _zones(ctx, param, incomplete):
    return _values(incomplete, zone_names())


def zone_names() -> list[str]:
    """The IANA zone names, from the list the zone database ships (tzdata.zi: a millisecond),
    else by opening every zone file (zoneinfo.available_timezones: tens of milliseconds)."""
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        try:
            lines = Path(folder, "tzdata.zi").read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        # "Z Asia/Kolkata 5:53:28 ..." names a zone, "L Asia/Kolkata Asia/Calcutta" a link.
        return sorted({line.split()[1 if line[0] == "Z" else 2] for line in lines if line[:2] in ("Z ", "L ")})
    return sorted(zoneinfo.available_timezones())


def _database(ctx) -> sqlite3.Connection | None:
    """The run's database (--db, TRACKER_DB, the default), read-only; None if there is none,
    or if it is a PostgreSQL database: a Tab never connects to a server (a round trip, a
    password prompt), so a desk's values are not completed, and nothing else is lost."""
    from tracker.cli import default_db_path

    root = ctx.find_root()
    given = root.params.get("db")
    if is_url(given):
        return None
    path = Path(given).expanduser() if given else default_db_path()
    if not path.is_file():
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None


def _from_database(read):
    """A completion that reads the database; nothing when it cannot."""

    def complete(ctx, param, incomplete):
        conn = _database(ctx)
        if conn is None:
            return []
        try:
            return read(conn, ctx, incomplete)
        except sqlite3.Error:
            return []
        finally:
            conn.close()

    return complete


def ref_numbers(digits: str, highest: int) -> list[tuple[int, int]]:
    """The ranges of numbers whose decimal form begins with `digits`, up to `highest`:
    "3" is 3, 30-39, 300-399 ... Each range is one seek in the (type, num) index."""
    if not digits:
        return [(1, highest)] if highest >= 1 else []
    ranges, low = [], int(digits)
    if low == 0:
        return []
    width = 1
    while low <= highest:
        ranges.append((low, min(low + width - 1, highest)))
        low, width = low * 10, width * 10
    return ranges


def _read_refs(types_of):
    def read(conn, ctx, incomplete):
        match = _REF_PREFIX.fullmatch(incomplete.strip())
        if not match:
            return []
        letter, digits = match.group(1).lower(), match.group(2)
        found = []
        for item_type in (t for t in types_of(ctx) if t in _TYPES[letter]):
            highest = conn.execute("SELECT max(num) FROM items WHERE type = ?", (item_type,)).fetchone()[0] or 0
            for low, high in ref_numbers(digits, highest):
                if len(found) >= MOST:
                    break
                # Without digits, the newest first: the items people are working on.
                order = "DESC" if not digits else "ASC"
                rows = conn.execute(
                    f"SELECT num, title FROM items WHERE type = ? AND num BETWEEN ? AND ? AND removed IS NULL "
                    f"ORDER BY num {order} LIMIT ?", (item_type, low, high, MOST - len(found))).fetchall()
                found += [(f"{PREFIX[item_type]}{num}", title) for num, title in rows]
        # Typed in lower case (a3), offered as typed: shells keep only what begins with it.
        typed_lower = match.group(1).islower()
        return [CompletionItem(ref.lower() if typed_lower else ref, help=_one_line(title))
                for ref, title in found[:MOST]]

    return read


def _one_line(text: str) -> str:
    from tracker.render.safe import printable

    return printable(" ".join(text.split()))


def _read_distinct(table: str, column: str, collate: str = ""):
    """The distinct values of an indexed column that begin with what is typed: one seek per
    value (a skip through the index), not a scan of every row."""

    def read(conn, ctx, incomplete):
        values, after = [], incomplete
        first = True
        while len(values) < MOST:
            row = conn.execute(
                f"SELECT {column} FROM {table} WHERE {column} {'>=' if first else '>'} ? {collate} "
                f"ORDER BY {column} {collate} LIMIT 1", (after,)).fetchone()
            if row is None or not row[0].lower().startswith(incomplete.lower()):
                break
            values.append(row[0])
            after, first = row[0], False
        return _values(incomplete, values)

    return read


_refs = _from_database(_read_refs(_types))
_events = _from_database(_read_refs(lambda ctx: ("event",)))

# By argument name (REF, [events|agreements]) and by option.
_COMPLETIONS = {
    "ref": _refs,
    "what": _what,
    "--status": _statuses,
    "--kind": _kinds,
    "--clear": _clearable,
    "--format": _formats,
    "--tz": _zones,
    "--in": _events,
    "--event": _events,
    "--sector": _from_database(_read_distinct("items", "sector")),
    "--party": _from_database(_read_distinct("item_parties", "party", "COLLATE NOCASE")),
    "--tag": _from_database(_read_distinct("item_tags", "tag", "COLLATE NOCASE")),
    "--series": _from_database(_read_distinct("items", "series", "COLLATE NOCASE")),
}


# The shells' answers, as Typer writes them but for three things: a value with a space
# (United States) is escaped for bash; help texts (titles: untrusted) are printed
# literally, where Typer would read them as Rich markup; and a path is left to the
# shell's own file completion, where Typer would echo what was typed.
class _Answers:
    def get_completions(self, args, incomplete):
        from tracker.render.safe import one_line

        # A value with a control character (a party named with an ESC in it) is not
        # offered: the shell would print it raw, and nobody types it anyway.
        return [item for item in super().get_completions(args, incomplete)
                if item.type == "plain" and one_line(item.value) == item.value]


class _Bash(_Answers, BashComplete):
    def format_completion(self, item: CompletionItem) -> str:
        return re.sub(r"([^\w@%+=:,./-])", r"\\\1", item.value)


def zsh_word(text: str) -> str:
    """The text as one zsh word that means it literally: $'...' with every ASCII character
    but letters and digits written as \\xHH. Typer's script runs `eval $(tracker)`, which
    splits the answer at blanks and joins it again, and _arguments would read quotes and
    backslashes once more; a word made of letters, digits and escapes goes through both."""
    return "$'" + "".join(char if char.isalnum() or not char.isascii() else f"\\x{ord(char):02x}"
                          for char in text) + "'"


def _doubled_backslashes(text: str) -> str:
    return text.replace("\\", "\\\\")


class _Zsh(_Answers, ZshComplete):
    def format_completion(self, item: CompletionItem) -> str:
        # _describe reads "value:description" and takes a backslash as an escape in both
        # (titles shown with \x1b keep it doubled); a colon in the value is escaped for it.
        value = _doubled_backslashes(item.value).replace(":", "\\:")
        return zsh_word(f"{value}:{_doubled_backslashes(item.help)}" if item.help else value)

    def complete(self) -> str:
        args, incomplete = self.get_completion_args()
        answers = [self.format_completion(item) for item in self.get_completions(args, incomplete)]
        if not answers:
            return "_files"
        # -V: an unsorted group, so that zsh keeps tracker's order (references newest first).
        return f"local -a tracker_answers; tracker_answers=({' '.join(answers)}); " \
               f"_describe -V -t tracker-values value tracker_answers"


class _Fish(_Answers, FishComplete):
    def format_completion(self, item: CompletionItem) -> str:
        if item.help:
            return f"{item.value}\t{' '.join(item.help.split())}"
        return item.value


def register() -> None:
    """Use these answers for bash, zsh and fish (Typer registers its own first)."""
    for shell in (_Bash, _Zsh, _Fish):
        add_completion_class(shell, shell.name)
