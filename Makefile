# Quick start (each target creates and reuses .venv from requirements*.txt by itself):
#   make reports   build the embedded data and write the per-area reports + site to reports/
#   make test      run the whole test suite (installs Debian's chromium for browser tests if missing)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
DATASTAMP := data/processed/.built

.PHONY: help reports test test-fast lint format typecheck data check bench site workshop clean protection-pattern

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

# Packages are installed with uv (parallel downloads and byte-compilation: a fresh .venv in ≈ 20 s instead of
# ≈ 2 min with pip, the same pinned versions); where uv cannot be installed or cannot reach PyPI, pip does it.
UV_VERSION := 0.13.9
PIP_INSTALL = $(BIN)/python -m pip install -q
define install
	{ $(PIP_INSTALL) uv==$(UV_VERSION) 2>/dev/null && \
	  $(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python $(1); } || $(PIP_INSTALL) $(1)
endef

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(call install,-r requirements.txt)
	$(call install,--no-deps -e .)
	touch $@

$(DEVSTAMP): $(STAMP) requirements-dev.txt
	$(call install,-r requirements-dev.txt)
	touch $@

# The processed data is rebuilt when the raw data or the code that builds it changes.
$(DATASTAMP): $(STAMP) $(shell find data/raw kasvudata_utils/data -type f 2>/dev/null) data/manifest.csv
	$(BIN)/kasvudata data build
	touch $@

data: $(DATASTAMP)  ## build the embedded data (only when raw data or its code changed)

check: $(DATASTAMP)  ## verify data/ against data/manifest.csv
	$(BIN)/kasvudata data check

reports: $(DATASTAMP)  ## the main job: all area reports and the site into reports/
	$(BIN)/kasvudata reports

site: $(DATASTAMP)  ## reports plus the publishable static site (Finnish; --lang fi,en adds English, ≈ 2× the size)
	$(BIN)/kasvudata reports --site

workshop: $(DATASTAMP)  ## serve the three workshop apps with Voilà
	$(BIN)/kasvudata workshop

test: $(DEVSTAMP) $(DATASTAMP) lint typecheck  ## the whole suite: lint, types, doctests, unit, notebook and browser tests
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: $(DEVSTAMP) $(DATASTAMP)  ## unit tests and doctests without slow and browser tests (under a minute)
	$(BIN)/python -m pytest -n 2 -q -m "not slow and not browser"

lint: $(DEVSTAMP)  ## ruff over code, tests and notebooks
	$(BIN)/ruff check .

format: $(DEVSTAMP)  ## ruff's import sorting and safe fixes, in place
	$(BIN)/ruff check --fix .

typecheck: $(DEVSTAMP)  ## mypy over indicators/ and data/ (see [tool.mypy] in pyproject.toml)
	$(BIN)/mypy

protection-pattern: $(DATASTAMP)  ## recompute the embedded panel's shipped protection pattern (data/protection/; minutes)
	$(BIN)/python scripts/ship_protection_pattern.py

bench: $(DEVSTAMP) $(DATASTAMP)  ## benchmarks → docs/benchmarks.md
	$(BIN)/python benchmarks/run_all.py

clean:  ## remove generated reports, site and processed data
	rm -rf reports site data/processed workshop_data
