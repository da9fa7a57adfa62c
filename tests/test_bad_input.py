"""Bad input: one line on stderr, exit 2 for a bad argument and 1 otherwise, and the
database exactly as it was."""

from __future__ import annotations

import json

import pytest

BAD_ARGUMENTS = [
    (["update", "A9", "--status", "signed"], "no item A9"),
    (["show", "X1"], "is not a reference"),
    (["update", "A1", "--status", "done"], "rumoured, expected, negotiating, initialled, signed, ratified, in-force, stalled, dropped"),
    (["update", "E1", "--status", "signed"], "rumoured, announced, confirmed, held, postponed, cancelled"),
    (["add", "agreement", "X", "--kind", "handshake"], "treaty, agreement, mou, pact, contract, deal, statement, programme, other"),
    (["add", "event", "X", "--kind", "party"], "summit, state-visit, official-visit"),
    (["add", "event", ""], "title is empty"),
    (["add", "agreement", "   "], "title is empty"),
    (["update", "A1", "--title", " "], "title is empty"),
    (["add", "event", "X", "--in", "A1"], "A1 is an agreement, but it must be an event"),
    (["add", "event", "X", "--in", "E9"], "no event E9"),
    (["add", "agreement", "X", "--event", "A2"], "A2 is an agreement, but it must be an event"),
    (["add", "agreement", "X", "--event", "E7"], "no event E7"),
    (["update", "E1", "--in", "E2"], "cannot be inside itself"),
    (["update", "A1", "--note", "x", "--source", "ftp://example.org/x"], "not an http or https URL"),
    (["update", "A1", "--note", "x", "--source", "javascript:alert(1)"], "not an http or https URL"),
    (["add", "event", "X", "--start", "2026-02-31"], "does not exist"),
    (["add", "event", "X", "--start", "2025-02-29"], "does not exist"),
    (["add", "event", "X", "--start", "2025-12"], "is a month, not a day"),
    (["add", "event", "X", "--start", "03/04/2025"], "is ambiguous (day and month could swap): write 2025-04-03 or 2025-03-04"),
    (["update", "A1", "--status", "signed", "--on", "31 Feb"], "is not a date"),
    (["add", "event", "X", "--start", "2025-12-05", "--end", "2025-12-04"], "before the start"),
    (["add", "event", "X", "--end", "2025-12-04"], "without a start"),
    (["add", "event", "X", "--start", "2025-12-04", "--tz", "Mars/Olympus"], "not a known IANA time zone"),
    (["add", "event", "X", "--start", "2025-03-30T02:30", "--tz", "Europe/Brussels"], "does not exist in Europe/Brussels"),
    (["add", "event", "X", "--start", "2025-10-26T02:30", "--tz", "Europe/Brussels"], "happens twice"),
    (["add", "agreement", "X", "--start", "2025-12-04"], "No such option: --start"),
    (["add", "event", "X", "--sector", "trade"], "No such option"),
    (["update", "E1", "--sector", "trade"], "is for agreements"),
    (["update", "A1"], "nothing to update"),
    (["update", "A1", "--clear", "start"], "--clear for an agreement"),
    (["update", "A1", "--nope"], "No such option"),
    (["list", "meetings"], "cannot list 'meetings'"),
    (["list", "--status", "pending"], "is not one of"),
    (["list", "--from", "2025-12-31", "--to", "2025-12-01"], "--to is before --from"),
    (["history", "--since", "last year"], "is not a date"),
    (["list", "--search", "  "], "the search is empty"),
    (["frobnicate"], "No such command"),
]


def check_one_line_error(run, code: int, words: str) -> None:
    assert run.code == code, (run.code, run.stderr)
    assert run.stderr.startswith("tracker: error: ")
    assert run.stderr.count("\n") == 1, run.stderr
    assert words in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert run.stdout == ""


@pytest.mark.parametrize("args, words", BAD_ARGUMENTS, ids=[" ".join(a) for a, _ in BAD_ARGUMENTS])
def test_bad_argument(summit, args, words):
    before = summit.dump()
    check_one_line_error(summit(*args), 2, words)
    assert summit.dump() == before
    assert len(summit.ok("history", "--limit", " 2", "--json").json()) == 2


@pytest.fixture
def export_file(summit, tmp_path):
    path = tmp_path / "export.json"
    summit.ok("export", "-o", str(path))
    return path


def _broken(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


MALFORMED_IMPORTS = [
    (lambda d: d.update(format="something"), "is not a tracker-export file"),
    (lambda d: d["items"][2].update(status="done"), "item 3 (A1): agreement status 'done' is not one of"),
    (lambda d: d["items"][3].pop("title"), "item 4 (A2): \"title\" is missing"),
    (lambda d: d["items"][0].update(start="2025-02-30"), "item 1 (E1): --start '2025-02-30' does not exist"),
    (lambda d: d["items"][1].update(parent="E9"), "item 2 (E2): its event E9 is not in the file"),
    (lambda d: d["items"][3].update(parties="India"), "item 4 (A2): \"parties\" must be a list of strings"),
    (lambda d: d["history"][1].update(source="file:///etc/passwd"), "history entry 2: source"),
    (lambda d: d["items"].append(d["items"][0]), "item 5 (E1): its uid or ref is empty or repeats"),
]


@pytest.mark.parametrize("change, words", MALFORMED_IMPORTS, ids=[w for _, w in MALFORMED_IMPORTS])
def test_malformed_import_names_the_item_and_writes_nothing(another_tracker, export_file, change, words):
    # Into a fresh database with one item of its own: nothing of the file may land.
    other = another_tracker()
    other.ok("add", "event", "Already here")
    before = other.dump()
    run = other("import", str(_broken(export_file, change)))
    check_one_line_error(run, 2, words)
    assert other.dump() == before


def test_import_of_a_file_that_is_not_json(tracker, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("S-400: maybe\n")
    check_one_line_error(tracker("import", str(path)), 2, "is not JSON")
    check_one_line_error(tracker("import", str(tmp_path / "missing.json")), 2, "no file")


@pytest.mark.sqlite_only
def test_a_database_file_that_is_not_sqlite(tracker, tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"This is a text file, not a database.\n" * 100)
    run = tracker("list", TRACKER_DB=str(path))
    check_one_line_error(run, 1, "is not an SQLite database")
    assert path.read_bytes() == b"This is a text file, not a database.\n" * 100


@pytest.mark.sqlite_only
def test_an_sqlite_database_of_another_program(tracker, tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    check_one_line_error(tracker("list", TRACKER_DB=str(path)), 1, "not tracker's")


def test_a_folder_that_cannot_be_written(tracker, tmp_path):
    # Tests may run as root, who may write anywhere: a path under a regular
    # file cannot be created by anyone.
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    check_one_line_error(tracker("list", TRACKER_DB=str(blocker / "sub" / "tracker.db")), 1,
                         "cannot create database")
    check_one_line_error(tracker("list", TRACKER_DB=str(tmp_path)), 1, "is a folder")


def test_a_bad_now_names_the_variable(tracker):
    check_one_line_error(tracker("list", TRACKER_NOW="soon"), 2, "TRACKER_NOW 'soon' is not a date")
    check_one_line_error(tracker("--now", "soon", "list"), 2, "--now 'soon' is not a date")


def test_a_db_path_in_a_folder_that_does_not_exist_is_refused(tracker, tmp_path):
    # A mistyped --db must not start an empty log in a folder made for it.
    missing = tmp_path / "no-such-folder" / "deeper" / "tracker.db"
    check_one_line_error(tracker("--db", str(missing), "list"), 1, "the folder")
    check_one_line_error(tracker("list", TRACKER_DB=str(missing)), 1, "does not exist")
    assert not (tmp_path / "no-such-folder").exists()


def test_the_default_database_folder_is_made_on_first_use(tracker, tmp_path):
    data = tmp_path / "xdg-data"
    run = tracker("list", TRACKER_DB=None, XDG_DATA_HOME=str(data))
    assert run.code == 0, run.stderr
    assert (data / "tracker" / "tracker.db").is_file()


def _number_parameters():
    """Every int and float option and argument of every command, found by walking the
    command table as --help does: (the command's words, the parameter)."""
    from typer.main import get_command

    from tracker.cli import app

    found = []

    def walk(command, words, ctx):
        if hasattr(command, "list_commands"):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                walk(sub, [*words, name], type(ctx)(sub, parent=ctx, info_name=name))
        for param in command.params:
            if {base.__name__ for base in type(param.type).__mro__} & {"IntParamType", "FloatParamType"}:
                found.append((words, param))

    root = get_command(app)
    walk(root, [], type(root.context_class(root))(root, info_name="tracker"))
    return found


@pytest.mark.parametrize("digits", ["٣", "३", "1_0", "٠.٩"])
def test_every_number_option_takes_digits_0_to_9_only(summit, digits):
    # Python's int() reads "٣" as 3 and "1_0" as 10: Click took them so.
    numbers = _number_parameters()
    named = {(" ".join(words), param.opts[0]) for words, param in numbers}
    assert {("history", "--limit"), ("list", "--limit"), ("countdown", "--days"), ("undo", "command"),
            ("retract", "change"), ("add event", "--number"), ("inbox accept", "--above")} <= named
    before = summit.dump()
    for words, param in numbers:
        given = [digits] if param.param_type_name == "argument" else [param.opts[0], digits]
        run = summit(*words, *given)
        check_one_line_error(run, 2, f"{digits!r} is not a")
        assert "written in digits 0-9" in run.stderr and f"see `tracker {' '.join(words)} --help`" in run.stderr
    assert summit.dump() == before
    assert len(summit.ok("history", "--limit", " 2", "--json").json()) == 2

