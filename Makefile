# Everything from nothing: a virtual environment, tracker installed into it
# (not editable, so the tests exercise what ships), then the demo or the tests.
# pytest runs as $(BIN)/pytest, not `python -m pytest`, which would put the
# source folder first on sys.path and test the checkout instead.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := demo/tracker.db
# The demo runs at fixed instants, so that it shows the same thing every time.
SEED_NOW := 2025-11-29T12:00:00+05:30
NEWS_NOW := 2025-12-12T09:00:00+05:30
# After the feed corpus's last entry (23 December).
FEEDS_NOW := 2025-12-31T09:00:00+05:30

.PHONY: demo test install tools clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet hatchling ".[test]"
	touch $@

install: $(VENV)/.deps
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --force-reinstall .

demo: install
	rm -rf demo && mkdir demo
	@echo "== The seed case as of 29 November 2025: tracker list"
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(SEED_NOW) TZ=Asia/Kolkata $(BIN)/tracker import fixtures/seed-2025-11-29.json
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(SEED_NOW) TZ=Asia/Kolkata $(BIN)/tracker list
	@echo "== What is next, seen from Brussels: tracker countdown"
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(SEED_NOW) TZ=Europe/Brussels $(BIN)/tracker countdown
	@echo "== The news of December 2025, replayed: tracker apply"
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker apply fixtures/news-2025-12.json
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker history --since 2025-12-05 --json \
	    | $(BIN)/python -c "import json,sys; print(len(json.load(sys.stdin)), 'changes logged since 5 December')"
	@echo "== After the news: tracker list"
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker list
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker show A2
	@echo "== The report of the summit week: tracker report --week 2025-W49"
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker report --week 2025-W49 --format html -o demo/report-2025-W49.html
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker report --week 2025-W49 --format md -o demo/report-2025-W49.md
	TRACKER_DB=$(DEMO) TRACKER_NOW=$(NEWS_NOW) TZ=Asia/Kolkata $(BIN)/tracker report --week 2025-W49
	@echo "== The same news arriving as feeds: tracker news --file, then the inbox"
	TRACKER_DB=demo/news.db TRACKER_NOW=$(SEED_NOW) TZ=Asia/Kolkata $(BIN)/tracker import fixtures/seed-2025-11-29.json
	TRACKER_DB=demo/news.db TRACKER_NOW=$(FEEDS_NOW) TZ=Asia/Kolkata $(BIN)/tracker news --file fixtures/feeds/*.xml
	TRACKER_DB=demo/news.db TRACKER_NOW=$(FEEDS_NOW) TZ=Asia/Kolkata $(BIN)/tracker inbox
	TRACKER_DB=demo/news.db TRACKER_NOW=$(FEEDS_NOW) TZ=Asia/Kolkata $(BIN)/tracker inbox accept --above 0.9
	TRACKER_DB=demo/news.db TRACKER_NOW=$(FEEDS_NOW) TZ=Asia/Kolkata $(BIN)/tracker list
	@echo "== Try it yourself: export TRACKER_DB=$(DEMO); $(BIN)/tracker --help"

# Programs the tests drive for real: Debian's headless Chromium (the HTML report
# printed to PDF and measured at phone width), the shells that tab completion
# is tested in (bash is there already; zsh and fish), LibreOffice Calc, which
# opens the CSV that tracker writes, and khal, the calendar that reads
# `tracker export --format ics`. Installed where missing and we may (root, apt);
# elsewhere their tests are skipped, and fail in CI. COMMAND:PACKAGE where the
# Debian package is named otherwise than the command it provides. PostgreSQL's
# server (tests/pgserver.py starts one in a temporary folder) keeps its programs
# out of PATH, in /usr/lib/postgresql/N/bin: those folders are searched too.
TOOLS := chromium zsh fish soffice:libreoffice-calc-nogui khal pg_ctl:postgresql

tools:
	@for bindir in /usr/lib/postgresql/*/bin; do PATH="$$PATH:$$bindir"; done; \
	missing=""; for tool in $(TOOLS); do command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	    else echo "missing and cannot be installed here:$$missing: their tests will be skipped"; fi; fi

# The database the CLI tests run against: sqlite, postgres or both (tests/conftest.py's
# --backend; `make test TEST_BACKEND=sqlite` for one engine): one behaviour suite, both engines.
TEST_BACKEND ?= both

test: install tools
	TRACKER_TEST_BACKEND=$(TEST_BACKEND) $(BIN)/pytest -p no:cacheprovider

clean:
	rm -rf $(VENV) demo build dist
