"""The inbox: proposals accepted (as `tracker update` or `tracker add` would make the
change, logged, so that undo reverses it) or dismissed; either way, decided for good."""

from __future__ import annotations

from dataclasses import dataclass

from tracker import core, dates
from tracker.errors import BadArgument, TrackerError
from tracker.model import parse_ref


# Reports of one change dated this close are one change (the signing, then the next day's
# story of it); further apart, one of them has the date wrong, and the user decides.
FOLD_DAYS = 7


@dataclass
class Decided:
    proposal: dict
    outcome: core.Outcome | None = None     # what accepting it changed
    skipped: str | None = None              # why a bulk accept left it open
    folded: list[int] | None = None         # other proposals of the same change, accepted with it


def _open(store, ids: list[int]) -> list[dict]:
    found = {row["id"]: row for row in store.proposals(everything=True, ids=ids)}
    for proposal_id in ids:
        if proposal_id not in found:
            raise BadArgument(f"no proposal {proposal_id}: see `tracker inbox` for the open ones")
        if found[proposal_id]["state"] != "open":
            raise TrackerError(f"proposal {proposal_id} was {found[proposal_id]['state']} already "
                               f"({dates.reader_text(found[proposal_id]['decided'])}): nothing was changed")
    return [found[proposal_id] for proposal_id in dict.fromkeys(ids)]


def accept(store, ids: list[int] | None, above: float | None, status: str | None, on: str | None,
           note: str | None) -> list[Decided]:
    """Apply proposals, all in one transaction: every one, or none. A proposal of the same
    change to the same item (another feed's report of it), or of the same new item, is
    folded into the one accepted: accepted with it by the same command, so that the inbox
    keeps one line per change and `tracker undo` opens them all again. Only a proposal
    dated within FOLD_DAYS of the one accepted is folded: an old report (1970, or weeks
    before) must not take the well-dated ones with it, nor they it."""
    decided = []
    with store.writing():
        proposals = _open(store, ids) if ids else store.proposals(above=above)
        stamp = dates.stamp(dates.now())
        folded: set[int] = set()
        for proposal in proposals:
            if proposal["id"] in folded:
                continue
            if proposal.get("damaged"):
                raise TrackerError(f"proposal {proposal['id']} is damaged in the database (its item or what it "
                                   f"proposes is not as tracker writes it): dismiss it with `tracker inbox dismiss {proposal['id']}`; "
                                   "nothing was changed")
            wanted = dict(proposal["set"])
            if status is not None:
                wanted["status"] = status
            if ids is None and (gone := _gone(store, proposal["ref"] or wanted.get("event"))):
                # An item removed since: the proposal can never be made, but the others can.
                decided.append(Decided(proposal, skipped=f"{gone}; dismiss it with "
                                                         f"`tracker inbox dismiss {proposal['id']}`"))
                continue
            backwards = _backwards(store, proposal["ref"], wanted.get("status"))
            if backwards and ids is None and status is None:
                # A settled item moved back is a decision of its own: by its number.
                decided.append(Decided(proposal, skipped=f"{backwards}; accept it by its number, "
                                                         f"`tracker inbox accept {proposal['id']}`, if so"))
                continue
            entry = core.Entry(on=on or proposal["on"], source=proposal["source"],
                               note=note if note is not None else f"{proposal['feed']}: {proposal['headline']}",
                               on_name="--on" if on else f"the date of proposal {proposal['id']}")
            same = _same_item(store, proposal["item_type"], wanted) if proposal["ref"] is None else None
            if same is not None:
                # Several entries report the same new item: the first accepted adds it,
                # the others are changes to it (or a note, when it is as they say already).
                outcome = core.update(store, same, core.Fields(status=wanted.get("status")), entry)
            elif proposal["ref"] is None:
                outcome = core.add(store, proposal["item_type"], core.Fields(
                    title=wanted.get("title"), kind=wanted.get("kind"), status=wanted.get("status"),
                    parties=wanted.get("parties"), within=wanted.get("event"), sector=wanted.get("sector"),
                    start=wanted.get("start"), end=wanted.get("end"), location=wanted.get("location")), entry)
            else:
                outcome = core.update(store, parse_ref(proposal["ref"]), core.Fields(status=wanted.get("status")),
                                      entry)
            command = store.command(stamp)
            store.decide(proposal["id"], "accepted", stamp, command)
            decided.append(Decided(proposal, outcome, folded=[]))
            if status is None:
                others = store.same_change_open(proposal["ref"], wanted.get("status"), proposal["on"], FOLD_DAYS) \
                    if proposal["ref"] else store.same_item_open(proposal["item_type"], wanted.get("title", ""),
                                                                 wanted.get("event"), proposal["on"], FOLD_DAYS)
                for other in others:
                    store.decide(other, "accepted", stamp, command)
                    folded.add(other)
                    decided[-1].folded.append(other)
    return decided


def _gone(store, ref: str | None) -> str | None:
    """Why the item a proposal names can no longer change: removed, or no longer there
    (the import that added it was undone)."""
    if ref is None:
        return None
    found = store.items_by_ref({parse_ref(ref)})
    if not found:
        return f"{ref} is no longer tracked"
    item = next(iter(found.values()))[1]
    if item.removed:
        return f"{ref} was removed ({dates.reader_text(item.removed)}): it can no longer change"
    return None


def _backwards(store, ref: str | None, status: str | None) -> str | None:
    """What is wrong with moving a settled item back to `status`, as it stands now
    (a proposal made before may have been overtaken by another accepted since)."""
    from tracker.feeds.propose import moves_back

    if ref is None or status is None:
        return None
    found = store.items_by_ref({parse_ref(ref)})
    return moves_back(next(iter(found.values()))[1], status) if found else None


def _same_item(store, item_type: str, wanted: dict):
    """The item tracker holds already that a new-item proposal is about: one with the same
    title (any event, or none), or an agreement at the proposal's event under a title about
    the same thing (most of the shorter title's words)."""
    from tracker.feeds.match import content
    from tracker.feeds.propose import overlap
    from tracker.store import ItemQuery

    titled = store.item_titled(item_type, wanted.get("title", ""))
    if titled is not None or not wanted.get("event"):
        return titled
    event = parse_ref(wanted["event"])
    mine = content(wanted.get("title", ""), synonyms=False)
    for item in store.items(ItemQuery(types=("agreement",), within=event, limit=500)):
        if item.kind == wanted.get("kind") and overlap(mine, content(item.title, synonyms=False)) > 0.5:
            return item.ref
    return None


def dismiss(store, ids: list[int]) -> list[Decided]:
    with store.writing():
        proposals = _open(store, ids)
        stamp = dates.stamp(dates.now())
        for proposal in proposals:
            store.decide(proposal["id"], "dismissed", stamp)
    return [Decided(proposal) for proposal in proposals]


def proposal_data(row: dict) -> dict:
    """A proposal's JSON (the contract of issue 12)."""
    return {"id": row["id"], "ref": row["ref"], "set": row["set"], "on": row["on"], "source": row["source"],
            "headline": row["headline"], "feed": row["feed"], "confidence": row["confidence"],
            "evidence": row["evidence"], "state": row["state"]}
