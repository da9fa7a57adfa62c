"""Fuzzing: valid export and updates files, and command lines, mutated with the kinds of
hostile input tracker has met (deep nesting, wrong types, huge numbers, lone surrogates,
dates at the edges of the calendar, unknown and missing keys, huge strings).

Whatever the input, tracker ends in one of two ways: it succeeds (exit 0), or it fails
with exit 1 or 2 and exactly one line on stderr starting `tracker: error:`, and the
database is exactly as it was. Never a traceback (the CLI runs in-process with
exceptions let through, so one fails the test with its traceback).

`make test` runs a few dozen examples of each property, within seconds;
TRACKER_FUZZ_EXAMPLES=2000 runs that many of each, for a longer hunt.
"""

from __future__ import annotations

import copy
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import NEWS, SEED, Tracker

EXAMPLES = int(os.environ.get("TRACKER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="TRACKER_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

NEWS_NOW = "2025-12-12T09:00:00+05:30"
# Stands for JSON nested a thousand deep: written into the text after json.dumps, which
# could not write it (it recurses too).
DEEP = "__nested_a_thousand_deep__"

HOSTILE_VALUES = [
    None, True, False, 0, -1, 1.5, 2**63, -(2**63) - 1, 10**20, [], {}, [[[]]], {"a": {"b": []}}, DEEP,
    "", " ", "\ud800", "a\udfffb", "\x00", "\x1b[31m", "\u202e", "x" * 1_000_000,
    "9999-12-31", "0001-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2025-02-30",
    "2199-12-31", "1900-01-01", "2025-12-04T10:30", "yesterday", "+99999d", "9999-W52",
    "E1", "A1", "E0", "A99999999999999999999", "localtime", "Mars/Olympus", "Asia/Kolkata",
    "summit", "signed", "https://example.org/x", "javascript:alert(1)",
]
# Copied as drawn: a mutation may add keys to it, and the constants are shared.
hostile = st.one_of(st.sampled_from(HOSTILE_VALUES).map(copy.deepcopy), st.text(max_size=20), st.integers())
KEYS = st.one_of(st.sampled_from(["nte", "title", "status", "start", "due", "on", "ref", "uid", "set", "parent",
                                  "event", "series_number", "number", "tz", "\ud800", "format", "version"]),
                 st.text(max_size=8))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A database holding the seed case, copied afresh for each example."""
    folder = tmp_path_factory.mktemp("fuzz")
    tracker = Tracker(folder / "template.db")
    tracker.ok("import", str(SEED))
    return Template(tracker.db, tracker.dump())


class Template(tuple):
    """(database, its dump); short in a report of a failing example."""

    def __new__(cls, db, dump):
        return super().__new__(cls, (db, dump))

    def __repr__(self) -> str:
        return "<the seeded database>"


def _fresh(template, tmp_path) -> Tracker:
    db, _ = template
    copy = tmp_path / "fuzz.db"
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"fuzz.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return Tracker(copy)


def _holds(run, tracker: Tracker, before: list[str]) -> None:
    assert "Traceback" not in run.stderr + run.stdout
    if run.code == 0:
        return
    assert run.code in (1, 2), (run.code, run.stderr[:500])
    assert run.stderr.startswith("tracker: error: "), run.stderr[:500]
    assert run.stderr.count("\n") == 1, run.stderr[:500]
    assert len(run.stderr) < 3000, run.stderr[:500]
    assert tracker.dump() == before


def _paths(value, path=()):
    """Every place in a document: (path, value)."""
    yield path, value
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*path, index))


@st.composite
def mutated(draw, original: dict) -> str:
    """The document with one to three mutations, as JSON text."""
    document = json.loads(json.dumps(original))
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(document))
        path, value = draw(st.sampled_from(places))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "add key", "delete key", "swap type"]))
        if action == "add key" and isinstance(value, dict):
            value[draw(KEYS)] = draw(hostile)
        elif action == "delete key" and isinstance(value, dict) and value:
            del value[draw(st.sampled_from(sorted(value)))]
        elif not path:
            continue
        elif action == "swap type":
            parent[path[-1]] = [value] if not isinstance(value, list) else {"x": value}
        else:
            parent[path[-1]] = draw(hostile)
    return json.dumps(document).replace(json.dumps(DEEP), "[" * 1000 + "]" * 1000)


@FUZZ
@given(data=st.data())
def test_a_mutated_export_imports_whole_or_not_at_all(template, tmp_path, data):
    tracker = _fresh(template, tmp_path)
    before = template[1]
    # Into the database holding the same items (most of the file is already there) or an
    # empty one (all of it is new), alternately.
    if data.draw(st.booleans()):
        tracker = Tracker(tmp_path / "empty.db")
        (tmp_path / "empty.db").unlink(missing_ok=True)
        tracker.ok("list")
        before = tracker.dump()
    path = tmp_path / "mutated.json"
    path.write_text(data.draw(mutated(json.loads(SEED.read_text()))), encoding="utf-8", errors="surrogatepass")
    _holds(tracker("import", str(path)), tracker, before)


@FUZZ
@given(data=st.data())
def test_a_mutated_file_of_updates_applies_whole_or_not_at_all(template, tmp_path, data):
    tracker = _fresh(template, tmp_path)
    path = tmp_path / "mutated-news.json"
    path.write_text(data.draw(mutated(json.loads(NEWS.read_text()))), encoding="utf-8", errors="surrogatepass")
    _holds(tracker("apply", str(path), TRACKER_NOW=NEWS_NOW), tracker, template[1])


COMMANDS = [
    ["add", "event", "{}"], ["add", "event", "X", "--start", "{}"], ["add", "event", "X", "--start", "2025-12-04",
                                                                      "--tz", "{}"],
    ["add", "event", "X", "--status", "{}"], ["add", "agreement", "X", "--due", "{}"],
    ["add", "agreement", "X", "--kind", "{}"], ["update", "A1", "--status", "{}"],
    ["update", "E1", "--series", "S", "--number", "{}"], ["update", "A1", "--note", "{}"],
    ["update", "A1", "--note", "x", "--on", "{}"], ["update", "A1", "--note", "x", "--source", "{}"],
    ["update", "{}", "--note", "x"], ["countdown", "--days", "{}"], ["countdown", "--limit", "{}"],
    ["list", "--limit", "{}"], ["list", "--tag", "{}"], ["list", "--from", "{}"], ["list", "--search", "{}"],
    ["list", "{}"], ["show", "{}"], ["history", "--since", "{}"], ["report", "--week", "{}"],
    ["report", "--format", "{}"], ["--now", "{}", "countdown"], ["list", "--tz", "{}"], ["{}"],
]
ARGUMENTS = st.one_of(
    st.sampled_from([str(v) for v in HOSTILE_VALUES if not isinstance(v, (list, dict)) and v not in (DEEP, "\x00")]
                    + ["\udcff\udcfe", "99999999999999999999", "99999999999", "-5", "2025-W49", "2025-12"]),
    st.text(max_size=20).filter(lambda text: "\x00" not in text),
    st.integers().map(str),
)


@FUZZ
@given(command=st.sampled_from(COMMANDS), value=ARGUMENTS)
def test_a_hostile_command_line_succeeds_or_fails_in_one_line(template, tmp_path, command, value):
    tracker = _fresh(template, tmp_path)
    args = [value if part == "{}" else part for part in command]
    _holds(tracker(*args), tracker, template[1])
