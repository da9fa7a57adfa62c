"""Events, agreements, their vocabularies and references (E1, A3).

The vocabularies are repeated as CHECK constraints in schema.sql; a test keeps
the two in step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from tracker.errors import BadArgument, closest, did_you_mean, excerpt, not_text, readable

ItemType = Literal["event", "agreement"]

EVENT_KINDS = (
    "summit", "state-visit", "official-visit", "meeting", "talks",
    "conference", "ceremony", "deadline", "other",
)
AGREEMENT_KINDS = (
    "treaty", "agreement", "mou", "pact", "contract", "deal", "statement",
    "programme", "other",
)
# In the order things usually move.
EVENT_STATUSES = ("rumoured", "announced", "confirmed", "held", "postponed", "cancelled")
AGREEMENT_STATUSES = (
    "rumoured", "expected", "negotiating", "initialled", "signed", "ratified",
    "in-force", "stalled", "dropped",
)

KINDS: dict[str, tuple[str, ...]] = {"event": EVENT_KINDS, "agreement": AGREEMENT_KINDS}
STATUSES: dict[str, tuple[str, ...]] = {"event": EVENT_STATUSES, "agreement": AGREEMENT_STATUSES}

# An event is over for `tracker list` once it is held or cancelled; an
# agreement is settled once signed (or beyond) or dropped.
# Events under way are looked for among those that started within this many days
# (list and countdown read an index from then on, so they stay flat at any size).
LONGEST_EVENT_DAYS = 366

CLOSED_STATUSES: dict[str, tuple[str, ...]] = {
    "event": ("held", "cancelled"),
    "agreement": ("signed", "ratified", "in-force", "dropped"),
}

PREFIX = {"event": "E", "agreement": "A"}
TYPE_OF_PREFIX = {"E": "event", "A": "agreement"}

# The numbers of a series: an event's place in it (no. 23), never thousands of digits.
MAX_SERIES_NUMBER = 1_000_000
# The most rows a --limit asks for: more than any database holds, and an SQLite integer.
MAX_LIMIT = 2**31 - 1

# Fields that hold lists; the change log keeps them as JSON arrays.
LIST_FIELDS = ("parties", "tags")

_REF = re.compile(r"\s*([EeAa])([0-9]{1,18})\s*")


# Texts already read as references: an import meets each one several times. At
# most REFS_KEPT of them, so that a million-item import keeps its memory flat.
_REFS: dict[str, Ref] = {}
REFS_KEPT = 50_000


class Ref(NamedTuple):
    """E3, A12. A named tuple, not a dataclass: an import makes and hashes a few
    hundred thousand of these, and a tuple does both in C."""

    type: ItemType
    num: int

    def __str__(self) -> str:
        return f"{PREFIX[self.type]}{self.num}"


def parse_ref(text: str, *, want: ItemType | None = None, what: str = "reference") -> Ref:
    """`a3`, `A3` or ` E1 ` to a Ref; BadArgument naming the valid forms otherwise."""
    ref = _REFS.get(text) if isinstance(text, str) else None
    if ref is None:
        match = _REF.fullmatch(text or "") if isinstance(text, str) else None
        if not match or int(match.group(2)) == 0:
            raise BadArgument(
                f"{what} {excerpt(text)} is not a reference: use E<n> for an event or A<n> for an agreement"
            )
        ref = Ref(TYPE_OF_PREFIX[match.group(1).upper()], int(match.group(2)))
        if len(_REFS) >= REFS_KEPT:
            _REFS.clear()
        _REFS[text] = ref
    if want and ref.type != want:
        raise BadArgument(f"{what} {ref} is an {ref.type}, but it must be an {want} ({PREFIX[want]}<n>)")
    return ref


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """Normalise case and spacing, and name the valid choices when it is not one."""
    normal = (value or "").strip().lower().replace("_", "-").replace(" ", "-")
    if normal not in choices:
        raise BadArgument(f"{what} {excerpt(value)} is not one of: {', '.join(choices)}"
                          f"{did_you_mean(closest(normal, choices) if normal else [])}")
    return normal


def check_title(value: str) -> str:
    if value is None or not value.strip():
        raise BadArgument("the title is empty: give a title with some text in it")
    title = value.strip()
    if not readable(title):
        raise not_text("the title", title)
    # A title is one line: a break in it (any that str.splitlines knows) would print as
    # a line of its own, such as a fake "status signed" under `show`.
    if len(title.splitlines()) > 1:
        raise BadArgument("the title holds a line break: give it on one line")
    return title


_URL_START = re.compile(r"(?i)https?://[^\s/]")
_SPACE = re.compile(r"\s")


def check_source(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _URL_START.match(value) or _SPACE.search(value):
        raise BadArgument(f"source {excerpt(value)} is not an http or https URL: give one like https://example.org/story")
    return value


def check_names(values: list[str] | None, what: str) -> list[str]:
    """Parties and tags: stripped, none blank, no repeats (first spelling kept)."""
    seen: dict[str, str] = {}
    for value in values or []:
        name = (value or "").strip()
        if not name:
            raise BadArgument(f"a {what} is blank: give a name")
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


# The longest name a change is recorded `by`: a user name, an e-mail address, a role.
MAX_BY = 100


def check_by(value, what: str) -> str | None:
    """Who made a change, as TRACKER_USER or a file gives it: a name on one line of
    printable characters, at most MAX_BY long; None when blank (no name known)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadArgument(f"{what} must be a name (a string), not {excerpt(value)}")
    name = value.strip()
    if not name:
        return None
    if not readable(name):
        raise not_text(what, name)
    if not name.isprintable():
        raise BadArgument(f"{what} {excerpt(name)} holds a control character: give a name on one line "
                          "without them")
    if len(name) > MAX_BY:
        raise BadArgument(f"{what} is {len(name):,} characters long: give a name of at most {MAX_BY}")
    return name


def check_sector(value: str) -> str:
    sector = (value or "").strip().lower()
    if not sector:
        raise BadArgument("the sector is blank: give one such as defence, trade or labour")
    return sector


@dataclass
class Item:
    """One event or agreement as tracker shows it."""

    ref: Ref
    uid: str
    title: str
    kind: str
    status: str
    parties: list[str]
    tags: list[str]
    created: str
    updated: str
    removed: str | None = None
    # Events.
    start: str | None = None
    end: str | None = None
    tz: str | None = None
    location: str | None = None
    parent: Ref | None = None
    series: str | None = None
    series_number: int | None = None
    # Agreements.
    event: Ref | None = None
    sector: str | None = None
    due: str | None = None
    # Sort keys, UTC; not part of the item's JSON.
    start_utc: str | None = field(default=None, repr=False)
    end_utc: str | None = field(default=None, repr=False)
    due_utc: str | None = field(default=None, repr=False)
    # The zone of the event it belongs to: an agreement's due date is a day there.
    link_tz: str | None = field(default=None, repr=False)

    @property
    def type(self) -> ItemType:
        return self.ref.type

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES[self.type]


@dataclass
class Change:
    """One row of the change log."""

    ref: Ref
    field: str | None
    old: str | list[str] | None
    new: str | list[str] | None
    on: str
    recorded: str
    source: str | None
    note: str | None
    title: str = ""   # the item's current title, for people reading a log
    within: Ref | None = None   # the event the item belongs to, for grouping
    early: bool = False         # it happened before the item's creation (logged late, dated back)
    id: int | None = None       # its row in the log: how `tracker retract` names it
    retracted: bool = False     # a note withdrawn since (`tracker retract`, `tracker undo`)
    by: str | None = None       # who made it (None: logged before version 11, or no name known)


# What a PostgreSQL database is named by (--db, TRACKER_DB, copy's --to/--from): a URL,
# in libpq's two schemes. Here rather than in the store, so that start-up and a Tab
# can tell a URL from a file without loading the store.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_url(target) -> bool:
    """Whether a database is named by a PostgreSQL URL rather than a file's path."""
    return isinstance(target, str) and target.startswith(POSTGRES_SCHEMES)
