"""Fixtures for the ASR tests: models loaded once per session, decoded samples, WER helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import Settings


@pytest.fixture(scope="session")
def asr_settings() -> Settings:
    """Settings for the ASR tests (the default model cache, all cores)."""
    return Settings(threads=0)


@pytest.fixture(scope="session")
def tiny_model(asr_settings):
    """English-only tiny.en, converted offline (fast enough for most real-Whisper tests)."""
    from pipeline.asr.loader import load_model

    return load_model("tiny.en", asr_settings)


@pytest.fixture(scope="session")
def base_model(asr_settings):
    """The default multilingual base model."""
    from pipeline.asr.loader import load_model

    return load_model("base", asr_settings)


@pytest.fixture(scope="session")
def manifest(samples_dir: Path) -> dict[str, dict]:
    """The samples' manifest entries by file name."""
    data = json.loads((samples_dir / "manifest.json").read_text(encoding="utf-8"))
    return {entry["file"]: entry for entry in data["files"]}


@pytest.fixture(scope="session")
def decode(samples_dir: Path):
    """Ingest a committed sample by file name (cached)."""
    from pipeline.audio import DecodedCall, ingest

    cache: dict[str, DecodedCall] = {}

    def _decode(name: str) -> DecodedCall:
        if name not in cache:
            result = ingest(samples_dir / name, Settings())
            assert isinstance(result, DecodedCall), result
            cache[name] = result
        return cache[name]

    return _decode
