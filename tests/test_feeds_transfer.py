"""Export and import carry the news: the feeds followed, the entries seen and the inbox's
proposals with their decisions (issue 12), so that a move to a new machine loses none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, SEED, Tracker

CORPUS = [str(path) for path in sorted((FIXTURES / "feeds").glob("*.xml"))]
AFTER = "2025-12-31T12:00:00Z"


@pytest.fixture
def informed(seeded):
    """The seed case with a feed followed, the corpus read, proposals accepted and dismissed."""
    seeded.env["TRACKER_NOW"] = AFTER
    seeded.ok("feeds", "add", "https://mea.example/press.rss", "--name", "mea")
    seeded.ok("news", "--quiet", "--file", *CORPUS)
    ids = [p["id"] for p in seeded.ok("inbox", "--json").json()]
    seeded.ok("inbox", "accept", str(ids[0]))
    seeded.ok("inbox", "dismiss", str(ids[1]))
    return seeded


def _elsewhere(tmp_path: Path, name: str = "new.db") -> Tracker:
    other = Tracker(tmp_path / name)
    other.env["TRACKER_NOW"] = AFTER
    return other


def _inbox(tracker) -> list[dict]:
    return [{key: value for key, value in p.items() if key != "id"} for p in tracker.ok("inbox", "--all", "--json").json()]


@pytest.mark.parametrize("streamed", [False, True])
def test_the_news_moves_with_an_export(informed, tmp_path, monkeypatch, streamed):
    from tracker.transfer import importing

    monkeypatch.setattr(importing, "STREAM_FROM", 0 if streamed else 1 << 40)
    exported = tmp_path / "export.json"
    informed.ok("export", "-o", str(exported))
    document = json.loads(exported.read_text())
    assert list(document)[:4] == ["format", "version", "exported", "feeds"]
    moved = _elsewhere(tmp_path)
    run = moved.ok("import", str(exported))
    entries = len(document["feeds"]["entries"])
    proposals = len(document["feeds"]["proposals"])
    assert f"from the news, 1 feed followed, {entries} entries seen, {proposals} proposals" in run.stderr + run.stdout
    assert _inbox(moved) == _inbox(informed)
    assert moved.ok("feeds", "list", "--json").json() == informed.ok("feeds", "list", "--json").json()
    # Nothing read before comes back as new, and the decisions stand.
    again = moved.ok("news", "--json", "--file", *CORPUS).json()
    assert (again["entries"], again["proposals"]) == (0, 0)
    assert moved.ok("check").stderr == "No problems found.\n"
    # Importing the same file again changes nothing.
    before = moved.dump()
    moved.ok("import", str(exported))
    assert moved.dump() == before


def test_a_proposal_follows_its_item_renumbered_by_the_import(informed, tmp_path):
    exported = tmp_path / "export.json"
    informed.ok("export", "-o", str(exported))
    moved = _elsewhere(tmp_path)
    moved.ok("add", "agreement", "Something else first")
    moved.ok("add", "event", "Another event first")
    moved.ok("import", str(exported))
    # In the same order (state, confidence, then as read): one for one.
    for proposal, was in zip(_inbox(moved), _inbox(informed), strict=True):
        assert proposal["headline"] == was["headline"]
        assert proposal["ref"] != was["ref"] or proposal["ref"] is None
        if was["ref"]:
            assert moved.ok("show", proposal["ref"], "--json").json()["title"] == \
                informed.ok("show", was["ref"], "--json").json()["title"]
        if proposal["set"].get("event"):
            assert moved.ok("show", proposal["set"]["event"], "--json").json()["title"] == \
                informed.ok("show", was["set"]["event"], "--json").json()["title"]


def test_an_export_without_feeds_imports_as_before(seeded, tmp_path):
    exported = tmp_path / "export.json"
    seeded.ok("export", "-o", str(exported))
    assert "feeds" not in json.loads(exported.read_text())
    moved = _elsewhere(tmp_path)
    run = moved.ok("import", str(exported))
    assert "news" not in run.stdout + run.stderr
    assert moved.ok("inbox", "--json").json() == [] and moved.ok("feeds", "list", "--json").json() == []
    # An export of version 1 written before feeds were carried (the seed file is one).
    assert "feeds" not in json.loads(SEED.read_text())


def _broken(exported: Path, tmp_path: Path, change) -> Path:
    document = json.loads(exported.read_text())
    change(document["feeds"])
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(document))
    return path


def _set(where: str, key: str, value):
    def change(feeds):
        feeds[where][0][key] = value
    return change


@pytest.mark.parametrize("change, words", [
    (lambda feeds: feeds.update(followed={}), '"feeds": "followed" must be a list'),
    (lambda feeds: feeds.update(extra=[]), "unknown key 'extra'"),
    (_set("followed", "url", "file:///etc/passwd"), "feed 1: \"url\" 'file:///etc/passwd' is not an http or https"),
    (_set("followed", "status", "fine"), "feed 1: \"status\" must be one of ok, failing, gone, not 'fine'"),
    (_set("followed", "added", "yesterday"), "feed 1:"),
    (_set("entries", "id", "one"), "entry 1: \"id\" must be a whole number no other entry has"),
    (_set("entries", "link", "javascript:alert(1)"), "entry 1: \"link\" 'javascript:alert(1)' is not an http or https"),
    (_set("entries", "title", ""), "entry 1: \"title\" must be a non-empty string"),
    (_set("proposals", "entry", 99999), "proposal 1: \"entry\" must be the id of an entry of the file, not 99999"),
    (_set("proposals", "confidence", 7), "proposal 1: \"confidence\" must be a number from 0 to 1, not 7"),
    (_set("proposals", "state", "maybe"), "proposal 1: \"state\" must be one of open, accepted, dismissed"),
    (_set("proposals", "set", {"status": "done"}), "proposal 1: \"set\" proposes"),
    (_set("proposals", "source", "ftp://x.example/a"), "proposal 1: \"source\" 'ftp://x.example/a' is not an http"),
    (_set("proposals", "on", "5 Dec"), "proposal 1: \"on\" '5 Dec' is not a day"),
])
def test_bad_news_in_an_export_is_one_line_and_imports_nothing(informed, tmp_path, change, words):
    exported = tmp_path / "export.json"
    informed.ok("export", "-o", str(exported))
    moved = _elsewhere(tmp_path)
    moved.ok("list", "--json")      # the database made, empty
    before = moved.dump()
    run = moved("import", str(_broken(exported, tmp_path, change)))
    assert run.code == 2 and run.stderr.startswith("tracker: error: ") and "broken.json: \"feeds\": " in run.stderr
    assert words in run.stderr and run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert moved.dump() == before


def test_a_proposal_about_an_item_not_in_the_file_is_named(informed, tmp_path):
    exported = tmp_path / "export.json"
    informed.ok("export", "-o", str(exported))

    def elsewhere(feeds):
        changed = next(p for p in feeds["proposals"] if p["ref"])
        changed["ref"] = "A999"
    run = _elsewhere(tmp_path)("import", str(_broken(exported, tmp_path, elsewhere)))
    assert run.code == 2 and "\"ref\" is A999, which is not among the file's items" in run.stderr


def test_an_export_reads_a_proposal_written_outside_tracker(informed, tmp_path):
    informed.execute("UPDATE proposals SET evidence = 'nope' WHERE id = 1")
    exported = tmp_path / "export.json"
    informed.ok("export", "-o", str(exported))
    assert json.loads(exported.read_text())["feeds"]["proposals"][0]["evidence"] == {}
