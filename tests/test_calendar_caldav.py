"""tracker publish caldav: against a real Radicale server started here on 127.0.0.1,
read back with a CalDAV client (the caldav library)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import date

import pytest

caldav = pytest.importorskip("caldav")
pytest.importorskip("radicale")

USER, PASSWORD = "desk", "s3cret-Kudankulam-42"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def radicale(tmp_path):
    """Radicale on a free port, with its own storage and a plain htpasswd; stopped after."""
    port = _free_port()
    (tmp_path / "users").write_text(f"{USER}:{PASSWORD}\nother:other-password\n", encoding="utf-8")
    config = tmp_path / "radicale.conf"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {tmp_path / 'users'}\nhtpasswd_encryption = plain\ndelay = 0\n"
        f"[storage]\nfilesystem_folder = {tmp_path / 'collections'}\n"
        "[rights]\ntype = owner_only\n[logging]\nlevel = warning\n", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"radicale did not start: {server.stderr.read().decode()}")
                time.sleep(0.1)
        client = caldav.DAVClient(url=f"http://127.0.0.1:{port}/", username=USER, password=PASSWORD,
                                  require_tls=False, timeout=30)
        calendar = client.principal().make_calendar(name="Desk", cal_id="desk")
        yield calendar
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def _read_back(calendar) -> dict[str, object]:
    """What a CalDAV client sees: each VEVENT by its X-TRACKER-REF (or UID)."""
    found = {}
    for resource in calendar.events():
        component = resource.icalendar_component
        found[str(component.get("X-TRACKER-REF") or component["UID"])] = component
    return found


def _publish(tracker, calendar, *args, **env):
    return tracker("publish", "caldav", str(calendar.url), *args,
                   **{"TRACKER_CALDAV_USER": USER, "TRACKER_CALDAV_PASSWORD": PASSWORD, **env})


@pytest.mark.slow
def test_publish_creates_updates_cancels_removes_and_is_idempotent(summit, radicale):
    summit.ok("update", "A1", "--due", "2025-12-05")
    # Something on the calendar that tracker did not put there: left alone throughout.
    radicale.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone//EN\r\nBEGIN:VEVENT\r\n"
                        "UID:hand-made-1\r\nDTSTAMP:20251101T000000Z\r\nDTSTART;VALUE=DATE:20251210\r\n"
                        "SUMMARY:Team lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    first = _publish(summit, radicale)
    assert first.code == 0, first.stderr
    assert "3 added, 0 updated, 0 deleted, 0 unchanged" in first.stderr
    assert PASSWORD not in first.stderr + first.stdout
    seen = _read_back(radicale)
    assert set(seen) == {"E1", "E2", "A1", "hand-made-1"}
    uids = {item["ref"]: item["uid"] for item in summit.ok("list", "--all", "--json").json()}
    assert str(seen["E1"]["UID"]) == uids["E1"]
    assert seen["E1"].decoded("DTSTART") == date(2025, 12, 4) and seen["E1"].decoded("DTEND") == date(2025, 12, 6)
    assert seen["E1"]["STATUS"] == "CONFIRMED" and str(seen["A1"]["SUMMARY"]) == "Due: Labour mobility pact"

    # Twice: nothing sent, nothing changed on the server (the ETags stay).
    etags = {str(resource.url): resource.get_property(caldav.elements.dav.GetEtag()) for resource in radicale.events()}
    again = _publish(summit, radicale)
    assert again.code == 0 and "0 added, 0 updated, 0 deleted, 3 unchanged" in again.stderr
    assert {str(resource.url): resource.get_property(caldav.elements.dav.GetEtag())
            for resource in radicale.events()} == etags

    # An update and a cancellation reach the calendar; a removed item leaves it.
    summit.ok("update", "E1", "--location", "Hyderabad House, New Delhi", TRACKER_NOW="2025-12-01T09:00:00Z")
    summit.ok("update", "E2", "--status", "cancelled", TRACKER_NOW="2025-12-01T09:00:00Z")
    summit.ok("remove", "A1", TRACKER_NOW="2025-12-01T09:00:00Z")
    changed = _publish(summit, radicale)
    assert changed.code == 0 and "0 added, 2 updated, 1 deleted, 0 unchanged" in changed.stderr, changed.stderr
    seen = _read_back(radicale)
    assert set(seen) == {"E1", "E2", "hand-made-1"}
    assert str(seen["E1"]["LOCATION"]) == "Hyderabad House, New Delhi" and seen["E1"]["SEQUENCE"] == 1
    assert seen["E2"]["STATUS"] == "CANCELLED"
    assert "0 added, 0 updated, 0 deleted, 2 unchanged" in _publish(summit, radicale).stderr


@pytest.mark.slow
def test_a_wrong_password_is_one_line_that_never_shows_it(summit, radicale):
    wrong = "not-the-password-7731"
    for run in (_publish(summit, radicale, TRACKER_CALDAV_PASSWORD=wrong),
                summit("publish", "caldav", str(radicale.url), "--user", USER, "--password", wrong)):
        assert run.code == 1
        lines = [line for line in run.stderr.strip().splitlines() if not line.startswith("warning: --password")]
        assert len(lines) == 1, run.stderr
        assert lines[0].startswith("tracker: error: the CalDAV server at http://127.0.0.1:")
        assert "refused the user name or password (HTTP 401)" in lines[0]
        assert wrong not in run.stderr + run.stdout and PASSWORD not in run.stderr
    assert _read_back(radicale) == {}


@pytest.mark.slow
def test_another_users_calendar_is_refused_in_one_line(summit, radicale):
    run = _publish(summit, radicale, TRACKER_CALDAV_USER="other", TRACKER_CALDAV_PASSWORD="other-password")
    assert run.code == 1 and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "does not let this user read http://127.0.0.1:" in run.stderr and "(HTTP 403)" in run.stderr
    assert "other-password" not in run.stderr
    assert _read_back(radicale) == {}


def test_an_unreachable_server_times_out_in_one_line(summit):
    # A socket that listens and never answers: the connection is made, no answer comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        started = time.monotonic()
        run = summit("publish", "caldav", f"http://127.0.0.1:{port}/desk/", "--timeout", "0.5",
                     TRACKER_CALDAV_USER=USER, TRACKER_CALDAV_PASSWORD=PASSWORD)
        assert time.monotonic() - started < 30
    assert run.code == 1
    assert run.stderr.strip() == (f"tracker: error: cannot reach the CalDAV server at http://127.0.0.1:{port}/desk/: "
                                  "no answer within 0.5 s; check the URL and that the server is up")
    refused = summit("publish", "caldav", f"http://127.0.0.1:{_free_port()}/desk/", TRACKER_CALDAV_USER=USER,
                     TRACKER_CALDAV_PASSWORD=PASSWORD)
    assert refused.code == 1 and "connection refused" in refused.stderr and PASSWORD not in refused.stderr


def test_bad_urls_and_missing_passwords_are_refused_before_any_request(summit):
    embedded = summit("publish", "caldav", f"http://{USER}:{PASSWORD}@127.0.0.1:1/desk/")
    assert embedded.code == 2 and PASSWORD not in embedded.stderr
    assert "holds a user name or password: give them with --user and TRACKER_CALDAV_PASSWORD" in embedded.stderr
    not_http = summit("publish", "caldav", "ftp://example.org/desk/")
    assert not_http.code == 2 and "not an http or https address" in not_http.stderr
    no_password = summit("publish", "caldav", "http://127.0.0.1:1/desk/", "--user", USER)
    assert no_password.code == 2 and "set TRACKER_CALDAV_PASSWORD" in no_password.stderr


class _FailingCalendar:
    """A calendar that takes the first entry and fails on the second, as a server going away would."""

    url = "http://127.0.0.1:9/desk/"

    def __init__(self):
        self.sent = []

    def entries(self):
        return []

    def put(self, href, text, etag, new):
        from tracker.errors import TrackerError

        if self.sent:
            raise TrackerError("cannot reach the CalDAV server at http://127.0.0.1:9/desk/: connection refused")
        self.sent.append(href)


def test_a_publish_cut_short_says_what_was_sent_and_that_a_rerun_finishes(summit):
    from tracker import core
    from tracker.calendar.caldav import publish
    from tracker.errors import TrackerError
    from tracker.store import Store

    calendar = _FailingCalendar()
    database = Store(summit.db)
    try:
        with pytest.raises(TrackerError) as stopped:
            publish(database, calendar, core.list_items(database, core.ListRequest(everything=True, limit=0)))
    finally:
        database.close()
    assert len(calendar.sent) == 1
    assert str(stopped.value) == ("cannot reach the CalDAV server at http://127.0.0.1:9/desk/: connection refused "
                                  "(stopped after 1 added, 0 updated, 0 deleted, 0 unchanged; running it again "
                                  "finishes the work)")


def test_a_password_over_plain_http_is_warned_of_except_on_this_machine():
    from tracker.calendar.caldav import in_the_clear

    assert in_the_clear("http://dav.example.org/desk/")
    assert in_the_clear("http://10.0.0.5:5232/desk/")
    assert not in_the_clear("https://dav.example.org/desk/")
    assert not in_the_clear("http://127.0.0.1:5232/desk/") and not in_the_clear("http://[::1]:5232/desk/")
    assert not in_the_clear("http://localhost:5232/desk/")


@pytest.mark.slow
def test_a_url_that_is_not_a_calendar_is_refused_before_anything_is_written(summit, radicale):
    home = str(radicale.url).rstrip("/").rsplit("/", 1)[0] + "/"   # the user's home, not a calendar
    run = summit("publish", "caldav", home, TRACKER_CALDAV_USER=USER, TRACKER_CALDAV_PASSWORD=PASSWORD)
    assert run.code == 1
    assert run.stderr.strip().splitlines() == [
        f"tracker: error: {home} is a user's principal, not a calendar: give the calendar's own URL, "
        "such as https://dav.example.org/desk/calendar/"]
    # No calendar made of each entry in the home, nothing in the calendar.
    assert [str(calendar.url) for calendar in radicale.client.principal().calendars()] == [str(radicale.url)]
    assert _read_back(radicale) == {}


class _Scripted:
    """A small HTTP server on 127.0.0.1 that answers each method as told and records
    what it was sent (method, path, Authorization)."""

    def __init__(self, answers):
        import http.server
        import threading

        self.seen, scripted = [], self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                scripted.seen.append((self.command, self.path, self.headers.get("Authorization")))
                answers.get(self.command, answers.get("*"))(self)

            do_PROPFIND = do_REPORT = do_PUT = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _multistatus(handler, body: str, status: int = 207):
    data = body.encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/xml; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _a_calendar(handler):
    _multistatus(handler, '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" '
                 'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/c/</D:href><D:propstat><D:prop>'
                 '<D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop>'
                 '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>')


def _written(handler):
    handler.send_response(201)
    handler.send_header("Content-Length", "0")
    handler.end_headers()


def test_credentials_never_go_to_an_href_outside_the_calendar(summit):
    uid = {item["ref"]: item["uid"] for item in summit.ok("list", "--all", "--json").json()}["E1"]
    elsewhere = _Scripted({"*": _written})
    entry = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nX-TRACKER-REF:E1\r\n"
             "DTSTAMP:20251101T000000Z\r\nDTSTART;VALUE=DATE:20251204\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    def listing(handler):
        _multistatus(handler, '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" '
                     'xmlns:C="urn:ietf:params:xml:ns:caldav">'
                     f'<D:response><D:href>{elsewhere.url}steal.ics</D:href><D:propstat><D:prop>'
                     f'<D:getetag>"1"</D:getetag><C:calendar-data>{entry}</C:calendar-data></D:prop>'
                     '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
                     f'<D:response><D:href>/other/steal.ics</D:href><D:propstat><D:prop>'
                     f'<D:getetag>"1"</D:getetag><C:calendar-data>{entry}</C:calendar-data></D:prop>'
                     '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>')
    server = _Scripted({"PROPFIND": _a_calendar, "REPORT": listing, "*": _written})
    try:
        run = summit("publish", "caldav", server.url + "c/", TRACKER_CALDAV_USER=USER,
                     TRACKER_CALDAV_PASSWORD=PASSWORD)
    finally:
        server.close()
        elsewhere.close()
    assert run.code == 0, run.stderr
    assert elsewhere.seen == []
    assert all(path.startswith("/c/") for _method, path, _auth in server.seen), server.seen
    assert {method for method, _path, _auth in server.seen} == {"PROPFIND", "REPORT", "PUT"}
    assert f"warning: 2 entries the server listed outside {server.url}c/ were left alone, such as " in run.stderr


def test_the_timeout_bounds_the_whole_answer_of_a_trickling_server(summit):
    def trickle(handler):
        handler.send_response(207)
        handler.send_header("Content-Type", "application/xml")
        handler.end_headers()
        handler.wfile.write(b'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">')
        try:
            for _ in range(200):   # a byte every 0.1 s: 20 s in all, each read well within the timeout
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass
    server = _Scripted({"*": trickle})
    try:
        started = time.monotonic()
        run = summit("publish", "caldav", server.url + "c/", "--timeout", "1", TRACKER_CALDAV_USER=USER,
                     TRACKER_CALDAV_PASSWORD=PASSWORD)
        took = time.monotonic() - started
    finally:
        server.close()
    assert run.code == 1 and took < 15
    assert run.stderr.strip() == (f"tracker: error: cannot reach the CalDAV server at {server.url}c/: "
                                  "no complete answer within 1 s; check the URL and that the server is up")


def test_an_answer_over_the_cap_is_refused_early(summit, monkeypatch):
    from tracker.calendar import caldav as client

    def announced(handler):   # says its size: refused before a byte of the body is read
        handler.send_response(207)
        handler.send_header("Content-Length", str(client.MOST_BYTES + 1))
        handler.end_headers()
        handler.wfile.write(b"<")

    def endless(handler):     # does not: refused once the cap is passed
        handler.send_response(207)
        handler.end_headers()
        try:
            handler.wfile.write(b'<?xml version="1.0"?><D:multistatus xmlns:D="DAV:">')
            for _ in range(10_000):
                handler.wfile.write(b"<D:response><D:href>/c/x.ics</D:href></D:response>" * 100)
        except OSError:
            pass
    monkeypatch.setattr(client, "MOST_BYTES", 1 << 20)
    for answer in (announced, endless):
        server = _Scripted({"*": answer})
        try:
            calendar = client.Calendar(server.url + "c/", USER, PASSWORD, 10)
            with pytest.raises(client.TrackerError) as refused:
                calendar.entries()
        finally:
            server.close()
        assert str(refused.value) == (f"the calendar at {server.url}c/ answered more than 1 MiB: "
                                      "publish to a calendar of its own")


def test_a_big_answer_is_read_in_pieces_not_held_whole(summit):
    import tracemalloc

    from tracker.calendar import caldav as client

    def listing(count):
        one = ('<D:response><D:href>/c/{n}.ics</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag>'
                   '<C:calendar-data>BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:u{n}\r\n'
                   'DTSTAMP:20251101T000000Z\r\nDTSTART;VALUE=DATE:20251204\r\nDESCRIPTION:' + "x" * 2000 +
                   '\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n</C:calendar-data></D:prop></D:propstat></D:response>')
        # Made before memory is traced (the server runs in this process).
        body = ('<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                + "".join(one.format(n=n) for n in range(count)) + "</D:multistatus>").encode()

        def answer(handler):
            handler.send_response(207)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        return answer

    peaks = []
    for count in (200, 2000):
        server = _Scripted({"PROPFIND": _a_calendar, "REPORT": listing(count)})
        try:
            tracemalloc.start()
            found = client.Calendar(server.url + "c/", USER, PASSWORD, 30).entries()
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        finally:
            server.close()
        assert len(found) == count
    # Ten times the answer (4 MiB more), not ten times the memory.
    assert peaks[1] < peaks[0] + 2 * 1024 * 1024, peaks


def test_no_user_and_a_user_with_a_colon_are_refused_before_any_request(summit):
    with socket.socket() as listening:   # anything sent here would show as a pending connection
        listening.bind(("127.0.0.1", 0))
        listening.listen(8)
        listening.setblocking(False)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}/desk/cal/"
        nobody = summit("publish", "caldav", url, TRACKER_CALDAV_USER="", TRACKER_CALDAV_PASSWORD="")
        password_only = summit("publish", "caldav", url, TRACKER_CALDAV_USER="", TRACKER_CALDAV_PASSWORD=PASSWORD)
        colon = summit("publish", "caldav", url, "--user", "de:sk", TRACKER_CALDAV_PASSWORD=PASSWORD)
        with pytest.raises(BlockingIOError):
            listening.accept()
    for run in (nobody, password_only):
        assert run.code == 2 and run.stderr.strip() == (
            "tracker: error: no user name for the calendar: give --user or set TRACKER_CALDAV_USER "
            "(and TRACKER_CALDAV_PASSWORD)")
    assert colon.code == 2 and "holds a ':', which Basic authentication cannot carry" in colon.stderr
    assert PASSWORD not in nobody.stderr + password_only.stderr + colon.stderr


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_an_item_whose_uid_a_calendar_cannot_carry_is_named_and_the_others_published(summit, radicale):
    import sqlite3

    # A database from before import refused such uids.
    with sqlite3.connect(summit.db) as database:
        database.execute("UPDATE items SET uid = 'evil' || char(13, 10) || 'X-INJ:1' WHERE type = 'event' AND num = 1")
    run = _publish(summit, radicale)
    assert run.code == 0, run.stderr
    assert "warning: 1 item left out (E1): its uid holds a control character, which a calendar entry cannot carry" \
        in run.stderr
    assert "published to" in run.stderr and "1 added" in run.stderr
    assert set(_read_back(radicale)) == {"E2"}


def test_apply_refuses_a_uid_with_a_line_break(summit, tmp_path):
    import json

    path = tmp_path / "updates.json"
    path.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": [
        {"add": "event", "uid": "evil\nX-INJ:1", "on": "2025-11-28", "set": {"title": "Talks", "kind": "talks"}}]}))
    before = summit.dump()
    run = summit("apply", str(path))
    assert run.code == 2 and run.stderr.strip().endswith(
        '"uid" holds the control character U+000A: give a uid of printable characters, such as a UUID'), run.stderr
    assert summit.dump() == before


def test_a_redirect_is_refused_naming_where_it_points_and_password_and_undated_are_mentioned(summit):
    summit.ok("add", "event", "Some talks")   # no start: not published, and said so

    def moved(handler):
        handler.send_response(301)
        handler.send_header("Location", "/desk/calendar/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    server = _Scripted({"*": moved})
    try:
        run = summit("publish", "caldav", server.url + "c/", "--user", USER, "--password", PASSWORD)
    finally:
        server.close()
    assert run.code == 1 and [method for method, _path, _auth in server.seen] == ["PROPFIND"]
    assert run.stderr.strip().splitlines() == [
        "warning: --password can be read by other users of this machine (ps) and stays in the shell's history: "
        "set TRACKER_CALDAV_PASSWORD instead",
        f"tracker: error: the CalDAV server at {server.url}c/ redirects PROPFIND {server.url}c/ to "
        f"{server.url}desk/calendar/ (HTTP 301), which tracker does not follow: give that URL if it is the calendar"]

    server = _Scripted({"PROPFIND": _a_calendar, "REPORT": lambda handler: _multistatus(
        handler, '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"/>'), "*": _written})
    try:
        run = _publish(summit, server)
    finally:
        server.close()
    assert run.code == 0, run.stderr
    assert "1 event without a start left out (E3): give one with `tracker update REF --start WHEN`" in run.stderr
    assert "warning: --password" not in run.stderr
