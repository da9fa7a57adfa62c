"""tracker copy: the whole log into an empty database, or from another one into this one."""

import sys
from typing import Annotated, Optional

import typer


def copy(
    ctx: typer.Context,
    to: Annotated[Optional[str], typer.Option(
        "--to", metavar="TARGET", help="Copy this database into TARGET: a new file, or an empty database.")] = None,
    source: Annotated[Optional[str], typer.Option(
        "--from", metavar="SOURCE", help="Copy SOURCE (an existing database) into this one, which must be empty.")] = None,
) -> None:
    """Copy the whole log into an empty database: items with their refs and uids, every change, the inbox.

    All of it or nothing: the target is written in one transaction, checked before it is
    committed, and left as it was if anything fails. A target that holds anything is
    refused: copy into a new file.
    """
    from tracker.cli import default_db_path
    from tracker.copying import copy as copy_log
    from tracker.errors import BadArgument
    from tracker.render.safe import printable

    if (to is None) == (source is None):
        raise BadArgument("give one of --to TARGET (copy this database there) or --from SOURCE (copy it here)")
    session = ctx.find_root().obj
    current = str(session.db or default_db_path())
    session.path = session.db or default_db_path()
    here = session.db is None       # the default place is made on first use, as by every command
    if to is not None:
        copied = copy_log(current, to, source_folder=here)
    else:
        copied = copy_log(source, current, target_folder=here)
    # One line, however long its paths: a script may read it.
    sys.stderr.write(printable(copied.summary()) + "\n")
