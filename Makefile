# Targets a newcomer can guess. Everything runs inside .venv, made on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
N      ?= 100000

.PHONY: demo test lint bench install clean

$(BIN)/recon: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/recon

demo: install                     ## the whole job end to end on generated data
	$(BIN)/recon demo --out demo-output

lint: install                     ## ruff, mypy and the dependency contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint                        ## lint, then every test (PostgreSQL and SFTP started by the tests)
	$(BIN)/pytest

bench: install                    ## parse, store, match, report N generated payments
	$(BIN)/python -m fixtures.bench --n $(N)

clean:
	rm -rf demo-output .pytest_cache .mypy_cache .ruff_cache recon.db
