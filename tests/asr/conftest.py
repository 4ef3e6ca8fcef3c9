"""Fixtures for the ASR tests: backends loaded once per session, decoded samples, WER helpers.

``tiny_backend`` and ``base_backend`` are parametrised over every ASR engine, so each test that
uses them runs once per backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.config import AsrBackendName, Settings

BACKENDS: tuple[str, ...] = tuple(b.value for b in AsrBackendName)


@pytest.fixture(scope="session")
def asr_settings() -> Settings:
    """Settings for the ASR tests (the default model cache, all cores, the CPU)."""
    return Settings(threads=0, device="cpu")


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request) -> str:
    """Each ASR engine in turn."""
    return request.param


def _backend(name: str, model: str, settings: Settings):
    from pipeline.asr.backends import load_backend

    return load_backend(settings.model_copy(update={"asr_backend": AsrBackendName(name)}), model)


@pytest.fixture(scope="session")
def tiny_backend(backend_name, asr_settings):
    """English-only tiny.en on each engine (fast enough for most real-Whisper tests)."""
    return _backend(backend_name, "tiny.en", asr_settings)


@pytest.fixture(scope="session")
def base_backend(backend_name, asr_settings):
    """The default multilingual base model on each engine."""
    return _backend(backend_name, "base", asr_settings)


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
