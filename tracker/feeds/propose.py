"""From one entry to the changes it proposes, each with a confidence and its evidence.

A proposal is a change to an item tracker holds (`ref`, `set`: the status) or a new
agreement reported signed at a tracked event (`ref` None, `set`: its title, kind,
status, event, sector, parties). Its `on` is the day the entry says it happened: the
entry's own date, or the weekday or date it names before that ("signed on Friday" in
Saturday's paper). Nothing moves a settled item backwards without `evidence` saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tracker import dates
from tracker.errors import excerpt
from tracker.feeds import match, signals
from tracker.feeds.parse import FeedEntry
from tracker.model import CLOSED_STATUSES, LONGEST_EVENT_DAYS, Item

# How far a status has gone; stalled and dropped stand aside.
ORDER = {"rumoured": 0, "expected": 1, "negotiating": 2, "initialled": 3, "signed": 4, "ratified": 5,
         "in-force": 6, "announced": 1, "confirmed": 2, "held": 4, "postponed": 1, "cancelled": 5,
         "stalled": 2, "dropped": 5}
# Statuses beside the way forward: a settled item moved to one of them is undone (a
# ratified pact called off, a held summit cancelled), as one moved to an earlier status
# is; one moved out of them is taken up again.
ASIDE = {"stalled", "dropped", "postponed", "cancelled"}


def moves_back(item: Item, status: str | None) -> str | None:
    """What a change of a settled item (signed or beyond, dropped; held, cancelled) to
    `status` undoes, in the words of a proposal's evidence; None for a step forward."""
    old = item.status
    if status is None or status == old or old not in CLOSED_STATUSES[item.type]:
        return None
    if old in ASIDE:
        return f"{item.ref} is {old} already: this would take it up again, as {status}"
    if status in ASIDE or ORDER.get(status, 0) < ORDER.get(old, 0):
        return f"{item.ref} is {old} already: this would move it back to {status}"
    return None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")

# The agreement nouns a subject follows, and the kind each is.
_NOUN = (r"(agreements?|mous?|memorand(?:um|ums|a)(?: of understanding)?|pacts?|deals?|treat(?:y|ies)|"
         r"contracts?|programme)")
_KIND = {"mou": "mou", "memorand": "mou", "agreement": "agreement", "pact": "agreement", "deal": "agreement",
         "treat": "treaty", "contract": "contract", "programme": "programme"}
# Where a subject ends: punctuation, or the place, time or company of the signing.
_SUBJECT = r"((?:(?![,;:.()—]|\s+and\s+on\s|\s+and\s+(?:set|agreed|noted|welcomed|decided|announced|we|they)\b|\s(?:was|were|is|are|has|have|had|adopted|signed|sealed|inked|exchanged|as|among|commits?)\b|\s(?:at|between|together with|under|during|in New Delhi|in Moscow)\b|\son (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b).)+)"
_SUBJECT_AFTER = re.compile(rf"\b(?:(\w+)\s+)?{_NOUN}\s+(?:on|for|against|of|to|covering|cover|covers)\s+{_SUBJECT}",
                            re.IGNORECASE)
# A further subject of the same noun, further on in the sentence: "..., on food safety
# between ..., and on training crews ...".
_MORE_SUBJECTS = re.compile(rf"(?:[,;]\s*(?:and\s+)?|\s+and\s+)on\s+{_SUBJECT}", re.IGNORECASE)
# "memorandums signed on Friday cover X and Y"; "X and Y among summit MoUs".
_COVERS = re.compile(rf"\b{_NOUN}\b[^.;]*?\bcover(?:s|ing)?\s+{_SUBJECT}", re.IGNORECASE)
_AMONG = re.compile(r"^(.+?)\s+among\s+(?:\w+\s+)?(mous|agreements|memorandums|documents|pacts)\b", re.IGNORECASE)
_NOT_SUBJECT = re.compile(r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|\d{1,2}\s+[a-z]+$|schedule|track|time)",
                          re.IGNORECASE)
_LISTED = re.compile(r"^(agreements|mous|memorandums|memoranda|documents)\s*:\s*(.+)$", re.IGNORECASE)
_ANNOUNCED = re.compile(r"\b(?:announced|announcements?\s*:)\s+(?:an?\s+|the\s+)?(.+?)(?=\s+(?:valid|at|for|on|to)\b|[,;.]|$)",
                        re.IGNORECASE)
_BETWEEN = re.compile(r"\b(free trade (?:agreement|zone|area)|trade agreement|agreement|treaty) between ([A-Z][\w ]+?) and "
                      r"(?:the )?([A-Z][\w ]+?)(?=[,;.]|$)")
_QUALIFIERS = {"new", "a", "an", "the", "two", "three", "several", "these", "those", "of", "and", "other",
               "lesser-noticed", "on", "exchanged", "signed", "sealed", "inked"}


# A round of talks ahead: "will hold two days of talks", "due in Delhi for a round".
_EVENT_AHEAD = re.compile(r"\b(?:to hold|will hold|will be in|due in|to meet|will meet)\b[^.;]{0,60}?"
                          r"\b(?P<noun>talks|round|negotiations|meeting)\b", re.IGNORECASE)
_PLACE = re.compile(r"\bin ((?:New |St )?[A-Z][a-z]+)\b")
SHORT = {"United States": "US", "European Union": "EU", "United Kingdom": "UK"}


def _days_in(sentence: str, published: date) -> tuple[date, date] | None:
    """The days a sentence gives for something ahead: "on 10-11 December", "on 10 and 11 December"."""
    found = re.search(r"\b(\d{1,2})\s*(?:-|–|and|to)\s*(\d{1,2})\s+(" + "|".join(MONTHS) + r")\b", sentence,
                      re.IGNORECASE)
    if not found:
        return None
    month = MONTHS.index(found.group(3).lower()) + 1
    year = published.year + (month < published.month)
    try:
        first, last = date(year, month, int(found.group(1))), date(year, month, int(found.group(2)))
    except ValueError:
        return None
    return (first, last) if first <= last and first >= published else None


@dataclass
class Proposal:
    ref: str | None
    item_type: str
    set: dict
    on: str | None
    confidence: float
    evidence: dict = field(default_factory=dict)


def entry_day(entry: FeedEntry) -> date | None:
    """The day an entry was published, where it was published (its own offset)."""
    return entry.published.date() if isinstance(entry.published, datetime) else None


def day_said(sentence: str, published: date | None) -> str | None:
    """The day a sentence says a thing happened, up to the entry's date: "on Friday",
    "Friday's summit", "on 5 December"; else the entry's date."""
    if published is None:
        return None
    lowered = sentence.lower()
    said = re.search(r"\b(\d{1,2})\s+(" + "|".join(MONTHS) + r")\b", lowered)
    if said:
        try:
            day = date(published.year, MONTHS.index(said.group(2)) + 1, int(said.group(1)))
            if day <= published and (published - day).days <= 7:
                return day.isoformat()
        except ValueError:
            pass
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}(?:'s|’s)?\b", lowered):
            back = (published.weekday() - index) % 7
            return (published - timedelta(days=back)).isoformat()
    return published.isoformat()


class Reader:
    """Proposes changes for the entries of one run, against the items a store holds."""

    def __init__(self, store):
        self.store = store
        self._agreements_at: dict[str, int] = {}
        self._items_seen: dict[str, Item] = {}

    def propose(self, entry: FeedEntry, feed_title: str = "", read_on: date | None = None) -> list[Proposal]:
        """The changes an entry reports; `read_on`, the day it was read, dates an undated
        entry and tells old news from new."""
        found = _as_of(self._proposals(entry, feed_title, entry_day(entry) or read_on),
                       entry_day(entry), read_on, self._items_seen)
        if entry.date_refused:
            for proposal in found:
                proposal.evidence["undated"] = (f"the entry's date, {excerpt(entry.date_refused)}, cannot be right: "
                                                f"dated the day it was read, {proposal.on}")
        return found

    def _proposals(self, entry: FeedEntry, feed_title: str, published: date | None) -> list[Proposal]:
        text = f"{entry.title}\n{entry.summary}"
        if signals.REPUBLISHED.search(text) or signals.DENIAL.search(text):
            return []
        headline = signals.sentences(entry.title)
        if not headline or all(signals.unsaid(line) for line in headline) or headline[0].rstrip().endswith("?"):
            # A headline that denies or defers ("No new defence deals", "Will sign labour
            # pact"): what its sentences report, it reports as not having happened.
            return []
        context = f"{text}\n{feed_title}"
        items = self._candidates(text, published)
        self._items_seen = {str(item.ref): item for item in items}
        named = {party for party in {party for item in items for party in item.parties}
                 if match.names(context, party)}
        events = {str(item.ref): item for item in items if item.type == "event"}
        if published is not None and not match.other_country(text, sorted(named)):
            # "The two sides exchanged MoUs at the summit": the parties of the event under
            # way that the entry names by its kind are named too.
            for item in events.values():
                days = match.event_days(item, events)
                if days and days[0] - timedelta(days=1) <= published <= \
                        days[1] + timedelta(days=3) and match.kind_named(item, text):
                    named.update(item.parties)
        items = [item for item in items if any(party in named for party in item.parties)]
        distinct = match.distinctive(items)
        events = {str(item.ref): item for item in items if item.type == "event"}
        found: list[Proposal] = []
        lines = [(line, True) for line in headline] + [(line, False) for line in signals.sentences(entry.summary)]
        # A summary sentence without a verb of its own takes the headline's, unless the
        # headline said what it was of ("Kudankulam pact signed": not the S-400 after).
        inherited = [signal for signal in signals.signals_in(headline[0]) if signal.kind == "agreement"
                     and not _has_subject(headline[0], signal, named)]
        for sentence, in_headline in lines:
            own = [signal for signal in signals.signals_in(sentence) if not signals.unsaid(sentence, signal)]
            if not own and not in_headline and inherited and not signals.signals_in(sentence) \
                    and not signals.unsaid(sentence):
                own = [signals.Signal(signal.status, signal.words, 0, 0, signal.kind) for signal in inherited]
            if not own:
                continue
            if match.other_country(sentence, sorted(named)):
                continue
            on = day_said(sentence, published)
            for signal in own:
                found += self._read(sentence, signal, in_headline, items, named, distinct, events, on, published,
                                    context)
        if not found:
            found = self._headline_agreement(entry, items, named, events, published, lines)
        if not found:
            found = self._new_event(text, named, events, published, feed_title)
        return _merged(found)

    def _new_event(self, text, named, events, published, feed_title) -> list[Proposal]:
        """A round of talks announced for given days among parties tracker follows, when no
        event it holds covers those days for them: proposed as a new event, confirmed."""
        if published is None or len(named) < 2 or match.other_country(text, sorted(named)):
            return []
        for sentence in signals.sentences(text):
            announced = _EVENT_AHEAD.search(sentence)
            days = _days_in(sentence, published)
            if not announced or not days or signals.NEGATION.search(sentence):
                continue
            first, last = days
            for item in events.values():
                held = match.event_days(item, events)
                if held and held[0] <= last and first <= held[1] and set(item.parties) <= named:
                    return []       # tracked already
            order = sorted(named, key=lambda party: text.find(match.names(text, party) or party))
            place = _PLACE.search(sentence)
            sector = match.sector_of(text)
            noun = "talks" if announced.group("noun").lower() in ("talks", "round", "negotiations") else "meeting"
            title = "-".join(SHORT.get(party, party) for party in order) + (f" {sector}" if sector else "") + \
                f" {noun}" + (f", {place.group(1)}" if place else "")
            return [Proposal(None, "event", {
                "title": title, "kind": noun, "status": "confirmed", "start": first.isoformat(),
                "end": last.isoformat(), "parties": sorted(named),
                **({"location": place.group(1)} if place else {})},
                published.isoformat(), 0.5, {"item": sorted(named), "change": [announced.group(0)]})]
        return []

    def _headline_agreement(self, entry, items, named, events, published, lines) -> list[Proposal]:
        """A new agreement reported signed without a subject said as such ("A memorandum
        signed at the summit commits ..."): the headline says what it is about."""
        for sentence, in_headline in lines:
            for signal in signals.signals_in(sentence):
                if signal.kind != "agreement" or signal.status != "signed" or signals.unsaid(sentence, signal):
                    continue
                noun = re.search(_NOUN, signals.clause_of(sentence, signal.start, signal.end), re.IGNORECASE)
                event = self._event_for_adds(events, named, published)
                if noun is None or event is None:
                    continue
                tracked = self._tracked_by_sector(sentence, items, named)
                if tracked:
                    return [self._change(item, signal, day_said(sentence, published), 0.6,
                                         sorted(match.content(item.title, set(item.parties))
                                                & match.content(sentence)), named, sentence) for item in tracked]
                kind = next((value for key, value in _KIND.items() if noun.group(1).lower().startswith(key)), "agreement")
                label = "MoU" if kind == "mou" else kind.capitalize()
                return [self._add(f"{label}: {entry.title}", kind, "signed", event, entry.title,
                                  day_said(sentence, published), 0.5, signal, items)]
        return []

    # -- candidates ------------------------------------------------------------------

    def _candidates(self, text: str, published: date | None) -> list[Item]:
        found = sorted(match.content(text) - {"s"})
        found = [word for word in found if len(word) > 2][:60]
        day = published or dates.now().date()
        start = f"{(day - timedelta(days=4)).isoformat()}T00:00:00Z"
        end = f"{(day + timedelta(days=2)).isoformat()}T00:00:00Z"
        earliest = f"{(day - timedelta(days=LONGEST_EVENT_DAYS)).isoformat()}T00:00:00Z"
        return self.store.candidates(found, start, end, earliest)

    def _event_for_adds(self, events: dict[str, Item], named: set[str], published: date | None) -> Item | None:
        """The tracked event a new agreement was signed at: one under way about the entry's
        date among parties it names; of several, the one most agreements are expected at."""
        best, most = None, -1
        for item in events.values():
            days = match.event_days(item, events)
            if days is None or published is None or item.status in ("cancelled", "postponed"):
                continue
            if not (days[0] - timedelta(days=1) <= published <= days[1] + timedelta(days=3)):
                continue
            if not all(party in named for party in item.parties):
                continue
            if str(item.ref) not in self._agreements_at:
                self._agreements_at[str(item.ref)] = self.store.agreements_at(item.ref)
            if self._agreements_at[str(item.ref)] > most:
                best, most = item, self._agreements_at[str(item.ref)]
        return best

    # -- one signal ------------------------------------------------------------------

    def _read(self, sentence, signal, in_headline, items, named, distinct, events, on, published, context):
        sentence_words = match.content(sentence)
        found = []
        if signal.kind == "event":
            for item in events.values():
                if item.status == signal.status or not all(party in named for party in item.parties):
                    continue
                days = match.event_days(item, events)
                if signal.status == "held":
                    heads = signals.head_of(signal)
                    fits = item.kind in heads or ("banquet" in signal.words.lower()
                                                  and "banquet" in item.title.lower())
                    if "banquet" in signal.words.lower() and "banquet" not in item.title.lower():
                        fits = False
                    if not fits or days is None or published is None or \
                            not days[0] - timedelta(days=1) <= published <= days[1] + timedelta(days=2):
                        continue
                    words = [signal.words]
                else:
                    common = distinct.get(str(item.ref), set()) & sentence_words
                    if not common or not match.kind_named(item, sentence):
                        continue
                    words = sorted(common)
                found.append(self._change(item, signal, on, 0.8 + 0.1 * in_headline, words, named, context))
            return found
        if signal.kind == "agreement":
            scope_words = _scope_words(sentence, signal, named)
            for item in items:
                if item.type != "agreement" or match.is_broad(item):
                    continue
                common = distinct.get(str(item.ref), set()) & scope_words
                if common:
                    found.append(self._change(item, signal, on, 0.65 + 0.1 * min(len(common), 2) + 0.1 * in_headline,
                                              sorted(common), named, context))
            if signal.status == "signed":
                found += self._new_agreements(sentence, signal, items, named, distinct, events, on, published,
                                              in_headline)
            return found
        if signal.kind == "programme":
            return self._new_agreements(sentence, signal, items, named, distinct, events, on, published,
                                        in_headline, only="programme")
        if signal.kind == "announced":
            announced = _ANNOUNCED.search(sentence)
            event = self._event_for_adds(events, named, published)
            if announced and event is not None:
                subject = announced.group(1).strip()
                if len(match.content(subject)) >= 1:
                    return [self._add(subject[:1].upper() + subject[1:], "statement", "expected", event, subject, on,
                                      0.6, signal, [])]
            return []
        if signal.kind == "negotiating":
            between = _BETWEEN.search(sentence)
            if between:
                noun, first, second = between.group(1), between.group(2).strip(), between.group(3).strip()
                if first.lower() in {n.lower() for n in named} or second.lower() in {n.lower() for n in named}:
                    title = f"{first}-{second} {'free trade agreement' if 'free trade' in noun else noun}"
                    return [Proposal(None, "agreement", {
                        "title": title, "kind": "agreement", "status": "negotiating", "event": None,
                        "sector": match.sector_of(noun) or "trade", "parties": [first, second]}, on, 0.6,
                        {"item": [first, second], "change": [signal.words]})]
        return []

    def _tracked_by_sector(self, sentence: str, items, named) -> list[Item]:
        """Tracked agreements a headline names by their own words ("technology
        cooperation MoUs" is A6, "Technology cooperation MoUs"): every word of its title
        that says what it is about, its sector among them, among all its parties."""
        words = match.content(sentence)
        found = []
        for item in items:
            if item.type != "agreement" or not all(party in named for party in item.parties):
                continue
            title = match.content(item.title, set(item.parties))
            if item.sector and title and match.content(item.sector) <= words and title <= words:
                found.append(item)
        return found

    def _change(self, item: Item, signal, on, confidence: float, words: list[str], named, context) -> Proposal:
        evidence = {"item": words + sorted(match.names(context, party) or party for party in item.parties
                                           if party in named),
                    "change": [signal.words]}
        if backwards := moves_back(item, signal.status):
            evidence["backwards"] = backwards
            confidence *= 0.5
        if item.status == signal.status:
            confidence = 0.0        # nothing to change: dropped by _merged
        return Proposal(str(item.ref), item.type, {"status": signal.status}, on, round(min(confidence, 0.99), 2),
                        evidence)

    def _new_agreements(self, sentence, signal, items, named, distinct, events, on, published, in_headline,
                        only: str | None = None) -> list[Proposal]:
        """New agreements the sentence reports signed (or a programme adopted) at a tracked
        event; a subject that is an item tracker holds is a change to it instead."""
        event = self._event_for_adds(events, named, published)
        if event is None:
            return []
        found = []
        own = sentence
        for other in _OTHER_CLAUSE.finditer(sentence):
            own = sentence[:other.start()] if other.start() > signal.end else sentence[other.end():]
            break
        for noun, subject, qualifier in _subjects(own, in_headline):
            kind = next((value for key, value in _KIND.items() if noun.lower().startswith(key)), "agreement")
            if (only and kind != only) or (not only and kind == "programme"):
                continue
            subject_words = match.content(subject)
            if not subject_words:
                continue
            tracked = [item for item in items if item.type == "agreement" and not match.is_broad(item)
                       and distinct.get(str(item.ref), set()) & subject_words]
            if tracked:
                for item in tracked:
                    found.append(self._change(item, signal, on, 0.8 + 0.1 * in_headline,
                                              sorted(distinct[str(item.ref)] & subject_words), named, sentence))
                continue
            if kind == "programme":
                title = f"{qualifier.capitalize() + ' p' if qualifier else 'P'}rogramme {subject}"
            else:
                title = f"{'MoU' if kind == 'mou' else kind.capitalize()} on {subject}"
            found.append(self._add(title, kind, "signed", event, subject, on, 0.7, signal, items))
            # A broad item of the same sector at the event is met by it ("Trade agreements
            # and MoUs" by a customs MoU).
            sector = found[-1].set.get("sector")
            for item in items:
                if match.is_broad(item) and item.sector == sector and item.event == event.ref:
                    found.append(self._change(item, signal, on, 0.6, [sector, *sorted(subject_words)][:4],
                                              named, sentence))
        return found

    def _add(self, title, kind, status, event: Item, subject, on, confidence, signal, items) -> Proposal:
        sector = match.sector_of(f"{title} {subject}") or None
        proposal = Proposal(None, "agreement", {
            "title": title, "kind": kind, "status": status, "event": str(event.ref),
            **({"sector": sector} if sector else {}), "parties": list(event.parties)},
            on, confidence, {"item": [str(event.ref), *sorted(match.content(subject))], "change": [signal.words]})
        return proposal


def _subjects(sentence: str, in_headline: bool) -> list[tuple[str, str, str]]:
    """(noun, subject, the word before the noun) of each agreement a sentence names:
    "memorandums on health, on food safety and on ...", "MoUs: health; food safety"."""
    found = []
    listed = None if in_headline else _LISTED.match(sentence.strip())
    if listed:
        noun = listed.group(1)
        for piece in re.split(r"\s*[;]\s*", listed.group(2)):
            piece = re.sub(r"^(?:on|an?|the)\s+", "", piece.strip().rstrip("."), flags=re.IGNORECASE)
            if piece:
                found.append((noun, piece, ""))
        return found
    covers = _COVERS.search(sentence) or _AMONG.match(sentence)
    if covers:
        noun, subjects = (covers.group(1), covers.group(2)) if covers.re is _COVERS else (covers.group(2), covers.group(1))
        for piece in re.split(r"\s+and\s+|,\s*", subjects):
            piece = re.sub(r"^(?:an?|the)\s+", "", piece.strip(), flags=re.IGNORECASE)
            if piece:
                found.append((noun, piece, ""))
        return found
    for hit in _SUBJECT_AFTER.finditer(sentence):
        before, noun, subject = hit.group(1) or "", hit.group(2), hit.group(3)
        qualifier = before if before and before.lower() not in _QUALIFIERS and not before[0].isupper() else ""
        preposition = sentence[hit.start(2) + len(noun):hit.start(3)].strip().lower()
        pieces = [subject]
        rest = sentence[hit.end():]
        # An appositive names the same agreement ("... citizens, the labour mobility pact").
        appositive = re.match(r"^,\s+the\s+([^,;.]+?\b(?:pact|agreement|deal|mou))\b", rest, re.IGNORECASE)
        if appositive:
            pieces[0] += f" ({appositive.group(1)})"
            rest = rest[appositive.end():]
        following = _SUBJECT_AFTER.search(rest)
        for more in _MORE_SUBJECTS.finditer(rest[:following.start() if following else len(rest)]):
            pieces.append(more.group(1))
        if preposition.startswith("cover"):
            pieces = [part for piece in pieces for part in re.split(r"\s+and\s+", piece)]
        for piece in pieces:
            piece = re.sub(r"^(?:an?|the)\s+", "", piece.strip(), flags=re.IGNORECASE)
            if piece and not _NOT_SUBJECT.match(piece):
                found.append((noun, f"{'' if preposition.startswith('cover') else preposition + ' '}{piece}".strip()
                              if noun.lower() == "programme" else piece, qualifier))
    return found


# Words a clause has besides its subject: the verb, the kind of document, when.
_NOT_A_SUBJECT = {"pact", "deal", "agreement", "agreements", "mou", "mous", "treaty", "sign", "signed", "ink",
                  "inked", "seal", "sealed", "it", "them", "today", "yesterday", "document", "documents",
                  "during", "talks", "outcomes", "list", "wrap", "exchanged", *WEEKDAYS, *MONTHS}


def _has_subject(sentence: str, signal, named) -> bool:
    """Whether a signal's clause says what was signed (or stalled ...), besides who and when."""
    scope = signals.scope_of(sentence, signal.start, signal.end)
    words = match.content(scope, set(named))
    return bool(words - {match.stem(word) for word in _NOT_A_SUBJECT} - match.content(signal.words)
                - {word for word in words if word.isdigit()})


def _scope_words(sentence: str, signal, named) -> set[str]:
    """The words a signal's change is said of: its own clause's ("Kudankulam pact signed,
    S-400 talks continue": Kudankulam, not S-400). A clause with no subject of its own
    ("..., India and Russia sign it") is about the rest of the sentence."""
    if not _has_subject(sentence, signal, named):
        return match.content(sentence)
    return match.content(signals.scope_of(sentence, signal.start, signal.end), set(named))


# Where another clause, with its own subject and verb, begins: its subjects are not this verb's.
_OTHER_CLAUSE = re.compile(r"\s(?:while|whereas|but|although|though)\s", re.IGNORECASE)


def overlap(first: set[str], second: set[str]) -> float:
    if not first or not second:
        return 0.0
    return len(first & second) / min(len(first), len(second))


# An entry published this many days before it was read is old news: an archive page, a
# feed republished, an anniversary. Its changes are proposed low, and say why.
OLD_NEWS_DAYS = 30
OLD_NEWS_FACTOR = 0.3
# An undated entry is dated the day it was read, and proposed lower: that day is a guess.
UNDATED_FACTOR = 0.6


def _as_of(found: list[Proposal], published: date | None, read_on: date | None,
           items: dict[str, Item]) -> list[Proposal]:
    """The proposals of an entry, dated and weighed by when it was published: undated,
    dated the day read (lower); long before it was read, or before the item existed,
    old news (much lower), with the evidence saying so."""
    for proposal in found:
        if published is None:
            if read_on is not None and proposal.on is None:
                proposal.on = read_on.isoformat()
            proposal.confidence = round(proposal.confidence * UNDATED_FACTOR, 2)
            proposal.evidence["undated"] = f"the entry gives no date: dated the day it was read, {proposal.on}"
            continue
        item = items.get(proposal.ref or "")
        if read_on is not None and (read_on - published).days > OLD_NEWS_DAYS:
            why = f"published {published.isoformat()}, {(read_on - published).days} days before it was read"
        elif item is not None and item.created[:10] > published.isoformat():
            why = f"published {published.isoformat()}, before {item.ref} was tracked ({item.created[:10]})"
        else:
            continue
        proposal.confidence = round(proposal.confidence * OLD_NEWS_FACTOR, 2)
        proposal.evidence["old"] = f"{why}: old news, not a change now"
    return found


def _merged(found: list[Proposal]) -> list[Proposal]:
    """One proposal per change: the same item and status once (the most confident), and
    new agreements that name the same subject once."""
    kept: list[Proposal] = []
    for proposal in found:
        if proposal.confidence <= 0:
            continue
        same = None
        for other in kept:
            if proposal.ref is not None and other.ref == proposal.ref and other.set == proposal.set:
                same = other
            elif proposal.ref is None and other.ref is None and other.set.get("kind") == proposal.set.get("kind") and \
                    overlap(match.content(other.set["title"], synonyms=False),
                            match.content(proposal.set["title"], synonyms=False)) > 0.5:
                same = other
        if same is None:
            kept.append(proposal)
        elif (proposal.confidence, len(proposal.set.get("title", ""))) > \
                (same.confidence, len(same.set.get("title", ""))):
            kept[kept.index(same)] = proposal
    # One entry, one change per item: an item said both to be signed and to have stalled
    # is not read right, and neither is proposed.
    statuses: dict[str, set] = {}
    for proposal in kept:
        if proposal.ref is not None:
            statuses.setdefault(proposal.ref, set()).add(proposal.set.get("status"))
    return [proposal for proposal in kept if proposal.ref is None or len(statuses[proposal.ref]) == 1]
