"""tracker serve: the database in a browser, through Datasette, read-only.

Datasette is an optional extra (`pip install "tracker[web]"`) and is imported only
here: it and its web server take longer to load than any other command takes to run.
"""

import errno
import json
import socket
from pathlib import Path
from typing import Annotated

import typer

from tracker.commands.common import err, store
from tracker.errors import BadArgument, TrackerError

HOST = "127.0.0.1"
DEFAULT_PORT = 8001     # Datasette's own
# Datasette's settings: no facets suggested, which tried a query per column on every
# page (1.7 s a page at 100k items, 0.2 s without); a facet is a click away still.
SETTINGS = {"default_page_size": 50, "suggest_facets": False}
# The name the database has in Datasette's pages (/tracker/agreements), whatever the file's.
DATABASE = "tracker"


def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(
        "--port", metavar="N", min=0, max=65535,
        help=f"The port on {HOST} to serve on (0: any free one).")] = DEFAULT_PORT,
) -> None:
    """Browse the database in Datasette, in a web browser, read-only.

    At http://127.0.0.1:PORT/tracker: views named for people (agreements,
    events, log), search on items, and queries ready to run (open agreements
    by event, this week's changes, overdue). Other tracker commands can write
    to the same database while it serves; a page shows their changes when
    reloaded. Ctrl-C stops it. Needs Datasette: pip install "tracker[web]".
    """
    # Datasette first: without it nothing is served, so nothing is opened (nor migrated).
    try:
        from datasette.app import Datasette
    except ImportError:
        raise TrackerError('tracker serve needs Datasette, which is not installed: pip install "tracker[web]"') from None
    _check_database_path(ctx)
    # Opened by tracker first: an older database is brought to the shape whose views
    # and search the metadata names, and changed safeguards are said as for any command.
    path = store(ctx).path
    import uvicorn

    listening = _listen(port)
    port = listening.getsockname()[1]
    datasette = Datasette(files=[str(path)], metadata=metadata(), settings=SETTINGS)
    _name_database(datasette, path)
    from datasette.plugins import pm

    if pm.get_plugin(PLUGIN) is None:
        pm.register(_tracker_plugin(), name=PLUGIN)
    _quiet_errors(pm)
    from tracker.render.text import cell

    address = f"http://{HOST}:{port}/{DATABASE}"
    err().print(cell(f"serving {path} read-only at {address} (Ctrl-C stops)"))
    app = _loopback_hosts_only(datasette.app(), port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[listening])
    finally:
        listening.close()


# Datasette opens its file as the URI file:PATH?mode=ro without quoting PATH: after a `#`
# SQLite reads no ?mode=ro (and opens, even creates, the file before the #), a `?` or `%`
# names another file or mode. Such a path is refused rather than served wrongly.
_URI_SIGNS = "#?%"


def _check_database_path(ctx: typer.Context) -> None:
    """A path Datasette can open read-only, of a database that exists: serve creates nothing."""
    from tracker.cli import default_db_path

    session = ctx.find_root().obj
    path = Path(session.db or default_db_path())
    signs = [sign for sign in _URI_SIGNS if sign in str(path)]
    if signs:
        raise TrackerError(f"tracker serve cannot serve a database whose path has {' or '.join(signs)} in it "
                           f"(Datasette would open another file): copy or link it to a plain name")
    if not path.exists():
        raise TrackerError(f"no database at {path}: give the path of an existing one with --db or TRACKER_DB")


def _loopback_hosts_only(app, port: int):
    """The app, answering only requests addressed to this machine by name: a web page whose
    name was rebound to 127.0.0.1 (DNS rebinding) sends its own name as Host and is refused,
    so it cannot read the database through the analyst's browser."""
    allowed = {f"{name}:{port}".encode() for name in (HOST, "localhost", "[::1]")}
    refusal = f"tracker serve answers only at http://{HOST}:{port}/ or http://localhost:{port}/\n".encode()

    async def loopback_only(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            hosts = [value.lower() for name, value in scope.get("headers", []) if name == b"host"]
            if len(hosts) != 1 or hosts[0] not in allowed:
                await send({"type": "http.response.start", "status": 421,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(refusal)).encode())]})
                await send({"type": "http.response.body", "body": refusal})
                return
        if scope["type"] == "http" and b"_search" in scope.get("query_string", b""):
            scope = dict(scope, query_string=_without_blank_search(scope["query_string"]))
        started = False

        async def sending(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, sending)
        except Exception as failure:
            # What Datasette's own error pages did not catch (a POST to a canned query, in
            # 0.65): one line here and a bare 500, rather than the server's traceback.
            _say_failed(scope.get("method", ""), scope.get("path", ""), failure)
            if started or scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Internal Server Error\n"})

    return loopback_only


def metadata() -> dict:
    """The metadata shipped with tracker: titles, descriptions, search, canned queries."""
    from importlib import resources

    return json.loads(resources.files("tracker").joinpath("web", "metadata.json").read_text(encoding="utf-8"))


def _listen(port: int) -> socket.socket:
    """The listening socket, bound here so that a port in use is said in one line."""
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((HOST, port))
    except OSError as error:
        listening.close()
        if error.errno == errno.EADDRINUSE:
            raise BadArgument(f"port {port} on {HOST} is in use: choose another with --port") from None
        raise TrackerError(f"cannot listen on {HOST}:{port}: {error.strerror}") from None
    listening.listen(128)
    return listening


def _name_database(datasette, path: Path) -> None:
    """Datasette names a database after its file; the metadata and the URLs say /tracker."""
    for name, database in list(datasette.databases.items()):
        if database.path == str(path) and name != DATABASE:
            datasette.remove_database(name)
            datasette.add_database(database, name=DATABASE)


def _without_blank_search(query: bytes) -> bytes:
    """The query string without a blank search (`?_search=+`): all rows, as an empty box
    shows, rather than none (a search for nothing matches nothing)."""
    from urllib.parse import parse_qsl, urlencode

    pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(key, value) for key, value in pairs if not (key.startswith("_search") and key != "_searchmode"
                                                          and not value.strip())]
    return query if len(kept) == len(pairs) else urlencode(kept, encoding="latin-1").encode("latin-1")


def _search_words(text: str) -> str:
    """The search box as `tracker list --search` reads it: every word a quoted prefix."""
    from tracker.store.items import fts_query

    try:
        return fts_query(text)
    except BadArgument:
        return '""'     # no word in it: matches nothing, as in Datasette


PLUGIN = "tracker-serve"


def _quiet_errors(pm) -> None:
    """Datasette's error pages, without the tracebacks its own handler prints: with their
    local variables (the SQL, the words searched) to stdout whenever Rich is installed, as
    it is with tracker, and to stderr for any unexpected error. Its handler is replaced by
    tracker's, which renders the same page; Rich is hidden from the page's code."""
    import sqlite3

    import datasette.handle_exception as default

    default.rich = None     # read by Datasette's page code when it renders an error
    # Datasette asks sqlite3 to print the traceback of any SQL function that raises (the
    # canned queries' dates do, on a date tracker cannot read): the page says the error.
    sqlite3.enable_callback_tracebacks(False)
    if pm.get_plugin(default.__name__) is not None:
        pm.unregister(name=default.__name__)


def _request_failed(datasette, request, exception):
    """The error page of a failed request. A request that fails is answered by its page;
    the server's console says one line, only for what is not a mistake in the request."""
    import datasette.handle_exception as default
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if not isinstance(exception, (Base400, DatasetteError)):
        _say_failed(request.method, request.path, exception)
        exception = DatasetteError(str(exception), status=500)
    return default.handle_exception(datasette, request, exception)


def _say_failed(method: str, path: str, exception: BaseException) -> None:
    """One line on stderr for a request that failed in the server, not in what it asked."""
    import sys

    from tracker.render.text import cell

    line = cell(f"tracker serve: {method} {path} failed: {type(exception).__name__}: {exception}").plain
    sys.stderr.write(line[:300] + "\n")
    sys.stderr.flush()


def _tracker_plugin():
    """A Datasette plugin: its search box (?_search=) reads words as tracker's search does,
    each a prefix ("Kudan" finds Kudankulam), rather than Datasette's whole words; the
    canned queries read dates and weeks as tracker does; errors print no traceback.
    Accents and case are folded by the index itself. Made here, not at import, since
    `tracker --help` loads this module and must not load Datasette."""
    from datasette import hookimpl

    class TrackerServe:
        # After Datasette's own escape_fts, which this replaces on every connection.
        @staticmethod
        @hookimpl(trylast=True)
        def prepare_connection(conn):
            conn.create_function("escape_fts", 1, _search_words, deterministic=True)
            add_date_functions(conn)
            _close_risky_sql(conn)

        @staticmethod
        @hookimpl(tryfirst=True)
        def handle_exception(datasette, request, exception):
            return _request_failed(datasette, request, exception)

        @staticmethod
        @hookimpl
        def filters_from_request(request, database, table, datasette):
            from datasette.filters import FilterArguments

            where, params = _ref_lookups(table, request.args)
            described = []
            if table == "log" and (request.args.get("_search") or "").strip():
                # The log has no index of its own: its rows are those of the items the words
                # find (titles, notes, sources), from the items' index, as tracker searches.
                where.append("id IN (SELECT id FROM changes WHERE item_id IN (SELECT rowid FROM item_search "
                             "WHERE item_search MATCH escape_fts(:tracker_log_search)))")
                params["tracker_log_search"] = request.args["_search"]
                described.append(f'its item matches search "{request.args["_search"]}"')
            return FilterArguments(where, params, described) if where else None

    return TrackerServe


# A view's refs are computed ('A' || num, the event's through a subquery): no index serves
# a filter on them, so "agreements at E5" or "the log of A3" read every row (2.2 s at 1M
# items, over Datasette's time limit). For an exact filter on a ref, tracker adds a
# condition that the indexes answer (items' (type, num), items_by_event, changes_by_item);
# Datasette's own filter still applies, so the rows are the same, found from the index.
_ITEM = "SELECT id FROM items WHERE type = :{type} AND num = :{num}"
_REF_LOOKUPS = {
    ("agreements", "ref"): ("agreement", "id IN (" + _ITEM + ")"),
    ("events", "ref"): ("event", "id IN (" + _ITEM + ")"),
    ("agreements", "event_ref"): ("event", "id IN (SELECT id FROM items WHERE event_id IN (" + _ITEM + "))"),
    ("events", "event_ref"): ("event", "id IN (SELECT id FROM items WHERE event_id IN (" + _ITEM + "))"),
    ("log", "ref"): (None, "id IN (SELECT id FROM changes WHERE item_id IN (" + _ITEM + "))"),
}
_REF_TYPES = {"A": "agreement", "E": "event"}


def _ref_lookups(view: str, args) -> tuple[list[str], dict]:
    """The indexed conditions for the exact ref filters of a request on a view."""
    import re

    where, params = [], {}
    for (name, column), (item_type, condition) in _REF_LOOKUPS.items():
        if name != view:
            continue
        for key in (column, column + "__exact"):
            for value in args.getlist(key):
                ref = re.fullmatch(r"([AE])([1-9][0-9]{0,17})", value)
                if ref is None or (item_type and _REF_TYPES[ref.group(1)] != item_type):
                    continue        # no such ref: Datasette's own filter finds nothing
                type_key, num_key = f"tracker_ref_type_{len(params)}", f"tracker_ref_num_{len(params)}"
                where.append(condition.format(type=type_key, num=num_key))
                params[type_key], params[num_key] = _REF_TYPES[ref.group(1)], int(ref.group(2))
    return where, params


# No value a tracker query needs comes near this; randomblob(1e9) in the SQL box would make
# the server build a response of a gigabyte.
LONGEST_VALUE = 10_000_000


def _close_risky_sql(conn) -> None:
    """What the SQL box should not reach: fts3_tokenizer (Debian's SQLite enables it) reads
    and replaces a tokenizer's address in memory, and huge values exhaust memory. Python
    3.11 cannot set SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER; a function of the same name
    and arity takes the built-in's place on this connection."""
    import sqlite3

    def refused(*_):
        raise sqlite3.ProgrammingError("fts3_tokenizer is not available")

    for arity in (1, 2):
        conn.create_function("fts3_tokenizer", arity, refused)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, LONGEST_VALUE)


def add_date_functions(conn) -> None:
    """The SQL functions the canned queries read dates with, as tracker reads them.

    tracker_instant(as_of): the UTC instant (2025-12-04T04:30:00Z) of a date or time
    written as for any tracker command, in the user's zone (TRACKER_TZ, TZ); empty: now
    (TRACKER_NOW when set). tracker_week_start(as_of) and tracker_week_end(as_of): the
    Monday 00:00 and the next Monday 00:00 of its ISO week in that zone, as `tracker
    report --week` counts weeks; as_of may be a week (2025-W50). An unreadable as_of is
    an error (the page says so), never an empty answer.
    """
    # Deterministic: one value within a query, so that SQLite reads it once, not per row.
    conn.create_function("tracker_instant", 1, _instant, deterministic=True)
    conn.create_function("tracker_week_start", 1, lambda as_of: _week(as_of)[0], deterministic=True)
    conn.create_function("tracker_week_end", 1, lambda as_of: _week(as_of)[1], deterministic=True)


def _as_of(text):
    from tracker import dates

    if text is None or not str(text).strip():
        return dates.now()
    return dates.parse_when(str(text).strip(), dates.user_zone_name(), what="as_of").start


def _instant(text) -> str:
    from tracker import dates

    return dates.utc_text(_as_of(text))


def _week(text) -> tuple[str, str]:
    from tracker import dates
    from tracker.report import _WEEK, week_period

    zone = dates.user_zone_name()
    if text is not None and _WEEK.fullmatch(str(text).strip()):
        period = week_period(str(text), zone)
    else:
        moment = _as_of(text).astimezone(dates.get_zone(zone))
        period = week_period(moment.strftime("%G-W%V"), zone)
    return dates.utc_text(period.start), dates.utc_text(period.end)
