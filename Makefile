# Targets a newcomer can guess. Everything runs inside .venv, made on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
N      ?= 100000
DB     ?= sqlite

.PHONY: demo test lint bench web-bench install lock clean

$(BIN)/recon: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(BIN)/recon

demo: install                     ## the whole job end to end on generated data
	$(BIN)/recon demo --out demo-output

lint: install                     ## ruff, mypy, the dependency contracts and the reference data
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/recon reference check

test: lint                        ## lint, then every test (PostgreSQL and SFTP started by the tests)
	$(BIN)/pytest

bench: install                    ## N generated payments end to end, on DB=sqlite or DB=postgresql
	$(BIN)/python -m fixtures.bench --n $(N) --db $(DB)

web-bench: install                ## p50/p95 per web request on a day of N breaks, on DB=sqlite or DB=postgresql
	$(BIN)/python -m fixtures.web_bench --n $(N) --db $(DB)

lock:                             ## re-resolve the newest allowed versions into constraints.txt (then: make test)
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e'; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf demo-output .pytest_cache .mypy_cache .ruff_cache recon.db
