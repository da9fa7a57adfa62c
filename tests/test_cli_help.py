"""Helpful when wrong: the closest command, option and value; advice that fits the mistake;
help pages that say what each command takes; a closed pipe is not a failure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TRACKER_BIN
from test_bad_input import check_one_line_error

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.mark.parametrize("args, words", [
    (["lst"], "No such command 'lst'; did you mean list?"),
    (["countdwn"], "did you mean countdown?"),
    (["add", "evnt", "X"], "did you mean event?"),
    (["list", "--status", "sigend"], "did you mean signed?"),
    (["update", "A1", "--status", "sigend"], "did you mean signed?"),
    (["update", "E1", "--status", "hled"], "did you mean held?"),
    (["add", "event", "X", "--kind", "sumit"], "did you mean summit?"),
    (["update", "A1", "--clear", "evnt"], "did you mean event?"),
    (["list", "--stat", "x"], "No such option: --stat; did you mean --status?"),
    (["list", "--frm", "2025-12-01"], "did you mean --from or --format or --bom?"),
    (["--nwo", "2025-12-01", "list"], "did you mean --now?"),
    (["list", "evnts"], "cannot list 'evnts': say events or agreements, or nothing for both; did you mean events?"),
    (["list", "--tz", "asia/kolkata"], "not a known IANA time zone: use a name such as Asia/Kolkata, "
                                       "Europe/Brussels or UTC; did you mean Asia/Kolkata?"),
    (["add", "event", "X", "--start", "2025-12-04", "--tz", "Asia/Kolkat"], "; did you mean Asia/Kolkata?"),
    (["countdown", "--tz", "europe/brussels"], "; did you mean Europe/Brussels?"),
])
def test_the_closest_command_option_or_value_is_suggested(summit, args, words):
    check_one_line_error(summit(*args), 2, words)


def test_nothing_is_suggested_when_nothing_is_close(summit):
    run = summit("update", "A1", "--status", "zzz")
    check_one_line_error(run, 2, "is not one of")
    assert "did you mean" not in run.stderr
    run = summit("list", "--tz", "Mars/Olympus")
    check_one_line_error(run, 2, "not a known IANA time zone")
    assert "did you mean" not in run.stderr


@pytest.mark.parametrize("args, words", [
    (["list", "--now", "2025-12-01"],
     "--now is an option of tracker itself, not of `list`: put it before the command, "
     "as in `tracker --now 2025-12-01 list`"),
    (["countdown", "--now=in 2 days"], 'as in `tracker --now "in 2 days" countdown`'),
    (["list", "--db", "other.db"], "as in `tracker --db other.db list`"),
    (["list", "--version"], "--version is an option of tracker itself, not of `list`: run `tracker --version`"),
    (["show", "A1", "--show-completion", "zsh"], "run `tracker --show-completion zsh`"),
    (["add", "event", "--title", "G20"],
     "give the title as an argument, without --title, as in `tracker add event TITLE [OPTIONS]`"),
])
def test_advice_fits_the_mistake(summit, args, words):
    run = summit(*args)
    check_one_line_error(run, 2, words)
    assert "--to" not in run.stderr and "--note" not in run.stderr


@pytest.mark.parametrize("args, help_of", [
    (["update", "A1", "--status"], "tracker update --help"),
    (["add", "event", "X", "--tz"], "tracker add event --help"),
    (["list", "--limit", "many"], "tracker list --help"),
])
def test_a_usage_error_points_to_the_help_of_its_command(summit, args, help_of):
    run = summit(*args)
    check_one_line_error(run, 2, f"(see `{help_of}`)")


@pytest.mark.parametrize("text", ["Dec 2025", "December 2025", "dec. 2025"])
def test_a_written_month_gets_the_month_message(summit, text):
    check_one_line_error(summit("add", "event", "X", "--start", text), 2,
                         "is a month, not a day: give the day, such as 2025-12-01")
    check_one_line_error(summit("list", "--from", text), 2, "is a month written out: write it as 2025-12")


def test_apply_of_a_file_that_is_not_json_asks_for_an_updates_file(summit, tmp_path):
    news = tmp_path / "news.txt"
    news.write_text("G20 leaders met in Johannesburg\n")
    run = summit("apply", str(news))
    check_one_line_error(run, 2, "is not JSON")
    assert "give a tracker-updates file" in run.stderr
    assert "tracker export" not in run.stderr
    check_one_line_error(summit("import", str(news)), 2, "give a file written by `tracker export`")


def test_add_alone_prints_its_help_and_exits_0(tracker):
    run = tracker("add")
    assert run.code == 0, run.stderr
    assert "Usage: tracker add" in run.stdout
    assert "event" in run.stdout and "agreement" in run.stdout
    assert run.stderr.strip() == ""


def _help(tracker, *command: str) -> str:
    return tracker.ok(*command, "--help", COLUMNS="80").stdout


def test_each_add_command_lists_its_own_vocabulary(tracker):
    event, agreement, update = _help(tracker, "add", "event"), _help(tracker, "add", "agreement"), \
        _help(tracker, "update")
    assert "summit" in event and "announced" in event
    assert "treaty" not in event and "negotiating" not in event and "Agreements:" not in event
    assert "treaty" in agreement and "negotiating" in agreement
    assert "summit" not in agreement and "announced" not in agreement and "Events:" not in agreement
    assert "Events: summit" in " ".join(update.split()) and "Agreements: rumoured" in " ".join(update.split())


HELP_PAGES = [[], ["add"], ["add", "event"], ["add", "agreement"], ["update"], ["remove"], ["list"], ["show"],
              ["history"], ["countdown"], ["report"], ["export"], ["import"], ["apply"]]


@pytest.mark.parametrize("command", HELP_PAGES, ids=[" ".join(c) or "tracker" for c in HELP_PAGES])
def test_help_paragraphs_are_not_broken_mid_phrase(tracker, command):
    """At 80 columns, a line of a help's description ends a sentence, or is full enough
    that the next word would not have fitted: a short line followed by more of the same
    sentence is a line break from the source."""
    lines = _help(tracker, *command).splitlines()
    text = [line.strip() for line in lines if line.startswith(" ") and not line.startswith(" Usage")]
    for line, following in zip(text, text[1:]):
        if line and following and following[0].islower():
            next_word = following.split()[0]
            assert len(line) + 1 + len(next_word) > 78, f"broken after {line!r}"


@pytest.mark.slow
def test_a_closed_pipe_is_exit_0_every_time(tmp_path):
    """`tracker list --all | head -3`: the reader leaves early; tracker exits 0 and says nothing."""
    export = tmp_path / "big.json"
    with export.open("w") as out:       # 1100 items: more than a pipe's buffer holds
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "1000"], stdout=out, check=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TRACKER_DB": str(tmp_path / "t.db"),
           "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels", "COLUMNS": "100"}
    subprocess.run([str(TRACKER_BIN), "import", str(export)], env=env, check=True, capture_output=True)
    commands = {
        "list": f"'{TRACKER_BIN}' list --all --limit 0 | head -3",
        "json": f"'{TRACKER_BIN}' list --all --limit 0 --json | head -3",
        "help": f"'{TRACKER_BIN}' add | head -1",
    }
    for name, command in commands.items():
        for _ in range(30 if name == "list" else 3):
            run = subprocess.run(["bash", "-c", f"{command} >/dev/null; echo ${{PIPESTATUS[0]}} >&2"],
                                 env=env, capture_output=True, text=True)
            assert run.stderr == "0\n", (name, run.stderr)


@pytest.mark.parametrize("command, usage", [
    (["add", "event"], "Usage: tracker add event [OPTIONS] TITLE"),
    (["update"], "Usage: tracker update [OPTIONS] REF"),
    (["list"], "Usage: tracker list [OPTIONS] [events|agreements]"),
])
def test_usage_lines_name_arguments_without_braces(tracker, command, usage):
    assert usage in _help(tracker, *command)


# -- help pages laid out by tracker: what Typer's showed, without its heavy imports ----------

# Run in a fresh interpreter, as the installed command is: which modules a help page loads.
LOADED = """
import sys
from tracker.cli import main
try:
    main()
finally:
    heavy = sorted(name for name in sys.modules if name.split(".")[0] in ("pygments", "markdown_it")
                   or name in ("rich.markdown", "rich.table", "rich.syntax", "rich.traceback", "typer.rich_utils"))
    sys.stderr.write("\\nloaded: " + " ".join(heavy))
"""


@pytest.mark.parametrize("command", [[], ["list"], ["add", "event"]], ids=["tracker", "list", "add event"])
def test_help_loads_no_markdown_pygments_or_rich_table(command, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    python = str(TRACKER_BIN.parent / "python")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm-256color"}
    # Run away from the checkout, whose tracker/ `python -c` would import instead.
    piped = subprocess.run([python, "-c", LOADED, *command, "--help"], env=env, capture_output=True, text=True,
                           cwd=tmp_path)
    assert piped.returncode == 0 and "Usage: tracker" in piped.stdout, piped.stderr
    assert piped.stderr.endswith("loaded: ")
    child = pexpect.spawn(python, ["-c", LOADED, *command, "--help"], env=env, dimensions=(40, 100),
                          encoding="utf-8", timeout=20, cwd=str(tmp_path))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "Usage: " in child.before
    assert child.before.endswith("loaded: ")
    assert "\x1b[1;36m--help" in child.before          # coloured on a terminal, as Typer's was


def test_piped_help_is_plain_text_in_panels_without_trailing_spaces(tracker):
    for command in HELP_PAGES:
        text = _help(tracker, *command)
        assert "\x1b" not in text
        lines = text.splitlines()
        assert [line for line in lines if line != line.rstrip()] == []
        assert max(map(len, lines)) == 80
        assert "╭─ Options ─" in text and "--help" in text


def _described(text: str) -> str:
    return " ".join(line.strip(" │") for line in text.splitlines())


def test_tracker_help_lists_each_command_with_its_own_description(tracker):
    from tracker.cli import COMMANDS

    listed = " ".join(_described(_help(tracker)).split())
    for name in COMMANDS:
        own = _help(tracker, name).split("\n\n")[1]          # after the usage: the first paragraph
        assert f"{name} {' '.join(own.split())}" in listed, name


def test_a_help_text_split_over_lines_in_the_source_reads_as_one_paragraph(tracker):
    """`check`'s description is written over three lines: they are one paragraph on screen."""
    text = _help(tracker)
    check = text[text.index("│ check"):text.index("│ undo")]
    assert "rows that refer to nothing, every item against its" in " ".join(_described(check).split())
    widths = [len(line.rstrip(" │")) for line in check.splitlines()]
    assert all(width > 60 for width in widths[:-1]), check


def test_options_show_what_they_take_their_default_and_their_variable(tracker):
    text = " ".join(_help(tracker).split())
    assert "--db PATH|URL The database: a file" in text and "[env var: TRACKER_DB]" in text
    report = " ".join(_described(_help(tracker, "report")).split())
    assert "--format -f FORMAT text, md, html, json, or csv or tsv (one of its tables: see --table). [default: text]" in report
    update = " ".join(_described(_help(tracker, "update")).split())
    assert "* REF <str> The item to change: E1, A3 ... [required]" in update


_FRAME = str.maketrans("", "", "│╭╮╰╯─")
# The help of an option is never squeezed below this (tracker.render.help's minimum).
HELP_MIN_WIDTH = 20


def _help_words(text: str) -> set[str]:
    return set(text.translate(_FRAME).split())


@pytest.mark.parametrize("command", [[], ["list"], ["history"], ["countdown"], ["update"], ["undo"],
                                     ["add", "event"], ["report"], ["inbox", "accept"]])
@pytest.mark.parametrize("width", [30, 40, 60, 80])
def test_help_on_a_narrow_screen_keeps_its_help_readable_and_whole(tracker, command, width):
    """At any width every line fits, an option's help has a column of 20 cells or goes
    under its names, and no word of the 80-column help is lost."""
    wide = tracker.ok(*command, "--help", COLUMNS="80").stdout
    narrow = tracker.ok(*command, "--help", COLUMNS=str(width)).stdout
    assert max(map(len, narrow.splitlines())) <= width
    for line in narrow.splitlines():
        if line.startswith("│") and line.endswith("│"):
            inside = line[2:-2].rstrip()
            # The help column starts where the last run of two spaces ends (a wrapped help
            # line is all indent before it): at least HELP_MIN_WIDTH from the frame.
            pieces = [match.start() for match in re.finditer(r"(?<=  )\S", inside)]
            if pieces:
                assert len(line) - 4 - pieces[-1] >= HELP_MIN_WIDTH, line
    assert _help_words(narrow) == _help_words(wide)
