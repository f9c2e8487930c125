# Quick start: `make run` serves the seeded site; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast lint clean bench soak slowclient

# Rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $@

install: $(VENV)/.installed

# Local use: DEBUG on, SQLite unless DATABASE_URL is set.
run: export DEBUG ?= 1
# Canonical links and download addresses follow the address served (override for a public host).
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Every test, in parallel over the cores (pytest-xdist; PYTEST_WORKERS=0 runs them in one process).
PYTEST_WORKERS ?= auto
test: export SECRET_KEY ?= insecure-key-for-tests-only
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The fast suite while developing: leaves out the tests marked slow (corpus, browser,
# subprocesses, seed round trips, fuzzing, the benchmark smoke test). One process: quicker here.
test-fast: export SECRET_KEY ?= insecure-key-for-tests-only
test-fast: install
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: export SECRET_KEY ?= insecure-key-for-lint-only
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles test-artifacts

# The benchmark at archive and x10 scale on SQLite and PostgreSQL; writes BENCHMARKS.md.
CORPUS ?= ../shared/corpus
bench: install
	command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
	command -v sqlite3 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q sqlite3
	$(BIN)/python -m bench.run --corpus $(CORPUS)

# Public load and an editor's writes at once for 60 s on PostgreSQL; checks nothing was lost.
soak: install
	command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
	$(BIN)/python -m bench.soak

# Slow-header clients against gunicorn (gunicorn.conf.py) alone, then behind nginx
# (deploy/nginx/tracker.conf); fails unless every probe behind nginx was answered.
slowclient: install
	command -v nginx >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light
	$(BIN)/python -m bench.slowclient
