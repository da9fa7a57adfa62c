"""Which change an entry reports: the words that signal it, and the words that unsay it.

An entry is read as its headline and its sentences (a list item, a clause after ";" or
", but" counts as one). A signal counts only in a sentence that neither denies it ("did
not sign", "no deal on", "failed to") nor puts it ahead ("expected to sign", "will
sign", "could be sealed"): those report that it has not happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that unsay a signal in the same sentence.
NEGATION = re.compile(r"\b(?:not|no|never|without|failed|fails|neither|nor|absent|missing|none|"
                      r"denied|denies|rejected)\b|n't\b", re.IGNORECASE)
# Words that put it ahead: future, expectation, condition, intent.
EXPECTATION = re.compile(
    r"\b(?:expected|expects?|expecting|likely|unlikely|will|would|could|may|might|shall|should|"
    r"plans?|planned|planning|hopes?|hoped|intends?|intent|set to|due to|ahead of|if|upcoming|"
    r"soon|next (?:year|week|month)|(?:are|is|were|was) to be|to (?:sign|ink|seal|conclude|ratify|adopt)|"
    r"talked up|being finalised|proposed)\b", re.IGNORECASE)
# An entry that says the report is wrong: whatever it repeats did not happen.
DENIAL = re.compile(r"\b(?:(?:are|is|were|was) (?:false|untrue|baseless|incorrect|wrong)|not true|not quite|"
                    r"fake news|denied (?:reports|that)|refuted|dismissed (?:the )?reports)\b", re.IGNORECASE)
# An entry that is an old story re-dated: nothing in it happened now.
REPUBLISHED = re.compile(r"\b(?:from (?:the|our) archives?|first published|archive)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Signal:
    """A change found in a sentence: the status it proposes and the words that said so."""

    status: str
    words: str
    start: int          # where in the sentence, to attribute what follows to it
    end: int
    kind: str           # what the signal can be about: see SIGNALS


# (pattern, status, what it is about): "agreement" changes an agreement tracked or
# reported; "programme" only a programme or statement adopted; "announced" a new
# statement (expected, not signed); "negotiating" talks on a new agreement under way;
# "event" an event's status, with its head noun in the words.
SIGNALS: list[tuple[re.Pattern, str, str]] = [(re.compile(pattern, re.IGNORECASE), status, kind) for pattern, status, kind in (
    (r"\b(?:signed|signs?|signing|inked|inks?|sealed|seals?)\b", "signed", "agreement"),
    (r"\bexchanged\b|\bexchange (?=(?:\w+ ){0,2}(?:mous?|memorand|agreements|documents|pacts))", "signed", "agreement"),
    (r"\blist of outcomes\b|\bdocuments signed\b", "signed", "agreement"),
    (r"\b(?:ratified|ratif(?:y|ies)|ratification of)\b", "ratified", "agreement"),
    (r"\b(?:entered|enters|came|comes) into force\b|\btook effect\b", "in-force", "agreement"),
    (r"\b(?:stalled|stall|deadlocked|stuck|frozen)\b", "stalled", "agreement"),
    (r"\b(?:negotiations|talks) (?:\w+ ){0,4}(?:concluded|finalised)\b|\bconcluded? (?:\w+ ){0,3}(?:negotiations|talks)\b",
     "initialled", "agreement"),
    # Headlines speak in the present ("call off", "scraps"); "drop" alone is a fall too often.
    (r"\b(?:call(?:s|ed)? off|scrap(?:s|ped)?|abandon(?:s|ed)?|dropped)\b", "dropped", "agreement"),
    # An agreement has no "postponed": its signing put off leaves it stalled.
    (r"\b(?:postpone[sd]?|defer(?:s|red)?|put off)\b", "stalled", "agreement"),
    (r"\b(?:adopted|adopt|adopts|approved|welcomed)\b", "signed", "programme"),
    (r"\b(?:announced|announcements?)\b", "expected", "announced"),
    (r"\b(?:expedite|speed up|step up|launched|resumed)\b (?:\w+ ){0,2}(?:talks|work|negotiations)\b",
     "negotiating", "negotiating"),
    # Events: the verb with its head noun, so that "signed at the summit" is not "summit held".
    (r"\bheld (?:\w+ ){0,2}talks\b|\btalks\b[^.;]{0,60}?\b(?:took place|were held|ended|concluded|wrapped up|closed)\b|"
     r"\b(?:adopted|issued) (?:a |the |this )?(?:joint )?statement\b|\bjoint statement\b(?= following)", "held", "event"),
    (r"\b(?:concluding|concluded|completed|ended)\b (?:\w+ ){0,2}(?:state |official )?visit\b|"
     r"\bvisit\b[^.;]{0,40}?\b(?:has |had )?(?:concluded|ended)\b", "held", "event"),
    (r"\b(?:hosted|hosts|attended|gave)\b (?:\w+ ){0,3}banquet\b|\bbanquet\b[^.;]{0,30}\bwas held\b", "held", "event"),
    (r"\b(?:postponed|deferred|put off|moved to)\b", "postponed", "event"),
    (r"\b(?:called off|cancelled|canceled)\b", "cancelled", "event"),
)]

# Event signals name what was held by its head noun: the kinds of event each fits.
HEADS = {
    "talks": ("summit", "talks", "meeting"), "statement": ("summit", "talks", "meeting"),
    "visit": ("state-visit", "official-visit"), "banquet": ("ceremony",),
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘'(])|\n+|;\s*|,?\s+but\s+|\s+[—–]\s+")


_LIST_LINE = re.compile(r"^\w+\s*:\s")


def sentences(text: str) -> list[str]:
    """A text's sentences, list items and clauses that stand alone. A labelled list
    ("MoUs: health; food safety; ...") stays one."""
    found = []
    for line in text.split("\n"):
        parts = [line] if _LIST_LINE.match(line.strip()) else _SENTENCE_END.split(line)
        found += [part.strip() for part in parts if part and part.strip()]
    return found


_CLAUSE_END = re.compile(r"[,;:]")


def clause_of(sentence: str, start: int, end: int) -> str:
    """The clause around a stretch of a sentence: from the comma before to the comma after."""
    before = max((found.end() for found in _CLAUSE_END.finditer(sentence, 0, start)), default=0)
    after = _CLAUSE_END.search(sentence, end)
    return sentence[before:after.start() if after else len(sentence)]


# Where a clause ends within a sentence: its own subject and verb follow ("X signed
# while talks on Y stalled", "X signed, Y talks continue").
_SCOPE_END = re.compile(r"[,;:]|\s(?:while|whereas|but|although|though|as talks|and talks)\s", re.IGNORECASE)


def scope_of(sentence: str, start: int, end: int) -> str:
    """The clause a signal's verb belongs to: between the clause breaks around it."""
    before = max((found.end() for found in _SCOPE_END.finditer(sentence, 0, start)), default=0)
    after = _SCOPE_END.search(sentence, end)
    return sentence[before:after.start() if after else len(sentence)]


def unsaid(sentence: str, signal: "Signal | None" = None) -> str | None:
    """The word that denies or defers what the sentence (or the clause of its signal) says."""
    if signal is not None:
        sentence = clause_of(sentence, signal.start, signal.end)
    found = NEGATION.search(sentence) or EXPECTATION.search(sentence)
    if signal is not None and signal.kind == "negotiating":
        found = NEGATION.search(sentence)       # "will step up work": the talks go on now
    return found.group(0) if found else None


def signals_in(sentence: str) -> list[Signal]:
    found = []
    for pattern, status, kind in SIGNALS:
        for match in pattern.finditer(sentence):
            found.append(Signal(status, match.group(0), match.start(), match.end(), kind))
    return sorted(found, key=lambda signal: signal.start)


def head_of(signal: Signal) -> tuple[str, ...]:
    """The kinds of event an event signal can be about."""
    words = signal.words.lower()
    for head, kinds in HEADS.items():
        if head in words:
            return kinds
    return ()
