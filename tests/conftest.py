"""Shared test configuration. Stage-specific fixtures live in each folder's conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "audio_samples"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The committed synthetic calls and their manifest."""
    return SAMPLES_DIR
