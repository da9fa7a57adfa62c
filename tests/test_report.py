"""The weekly report: golden files for the seed case, HTML printed by a real Chromium,
untrusted text kept inert in Markdown and HTML."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import NEWS, SEED, TRACKER_BIN

GOLDEN = Path(__file__).resolve().parent / "golden"
SEED_NOW = "2025-11-29T12:00:00+05:30"
NEWS_NOW = "2025-12-12T09:00:00+05:30"
FORMATS = {"text": "txt", "md": "md", "html": "html", "json": "json"}


@pytest.fixture
def case(tracker):
    """The seed case in New Delhi's zone, with the clock on 29 November 2025."""
    tracker.env.update(TRACKER_TZ="Asia/Kolkata", TRACKER_NOW=SEED_NOW)
    tracker.ok("import", str(SEED))
    return tracker


@pytest.fixture
def after_news(case):
    case.env["TRACKER_NOW"] = NEWS_NOW
    case.ok("apply", str(NEWS))
    return case


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (UPDATE_GOLDEN=1 rewrites it; look at the diff)"


@pytest.mark.parametrize("fmt", FORMATS)
def test_seed_week_report_matches_its_golden_file(case, fmt):
    run = case.ok("report", "--format", fmt)          # this week: 2025-W48
    check_golden(f"report-2025-W48.{FORMATS[fmt]}", run.stdout)


@pytest.mark.parametrize("fmt", FORMATS)
def test_summit_week_report_after_the_news_matches_its_golden_file(after_news, fmt):
    run = after_news.ok("report", "--week", "2025-W49", "--format", fmt)
    check_golden(f"report-2025-W49.{FORMATS[fmt]}", run.stdout)


def test_seed_week_report_content(case):
    data = case.ok("report", "--format", "json").json()
    assert data["period"] == "2025-W48"
    assert (data["from"], data["to"]) == ("2025-11-24T00:00:00+05:30", "2025-12-01T00:00:00+05:30")
    assert data["headline"] == {"changes": 13, "signed": 0, "held": 0, "next": "E1"}
    assert [e["ref"] for e in data["upcoming"]] == ["E1", "E2"]
    assert data["pipeline"]["overall"] == {"expected": 6, "negotiating": 2}
    assert data["overdue"] == [] and data["quiet"] == []


def test_summit_week_report_content(after_news):
    data = after_news.ok("report", "--week", "2025-W49", "--format", "json").json()
    assert data["headline"]["signed"] == 14
    assert data["headline"]["held"] == 3          # the visit, the summit, the banquet
    titles = {c["title"] for c in data["changes"]}
    assert "Agreement on combating irregular migration" in titles
    # As of the end of the week, the trade talks of 10 December were not known yet
    # (they were added on the 9th): nothing is next, nothing is coming up.
    assert data["as_of"] == "2025-12-08T00:00:00+05:30"
    assert data["headline"]["next"] is None and data["upcoming"] == []
    assert {i["ref"] for i in data["overdue"]} == {"A1", "A3", "A5", "A6", "A20", "A22"}
    by_event = {entry["event"]: entry["counts"] for entry in data["pipeline"]["by_event"]}
    assert by_event["E2"]["signed"] == 14


def test_report_periods(case):
    assert case.ok("report", "--week", "2025-w49", "--format", "json").json()["period"] == "2025-W49"
    data = case.ok("report", "--from", "2025-11-29", "--to", "2025-11-29", "--format", "json").json()
    assert (data["from"], data["to"]) == ("2025-11-29T00:00:00+05:30", "2025-11-30T00:00:00+05:30")
    assert data["headline"]["changes"] == 13
    data = case.ok("report", "--tz", "America/New_York", "--format", "json").json()
    assert data["from"] == "2025-11-24T00:00:00-05:00"


def test_a_week_across_a_dst_change_is_a_whole_week(tracker):
    # Europe/Brussels leaves summer time on Sunday 26 October 2025: that week is 169 hours long.
    data = tracker.ok("report", "--week", "2025-W43", "--format", "json", TRACKER_TZ="Europe/Brussels").json()
    assert (data["from"], data["to"]) == ("2025-10-20T00:00:00+02:00", "2025-10-27T00:00:00+01:00")


@pytest.mark.parametrize("args, words", [
    (["--week", "2025-49"], "is not an ISO week"),
    (["--week", "2025-W54"], "has no week 54"),
    (["--week", "2025-W49", "--from", "2025-12-01", "--to", "2025-12-02"], "do not go together"),
    (["--from", "2025-12-01"], "give both --from and --to"),
    (["--format", "pdf"], "is not one of: text, md, html, json"),
    (["--tz", "Mars/Base"], "not a known IANA time zone"),
])
def test_report_bad_arguments(case, args, words):
    run = case("report", *args)
    assert run.code == 2 and words in run.stderr and run.stderr.count("\n") == 1


def test_a_week_with_no_changes_says_so(case):
    for fmt, text in (("text", "No changes were logged in 2026-W10."), ("md", "No changes were logged in 2026-W10."),
                      ("html", "No changes were logged in 2026-W10.")):
        assert text in case.ok("report", "--week", "2026-W10", "--format", fmt).stdout
    assert case.ok("report", "--week", "2026-W10", "--format", "json").json()["changes"] == []


def test_an_empty_database_says_so(tracker):
    for fmt in ("text", "md", "html"):
        assert "The database has no items yet" in tracker.ok("report", "--format", fmt).stdout
    data = tracker.ok("report", "--format", "json").json()
    assert data["changes"] == [] and data["pipeline"]["overall"] == {}


def test_report_to_a_file(case, tmp_path):
    path = tmp_path / "week.html"
    run = case.ok("report", "--format", "html", "-o", str(path))
    assert run.stdout == "" and "report written" in run.stderr
    assert path.read_text().startswith("<!doctype html>")
    text = tmp_path / "week.txt"
    case.ok("report", "-o", str(text))
    assert "Weekly report 2025-W48" in text.read_text() and "\x1b" not in text.read_text()


HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "[click](javascript:alert(1))",
           "![x](https://evil.example/x.png)", "https://evil.example/login and www.evil.example",
           "<b>bold</b> &amp; friends", "x | y | z", "mail me@evil.example"]


@pytest.fixture
def hostile(case):
    case.ok("add", "event", "Hostile week", "--start", "2025-11-30")
    for title in HOSTILE:
        case.ok("add", "agreement", title, "--event", "E6", "--note", title, "--source", "https://example.org/a?b=1&c=<2>")
    return case


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def test_html_report_keeps_hostile_text_inert(hostile):
    page = hostile.ok("report", "--format", "html").stdout
    parser = _Elements()
    parser.feed(page)
    tags = {tag for tag, _ in parser.tags}
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value.startswith("https://example.org/"), value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page and "http://" not in page.split("<body>")[0]


def test_markdown_report_keeps_hostile_text_inert(hostile):
    from markdown_it import MarkdownIt

    text = hostile.ok("report", "--format", "md").stdout
    html = MarkdownIt("gfm-like", {"linkify": True}).render(text)
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "b"), tag
        if tag == "a":
            assert dict(attrs)["href"].startswith("https://example.org/a"), attrs
    links = [tag for tag, _ in parser.tags if tag == "a"]
    assert len(links) == len(HOSTILE)              # the sources of the creations, and nothing else
    assert "x | y | z" in html.replace("\\|", "|")


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found and os.environ.get("CI"):
        pytest.fail("chromium is missing in CI: `make test` installs it (apt-get install chromium)")
    return found


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-pdf-header-footer"]


@pytest.mark.slow
def test_html_report_prints_to_pdf_in_a_real_chromium(after_news, tmp_path):
    chromium = _chromium()
    if not chromium:
        pytest.skip("chromium is not installed")
    import re
    import unicodedata

    from pypdf import PdfReader

    # A note with a long URL: the URL may break anywhere, the words around it may not.
    after_news.ok("update", "A21", "--note", "Negotiators met in Moscow; the communique is at https://example.org/"
                  + "a-very-long-path-" * 8 + "end and was welcomed by exporters.", "--on", "2025-12-06")
    page = tmp_path / "week.html"
    after_news.ok("report", "--week", "2025-W49", "--format", "html", "-o", str(page))
    pdf = tmp_path / "week.pdf"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    reader = PdfReader(pdf)
    # NFKC: the PDF's ligatures (ﬃ) read as their letters.
    text = unicodedata.normalize("NFKC", " ".join(" ".join(p.extract_text() for p in reader.pages).split()))
    for heading in ("Weekly report 2025-W49", "What changed", "Timeline",
                    "Pipeline: agreements by status", "Overdue", "Agreement on combating irregular migration"):
        assert heading in text, heading
    assert 2 <= len(reader.pages) <= 8, len(reader.pages)
    # No word is broken across lines.
    data = after_news.ok("report", "--week", "2025-W49", "--format", "json").json()
    words = {word for change in data["changes"] for field in ("title", "note")
             for word in re.findall(r"[A-Za-z]{7,}", change[field] or "")}
    assert sorted(word for word in words if word not in text) == []


# -- Date-only changes belong to the week of their date, whatever the zones -----------

def test_a_date_only_change_belongs_to_the_week_of_its_date(case):
    # E1 is in New Delhi: its day 2025-11-24 starts at 18:30 UTC on the 23rd, still in
    # week 47 for a reader in Brussels (which ends at 23:00 UTC on the 23rd).
    case.ok("update", "E1", "--note", "Advance team arrives", "--on", "2025-11-24")
    brussels = {"TRACKER_TZ": "Europe/Brussels"}
    w47 = case.ok("report", "--week", "2025-W47", "--format", "json", **brussels).json()
    assert w47["changes"] == [] and w47["headline"]["changes"] == 0
    w48 = case.ok("report", "--week", "2025-W48", "--format", "json", **brussels).json()
    assert "Advance team arrives" in [c["note"] for c in w48["changes"]]
    assert w48["headline"]["changes"] == 14
    for fmt in ("text", "md", "html"):
        assert "Advance team arrives" not in case.ok("report", "--week", "2025-W47", "--format", fmt, **brussels).stdout


def test_a_date_only_change_on_the_last_day_of_a_week_is_in_it_for_a_reader_far_east(case):
    # Honolulu's 30 November starts at 10:00 UTC, which is already 1 December at
    # Kiritimati (UTC+14): by the instant, the change would fall out of week 48 there.
    far_east = {"TRACKER_TZ": "Pacific/Kiritimati", "TRACKER_NOW": "2025-12-03T12:00:00Z"}
    case.ok("add", "event", "Pacific talks", "--start", "2025-12-20", "--tz", "Pacific/Honolulu")
    # Logged once it has happened: a change cannot be dated after now.
    case.ok("update", "E6", "--status", "confirmed", "--on", "2025-11-30", TRACKER_NOW=far_east["TRACKER_NOW"])
    w48 = case.ok("report", "--week", "2025-W48", "--format", "json", **far_east).json()
    assert [c["new"] for c in w48["changes"] if c["ref"] == "E6" and c["field"] == "status"] == ["confirmed"]
    w49 = case.ok("report", "--week", "2025-W49", "--format", "json", **far_east).json()
    assert [c for c in w49["changes"] if c["ref"] == "E6"] == []


def test_history_since_a_day_lists_the_date_only_changes_of_that_day(case):
    # 2025-11-29 in New Delhi starts at 18:30 UTC on the 28th: before Brussels' 29th.
    brussels = {"TRACKER_TZ": "Europe/Brussels"}
    assert len(case.ok("history", "--since", "2025-11-29", "--json", **brussels).json()) == 13
    assert case.ok("history", "--since", "2025-11-30", "--json", **brussels).json() == []


def test_the_week_of_a_date_only_change_decides_what_a_past_report_rewinds(case):
    # Changed on Monday 1 December (a date): not yet so at the end of week 48, even
    # for a reader in Brussels, whose week ends after New Delhi's Monday began.
    case.ok("update", "A1", "--status", "stalled", "--on", "2025-12-01", TRACKER_NOW="2025-12-02T12:00:00+05:30")
    data = case.ok("report", "--week", "2025-W48", "--format", "json", TRACKER_TZ="Europe/Brussels",
                   TRACKER_NOW="2025-12-02T12:00:00+05:30").json()
    assert data["pipeline"]["overall"] == {"expected": 6, "negotiating": 2}


# -- A past report shows the world as it stood at its "as of" -------------------------

def _news(tmp_path, keep) -> tuple[Path, Path]:
    """The news file cut in two: the updates dated up to a day, and the rest."""
    import json

    document = json.loads(NEWS.read_text(encoding="utf-8"))
    first, rest = tmp_path / "news-first.json", tmp_path / "news-rest.json"
    for path, updates in ((first, [u for u in document["updates"] if keep(u["on"])]),
                          (rest, [u for u in document["updates"] if not keep(u["on"])])):
        path.write_text(json.dumps({**document, "updates": updates}), encoding="utf-8")
    return first, rest


@pytest.mark.parametrize("fmt", FORMATS)
def test_last_weeks_report_reads_the_same_after_later_news(case, fmt):
    case.env["TRACKER_NOW"] = "2025-12-01T09:00:00+05:30"         # week 48 is over, no news yet
    then = case.ok("report", "--week", "2025-W48", "--format", fmt).stdout
    check_golden(f"report-2025-W48-ended.{FORMATS[fmt]}", then)
    case.env["TRACKER_NOW"] = NEWS_NOW
    case.ok("apply", str(NEWS))
    assert case.ok("report", "--week", "2025-W48", "--format", fmt).stdout == then


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_summit_weeks_report_reads_the_same_before_and_after_the_next_weeks_news(case, tmp_path, fmt):
    first, rest = _news(tmp_path, lambda on: on <= "2025-12-07")
    case.env["TRACKER_NOW"] = NEWS_NOW
    case.ok("apply", str(first))
    then = case.ok("report", "--week", "2025-W49", "--format", fmt).stdout
    # The same golden file as with all the news applied at once.
    check_golden(f"report-2025-W49.{FORMATS[fmt]}", then)
    case.ok("apply", str(rest), TRACKER_NOW="2025-12-12T10:00:00+05:30")
    assert case.ok("report", "--week", "2025-W49", "--format", fmt).stdout == then


def test_a_past_report_rewinds_every_field_and_what_is_next(after_news):
    data = after_news.ok("report", "--week", "2025-W48", "--format", "json").json()
    assert data["as_of"] == "2025-12-01T00:00:00+05:30"
    # Held on 5 December: as of 1 December the visit and the summit were still to come.
    assert [(e["ref"], e["status"], e["left"]) for e in data["upcoming"]] == [
        ("E1", "confirmed", "in 3 days (Thu 4 Dec)"), ("E2", "confirmed", "in 3 days (Thu 4 Dec)")]
    assert data["headline"]["next"] == "E1"
    # A2 was renamed on 5 December: its change of 29 November shows the name of then.
    assert {c["title"] for c in data["changes"] if c["ref"] == "A2"} == {"Labour mobility pact"}
    # A9 to A22 came on 5 December: not in the pipeline of 1 December.
    assert data["pipeline"]["overall"] == {"expected": 6, "negotiating": 2}
    text = after_news.ok("report", "--week", "2025-W48").stdout
    assert "E3 State banquet hosted by President Droupadi Murmu  date not set" in text   # dated on the 5th
    assert "held" not in text.split("Coming up")[1]
    # This week, as of now: the world as it is.
    data = after_news.ok("report", "--format", "json").json()
    assert data["period"] == "2025-W50" and data["as_of"] == "2025-12-12T09:00:00+05:30"
    assert [(c["ref"], c["new"]) for c in data["changes"] if c["field"] == "status"] == [("E6", "held")]


def test_a_past_report_rewinds_a_move_to_another_event(case):
    later = {"TRACKER_NOW": "2025-12-03T12:00:00+05:30"}
    case.ok("update", "A8", "--event", "E2", "--title", "Trade deal, renamed", "--status", "initialled",
            "--party", "Japan", "--due", "2025-12-20", **later)
    data = case.ok("report", "--week", "2025-W48", "--format", "json", **later).json()
    [created] = [c for c in data["changes"] if c["ref"] == "A8"]
    assert (created["title"], created["event"]) == ("US-India bilateral trade agreement", None)
    by_event = {row["event"]: row["counts"] for row in data["pipeline"]["by_event"]}
    assert by_event[None] == {"negotiating": 1} and by_event["E2"] == {"expected": 6, "negotiating": 1}
    md = case.ok("report", "--week", "2025-W48", "--format", "md", **later).stdout
    assert "Trade deal, renamed" not in md and "initialled" not in md


def test_a_past_reports_overdue_items_are_those_of_then(after_news):
    # A3 (overdue since the summit) is signed on 10 December: still overdue as of the 8th.
    after_news.ok("update", "A3", "--status", "signed", "--on", "2025-12-10")
    data = after_news.ok("report", "--week", "2025-W49", "--format", "json").json()
    assert [(i["ref"], i["status"]) for i in data["overdue"] if i["ref"] == "A3"] == [("A3", "expected")]
    assert "A3" not in {i["ref"] for i in after_news.ok("report", "--format", "json").json()["overdue"]}


def test_a_past_reports_quiet_items_are_those_of_then(case):
    later = {"TRACKER_NOW": "2026-01-12T12:00:00+05:30"}
    case.ok("update", "A8", "--status", "stalled", "--on", "2026-01-10", **later)
    case.ok("remove", "A6", **later)
    # Nothing logged from 6 December to 5 January: as it stood then, A6 and A8 were quiet.
    data = case.ok("report", "--week", "2026-W01", "--format", "json", **later).json()
    quiet = {i["ref"]: i["status"] for i in data["quiet"]}
    assert quiet["A8"] == "negotiating" and quiet["A6"] == "expected"
    assert [i["removed"] for i in data["quiet"] if i["ref"] == "A6"] == [None]


def test_a_removal_after_the_week_is_undone_in_its_report(case):
    case.ok("remove", "A8", TRACKER_NOW="2025-12-02T12:00:00+05:30")
    data = case.ok("report", "--week", "2025-W48", "--format", "json", TRACKER_NOW="2025-12-02T12:00:00+05:30").json()
    assert data["pipeline"]["overall"] == {"expected": 6, "negotiating": 2}
    assert {row["event"] for row in data["pipeline"]["by_event"]} == {"E2", None}


# -- The pipeline adds up ---------------------------------------------------------------

def _adds_up(pipeline) -> None:
    total: dict[str, int] = {}
    for counts in [row["counts"] for row in pipeline["by_event"]] + [pipeline["more_events"]["counts"]]:
        for status, n in counts.items():
            total[status] = total.get(status, 0) + n
    assert total == pipeline["overall"], pipeline


def test_the_pipeline_lists_events_with_agreements_even_without_changes_that_week(after_news):
    data = after_news.ok("report", "--format", "json").json()             # 2025-W50: no change at E2
    assert [(row["event"], sum(row["counts"].values())) for row in data["pipeline"]["by_event"]] == \
        [("E2", 20), (None, 2)]
    _adds_up(data["pipeline"])
    text = after_news.ok("report").stdout
    assert "E2 23rd India-Russia Annual Summit" in text.split("Pipeline")[1]
    md = after_news.ok("report", "--format", "md").stdout
    assert "| E2 23rd India-Russia Annual Summit | 1 | 4 |  | 14 | 1 | 20 |" in md
    assert "| at no event |  |  | 2 |  |  | 2 |" in md
    assert "| **overall** | **1** | **4** | **2** | **14** | **1** | **22** |" in md


def test_the_pipeline_lists_fifty_events_and_counts_the_rest_in_one_row(tracker):
    for n in range(1, 54):
        tracker.ok("add", "event", f"Talks {n}", "--start", "2025-12-03")
        tracker.ok("add", "agreement", f"Deal {n}", "--event", f"E{n}", "--status", "negotiating" if n % 2 else "expected")
    tracker.ok("add", "agreement", "Deal at no event")
    data = tracker.ok("report", "--format", "json").json()
    pipeline = data["pipeline"]
    assert len([row for row in pipeline["by_event"] if row["event"]]) == 50
    assert pipeline["more_events"]["events"] == 3 and sum(pipeline["more_events"]["counts"].values()) == 3
    assert pipeline["overall"] == {"expected": 27, "negotiating": 27}
    _adds_up(pipeline)
    text = tracker.ok("report").stdout
    assert "at 3 more events" in text and "More events have agreements than are listed" in text
    for fmt in ("md", "html"):
        assert "at 3 more events" in tracker.ok("report", "--format", fmt).stdout


# -- Plain text: one heading each, one width, no trailing spaces -------------------------

def test_the_text_report_has_one_width_off_a_terminal_and_no_trailing_spaces(after_news, tmp_path):
    for week in ("2025-W48", "2025-W49", "2025-W50"):
        redirected = after_news.ok("report", "--week", week).stdout             # COLUMNS=200 is set, and ignored
        path = tmp_path / f"{week}.txt"
        after_news.ok("report", "--week", week, "-o", str(path))
        assert path.read_text(encoding="utf-8") == redirected
        lines = redirected.splitlines()
        assert max(len(line) for line in lines) == 120
        assert [line for line in lines if line != line.rstrip()] == []
    text = after_news.ok("report", "--week", "2025-W48").stdout
    assert text.count("Coming up") == 1


# Run in a fresh interpreter, as the installed command is: which modules the report loads.
LOADED = """
import sys
from tracker.cli import main
try:
    main()
finally:
    sys.stderr.write("\\nrich.table loaded" if "rich.table" in sys.modules else "\\nrich.table not loaded")
"""


def test_the_text_report_is_laid_out_without_rich_table(after_news, tmp_path):
    """rich.table took all of a report's time (220 ms): its tables are tracker's own,
    in a file and on a terminal alike."""
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "TRACKER_DB": str(after_news.db), "TRACKER_NOW": NEWS_NOW, "TRACKER_TZ": "Asia/Kolkata",
           "TERM": "xterm"}
    python = str(TRACKER_BIN.parent / "python")
    # Run away from the checkout, whose tracker/ `python -c` would import instead.
    piped = subprocess.run([python, "-c", LOADED, "report", "--week", "2025-W49"], env=env, capture_output=True,
                           text=True, cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "Weekly report 2025-W49" in piped.stdout and piped.stderr.endswith("rich.table not loaded")
    child = pexpect.spawn(python, ["-c", LOADED, "report", "--week", "2025-W49"], env=env, dimensions=(40, 100),
                          encoding="utf-8", timeout=20, cwd=str(tmp_path))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "What changed" in child.before and child.before.endswith("rich.table not loaded")


# -- Times in the reader's zone ------------------------------------------------------------

def test_report_times_are_in_the_readers_zone_with_its_abbreviation(case):
    case.ok("update", "E1", "--note", "Talks at the airport", "--on", "2025-11-28T10:30")   # New Delhi time
    case.ok("update", "A8", "--due", "2025-11-28T18:00")
    brussels = {"TRACKER_TZ": "Europe/Brussels"}
    text = case.ok("report", **brussels).stdout
    assert "2025-11-28 06:00 CET" in text and "2025-11-28T10:30" not in text
    md = case.ok("report", "--format", "md", **brussels).stdout
    assert "| 2025-11-28 06:00 CET | E1 |" in md
    html = case.ok("report", "--format", "html", **brussels).stdout
    assert ">2025-11-28 06:00 CET<" in html
    # --tz speaks for the reader too.
    assert "2025-11-28 00:00 EST" in case.ok("report", "--tz", "America/New_York").stdout


# -- Markdown: sources are the only links, and copied text is exact --------------------------

def test_markdown_report_keeps_urls_in_notes_exact_and_unlinked(case):
    from markdown_it import MarkdownIt

    notes = ["Read https://example.org/a_b?c=1&d=(2) and www.example.org/x|y first.",
             "Mail press@mea.gov.in or see tnnews.ai/stories, `quoted` too."]
    for note in notes:
        case.ok("update", "A8", "--note", note, "--source", "https://example.org/story")
    text = case.ok("report", "--format", "md").stdout
    assert not any(ch in text for ch in "\u2060\u200b\u200c\u200d\ufeff")
    html = MarkdownIt("gfm-like", {"linkify": True}).render(text)
    parser = _Elements()
    parser.feed(html)
    hrefs = [dict(attrs)["href"] for tag, attrs in parser.tags if tag == "a"]
    assert set(hrefs) == {"https://example.org/story"}          # the source of the two notes, only
    cells = _cell_texts(html)
    for note in notes:
        assert note in cells, note


def _cell_texts(html: str) -> list[str]:
    """The text of each table cell, as a reader would copy it."""
    class Cells(HTMLParser):
        def __init__(self):
            super().__init__()
            self.cells, self.inside = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "td":
                self.inside = []

        def handle_endtag(self, tag):
            if tag == "td":
                self.cells.append("".join(self.inside))
                self.inside = None

        def handle_data(self, data):
            if self.inside is not None:
                self.inside.append(data)

    parser = Cells()
    parser.feed(html)
    return parser.cells


# -- HTML on a phone, measured in a real Chromium ------------------------------------------

MEASURE = """<script>
const root = document.documentElement;
const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5);
parent.document.body.setAttribute('data-measured', JSON.stringify({
  width: innerWidth, scroll_width: root.scrollWidth, height: root.scrollHeight,
  too_wide: wide.slice(0, 5).map(e => e.tagName + ' ' + e.textContent.slice(0, 40))}));
</script>"""


def _measure(chromium: str, page: str, tmp_path, width: int) -> dict:
    """Lay the page out `width` px wide and measure it, by a script put into a copy of it
    (the report's own policy forbids scripts). Headless Chromium makes no window under
    500 px, so the copy is laid out in a frame of that width, as a phone's screen."""
    import json
    import re
    from html import escape, unescape

    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    frame = tmp_path / f"measure-{width}.html"
    frame.write_text(f'<!doctype html><html><body style="margin:0"><iframe width="{width}" height="844" '
                     f'style="border:0" srcdoc="{escape(page.replace("</body>", MEASURE + "</body>"))}">'
                     "</iframe></body></html>", encoding="utf-8")
    run = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / f'profile-{width}'}",
                          f"--window-size={max(width, 500) + 100},900", "--dump-dom", frame.as_uri()],
                         check=True, capture_output=True, text=True, timeout=120)
    found = re.search(r'data-measured="([^"]*)"', run.stdout)
    assert found, run.stdout[-2000:]
    return json.loads(unescape(found.group(1)))


@pytest.mark.slow
def test_html_report_reads_well_on_a_phone_in_a_real_chromium(after_news, tmp_path):
    chromium = _chromium()
    if not chromium:
        pytest.skip("chromium is not installed")
    after_news.ok("update", "A21", "--note", "Long link: https://example.org/" + "a-very-long-path-" * 8 + "end",
                  "--on", "2025-12-06")
    page = after_news.ok("report", "--week", "2025-W49", "--format", "html").stdout
    phone = _measure(chromium, page, tmp_path, 390)
    desktop = _measure(chromium, page, tmp_path, 1280)
    assert phone["width"] == 390 and desktop["width"] == 1280
    # No horizontal scroll, nothing sticking out at the edge.
    assert phone["scroll_width"] <= 390 and phone["too_wide"] == [], phone
    # Stacked, not squeezed: about as long as the desktop page, and no more than three times.
    assert phone["height"] <= 3 * desktop["height"], (phone, desktop)


# -- Text on a narrow terminal: Change whole before Note, the same columns in every table --

CHANGE_WHOLE_UP_TO = 24     # report_text's


def _report_at(tracker, monkeypatch, week: str, width: int) -> str:
    """The text report as a terminal `width` columns wide shows it."""
    from tracker import report
    from tracker.render.report_text import render
    from tracker.render.text import plain_text
    from tracker.store import Store

    monkeypatch.setenv("TRACKER_NOW", tracker.env["TRACKER_NOW"])
    monkeypatch.setenv("TRACKER_TZ", "Asia/Kolkata")
    store = Store(tracker.db)
    try:
        return plain_text(render(report.build(store, report.week_period(week, "Asia/Kolkata"))), width)
    finally:
        store.close()


def _what_changed(text: str) -> str:
    """The section "What changed", up to the next heading."""
    start = text.index("What changed")
    ends = [text.find(heading, start) for heading in ("Coming up in", "Pipeline:", "Overdue:", "Gone quiet:")]
    return text[start:min([end for end in ends if end > 0], default=len(text))]


@pytest.mark.parametrize("week", ["2025-W48", "2025-W49"])
@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_narrow_report_keeps_change_whole_and_says_what_it_leaves_out(after_news, monkeypatch, week, width):
    wide = _report_at(after_news, monkeypatch, week, 120)
    narrow = _report_at(after_news, monkeypatch, week, width)
    assert max(map(len, narrow.splitlines())) <= width
    changed, wide_changed = _what_changed(narrow), _what_changed(wide)
    # Each of tracker's phrases ("status confirmed → held") on one line, up to a width
    # (a longer one breaks between words); at 40 none of its words is split.
    changes = after_news.ok("report", "--week", week, "--format", "json").json()["changes"]
    phrases = sorted(f"status {c['old']} → {c['new']}" if c["field"] == "status" else f"created as {c['new']}"
                     for c in changes if c["field"] in ("status", "created"))
    assert phrases
    if width >= 60:     # (at 80, Source makes room for Change: issue 11)
        short = [phrase for phrase in phrases if len(phrase) <= CHANGE_WHOLE_UP_TO]
        assert [phrase for phrase in sorted(re.findall(r"status \S+ → \S+|created as \S+", changed))
                if len(phrase) <= CHANGE_WHOLE_UP_TO] == short
    said = re.sub(r"(\S+, )*\S+( and \S+)? (is|are)\s+left\s+out.*?FILE`\.", "", changed, flags=re.S)
    if width < 80:      # (at 80 a URL is cut to its Source column, as at 120)
        assert {word for word in said.split() if "─" not in word} <= set(wide_changed.split())
    assert all(word in changed.split() for phrase in phrases for word in phrase.split())
    # Every table shows the same columns, and what none shows is said.
    headers = {" ".join(line.split()) for line in changed.splitlines() if line.strip().startswith("On ")}
    assert len(headers) == 1
    header = headers.pop().split()
    left_out = [name for name in ("Title", "By", "Note", "Source") if name not in header]
    if left_out:
        listed = left_out[0] if len(left_out) == 1 else f"{', '.join(left_out[:-1])} and {left_out[-1]}"
        assert re.search(listed.replace(" ", r"\s+") + r"\s+(is|are)\s+left\s+out\s+at\s+this\s+width", changed)
    else:
        assert "left out" not in changed
    if width == 80:
        # Rich's ratios gave Change 14 cells here ("status / confirmed → / held"): the
        # columns that go first (By, Source) go, so that it is whole, and Note stays.
        assert "By" not in header and "Source" not in header and "Note" in header and "Title" in header


def test_the_report_and_countdown_start_without_the_core_of_writes(after_news, tmp_path):
    """tracker.core (the checks of add and update) was loaded by every command through
    the commands' shared module, for a type: the reading commands start without it."""
    env = {**os.environ, "TRACKER_DB": str(after_news.db), "TRACKER_NOW": NEWS_NOW, "TRACKER_TZ": "Asia/Kolkata"}
    python = str(TRACKER_BIN.parent / "python")
    loaded = LOADED.replace('"rich.table" in sys.modules', '"tracker.core" in sys.modules').replace("rich.table", "core")
    for command in (["report", "--week", "2025-W49"], ["countdown"]):
        run = subprocess.run([python, "-c", loaded, *command], env=env, capture_output=True, text=True, cwd=tmp_path)
        assert run.returncode == 0 and run.stderr.endswith("core not loaded"), (command, run.stderr)
