# The two commands of the Quick start: `make run` and `make test`.
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
# axe-core for the accessibility check of the browser tests, pinned, from the npm registry.
AXE_VERSION := 4.14.1
AXE_DIR := $(VENV)/axe-core-$(AXE_VERSION)
# pytest-xdist workers for `make test` (one per core; PYTEST_WORKERS=0 runs in one process).
PYTEST_WORKERS ?= auto

.PHONY: run test setup seed lint format bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "opsassess needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(AXE_DIR)/axe.min.js:
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p $(AXE_DIR) && cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
		&& tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js \
		&& rm axe-core-$(AXE_VERSION).tgz; \
	else echo "npm not found: the browser tests skip their accessibility check (CI fails instead)"; fi

setup: $(STAMP) $(AXE_DIR)/axe.min.js

seed: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) seed_catalog
	$(MANAGE) import_questionnaire fixtures/questionnaires/*.yaml
	$(MANAGE) ensure_demo_superuser
	$(MANAGE) ensure_demo_organisation
	$(MANAGE) ensure_demo_assessment
	$(MANAGE) ensure_demo_team

run: seed
	@echo "opsassess on http://127.0.0.1:$(PORT)/  (API docs /api/docs/, admin /admin/ as 'admin')"
	@echo "Sign in at http://127.0.0.1:$(PORT)/accounts/login/ as 'admin' (owner of 'demo': answers, submits, reads reports)"
	@echo "  or as the facilitator 'fran' (runs the 'Payments team review': disagreement, consensus, submit)"
	@echo "  or as a respondent 'ada', 'ben' or 'chen' (each answers the review), with the password printed for them"
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: $(STAMP) $(AXE_DIR)/axe.min.js
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Its own throwaway database (a temporary SQLite file, or opsassess_bench_<pid> created and
# dropped on the server of a postgres:// DATABASE_URL): db.sqlite3 is never touched.
# BENCH_ARGS=--quick for a smoke run; see benchmarks/run.py --help.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache
