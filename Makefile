# finbrain: `make demo` runs the platform, `make test` runs the whole suite.
# Both create their own virtual environment (.venv) from pyproject.toml on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
AREA   ?=
QUICK  ?=

.PHONY: demo serve test test-fast lint format typecheck bench mutate env env-dev clean help

help:
	@echo "make demo            platform + console with a demo bank on http://127.0.0.1:8000"
	@echo "make test            the whole test suite (PostgreSQL/Redis/Chromium tests included)"
	@echo "make test-fast       the inner loop: no slow, browser or PostgreSQL tests (< 3 min)"
	@echo "make lint            ruff + mypy"
	@echo "make bench AREA=x    benchmarks/x.py -> benchmarks/results/x.json (QUICK=1: < 1 min)"
	@echo "make mutate MODULE=x mutation score of one module against its own tests (mutmut)"

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit("finbrain needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install when pyproject.toml changes (the stamp is older than it).
$(VENV)/.stamp-base: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[scale]'
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev,bench]'
	@touch $@ $(VENV)/.stamp-base

env: $(VENV)/.stamp-base
env-dev: $(VENV)/.stamp-dev

demo: env
	$(BIN)/finbrain demo

serve: env
	$(BIN)/finbrain serve

# The suite runs on every core (pytest-xdist): each worker has its own PostgreSQL database,
# temporary folders and ports, so tests never share state across workers.
WORKERS ?= auto

test: env-dev
	$(BIN)/python -m pytest -n $(WORKERS)

# The inner loop: everything but the slow tests, the browser tests and the PostgreSQL runs of
# the platform tests (their SQLite runs stay); `make test` runs all of them.
test-fast: env-dev
	$(BIN)/python -m pytest -n $(WORKERS) -m "not slow and not e2e and not postgres" -q

typecheck: env-dev
	$(BIN)/mypy

lint: env-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: env-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: env-dev
	@test -n "$(AREA)" || (echo "usage: make bench AREA=<area> [QUICK=1]"; exit 2)
	$(BIN)/python benchmarks/$(AREA).py $(if $(QUICK),--quick,)
	$(BIN)/python benchmarks/report.py

# One module at a time, against its own tests only (not part of `make test`): the map of
# modules to tests is in scripts/mutate.py (`python scripts/mutate.py --list`). JOBS=2 by default.
MODULE ?=
JOBS   ?= 2
mutate: env-dev
	@test -n "$(MODULE)" || (echo "usage: make mutate MODULE=<module> [JOBS=n]"; $(BIN)/python scripts/mutate.py --list; exit 2)
	$(BIN)/python scripts/mutate.py $(MODULE) --jobs $(JOBS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis .mutate mutants
