"""What ``audit verify`` must catch: a cut-off log, a recomputed chain, rows changed behind the
log's back, an altered anchor, the wrong key."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.models import Alert
from pipeline.store import Store
from pipeline.store.audit import audit_hash
from tests.report_factory import make_violation

from .conftest import raw_sql, save

KEY = b"test-audit-key-not-secret"


@pytest.fixture
def filled(migrated_database_url: str, tmp_path: Path) -> tuple[str, Path]:
    """A database with two calls, alerts and an anchored head; returns (its URL, head file)."""
    store = Store(migrated_database_url, audit_key=KEY)
    alert = Alert("k1", "violation", "critical", "asked for a PIN", "c1", "A01", "r", 12.5, "e")
    save(store, "c1", violations=(make_violation(),), alerts=[alert])
    save(store, "c2")
    store.outbox.mark_delivered("k1", "outbox")
    store.outbox.mark_sent("k1")
    head = tmp_path / "audit-head.json"
    store.anchor(head)
    assert store.check_integrity(head).ok
    store.close()
    return migrated_database_url, head


def _report(db: str, head: Path, key: bytes = KEY):
    store = Store(db, audit_key=key)
    try:
        return store.check_integrity(head)
    finally:
        store.close()


def test_an_intact_store_verifies(filled: tuple[str, Path]) -> None:
    report = _report(*filled)
    assert report.ok and report.anchored is not None and report.rows == ()


def test_deleting_the_newest_entries_is_found_by_the_anchor(filled: tuple[str, Path]) -> None:
    db, head = filled
    anchored = json.loads(head.read_text())["seq"]
    raw_sql(db, "DELETE FROM audit_log WHERE seq >= :seq", seq=anchored - 1)
    report = _report(db, head)
    assert report.chain.ok  # the chain alone cannot see it
    assert not report.ok and "entries were deleted" in (report.anchor or "")


def test_a_chain_recomputed_without_the_key_is_found(filled: tuple[str, Path]) -> None:
    db, head = filled
    # rewrite every hash the way 0.1.0 did (public sha256)
    rows = raw_sql(
        db, "SELECT seq, at, actor, action, subject, details FROM audit_log ORDER BY seq"
    )
    raw_sql(db, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    prev = "0" * 64
    for seq, at, actor, action, subject, details in rows:
        actor = "mallory" if seq == 3 else actor
        when = at if isinstance(at, datetime) else datetime.fromisoformat(at)  # SQLite: text
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        digest = audit_hash(prev, seq, when, actor, action, subject, details)
        raw_sql(
            db,
            "UPDATE audit_log SET prev_hash = :prev, hash = :digest WHERE seq = :seq",
            prev=prev,
            digest=digest,
            seq=seq,
        )
        prev = digest
    report = _report(db, head)
    assert not report.chain.ok
    assert report.chain.first_bad_seq is not None


def test_a_chain_with_its_keyed_part_cut_off_is_refused(filled: tuple[str, Path]) -> None:
    db, head = filled
    raw_sql(db, "DELETE FROM audit_log WHERE seq >= (SELECT seq FROM audit_log "
                "WHERE action = 'audit.keyed')")  # fmt: skip
    head.unlink()  # and the anchor with it
    report = _report(db, head)
    # a new store appends a fresh marker; the old rows then have no audit entry of their own
    assert not report.ok


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE violations SET evidence = 'nothing to see'", "call:c1: the stored call"),
        ("DELETE FROM violations", "call:c1: the stored call"),
        ("UPDATE calls SET score = 100 WHERE call_id = 'c1'", "call:c1: the stored call"),
        ("DELETE FROM calls WHERE call_id = 'c2'", "call:c2: recorded in the audit log"),
        ("UPDATE alerts SET severity = 'low'", "alert:k1: the stored alert differs"),
        ("UPDATE alerts SET state = 'pending'", "alert:k1: state pending"),
        ("DELETE FROM alert_deliveries", None),  # deliveries are not a finding's content
    ],
)
def test_rows_changed_behind_the_logs_back_are_found(
    filled: tuple[str, Path], statement: str, expected: str | None
) -> None:
    db, head = filled
    raw_sql(db, statement)  # SQLite without the store: foreign keys are not enforced
    report = _report(db, head)
    assert report.chain.ok  # the log itself is intact
    if expected is None:
        assert report.ok
    else:
        assert any(expected in p for p in report.rows), report.rows


def test_an_altered_anchor_is_found(filled: tuple[str, Path]) -> None:
    db, head = filled
    body = json.loads(head.read_text())
    body["seq"] -= 1
    head.write_text(json.dumps(body))
    report = _report(db, head)
    assert not report.ok and "altered" in (report.anchor or "")


def test_the_wrong_key_is_named(filled: tuple[str, Path]) -> None:
    report = _report(*filled, key=b"another key")
    assert not report.chain.ok
    assert "keyed with key" in report.chain.reason
    expected = hashlib.sha256(b"").hexdigest()  # only to show the key is never printed
    assert "another key" not in report.chain.reason and expected not in report.chain.reason


def test_a_change_entry_without_a_digest_leaves_the_stored_one_in_force(
    filled: tuple[str, Path],
) -> None:
    db, _ = filled
    store = Store(db, audit_key=KEY)
    try:  # a transcripts.deleted entry as written before the entries carried the row's digest
        store.audit.record("retention", "transcripts.deleted", "call:c1", {"files": []})
        assert store.check_integrity().ok
        raw_sql(db, "UPDATE calls SET transcript_path = NULL WHERE call_id = 'c1'")
        assert store.check_integrity().rows == (
            "call:c1: the stored call, violations or PII findings differ from what the audit "
            "log recorded",
        )
    finally:
        store.close()
