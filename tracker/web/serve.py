"""Starting Datasette on tracker's database, read-only, at http://127.0.0.1:PORT/tracker.

Datasette is an optional extra (`pip install "tracker[web]"`) and is imported only
here, when serve runs: it and its web server take longer to load than any other
command takes to run.
"""

import errno
import json
import socket
from collections.abc import Callable
from pathlib import Path

from tracker.commands.common import err
from tracker.errors import BadArgument, TrackerError
from tracker.render.text import cell
from tracker.web import DATABASE, HOST
from tracker.web.app import loopback_hosts_only
from tracker.web.plugin import register

# Datasette's settings: no facets suggested, which tried a query per column on every
# page (1.7 s a page at 100k items, 0.2 s without); a facet is a click away still.
SETTINGS = {"default_page_size": 50, "suggest_facets": False}


def run(named: Path, open_database: Callable[[], Path], port: int) -> None:
    """Serve the database at the path named (--db, TRACKER_DB or the default) until
    Ctrl-C. open_database opens it as any command does and gives the path opened."""
    # Datasette first: without it nothing is served, so nothing is opened (nor migrated).
    try:
        from datasette.app import Datasette
    except ImportError:
        raise TrackerError('tracker serve needs Datasette, which is not installed: pip install "tracker[web]"') from None
    check_database_path(named)
    # Opened by tracker first: an older database is brought to the shape whose views
    # and search the metadata names, and changed safeguards are said as for any command.
    path = open_database()
    import uvicorn

    listening = _listen(port)
    port = listening.getsockname()[1]
    datasette = Datasette(files=[str(path)], metadata=metadata(), settings=SETTINGS)
    _name_database(datasette, path)
    from datasette.plugins import pm

    register(pm)
    address = f"http://{HOST}:{port}/{DATABASE}"
    err().print(cell(f"serving {path} read-only at {address} (Ctrl-C stops)"))
    app = loopback_hosts_only(datasette.app(), port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    try:
        server.run(sockets=[listening])
    finally:
        listening.close()


# Datasette opens its file as the URI file:PATH?mode=ro without quoting PATH: after a `#`
# SQLite reads no ?mode=ro (and opens, even creates, the file before the #), a `?` or `%`
# names another file or mode. Such a path is refused rather than served wrongly.
_URI_SIGNS = "#?%"


def check_database_path(path: Path) -> None:
    """A path Datasette can open read-only, of a database that exists: serve creates nothing."""
    signs = [sign for sign in _URI_SIGNS if sign in str(path)]
    if signs:
        raise TrackerError(f"tracker serve cannot serve a database whose path has {' or '.join(signs)} in it "
                           f"(Datasette would open another file): copy or link it to a plain name")
    if not path.exists():
        raise TrackerError(f"no database at {path}: give the path of an existing one with --db or TRACKER_DB")


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
