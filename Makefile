# One entry point. `make run` sets up everything and runs the app; `make test` runs the whole suite.
# Both are quick the second time and keep the data already there.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NPM_INSTALLED := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
# The browser tests (tests/browser, docs/testing.md) drive Debian's Chromium; CLERKFLOW_CHROMIUM names another.
CHROMIUM ?= $(or $(CLERKFLOW_CHROMIUM),/usr/bin/chromium)

.PHONY: run setup test test-ahead test-postgres bench clean-demo browser

run: setup
	$(BIN)/clerkflow run --host $(HOST) --port $(PORT)

setup: $(INSTALLED) $(NPM_INSTALLED)
	$(BIN)/clerkflow setup

test: $(INSTALLED) $(NPM_INSTALLED) browser
	$(BIN)/python -m pytest -n auto -q

# The suite (browser tests aside) with every process's wall clock two years ahead, at 04:30 UTC, when the
# city's day (22:30 or 23:30 the evening before) is not UTC's: a test that depends on what today is fails
# the day it is written. tests/clock_ahead/clock_ahead.c moves the clock for C code as well (SQLite, Node).
CLOCK_AHEAD := $(VENV)/clock_ahead.so

$(CLOCK_AHEAD): tests/clock_ahead/clock_ahead.c
	cc -shared -fPIC -O2 -Wall -o $@ $< -ldl

test-ahead: $(INSTALLED) $(NPM_INSTALLED) $(CLOCK_AHEAD)
	@ahead=$$(( $$(date -u -d "$$(date -u -d '+2 years' +%F) 04:30" +%s) - $$(date -u +%s) )); \
	echo "Running the suite with the clock at $$(date -u -d "@$$(( $$(date -u +%s) + ahead ))" '+%F %H:%M UTC')"; \
	CLOCK_AHEAD_SECONDS=$$ahead LD_PRELOAD=$(abspath $(CLOCK_AHEAD)) \
	    $(BIN)/python -m pytest -n auto -q --ignore=tests/browser

# Chromium for the browser tests: installed from Debian's packages when missing and we are root;
# otherwise this says how, and the browser tests are skipped (pytest -ra prints why).
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	        { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	        echo "Could not install chromium: the browser tests will be skipped."; \
	else \
	    echo "No Chromium at $(CHROMIUM): the browser tests will be skipped. Install it with"; \
	    echo "    sudo apt-get install chromium    (or: sudo make browser)"; \
	    echo "or point CLERKFLOW_CHROMIUM at a Chromium binary."; \
	fi

bench: $(INSTALLED)
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/inbox_scale.py
	$(BIN)/python bench/dashboard_scale.py

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Clerkflow needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(INSTALLED)

# npm packages, then the browser builds the pages use in web/static/vendor/ (web/assets/build.mjs).
$(NPM_INSTALLED): package.json package-lock.json $(wildcard web/assets/*.mjs web/assets/*/*.js web/assets/*/*.mjs web/assets/*/*.json)
	npm install --no-audit --no-fund --loglevel=error
	npm run --silent build
	touch $(NPM_INSTALLED)
