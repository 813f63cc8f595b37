# Quick start (each target creates and reuses .venv from requirements*.txt by itself):
#   make reports   build the embedded data and write the per-area reports + site to reports/
#   make test      run the whole test suite (installs Debian's chromium for browser tests if missing)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
DATASTAMP := data/processed/.built

.PHONY: reports test data check bench site workshop clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

$(DEVSTAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

# The processed data is rebuilt when the raw data or the code that builds it changes.
$(DATASTAMP): $(STAMP) $(shell find data/raw kasvudata_utils/data -type f 2>/dev/null) data/manifest.csv
	$(BIN)/kasvudata data build
	touch $@

data: $(DATASTAMP)

check: $(DATASTAMP)
	$(BIN)/kasvudata data check

reports: $(DATASTAMP)
	$(BIN)/kasvudata reports

site: $(DATASTAMP)
	$(BIN)/kasvudata reports --site

workshop: $(DATASTAMP)
	$(BIN)/kasvudata workshop

test: $(DEVSTAMP) $(DATASTAMP)
	./scripts/ensure_chromium.sh
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(DEVSTAMP) $(DATASTAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf reports site data/processed workshop_data
