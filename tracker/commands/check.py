"""tracker check: is the database what tracker wrote? --repair: make it so again."""

from typing import Annotated

import typer

from tracker.commands.common import print_json, store as common_store


def check(
    ctx: typer.Context,
    repair: Annotated[bool, typer.Option(
        "--repair", help="Make missing or altered safeguards again from tracker's schema, log a correction for "
                         "each field changed outside tracker, and rebuild the search index and counts. "
                         "Never deletes a logged change.")] = False,
    quick: Annotated[bool, typer.Option(
        "--quick", help="SQLite's quick_check instead of integrity_check: leaves out the indexes' contents "
                         "(no such check on PostgreSQL).")] = False,
    json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check the database: the file itself, its schema against tracker's, rows that refer to nothing,
    every item against its change log, and dates tracker would not write. One line per problem;
    exit 1 if there is any.

    On PostgreSQL the server checks its own pages and keeps the keys: the check there
    skips the file, and looks at the schema's tables, columns, indexes and triggers
    (against schema.pg.sql) and at the rows.
    """
    import sys

    from tracker import integrity
    from tracker.render.safe import printable

    store = common_store(ctx)
    # Without the warning every other command gives about changed safeguards:
    # finding them is this command's work.
    store.warn_if_changed = False
    if repair:
        for line in integrity.repair(store, quick):
            sys.stderr.write(f"repaired: {printable(line)}\n")
    findings = integrity.check(store, quick)
    if json:
        print_json([finding.data() for finding in findings])
    else:
        for finding in findings:
            sys.stdout.write(printable(finding.message) + "\n")
    # What goes to stdout is out before the summary: if it cannot be written, that is
    # the one line said, not the summary first.
    sys.stdout.flush()
    if not findings:
        sys.stderr.write("No problems found.\n")
        return
    many = len(findings)
    advice = (": run `tracker check --repair`" if not repair and any(integrity.repairable(f) for f in findings)
              else " that a repair cannot mend (see each line)")
    sys.stderr.write(f"{many} problem{'s' * (many != 1)} found{advice}\n")
    raise typer.Exit(1)

