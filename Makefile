# One entry point. `make run` sets up everything and runs the app; `make test` runs the whole suite.
# Both are quick the second time and keep the data already there.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
NPM_INSTALLED := node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run setup test test-postgres bench clean-demo

run: setup
	$(BIN)/clerkflow run --host $(HOST) --port $(PORT)

setup: $(INSTALLED) $(NPM_INSTALLED)
	$(BIN)/clerkflow setup

test: $(INSTALLED) $(NPM_INSTALLED)
	$(BIN)/python -m pytest -n auto -q

bench: $(INSTALLED)
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/inbox_scale.py

$(INSTALLED): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Clerkflow needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(INSTALLED)

$(NPM_INSTALLED): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $(NPM_INSTALLED)
