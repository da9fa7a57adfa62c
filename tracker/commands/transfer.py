"""tracker export, import and apply: whole databases and files of news, in and out."""

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import err, store
from tracker.errors import BadArgument


def export(
    ctx: typer.Context,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", metavar="FILE", help="Write here instead of stdout.")] = None,
) -> None:
    """Everything, items and history, as one JSON document that `tracker import` reads back."""
    from tracker import transfer
    from tracker.progress import Progress, wanted

    database = store(ctx)
    with Progress("exporting", total=database.entry_count() if wanted() else None) as progress:
        pieces = transfer.export_pieces(database, progress)
        if output is None:
            for piece in pieces:
                sys.stdout.write(piece)
            return
        from tracker.output import write_file

        write_file(output, pieces, database=database.path)
    from tracker.render.text import cell

    err().print(cell(f"exported to {output}"))


def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="A file written by `tracker export` (- for stdin), or a sheet: .csv, .tsv, .ndjson, .jsonl.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Sheets: show what would be added, and add nothing.")] = False,
) -> None:
    """Add the items and history of an export file, or a sheet's rows as new items (its
    columns named as `tracker add`'s options). Items already here are left alone."""
    from tracker import sheets, transfer

    if sheets.is_sheet(file):
        _import_sheet(ctx, file, dry_run)
        return
    if dry_run:
        raise BadArgument("--dry-run is for sheets (.csv, .tsv, .ndjson, .jsonl): an export is imported whole")
    _not_a_workbook(file)
    try:
        summary = transfer.import_file(store(ctx), file)
    except BadArgument as error:
        said = str(error)
        if " is not JSON (" in said or " is not valid text (UTF-8)" in said:
            # Most often a sheet under another name (Excel's "Text (Tab delimited)" saves .txt).
            raise BadArgument(f"{said}; a sheet must be a file named {SHEET_SUFFIXES}") from None
        raise
    err().print(summary)


SHEET_SUFFIXES = ".csv, .tsv, .ndjson or .jsonl"


def _not_a_workbook(file: Path) -> None:
    """A workbook (.xlsx, .ods: ZIP files) is no export: say how to make a sheet of it."""
    if str(file) == "-":
        return
    try:
        with open(file, "rb") as opened:
            start = opened.read(4)
    except OSError:
        return          # said by the import, which opens it again
    if start == b"PK\x03\x04":
        from tracker.render.safe import one_line

        raise BadArgument(f"{one_line(str(file))} is a workbook (a ZIP file), not a tracker export: "
                          f"save the sheet as \"CSV UTF-8\" and import that file ({SHEET_SUFFIXES})")


def _import_sheet(ctx: typer.Context, file: Path, dry_run: bool) -> None:
    from tracker import sheets
    from tracker.render.safe import one_line
    from tracker.render.text import cell

    def show(outcome) -> None:
        # What would be added, a line each on stdout as it comes: the ref it would take, and its title.
        item = outcome.item
        typer.echo(f"{item.ref}\t{item.type}\t{one_line(item.title)}")

    summary = sheets.import_sheet(store(ctx), file, dry_run, show if dry_run else None)
    err().print(cell(summary))


def apply_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A tracker-updates JSON file (- for stdin).")],
) -> None:
    """Replay a file of dated updates (news), each as `tracker add` or `tracker update` would, all or nothing."""
    from tracker import transfer
    from tracker.render.text import cell

    summary, warning = transfer.apply_file(store(ctx), file)
    console = err()
    if warning:
        # One line, whatever the width: it is easy to miss and should be easy to grep.
        console.print(cell(warning), soft_wrap=True)
    console.print(cell(summary))
