"""The Datasette plugin of `tracker serve`: Datasette reads searches, refs and dates as
tracker does, and its errors print no traceback. Datasette is imported inside the
functions, when serve runs, never at this module's import."""

from tracker.errors import BadArgument

PLUGIN = "tracker-serve"


def register(pm) -> None:
    """The plugin, once per process, in Datasette's plugin manager, and its own error
    handler out of it."""
    if pm.get_plugin(PLUGIN) is None:
        pm.register(tracker_plugin(), name=PLUGIN)
    _quiet_errors(pm)


def _search_words(text: str) -> str:
    """The search box as `tracker list --search` reads it: every word a quoted prefix."""
    from tracker.store.items import fts_query

    try:
        return fts_query(text)
    except BadArgument:
        return '""'     # no word in it: matches nothing, as in Datasette


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
        say_failed(request.method, request.path, exception)
        exception = DatasetteError(str(exception), status=500)
    return default.handle_exception(datasette, request, exception)


def say_failed(method: str, path: str, exception: BaseException) -> None:
    """One line on stderr for a request that failed in the server, not in what it asked."""
    import sys

    from tracker.render.text import cell

    line = cell(f"tracker serve: {method} {path} failed: {type(exception).__name__}: {exception}").plain
    sys.stderr.write(line[:300] + "\n")
    sys.stderr.flush()


def tracker_plugin():
    """A Datasette plugin: its search box (?_search=) reads words as tracker's search does,
    each a prefix ("Kudan" finds Kudankulam), rather than Datasette's whole words; the
    canned queries read dates and weeks as tracker does; errors print no traceback.
    Accents and case are folded by the index itself. Made here, not at import, so that
    importing this module loads no Datasette."""
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
