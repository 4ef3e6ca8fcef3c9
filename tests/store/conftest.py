"""Fixtures for the store tests: a fresh store per test on each database (SQLite and
PostgreSQL, from ``database_url``), a call-saving helper, and raw SQL that goes behind the
store's back (the tampering tests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from pipeline.anomaly import call_stats
from pipeline.store import ResultKey, SaveResult, Store
from tests.report_factory import MODEL, RULES_VERSION, make_recording, make_report

KEY = ResultKey("openai-whisper", MODEL, RULES_VERSION, "pii-test-1")


@pytest.fixture
def store(migrated_database_url: str) -> Iterator[Store]:
    """A store on a database at the newest revision, once on SQLite and once on PostgreSQL."""
    s = Store(migrated_database_url)
    yield s
    s.close()


def raw_sql(url: str, statement: str, **params: Any) -> list[Any]:
    """Run one statement on its own connection (no store, no audit entry); returns its rows."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


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
