# newsarchive: `make demo` sets everything up and crawls the bundled demo site; `make test` tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8765
DB ?= archive.db

.PHONY: install demo test lint serve bench clean

$(BIN)/newsarchive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	touch $@

install: $(BIN)/newsarchive

demo: install
	$(BIN)/python -m crawler.demo --port $(DEMO_PORT) --db $(DB)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pip install --quiet --editable '.[test,bench]'
	$(BIN)/python -m bench.extraction
	$(BIN)/python -m bench.metadata
	$(BIN)/python -m bench.crawl

serve: install
	$(BIN)/newsarchive serve --db $(DB)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache
