# The two commands a newcomer needs (see README.md):
#   make run    set up .venv from requirements.lock and run the whole workflow on the bundled data
#   make test   set up .venv from requirements.lock and run the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORES  ?= all
# Arguments passed through to snakemake, e.g. `make run ARGS="--configfile config/test/config.yaml"`.
ARGS   ?=
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-m 'not slow'"`.
PYTEST_ARGS ?=

.PHONY: run test venv lock lint bench report clean

# The venv is rebuilt when the lock changes; the project's own package (scripts/) is put
# on the venv's path with a .pth file, which needs no build backend and no network.
$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock
	$(BIN)/python -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'ictmdg.pth').write_text(str(pathlib.Path.cwd()) + '\n')"
	touch $@

venv: $(BIN)/.installed

run: venv
	$(BIN)/snakemake --cores $(CORES) $(ARGS)

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Snakemake's HTML report of the last run (figures and tables with their captions).
report: venv
	$(BIN)/snakemake --report results/report.html $(ARGS)

lint: venv
	$(BIN)/snakemake --lint

bench: venv
	$(BIN)/python benchmarks/run.py

# Re-resolve the lock from requirements.in in a throw-away venv (needs PyPI).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet -r requirements.in
	{ echo "# Exact versions of every package, resolved from requirements.in on CPython 3.11 (Linux x86_64)."; \
	  echo "# Regenerate: make lock.  Install: make venv."; \
	  .lockenv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lockenv
	$(PYTHON) tools/envsync.py

clean:
	rm -rf results logs .snakemake
