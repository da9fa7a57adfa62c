"""Who made each change: `by`, recorded with every row of the log (TRACKER_USER, else
the OS user on SQLite), shown in history, show, reports and JSON, and carried by
export and import. Databases of version 10 gain it empty for their old rows."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from tracker.model import MAX_BY
from tracker.store import SCHEMA_VERSION

V10_SCHEMA = Path(__file__).resolve().parent / "data" / "schema-v10.sql"


# On SQLite a change is by TRACKER_USER (else the OS user); on PostgreSQL by the role
# logged in as, whatever TRACKER_USER says. The tests about TRACKER_USER and the OS user
# are SQLite's (sqlite_only); the rest make each author write as that engine has them: `by`.
@pytest.fixture
def by(tracker, request):
    """The environment in which `name` makes a change: TRACKER_USER=name on SQLite; on
    PostgreSQL the URL of a login role of that name, made for the test, that may write
    the log (of the test's database, or of the one `url` names) but does not own it, as
    a desk's editors."""
    if tracker.backend == "sqlite":
        yield lambda name, url=None: {"TRACKER_USER": name}
        return
    import psycopg

    postgres_server = request.getfixturevalue("postgres_server")
    admins: dict[str, object] = {}
    made: list[str] = []

    def login(name: str, url: str | None = None) -> dict[str, str]:
        database = (url or tracker.db).partition("@/")[2].partition("?")[0]
        role = '"' + name.replace('"', '""') + '"'
        if database not in admins:
            admins[database] = psycopg.connect(postgres_server.url(database), autocommit=True)
        admin = admins[database]
        if role not in made:
            admin.execute(f"CREATE ROLE {role} LOGIN")
            made.append(role)
        admin.execute(f"GRANT USAGE ON SCHEMA tracker TO {role}")
        admin.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tracker TO {role}")
        # UPDATE: an import sets the identity sequences past the ids it wrote (setval).
        admin.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA tracker TO {role}")
        return {"TRACKER_DB": postgres_server.url(database, quote(name, safe=""))}

    yield login
    # Roles belong to the whole server: gone again, with their grants in each database.
    for admin in admins.values():
        for role in made:
            admin.execute(f"DROP OWNED BY {role}")
    for role in made:
        next(iter(admins.values())).execute(f"DROP ROLE {role}")
    for admin in admins.values():
        admin.close()


def by_of(tracker, *args: str, **env: str) -> list:
    """The `by` of each change of `tracker history ... --json`, in order."""
    return [change["by"] for change in tracker.ok("history", *args, "--json", **env).json()]


# -- who ----------------------------------------------------------------------------

@pytest.mark.sqlite_only(reason="TRACKER_USER or the OS user: on PostgreSQL the role is the author")
def test_each_change_records_tracker_user(summit):
    summit.ok("update", "A1", "--status", "signed", TRACKER_USER="anna")
    summit.ok("update", "A2", "--note", "talks resumed", TRACKER_USER="  boris  ")
    logged = summit.ok("history", "--json").json()
    assert {change["by"] for change in logged[:-2]} == {"analyst"}          # the fixture's TRACKER_USER
    assert [(c["ref"], c["by"]) for c in logged[-2:]] == [("A1", "anna"), ("A2", "boris")]


@pytest.mark.sqlite_only(reason="TRACKER_USER or the OS user: on PostgreSQL the role is the author")
def test_without_tracker_user_the_os_user_is_recorded(summit, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "osuser")
    summit.ok("update", "A1", "--status", "signed", TRACKER_USER=None)
    summit.ok("update", "A2", "--status", "signed", TRACKER_USER="   ")     # blank: as if unset
    assert by_of(summit, "--limit", "2") == ["osuser", "osuser"]


@pytest.mark.sqlite_only(reason="TRACKER_USER or the OS user: on PostgreSQL the role is the author")
def test_an_os_user_name_is_cleaned_and_none_is_recorded_empty(summit, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "os\x1b[31muser" + "x" * 200)
    summit.ok("update", "A1", "--status", "signed", TRACKER_USER=None)
    (cleaned,) = by_of(summit, "A1", "--limit", "1")
    assert cleaned.startswith("os[31muser") and len(cleaned) == MAX_BY

    def no_user():
        raise OSError("No username set in the environment")

    monkeypatch.setattr(getpass, "getuser", no_user)
    summit.ok("update", "A2", "--status", "signed", TRACKER_USER=None)
    assert by_of(summit, "A2", "--limit", "1") == [None]


@pytest.mark.sqlite_only(reason="TRACKER_USER or the OS user: on PostgreSQL the role is the author")
@pytest.mark.parametrize("given, said", [
    ("ann\x1b[31ma", "TRACKER_USER 'ann\\x1b[31ma' holds a control character"),
    ("ann\na", "holds a control character"),
    ("a" * (MAX_BY + 1), f"TRACKER_USER is {MAX_BY + 1} characters long: give a name of at most {MAX_BY}"),
])
def test_a_tracker_user_that_is_no_name_is_refused_with_nothing_written(summit, given, said, tmp_path):
    before = summit.dump()
    for args in (["update", "A1", "--status", "signed"], ["add", "event", "Talks"], ["remove", "A2"],
                 ["undo"]):
        run = summit(*args, TRACKER_USER=given)
        assert run.code == 2, (args, run.stderr)
        assert run.stderr.count("\n") == 1 and said in run.stderr and "Traceback" not in run.stderr
    exported = tmp_path / "out.json"
    summit.ok("export", "-o", str(exported))
    run = summit("import", str(exported), TRACKER_DB=str(tmp_path / "other.db"), TRACKER_USER=given)
    assert run.code == 2 and said in run.stderr
    assert summit.dump() == before
    assert summit.ok("list", TRACKER_USER=given).stdout          # reading needs no name


# -- shown ----------------------------------------------------------------------------

def test_history_shows_by_in_its_table_json_and_csv(summit, by):
    summit.ok("update", "A1", "--status", "signed", **by("anna.k"))
    table = summit.ok("history", "A1").stdout
    header = next(line for line in table.splitlines() if "Change" in line)
    assert "By" in header.split("┃")[-4]
    signed = next(line for line in table.splitlines() if "→ signed" in line)
    assert "anna.k" in signed
    rows = list(csv.DictReader(io.StringIO(summit.ok("history", "A1", "--format", "csv").stdout)))
    assert [row["by"] for row in rows] == ["analyst", "anna.k"]
    assert list(rows[0])[6:9] == ["recorded", "by", "source"]
    assert [change["by"] for change in summit.ok("show", "A1", "--json").json()["history"]] == ["analyst", "anna.k"]
    assert "anna.k" in summit.ok("show", "A1").stdout


def test_on_a_narrow_screen_history_leaves_source_out_before_by(summit, by):
    summit.ok("update", "A1", "--status", "signed", "--source", "https://example.org/signed", **by("anna"))
    headers = {}
    for width in ("80", "100", "120"):
        table = summit.ok("history", "A1", COLUMNS=width).stdout
        assert max(map(len, table.splitlines())) <= int(width)
        headers[width] = next(line for line in table.splitlines() if "Change" in line)
    assert "By" not in headers["80"] and "Source" not in headers["80"] and "Note" in headers["80"]
    assert "By" in headers["100"] and "Source" not in headers["100"]
    assert "By" in headers["120"] and "Source" in headers["120"]


def test_untrusted_by_from_a_file_is_printed_inert(summit, tmp_path):
    path = tmp_path / "in.json"
    summit.ok("export", "-o", str(path))
    document = json.loads(path.read_text())
    document["history"][0]["by"] = "<b>*mallory*</b> | x"
    path.write_text(json.dumps(document))
    other = {"TRACKER_DB": str(tmp_path / "other.db")}
    summit.ok("import", str(path), **other)
    report = summit.ok("report", "--format", "md", **other).stdout
    assert "\\<b\\>\\*mallory\\*\\</b\\> \\| x" in report
    html = summit.ok("report", "--format", "html", **other).stdout
    assert "&lt;b&gt;*mallory*&lt;/b&gt; | x" in html and "<b>*mallory" not in html


def test_the_report_says_who_in_json_markdown_html_and_csv(summit, by):
    summit.ok("update", "A1", "--status", "signed", "--on", "2025-11-28", **by("anna"))
    changes = summit.ok("report", "--format", "json").json()["changes"]
    assert ("A1", "anna") in [(c["ref"], c["by"]) for c in changes]
    markdown = summit.ok("report", "--format", "md").stdout
    assert "| On | Ref | Title | Change | By | Note | Source |" in markdown
    assert any(line.startswith("| 2025-11-28 | A1 |") and "| anna |" in line for line in markdown.splitlines())
    html = summit.ok("report", "--format", "html").stdout
    assert '<th class="keep">By</th>' in html and '<td class="keep" data-label="By">anna</td>' in html
    rows = list(csv.DictReader(io.StringIO(summit.ok("report", "-f", "csv", "--table", "changes").stdout)))
    assert ("A1", "anna") in [(row["ref"], row["by"]) for row in rows]
    text = summit.ok("report", COLUMNS="120").stdout
    assert "By" in text and "anna" in text


def test_undo_and_retract_are_recorded_by_who_ran_them(summit, by):
    summit.ok("update", "A1", "--status", "signed", **by("anna"))
    undone = summit.ok("undo", "--json", **by("boris")).json()
    assert [change["by"] for change in undone["changes"]] == ["boris"]
    assert by_of(summit, "A1", "--limit", "2") == ["anna", "boris"]
    summit.ok("update", "A1", "--note", "talks stalled", **by("dana"))
    (note,) = [c["id"] for c in summit.ok("history", "A1", "--json").json() if c["field"] is None]
    retracted = summit.ok("retract", str(note), "--json", **by("carol")).json()
    assert retracted["by"] == "carol" and by_of(summit, "A1", "--limit", "2") == ["dana", "carol"]
    listed = summit.ok("undo", "--list", "--json").json()
    assert [[change["by"] for change in command["changes"]] for command in listed[:4]] == [
        ["carol"], ["dana"], ["boris"], ["anna"]]


# -- export and import ------------------------------------------------------------------------

def test_export_and_import_keep_each_changes_author(summit, by, tmp_path):
    summit.ok("update", "A1", "--status", "signed", **by("anna"))
    summit.ok("update", "A2", "--note", "stalled", **by("boris"))
    exported = tmp_path / "desk.json"
    summit.ok("export", "-o", str(exported))
    document = json.loads(exported.read_text())
    assert [entry["by"] for entry in document["history"]][-2:] == ["anna", "boris"]
    other = tmp_path / "other.db"
    summit.ok("import", str(exported), TRACKER_DB=str(other), TRACKER_USER="carol")
    # The file's authors, not the importer: the log moved whole.
    assert by_of(summit, TRACKER_DB=str(other)) == by_of(summit)
    assert summit.ok("export", TRACKER_DB=str(other)).json()["history"] == document["history"]


def test_an_older_export_without_by_imports_as_before(summit, tmp_path):
    exported = tmp_path / "old.json"
    summit.ok("export", "-o", str(exported))
    document = json.loads(exported.read_text())
    for entry in document["history"]:
        del entry["by"]
    # An item without a log of its own: its creation is logged by the import, and by the importer.
    document["items"].append({**document["items"][-1], "ref": "A9", "uid": "u-a9", "title": "Talks"})
    exported.write_text(json.dumps(document))
    other = tmp_path / "other.db"
    summit.ok("import", str(exported), TRACKER_DB=str(other), TRACKER_USER="carol")
    logged = summit.ok("history", "--json", TRACKER_DB=str(other)).json()
    assert [(c["ref"], c["by"]) for c in logged if c["by"] is not None] == [("A9", "carol")]
    assert len(logged) == len(document["history"]) + 1


@pytest.mark.parametrize("by, said", [
    (["anna"], '"by" must be a name (a string), not a list'),
    ("anna\x07", "holds a control character"),
    ("a" * (MAX_BY + 1), f"is {MAX_BY + 1} characters long"),
])
def test_an_import_refuses_a_by_that_is_no_name(summit, tmp_path, by, said):
    exported = tmp_path / "bad.json"
    summit.ok("export", "-o", str(exported))
    document = json.loads(exported.read_text())
    document["history"][2]["by"] = by
    exported.write_text(json.dumps(document))
    other = tmp_path / "other.db"
    run = summit("import", str(exported), TRACKER_DB=str(other))
    assert run.code == 2 and "history entry 3" in run.stderr and said in run.stderr, run.stderr
    assert run.stderr.count("\n") == 1
    assert summit.ok("list", "--json", TRACKER_DB=str(other)).json() == []


# -- the migration ------------------------------------------------------------------------------

@pytest.mark.sqlite_only(reason="a SQLite file of schema version 10, made with sqlite3")
def test_a_version_10_database_keeps_its_log_with_no_by_and_records_it_from_then_on(tracker):
    from test_series import _shape

    conn = sqlite3.connect(tracker.db)
    conn.executescript(V10_SCHEMA.read_text())
    conn.execute("INSERT INTO items (uid, type, num, title, kind, status, created, updated) VALUES "
                 "('u1', 'agreement', 1, 'Old pact', 'pact', 'expected', '2025-01-01T00:00:00+00:00', "
                 "'2025-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO commands (name, recorded) VALUES ('add', '2025-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, note, command_id) "
                 "VALUES (1, 'created', 'expected', '2025-01-01', '2025-01-01T00:00:00Z', "
                 "'2025-01-01T00:00:00+00:00', 'kept', 1)")
    conn.commit()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 10
    conn.close()

    tracker.ok("update", "A1", "--status", "signed", TRACKER_USER="anna")
    history = tracker.ok("history", "--json").json()
    assert [(c["note"], c["field"], c["by"]) for c in history] == [("kept", "created", None),
                                                                  (None, "status", "anna")]
    rows = list(csv.DictReader(io.StringIO(tracker.ok("history", "--format", "csv").stdout)))
    assert [row["by"] for row in rows] == ["", "anna"]
    conn = sqlite3.connect(tracker.db)
    assert conn.execute('SELECT note, "by" FROM log ORDER BY id').fetchall() == [("kept", None), (None, "anna")]
    conn.close()
    fresh = tracker.db.parent / "fresh.db"
    tracker.ok("list", TRACKER_DB=str(fresh))
    assert _shape(tracker.db) == _shape(fresh) and _shape(fresh)["version"] == SCHEMA_VERSION >= 11
    checked = tracker("check")
    assert checked.code == 0, checked.stdout + checked.stderr


# -- on PostgreSQL: the role -----------------------------------------------------------

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


@ON_POSTGRES
def test_on_postgresql_each_change_is_by_the_role_logged_in_whatever_tracker_user_says(summit, by):
    summit.ok("update", "A1", "--status", "signed", **by("anna"), TRACKER_USER="mallory")
    # Not a name SQLite would take: not asked for here, so not refused either.
    summit.ok("update", "A2", "--note", "talks resumed", **by("boris"), TRACKER_USER="ann\x1b[31ma")
    summit.ok("undo", **by("boris"), TRACKER_USER=None)
    logged = summit.ok("history", "--json").json()
    assert {change["by"] for change in logged[:4]} == {"analyst"}          # the role the fixture logs in as
    assert [(c["ref"], c["by"]) for c in logged[4:]] == [("A1", "anna"), ("A2", "boris"), ("A2", "boris")]


@ON_POSTGRES
def test_on_postgresql_an_import_keeps_the_files_authors_for_the_logs_owner_only(summit, by, tmp_path,
                                                                                   postgres_server):
    summit.ok("update", "A1", "--status", "signed", **by("anna"))
    exported = tmp_path / "desk.json"
    summit.ok("export", "-o", str(exported))
    document = json.loads(exported.read_text())
    document["history"][-1]["by"] = "mallory"       # a name no one logs in as
    exported.write_text(json.dumps(document))
    names = {}
    for who in ("owner", "editor"):
        name = f"{summit.db.partition('@/')[2].partition('?')[0]}_{who}"
        postgres_server.create_database(name)
        names[who] = postgres_server.url(name, "analyst")
        summit.ok("list", TRACKER_DB=names[who])        # its schema made, and owned, by the tests' author
    # The owner moves a log whole: each change keeps its file's author.
    summit.ok("import", str(exported), TRACKER_DB=names["owner"])
    assert by_of(summit, TRACKER_DB=names["owner"]) == [entry.get("by") for entry in document["history"]]
    # Anyone else writes as themselves: a name given in a file is not taken on trust.
    summit.ok("import", str(exported), **by("dana", names["editor"]))
    assert set(by_of(summit, TRACKER_DB=names["editor"])) == {"dana"}
