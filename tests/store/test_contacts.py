"""The contact history: outbound contacts and refusals by customer hash, idempotent, audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from pipeline.records.cdr import CallRecord, Direction, Purpose
from pipeline.store import Store
from pipeline.store.schema import contacts

T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


def _record(recording: str, minutes: int, direction: Direction = Direction.OUTBOUND,
            purpose: Purpose = Purpose.COLLECTION, customer: str = "h1") -> CallRecord:  # fmt: skip
    return CallRecord(
        recording, T0 + timedelta(minutes=minutes), direction, "02155550100", customer, "A1",
        purpose,
    )  # fmt: skip


def test_only_outbound_rows_are_registered_once(store: Store) -> None:
    rows = [_record("a.wav", 0), _record("b.wav", 5), _record("in.wav", 9, Direction.INBOUND)]
    assert store.contacts.register(rows, "run-1") == 2
    assert store.contacts.register(rows, "run-2") == 0
    with store.engine.connect() as conn:
        stored = conn.execute(select(contacts.c.recording, contacts.c.start_time)).all()
    assert sorted(stored) == [("a.wav", T0), ("b.wav", T0 + timedelta(minutes=5))]
    assert [e.action for e in store.audit.entries()].count("contacts.registered") == 1


def test_contacts_before_counts_earlier_calls_of_the_customer_and_purpose(store: Store) -> None:
    store.contacts.register(
        [
            _record("a.wav", 0),
            _record("b.wav", 10),
            _record("c.wav", 10),  # the same start as b: ordered by name
            _record("m.wav", 1, purpose=Purpose.MARKETING),
            _record("x.wav", 2, customer="h2"),
        ]
    )
    since = T0 - timedelta(hours=1)
    assert store.contacts.contacts_before(_record("a.wav", 0), since) == 0
    assert store.contacts.contacts_before(_record("b.wav", 10), since) == 1
    assert store.contacts.contacts_before(_record("c.wav", 10), since) == 2
    assert store.contacts.contacts_before(_record("c.wav", 10), T0 + timedelta(minutes=5)) == 1


def test_refusals_are_kept_once_and_found_only_before(store: Store) -> None:
    assert store.contacts.add_refusal("h1", T0, "call-1", "run-1")
    assert not store.contacts.add_refusal("h1", T0, "call-1", "run-2")
    assert store.contacts.refusal_before("h1", T0) is None
    assert store.contacts.refusal_before("h1", T0 + timedelta(seconds=1)) == T0
    assert store.contacts.refusal_before("h2", T0 + timedelta(days=1)) is None
    actions = [(e.action, e.subject) for e in store.audit.entries()]
    assert actions.count(("refusal.recorded", "call:call-1")) == 1
    assert store.audit.verify().ok


def test_refusals_older_than_since_have_expired(store: Store) -> None:
    later = T0 + timedelta(days=400)
    store.contacts.add_refusal("h1", T0, "call-1")
    store.contacts.add_refusal("h1", later, "call-2")
    call = T0 + timedelta(days=800)
    assert store.contacts.refusal_before("h1", call) == T0  # no expiry: the first refusal
    assert store.contacts.refusal_before("h1", call, since=call - timedelta(days=730)) == later
    assert store.contacts.refusal_before("h1", call, since=later) is None  # at since: expired
    assert store.contacts.refusal_before("h1", call, since=later - timedelta(seconds=1)) == later
