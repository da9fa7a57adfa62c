"""Write a deterministic tracker export with N agreements, N/10 events and about 2N log rows.

    python bench/generate.py 100000 > /tmp/100k.json && tracker import /tmp/100k.json

The spreads are meant to look like years of following diplomacy: events from 2016 to
2030 (a third of them in the future), most agreements at an event, statuses weighted
towards the settled ones, a few dozen parties, a search word ("Kudankulam") in about
one item in a thousand.

The file is written as it is generated, items first, the log kept meanwhile as
compact JSON lines: a million agreements need about 1 GiB, not the 6 GiB of a
document built whole.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import IO

PARTIES = ["India", "Russia", "United States", "China", "European Union", "Japan", "France", "Germany",
           "United Kingdom", "Brazil", "South Africa", "Indonesia", "Saudi Arabia", "Turkey", "Iran",
           "Australia", "Canada", "Mexico", "Egypt", "Nigeria", "Kenya", "Vietnam", "Pakistan", "Bangladesh",
           "Israel", "United Arab Emirates", "Qatar", "Argentina", "Chile", "South Korea", "Singapore",
           "Malaysia", "Thailand", "Philippines", "Ukraine", "Poland", "Italy", "Spain", "Norway", "ASEAN",
           "African Union", "Eurasian Economic Union"]
SECTORS = ["defence", "trade", "energy", "labour", "science", "technology", "culture", "health", "maritime",
           "nuclear energy", "education", "migration", "finance", "space", "agriculture"]
EVENT_KINDS = ["summit", "state-visit", "official-visit", "meeting", "talks", "conference", "ceremony", "deadline"]
AGREEMENT_KINDS = ["treaty", "agreement", "mou", "pact", "contract", "deal", "statement", "programme"]
STATUSES = (["signed"] * 30 + ["expected"] * 20 + ["negotiating"] * 12 + ["ratified"] * 10 + ["in-force"] * 8
            + ["dropped"] * 6 + ["stalled"] * 6 + ["rumoured"] * 5 + ["initialled"] * 3)
ZONES = ["Asia/Kolkata", "Europe/Brussels", "America/New_York", "Asia/Tokyo", "Europe/Moscow", "Africa/Nairobi",
         "America/Sao_Paulo", "Australia/Sydney", "UTC"]
WORDS = ["cooperation", "partnership", "framework", "protocol", "exchange", "investment", "security", "supply",
         "joint", "development", "research", "training", "customs", "visa", "fisheries", "satellite", "pipeline",
         "fertiliser", "rail", "port", "grid", "vaccine", "academic", "archive", "film", "water"]
FIRST = date(2016, 1, 1)
DAYS = (date(2030, 12, 31) - FIRST).days
SETTLED = ("signed", "ratified", "in-force", "dropped")


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def generate(agreements: int, seed: int = 2025) -> Iterator[tuple[str, dict]]:
    """("item", item) and ("history", entry) pairs, events first, each item's log after it."""
    rng = random.Random(seed)
    made = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    events_count = max(1, agreements // 10)
    event_days = {}
    for n in range(1, events_count + 1):
        day = FIRST + timedelta(days=rng.randrange(DAYS))
        length = rng.choice([0, 0, 0, 1, 1, 2])
        zone = rng.choice(ZONES)
        parties = rng.sample(PARTIES, rng.choice([1, 2, 2, 2, 3]))
        past = day < date(2025, 11, 29)
        status = "held" if past and rng.random() < 0.9 else rng.choice(["announced", "confirmed", "rumoured", "postponed"])
        created = datetime.combine(day - timedelta(days=rng.randrange(10, 120)), datetime.min.time(), timezone.utc)
        title = f"{' - '.join(parties)} {rng.choice(EVENT_KINDS).replace('-', ' ')} {n}"
        if rng.random() < 0.001:
            title += " on Kudankulam"
        yield "item", {
            "ref": f"E{n}", "uid": made(), "type": "event", "title": title, "kind": rng.choice(EVENT_KINDS),
            "status": status, "parties": parties, "tags": [], "start": day.isoformat(),
            "end": (day + timedelta(days=length)).isoformat() if length else None, "tz": zone,
            "location": None, "parent": None, "series": None, "series_number": None,
            "created": stamp(created), "updated": stamp(created), "removed": None,
        }
        event_days[n] = (day, created)
        yield "history", {"ref": f"E{n}", "field": "created", "old": None, "new": status,
                          "on": created.date().isoformat(), "recorded": stamp(created), "source": None,
                          "note": "announced"}
    for n in range(1, agreements + 1):
        at = rng.randrange(1, events_count + 1) if rng.random() < 0.85 else None
        day, created = event_days[at] if at else (FIRST + timedelta(days=rng.randrange(DAYS)), None)
        created = created or datetime.combine(day - timedelta(days=30), datetime.min.time(), timezone.utc)
        status = rng.choice(STATUSES)
        words = rng.sample(WORDS, 2)
        title = f"{words[0].title()} {words[1]} {rng.choice(AGREEMENT_KINDS)} {n}"
        note = "expected at the meeting" if rng.random() < 0.999 else "Kudankulam units discussed"
        yield "item", {
            "ref": f"A{n}", "uid": made(), "type": "agreement", "title": title,
            "kind": rng.choice(AGREEMENT_KINDS), "status": status,
            "parties": rng.sample(PARTIES, rng.choice([2, 2, 2, 3])), "tags": [],
            "event": f"E{at}" if at else None, "sector": rng.choice(SECTORS),
            "due": (day + timedelta(days=rng.randrange(0, 60))).isoformat() if rng.random() < 0.2 else None,
            "created": stamp(created), "updated": stamp(created), "removed": None,
        }
        yield "history", {"ref": f"A{n}", "field": "created", "old": None, "new": "expected",
                          "on": created.date().isoformat(), "recorded": stamp(created),
                          "source": "https://example.org/news/" + str(n), "note": note}
        if status != "expected":
            yield "history", {"ref": f"A{n}", "field": "status", "old": "expected", "new": status,
                              "on": day.isoformat(), "recorded": stamp(created + timedelta(days=1)),
                              "source": "https://example.org/update/" + str(n), "note": "reported"}


def task_of(item: dict) -> dict:
    """An agreement as a Taskwarrior task: settled ones completed, parties as tags."""
    task = {"description": item["title"], "project": item["sector"].replace(" ", "_"),
            "status": "completed" if item["status"] in SETTLED else "pending",
            "tags": [party.replace(" ", "_") for party in item["parties"]], "entry": "20251101T000000Z"}
    if task["status"] == "completed":
        task["end"] = "20251102T000000Z"
    if item.get("due"):
        task["due"] = item["due"].replace("-", "") + "T000000Z"
    return task


def write_export(out: IO[str], agreements: int, tasks: IO[str] | None = None) -> dict[str, str]:
    """The export document, written as it is made; with `tasks`, the agreements as
    Taskwarrior import lines too. Returns each agreement's status, by ref."""
    out.write('{"format": "tracker-export", "version": 1, "exported": "2025-11-29T00:00:00+00:00", "items": [')
    history: list[str] = []
    statuses: dict[str, str] = {}
    first = True
    for kind, entry in generate(agreements):
        if kind == "history":
            history.append(json.dumps(entry))
            continue
        out.write(("" if first else ",\n") + json.dumps(entry))
        first = False
        if entry["type"] == "agreement":
            statuses[entry["ref"]] = entry["status"]
            if tasks is not None:
                tasks.write(json.dumps(task_of(entry)) + "\n")
    out.write('],\n"history": [')
    out.write(",\n".join(history))
    out.write("]}\n")
    return statuses


if __name__ == "__main__":
    write_export(sys.stdout, int(sys.argv[1]))
