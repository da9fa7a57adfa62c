"""tracker backup: a consistent copy of the database, taken while others write to it."""

from pathlib import Path
from typing import Annotated

import typer

from tracker.commands.common import err, store


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the copy (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """Copy the whole database to FILE, consistent even while other commands write to it.

    The copy is a complete tracker database: `tracker --db FILE list` reads it. From a
    PostgreSQL database too, FILE is an SQLite file (as `tracker copy --to FILE` writes it).
    """
    from tracker.backup import backup_to

    from tracker.render.text import cell

    written = backup_to(store(ctx), file, force=force)
    err().print(cell(f"backed up {written} to {file}"))
