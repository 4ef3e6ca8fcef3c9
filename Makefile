# callsentry: the two commands of the README.
#   make run   set up on first use, then run the main batch over audio_samples/ and print a summary
#   make test  set up on first use, then run the test suite
#   make lint  ruff (lint and format) and the type checker on pipeline/ and flows/
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -c constraints.txt
STAMP := $(VENV)/.setup-done
SAMPLES := audio_samples
OUT ?= callsentry-out

.PHONY: setup run test lint bench clean

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

test: $(STAMP)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy pipeline flows

bench: $(STAMP)
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
