"""tracker publish caldav URL: the events and due dates on a shared CalDAV calendar."""

import os
from typing import Annotated, Optional

import typer

from tracker.cli import TrackerCommand, TrackerSubGroup
from tracker.commands.common import err, store
from tracker.errors import BadArgument

USER_ENV = "TRACKER_CALDAV_USER"
PASSWORD_ENV = "TRACKER_CALDAV_PASSWORD"
# Seconds a request may take, from connecting to the last byte of the answer.
DEFAULT_TIMEOUT = 20.0

app = typer.Typer(cls=TrackerSubGroup, help="Put the events and due dates where a whole desk sees them.",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def publish() -> None:
    """Put the events and due dates where a whole desk sees them."""
    # A callback keeps `publish` a group (Typer folds a lone command into its parent):
    # `tracker publish caldav URL`, with room for other targets.


@app.command("caldav", cls=TrackerCommand)
def caldav(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(
        metavar="URL", help="The calendar collection, such as https://dav.example.org/desk/calendar/.")],
    user: Annotated[Optional[str], typer.Option(
        "--user", metavar="NAME", help=f"The user name (default: ${USER_ENV}).")] = None,
    password: Annotated[Optional[str], typer.Option(
        "--password", metavar="SECRET",
        help=f"The password (default: ${PASSWORD_ENV}, which keeps it out of the shell's history and ps).")] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", metavar="SECONDS", min=0.1, max=600,
        help="How long a request may take, from connecting to the answer's last byte.")] = DEFAULT_TIMEOUT,
) -> None:
    """Create or update every dated event and due date on a CalDAV calendar, and delete the
    entries tracker put there for items since removed. Running it again changes nothing."""
    from tracker import core
    from tracker.calendar.caldav import Calendar, check_url, in_the_clear, publish, shown
    from tracker.calendar.ics import Written
    from tracker.render.text import cell

    address = check_url(url)
    user = user if user is not None else os.environ.get(USER_ENV)
    from_the_command_line = password is not None
    password = password if password is not None else os.environ.get(PASSWORD_ENV)
    # Said before anything is sent: a request without them only comes back as a 401
    # that reads like a wrong password.
    if not user:
        raise BadArgument(f"no user name for the calendar: give --user or set {USER_ENV} "
                          f"(and {PASSWORD_ENV})")
    if ":" in user:
        raise BadArgument("the user name holds a ':', which Basic authentication cannot carry (RFC 7617): "
                          "give the user name alone")
    if password is None:
        raise BadArgument(f"no password for {user!r}: set {PASSWORD_ENV} (or give --password)")
    if from_the_command_line:
        err().print(cell(f"warning: --password can be read by other users of this machine (ps) and stays in the "
                         f"shell's history: set {PASSWORD_ENV} instead"), soft_wrap=True)
    if password and in_the_clear(address):
        err().print(cell(f"warning: the password goes to {shown(address)} unencrypted (http, not https)"),
                    soft_wrap=True)
    database = store(ctx)
    # Everything dated, held and cancelled events too: a cancellation must reach the calendar.
    listing = core.list_items(database, core.ListRequest(everything=True, limit=0))
    calendar = Calendar(address, user, password, timeout)
    written = Written()
    outcome = publish(database, calendar, listing, written)
    if written.undated:
        err().print(cell(written.undated_note()), soft_wrap=True)
    if outcome.left_out:
        named = ", ".join(outcome.left_out[:5]) + (", ..." if len(outcome.left_out) > 5 else "")
        err().print(cell(f"warning: {len(outcome.left_out)} item{'s' * (len(outcome.left_out) != 1)} left out "
                         f"({named}): {'their uids hold' if len(outcome.left_out) != 1 else 'its uid holds'} a "
                         "control character, which a calendar entry cannot carry"), soft_wrap=True)
    if calendar.outside:
        err().print(cell(f"warning: {len(calendar.outside)} entries the server listed outside "
                         f"{shown(address)} were left alone, such as {shown(calendar.outside[0])}"), soft_wrap=True)
    err().print(cell(f"published to {shown(address)}: {outcome.text()}"))
