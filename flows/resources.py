"""Per-process resources shared by the tasks of a worker: built once, reused for every call.

The ASR backend and VAD, the PII engine and rule book, and the database connection are expensive to
build; a worker process holds one of each for as long as it lives.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from pipeline.analysis import CallAnalyzer
from pipeline.config import Settings
from pipeline.store import Store

_LOCK = threading.Lock()
_ANALYZERS: dict[tuple[str, str, str], CallAnalyzer] = {}
_STORES: dict[str, Store] = {}


def analyzer(settings: Settings) -> CallAnalyzer:
    """The PII engine, masking policy and rule book that ``settings`` name."""
    key = (
        str(settings.masking_policy),
        settings.pseudonym_key.get_secret_value(),
        str(Path(settings.rules_dir).resolve()),
    )
    with _LOCK:
        if key not in _ANALYZERS:
            _ANALYZERS[key] = CallAnalyzer.from_settings(settings)
        return _ANALYZERS[key]


def store(settings: Settings) -> Store:
    """The database that ``settings`` name, tables created."""
    url = settings.resolved_database_url()
    with _LOCK:
        if url not in _STORES:
            _STORES[url] = Store(url)
        return _STORES[url]


def asr_backend(settings: Settings) -> Any:
    """The ASR engine and model that ``settings`` name (cached per process by the factory)."""
    from pipeline.asr.backends import load_backend

    return load_backend(settings)


def voice_detector(settings: Settings) -> Any:
    """The VAD gate that ``settings.vad`` names (cached per process)."""
    from pipeline.asr.vad import load_detector

    return load_detector(settings.vad)
