"""Migrations: a new database, a database made by callsentry 0.1.0, the schema they reach; each
on SQLite and on PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipeline.store import AlertState, CallStatus, RunStatus, Store
from pipeline.store.migrate import head_revision
from pipeline.store.schema import metadata
from tests.store.legacy import RELEASE_0_1_0_DB, make_release_0_1_0

from .conftest import save


def _schema_diff(store: Store) -> list:
    with store.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata)


def test_new_database_is_at_the_newest_revision_and_matches_the_schema(database_url: str) -> None:
    store = Store(database_url)
    assert store.upgraded.before is None and store.upgraded.after == head_revision()
    assert not store.upgraded.stamped_legacy
    assert _schema_diff(store) == []
    again = Store(store.url)
    assert not again.upgraded.changed  # the second open has nothing to do
    store.close()
    again.close()


def test_release_0_1_0_database_is_upgraded_keeping_rows_and_audit_chain(
    database_url: str,
) -> None:
    with closing(sqlite3.connect(RELEASE_0_1_0_DB)) as raw:
        old_audit = raw.execute("SELECT seq, at, hash FROM audit_log ORDER BY seq").fetchall()
        old_calls = raw.execute("SELECT call_id, model FROM calls ORDER BY id").fetchall()
    assert ("call-002", "base") in old_calls and ("call-002", "tiny.en") in old_calls
    make_release_0_1_0(database_url)

    store = Store(database_url)
    assert store.upgraded.stamped_legacy and store.upgraded.before == "0001"
    assert store.upgraded.after == head_revision()
    assert _schema_diff(store) == []

    # the audit chain: every old entry kept as it was, still valid, then the migration's entry
    # and the marker from which the chain is keyed
    check = store.audit.verify()
    assert check.ok, check
    entries = store.audit.entries()
    assert [(e.seq, e.at.isoformat(timespec="microseconds"), e.hash) for e in entries[:-2]] == [
        (seq, at, digest) for seq, at, digest in old_audit
    ]
    migrated, keyed = entries[-2:]
    assert migrated.action == "store.migrated" and migrated.seq == len(old_audit) + 1
    assert keyed.action == "audit.keyed" and keyed.details["key_id"] == store.audit.key_id
    # call-002 was stored twice by 0.1.0 (two models): the newer row is kept, the other listed
    assert migrated.details["superseded_calls"] == ["call-002 (base, rules rules-test-1)"]

    calls = {c.call_id: c for c in store.calls.find(limit=10)}
    assert set(calls) == {"call-001", "call-002", "call-003"}
    assert calls["call-002"].key.model == "tiny.en"
    assert calls["call-003"].status is CallStatus.EMPTY
    for call in calls.values():
        assert call.key.asr_backend == "openai-whisper" and call.key.pii_version == "0.1.0"
        assert call.call_time == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)
        assert call.processed_at.tzinfo is not None
    detail = store.calls.get(calls["call-001"].pk)
    assert detail is not None
    assert [v.rule_id for v in detail.violations] == ["no-sensitive-auth-request"]
    assert [p.entity_type for p in detail.pii] == ["BANK_CARD"]
    kept_002 = store.calls.get(calls["call-002"].pk)
    assert kept_002 is not None and [v.rule_id for v in kept_002.violations] == ["recording-notice"]

    run = store.runs.get("run-0001")
    assert run is not None and run.status is RunStatus.COMPLETED
    assert run.counts == {"files": 4, "processed": 3}
    assert [q.path for q in store.runs.quarantined()] == ["/recordings/bad.flac"]
    states = {r.alert.alert_key: r for r in store.outbox.find()}
    assert states["k-critical"].state is AlertState.SENT
    assert states["k-critical"].sent_at is not None
    assert states["k-anomaly"].state is AlertState.PENDING
    assert states["k-anomaly"].last_error == "outbox: OSError: disk full"
    assert store.outbox.delivered_sinks("k-critical") == {"outbox"}

    # the upgraded store keeps working: new entries extend the same chain
    store.audit.record("alice", "review", "call:call-001", {})
    assert store.audit.verify().ok
    # ... and its ids go on after the copied ones
    saved = save(store, "call-004")
    assert saved.pk > max(c.pk for c in calls.values())
    store.close()


def test_concurrent_first_opens_migrate_once(database_url: str) -> None:
    openers = 3  # each with its own engine: as many processes starting at once
    start = threading.Barrier(openers)
    stores: list[Store] = []
    errors: list[BaseException] = []

    def open_store() -> None:
        start.wait()
        try:
            stores.append(Store(database_url))
        except BaseException as exc:  # reported below: the test fails on it
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert sorted(s.upgraded.changed for s in stores) == [False, False, True]
        actions = [e.action for e in stores[0].audit.entries()]
        assert actions == ["store.migrated", "audit.keyed"]  # one migration, one marker
        assert stores[0].audit.verify().ok
    finally:
        for s in stores:
            s.close()
