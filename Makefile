# `make run` installs LeadDesk into .venv and starts it; `make test` installs and runs the tests.
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/pip --disable-pip-version-check --quiet

.PHONY: run test bench system-packages

run: system-packages $(VENV)/.installed
	$(VENV)/bin/leaddesk

test: $(VENV)/.installed-test
	@bash installer/system-packages.sh --test
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/pytest

bench: $(VENV)/.installed-bench
	$(VENV)/bin/python bench/import_bench.py

system-packages:
	@bash installer/system-packages.sh

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "LeadDesk needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[bench]'
	touch $@
