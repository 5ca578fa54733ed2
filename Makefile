# Berth: `make run` brings up the whole stack; `make test` starts what the tests need and runs them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint format bench deps deps-dev lock clean

run: deps
	$(PY) -m stack

test:
	scripts/test.sh

bench: deps-dev
	scripts/bench.sh

lint: deps-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

deps: $(VENV)/.runtime node_modules/.installed
deps-dev: $(VENV)/.dev node_modules/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

# Installs come from the locks (exact versions, with hashes: a fresh machine gets what CI tested).
# requirements*.txt are the ranges people edit; `make lock` turns them into the locks.
$(VENV)/.runtime: requirements.lock | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(VENV)/.runtime

lock: | $(VENV)/bin/python
	$(VENV)/bin/pip install --quiet uv
	for name in requirements requirements-dev; do \
		$(VENV)/bin/uv pip compile $$name.txt --generate-hashes --universal --python-version 3.11 -o $$name.lock -q; \
	done

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf $(VENV) node_modules var/static
