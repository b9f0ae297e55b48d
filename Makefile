# The two set-up commands of the README, on a fresh machine with Python 3.11:
#   make run    install keypulse into .venv and run `keypulse up` (embedded broker)
#   make test   install keypulse with its dev tools and run every check (ruff, mypy,
#               the import contracts of pyproject.toml, pytest)
# Extra arguments: make run ARGS=--no-demo, make test ARGS="-m unit".

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test lint install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "venv failed; on Debian: apt-get install -y python3-venv" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/keypulse up $(ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Needs PostgreSQL on 127.0.0.1:5432 (database "test"); the Kafka broker is embedded.
test: lint
	$(BIN)/pytest $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
