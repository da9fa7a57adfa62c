"""tracker news: read the feeds, store new entries, propose the changes they report."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from tracker.commands.common import Json, print_json, store


def news(
    ctx: typer.Context,
    feed: Annotated[Optional[str], typer.Option("--feed", metavar="NAME", help="Read only this feed.")] = None,
    file: Annotated[Optional[list[Path]], typer.Option(
        "--file", metavar="PATH", help="Read a feed file instead of fetching (offline); repeat for each.")] = None,
    more: Annotated[Optional[list[Path]], typer.Argument(
        metavar="[PATH...]", help="More feed files, after --file (`--file *.xml`).", show_default=False)] = None,
    json: Json = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print only failures (for cron).")] = False,
) -> int:
    """Fetch the feeds followed (or read feed files) and propose the changes new entries report.

    Entries seen before (by id within their feed, or by link) are skipped; entries dated
    after now wait for a later run. See the proposals with `tracker inbox`.
    Exit 0 when at least one feed was read, 1 when all failed.
    """
    import sys

    from tracker.errors import BadArgument
    from tracker.feeds.news import read_news
    from tracker.render.safe import one_line

    if more and not file:
        raise BadArgument(f"{more[0]} is not an option: read feed files with `tracker news --file PATH ...`")
    file = [*(file or []), *(more or [])]
    if feed is not None and file:
        raise BadArgument("--feed names a feed to fetch, --file a file to read: give one or the other")
    from tracker.feeds.fetch import bad_timeout

    if problem := bad_timeout():
        raise BadArgument(problem)
    runs = read_news(store(ctx), feed, list(file or []))
    for run in runs:
        # Under --quiet (cron), a feed skipped on purpose (gone, waiting) is not news each run.
        if run.error and not (quiet and run.state == "skipped"):
            sys.stderr.write(f"tracker: {'warning' if run.state != 'failing' else 'error'}: "
                             f"{one_line(run.name)}: {one_line(run.error)}\n")
        if run.warning:
            sys.stderr.write(f"tracker: warning: {one_line(run.name)}: {one_line(run.warning)}\n")
    read = [run for run in runs if run.state in ("read", "unchanged")]
    if json:
        print_json({"feeds": [{"name": run.name, "state": run.state, "entries": run.entries,
                               "proposals": run.proposals, "error": run.error} for run in runs],
                    "entries": sum(run.entries for run in runs),
                    "future": sum(run.future for run in runs),
                    "proposals": sum(run.proposals for run in runs)})
    elif not quiet and read:
        # (When every feed failed, the failures, one line each, are all there is to say.)
        entries, proposals = sum(run.entries for run in runs), sum(run.proposals for run in runs)
        future = sum(run.future for run in runs)
        sys.stderr.write(f"read {len(read)} of {len(runs)} feed{'s' * (len(runs) != 1)}: "
                         f"{entries} new entr{'ies' if entries != 1 else 'y'}, "
                         f"{proposals} new proposal{'s' * (proposals != 1)}"
                         f"{f'; {future} dated in the future, left for later' if future else ''}"
                         f"{' (see `tracker inbox`)' if proposals else ''}\n")
    return 0 if read else 1
