"""`tracker export` writes the document as it reads the database: the same bytes as
json.dumps(document, indent=2) of the whole, and memory that stays flat as the
database grows."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from conftest import NEWS
from test_bulk_import import document
from tracker import transfer
from tracker.progress import Progress
from tracker.store import Store


def _as_dumps_writes(text: str) -> str:
    return json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


def test_an_export_is_the_text_dumps_writes_of_the_whole_document(seeded, tmp_path):
    later = {"TRACKER_NOW": "2025-12-12T09:00:00Z"}
    seeded.ok("apply", str(NEWS), **later)
    seeded.ok("update", "A1", "--note", "Unicode: Zürich — 北京", **later)
    note = [c for c in seeded.ok("history", "A1", "--json", **later).json() if c["note"] == "Unicode: Zürich — 北京"]
    seeded.ok("retract", str(note[0]["id"]), **later)
    seeded.ok("remove", "A2", **later)
    text = seeded.ok("export", **later).stdout
    assert text == _as_dumps_writes(text)
    document = json.loads(text)
    assert len(document["items"]) > 13 and any(entry["field"] == "retracted" for entry in document["history"])
    seeded.ok("export", "-o", str(tmp_path / "out.json"), **later)
    assert (tmp_path / "out.json").read_text() == text


def test_an_empty_export_is_the_text_dumps_writes(tracker):
    text = tracker.ok("export").stdout
    assert text == _as_dumps_writes(text) and json.loads(text)["items"] == []


def _export_peak(tmp_path: Path, agreements: int) -> int:
    path = tmp_path / f"{agreements}.json"
    path.write_text(json.dumps(document(agreements)))
    store = Store(tmp_path / f"{agreements}.db")
    transfer.import_file(store, path)
    tracemalloc.start()
    try:
        written = sum(len(piece) for piece in transfer.export_pieces(store, Progress("exporting")))
        assert written > path.stat().st_size // 2
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        store.close()


def test_an_export_holds_as_much_at_any_size(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    small, large = _export_peak(tmp_path, 1_500), _export_peak(tmp_path, 6_000)
    # Built whole, four times the database would take about four times the memory.
    assert large < small * 1.5, (small, large)
