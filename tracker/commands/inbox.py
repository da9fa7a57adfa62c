"""tracker inbox: the changes the news proposes; accept or dismiss them."""

from typing import Annotated, Optional

import typer

from tracker.cli import TrackerCommand, TrackerSubGroup
from tracker.commands.common import Json, Note, err, out, print_json, store

app = typer.Typer(cls=TrackerSubGroup, add_completion=False, invoke_without_command=True)


@app.callback()
def inbox(
    ctx: typer.Context,
    json: Json = False,
    everything: Annotated[bool, typer.Option("--all", help="Decided proposals too.")] = False,
) -> None:
    """The changes the news proposes, best first: accept or dismiss them.

    `tracker news` makes them. Accept one with `tracker inbox accept ID`, or dismiss it
    with `tracker inbox dismiss ID`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from tracker.feeds.inbox import proposal_data

    proposals = [proposal_data(row) for row in store(ctx).proposals(everything=everything)]
    if json:
        print_json(proposals)
        return
    if not proposals:
        err().print("the inbox is empty: `tracker news` reads the feeds")
        return
    from tracker.model import parse_ref

    # An item that is as proposed already (another entry's proposal was accepted): said.
    current = store(ctx).items_by_ref({parse_ref(p["ref"]) for p in proposals if p["ref"]})
    statuses = {str(ref): item.status for ref, (_, item) in current.items()}
    console = out()
    for proposal in proposals:
        console.print(_line(proposal, statuses.get(proposal["ref"])))


def _line(proposal: dict, status_now: str | None = None):
    from tracker.render.text import cell

    wanted = proposal["set"]
    if proposal["ref"] is None:
        what = f"new {wanted.get('kind', 'item')} at {wanted.get('event', 'no event')}, {wanted.get('status')}: "
    else:
        what = f"{proposal['ref']} → {wanted.get('status')}: "
    line = cell(f"#{proposal['id']}", "bold")
    line.append(f"  {proposal['confidence']:.2f}  {proposal['on'] or '?'}  ")
    if proposal["state"] != "open":
        line.append(f"[{proposal['state']}] ")
    line.append(cell(what))
    if proposal["ref"] is None:
        line.append(cell(wanted.get("title")))
        line.append("  ")
    if proposal["state"] == "open" and status_now is not None and status_now == wanted.get("status"):
        line.append(f"(it is {status_now} already) ")
    if proposal["evidence"].get("backwards"):
        line.append(cell(f"(!) {proposal['evidence']['backwards']}  ", "bold"))
    line.append(cell(f"«{proposal['headline']}» ({proposal['feed']})", "dim"))
    return line


def _ids(values: list[str]) -> list[int]:
    from tracker.errors import BadArgument, excerpt

    ids = []
    for value in values:
        text = value.strip().lstrip("#")
        if not (text.isascii() and text.isdigit()):
            raise BadArgument(f"{excerpt(value)} is not a proposal's number: see `tracker inbox`")
        ids.append(int(text))
    return ids


@app.command("accept", cls=TrackerCommand)
def accept(
    ctx: typer.Context,
    ids: Annotated[Optional[list[str]], typer.Argument(metavar="ID...", help="The proposals to accept.")] = None,
    above: Annotated[Optional[float], typer.Option(
        "--above", metavar="CONFIDENCE", help="Accept every open proposal of at least this confidence (0 to 1).")] = None,
    status: Annotated[Optional[str], typer.Option("--status", metavar="STATUS",
                                                  help="Another status than the one proposed.")] = None,
    on: Annotated[Optional[str], typer.Option("--on", metavar="WHEN",
                                              help="Another date than the entry's.")] = None,
    note: Note = None,
    json: Json = False,
) -> None:
    """Make the changes proposed, logged as `tracker update` or `tracker add` would (undo reverses them).

    With --above, a change that would move a settled item back (signed to stalled) is left
    open, with a line saying so: accept it by its number if it is right.
    """
    import sys

    from tracker.errors import BadArgument
    from tracker.feeds.inbox import accept as accept_proposals, proposal_data

    if bool(ids) == (above is not None):
        raise BadArgument("give the proposals to accept (`tracker inbox accept 3 4`) or --above CONFIDENCE, "
                          "not both and not neither")
    if above is not None and not 0 <= above <= 1:
        raise BadArgument(f"--above {above:g} is not a confidence: give a number from 0 to 1, such as 0.9")
    decided = accept_proposals(store(ctx), _ids(ids) if ids else None, above, status, on, note)
    from tracker.render.safe import one_line

    for one in decided:
        if one.skipped:
            sys.stderr.write(f"tracker: warning: left #{one.proposal['id']} open: {one_line(one.skipped)}\n")
    decided = [one for one in decided if not one.skipped]
    if json:
        print_json([{**proposal_data({**one.proposal, "state": "accepted"}),
                     "item": str(one.outcome.item.ref)} for one in decided])
        return
    console = err()
    if not decided:
        console.print("no open proposal at that confidence: nothing was changed")
    from tracker.render.text import cell

    for one in decided:
        # Folded proposals are named: the user accepted one number and sees why the others went.
        folded = f" (and {', '.join(f'#{other}' for other in one.folded)}: the same change)" if one.folded else ""
        line = cell(f"accepted #{one.proposal['id']}{folded}: {one.outcome.item.ref} ")
        line.append(cell(one.outcome.item.title))
        line.append(f" ({one.outcome.item.status})")
        console.print(line)


@app.command("dismiss", cls=TrackerCommand)
def dismiss(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(metavar="ID...", help="The proposals to dismiss.")],
) -> None:
    """Set proposals aside for good: reading the feed again will not bring them back."""
    from tracker.feeds.inbox import dismiss as dismiss_proposals

    decided = dismiss_proposals(store(ctx), _ids(ids))
    err().print(f"dismissed {', '.join('#' + str(one.proposal['id']) for one in decided)}")
