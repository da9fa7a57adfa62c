"""tracker remove: out of lists, kept in history."""

from typing import Annotated

import typer

from tracker import core
from tracker.commands.common import Json, Note, On, Source, announce, err, store
from tracker.model import parse_ref


def remove(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The item to remove: E1, A3 ...")],
    detach: Annotated[bool, typer.Option(
        "--detach", help="Events: unlink the items in it first (each unlinking logged on the item).")] = False,
    on: On = None, source: Source = None, note: Note = None, json: Json = False,
) -> None:
    """Take an item out of lists. It stays in history and `tracker show` still finds it.

    An event that live sub-events or agreements belong to is not removed unless --detach is given.
    """
    outcome = core.remove(store(ctx), parse_ref(ref), core.Entry(on, source, note), detach=detach)
    announce("removed", outcome, json)
    if outcome.unlinked_count:
        from tracker.render.text import cell

        count = outcome.unlinked_count
        err().print(cell(f"  unlinked {count} item{'s' * (count != 1)} from {outcome.item.ref}: "
                         f"{core.some_items(outcome.unlinked, count)}"))
