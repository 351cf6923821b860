# The two commands of the quick start are `make run` and `make test`; the rest help.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: help venv run test lint format typecheck messages check-migrations bench clean

help:
	@echo "make run      set up, migrate, load demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test     set up and run the whole test suite"
	@echo "make lint     ruff lint and format check"
	@echo "make format   apply ruff formatting and safe fixes"
	@echo "make typecheck  mypy over the apps (strict on the kernel's engines and services)"
	@echo "make messages regenerate and compile translations (needs gettext)"
	@echo "make check-migrations  fail if a model change has no migration"
	@echo "make bench    HTTP throughput on gunicorn + PostgreSQL + Redis (needs wrk)"
	@echo "make clean    remove .venv and collected static files"

# (Re)install when pyproject.toml changes. Refuses a Python older than 3.11 with a message.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: venv
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Tests run in one process per core (pytest-xdist); PYTEST_WORKERS=0 runs them in this one.
PYTEST_WORKERS ?= auto

test: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: venv
	$(BIN)/mypy portal catalogs talent_standards credit permits

check-migrations: venv
	$(BIN)/python manage.py makemigrations --check --dry-run

messages: venv
	$(BIN)/python manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

bench: venv
	$(BIN)/python benchmarks/http_throughput.py

clean:
	rm -rf $(VENV) var/static
