# Escalation Dashboard — every target is idempotent and quick when nothing changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install install-dev run serve test lint format lock check-system clean bench bench-peer bench-load bench-import bench-growth bench-check-sla

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) \
		|| { echo "Could not create $(VENV). On Debian: apt-get install python3-venv" >&2; exit 1; }
	@$(PIP) install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.installed: requirements.lock | $(PY)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@rm -f $(VENV)/.installed-dev
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(PY)
	$(PIP) install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed ## Create .venv and install the pinned runtime dependencies

install-dev: $(VENV)/.installed-dev ## Install the pinned runtime and test dependencies

run: install ## Migrate, load demo data on an empty database, serve on HOST:PORT (127.0.0.1:8000)
	@$(MANAGE) migrate --no-input -v 0
	@$(MANAGE) createcachetable
	@$(MANAGE) bootstrap_demo --address $(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops); check_sla runs every minute beside it"
	@( while sleep 60; do $(MANAGE) check_sla > /dev/null || true; \
		[ -z "$$TDX_BASE_URL" ] || $(MANAGE) sync_tdx > /dev/null || true; done ) & \
		trap "kill $$! 2>/dev/null" EXIT INT TERM; \
		$(MANAGE) runserver $(HOST):$(PORT)

serve: install ## Serve with gunicorn and production settings (needs SECRET_KEY, ALLOWED_HOSTS)
	@DEBUG=0 $(MANAGE) check --deploy --fail-level ERROR
	@DEBUG=0 $(MANAGE) collectstatic --no-input -v 0
	@DEBUG=0 $(MANAGE) migrate --no-input -v 0
	@DEBUG=0 $(MANAGE) createcachetable
	DEBUG=0 $(VENV)/bin/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $${WEB_CONCURRENCY:-3} --timeout $${GUNICORN_TIMEOUT:-120} --access-logfile -

check-system: ## Install (as root on Debian) or name the system packages the tests need
	@bash scripts/check-system.sh

lint: install-dev ## Ruff lint and format check; import-linter keeps the layers one way
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev ## Apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# --ds: pytest-django prefers an exported DJANGO_SETTINGS_MODULE over pyproject.toml; the
# suite always runs on the test settings, whatever the shell has. -n: one pytest-xdist worker
# per core, at most 4 (each has its own test database); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: install-dev check-system lint ## Lint, then the whole suite: unit, view and browser tests
	$(MANAGE) makemigrations --check --dry-run -v 0 --settings=config.settings_test
	$(VENV)/bin/pytest --ds=config.settings_test -n $(TEST_WORKERS) --maxprocesses 4 $(PYTEST_ARGS)

bench: install ## Page timings and SQL query counts on a seeded 100,000-ticket SQLite database
	$(PY) -m benchmarks.pages $(BENCH_ARGS)

bench-peer: install ## The main pages beside django-helpdesk 2.6.1 at 100,000 tickets, interleaved
	$(PY) -m benchmarks.peer $(BENCH_ARGS)

bench-load: install ## 20 users for 60 s against gunicorn, on SQLite, then on a throwaway PostgreSQL
	$(PY) -m benchmarks.load $(BENCH_ARGS)

bench-growth: install ## The same pages at 1,000 / 10,000 / 100,000 / 300,000 tickets, side by side
	$(PY) -m benchmarks.growth $(BENCH_ARGS)

bench-check-sla: install ## check_sla at 100,000 tickets: a steady run, the week-end run, everything due at once
	$(PY) -m benchmarks.check_sla $(BENCH_ARGS)

bench-import: install ## Import of a 100,000-row TDX export on SQLite, step by step
	$(PY) -m benchmarks.import_csv $(BENCH_ARGS)

lock: ## Recompile the hashed lock files from pyproject.toml (needs uv)
	UV_PYTHON_DOWNLOADS=never uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -q -o requirements.lock
	UV_PYTHON_DOWNLOADS=never uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -q -o requirements-dev.lock

clean: ## Remove the environment and collected static files (keeps the database)
	rm -rf $(VENV) staticfiles
