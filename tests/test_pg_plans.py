"""On PostgreSQL too, list reads indexes in order and stops at its LIMIT, so that it
stays flat with size (tests/test_scale.py checks SQLite's plans; bench/run.py --backend
postgres measures it). EXPLAIN ANALYZE of the statements it sends, on a database of a
few thousand items analysed as autovacuum leaves it: large enough that a plan which
sorts every match, or walks the table in id order, shows it. (countdown's plans are
PostgreSQL's choice by cost: at this size a sort of the few coming events is cheaper,
and chosen; at 100k the index in order is.)"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tracker import dates
from tracker.core import ListRequest, list_items
from tracker.store import open_store

BENCH = Path(__file__).resolve().parent.parent / "bench"
AGREEMENTS = 3000
NOW = "2025-11-29T12:00:00Z"        # bench/generate.py's dates are around it
# Rows a statement may read and drop on its way to a page of at most 50 (and the
# counts' 126): far fewer than the table's 3,300.
MOST_FILTERED = 300


def _generate():
    spec = importlib.util.spec_from_file_location("generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def analysed(postgres_server, tmp_path_factory) -> str:
    url = postgres_server.create_database("plans")
    export = tmp_path_factory.mktemp("plans") / "generated.json"
    with export.open("w") as out:
        _generate().write_export(out, AGREEMENTS)
    tracker = str(Path(sys.executable).parent / "tracker")
    subprocess.run([tracker, "import", str(export)], check=True, capture_output=True,
                   env={**os.environ, "TRACKER_DB": url, "TRACKER_NOW": NOW, "TZ": "UTC"})
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url


@pytest.fixture
def statements(analysed, monkeypatch):
    """A store on the analysed database that records every statement it sends, and a
    function giving the plan of each SELECT from items among them."""
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    monkeypatch.setenv("TRACKER_NOW", NOW)
    dates.set_now(None)
    store = open_store(analysed)
    sent = []
    execute = store.conn.execute

    def recording(sql, params=()):
        sent.append((sql, params))
        return execute(sql, params)

    store.conn.execute = recording

    def plans() -> list[tuple[str, str]]:
        found = []
        for sql, params in sent:
            if sql.lstrip().upper().startswith("SELECT") and "FROM items" in sql:
                rows = execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params).fetchall()
                found.append((sql, "\n".join(row[0] for row in rows)))
        return found

    yield store, plans
    store.close()


def _in_order_to_the_limit(found):
    assert found
    for sql, plan in found:
        assert "Seq Scan on items" not in plan, (sql, plan)
        # A plain Sort sorts every match; an Incremental Sort only ties of an index's order.
        sorts = [line for line in plan.splitlines() if "Sort" in line and "->" in line or line.startswith("Sort")]
        assert all("Incremental Sort" in line for line in sorts), (sql, plan)
        for line in plan.splitlines():
            if "Rows Removed by Filter:" in line:
                assert int(line.split(":")[1]) <= MOST_FILTERED, (sql, plan)


def test_the_default_list_reads_indexes_in_order_on_postgres(statements):
    store, plans = statements
    list(list_items(store, ListRequest(limit=50)))
    _in_order_to_the_limit(plans())

