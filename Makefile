# Kurssajten. `make run` serves the course on http://127.0.0.1:8000; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Every package of the runtime and the test extra, pinned with hashes; `make lock` makes it from pyproject.toml.
LOCK := requirements.lock
# The stamp names both files' hash, so a change to either rebuilds the venv from scratch.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
SECRET_FILE := var/secret_key
# Debian packages: Pango and DejaVu for WeasyPrint's PDFs; Chromium for the browser tests; qpdf checks the PDFs' structure;
# pg_dump and pg_restore (postgresql-client) for the backup tests on PostgreSQL.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) chromium qpdf postgresql-client
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup lock run test test-sqlite test-postgres check bench bench-lesson bench-scale bench-pdf bench-billing bench-backup \
	bench-course bench-cluster screenshots clean debs-run debs-test

# Exactly the locked versions (nothing left over from an earlier lock), then the project itself without its
# dependencies, which the lock already holds.
$(STAMP): pyproject.toml $(LOCK)
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Regenerates requirements.lock after a change to the dependencies in pyproject.toml, keeping every other pin;
# `make lock LOCK_FLAGS=--upgrade` moves everything to the newest versions the pins in pyproject.toml allow.
# Commit both files; the next `make setup` rebuilds the venv from the new lock.
lock:
	@[ -x $(BIN)/uv ] || $(MAKE) setup
	$(BIN)/uv pip compile --quiet pyproject.toml --extra test --generate-hashes --python-version 3.11 --universal \
		--output-file $(LOCK) $(LOCK_FLAGS)

debs-run:
	@bash .ci/ensure-debs.sh $(RUN_DEBS)

debs-test:
	@bash .ci/ensure-debs.sh $(TEST_DEBS)

$(SECRET_FILE):
	@mkdir -p var
	@umask 077 && $(PYTHON) -c 'import secrets; print("dev-" + secrets.token_urlsafe(48))' > $(SECRET_FILE)
	@echo "Generated a development secret in $(SECRET_FILE)."

run: debs-run setup $(SECRET_FILE)
	@export COURSESITE_SECRET_KEY="$${COURSESITE_SECRET_KEY:-$$(cat $(SECRET_FILE))}"; \
	$(BIN)/coursesite migrate && $(BIN)/coursesite check-content && $(BIN)/coursesite serve

# Lint, formatting, types and the migration check; make test runs it first.
check: setup
	$(BIN)/ruff check coursesite tests bench
	$(BIN)/ruff format --check coursesite tests bench
	$(BIN)/mypy
	$(BIN)/coursesite check-migrations

# Both engines side by side (.ci/test-both.sh); test-sqlite and test-postgres run one of them.
test: debs-test setup check
	@bash .ci/test-both.sh

test-sqlite: setup
	$(BIN)/pytest -q

# Needs COURSESITE_TEST_POSTGRES_URL (tests/conftest.py says so when it is missing).
test-postgres: setup
	COURSESITE_TEST_ENGINE=postgres $(BIN)/pytest -q -m db

# Issue 14's P1, P2 and P3 in one run, each against its raw baseline, both engines; writes the goals table into
# docs/performance.md. Needs a running PostgreSQL.
bench: debs-run setup
	bash bench/run.sh

# The lesson page (issue 14, P2) alone against a raw Jinja route of 20 rows, both engines. Needs a running PostgreSQL.
bench-lesson: debs-run setup
	bash bench/lesson.sh

# The scale benchmark on PostgreSQL (100 000 participants; generates the data first). Needs a running PostgreSQL.
bench-scale: debs-run setup
	BENCH_SCALE_GENERATE=1 bash bench/scale/run.sh

# A course at full size (issue 14, P4): 20 000 participants on PostgreSQL, their mix of requests at a constant arrival
# rate stepped up to 670/s (seeds the data when the database is empty). Needs a running PostgreSQL.
bench-course: debs-run setup
	bash bench/course/run.sh

# The same mix through nginx to two app servers on one PostgreSQL (docs/deployment.md); installs nginx from Debian.
bench-cluster: debs-run setup
	@bash .ci/ensure-debs.sh nginx
	bash bench/course/cluster.sh

# The SIE and CSV exports at 100 000 invoices on PostgreSQL (generates the data first).
bench-billing: debs-run setup
	BENCH_BILLING_GENERATE=1 bash bench/billing/run.sh

# Invoice PDFs per second through the process pool (2 workers).
bench-pdf: debs-run setup
	bash bench/pdf/run.sh

# Answers per second while `coursesite backup` runs back to back, against the same load without (both engines).
bench-backup: debs-run setup
	bash bench/backup/run.sh

# Every page type at 1280 px and 390 px into docs/screenshots/ (its own server, a throwaway database, demo data).
screenshots: debs-test setup
	$(BIN)/python docs/screenshots/take.py

clean:
	rm -rf $(VENV) .pytest_cache
