"""Retention's audited deletions in the store, on SQLite and PostgreSQL: deleting a call's
transcript files clears its ``transcript_path`` in the same transaction, and the row still
checks out against the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.store import Store
from pipeline.store.retention import TRANSCRIPTS_DELETED
from tests.store.conftest import raw_sql, save


def _aged(store: Store, call_id: str):
    (call,) = store.retention.older_than(datetime.now(UTC) + timedelta(days=1))
    assert call.call_id == call_id
    return call


def test_deleting_transcripts_clears_the_path_audited(store: Store) -> None:
    save(store, "call-1")
    call = _aged(store, "call-1")
    assert call.transcript_path == "/o/call-1.json"
    removed: list[str] = []
    before = datetime.now(UTC)
    store.retention.delete_transcripts(call, {"kind": "transcripts"}, lambda: removed.append("x"))
    assert removed == ["x"]
    detail = store.calls.by_call_id("call-1")
    assert detail is not None and detail.call.transcript_path is None
    (entry,) = store.audit.entries(action=TRANSCRIPTS_DELETED)
    assert entry.subject == "call:call-1"
    assert entry.details["transcript_path"] == "/o/call-1.json"
    deleted_at = store.retention.transcripts_deleted_at("call-1")
    assert deleted_at is not None and deleted_at >= before - timedelta(seconds=1)
    assert store.retention.transcripts_deleted_at("call-2") is None
    assert _aged(store, "call-1").transcript_path is None  # nothing left for the next run
    assert store.check_integrity().ok


def test_a_failed_file_deletion_keeps_the_path_and_writes_no_entry(store: Store) -> None:
    save(store, "call-1")

    def fail() -> None:
        raise OSError("read-only file system")

    with pytest.raises(OSError):
        store.retention.delete_transcripts(_aged(store, "call-1"), {}, fail)
    detail = store.calls.by_call_id("call-1")
    assert detail is not None and detail.call.transcript_path == "/o/call-1.json"
    assert store.audit.entries(action=TRANSCRIPTS_DELETED) == []
    assert store.check_integrity().ok


def test_a_path_put_back_behind_the_log_is_found(store: Store) -> None:
    save(store, "call-1")
    store.retention.delete_transcripts(_aged(store, "call-1"), {}, lambda: None)
    raw_sql(store.url, "UPDATE calls SET transcript_path = '/elsewhere.json'")
    report = store.check_integrity()
    assert report.rows == (
        "call:call-1: the stored call, violations or PII findings differ from what the audit "
        "log recorded",
    )
