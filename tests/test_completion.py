"""Shell completion: the scripts of --show-completion, and the answers the installed tracker
gives a shell through the variables its scripts set (commands, options, references with
their titles, values from the vocabularies and the database)."""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess

import pytest

from conftest import TRACKER_BIN


def needs_shell(name: str):
    """A test run in a real shell: skipped where it is missing, but failed in CI, which
    must have it (`make test` installs zsh and fish as it installs chromium)."""
    def wrap(test):
        @functools.wraps(test)      # keeps the test's fixtures
        def run(*args, **kwargs):
            if shutil.which(name) is None:
                if os.environ.get("CI"):
                    pytest.fail(f"{name} is missing in CI: `make test` installs it (apt-get install {name})")
                pytest.skip(f"no {name}")
            return test(*args, **kwargs)
        return run
    return wrap


@pytest.fixture
def shell_env(summit, tmp_path):
    summit.ok("add", "agreement", "[bold]Defence[/] MoU \x1b[31mred", "--party", "United States",
              "--sector", "defence")      # A3: a title with markup and a control character
    return {"PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "TRACKER_DB": str(summit.db)}


def on_postgres(env) -> bool:
    """Whether the database is a PostgreSQL URL: a Tab then completes nothing from it."""
    return env["TRACKER_DB"].startswith("postgresql://")


def bash_answer(env, line: str) -> list[str]:
    """What tracker tells bash for the command line typed so far (the cursor at its end)."""
    words = line.split(" ")
    run = subprocess.run([str(TRACKER_BIN)], capture_output=True, text=True, env={
        **env, "_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)})
    assert run.returncode == 0 and run.stderr == "", run.stderr
    return [line for line in run.stdout.splitlines() if line]     # nothing is an empty line


def typed_answer(env, shell: str, line: str, **extra: str) -> str:
    run = subprocess.run([str(TRACKER_BIN)], capture_output=True, text=True, env={
        **env, "_TRACKER_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line, **extra})
    assert run.returncode == 0 and run.stderr == "", run.stderr
    return run.stdout


def test_bash_completes_commands_and_options(shell_env):
    assert bash_answer(shell_env, "tracker co") == ["countdown", "copy"]
    assert bash_answer(shell_env, "tracker cou") == ["countdown"]
    assert bash_answer(shell_env, "tracker add ") == ["event", "agreement"]
    assert bash_answer(shell_env, "tracker list --st") == ["--status"]
    assert "--install-completion" in bash_answer(shell_env, "tracker --")


@pytest.mark.sqlite_only
def test_bash_completes_references_newest_first_and_by_prefix(shell_env):
    assert bash_answer(shell_env, "tracker show A") == ["A3", "A2", "A1"]
    assert bash_answer(shell_env, "tracker update E") == ["E2", "E1"]
    assert bash_answer(shell_env, "tracker show a1") == ["a1"]
    assert bash_answer(shell_env, "tracker add agreement X --event ") == ["E2", "E1"]


@pytest.mark.sqlite_only
def test_statuses_and_kinds_are_those_of_the_item_at_hand(shell_env):
    assert bash_answer(shell_env, "tracker update A1 --status s") == ["signed", "stalled"]
    assert bash_answer(shell_env, "tracker update E1 --status ") == [
        "rumoured", "announced", "confirmed", "held", "postponed", "cancelled"]
    assert bash_answer(shell_env, "tracker add event X --kind s") == ["summit", "state-visit"]
    assert bash_answer(shell_env, "tracker add agreement X --kind s") == ["statement"]
    assert bash_answer(shell_env, "tracker list agreements --status d") == ["dropped"]
    assert bash_answer(shell_env, "tracker update A1 --clear e") == ["event"]


@pytest.mark.sqlite_only
def test_values_from_the_database_and_zones(shell_env):
    assert bash_answer(shell_env, "tracker list --party ") == ["India", "Russia", "United\\ States"]
    assert bash_answer(shell_env, "tracker list --party r") == ["Russia"]
    assert bash_answer(shell_env, "tracker list --sector ") == ["defence", "labour"]
    assert "Asia/Kolkata" in bash_answer(shell_env, "tracker add event X --tz Asia/Ko")
    assert bash_answer(shell_env, "tracker report --format m") == ["md"]


@pytest.mark.sqlite_only
def test_zsh_and_fish_show_each_reference_with_its_title_literally(shell_env):
    zsh = typed_answer(shell_env, "zsh", "tracker show A")
    assert r"$'A1\x3aLabour\x20mobility\x20pact'" in zsh
    assert r"\x3a\x5bbold\x5dDefence\x5b\x2f\x5d\x20MoU\x20\x5c\x5cx1b\x5b31mred'" in zsh   # \x1b shown, never sent raw
    fish = typed_answer(shell_env, "fish", "tracker show A", _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert fish.splitlines()[1:] == ["A2\tAdditional S-400 systems", "A1\tLabour mobility pact"]
    assert fish.splitlines()[0] == "A3\t[bold]Defence[/] MoU \\x1b[31mred"
    assert "\x1b" not in zsh + fish
    assert r"$'countdown\x3aWhat\x20is\x20next" in typed_answer(shell_env, "zsh", "tracker cou")


def test_completion_never_creates_a_database(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TRACKER_DB": str(tmp_path / "none.db")}
    assert bash_answer(env, "tracker show A") == []
    assert bash_answer(env, "tracker update A1 --status sig") == ["signed"]
    assert not (tmp_path / "none.db").exists()


@pytest.mark.sqlite_only
def test_completion_through_click_in_process(summit):
    """The same answers through CliRunner: the mechanism, not only the installed script."""
    run = summit(_TRACKER_COMPLETE="complete_bash", COMP_WORDS="tracker update A1 --status sig",
                 COMP_CWORD="4")
    assert run.stdout.split() == ["signed"]
    run = summit(_TRACKER_COMPLETE="complete_fish", _TYPER_COMPLETE_FISH_ACTION="get-args",
                 _TYPER_COMPLETE_ARGS="tracker history E")
    assert run.stdout.splitlines() == ["E2\tState banquet", "E1\t23rd India-Russia Annual Summit"]


def test_ref_numbers_are_ranges_of_the_index():
    from tracker.completion import ref_numbers

    assert ref_numbers("3", 450) == [(3, 3), (30, 39), (300, 399)]
    assert ref_numbers("4", 450) == [(4, 4), (40, 49), (400, 450)]
    assert ref_numbers("", 7) == [(1, 7)]
    assert ref_numbers("0", 7) == []
    assert ref_numbers("9", 5) == []


def test_zone_names_include_the_usual_ones():
    from tracker.completion import zone_names

    names = zone_names()
    assert {"Asia/Kolkata", "Europe/Brussels", "America/Sao_Paulo", "UTC"} <= set(names)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_each_shells_script(tracker, shell):
    script = tracker.ok("--show-completion", shell).stdout
    assert "_TRACKER_COMPLETE=complete_" + shell in script
    assert "tracker" in script


def test_show_completion_refuses_another_shell(tracker):
    run = tracker("--show-completion", "tcsh")
    assert run.code == 2
    assert run.stderr == ("tracker: error: completion is for bash, zsh, fish, not tcsh: "
                          "name yours, as in `tracker --show-completion bash`\n")


@needs_shell("bash")
def test_bash_loads_the_script_and_completes_with_it(shell_env):
    script = subprocess.run([str(TRACKER_BIN), "--show-completion", "bash"], env=shell_env,
                            capture_output=True, text=True, check=True).stdout
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    # Bash sources it, then its completion function runs as a Tab would run it.
    run = subprocess.run(["bash", "--norc", "-c", """
        source <(tracker --show-completion bash)
        complete -p tracker
        COMP_WORDS=(tracker update A1 --status si); COMP_CWORD=4
        _tracker_completion tracker si --status
        printf '%s\\n' "${COMPREPLY[@]}"
        COMP_WORDS=(tracker list --party Uni); COMP_CWORD=3
        _tracker_completion tracker Uni --party
        printf '%s\\n' "${COMPREPLY[@]}"
    """], env=shell_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    parties = [""] if on_postgres(shell_env) else ["United\\ States"]     # an empty COMPREPLY prints an empty line
    assert run.stdout.splitlines() == ["complete -o default -F _tracker_completion tracker", "signed", *parties]


@needs_shell("bash")
def test_show_completion_alone_is_for_the_shell_in_use(shell_env):
    # `; true` keeps bash from exec-ing tracker in its place: bash must be the parent
    # process that the shell detection (shellingham) finds, whatever started the tests.
    run = subprocess.run(["bash", "--norc", "-c", "tracker --show-completion; true"], env=shell_env,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "complete -o default -F _tracker_completion tracker" in run.stdout


@pytest.mark.parametrize("shell, script_path, startup_file", [
    ("bash", ".bash_completions/tracker.sh", ".bashrc"),
    ("zsh", ".zfunc/_tracker", ".zshrc"),
    ("fish", ".config/fish/completions/tracker.fish", None),
])
def test_install_completion_writes_the_script_for_the_shell_named(tracker, tmp_path, shell, script_path,
                                                                   startup_file):
    run = tracker("--install-completion", shell, HOME=str(tmp_path))
    assert run.code == 0, run.stderr
    assert f"_TRACKER_COMPLETE=complete_{shell}" in (tmp_path / script_path).read_text()
    if startup_file == ".bashrc":
        assert f"source '{tmp_path / script_path}'" in (tmp_path / startup_file).read_text()
    elif startup_file:
        assert "fpath+=~/.zfunc" in (tmp_path / startup_file).read_text()


@pytest.mark.parametrize("typed", ["tracker show A", "tracker list --party Uni",
                                   "tracker --db postgresql://anna:s3cret@127.0.0.1:1/desk show A"])
def test_a_postgresql_database_completes_nothing_from_it_and_is_never_reached(tmp_path, typed):
    # A Tab never connects to a server (no round trip, no password prompt): neither the
    # driver nor tracker's PostgreSQL module is loaded, and nothing is said.
    code = ("import sys\nfrom tracker.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted({'psycopg', 'tracker.store.postgres'} & set(sys.modules)), file=sys.stderr)")
    words = typed.split(" ")
    run = subprocess.run([str(TRACKER_BIN.parent / "python"), "-c", code], capture_output=True, text=True, env={
        "PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin", "HOME": str(tmp_path),
        "TRACKER_DB": "postgresql://anna:s3cret@127.0.0.1:1/desk",
        "_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": typed, "COMP_CWORD": str(len(words) - 1)})
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, "", "[]\n")
    env = {"PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "TRACKER_DB": "postgresql://anna:s3cret@127.0.0.1:1/desk"}
    assert bash_answer(env, "tracker update A1 --status si") == ["signed"]      # what needs no database


@pytest.mark.skipif(not os.path.exists("/bin/sh"), reason="no /bin/sh")
def test_ordinary_runs_do_not_load_completion(tracker):
    """Start-up stays as it was: completion code is imported only while completing."""
    code = ("import sys, os; os.environ.pop('_TRACKER_COMPLETE', None); sys.argv = ['tracker', '--version']\n"
            "from tracker.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print('tracker.completion' in sys.modules)")
    run = subprocess.run([str(TRACKER_BIN.parent / "python"), "-c", code], capture_output=True, text=True)
    assert run.stdout.splitlines()[-1] == "False", run.stderr


@needs_shell("fish")
def test_fish_loads_the_script_and_completes_with_it(shell_env, tmp_path):
    script = tmp_path / "tracker.fish"
    script.write_text(subprocess.run([str(TRACKER_BIN), "--show-completion", "fish"], env=shell_env,
                                     capture_output=True, text=True, check=True).stdout)
    run = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C 'tracker show A'; "
                          "complete -C 'tracker list --party Uni'; complete -C 'tracker upd'"],
                         env=shell_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    from_database = ["A3\t[bold]Defence[/] MoU \\x1b[31mred", "A2\tAdditional S-400 systems",
                     "A1\tLabour mobility pact", "United States"]
    if on_postgres(shell_env):
        # Nothing from the database; fish offers files in their place.
        assert "update\tChange an item's fields, or add a note;..." in run.stdout.splitlines()
        assert not set(from_database) & set(run.stdout.splitlines())
        return
    assert sorted(run.stdout.splitlines()) == sorted([      # fish sorts them its own way
        *from_database, "update\tChange an item's fields, or add a note;..."])


# An interactive zsh on a pseudo-terminal (zsh's zpty module), with compinit and tracker's
# script: the line is typed, then Tab, and what zsh draws is read back until `last` shows.
ZSH_AT_THE_KEYBOARD = r"""
zmodload zsh/zpty
zpty z zsh -f -i
if [[ -d $1 ]]; then load="fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"   # installed
else load="autoload -Uz compinit; compinit -u -D; source $1"; fi                           # sourced
zpty -w z "PS1='> '; $load; unsetopt beep; print RE''ADY"
zpty -r z _ '*READY*'
zpty -w -n z "$2"$'\t'
local screen chunk
repeat 100; do
  sleep 0.1
  while zpty -r -t z chunk; do screen+=$chunk; done
  [[ $screen == *$3* ]] && break
done
zpty -d z
print -r -- "$screen"
"""


def zsh_script(env, tmp_path):
    """tracker's zsh completion script, as --show-completion prints it, in a file."""
    script = tmp_path / "_tracker"
    script.write_text(subprocess.run([str(TRACKER_BIN), "--show-completion", "zsh"], env=env,
                                     capture_output=True, text=True, check=True).stdout)
    return script


def zsh_tab(env, tmp_path, line: str, last: str, installed: bool = False) -> list[str]:
    """The lines zsh shows after `line` and a Tab, without its terminal's escapes; with
    `installed`, the script is found on fpath as --install-completion leaves it, not sourced."""
    script = zsh_script(env, tmp_path)
    run = subprocess.run(["zsh", "-f", "-c", ZSH_AT_THE_KEYBOARD, "zsh",
                          str(script.parent if installed else script), line, last],
                         env={**env, "COLUMNS": "100", "LINES": "50", "TERM": "xterm"},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\r", "", run.stdout)
    return [" ".join(shown.split()) for shown in screen.splitlines()]


@needs_shell("zsh")
@pytest.mark.sqlite_only
def test_zsh_at_the_keyboard_shows_titles_literally_and_newest_first(shell_env, tmp_path, summit):
    summit.ok("add", "agreement", "It's \"quoted\" $HOME `id` a:b back\\slash")    # A4: what a shell would read
    for number in range(5, 11):
        summit.ok("add", "agreement", f"Pact {number}")
    shown = zsh_tab(shell_env, tmp_path, "tracker show A", "Labour mobility pact")
    listed = [line for line in shown if re.match(r"A\d+ -- ", line)]
    assert listed == [f"A{number} -- Pact {number}" for number in range(10, 4, -1)] + [
        "A4 -- It's \"quoted\" $HOME `id` a:b back\\slash",
        "A3 -- [bold]Defence[/] MoU \\x1b[31mred",
        "A2 -- Additional S-400 systems",
        "A1 -- Labour mobility pact"]
    assert str(shell_env["HOME"]) not in "\n".join(shown)


@needs_shell("zsh")
@pytest.mark.sqlite_only
def test_zsh_at_the_keyboard_inserts_a_value_quoted_for_the_command_line(shell_env, tmp_path, summit):
    summit.ok("add", "agreement", "X", "--party", "a:b\\c it's")
    shown = zsh_tab(shell_env, tmp_path, "tracker list --party a", "it\\'s")
    assert shown[-1].endswith("tracker list --party a:b\\\\c\\ it\\'s")


@needs_shell("zsh")
@pytest.mark.sqlite_only
def test_zsh_reads_back_through_typers_eval_exactly_what_tracker_meant(shell_env, tmp_path, summit):
    """Typer's script runs `eval $(tracker ...)`, which splits the answer at blanks and joins it
    again: what reaches _describe (here a stand-in that prints it) is each value as it was."""
    summit.ok("add", "agreement", "It's  \"quoted\" $HOME `id` a:b back\\slash *")     # A4
    script = zsh_script(shell_env, tmp_path)
    run = subprocess.run(["zsh", "-f", "-c", f"compdef() {{ : }}; source {script}; "
                          "_describe() { print -rl -- $@ ${(P)${@[-1]}} }; words=(tracker show A); CURRENT=3; "
                          "_tracker_completion"], env=shell_env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "-V", "-t", "tracker-values", "value", "tracker_answers",
        "A4:It's \"quoted\" $HOME `id` a:b back\\\\slash *",
        "A3:[bold]Defence[/] MoU \\\\x1b[31mred",
        "A2:Additional S-400 systems", "A1:Labour mobility pact"]


@needs_shell("zsh")
def test_zsh_completes_at_the_first_tab_when_installed_on_fpath(shell_env, tmp_path, summit):
    # Autoloaded from fpath, the script is the body of _tracker at the first Tab: it must
    # answer that Tab, not only register itself for the next one.
    if on_postgres(shell_env):      # no references from a server: a command's name, the one answer, is put in
        shown = zsh_tab(shell_env, tmp_path, "tracker upd", "tracker update", installed=True)
        assert shown[-1].endswith("tracker update"), shown
        return
    shown = zsh_tab(shell_env, tmp_path, "tracker show A", "Labour mobility pact", installed=True)
    assert "A1 -- Labour mobility pact" in shown
