"""The weekly report: golden files for the seed case, HTML printed by a real Chromium,
untrusted text kept inert in Markdown and HTML."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import NEWS, SEED

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
    assert [e["title"] for e in data["upcoming"]] == ["US-India trade talks, New Delhi"]
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
    from pypdf import PdfReader

    page = tmp_path / "week.html"
    after_news.ok("report", "--week", "2025-W49", "--format", "html", "-o", str(page))
    pdf = tmp_path / "week.pdf"
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    f"--print-to-pdf={pdf}", page.as_uri()], check=True, capture_output=True, timeout=120)
    reader = PdfReader(pdf)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for heading in ("Weekly report 2025-W49", "What changed", "Timeline", "Coming up in the 14 days after",
                    "Pipeline: agreements by status", "Overdue", "Agreement on combating irregular migration"):
        assert heading in text, heading
    assert 2 <= len(reader.pages) <= 8, len(reader.pages)
