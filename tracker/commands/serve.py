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
    # Opened by tracker first: an older database is brought to the shape whose views
    # and search the metadata names, and changed safeguards are said as for any command.
    path = store(ctx).path
    try:
        from datasette.app import Datasette
    except ImportError:
        raise TrackerError('tracker serve needs Datasette, which is not installed: pip install "tracker[web]"') from None
    import uvicorn

    listening = _listen(port)
    datasette = Datasette(files=[str(path)], metadata=metadata(), settings=SETTINGS)
    _name_database(datasette, path)
    from datasette.plugins import pm

    if pm.get_plugin(SEARCH_PLUGIN) is None:
        pm.register(_tracker_search(), name=SEARCH_PLUGIN)
    from tracker.render.text import cell

    address = f"http://{HOST}:{listening.getsockname()[1]}/{DATABASE}"
    err().print(cell(f"serving {path} read-only at {address} (Ctrl-C stops)"))
    server = uvicorn.Server(uvicorn.Config(datasette.app(), log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[listening])
    finally:
        listening.close()


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


def _search_words(text: str) -> str:
    """The search box as `tracker list --search` reads it: every word a quoted prefix."""
    from tracker.store.items import fts_query

    try:
        return fts_query(text)
    except BadArgument:
        return '""'     # an empty search matches nothing, as in Datasette


SEARCH_PLUGIN = "tracker-search"


def _tracker_search():
    """A Datasette plugin: its search box (?_search=) reads words as tracker's search does,
    each a prefix ("Kudan" finds Kudankulam), rather than Datasette's whole words.
    Accents and case are folded by the index itself. Made here, not at import, since
    `tracker --help` loads this module and must not load Datasette."""
    from datasette import hookimpl

    class TrackerSearch:
        # After Datasette's own escape_fts, which this replaces on every connection.
        @staticmethod
        @hookimpl(trylast=True)
        def prepare_connection(conn):
            conn.create_function("escape_fts", 1, _search_words, deterministic=True)

    return TrackerSearch
