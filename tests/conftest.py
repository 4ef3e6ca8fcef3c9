"""Shared test configuration. Stage-specific fixtures live in each folder's conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Every store opened by the tests (and by the processes they start) signs its audit chain with
# this key, so no test writes a key file into the home folder.
os.environ.setdefault("CALLSENTRY_AUDIT_KEY", "test-audit-key-not-secret")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "audio_samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The committed synthetic calls and their manifest."""
    return SAMPLES_DIR
