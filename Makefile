# The two commands of the README's Quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install install-test run test lint typecheck fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

install: $(STAMP)

install-test: $(TEST_STAMP)

run: $(STAMP)
	$(BIN)/pharmacy db upgrade
	$(BIN)/pharmacy demo
	$(BIN)/pharmacy serve

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy pharmacy/compounding labels
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Benchmarks are measurements, not tests: each prints a table and, with --write where it
# offers it, updates its section of bench/RESULTS.md. Trace and load need PostgreSQL.
bench: $(TEST_STAMP)
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_labels.py
	$(BIN)/python bench/bench_trace.py
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
