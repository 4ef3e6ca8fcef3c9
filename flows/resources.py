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
from pipeline.store import ResultKey, Store
from pipeline.store.keys import load_audit_key

_LOCK = threading.Lock()
_ANALYZERS: dict[tuple[str, str, str], CallAnalyzer] = {}
_STORES: dict[tuple[str, str], Store] = {}


def analyzer(settings: Settings) -> CallAnalyzer:
    """The PII stage and rule book that ``settings`` name."""
    key = (
        str(settings.masking_policy),
        settings.pseudonym_key.get_secret_value(),
        str(Path(settings.rules_dir).resolve()),
    )
    with _LOCK:
        if key not in _ANALYZERS:
            _ANALYZERS[key] = CallAnalyzer.from_settings(settings)
        return _ANALYZERS[key]


def result_key(settings: Settings) -> ResultKey:
    """What a call checked with these settings is stored under (ASR engine, model and decoding
    settings, rule packs, PII stage): a call stored with another key is checked again."""
    from pipeline.asr.backends import result_model

    checks = analyzer(settings)
    return ResultKey(
        asr_backend=str(settings.asr_backend),
        model=result_model(settings),
        rules_version=checks.rules_version,
        pii_version=checks.pii_version,
    )


def store(settings: Settings) -> Store:
    """The database that ``settings`` name, at the newest schema."""
    url = settings.resolved_database_url()
    with _LOCK:
        if (url, settings.timezone) not in _STORES:
            _STORES[url, settings.timezone] = Store(
                url, call_timezone=settings.timezone, audit_key=load_audit_key(settings)
            )
        return _STORES[url, settings.timezone]


def asr_backend(settings: Settings) -> Any:
    """The ASR engine and model that ``settings`` name (cached per process by the factory)."""
    from pipeline.asr.backends import load_backend

    return load_backend(settings)


def voice_detector(settings: Settings) -> Any:
    """The VAD gate that ``settings.vad`` names (cached per process)."""
    from pipeline.asr.vad import load_detector

    return load_detector(settings.vad)


_RECORDS: dict[tuple[str, str], Any] = {}


def batch_records(cdr: str, settings: Settings) -> Any:
    """The batch's CDR (customer numbers hashed) with the centre's registry, calendar and
    contact policy, read once per worker process and run settings. Only the flow stores the
    CDR's contacts; a worker reads the file to find each recording's row."""
    from pipeline.records.batch import load_batch_records

    key = (cdr, settings.model_dump_json())
    with _LOCK:
        if key not in _RECORDS:
            _RECORDS[key] = load_batch_records(Path(cdr), settings)
        return _RECORDS[key]
