"""Large reads stream (conn.stream, see Dialect.connect): on PostgreSQL a named cursor
fetched in batches, in a read-only transaction of its own that ends however the read
ends; on SQLite the cursor as ever. The client's memory stays flat with the size of the
log on both engines (on PostgreSQL, psycopg's client cursor held a whole result:
`history --json` of 190k changes peaked at 133 MiB against SQLite's 22)."""

from __future__ import annotations

import subprocess
import sys
from itertools import islice

import pytest

from conftest import TRACKER_BIN
from tracker.store import ItemQuery, Store


@pytest.fixture
def store(seeded):
    opened = Store(seeded.db)
    yield opened
    opened.close()


def in_transaction(store: Store) -> bool:
    return bool(store.conn.in_transaction)


def test_a_stream_left_early_leaves_no_transaction_and_a_write_goes_through(store, seeded):
    items = store.iter_items(ItemQuery(), batch=2)
    first = list(islice(items, 3))
    assert len(first) == 3
    items.close()           # a `list` that stops, a pager that closes
    assert not in_transaction(store) and not store.conn.reading
    with store.writing():
        store.conn.execute("UPDATE items SET title = 'Renamed' WHERE id = 1")
    assert store.conn.execute("SELECT title FROM items WHERE id = 1").fetchone()[0] == "Renamed"


def test_a_stream_read_to_its_end_leaves_no_transaction(store):
    every = list(store.iter_items(ItemQuery(with_removed=True), batch=2))
    history = list(store.iter_history())
    assert every and history
    assert not in_transaction(store) and not store.conn.reading


def test_a_failure_inside_a_stream_ends_its_transaction(store):
    with pytest.raises(KeyError):
        for _ in store.iter_history():
            raise KeyError("the caller failed")
    assert not in_transaction(store) and not store.conn.reading


def test_a_write_begun_inside_a_stream_is_refused_on_both_engines(store):
    """On PostgreSQL it would run inside the stream's read-only transaction (refused by
    the server as a read-only session's, or worse, taken as already inside a write):
    it is a mistake in tracker, refused before anything is written."""
    before = store.conn.execute("SELECT count(*) FROM changes").fetchone()[0]
    history = store.iter_history()
    next(history)
    with pytest.raises(RuntimeError, match="stream"):
        with store.writing():
            store.conn.execute("UPDATE items SET title = 'Never' WHERE id = 1")
    history.close()
    assert not in_transaction(store)
    assert store.conn.execute("SELECT count(*) FROM changes").fetchone()[0] == before
    assert store.conn.execute("SELECT title FROM items WHERE id = 1").fetchone()[0] != "Never"


def test_inside_a_write_a_stream_reads_the_write_and_the_write_commits(store):
    with store.writing():
        store.conn.execute("UPDATE items SET title = 'Within the write' WHERE id = 1")
        titles = [item.title for item in store.items_by_number(batch=2)]
        assert "Within the write" in titles
        assert in_transaction(store) and not store.conn.reading
    assert not in_transaction(store)
    assert store.conn.execute("SELECT title FROM items WHERE id = 1").fetchone()[0] == "Within the write"


def test_two_streams_and_the_reads_between_their_batches_interleave(store, seeded):
    """An export reads items and the log; each batch of items looks up its parties and
    tags on the same connection while the stream is open."""
    expected_items = list(store.items_by_number())
    expected_log = list(store.iter_history())
    pairs = list(zip(store.items_by_number(batch=2), store.iter_history()))
    assert [item for item, _ in pairs] == expected_items[:len(pairs)]
    assert [change for _, change in pairs] == expected_log[:len(pairs)]
    assert any(item.parties for item, _ in pairs)
    assert not in_transaction(store)


def test_on_postgresql_a_stream_is_a_named_cursor_in_a_read_only_transaction(store):
    if store.dialect.name != "postgres":
        pytest.skip("PostgreSQL's named cursor")
    seen = []
    for item in store.iter_items(ItemQuery(with_removed=True), batch=2):
        if not seen:
            seen = store.conn.execute(
                "SELECT (SELECT count(*) FROM pg_cursors WHERE NOT is_holdable), "
                "current_setting('transaction_read_only'), current_setting('transaction_isolation')").fetchone()
    assert tuple(seen) == (1, "on", "repeatable read")
    assert store.conn.execute("SELECT count(*) FROM pg_cursors").fetchone()[0] == 0
    assert not in_transaction(store)


def test_a_short_read_is_not_streamed(store):
    """A page of the log, an item's own log, a limited list: one round trip, no stream."""
    if store.dialect.name != "postgres":
        pytest.skip("PostgreSQL's named cursor")
    for read in (lambda: store.iter_history(limit=3), lambda: store.iter_history(1),
                 lambda: store.iter_items(ItemQuery(limit=3))):
        rows = read()
        next(rows)
        assert not in_transaction(store), read
        rows.close()


# -- memory: the real command, as a process, at two sizes --------------------------------

STAMP = "2025-11-29T10:00:00+00:00"
# Wide rows, so that a result held whole shows in the process's size: a title of 2000
# characters, a note of 2000 on each item's log.
WIDE = 2000


def fill(url: str, count: int) -> None:
    """`count` more events and as many agreements (open, with a party), each logged as
    created and with a long note: written in a few set-based statements, not through
    tracker's import (one statement a row: minutes), with the triggers that keep the
    search index off (a replica's session: the reads measured here do not search)."""
    import psycopg

    with psycopg.connect(url, autocommit=True, options="-c search_path=tracker") as conn, conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        first = conn.execute("SELECT coalesce(max(num), 0) + 1 FROM items").fetchone()[0]
        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM items").fetchone()[0]
        command = conn.execute("INSERT INTO commands (name, recorded) VALUES ('import', %s) RETURNING id",
                               (STAMP,)).fetchone()[0]
        numbers = (first, first + count - 1)
        conn.execute(
            "INSERT INTO items (uid, type, num, title, kind, status, starts, starts_utc, ends_utc, tz, created, updated) "
            "SELECT 'event-' || n, 'event', n, 'Talks ' || n || ' ' || repeat('t', %s), 'talks', 'announced', "
            "'2026-01-05', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z', 'Etc/UTC', %s, %s "
            "FROM generate_series(%s::bigint, %s::bigint) AS n", (WIDE, STAMP, STAMP, *numbers))
        conn.execute(
            "INSERT INTO items (uid, type, num, title, kind, status, created, updated) "
            "SELECT 'agreement-' || n, 'agreement', n, 'Accord ' || n || ' ' || repeat('a', %s), 'agreement', "
            "'negotiating', %s, %s FROM generate_series(%s::bigint, %s::bigint) AS n", (WIDE, STAMP, STAMP, *numbers))
        conn.execute("INSERT INTO item_parties (item_id, position, party) SELECT id, 0, 'India' FROM items WHERE id > %s",
                     (last_id,))
        conn.execute(
            "INSERT INTO changes (item_id, field, new, happened, happened_utc, recorded, command_id) "
            "SELECT id, 'created', status, %s, '2025-11-29T10:00:00Z', %s, %s FROM items WHERE id > %s ORDER BY id",
            (STAMP, STAMP, command, last_id))
        conn.execute(
            "INSERT INTO changes (item_id, note, happened, happened_utc, recorded, command_id) "
            "SELECT id, 'Noted ' || repeat('n', %s), %s, '2025-11-29T10:00:00Z', %s, %s FROM items WHERE id > %s "
            "ORDER BY id", (WIDE, STAMP, STAMP, command, last_id))


# Starts tracker and says its peak resident size (KiB) and exit status on the last line of
# stderr. A child's peak starts at its parent's size when forked: tracker is forked from
# this small process, not from pytest's, which may be larger than tracker ever gets.
LAUNCHER = ("import os, subprocess, sys\n"
            "child = subprocess.Popen(sys.argv[1:]); _, status, usage = os.wait4(child.pid, 0)\n"
            "sys.stderr.write(f'\\n{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}\\n')")


def peak(url: str, tmp_path, *args: str) -> tuple[int, int]:
    """The peak resident size (KiB) of `tracker ARGS` as a process of its own, and the
    size of what it wrote."""
    out = tmp_path / "out"
    env = {"TRACKER_DB": url, "TRACKER_NOW": "2025-11-29T10:00:00Z", "TRACKER_TZ": "Europe/Brussels",
           "PATH": f"{TRACKER_BIN.parent}:/usr/bin:/bin"}
    with open(out, "wb") as written:
        run = subprocess.run([sys.executable, "-I", "-c", LAUNCHER, str(TRACKER_BIN), *args], env=env, stdout=written,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    said, last = run.stderr.rstrip().rsplit("\n", 1)
    kib, code = last.split()
    assert code == "0", said
    return int(kib), out.stat().st_size


LARGE_READS = (("history", "--json"), ("list", "--json"), ("export",))


def test_large_reads_on_postgresql_hold_as_much_at_four_times_the_size(postgres_database, tmp_path):
    """The whole log, every item, the export: from N to 4N items the process grows by
    far less than what the 3N more rows weigh. Measured at these sizes: a result held
    whole (psycopg's client cursor keeps every row of it) grew it by 60-270% of what the
    rows add to the output, a stream by 0-7% (export's batches of text reach their size
    only from a few thousand items: below that it grows to a plateau)."""
    url, count = postgres_database, 1200
    fill(url, count)
    small = {args: peak(url, tmp_path, *args) for args in LARGE_READS}
    fill(url, 3 * count)
    large = {args: peak(url, tmp_path, *args) for args in LARGE_READS}
    grew = []
    for args in LARGE_READS:
        (small_kib, small_out), (large_kib, large_out) = small[args], large[args]
        assert large_out > 3.5 * small_out        # four times as much was read and written
        grown_kib, more_kib = large_kib - small_kib, (large_out - small_out) // 1024
        if grown_kib >= more_kib / 3:
            grew.append(f"{' '.join(args)}: {small_kib} KiB at {count * 2} items, {large_kib} KiB at {count * 8}, "
                        f"for {more_kib} KiB more written")
    assert not grew, grew
