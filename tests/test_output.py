"""Where output goes and how it looks: data on stdout, messages on stderr, colour only on a terminal."""

from __future__ import annotations

import json
import subprocess

from conftest import TRACKER_BIN


def test_json_on_stdout_is_clean_when_messages_go_to_stderr(summit):
    run = summit.ok("add", "agreement", "Trade MoU", "--json")
    assert json.loads(run.stdout)["ref"] == "A3"
    run = summit.ok("update", "A3", "--status", "signed", "--json")
    assert json.loads(run.stdout)["status"] == "signed"


def test_no_colour_when_piped(summit):
    assert "\x1b[" not in summit.ok("list").stdout


def test_colour_on_a_terminal_and_none_with_no_color(summit):
    coloured = summit.ok("list", FORCE_COLOR="1").stdout
    assert "\x1b[" in coloured
    plain = summit.ok("list", FORCE_COLOR="1", NO_COLOR="1").stdout
    assert "\x1b[" not in plain
    assert "Labour mobility pact" in plain


def test_real_process_pipes_json_to_a_reader(summit):
    env = {"TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([str(TRACKER_BIN), "list", "agreements", "--json"], env=env,
                         capture_output=True, text=True, check=True)
    assert [item["ref"] for item in json.loads(run.stdout)] == ["A1", "A2"]
    assert run.stderr == ""


def test_real_process_error_is_one_line_and_exit_code(summit):
    env = {"TRACKER_DB": str(summit.db), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([str(TRACKER_BIN), "update", "A1", "--status", "done"], env=env,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("tracker: error:")


def test_real_process_closes_quietly_when_the_reader_goes_away(summit):
    env = {"TRACKER_DB": str(summit.db), "TRACKER_NOW": "2025-11-29T10:00:00Z", "PATH": "/usr/bin:/bin"}
    for _ in range(30):
        summit.ok("add", "agreement", "Another MoU " * 8)
    # Bytes: ten of them may end inside a character of the table's frame.
    run = subprocess.run(f"'{TRACKER_BIN}' history | head -c 10", shell=True, env=env, capture_output=True)
    stderr = run.stderr.decode()
    assert "Traceback" not in stderr and "Broken pipe" not in stderr
