"""The audit log's hash chain: it verifies, and tampering is found."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from pipeline.store import Store
from pipeline.store.audit import audit_hash, timestamp_text

from .conftest import raw_sql, save


def test_audit_chain_verifies(store: Store) -> None:
    save(store, "c1")
    store.audit.record("alice", "review", "call:c1", {"note": "checked"})
    check = store.audit.verify()
    entries = store.audit.entries()
    assert check.ok and check.first_bad_seq is None and check.entries == len(entries)
    assert [e.action for e in entries][-2:] == ["call.stored", "review"]
    assert entries[-1].details == {"note": "checked"} and entries[-1].actor == "alice"
    assert all(e.at.tzinfo is not None for e in entries)


def test_hash_covers_the_utc_time_text() -> None:
    at = datetime(2026, 12, 1, 21, 43, 0, 358703, tzinfo=UTC)
    assert timestamp_text(at) == "2026-12-01T21:43:00.358703+00:00"
    one = audit_hash("0" * 64, 1, at, "a", "x", "s", "{}")
    assert one != audit_hash("0" * 64, 1, at.replace(microsecond=1), "a", "x", "s", "{}")


def _seq_of_last(store: Store) -> int:
    return store.audit.entries()[-1].seq


@pytest.mark.parametrize(
    ("tamper", "offset"),
    [
        ("UPDATE audit_log SET details = '[]' WHERE seq = {s2}", 2),
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = {s1}", 1),
        ("DELETE FROM audit_log WHERE seq = {s2}", 3),
        ("UPDATE audit_log SET hash = 'ff' WHERE seq = {s3}", 3),
        ("UPDATE audit_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = {s1}", 1),
    ],
)
def test_audit_tampering_is_detected(store: Store, tamper: str, offset: int) -> None:
    for i in range(4):
        store.audit.record("alice", "review", f"call:c{i}", {"note": f"checked {i}"})
    last = _seq_of_last(store)
    first = last - 3  # the four entries of this test: first .. last
    seqs = {f"s{k}": first + k - 1 for k in range(1, 5)}
    store.close()
    raw_sql(store.url, tamper.format(**seqs))
    reopened = Store(store.url)
    check = reopened.audit.verify()
    reopened.close()
    assert not check.ok and check.first_bad_seq == first + offset - 1


WRITERS = 4  # stores, each with its own engine and lock: as many processes
ENTRIES_PER_WRITER = 15


def test_concurrent_writers_keep_the_chain_valid_and_gap_free(migrated_database_url: str) -> None:
    stores = [Store(migrated_database_url) for _ in range(WRITERS)]
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def write(store: Store, writer: int) -> None:
        start.wait()
        try:
            for i in range(ENTRIES_PER_WRITER):
                store.audit.record(f"writer-{writer}", "review", f"call:w{writer}-{i}", {"i": i})
                if i % 5 == 0:  # and writes that append inside a repository's transaction
                    store.runs.start(f"run-{writer}-{i}")
        except BaseException as exc:  # reported below: the test fails on it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, w)) for w, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        check = stores[0].audit.verify()
        assert check.ok, check
        entries = stores[0].audit.entries()
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert len([e for e in entries if e.action == "review"]) == WRITERS * ENTRIES_PER_WRITER
    finally:
        for s in stores:
            s.close()
