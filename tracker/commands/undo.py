"""tracker undo and tracker retract: mistakes reversed by new logged changes."""

from typing import Annotated, Optional

import typer

from tracker.commands.common import Json, Note, err, out, print_json, store

# SQLite's largest row id: a larger number names no command or change (and SQLite
# could not even look it up).
LARGEST_ID = 2 ** 63 - 1


def undo(
    ctx: typer.Context,
    command: Annotated[Optional[int], typer.Argument(
        metavar="[COMMAND]", min=1, max=LARGEST_ID, show_default=False,
        help="The command to reverse, by its number in `tracker undo --list` "
             "(default: the last one not undone yet).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Undo even when a later command changed the same field of the same item.")] = False,
    listing: Annotated[bool, typer.Option(
        "--list", help="Show the last commands and their changes, and which one undo would reverse; "
                       "change nothing.")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", metavar="N", min=1, max=1000, help="With --list: how many commands to show.")] = 10,
    json: Json = False,
) -> None:
    """Reverse the last command that changed something (add, update, remove, import, apply ...), as new
    logged changes: fields back as they were, an added item removed, a removed one restored, a note retracted.

    Run again, it reverses the command before that one; an undo itself is never undone.
    """
    from tracker import undo as undoing

    if listing:
        _print_list(undoing.recent(store(ctx), limit), json)
        return
    done = undoing.undo(store(ctx), command, force=force)
    from tracker.render.json import change_data
    from tracker.render.text import cell, change_text

    if json:
        print_json({"undid": done.target.id, "what": done.what, "changes": [change_data(c) for c in done.changes]})
        return
    console = err()
    console.print(cell(f"undid command {done.target.id}: {done.what}"))
    for change in done.changes[:undoing.LISTED_CHANGES]:
        console.print(cell(f"  {change.ref} ").append_text(change_text(change)))
    if len(done.changes) > undoing.LISTED_CHANGES:
        console.print(cell(f"  and {len(done.changes) - undoing.LISTED_CHANGES} more changes "
                           "(see `tracker undo --list --json`)"))
    if not done.changes:
        console.print(cell("  (everything was as before it already)"))


def retract(
    ctx: typer.Context,
    change: Annotated[int, typer.Argument(
        metavar="CHANGE", min=1, max=LARGEST_ID,
        help="The note's change id, from `tracker history --json` or `tracker undo --list`.")],
    note: Note = None,
    json: Json = False,
) -> None:
    """Retract a note: it stays in the log, marked retracted, and leaves reports."""
    from tracker import undo as undoing
    from tracker.render.json import change_data
    from tracker.render.text import cell, change_text

    done = undoing.retract(store(ctx), change, note)
    if json:
        print_json(change_data(done))
        return
    err().print(cell(f"retracted {done.ref}: ").append_text(change_text(done)))


def _print_list(listed, as_json: bool) -> None:
    from tracker.render.json import dumps

    if as_json:
        import sys

        sys.stdout.write(dumps([{
            "command": entry.command.id, "name": entry.command.name, "what": entry.what,
            "recorded": entry.command.recorded, "undoes": entry.command.undoes,
            "undone_by": entry.command.undone_by, "next": entry.next, "total": entry.total,
            "changes": [{"id": c.id, "ref": str(c.ref), "field": c.field, "old": c.old, "new": c.new,
                         "on": c.on, "note": c.note, "retracted": c.retracted, "by": c.by} for c in entry.changes],
        } for entry in listed]) + "\n")
        return
    if not listed:
        err().print("No commands logged yet.")
        return
    from tracker import dates
    from tracker.model import Change
    from tracker.render.text import cell, change_text, when_text

    console = out()
    zone = dates.user_zone_name()
    for entry in listed:
        command = entry.command
        line = cell(f"command {command.id}: {entry.what} ({when_text(command.recorded, zone)})")
        if command.undone_by is not None:
            line.append(f" (undone by command {command.undone_by})", style="dim")
        elif entry.next:
            line.append("  <- `tracker undo` reverses this", style="bold")
        console.print(line)
        for c in entry.changes:
            text = cell(f"  change {c.id} {c.ref} ").append_text(change_text(Change(
                ref=c.ref, field=c.field, old=c.old, new=c.new, on=c.on, recorded="", source=None, note=c.note)))
            if c.retracted:
                text.append(" (retracted)", style="dim")
            if c.note:
                text.append(": ").append(cell(c.note))
            console.print(text)
        if entry.total > len(entry.changes):
            console.print(cell(f"  and {entry.total - len(entry.changes)} more changes"))
