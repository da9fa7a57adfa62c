"""The feed corpus (fixtures/feeds/) and its labels hold together, with the standard library only.

Every check is a function returning a list of problems: the corpus as shipped has none, and
each check is also run on a damaged copy to show it would find the damage.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.parsers import expat

import pytest

from tracker.model import KINDS, STATUSES

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FEEDS = FIXTURES / "feeds"
HOSTILE = FEEDS / "hostile"
LABELS = FEEDS / "labels.json"
SEED = FIXTURES / "seed-2025-11-29.json"
NEWS = FIXTURES / "news-2025-12.json"

# The one file in hostile/ that is meant not to be XML at all.
MALFORMED = "malformed.xml"

RSS1 = "{http://purl.org/rss/1.0/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"

CLASSES = ("news", "duplicate", "other-country", "other-subject", "expectation", "denial",
           "postponement-other", "republished", "multi-item")
# Classes whose entries report no change: a perfect reader proposes nothing for them.
NOTHING = ("duplicate", "other-country", "other-subject", "expectation", "denial",
           "postponement-other", "republished")

RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
FIRST_DAY, LAST_DAY = date(2025, 11, 20), date(2025, 12, 31)
MIN_ENTRIES, MAX_ENTRIES = 60, 120


# -- reading -------------------------------------------------------------------------------

def feed_files() -> list[Path]:
    """The measured corpus, in the order a reader is taken to read it (by file name)."""
    return sorted(FEEDS.glob("*.xml"))


def _text(node, tag) -> str | None:
    found = node.find(tag)
    return None if found is None else "".join(found.itertext()).strip()


def read_entries(root: ET.Element) -> tuple[str, list[dict]]:
    """(format, entries) of a parsed feed; each entry's id, title, link, date text and summary."""
    entries = []
    if root.tag == "rss":
        for item in root.iter("item"):
            entries.append({"id": _text(item, "guid") or _text(item, "link"), "title": _text(item, "title"),
                            "link": _text(item, "link"), "date": _text(item, "pubDate"),
                            "summary": _text(item, "description")})
        return "rss2", entries
    if root.tag == f"{RDF}RDF":
        for item in root.iter(f"{RSS1}item"):
            entries.append({"id": item.get(f"{RDF}about"), "title": _text(item, f"{RSS1}title"),
                            "link": _text(item, f"{RSS1}link"), "date": _text(item, f"{DC}date"),
                            "summary": _text(item, f"{RSS1}description")})
        return "rss1", entries
    if root.tag == f"{ATOM}feed":
        for item in root.iter(f"{ATOM}entry"):
            links = [link.get("href") for link in item.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
            entries.append({"id": _text(item, f"{ATOM}id"), "title": _text(item, f"{ATOM}title"),
                            "link": links[0] if links else None,
                            "date": _text(item, f"{ATOM}published") or _text(item, f"{ATOM}updated"),
                            "summary": _text(item, f"{ATOM}summary") or _text(item, f"{ATOM}content")})
        return "atom", entries
    raise ValueError(f"not a feed: root element {root.tag}")


def corpus() -> dict[str, tuple[str, list[dict]]]:
    return {path.name: read_entries(ET.parse(path).getroot()) for path in feed_files()}


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def seed_items() -> dict[str, dict]:
    """Every item the labels may name, by ref: the seed's refs and the uids the news fixture adds."""
    items = {item["ref"]: {"type": item["type"], "title": item["title"]} for item in load(SEED)["items"]}
    for update in load(NEWS)["updates"]:
        if "add" in update:
            items[update["uid"]] = {"type": update["add"], "title": update["set"]["title"], "added": update}
    return items


def true_changes() -> set[tuple[str, str, str]]:
    """(item, status, date) for every update of the news fixture that sets a status; an item
    the news fixture adds is named by its uid."""
    return {(update.get("ref") or update["uid"], update["set"]["status"], update["on"])
            for update in load(NEWS)["updates"] if "status" in update.get("set", {})}


def noted() -> set[tuple[str, str]]:
    """(ref, date) of the news fixture's updates that only add a note."""
    return {(update["ref"], update["on"]) for update in load(NEWS)["updates"]
            if "ref" in update and not update.get("set")}


def expected_item(expect: dict) -> str | None:
    return expect.get("ref") or expect.get("uid")


# -- checks --------------------------------------------------------------------------------

def well_formed(text: str, *, dtd_ok: bool = False) -> str | None:
    """None when the text is well-formed XML, else why not. External entities are never
    loaded; a DOCTYPE is itself a problem unless dtd_ok."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.ExternalEntityRefHandler = lambda *args: 1
    doctypes = []
    parser.StartDoctypeDeclHandler = lambda *args: doctypes.append(args)
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as error:
        return str(error)
    if doctypes and not dtd_ok:
        return "has a DOCTYPE: the measured corpus must read without one"
    return None


def problems_in_entries(feeds: dict[str, tuple[str, list[dict]]]) -> list[str]:
    problems, total = [], 0
    for name, (fmt, entries) in feeds.items():
        if not entries:
            problems.append(f"{name}: no entries")
        for entry in entries:
            total += 1
            where = f"{name} {entry['id']!r}"
            for key in ("id", "title", "link", "date", "summary"):
                if not entry.get(key):
                    problems.append(f"{where}: no {key}")
            if entry.get("link") and not entry["link"].startswith("https://"):
                problems.append(f"{where}: link {entry['link']!r} is not https")
            text = entry.get("date") or ""
            try:
                if fmt == "rss2":
                    if not RFC822.fullmatch(text):
                        raise ValueError("not an RFC 822 date")
                    when = parsedate_to_datetime(text)
                else:
                    if not RFC3339.fullmatch(text):
                        raise ValueError("not an RFC 3339 date")
                    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if when.tzinfo is None:
                    raise ValueError("no offset")
                if not FIRST_DAY <= when.date() <= LAST_DAY:
                    problems.append(f"{where}: dated {text}, outside late November to December 2025")
            except ValueError as error:
                problems.append(f"{where}: date {text!r}: {error}")
    if not MIN_ENTRIES <= total <= MAX_ENTRIES:
        problems.append(f"{total} entries in all, not {MIN_ENTRIES}-{MAX_ENTRIES}")
    return problems


def problems_in_keys(feeds: dict[str, tuple[str, list[dict]]], labels: dict) -> list[str]:
    """Every entry labelled, every label an entry; an id repeated in a feed says how often."""
    problems = []
    labelled = labels.get("feeds", {})
    for name in sorted(set(labelled) - set(feeds)):
        problems.append(f"labels name feed {name}, which is not in fixtures/feeds/")
    for name, (_fmt, entries) in feeds.items():
        seen: dict[str, int] = {}
        for entry in entries:
            seen[entry["id"]] = seen.get(entry["id"], 0) + 1
        mine = labelled.get(name, {}).get("entries", {})
        for entry_id in seen:
            if entry_id not in mine:
                problems.append(f"{name} {entry_id!r}: entry not labelled")
        for entry_id, label in mine.items():
            if entry_id not in seen:
                problems.append(f"{name} {entry_id!r}: labelled, but no such entry in the feed")
            elif seen[entry_id] != label.get("copies", 1):
                problems.append(f"{name} {entry_id!r}: {seen[entry_id]} copies in the feed, "
                                f"labelled {label.get('copies', 1)}")
    return problems


def problems_in_labels(labels: dict, items: dict[str, dict], truth: set, notes: set) -> list[str]:
    """Classes, refs, statuses and kinds, and agreement with the news fixture."""
    problems = []
    for name, feed in labels.get("feeds", {}).items():
        for entry_id, label in feed.get("entries", {}).items():
            where = f"{name} {entry_id!r}"
            cls = label.get("class")
            if cls not in CLASSES:
                problems.append(f"{where}: class {cls!r} is not one of {', '.join(CLASSES)}")
            if not (label.get("why") or "").strip():
                problems.append(f"{where}: no why")
            expects = label.get("expect")
            if not isinstance(expects, list):
                problems.append(f"{where}: expect is not a list")
                continue
            if cls in NOTHING and expects:
                problems.append(f"{where}: a {cls} entry expects proposals")
            if cls == "multi-item" and not expects:
                problems.append(f"{where}: a multi-item entry expects nothing (only one of its items changed)")
            if cls == "news" and not expects and not label.get("notes"):
                problems.append(f"{where}: a news entry with nothing expected must name the notes it carries")
            for ref in label.get("notes", []):
                if not any(r == ref for r, _on in notes):
                    problems.append(f"{where}: notes {ref}, but the news fixture has no note-only update for it")
            for expect in expects:
                problems += problems_in_expect(where, expect, items, truth)
    return problems


def problems_in_expect(where: str, expect: dict, items: dict[str, dict], truth: set) -> list[str]:
    problems = []
    ref, changes = expect.get("ref"), expect.get("set") or {}
    if ref is None:
        uid = expect.get("uid")
        added = items.get(uid, {}).get("added")
        if added is None:
            return [f"{where}: a new item whose uid {uid!r} the news fixture does not add"]
        if expect.get("add") != added["add"]:
            problems.append(f"{where}: adds {expect.get('add')!r}, the news fixture adds an {added['add']}")
        if changes != added["set"]:
            problems.append(f"{where}: the new item's fields differ from the news fixture's for {uid}")
        item_type = added["add"]
        kind = changes.get("kind")
        if kind not in KINDS[item_type]:
            problems.append(f"{where}: kind {kind!r} is not an {item_type} kind")
        event = changes.get("event")
        if event is not None and items.get(event, {}).get("type") != "event":
            problems.append(f"{where}: event {event!r} is not an event of the seed")
        item = uid
    else:
        if ref not in items:
            return [f"{where}: ref {ref!r} is neither in the seed nor added by the news fixture"]
        if set(changes) != {"status"}:
            problems.append(f"{where}: a change to {ref} must set its status alone, not {sorted(changes)}")
        item_type = items[ref]["type"]
        item = ref
    status = changes.get("status")
    if status not in STATUSES[item_type]:
        problems.append(f"{where}: status {status!r} is not an {item_type} status")
    on = expect.get("on")
    try:
        date.fromisoformat(on)
    except (TypeError, ValueError):
        problems.append(f"{where}: on {on!r} is not a date")
    if (item, status, on) not in truth:
        problems.append(f"{where}: {item} {status} on {on} is not a change in fixtures/news-2025-12.json")
    return problems


def problems_in_recall(labels: dict, truth: set) -> list[str]:
    """Every change the news fixture makes to a status is expected by at least one entry."""
    expected = {(expected_item(e), e.get("set", {}).get("status"), e.get("on"))
                for feed in labels.get("feeds", {}).values()
                for label in feed.get("entries", {}).values()
                for e in label.get("expect") or []}
    return [f"no entry reports {item} {status} on {on}" for item, status, on in sorted(truth - expected)]


def problems_in_duplicates(feeds: dict[str, tuple[str, list[dict]]], labels: dict) -> list[str]:
    """An entry whose link an earlier entry (in reading order) already has is labelled a
    duplicate, and every duplicate has such an earlier entry."""
    problems, first = [], {}
    for name in sorted(feeds):
        done = set()
        for entry in feeds[name][1]:
            if entry["id"] in done:
                continue
            done.add(entry["id"])
            label = labels.get("feeds", {}).get(name, {}).get("entries", {}).get(entry["id"], {})
            earlier = first.get(entry["link"])
            if earlier and label.get("class") != "duplicate":
                problems.append(f"{name} {entry['id']!r}: same link as {earlier}, but not labelled a duplicate")
            if not earlier and label.get("class") == "duplicate":
                problems.append(f"{name} {entry['id']!r}: labelled a duplicate, but no earlier entry has its link")
            first.setdefault(entry["link"], f"{name} {entry['id']!r}")
    return problems


def problems_in_coverage(labels: dict) -> list[str]:
    present = {label.get("class") for feed in labels.get("feeds", {}).values()
               for label in feed.get("entries", {}).values()}
    copies = any(label.get("copies", 1) > 1 for feed in labels.get("feeds", {}).values()
                 for label in feed.get("entries", {}).values())
    formats = {feed.get("format") for feed in labels.get("feeds", {}).values()}
    problems = [f"no entry of class {cls}" for cls in CLASSES if cls not in present]
    if not copies:
        problems.append("no entry repeated within a feed (same id twice)")
    problems += [f"no feed in {fmt}" for fmt in ("RSS 2.0", "RSS 1.0", "Atom 1.0") if fmt not in formats]
    return problems


# -- the corpus as shipped -----------------------------------------------------------------

@pytest.fixture(scope="module")
def feeds():
    return corpus()


@pytest.fixture(scope="module")
def labels():
    return load(LABELS)


@pytest.mark.parametrize("path", feed_files(), ids=lambda p: p.name)
def test_every_feed_is_well_formed_xml_without_a_doctype(path):
    assert well_formed(path.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize("path", sorted(HOSTILE.glob("*.xml")), ids=lambda p: p.name)
def test_hostile_feeds_are_well_formed_but_the_malformed_one(path):
    problem = well_formed(path.read_text(encoding="utf-8"), dtd_ok=True)
    if path.name == MALFORMED:
        assert problem is not None
    else:
        assert problem is None


def test_the_hostile_folder_holds_what_later_tests_need():
    text = {path.name: path.read_text(encoding="utf-8") for path in HOSTILE.glob("*.xml")}
    everything = "".join(text.values())
    for needle in ("[bold red]", "&#x9b;", "&#x202e;", "javascript:", "<!ENTITY lol1", 'SYSTEM "file:///etc/passwd"'):
        assert needle in everything, needle
    assert MALFORMED in text


def test_every_entry_has_title_https_link_id_date_and_summary(feeds):
    assert problems_in_entries(feeds) == []


def test_every_entry_is_labelled_and_every_label_is_an_entry(feeds, labels):
    assert problems_in_keys(feeds, labels) == []


def test_labels_use_the_seed_refs_tracker_statuses_and_the_news_fixture_changes(labels):
    assert problems_in_labels(labels, seed_items(), true_changes(), noted()) == []


def test_every_status_change_in_the_news_fixture_is_expected_by_some_entry(labels):
    assert problems_in_recall(labels, true_changes()) == []


def test_entries_sharing_a_link_are_labelled_duplicates(feeds, labels):
    assert problems_in_duplicates(feeds, labels) == []


def test_the_corpus_has_every_class_and_format(labels):
    assert problems_in_coverage(labels) == []


# -- each check finds damage ---------------------------------------------------------------

def _some(labels, cls):
    for name, feed in labels["feeds"].items():
        for entry_id, label in feed["entries"].items():
            if label["class"] == cls and (cls != "news" or label["expect"]):
                return name, entry_id, label
    raise AssertionError(f"no {cls} label")


def test_well_formed_finds_broken_xml_and_a_doctype():
    assert well_formed("<rss><channel></rss>") is not None
    assert well_formed('<!DOCTYPE rss [<!ENTITY a "b">]><rss>&a;</rss>') is not None
    assert well_formed('<!DOCTYPE rss [<!ENTITY a "b">]><rss>&a;</rss>', dtd_ok=True) is None


def test_entry_checks_find_a_bad_link_date_and_missing_title(feeds):
    broken = copy.deepcopy(feeds)
    name = next(n for n, (fmt, _e) in broken.items() if fmt == "rss2")
    entry = broken[name][1][0]
    entry["link"] = "http://insecure.example/"
    entry["date"] = "2025-12-05T10:00:00+05:30"
    atom = next(n for n, (fmt, _e) in broken.items() if fmt == "atom")
    broken[atom][1][0]["title"] = ""
    broken[atom][1][1]["date"] = "2024-12-05T10:00:00Z"
    found = "\n".join(problems_in_entries(broken))
    assert "not https" in found and "RFC 822" in found and "no title" in found and "outside" in found
    assert any("entries in all" in p for p in problems_in_entries({name: broken[name]}))


def test_key_checks_find_an_unlabelled_entry_a_stray_label_and_wrong_copies(feeds, labels):
    broken = copy.deepcopy(labels)
    name, entry_id, _label = _some(broken, "other-country")
    del broken["feeds"][name]["entries"][entry_id]
    broken["feeds"][name]["entries"]["no-such-entry"] = {"class": "news", "why": "x", "expect": []}
    repeated = next((n, i) for n, f in broken["feeds"].items() for i, l in f["entries"].items() if l.get("copies", 1) > 1)
    broken["feeds"][repeated[0]]["entries"][repeated[1]]["copies"] = 1
    found = "\n".join(problems_in_keys(feeds, broken))
    assert "not labelled" in found and "no such entry" in found and "copies" in found


@pytest.mark.parametrize("damage, words", [
    (lambda e: e.update(ref="A99"), "neither in the seed"),
    (lambda e: e.update(set={"status": "inked"}), "is not an"),
    (lambda e: e.update(on="2025-12-06"), "is not a change"),
    (lambda e: e.update(set={"status": "signed", "title": "x"}), "status alone"),
])
def test_label_checks_find_a_bad_ref_status_date_or_field(labels, damage, words):
    broken = copy.deepcopy(labels)
    _name, _id, label = _some(broken, "news")
    damage(next(e for e in label["expect"] if e["ref"]))
    assert any(words in p for p in problems_in_labels(broken, seed_items(), true_changes(), noted()))


def test_label_checks_find_a_new_item_unlike_the_news_fixture_and_a_proposal_for_a_denial(labels):
    broken = copy.deepcopy(labels)
    _name, _id, label = _some(broken, "news")
    news_label = next(l for f in broken["feeds"].values() for l in f["entries"].values()
                      if any(e["ref"] is None for e in l["expect"]))
    new = next(e for e in news_label["expect"] if e["ref"] is None)
    new["set"] = dict(new["set"], title="Something else")
    _n, _i, denial = _some(broken, "denial")
    denial["expect"] = [dict(label["expect"][0])]
    broken["feeds"]["x.xml"] = {"entries": {"y": {"class": "rumour", "why": "", "expect": []}}}
    found = "\n".join(problems_in_labels(broken, seed_items(), true_changes(), noted()))
    assert "differ from the news fixture" in found and "a denial entry expects proposals" in found
    assert "class 'rumour'" in found and "no why" in found


def test_recall_check_finds_a_change_no_entry_reports(labels):
    broken = copy.deepcopy(labels)
    for feed in broken["feeds"].values():
        for label in feed["entries"].values():
            label["expect"] = [e for e in label["expect"] if e.get("ref") != "A1"]
    assert problems_in_recall(broken, true_changes()) == ["no entry reports A1 stalled on 2025-12-05"]


def test_duplicate_check_finds_an_unlabelled_copy_and_a_false_duplicate(feeds, labels):
    broken = copy.deepcopy(labels)
    name, entry_id, label = _some(broken, "duplicate")
    label["class"] = "news"
    other_name, other_id, other = _some(broken, "other-subject")
    other["class"] = "duplicate"
    found = "\n".join(problems_in_duplicates(feeds, broken))
    assert "not labelled a duplicate" in found and "no earlier entry has its link" in found


def test_coverage_check_finds_a_missing_class(labels):
    broken = copy.deepcopy(labels)
    for feed in broken["feeds"].values():
        feed["entries"] = {i: l for i, l in feed["entries"].items() if l["class"] != "republished"}
    assert problems_in_coverage(broken) == ["no entry of class republished"]
