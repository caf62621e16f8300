PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint types unit bench clean demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

## run: start the bot (or the offline demo when no token is configured)
run: $(STAMP)
	@$(BIN)/python -m bot.cli.launch

## test: lint, types and the whole test suite
test: check

check: lint types unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q -ra

## bench: speed, scale and quality measurements (writes benchmarks/RESULTS.md)
bench: $(STAMP)
	$(BIN)/python -m benchmarks

demo: $(STAMP)
	$(BIN)/briefbot demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
