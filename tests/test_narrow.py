"""Tables on a narrow terminal, through the CLI: every line fits, the frame is whole,
no word of a title is split where it fits, the least useful columns go first, and
Hindi and CJK titles take the cells a terminal gives them."""

from __future__ import annotations

import unicodedata

import pytest

from conftest import SEED

HINDI = "भारत-रूस वार्षिक शिखर सम्मेलन समझौता"
CJK = "日中韓自由貿易協定交渉の再開に関する共同声明"
WIDTHS = [120, 80, 60, 50, 40]
LEFT, RIGHT = set("┏┃┡│└"), set("┓┃┩│┘")


def terminal_cells(text: str) -> int:
    """The cells a terminal (wcwidth(3)) gives `text`, measured without Rich: wide
    and full-width characters take two, marks that sit on a letter (Mn, Me) and
    format characters none, everything else one, Devanagari's spacing vowel
    signs (Mc) included."""
    total = 0
    for character in text:
        if unicodedata.category(character) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return total


@pytest.fixture
def world(tracker):
    """The seed case, and the fresh one of the issue: the G20 in Johannesburg, COP30
    in Belém, the 2026 BRICS summit in India, a Hindi and a Japanese title."""
    tracker.ok("import", str(SEED))
    tracker.ok("add", "event", "G20 Leaders' Summit in Johannesburg", "--kind", "summit",
               "--start", "2025-11-22", "--end", "2025-11-23", "--tz", "Africa/Johannesburg",
               "--location", "Johannesburg, South Africa", "--party", "South Africa", "--party", "India",
               "--party", "European Union", "--status", "confirmed")
    tracker.ok("add", "event", "COP30 UN Climate Change Conference", "--kind", "conference",
               "--start", "2025-11-10", "--end", "2025-11-21", "--tz", "America/Belem",
               "--location", "Belém, Brazil", "--party", "Brazil", "--status", "confirmed")
    tracker.ok("add", "event", "18th BRICS summit", "--kind", "summit", "--start", "2026-09-10T10:00",
               "--tz", "Asia/Kolkata", "--location", "New Delhi, India", "--party", "India",
               "--party", "Brazil", "--party", "Russia", "--party", "China", "--party", "South Africa")
    tracker.ok("add", "agreement", "Tropical Forest Forever Facility launch statement", "--kind", "statement",
               "--sector", "climate", "--party", "Brazil", "--party", "Norway", "--due", "2026-03-31",
               "--note", "Pledges announced at the leaders' summit before COP30, see "
                         "https://example.org/cop30/tropical-forest-forever-facility/pledges-announced",
               "--source", "https://example.org/news/2025/11/06/tropical-forest-forever-facility-launch")
    tracker.ok("add", "agreement", "G20 Johannesburg Leaders' Declaration", "--kind", "statement",
               "--sector", "multilateral", "--party", "South Africa", "--due", "2025-12-15")
    tracker.ok("add", "agreement", HINDI, "--kind", "pact", "--event", "E2", "--sector", "trade",
               "--party", "India", "--party", "Russia")
    tracker.ok("add", "agreement", CJK, "--kind", "statement", "--party", "Japan", "--party", "China",
               "--party", "South Korea")
    tracker.ok("update", "A1", "--status", "initialled", "--note", "Initialled by the defence ministers; "
               "signature expected at the summit.", "--source", "https://example.org/2025/12/s400")
    return tracker


def titles(world) -> dict[str, str]:
    items = world.ok("list", "--all", "--json", "--limit", "0").json()
    return {item["ref"]: item["title"] for item in items}


def tables(output: str) -> list[list[str]]:
    """Each table printed, as its lines from the top of the frame to the bottom."""
    found: list[list[str]] = []
    current: list[str] | None = None
    for line in output.split("\n"):
        if line.startswith("┏"):
            current = []
        if current is not None:
            current.append(line)
            if line.startswith("└"):
                found.append(current)
                current = None
    assert current is None, "a table has no bottom border"
    return found


def columns(table: list[str]) -> tuple[list[str], list[dict[str, list[str]]]]:
    """A printed table read back: the headers, and each row as the lines of text in each column."""
    rule = next(index for index, line in enumerate(table) if line.startswith("┡"))
    header_lines = [line.split("┃")[1:-1] for line in table[1:rule]]
    headers = [" ".join(line[i].strip() for line in header_lines).strip() for i in range(len(header_lines[0]))]
    rows: list[dict[str, list[str]]] = []
    for line in table[rule + 1:-1]:
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        assert len(cells) == len(headers), line
        # A row starts where its reference is (the first column, but for `show`'s history).
        key = "Ref" if "Ref" in headers else headers[0]
        if cells[headers.index(key)] or not rows:
            rows.append({header: [] for header in headers})
        for header, cell in zip(headers, cells):
            if cell:
                rows[-1][header].append(cell)
    return headers, rows


COMMANDS = [("list", "--all", "--limit", "0"), ("list",), ("history",), ("countdown",), ("show", "E2"),
            ("show", "A1"), ("list", "--search", "समझौता")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_line_fits_and_every_table_keeps_its_frame(world, command, width):
    output = world.ok(*command, COLUMNS=str(width)).stdout
    assert output.strip()
    for line in output.split("\n"):
        assert terminal_cells(line) <= width, (width, line)
    for table in tables(output):
        assert len({terminal_cells(line) for line in table}) == 1, table     # the frame lines up
        for line in table:
            assert line[0] in LEFT and line[-1] in RIGHT, line


# History leaves its Title column out below 60 columns (the Ref stays).
@pytest.mark.parametrize("command, width", [
    *((("list", "--all", "--limit", "0"), width) for width in WIDTHS),
    *((("countdown",), width) for width in WIDTHS),
    *((("history",), width) for width in (120, 80, 60)),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) else str(value))
def test_no_word_of_a_title_is_split_and_none_is_lost(world, command, width):
    expected = titles(world)
    output = world.ok(*command, COLUMNS=str(width)).stdout
    checked = 0
    for table in tables(output):
        headers, rows = columns(table)
        if "Title" not in headers:
            continue
        for row in rows:
            ref = row["Ref"][0]
            title = expected[ref]
            lines = row["Title"]
            # Nothing cut off: every character of the title is there, in order.
            assert "".join(title.split()) in "".join("".join(lines).split()), (title, lines)
            # Words whole: CJK may break between any two characters, other words not at all.
            printed_words = {word for line in lines for word in line.split()}
            for word in title.split():
                if not any(unicodedata.east_asian_width(character) == "W" for character in word):
                    assert word in printed_words, (word, lines)
            checked += 1
    assert checked >= 3


def agreement_title(world, ref: str, width: int) -> tuple[list[str], int]:
    """The lines of an agreement's title in `list agreements`, and the width of the column."""
    output = world.ok("list", "agreements", COLUMNS=str(width)).stdout
    [table] = tables(output)
    assert len({terminal_cells(line) for line in table}) == 1, (width, table)
    headers, rows = columns(table)
    [row] = [row for row in rows if row["Ref"] == [ref]]
    return row["Title"], len(table[0].split("┳")[headers.index("Title")]) - 2


@pytest.mark.parametrize("width", WIDTHS)
def test_the_hindi_title_fits_its_column_whole(world, width):
    lines, _ = agreement_title(world, "A11", width)
    assert " ".join(lines).split() == HINDI.split(), (width, lines)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_japanese_title_breaks_between_characters_and_loses_none(world, width):
    lines, column = agreement_title(world, "A12", width)
    assert "".join(lines) == CJK, (width, lines)
    # Broken anywhere, so every line but the last is full (short of a wide character).
    assert all(terminal_cells(line) >= column - 1 for line in lines[:-1]), (width, column, lines)
    shown = world.ok("show", "A12", COLUMNS=str(width)).stdout.split("\n")
    assert shown[0].startswith("A12") and all(terminal_cells(line) <= width for line in shown)


DROP_ORDER = {
    "Events": ["Parties", "Where", "Kind", "When"],
    "Agreements": ["Parties", "Due", "Sector", "Kind", "Event"],
    "History": ["Source", "By", "Note", "Title"],
    "Coming up": ["When", "Status"],
}


@pytest.mark.parametrize("command", [("list", "--all", "--limit", "0"), ("history",), ("countdown",)], ids=" ".join)
def test_the_least_useful_columns_go_first_and_titles_stay(world, command):
    full: dict[str, list[str]] = {}
    for width in [200, *WIDTHS, 30]:
        output = world.ok(*command, COLUMNS=str(width)).stdout
        names = [line for line in output.split("\n") if line in DROP_ORDER]
        for name, table in zip(names, tables(output)):
            headers, _ = columns(table)
            if width == 200:
                full[name] = headers
                continue
            missing = [header for header in full[name] if header not in headers]
            # What is missing is the first few of the table's order of dropping, nothing else.
            assert set(missing) == set(DROP_ORDER[name][:len(missing)]), (width, name, headers)
            assert "Ref" in headers and "Title" in headers or name == "History" and "Change" in headers
            if width <= 40 and name in ("Events", "Agreements"):
                assert headers == ["Ref", "Title", "Status"]
    assert full


def test_titles_get_the_width_first(world):
    output = world.ok("list", "--all", "--limit", "0", COLUMNS="80").stdout
    for table in tables(output):
        headers, _ = columns(table)
        segments = table[0][1:-1].split("┳")
        widths = dict(zip(headers, map(len, segments)))
        assert widths["Title"] == max(widths.values()), widths


@pytest.mark.parametrize("width", [80, 60, 50])
def test_a_number_stays_with_its_unit_and_a_sub_event_with_its_reference(summit, width):
    # Now is 2025-11-29 10:00 UTC: this starts in 2 days 2 h.
    summit.ok("add", "event", "IBSA leaders' meeting on the margins of the summit", "--in", "E1",
              "--start", "2025-12-01T12:00", "--tz", "UTC")
    for command in (("countdown",), ("list", "events")):
        output = summit.ok(*command, COLUMNS=str(width)).stdout
        assert "\xa0" not in output        # held together, but printed as plain spaces
        for table in tables(output):
            headers, rows = columns(table)
            for row in rows:
                for header in ("Time left", "Title"):
                    for line in row.get(header, []):
                        assert not line.endswith(("(in", " 2", " 20")), (width, command, row)
                        assert not line.startswith(("h ", "h)", "days", "E1)", "min")), (width, command, row)
    coloured = summit.ok("list", "events", COLUMNS="50", FORCE_COLOR="1").stdout
    assert "\x1b[" in coloured and "\xa0" not in coloured     # the dim "(in E1)" too
    listed = summit.ok("list", "events").stdout
    assert "margins of the summit (in E1)" in listed and "  (in E1)" not in listed
