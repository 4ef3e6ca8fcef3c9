"""The alert outbox: queue once by key, delivery states, per-sink deliveries."""

from __future__ import annotations

from pipeline.models import Alert
from pipeline.store import AlertState, Store


def _alert(key: str, severity: str = "high") -> Alert:
    return Alert(alert_key=key, kind="violation", severity=severity, message="m", call_id="c1")


def test_alert_queue_states(store: Store) -> None:
    outbox = store.outbox
    added = outbox.enqueue([_alert("k1"), _alert("k2"), _alert("k1")], run_id="r1")
    assert [a.alert_key for a in added] == ["k1", "k2"]
    assert outbox.enqueue([_alert("k1")]) == []  # a rerun queues nothing new
    outbox.mark_failed("k1", "SMTPServerDisconnected")
    assert {a.alert_key for a in outbox.pending()} == {"k1", "k2"}
    record = outbox.get("k1")
    assert record is not None
    assert (record.state, record.attempts, record.last_error) == (
        AlertState.PENDING,
        1,
        "SMTPServerDisconnected",
    )
    assert record.created_at.tzinfo is not None and record.sent_at is None
    outbox.mark_sent("k1")
    outbox.mark_sent("k1")
    outbox.mark_failed("k1", "late failure")  # a sent alert stays sent
    sent = outbox.get("k1")
    assert sent is not None and sent.state is AlertState.SENT and sent.sent_at is not None
    outbox.mark_failed("k2", "blocked: unmasked PII", permanent=True)
    failed = outbox.get("k2")
    assert failed is not None and failed.state is AlertState.FAILED
    assert outbox.pending() == []
    assert [r.alert.alert_key for r in outbox.find(state=AlertState.SENT)] == ["k1"]
    assert [r.alert.alert_key for r in outbox.find(run_id="r1")] == ["k1", "k2"]
    outbox.mark_delivered("k1", "smtp")
    outbox.mark_delivered("k1", "smtp")
    assert outbox.delivered_sinks("k1") == {"smtp"}
    assert store.audit.verify().ok


def test_pending_alert_round_trips(store: Store) -> None:
    alert = Alert("k", "violation", "critical", "msg", "c1", "A01", "rule", 75.5, "<PIN>")
    store.outbox.enqueue([alert])
    assert store.outbox.pending() == [alert]
    assert store.outbox.get("unknown") is None
