"""tracker feeds add | list | remove: the feeds `tracker news` reads."""

from typing import Annotated, Optional

import typer

from tracker import dates
from tracker.cli import TrackerCommand, TrackerSubGroup
from tracker.commands.common import Json, err, out, print_json, store
from tracker.errors import BadArgument, excerpt

app = typer.Typer(cls=TrackerSubGroup, help="Follow news feeds (RSS or Atom) for `tracker news`.",
                  no_args_is_help=True, add_completion=False)


def _name_from(url: str) -> str:
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "feed").removeprefix("www.")
    return host


@app.command("add", cls=TrackerCommand)
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(metavar="URL", help="The feed's address (http or https).")],
    name: Annotated[Optional[str], typer.Option("--name", metavar="NAME",
                                                help="What to call it (default: its site's name).")] = None,
) -> None:
    """Follow a feed: `tracker news` reads it from then on.

    Redirects are followed (at most 3) to http(s) on the same host, or to another host
    only when that host is on the public internet: never from a feed to a loopback,
    private or link-local address (127.0.0.1, 10.x, 192.168.x, 169.254.x ...).
    """
    from tracker.feeds.parse import feed_address

    if feed_address(url) is None:
        raise BadArgument(f"{excerpt(url)} is not an http or https address with a host and a valid port: "
                          "give the feed's URL, or read a file with `tracker news --file PATH`")
    name = (name if name is not None else _name_from(url)).strip()
    if not name:
        raise BadArgument("the feed's name is blank: give one with --name")
    if not name.isprintable():
        raise BadArgument(f"the feed's name {excerpt(name)} has control or invisible characters: "
                          "give a plain one with --name")
    database = store(ctx)
    with database.writing():
        if database.feed(name) is not None:
            raise BadArgument(f"a feed named {excerpt(name)} exists already: give another with --name")
        if (other := database.feed_by_url(url)) is not None:
            raise BadArgument(f"this feed is followed already, as {excerpt(other['name'])}")
        database.add_feed(name, url, dates.stamp(dates.now()))
    err().print(f"following {name}: `tracker news` reads it", markup=False, highlight=False)


def feed_data(row: dict) -> dict:
    from tracker.feeds.parse import without_password

    return {**{key: row[key] for key in ("name", "url", "added", "checked", "status", "entries", "error")},
            "url": without_password(row["url"])}


@app.command("list", cls=TrackerCommand)
def list_feeds(ctx: typer.Context, json: Json = False) -> None:
    """The feeds followed: when each was last read, and how that went."""
    from tracker.render.text import cell

    feeds = [feed_data(row) for row in store(ctx).feeds()]
    if json:
        print_json(feeds)
        return
    if not feeds:
        err().print("no feeds: follow one with `tracker feeds add URL`")
        return
    console = out()
    for feed in feeds:
        line = cell(feed["name"], "bold")
        line.append(f"  {feed['status']}  {feed['entries']} entries  checked "
                    f"{dates.reader_text(feed['checked']) if feed['checked'] else 'never'}  ")
        line.append(cell(feed["url"]))
        if feed["error"]:
            line.append("  ").append(cell(feed["error"]))
        console.print(line)


@app.command("remove", cls=TrackerCommand)
def remove(ctx: typer.Context,
           name: Annotated[str, typer.Argument(metavar="NAME", help="The feed's name (see `tracker feeds list`).")]
           ) -> None:
    """Stop following a feed. Its entries and proposals stay."""
    database = store(ctx)
    with database.writing():
        if database.feed(name) is None:
            raise BadArgument(f"no feed named {excerpt(name)}: see `tracker feeds list`")
        database.remove_feed(name)
    err().print(f"no longer following {name}", markup=False, highlight=False)
