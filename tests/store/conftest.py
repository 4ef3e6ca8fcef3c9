"""Fixtures for the store tests: a fresh SQLite database per test and a call-saving helper."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.anomaly import call_stats
from pipeline.store import ResultKey, SaveResult, Store
from tests.report_factory import MODEL, RULES_VERSION, make_recording, make_report

KEY = ResultKey("openai-whisper", MODEL, RULES_VERSION, "pii-test-1")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "out" / "callsentry.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{db_path}")
    yield s
    s.close()


def save(
    store: Store, call_id: str, run_id: str = "run-1", key: ResultKey = KEY, **kwargs
) -> SaveResult:
    """Store a synthetic call (``kwargs`` go to ``make_report``)."""
    alerts = kwargs.pop("alerts", ())
    report = make_report(call_id, **kwargs)
    return store.calls.save(
        report,
        make_recording(call_id),
        key=key,
        stats=call_stats(report),
        transcript_path=f"/o/{call_id}.json",
        run_id=run_id,
        alerts=alerts,
    )
