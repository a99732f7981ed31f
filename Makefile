# The two commands a newcomer needs (see README.md):
#   make run    set up .venv from requirements.lock and run the whole workflow on the bundled data
#   make test   set up .venv from requirements.lock and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all
# Arguments passed through to snakemake, e.g. `make run ARGS="--configfile config/test/config.yaml"`.
ARGS   ?=
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-x -k harmonize"`.
PYTEST_ARGS ?=
# What `make lint` checks: Python with ruff, rule files with snakefmt.
PY_SOURCES  := scripts tests benchmarks tools workflow/scripts
SMK_SOURCES := Snakefile workflow/rules

.DEFAULT_GOAL := help
.PHONY: help run test test-quick lint format venv lock bench report clean

help:  ## list the targets
	@echo "ictmdg: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

# The venv is rebuilt when the lock changes; the project's own package (scripts/) is put
# on the venv's path with a .pth file, which needs no build backend and no network.
$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'ictmdg.pth').write_text(str(pathlib.Path.cwd()) + '\n')"
	touch $@

venv: $(BIN)/.installed  ## create .venv from requirements.lock

# Every config file is pre-read with a safe YAML loader first: Snakemake's own reading (yte) would
# evaluate a template and names neither the file nor the tag of a refused Python object.
PREREAD := $(BIN)/python tools/preread_config.py

run: venv  ## run the whole workflow on the bundled data (snakemake --cores all $(ARGS))
	$(PREREAD) $(ARGS)
	$(BIN)/snakemake --cores $(CORES) $(ARGS)

test: venv  ## run every test: unit, reference, end-to-end and reliability (what CI runs)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-quick: venv  ## run the unit and reference tests only (about a minute)
	$(BIN)/python -m pytest tests/unit tests/reference -m "not slow" $(PYTEST_ARGS)

lint: venv  ## check formatting and lint: ruff (Python) and snakefmt (rule files)
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/snakefmt --check $(SMK_SOURCES)

format: venv  ## reformat Python and rule files in place
	$(BIN)/ruff format $(PY_SOURCES)
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/snakefmt $(SMK_SOURCES)

# Snakemake's HTML report of the last run (figures and tables with their captions).
report: venv  ## write results/report.html from the last run
	$(PREREAD) $(ARGS)
	$(BIN)/snakemake --report results/report.html $(ARGS)

bench: venv  ## time every stage on the bundled data and synthetic 1x/10x/100x (benchmarks/run.py)
	$(BIN)/python benchmarks/run.py

# Re-resolve the lock from requirements.in in a throw-away venv (needs PyPI).
lock:  ## re-resolve requirements.lock from requirements.in (needs PyPI)
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet -r requirements.in
	{ echo "# Exact versions of every package, resolved from requirements.in on CPython 3.11 (Linux x86_64)."; \
	  echo "# Regenerate: make lock.  Install: make venv."; \
	  .lockenv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lockenv
	$(PYTHON) tools/envsync.py

clean:  ## remove results/ and Snakemake's metadata
	rm -rf results logs .snakemake
