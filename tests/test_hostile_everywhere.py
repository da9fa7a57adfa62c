"""Every surface that shows untrusted text, walked with the same hostile text in every field.

Titles, notes, sources, places, parties, tags, sectors and series come from the news.
Whatever they hold, no control character (ESC, C1 CSI, BEL, NUL) nor a direction
override reaches a terminal through stdout or stderr; Rich markup is printed, not
obeyed; HTML is escaped; Markdown makes no link of it; JSON stays valid and gives the
text back exactly.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import TRACKER_BIN

HOSTILE = ("\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ bel\x07 csi\x9b31m "
           "\u202eevil\u202c [bold]B[/bold] <script>alert(1)</script> [x](javascript:alert(1))")
SOURCE = "https://evil.example/" + HOSTILE.replace(" ", "")
# What must never be written raw: C0 controls but tab and line feed, DEL, C1, and the
# Unicode direction controls.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def harmless(text: str, where: str) -> None:
    found = UNSAFE.search(text)
    assert found is None, f"{where}: raw {found.group()!r} in {text[max(found.start() - 40, 0):found.end() + 40]!r}"


def checked(run, where: str):
    assert run.code == 0, f"{where} failed ({run.code}): {run.stderr}"
    harmless(run.stdout, f"{where} stdout")
    harmless(run.stderr, f"{where} stderr")
    return run


@pytest.fixture
def hostile(tracker):
    """An event and two agreements, every free-text field of each the hostile text, with a change in the week."""
    fields = ["--party", HOSTILE, "--tag", HOSTILE, "--source", SOURCE, "--note", HOSTILE]
    checked(tracker("add", "event", HOSTILE, "--kind", "summit", "--start", "2025-12-01", "--tz", "Asia/Kolkata",
                    "--location", HOSTILE, "--series", HOSTILE, "--number", "1", "--on", "2025-11-27", *fields),
            "add event")
    checked(tracker("add", "agreement", HOSTILE, "--event", "E1", "--sector", HOSTILE, "--due", "2025-12-02",
                    "--on", "2025-11-27", *fields), "add agreement")
    checked(tracker("add", "agreement", HOSTILE + " 2", "--event", "E1", "--sector", HOSTILE,
                    "--on", "2025-11-27", *fields), "add agreement")
    checked(tracker("update", "A1", "--status", "signed", "--on", "2025-11-28", "--note", HOSTILE,
                    "--source", SOURCE), "update")
    return tracker


TEXT_COMMANDS = [
    ["list"], ["list", "--all"], ["list", "agreements"], ["list", "--tag", HOSTILE], ["list", "--party", HOSTILE],
    ["list", "--search", "evil"], ["show", "E1"], ["show", "A1"], ["history"], ["history", "A1"],
    ["countdown"], ["countdown", "--days", "30"], ["report"], ["report", "--format", "text"],
    ["report", "--week", "2025-W49"],
]
JSON_COMMANDS = [
    ["list", "--json"], ["list", "--all", "--json"], ["show", "E1", "--json"], ["show", "A1", "--json"],
    ["history", "--json"], ["countdown", "--json"], ["report", "--format", "json"], ["export"],
]


@pytest.mark.parametrize("args", TEXT_COMMANDS, ids=" ".join)
def test_text_output_shows_hostile_text_as_escapes(hostile, args):
    run = checked(hostile(*args), " ".join(args))
    if args[0] in ("list", "show", "history", "countdown") or args[-1] == "text" or args == ["report"]:
        assert "\\x1b" in run.stdout          # shown, as an escape
        assert "[bold]B[/bold]" in run.stdout    # markup printed, not obeyed


def test_report_headline_escapes_the_next_title(hostile):
    """The plain-text report named what is next with its title raw."""
    run = checked(hostile("report"), "report")
    headline = next(line for line in run.stdout.splitlines() if "Next:" in line)
    assert "Next: E1 \\x1b[31mred" in headline


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=" ".join)
def test_json_output_is_valid_and_escaped(hostile, args):
    run = checked(hostile(*args), " ".join(args))
    document = json.loads(run.stdout)
    found = list(_strings(document))
    assert HOSTILE in found       # given back exactly
    if args[0] in ("show", "history", "export"):
        assert SOURCE in found


def test_html_report_escapes_everything(hostile):
    for week in ("2025-W48", "2025-W49"):
        html = checked(hostile("report", "--week", week, "--format", "html"), "report html").stdout
        assert "<script>alert" not in html and "&lt;script&gt;" in html
        assert 'href="javascript:' not in html
        assert "\\x1b" in html or "&#27;" in html or "\\u001b" in html


def test_markdown_report_makes_no_link_and_no_markup(hostile):
    for week in ("2025-W48", "2025-W49"):
        md = checked(hostile("report", "--week", week, "--format", "md"), "report md").stdout
        assert "[x](javascript:" not in md
        assert "<script>" not in md


def test_written_files_are_escaped_too(hostile, tmp_path):
    for fmt in ("text", "md", "html", "json"):
        target = tmp_path / f"report.{fmt}"
        checked(hostile("report", "--format", fmt, "-o", str(target)), f"report -o {fmt}")
        text = target.read_text(encoding="utf-8")
        if fmt in ("text", "md"):
            harmless(text, f"report -o {fmt}")
        elif fmt == "json":
            json.loads(text)
    named = tmp_path / "\x1b[31mexport\u202e.json"
    checked(hostile("export", "-o", str(named)), "export -o")        # its message names the path harmlessly
    harmless(named.read_text(encoding="utf-8"), "export file")
    checked(hostile("report", "-o", str(named)), "report -o")


def test_changes_report_on_stderr_harmlessly(hostile, tmp_path):
    exported = tmp_path / "export.json"
    checked(hostile("export", "-o", str(exported)), "export -o")
    checked(hostile("remove", "A2", "--note", HOSTILE), "remove")
    checked(hostile("update", "E1", "--title", HOSTILE + " again", "--location", HOSTILE + "!"), "update")
    other = tmp_path / "other.db"
    checked(hostile("import", str(exported), TRACKER_DB=str(other)), "import")
    updates = tmp_path / "updates.json"
    updates.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "agreement", "on": "2025-11-28", "set": {"title": HOSTILE, "sector": HOSTILE, "parties": [HOSTILE]},
         "note": HOSTILE, "source": SOURCE},
        {"ref": "A1", "on": "2025-11-28", "set": {"title": HOSTILE + "!"}, "note": HOSTILE}]}), encoding="utf-8")
    checked(hostile("apply", str(updates)), "apply")


@pytest.mark.parametrize("args", [
    ["list", "--status", HOSTILE], ["list", "--kind", HOSTILE], ["show", HOSTILE], ["show", "E99"],
    ["update", "A1", "--status", HOSTILE], ["update", "A1", "--kind", HOSTILE], ["add", "event", "x", "--tz", HOSTILE],
    ["list", "--" + HOSTILE], [HOSTILE], ["list", "--tz", HOSTILE], ["report", "--format", HOSTILE],
    ["report", "--week", HOSTILE], ["add", "agreement", "x", "--event", HOSTILE],
    ["add", "agreement", "x", "--source", HOSTILE], ["import", HOSTILE], ["countdown", "--days", HOSTILE],
], ids=lambda args: " ".join(args)[:20].encode("unicode_escape").decode())
def test_refusals_quote_hostile_values_harmlessly(hostile, args):
    before = hostile.dump()
    run = hostile(*args)
    assert run.code in (1, 2), run.stdout
    assert run.stderr.startswith("tracker: error: ") and run.stderr.count("\n") == 1, run.stderr
    harmless(run.stderr, " ".join(args))
    harmless(run.stdout, " ".join(args))
    assert hostile.dump() == before


def test_nul_in_a_file_is_refused_or_escaped(tracker, tmp_path):
    """NUL cannot come through the command line; a JSON file can hold it (\\u0000)."""
    updates = tmp_path / "nul.json"
    updates.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "event", "uid": "u-nul", "on": "2025-11-28", "set": {"title": "nul\0here", "location": "a\0b"},
         "note": "n\0"}]}), encoding="utf-8")
    run = tracker("apply", str(updates))
    harmless(run.stderr, "apply")
    if run.code != 0:
        assert run.code in (1, 2) and run.stderr.startswith("tracker: error: ")
        return
    for args in (["list"], ["show", "E1"], ["history"], ["report"], ["report", "--format", "md"]):
        out = checked(tracker(*args), " ".join(args)).stdout
        assert "\0" not in out
    assert json.loads(checked(tracker("show", "E1", "--json"), "show --json").stdout)["title"] == "nul\0here"


def _completions(db, shell: str, line: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin", "TRACKER_DB": str(db), "_TRACKER_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(line.split(" ")) - 1)}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": line}
        if shell == "fish":
            env |= {"_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    return subprocess.run([str(TRACKER_BIN)], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", ["tracker list --party ", "tracker list --tag ", "tracker list --sector ",
                                  "tracker list --series ", "tracker show ", "tracker update A"])
@pytest.mark.sqlite_only
def test_completions_send_no_control_characters(hostile, shell, line):
    run = _completions(hostile.db, shell, line)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    harmless(run.stdout, f"{shell}: {line}")
    if line.startswith("tracker show") or line.startswith("tracker update"):
        assert "E1" in run.stdout or "A1" in run.stdout      # the items themselves are still offered
