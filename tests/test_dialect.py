"""The store's dialect seam (issue 14): SQLite's fragments read what the concerns bind,
and a database named by URL is picked out before anything is made on disk."""

from __future__ import annotations

import pytest

from tracker.errors import TrackerError
from tracker.store import Store, dialect_for, open_store
from tracker.store.sqlite import SQLiteDialect


@pytest.mark.parametrize("values", [
    [3, 1, 2],
    ["signed", "held"],
    ['a "quoted" uid', "back\\slash", "tab\there", "é and ж", "\x01"],
    [],
], ids=["ints", "statuses", "hostile strings", "empty"])
def test_a_list_bound_once_reads_back_as_its_values(tmp_path, values):
    dialect = SQLiteDialect(tmp_path / "t.db")
    conn = dialect.connect()
    try:
        read = [row[0] for row in conn.execute(
            f"SELECT value FROM json_each(?) WHERE {dialect.in_list('value')}",
            (dialect.list_value(values), dialect.list_value(values)))]
    finally:
        conn.close()
    assert read == values


def test_a_uid_with_a_quote_is_found_by_the_calendar_lookup(tmp_path):
    store = Store(tmp_path / "t.db")
    try:
        with store.writing():
            item_id = store.insert_item(
                {"uid": 'x"y\\z', "type": "event", "num": 1, "title": "Summit", "kind": "other",
                 "status": "announced", "created": "2025-11-29T12:00:00+00:00",
                 "updated": "2025-11-29T12:00:00+00:00"}, [], [])
        assert store.item_ids_by_uid(['x"y\\z', "other"]) == {'x"y\\z': item_id}
    finally:
        store.close()


@pytest.mark.parametrize("url", ["postgresql://editor:s3cret@db.invalid/desk", "postgres://editor:s3cret@db.invalid/desk"])
def test_a_postgresql_url_is_not_taken_for_a_file(tmp_path, monkeypatch, url):
    """A URL is a server's database: reached as one (here, a host that cannot be), named
    without its password, and no folder "postgresql:" is made beside."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(TrackerError) as refused:
        open_store(url, make_folder=True)
    assert "cannot reach the database server of " + url.replace(":s3cret", "") in str(refused.value)
    assert "s3cret" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_a_path_is_an_sqlite_file(tmp_path):
    dialect = dialect_for(tmp_path / "t.db")
    assert isinstance(dialect, SQLiteDialect) and dialect.where == str(tmp_path / "t.db")
    assert not (tmp_path / "t.db").exists()     # nothing opened yet
