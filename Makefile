# The README's commands, and the checks CI runs. Everything lives in .venv, installed from the lock.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# manage.py, wsgi, asgi and Celery default to production settings; every command here is a local one.
# (pytest names its own test settings in pyproject.toml, whatever this says.)
export DJANGO_SETTINGS_MODULE ?= smartcharging.settings.base

.PHONY: install run test lint typecheck migrations-check bench ci clean

$(STAMP): requirements/lock.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "Python 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	touch $(STAMP)

install: $(STAMP)

run: install  ## set up and start the product locally (SQLite, Celery on a folder broker)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	$(BIN)/honcho start -f Procfile.dev

test: install  ## the whole suite (SQLite unless DATABASE_URL / REDIS_URL say otherwise)
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	@for script in bench/*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(BIN)/python "$$script"; done

ci:
	.ci/run

clean:
	rm -rf $(VENV) var staticfiles
