# callsentry: the two commands of the README.
#   make run   set up on first use, then run the main batch over audio_samples/ and print a summary
#   make test  set up on first use, then run the test suite (installs Debian's chromium for the
#              console's browser tests and postgresql for the store tests when they are missing)
#   make console  serve the review console over $(OUT) (needs CALLSENTRY_CONSOLE_SECRET)
#   make lint  ruff (lint and format) and the type checker on pipeline/ and flows/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -c constraints.txt
STAMP := $(VENV)/.setup-done
SAMPLES := audio_samples
OUT ?= callsentry-out

# Debian packages of the console's browser tests: Chromium (driven by Playwright's Python
# driver; no browser download) and a CJK font for the screenshots.
DEBIAN_PACKAGES := chromium fonts-wqy-microhei
# PostgreSQL's server for the store tests (tests/postgres.py runs initdb and starts it on a
# loopback port in a temporary folder; the package's own cluster is not used).
POSTGRES_PACKAGES := postgresql
POSTGRES_SERVER := /usr/lib/postgresql/*/bin/postgres
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test lint bench clean console deps-debian

setup: $(STAMP)

# torch is pinned (CPU build) and installed first; openai-whisper goes in without its
# dependencies so that pip never pulls triton (~1 GB, GPU only) or resolves another torch.
$(STAMP): pyproject.toml requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) -q torch==2.13.0
	$(PIP) -q -r requirements.txt
	$(PIP) -q --no-deps openai-whisper==20250625
	$(PIP) -q --no-deps -e .
	$(VENV)/bin/callsentry weights prepare base tiny.en
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/callsentry run $(SAMPLES) --out $(OUT)

test: $(STAMP) deps-debian
	$(PY) -m pytest

deps-debian:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$(DEBIAN_PACKAGES)"; \
	ls $(POSTGRES_SERVER) >/dev/null 2>&1 || missing="$$missing $(POSTGRES_PACKAGES)"; \
	if [ -n "$${missing// /}" ]; then \
		echo "installing$${missing:+ }$$missing (apt-get) for the browser and store tests"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

console: $(STAMP)
	$(VENV)/bin/callsentry console --out $(OUT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy pipeline flows

bench: $(STAMP)
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
