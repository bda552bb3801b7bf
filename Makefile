# The course's commands. `make book` and `make test` are all a newcomer needs.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Stamps record that an install step ran against the current requirements.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The book to build: the course's, or a copy (the tests and benchmarks build
# throw-away books with `make book BOOK=/some/dir`).
BOOK ?= book
HTML := $(BOOK)/_build/html
PORT ?= 8000
# `make live`: the live book's port and JupyterLab's port, both on 127.0.0.1.
LIVE_PORT ?= 8001
JUPYTER_PORT ?= 8888
LIVE := $(BOOK)/_build/live
# How many processes `make test` runs the tests in (pytest-xdist; how they
# share the work: tests/conftest.py).
TEST_JOBS ?= 2
# The unprivileged user that runs student code when grading.
SANDBOX_USER := dlgrader
# The browser the browser tests and the page-weight benchmark drive
# (Debian's package; Playwright's own browser download is never used).
CHROMIUM := /usr/bin/chromium
# Warnings are errors; --nitpick also reports broken references;
# --keep-going lists every problem before failing.
JB_FLAGS := --warningiserror --nitpick --keep-going
# The whole-book PDF (book/_ext/book_pdf.py): auto makes it when Chromium
# (make browser) and Playwright (make test-deps) are installed; yes or no.
PDF ?= auto

.PHONY: help install sandbox postgres browser book test test-deps serve live live-book bench bench-pages bench-checks expected-scores clean clean-book

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps --no-build-isolation -e .
	touch $@

# KaTeX from npm, which typesets the book's formulas when it is built
# (book/_ext/katex_math.py, which pins the version). Needs Node.js and npm.
KATEX_VERSION := $(shell sed -n 's/^KATEX_VERSION = "\(.*\)"/\1/p' book/_ext/katex_math.py)
KATEX := $(VENV)/npm/.katex-$(KATEX_VERSION)

$(KATEX): $(STAMP)
	@command -v npm >/dev/null || { echo "error: npm not found; the book's formulas are typeset with KaTeX from npm: install Node.js and npm (Debian: apt-get install npm)" >&2; exit 1; }
	npm install --prefix $(VENV)/npm --no-audit --no-fund --no-save katex@$(KATEX_VERSION)
	touch $@

$(TEST_STAMP): $(STAMP) requirements-test.txt
	$(PY) -m pip install -r requirements-test.txt
	touch $@

install: $(STAMP)  ## Create .venv with the course's packages (no book build)

# A Korean font (Debian's fonts-nanum): for the Korean text of students'
# figures when grading (autograder/kernel_site/sitecustomize.py), and of the
# book's pages in the browser tests' screenshots.
KOREAN_FONT := /usr/share/fonts/truetype/nanum

sandbox: $(STAMP)  ## Set up the grading sandbox and its Korean font (once per machine, as root)
	@test "$$(id -u)" = 0 || { echo "error: make sandbox must run as root" >&2; exit 1; }
	command -v bwrap >/dev/null && test -d $(KOREAN_FONT) || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap fonts-nanum; }
	id $(SANDBOX_USER) >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin $(SANDBOX_USER)
	@for dir in $$($(PY) -m autograder.sandbox); do \
	  echo "letting $(SANDBOX_USER) pass through $$dir (chmod o+x: no listing, no reading)"; \
	  chmod o+x "$$dir"; done
	$(PY) -m autograder.sandbox machine-settings
	$(PY) -m autograder sandbox-check

# The tests start their own throw-away server from these programs; Debian's
# package would also create and start a system cluster on port 5432, which
# nothing here uses, so that is switched off before installing.
postgres:  ## Install PostgreSQL's server programs for the tests (as root)
	@test "$$(id -u)" = 0 || { echo "error: make postgres must run as root" >&2; exit 1; }
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "PostgreSQL's server programs are installed: $$(ls -d /usr/lib/postgresql/*/bin | tail -1)"; \
	else \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-common && \
	  sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; \
	fi

# The accessibility checker the browser tests run in each page (from npm,
# version pinned; nothing is fetched at test time).
AXE_VERSION := 4.14.1
AXE := tests/axe/node_modules/axe-core/axe.min.js
browser: $(AXE)  ## Install Chromium, a Korean font and axe-core for the browser tests (once per machine, as root)
	@if test -x $(CHROMIUM) && test -d $(KOREAN_FONT); then echo "$$($(CHROMIUM) --version 2>/dev/null) is installed"; \
	else test "$$(id -u)" = 0 || { echo "error: make browser must run as root" >&2; exit 1; }; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-nanum; fi

$(AXE):
	@command -v npm >/dev/null || { echo "error: npm not found; install Node.js and npm (Debian: apt-get install npm)" >&2; exit 1; }
	npm install --prefix tests/axe --no-audit --no-fund --no-save axe-core@$(AXE_VERSION)

book: $(STAMP) $(KATEX)  ## Install, execute every chapter and build the HTML book (English, and Korean under ko/)
	DLCOURSE_BOOK_PDF=$(PDF) $(BIN)/jupyter-book build $(JB_FLAGS) $(BOOK)
	@# The Korean edition: the same pages and outputs (the execution cache is
	@# the English build's), the text from book/locale/ (dlcourse/translations.py).
	$(PY) -m dlcourse.translations --book $(BOOK) config --language ko >/dev/null
	DLCOURSE_BOOK_PDF=$(PDF) $(BIN)/jupyter-book build $(JB_FLAGS) --config $(BOOK)/_build/ko/_config.yml --path-output $(BOOK)/_build/ko $(BOOK)
	rm -rf $(HTML)/ko && cp -r $(BOOK)/_build/ko/_build/html $(HTML)/ko
	@echo
	@echo "The book is built. Open $(abspath $(HTML))/index.html"
	@echo "or run 'make serve' and visit http://127.0.0.1:$(PORT)/"

test: $(TEST_STAMP) test-deps  ## Install and set up what the tests need (as root), run them all
	$(PY) -m pytest -n $(TEST_JOBS)

# What the tests need beyond .venv: the grading sandbox, PostgreSQL's server
# programs and Chromium. Each target installs only what is missing, so this is
# quick once done. The sandbox drops to $(SANDBOX_USER) and sets up cgroups,
# which needs root: without it, one line says what to run instead.
test-deps: $(STAMP)  ## Set up the sandbox, PostgreSQL and Chromium for the tests (as root)
	@test "$$(id -u)" = 0 || { echo "error: make test needs root (the grading sandbox switches to the user $(SANDBOX_USER) and sets up cgroups); run: sudo make test" >&2; exit 1; }
	@$(MAKE) --no-print-directory sandbox postgres browser

serve: $(HTML)/index.html  ## Serve the built book on http://127.0.0.1:8000
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 --directory $(HTML) $(PORT)

$(HTML)/index.html:
	$(MAKE) book

live: live-book  ## Run chapters' code in the browser, on a local JupyterLab (Ctrl-C to stop)
	$(PY) -m dlcourse.live --book $(BOOK) serve --port $(LIVE_PORT) --jupyter-port $(JUPYTER_PORT)

live-book: $(STAMP) $(KATEX)  ## Build the live book only (thebe fetched with npm), into book/_build/live
	$(PY) -m dlcourse.live --book $(BOOK) prepare
	DLCOURSE_BOOK_PDF=no $(BIN)/jupyter-book build $(JB_FLAGS) --config $(LIVE)/_config.yml --path-output $(LIVE) $(BOOK)

bench: $(STAMP)  ## Time a cold build, a warm rebuild and each chapter
	$(PY) benchmarks/book_build.py

bench-pages: $(TEST_STAMP) $(HTML)/index.html  ## Print each page's weight and load time in Chromium
	$(PY) benchmarks/page_weight.py

# ASSIGNMENT=name (or "name1 name2") tests only those; the results are also
# written to benchmarks/results/.
bench-checks: $(STAMP)  ## Mutation-test the grader's checks: which wrong answers they catch
	$(PY) benchmarks/check_mutants.py $(foreach a,$(ASSIGNMENT),--assignment $(a))

expected-scores: $(STAMP)  ## Rebuild the grading fixtures and rewrite their expected scores
	$(PY) tests/submissions/build.py --expected
	@git --no-pager diff --stat -- tests/submissions || true

clean-book:  ## Remove the built book and its execution cache
	rm -rf book/_build

clean: clean-book  ## Remove the book build and the virtual environment
	rm -rf $(VENV)
