"""The database read in Datasette and sqlite-utils: views named for people, search Datasette
ties to items, the shipped metadata, and `tracker serve` as a real server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import NEWS, SEED, TRACKER_BIN
from tracker.store import SCHEMA_VERSION

SEED_NOW = "2025-11-29T12:00:00+05:30"
NEWS_NOW = "2025-12-12T09:00:00+05:30"
SETTLED = ("signed", "ratified", "in-force", "dropped")
VIEWS = ("agreements", "events", "log")


def run(db: Path, *args: str, now: str = NEWS_NOW) -> subprocess.CompletedProcess:
    """The installed tracker, as a user runs it (a process of its own, beside the server)."""
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_NOW": now, "TZ": "Asia/Kolkata", "NO_COLOR": "1"}
    env.pop("TRACKER_TZ", None)
    done = subprocess.run([str(TRACKER_BIN), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"tracker {' '.join(args)}: {done.stderr}"
    return done


def demo(folder: Path) -> Path:
    """The demo's case: the seed of 29 November, the news of December replayed, and three more
    items: one due by a date, one with accents in its title, one removed."""
    db = folder / "desk.db"
    run(db, "import", str(SEED), now=SEED_NOW)
    run(db, "apply", str(NEWS))
    run(db, "add", "agreement", "Fertiliser supply contract", "--event", "E2", "--kind", "contract",
        "--status", "negotiating", "--due", "2025-12-10", "--party", "India", "--party", "Russia")
    run(db, "add", "agreement", "Accord de coopération énergétique", "--kind", "agreement", "--party", "France")
    run(db, "add", "agreement", "Withdrawn idea", "--kind", "mou")
    run(db, "remove", "A25")
    return db


def rows(db: Path, sql: str, params=()) -> list[dict]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


# -- the views --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def desk(tmp_path_factory) -> Path:
    return demo(tmp_path_factory.mktemp("desk"))


def test_the_views_lead_with_the_ref_and_end_with_the_id(desk):
    for view in VIEWS:
        columns = [row[1] for row in sqlite3.connect(desk).execute(f"PRAGMA table_info({view})")]
        assert columns[0] == "ref" and columns[-1] == "id", (view, columns)


@pytest.mark.sqlite_only
def test_a_version_9_database_gains_the_views_in_the_new_order(tracker):
    tracker.ok("import", str(SEED))
    from test_series import WITHOUT_BY

    conn = sqlite3.connect(tracker.db)
    conn.executescript(WITHOUT_BY)
    conn.executescript((Path(__file__).parent.parent / "tracker" / "migrations" / "0009-views.sql").read_text())
    conn.close()
    assert rows(tracker.db, "PRAGMA user_version") == [{"user_version": 9}]
    tracker.ok("list")
    assert list(rows(tracker.db, "SELECT * FROM agreements LIMIT 1")[0])[:2] == ["ref", "title"]
    assert rows(tracker.db, "PRAGMA user_version") == [{"user_version": SCHEMA_VERSION}]
    checked = tracker("check")
    assert checked.code == 0, checked.stdout + checked.stderr


def test_agreements_view_reads_as_tracker_shows_them(desk):
    shown = {row["ref"]: row for row in rows(desk, "SELECT * FROM agreements")}
    assert shown["A2"]["title"].startswith("Labour mobility pact")
    assert (shown["A2"]["status"], shown["A2"]["event_ref"], shown["A2"]["event_title"]) == \
        ("signed", "E2", "23rd India-Russia Annual Summit")
    assert shown["A2"]["event_starts"] == "2025-12-04"
    assert shown["A2"]["parties"] == "India; Russia"
    assert shown["A23"]["due"] == "2025-12-10"
    assert shown["A24"]["event_ref"] is None
    assert "A25" not in shown                      # removed: out of the views, as out of lists
    listed = json.loads(run(desk, "list", "agreements", "--all", "--json").stdout)
    assert sorted(shown) == sorted(item["ref"] for item in listed)


def test_events_view_has_refs_dates_and_agreements_expected(desk):
    shown = {row["ref"]: row for row in rows(desk, "SELECT * FROM events")}
    assert shown["E2"]["starts"] == "2025-12-04" and shown["E2"]["kind"] == "summit"
    assert shown["E3"]["event_ref"] == "E1"        # the banquet belongs to the visit
    assert shown["E2"]["agreements"] == len(rows(desk, "SELECT 1 FROM agreements WHERE event_ref = 'E2'"))
    assert shown["E1"]["tz"] == "Asia/Kolkata" and shown["E1"]["parties"] == "India; Russia"


def test_log_view_is_the_history_with_refs(desk):
    logged = rows(desk, "SELECT * FROM log WHERE ref = 'A2' ORDER BY id")
    assert list(logged[0]) == ["ref", "title", "field", "old", "new", "on", "source", "note",
                               "recorded", "by", "on_utc", "id"]
    assert logged[0]["field"] == "created"
    assert any(row["field"] == "status" and row["new"] == "signed" and row["on"] == "2025-12-05"
               for row in logged)
    history = json.loads(run(desk, "history", "A2", "--json").stdout)
    assert len(logged) == len(history)
    assert [row["ref"] for row in rows(desk, "SELECT ref FROM log WHERE field = 'removed'")] == ["A25"]


def test_a_page_of_a_view_and_its_count_read_few_rows(desk):
    conn = sqlite3.connect(desk)
    for view in VIEWS:
        plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {view} LIMIT 50"))
        assert "TEMP B-TREE" not in plan, plan
        # Datasette counts every page's rows: one scan, no lookups of events, parties or tags.
        counting = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN SELECT count(*) FROM {view}")]
        assert len(counting) == 1 and counting[0].startswith("SCAN"), counting
    conn.close()


@pytest.mark.sqlite_only
def test_a_version_8_database_gains_the_views(tracker):
    from test_series import WITHOUT_BY, _shape

    tracker.ok("import", str(SEED))
    conn = sqlite3.connect(tracker.db)
    conn.executescript(WITHOUT_BY + "DROP VIEW agreements; DROP VIEW events; PRAGMA user_version = 8;")
    conn.close()
    tracker.ok("list")
    fresh = tracker.db.parent / "fresh.db"
    tracker.ok("list", TRACKER_DB=str(fresh))

    def views(path):
        return rows(path, "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")

    assert [view["name"] for view in views(tracker.db)] == sorted(VIEWS)
    assert views(tracker.db) == views(fresh)
    assert _shape(tracker.db) == _shape(fresh) and _shape(tracker.db)["version"] == SCHEMA_VERSION
    assert len(rows(tracker.db, "SELECT * FROM agreements")) == len(tracker.ok("list", "agreements", "--all", "--json").json())
    checked = tracker("check")
    assert checked.code == 0, checked.stdout + checked.stderr


def test_sqlite_utils_reads_the_views(desk):
    tool = str(Path(sys.executable).parent / "sqlite-utils")
    views = subprocess.run([tool, "views", str(desk)], capture_output=True, text=True, check=True).stdout
    assert all(f'"view": "{view}"' in views for view in VIEWS), views
    tables = subprocess.run([tool, "tables", str(desk)], capture_output=True, text=True, check=True).stdout
    assert '"table": "items"' in tables and '"table": "changes"' in tables
    agreements = json.loads(subprocess.run([tool, "rows", str(desk), "agreements"], capture_output=True,
                                           text=True, check=True).stdout)
    assert {"ref": "A2", "event_ref": "E2", "parties": "India; Russia"}.items() <= \
        next(row for row in agreements if row["ref"] == "A2").items()


# -- the metadata -----------------------------------------------------------------------------

def test_the_metadata_ships_with_the_package_and_names_what_exists(desk):
    from tracker.web.plugin import add_date_functions
    from tracker.web.serve import metadata

    shipped = metadata()
    assert shipped["title"] and shipped["source"] and shipped["description"]
    database = shipped["databases"]["tracker"]
    conn = sqlite3.connect(desk)
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    for name, table in database["tables"].items():
        assert name in names and table["description"], name
        columns = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
        assert set(table.get("columns", {})) <= columns, name
    for name in ("agreements", "events", "items"):
        assert (database["tables"][name]["fts_table"], database["tables"][name]["fts_pk"]) == ("item_search", "id")
    assert set(database["queries"]) == {"open_agreements_by_event", "this_weeks_changes", "overdue"}
    add_date_functions(conn)        # as tracker serve adds them to Datasette's connections
    for query in database["queries"].values():
        conn.execute("EXPLAIN " + query["sql"], {"as_of": ""})      # valid SQL over this schema
    conn.close()


def test_filters_on_refs_read_the_indexes(desk):
    from tracker.web.plugin import _ref_lookups

    class Args(dict):
        def getlist(self, key):
            return [self[key]] if key in self else []

    conn = sqlite3.connect(desk)
    for view, column, ref in (("agreements", "ref", "A3"), ("agreements", "event_ref", "E2"),
                              ("events", "ref", "E2"), ("events", "event_ref__exact", "E2"), ("log", "ref", "A3")):
        where, params = _ref_lookups(view, Args({column: ref}))
        plain = column.removesuffix("__exact")
        sql = f"SELECT * FROM {view} WHERE {plain} = :ref AND " + " AND ".join(where)
        plan = " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, {"ref": ref, **params}))
        assert "SCAN items" not in plan and "SCAN changes" not in plan, (view, column, plan)
        assert conn.execute(sql, {"ref": ref, **params}).fetchall() == \
            conn.execute(f"SELECT * FROM {view} WHERE {plain} = ?", (ref,)).fetchall(), (view, column)
    assert _ref_lookups("agreements", Args(ref="E2")) == ([], {})      # not an agreement's ref: no lookup
    assert _ref_lookups("agreements", Args(ref="A3; drop")) == ([], {})
    conn.close()


# -- tracker serve, for real ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    def __init__(self, db: Path, port: int, process: subprocess.Popen):
        self.db, self.port, self.process = db, port, process
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params) -> str:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            return response.read().decode("utf-8")

    def json(self, path: str, **params):
        return json.loads(self.get(path, _shape="array", **params))

    def failing(self, path: str, method: str = "GET", headers=None, **params) -> tuple[int, str]:
        """The status and body of a request expected to fail."""
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        request = urllib.request.Request(url, method=method, headers=headers or {},
                                         data=b"x=1" if method == "POST" else None)
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=30)
        return failed.value.code, failed.value.read().decode("utf-8")

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "tracker serve stopped"
            try:
                self.get("/-/versions.json")
                return
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "tracker serve did not answer within 60 s"
                time.sleep(0.2)


def serve_env(db: Path) -> dict:
    # TRACKER_NOW as for the commands: the canned queries' "now" is fixed by it.
    env = {**os.environ, "TRACKER_DB": str(db), "TRACKER_NOW": NEWS_NOW, "TZ": "Asia/Kolkata", "NO_COLOR": "1"}
    env.pop("TRACKER_TZ", None)
    return env


@pytest.fixture
def serve_logged(tmp_path):
    """Start `tracker serve` on a database with its stdout and stderr in files; read them
    after the server is stopped (Ctrl-C)."""
    started = []

    def start(db: Path) -> Served:
        out, said = open(tmp_path / "stdout", "w"), open(tmp_path / "stderr", "w")
        process = subprocess.Popen([str(TRACKER_BIN), "serve", "--port", str(free_port())], env=serve_env(db),
                                   stdout=out, stderr=said, text=True)
        out.close(), said.close()
        server = Served(db, int(process.args[-1]), process)
        started.append(server)
        server.wait_until_up()
        return server

    def stop() -> tuple[str, str]:
        process = started[-1].process
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        return (tmp_path / "stdout").read_text(), (tmp_path / "stderr").read_text()

    start.stop = stop
    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    db = demo(tmp_path_factory.mktemp("served"))
    port = free_port()
    process = subprocess.Popen([str(TRACKER_BIN), "serve", "--port", str(port)], env=serve_env(db),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = Served(db, port, process)
    server.wait_until_up()
    yield server
    if process.poll() is None:
        process.kill()
        process.wait()


def test_the_database_page_lists_the_views_and_queries(served):
    page = served.get("/tracker")
    for name in (*VIEWS, "open_agreements_by_event", "this_weeks_changes", "overdue"):
        assert f'href="/tracker/{name}"' in page, name
    assert "Summits, state visits" in served.get("/")


def test_the_agreements_page_has_the_search_box_and_the_refs(served):
    page = served.get("/tracker/agreements")
    assert 'name="_search"' in page
    assert ">A2<" in page and "23rd India-Russia Annual Summit" in page
    assert "Agreements expected, under way or settled" in page       # the metadata's description


def test_search_filters_items_and_the_views(served):
    everything = served.json("/tracker/items.json", _col="title")
    found = served.json("/tracker/items.json", _search="Kudankulam", _col="title")
    assert 0 < len(found) < len(everything)
    assert all("Kudankulam" in row["title"] for row in found)
    # As tracker searches: each word a prefix, accents and case folded, its syntax inert.
    whole_word = served.json("/tracker/agreements.json", _search="Kudankulam", _col="ref")
    assert whole_word and served.json("/tracker/agreements.json", _search="kudan", _col="ref") == whole_word
    assert [row["ref"] for row in served.json("/tracker/agreements.json", _search="cooperation energetique",
                                               _col="ref")] == ["A24"]
    assert [row["title"] for row in served.json("/tracker/agreements.json", _search="S-400", _col="title")] == \
        ["Additional S-400 air defence systems"]
    listed = json.loads(run(served.db, "list", "--all", "--search", "Kudankulam", "--json").stdout)
    assert sorted(row["ref"] for row in served.json("/tracker/agreements.json", _search="Kudankulam", _col="ref")) \
        == sorted(item["ref"] for item in listed)


def test_the_canned_queries_answer(served):
    by_event = served.json("/tracker/open_agreements_by_event.json")
    assert by_event and all(row["status"] not in SETTLED for row in by_event)
    assert {"event_ref": "E2", "ref": "A23"}.items() <= next(row for row in by_event if row["ref"] == "A23").items()
    overdue = served.json("/tracker/overdue.json", as_of=NEWS_NOW)
    assert [row["ref"] for row in overdue] == ["A23"]                 # due 10 December, open
    assert served.json("/tracker/overdue.json", as_of="2025-12-09") == []
    week = served.json("/tracker/this_weeks_changes.json", as_of=NEWS_NOW)
    assert week and all("2025-12-08" <= row["on"][:10] <= "2025-12-14" for row in week)
    assert any(row["ref"] == "E6" and row["field"] == "status" and row["new"] == "held" for row in week)
    assert len(week) == len(rows(served.db, "SELECT 1 FROM changes WHERE happened_utc >= '2025-12-08' "
                                            "AND happened_utc < '2025-12-15'"))


def test_a_tracker_command_writes_while_datasette_serves(served):
    before = served.json("/tracker/agreements.json", ref="A3")
    assert before[0]["status"] == "expected"
    done = run(served.db, "update", "A3", "--status", "signed", "--on", "2025-12-12", "--note", "Signed at last.")
    assert done.returncode == 0
    assert served.json("/tracker/agreements.json", ref="A3")[0]["status"] == "signed"
    assert served.json("/tracker/log.json", ref="A3", field="status")[-1]["note"] == "Signed at last."
    assert "A3" not in [row["ref"] for row in served.json("/tracker/open_agreements_by_event.json")]


def test_datasette_cannot_write_to_the_database(served):
    before = rows(served.db, "SELECT count(*) AS n FROM changes")
    with pytest.raises(urllib.error.HTTPError):
        served.get("/tracker.json", sql="UPDATE items SET title = 'x'")
    assert rows(served.db, "SELECT count(*) AS n FROM changes") == before


def test_failed_requests_print_no_traceback_and_nothing_on_stdout(served, serve_logged):
    server = serve_logged(served.db)
    assert server.failing("/tracker.json", sql="select nosuch")[0] == 400               # a typo in the SQL box
    assert server.failing("/tracker/nosuch")[0] == 404
    assert server.failing("/-/create-token")[0] == 404
    assert server.failing("/tracker/agreements.json", _search="(", _searchmode="raw")[0] == 400
    status, page = server.failing("/tracker/overdue", method="POST")
    assert status >= 400 and "<html" in page.lower()                                  # its error page
    assert server.failing("/tracker/agreements", method="POST")[0] >= 400
    stdout, stderr = server_output = serve_logged.stop()
    assert stdout == ""
    assert "Traceback" not in stderr and "locals" not in stderr and "│" not in stderr, server_output
    lines = stderr.splitlines()
    assert lines[0].startswith("serving ") and len(lines) <= 1 + 6, stderr   # at most one a request


@pytest.mark.parametrize("name", ["a#b.db", "c?mode=rw.db", "d%41.db"])
def test_serve_refuses_a_path_datasette_would_misread(served, tmp_path, name):
    odd = tmp_path / name
    odd.write_bytes(served.db.read_bytes())
    before = sorted(tmp_path.iterdir())
    done = subprocess.run([str(TRACKER_BIN), "serve", "--port", str(free_port())], env=serve_env(odd),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("tracker: error: tracker serve cannot serve a database whose path has ")
    assert done.stderr.count("\n") == 1
    assert sorted(tmp_path.iterdir()) == before            # no other file opened or made


def test_serve_reads_a_path_with_spaces_and_accents_read_only(served, tmp_path, serve_logged):
    odd = tmp_path / "desk of Zoë (copy) é.db"
    odd.write_bytes(served.db.read_bytes())
    server = serve_logged(odd)
    assert server.json("/tracker.json", sql="select file from pragma_database_list") == [{"file": str(odd)}]
    status, said = server.failing("/tracker.json", sql="with x as (select 1) insert into feeds(url) select 1")
    assert status == 400 and "readonly" in said
    assert len(server.json("/tracker/agreements.json", _col="ref", _size="max")) == \
        len(rows(odd, "SELECT 1 FROM agreements"))
    serve_logged.stop()
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith(odd.name)) == \
        ["stderr", "stdout"]


def test_serve_refuses_a_database_that_does_not_exist(tmp_path):
    missing = tmp_path / "tpyo.db"
    done = subprocess.run([str(TRACKER_BIN), "serve", "--port", str(free_port())], env=serve_env(missing),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == f"tracker: error: no database at {missing}: give the path of an existing one " \
                          "with --db or TRACKER_DB\n"
    assert list(tmp_path.iterdir()) == []


SERVE_ON_POSTGRESQL = ("tracker: error: tracker serve works on an SQLite file, not on a PostgreSQL database "
                       "({}): make one with `tracker copy --to FILE` or `tracker backup FILE`, then run "
                       "`tracker --db FILE serve`\n")


def test_serve_refuses_a_postgresql_url_in_one_line_and_says_how_to_get_a_file(tmp_path):
    # Nothing listens there: the refusal comes before any connection, and keeps the password out.
    url = "postgresql://anna:s3cret@127.0.0.1:1/desk"
    done = subprocess.run([str(TRACKER_BIN), "serve", "--port", str(free_port())], env=serve_env(url),
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == SERVE_ON_POSTGRESQL.format("postgresql://anna@127.0.0.1:1/desk")


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_serve_refuses_the_desk_s_database_and_a_copy_of_it_serves(seeded, tmp_path):
    refused = seeded("serve")
    assert (refused.code, refused.stdout) == (2, "") and refused.stderr.count("\n") == 1
    assert refused.stderr == SERVE_ON_POSTGRESQL.format(seeded.db)
    seeded.ok("copy", "--to", str(tmp_path / "desk.db"))
    assert seeded.ok("--db", str(tmp_path / "desk.db"), "list", "--json").stdout == seeded.ok("list", "--json").stdout


def test_serve_refuses_a_request_for_another_host_name(served):
    port = served.port
    for forged in (f"evil.example.com:{port}", "evil.example.com", f"127.0.0.1.evil.example:{port}",
                   f"localhost:{port + 1}"):
        status, said = served.failing("/tracker/agreements.json", headers={"Host": forged})
        assert status == 421 and said == f"tracker serve answers only at http://127.0.0.1:{port}/ " \
                                         f"or http://localhost:{port}/\n", forged
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"[::1]:{port}"):
        request = urllib.request.Request(served.base + "/tracker/agreements.json", headers={"Host": host})
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, host


def test_this_weeks_changes_is_the_week_in_the_desk_s_zone(served):
    # TZ is Asia/Kolkata: Monday 8 December there starts on 7 December 18:30 UTC.
    run(served.db, "update", "A5", "--status", "negotiating", "--on", "2025-12-08", "--note", "Monday talks")
    for as_of in ("2025-12-08", "2025-12-14", "2025-W50", "2025-12-10T12:00:00+05:30", ""):
        notes = [row["note"] for row in served.json("/tracker/this_weeks_changes.json", as_of=as_of)]
        assert "Monday talks" in notes, as_of
    assert "Monday talks" not in [row["note"] for row in
                                  served.json("/tracker/this_weeks_changes.json", as_of="2025-12-07")]
    week = served.json("/tracker/this_weeks_changes.json", as_of="2025-W50")
    assert len(week) == len(rows(served.db, "SELECT 1 FROM changes WHERE happened_utc >= '2025-12-07T18:30:00Z' "
                                            "AND happened_utc < '2025-12-14T18:30:00Z'"))
    # Empty as_of: now, which TRACKER_NOW fixes (12 December, in week 50).
    assert served.json("/tracker/this_weeks_changes.json", as_of="") == week
    assert served.json("/tracker/overdue.json", as_of="") == served.json("/tracker/overdue.json", as_of=NEWS_NOW)


@pytest.mark.parametrize("query", ["overdue", "this_weeks_changes"])
@pytest.mark.parametrize("as_of", ["garbage", "12/12/2025", "2025-13-01"])
def test_a_date_the_canned_queries_cannot_read_is_an_error(served, query, as_of):
    status, said = served.failing(f"/tracker/{query}.json", as_of=as_of)
    assert status == 400 and json.loads(said)["ok"] is False


def test_ref_filters_through_datasette_find_the_same_rows(served):
    for view, column, ref in (("agreements", "ref", "A3"), ("agreements", "event_ref", "E2"),
                              ("events", "event_ref", "E2"), ("log", "ref", "A3"), ("log", "ref", "E2"),
                              ("agreements", "ref", "E2"), ("agreements", "event_ref", "E99")):
        found = served.json(f"/tracker/{view}.json", _size="max", **{column: ref})
        assert [row["id"] for row in found] == \
            [row["id"] for row in rows(served.db, f"SELECT id FROM {view} WHERE {column} = ?", (ref,))], (view, ref)
    assert len(served.json("/tracker/agreements.json", event_ref="E2")) > 3

def test_the_sql_box_cannot_reach_fts3_tokenizer_nor_build_huge_values(served):
    for sql in ("select fts3_tokenizer('simple')", "select fts3_tokenizer('simple', x'4141414141414141')",
                "select length(randomblob(20000000))"):
        status, said = served.failing("/tracker.json", sql=sql)
        assert status == 400 and json.loads(said)["ok"] is False, sql
    assert served.json("/tracker.json", sql="select length(randomblob(1000)) as n") == [{"n": 1000}]


def test_a_blank_search_is_no_search_and_the_log_searches_its_items(served):
    everything = served.json("/tracker/items.json", _col="title", _size="max")
    assert served.json("/tracker/items.json", _search="   ", _col="title", _size="max") == everything
    listed = {row["ref"] for row in json.loads(run(served.db, "list", "--all", "--search", "Kudankulam", "--json").stdout)}
    logged = served.json("/tracker/log.json", _search="kudankulam", _size="max")
    assert logged and {row["ref"] for row in logged} == listed
    assert len(logged) == len(rows(served.db, "SELECT 1 FROM log WHERE ref IN (%s)" % ",".join("?" * len(listed)),
                                   sorted(listed)))
    assert 'where its item matches search &#34;kudankulam&#34;' in served.get("/tracker/log", _search="kudankulam")

def test_a_headless_chromium_screenshot_of_the_agreements_view(served, tmp_path):
    from test_report import CHROMIUM_FLAGS, _chromium

    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed")
    shot = tmp_path / "agreements.png"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                    "--window-size=1280,900", served.base + "/tracker/agreements"],
                   capture_output=True, timeout=120, check=True)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1280, 900)
    assert len(png) > 30_000          # a page of text and a table, not a blank or an error page


def test_serve_stops_on_ctrl_c(served):
    # The last of the served tests: the server is stopped as a user stops it.
    # Datasette's server shuts down cleanly, then tracker exits as on any Ctrl-C: 130, quietly.
    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=30) == 130
    said = served.process.stderr.read().splitlines()
    assert said[0] == f"serving {served.db} read-only at {served.base}/tracker (Ctrl-C stops)"
    # Then only Datasette's one line for each query that failed (the unreadable dates above).
    assert all(line.startswith("ERROR: conn=") for line in said[1:]), said
    assert served.process.stdout.read() == ""


# -- what serve says when it cannot ------------------------------------------------------------

@pytest.mark.sqlite_only
def test_serve_without_datasette_says_how_to_install_it(tracker, monkeypatch):
    monkeypatch.setitem(sys.modules, "datasette", None)
    monkeypatch.setitem(sys.modules, "datasette.app", None)
    done = tracker("serve")
    assert done.code == 1
    assert done.stderr == 'tracker: error: tracker serve needs Datasette, which is not installed: ' \
                          'pip install "tracker[web]"\n'
    assert not tracker.db.exists()        # nothing opened (nor made, nor migrated) to say so


@pytest.mark.sqlite_only
def test_serve_on_a_port_in_use_says_so(seeded):
    tracker = seeded
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = tracker("serve", "--port", str(port))
    assert done.code == 2
    assert done.stderr == f"tracker: error: port {port} on 127.0.0.1 is in use: choose another with --port\n"


def test_help_lists_serve_without_loading_datasette(tmp_path):
    probe = ("import sys\nfrom tracker.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
             "print('datasette' in sys.modules, 'uvicorn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True, text=True, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "100"})
    assert " serve " in done.stdout
    assert done.stdout.rstrip().endswith("False False")
