"""Which item an entry is about: its parties, the words of its title, its event and dates.

Precision first. An item is about an entry only when every party of the item is named
in it (by name, people or capital: "Putin" is Russia) and the entry names no other
country beside them in the same breath, and when a word of its title that no other
candidate shares is there ("S-400" is A1; "defence" alone is A1 and A3, so neither).
Broad items ("Trade agreements and MoUs") are met by sector, through what a new
agreement is about (customs and postal MoUs are trade).
"""

from __future__ import annotations

import re
from datetime import date

from tracker.model import Item

# Other names of parties: people, capitals, adjectives. The party's own name is always one.
ALIASES: dict[str, tuple[str, ...]] = {
    "india": ("india", "indian", "indians", "new delhi", "delhi", "modi", "murmu", "mea", "fssai"),
    "russia": ("russia", "russian", "russians", "russian federation", "moscow", "putin", "kremlin",
               "uralchem", "rouble"),
    "united states": ("united states", "US", "U.S.", "american", "washington"),
    "european union": ("european union", "EU", "brussels"),
    "china": ("china", "chinese", "beijing", "xi jinping", "yuan"),
    "japan": ("japan", "japanese", "tokyo"),
    "eurasian economic union": ("eurasian economic union", "EAEU"),
}
# Countries an entry may be about instead: naming one beside a pair tracked makes the
# story another pair's ("Russia and China sign ...").
OTHERS = ("china", "japan", "oman", "jordan", "new zealand", "belarus", "vietnam", "turkey", "ankara", "tokyo",
          "beijing", "muscat", "central asia", "pakistan", "ukraine", "france", "germany", "brazil")

# Words of titles that say nothing of what an item is about.
STOP = frozenset("""
a an the of on for to in and or with at by from under between into its their his her this that these those
agreement agreements mou mous memorandum memorandums memoranda understanding pact pacts deal deals treaty
contract programme statement cooperation bilateral state states president prime minister official visit
summit annual new more other additional on about as is are was were be been being up down 23rd
""".split())
# Words that mean another (an alias of a subject, not of a party).
SYNONYMS = {"work": "labour", "workers": "labour", "employment": "labour", "shipping": "maritime",
            "ships": "maritime", "vessels": "maritime", "universities": "academic", "memorandums": "mou"}

# What an agreement is about, by sector: the words that put a subject there.
SECTORS: dict[str, tuple[str, ...]] = {
    "trade": ("trade", "customs", "postal", "e-commerce", "economic", "investment", "tariff", "payments"),
    "culture": ("culture", "cultural", "media", "film", "arts"),
    "science": ("science", "scientific", "research"),
    "technology": ("technology", "digital", "space"),
    "defence": ("defence", "military", "s-400", "fighter", "weapons"),
    "labour": ("labour", "work", "workers", "mobility"),
    "migration": ("migration",),
    "health": ("health", "medical", "medicine"),
    "food safety": ("food safety", "fssai"),
    "maritime": ("maritime", "polar", "shipping", "ships", "crews", "vessels", "port"),
    "education": ("academic", "education", "universities", "students"),
    "fertilisers": ("urea", "fertiliser", "fertilizer"),
    "tourism": ("visa", "tourist", "tourism", "e-tourist"),
    "energy": ("energy", "oil", "gas", "nuclear"),
}

_WORD = re.compile(r"[\w$]+(?:[-'’][\w]+)*")


def words(text: str) -> list[str]:
    """Lower-cased words; "US-India" is two, "S-400" and "e-commerce" one."""
    found = []
    for word in _WORD.findall(text):
        parts = word.split("-")
        if len(parts) > 1 and all(len(part) > 1 and part.isalpha() for part in parts):
            found.extend(parts)
        else:
            found.append(word)
    return [word.lower().replace("’", "'") for word in found]


def stem(word: str, synonyms: bool = True) -> str:
    if synonyms:
        word = SYNONYMS.get(word, word)
    for ending in ("ies", "es", "s"):
        if word.endswith(ending) and len(word) > len(ending) + 3:
            return word[: -len(ending)] + ("y" if ending == "ies" else "")
    return word


def content(text: str, parties: set[str] = frozenset(), synonyms: bool = True) -> set[str]:
    """The words of a text that say what it is about: not stop words, not party names."""
    party_words = {alias.lower() for party in parties for alias in aliases(party)}
    return {stem(word, synonyms) for word in words(text) if word not in STOP and word not in party_words and len(word) > 1}


def aliases(party: str) -> tuple[str, ...]:
    return (party, *ALIASES.get(party.lower(), ()))


def names(text: str, party: str) -> str | None:
    """The word of `text` that names a party, if one does."""
    for alias in aliases(party):
        flags = 0 if alias.isupper() or "." in alias else re.IGNORECASE
        found = re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text, flags)
        if found:
            return found.group(0)
    return None


def other_country(text: str, parties: list[str]) -> str | None:
    """A country the text names that is none of `parties`."""
    mine = {alias.lower() for party in parties for alias in aliases(party)}
    for other in OTHERS:
        if other not in mine and re.search(rf"\b{re.escape(other)}\b", text, re.IGNORECASE):
            return other
    return None


def sector_of(text: str) -> str | None:
    """The sector a subject belongs to, by its words (the first listed wins a tie)."""
    lowered = " " + " ".join(words(text)) + " "
    best, hits = None, 0
    for sector, keys in SECTORS.items():
        count = sum(f" {key} " in lowered for key in keys)
        if count > hits:
            best, hits = sector, count
    return best


def is_broad(item: Item) -> bool:
    """An item that stands for many agreements of a sector ("Trade agreements and MoUs")."""
    return item.type == "agreement" and bool(re.search(r"\b(?:agreements|mous|memorandums)\b", item.title, re.I))


def distinctive(items: list[Item]) -> dict[str, set[str]]:
    """For each item (by ref text), the words of its title no other candidate's title has."""
    words_of = {str(item.ref): content(item.title, set(item.parties)) for item in items}
    counts: dict[str, int] = {}
    for found in words_of.values():
        for word in found:
            counts[word] = counts.get(word, 0) + 1
    return {ref: {word for word in found if counts[word] == 1} for ref, found in words_of.items()}


# The words that name an event of each kind ("the summit", "the visit").
KIND_WORDS = {"summit": ("summit",), "state-visit": ("visit",), "official-visit": ("visit",), "meeting": ("meeting",),
              "talks": ("talks", "round"), "conference": ("conference",), "ceremony": ("ceremony",)}


def kind_named(item: Item, text: str) -> bool:
    return any(re.search(rf"\b{word}\b", text, re.IGNORECASE) for word in KIND_WORDS.get(item.kind, ()))


def event_days(item: Item, events: dict[str, Item]) -> tuple[date, date] | None:
    """The days an event runs (its parent's, for one without dates of its own)."""
    source = item
    if not item.start and item.parent is not None and str(item.parent) in events:
        source = events[str(item.parent)]
    if not source.start:
        return None
    first = date.fromisoformat(source.start[:10])
    last = date.fromisoformat((source.end or source.start)[:10])
    return first, last
