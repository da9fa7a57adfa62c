"""tracker serve: the database in a browser, through Datasette, read-only.

The command's options and its call; Datasette, its plugin and the app in front of it
are in tracker/web/, imported only when serve runs (`tracker --help` loads this module).
"""

from pathlib import Path
from typing import Annotated

import typer

from tracker.commands.common import store
from tracker.web import DEFAULT_PORT, HOST


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
    Serves an SQLite file only: for a PostgreSQL database, serve a copy
    (`tracker copy --to FILE`).
    """
    from tracker.cli import default_db_path
    from tracker.model import is_url

    given = ctx.find_root().obj.db
    if is_url(given):
        # Datasette reads SQLite files only: say how to get one, before Datasette is loaded.
        from tracker.errors import BadArgument
        from tracker.store.postgres import PostgresDialect

        raise BadArgument(f"tracker serve works on an SQLite file, not on a PostgreSQL database "
                          f"({PostgresDialect(given).where}): make one with `tracker copy --to FILE` or "
                          "`tracker backup FILE`, then run `tracker --db FILE serve`")
    from tracker.web.serve import run

    named = Path(given or default_db_path())
    run(named, lambda: store(ctx).path, port)
