"""Titles, notes and sources come from the news: stored as given, printed literally."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import TRACKER_BIN

HOSTILE = [
    "[bold red]S-400[/bold red] deal",
    "[link=https://evil.example]click[/link]",
    "Robert'); DROP TABLE items;--",
    "50% off \" OR 1=1 --",
    "\x1b[2J\x1b[31mcleared\x1b[0m",
    "\x1b]8;;https://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\",
    "bell\x07 and csi\x9b31m",
    "right-to-left \u202eevil\u202c override",
    ":smile: emoji code",
]


@pytest.mark.parametrize("title", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_titles_are_stored_as_given_and_printed_harmlessly(tracker, title):
    tracker.ok("add", "agreement", title, "--note", title, "--sector", "trade")
    item = tracker.ok("show", "A1", "--json").json()
    assert item["title"] == title.strip()
    assert item["history"][0]["note"] == title.strip()
    for args in (["list"], ["show", "A1"], ["history"]):
        out = tracker.ok(*args).stdout
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out and "\u202e" not in out
    shown = tracker.ok("list").stdout
    if title.startswith("["):
        assert title.split("]")[0] + "]" in shown       # the markup is printed, not obeyed
    if "\x1b" in title:
        assert "\\x1b" in shown                          # shown as an escape


def test_json_output_escapes_controls_and_stays_valid(tracker):
    title = "\x1b[31mred\x1b[0m \x9b \u202e"
    tracker.ok("add", "event", title)
    out = tracker.ok("list", "--json").stdout
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out
    assert json.loads(out)[0]["title"] == title


def test_sql_metacharacters_in_a_search_are_only_words(summit):
    for words in ('"', "S-400 OR", "NEAR(", "title:x", "*", "'; DROP TABLE items; --"):
        run = summit("list", "--search", words, "--json")
        assert run.code == 0, run.stderr
    assert [i["ref"] for i in summit.ok("list", "--all", "--json").json()] == ["E1", "E2", "A1", "A2"]


def test_installed_command_sends_no_escape_sequences_through_a_pipe(summit):
    summit.ok("update", "A1", "--title", "\x1b]8;;https://evil.example\x1b\\pact\x1b]8;;\x1b\\")
    env = {"TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "PATH": "/usr/bin:/bin"}
    for args in (["list"], ["show", "A1"], ["history"]):
        run = subprocess.run([str(TRACKER_BIN), *args], env=env, capture_output=True, check=True)
        assert b"\x1b" not in run.stdout
        assert b"\\x1b]8;;https://evil.example" in run.stdout
