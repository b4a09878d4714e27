# Cartable — `make help` lists every target.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= ./data
HOST ?= 127.0.0.1
PORT ?= 8080

.DEFAULT_GOAL := help

help: ## List every target with what it does
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

deps-run: ## Install the Debian packages `make run` needs (installer/system-deps.sh run)
	@installer/system-deps.sh run

deps-test: ## Install the Debian packages the tests need (installer/system-deps.sh test)
	@installer/system-deps.sh test

# The core only: borgbackup (compiled by pip, minutes) is the `backup` extra.
$(BIN)/cartable: pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e .
	@touch $(BIN)/cartable

# borg (waiting for a build `make run` started in the background), then the test tools.
$(VENV)/.dev: $(BIN)/cartable
	@$(BIN)/python -m appliance.borg_install --data-dir $(DATA)
	$(BIN)/pip install -qq -e '.[dev]'
	@touch $(VENV)/.dev

venv: deps-run $(BIN)/cartable ## Create the virtual environment and install Cartable in it (without borg)

dev: deps-test $(VENV)/.dev ## Install borg and the test tools in the virtual environment

translations: $(BIN)/cartable ## Compile the translation catalogues (.po -> .mo)
	@$(BIN)/pybabel compile -q -d webui/translations 2>/dev/null || $(BIN)/pybabel compile -d webui/translations

i18n-update: dev ## Extract the UI strings and update the English catalogue (then translate it)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k lazy_gettext -k N_ -o webui/translations/messages.pot .
	$(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations -l en --no-fuzzy-matching

run: venv translations ## Start the demo school at http://127.0.0.1:8080 (borg builds meanwhile)
	@$(BIN)/python -m appliance.borg_install --data-dir $(DATA) --background
	CARTABLE_DATA_DIR=$(DATA) $(BIN)/cartable run --demo --host $(HOST) --port $(PORT)

lint: dev ## Check the code style (ruff)
	$(BIN)/ruff check appliance webui backup tests
	$(BIN)/ruff format --check appliance webui backup tests

format: dev ## Reformat the code (ruff)
	$(BIN)/ruff format appliance webui backup tests
	$(BIN)/ruff check --fix appliance webui backup tests

test: dev translations lint ## Run lint and the whole test suite (unit, integration, browser)
	$(BIN)/python -m pytest -q

bench: dev translations ## Run the benchmarks (not part of make test); results in docs/benchmarks.md
	$(BIN)/python -m tests.bench.run_all

clean: ## Remove the virtual environment, caches and the demo data
	rm -rf $(VENV) .pytest_cache .ruff_cache $(DATA)

.PHONY: help deps-run deps-test venv dev translations i18n-update run lint format test bench clean
