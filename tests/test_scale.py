"""What keeps tracker fast at any size: limits on what is listed, and queries that read
indexes from where the answer starts. Speed itself is measured by bench/run.py."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tracker import countdown, dates
from tracker.core import ListRequest, list_items
from tracker.store import Span, Store


def test_list_shows_at_most_the_limit_and_says_so(tracker):
    for n in range(5):
        tracker.ok("add", "agreement", f"MoU {n}")
    run = tracker.ok("list", "agreements", "--limit", "2", "--json")
    assert [item["title"] for item in run.json()] == ["MoU 0", "MoU 1"]
    assert "Showing the first 2 agreements; 3 more agreements match" in run.stderr
    assert len(tracker.ok("list", "--limit", "0", "--json").json()) == 5
    run = tracker.ok("list", "--limit", "5", "--json")
    assert len(run.json()) == 5 and run.stderr == ""


def test_countdown_shows_at_most_the_limit(tracker):
    for day in range(1, 6):
        tracker.ok("add", "event", f"Talks {day}", "--start", f"2025-12-0{day}")
    entries = tracker.ok("countdown", "--limit", "2", "--json").json()
    assert [e["title"] for e in entries] == ["Talks 1", "Talks 2"]
    assert len(tracker.ok("countdown", "--limit", "0", "--json").json()) == 5


def test_report_lists_fifty_overdue_and_says_there_are_more(tracker):
    tracker.ok("add", "event", "Summit", "--start", "2025-11-20")
    for n in range(52):
        tracker.ok("add", "agreement", f"MoU {n}", "--event", "E1")
    data = tracker.ok("report", "--format", "json").json()
    assert len(data["overdue"]) == 50 and data["more_overdue"] is True
    assert "More are not listed here" in tracker.ok("report").stdout


def test_report_lists_a_hundred_changes_and_counts_them_all(tracker, tmp_path):
    updates = [{"add": "agreement", "uid": f"mou-{n}", "on": "2025-11-25", "set": {"title": f"MoU {n}"}}
               for n in range(104)]
    updates += [{"ref": f"mou-{n}", "on": "2025-11-26", "set": {"status": "signed"}} for n in range(3)]
    path = tmp_path / "news.json"
    path.write_text(json.dumps({"format": "tracker-updates", "version": 1, "updates": updates}))
    tracker.ok("apply", str(path))
    data = tracker.ok("report", "--format", "json").json()
    assert data["headline"]["changes"] == 107 and data["headline"]["signed"] == 3
    assert len(data["changes"]) == 100 and data["more_changes"] == 7
    assert [c["ref"] for c in data["changes"][:2]] == ["A1", "A2"]          # the first ones, in time order
    for fmt in ("text", "md", "html"):
        assert "7 more changes in this period are not listed here" in tracker.ok("report", "--format", fmt).stdout
    # The command it names lists the period's changes, all of them.
    command = re.search(r"`tracker (history [^`]*)`", tracker.ok("report").stdout).group(1).split()
    assert len(tracker.ok(*command, "--json").json()) == 107


def test_report_lists_fifty_coming_up_and_says_there_are_more(tracker):
    for n in range(52):
        tracker.ok("add", "event", f"Talks {n}", "--start", "2025-12-03")
    data = tracker.ok("report", "--format", "json").json()
    assert len(data["upcoming"]) == 50 and data["more_upcoming"] is True
    assert "More are coming in those days" in tracker.ok("report").stdout


class Plans:
    """Every statement a piece of tracker runs, with its query plan: SQLite's (EXPLAIN QUERY
    PLAN of the file), so the tests that read them are sqlite_only."""

    def __init__(self, path: Path):
        self.store = Store(path)
        self.statements: list[str] = []
        self.store.conn.set_trace_callback(self.statements.append)

    def plans(self) -> list[tuple[str, str]]:
        conn = sqlite3.connect(self.store.path)
        found = []
        for sql in self.statements:
            if sql.lstrip().upper().startswith("SELECT") and "FROM items" in sql:
                plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql))
                found.append((sql, plan))
        return found


@pytest.fixture
def plans(summit, monkeypatch):
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    dates.set_now(None)
    return Plans(summit.db)


def _no_full_scan_or_sort(found):
    assert found
    for sql, plan in found:
        assert "SCAN items" not in plan.replace("SCAN items AS parent", ""), (sql, plan)
        assert "TEMP B-TREE" not in plan, (sql, plan)


@pytest.mark.sqlite_only
def test_the_default_list_reads_indexes_in_order(plans):
    list(list_items(plans.store, ListRequest(limit=50)))
    _no_full_scan_or_sort(plans.plans())


@pytest.mark.sqlite_only
def test_countdown_reads_indexes_in_order(plans):
    countdown.coming(plans.store, dates.now(), None, 30)
    _no_full_scan_or_sort(plans.plans())


@pytest.mark.sqlite_only
def test_the_reports_overdue_and_quiet_items_read_an_index_in_order(plans):
    from tracker.model import CLOSED_STATUSES

    plans.store.overdue("2025-12-10T00:00:00Z", CLOSED_STATUSES["agreement"], 51, [1, 2])
    plans.store.quiet(Span("2025-11-01T00:00:00Z", "2025-12-10T00:00:00Z", "2025-11-01", "2025-12-10"),
                      CLOSED_STATUSES, 51, [1, 2])
    # The (type, num) index, in order, up to the limit: not every agreement, sorted.
    _no_full_scan_or_sort(plans.plans())
    assert all("sqlite_autoindex_items_2 (type=?)" in plan for _, plan in plans.plans())


@pytest.mark.sqlite_only
def test_the_reports_counts_read_indexes_in_order(plans):
    # A week in Brussels: the changes away from its ends are counted from the index
    # alone; those near the ends (where a date-only change may be placed by its date)
    # and those that settle something are read from the index's range, nothing more.
    plans.store.change_counts(Span("2025-11-23T23:00:00Z", "2025-11-30T23:00:00Z", "2025-11-24", "2025-12-01"))
    sql = next(s for s in plans.statements if "count(DISTINCT" in s)
    plan = " | ".join(row[3] for row in plans.store.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "COVERING INDEX changes_by_happened (happened_utc>? AND happened_utc<?)" in plan, plan
    assert "INDEX changes_settling (happened_utc>? AND happened_utc<?)" in plan, plan
    # Less the retracted notes: read from the index of retractions alone, as few as there are.
    assert "SCAN" not in plan.replace("SCAN changes USING INDEX changes_retractions", ""), plan


@pytest.mark.sqlite_only
def test_the_reports_changes_read_the_index_in_order(plans):
    plans.store.history(span=Span("2025-11-23T23:00:00Z", "2025-11-30T23:00:00Z", "2025-11-24", "2025-12-01"),
                        limit=100)
    sql = next(s for s in plans.statements if "FROM changes JOIN items" in s)
    plan = " | ".join(row[3] for row in plans.store.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH changes USING INDEX changes_by_happened (happened_utc>? AND happened_utc<?)" in plan, plan
    assert "TEMP B-TREE" not in plan and "SCAN" not in plan, plan


@pytest.mark.sqlite_only
def test_a_past_report_finds_what_changed_since_from_the_index_in_order(plans):
    plans.store.changes_from(Span("2025-11-30T23:00:00Z", None, "2025-12-01"))
    sql = next(s for s in plans.statements if "FROM changes" in s)
    plan = " | ".join(row[3] for row in plans.store.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert "SEARCH changes USING INDEX changes_by_happened (happened_utc>?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite_only
def test_a_filtered_list_reads_its_index_in_order(plans):
    list(list_items(plans.store, ListRequest(types=("agreement",), statuses=["expected"], parties=["Russia"], limit=50)))
    # It walks the (type, num) index and stops at the limit, rather than reading
    # every agreement of that status and sorting them.
    _no_full_scan_or_sort(plans.plans())


class PostgresPlans:
    """PostgreSQL's twin of Plans: every statement tracker runs on items, with its plan
    (EXPLAIN of the same text and parameters), at a size where the planner weighs its
    indexes against a scan (a few thousand items, their statistics gathered)."""

    def __init__(self, url: str):
        from tracker.store.postgres import placeholders

        self.store = Store(url)
        self.store.conn.execute("ANALYZE")
        self.found: list[tuple[str, str]] = []
        conn, execute = self.store.conn, self.store.conn.execute

        def explained(sql: str, params=()):
            if sql.lstrip().upper().startswith("SELECT") and "FROM items" in sql:
                rows = conn.raw.execute("EXPLAIN " + placeholders(sql), params or None).fetchall()
                self.found.append((sql, " | ".join(row[0].strip() for row in rows)))
            return execute(sql, params)

        conn.execute = explained


@pytest.fixture
def postgres_plans(tracker, tmp_path, monkeypatch):
    from test_bulk_import import document

    if tracker.backend != "postgres":
        pytest.skip("PostgreSQL's plans: run with --backend=postgres or both")
    monkeypatch.setenv("TRACKER_TZ", "UTC")
    monkeypatch.setenv("TRACKER_NOW", "2025-11-29T10:00:00Z")
    dates.set_now(None)
    path = tmp_path / "large.json"
    path.write_text(json.dumps(document(3000)))
    tracker.ok("import", str(path))
    return PostgresPlans(tracker.db)


def _no_scan_of_items(found):
    assert found
    for sql, plan in found:
        assert "Index Scan" in plan and "Seq Scan on items" not in plan, (sql, plan)


def test_on_postgres_lists_and_countdown_read_indexes(postgres_plans):
    list(list_items(postgres_plans.store, ListRequest(limit=50)))
    countdown.coming(postgres_plans.store, dates.now(), None, 30)
    list(list_items(postgres_plans.store, ListRequest(types=("agreement",), statuses=["expected"],
                                                      parties=["Russia"], limit=50)))
    _no_scan_of_items(postgres_plans.found)
