"""Verdicts, appeals and judgements; a dismissed finding never alerts again; precision."""

from __future__ import annotations

import pytest

from pipeline.anomaly import call_alerts
from pipeline.store import AlertState, Judgement, Store, Verdict
from pipeline.store.reviews import ReviewError, violation_alert_key
from tests.report_factory import make_report, make_violation
from tests.store.conftest import save


def _violation_pks(store: Store, call_pk: int) -> list[int]:
    detail = store.calls.get(call_pk)
    assert detail is not None
    return [v.pk for v in detail.violations]


def _critical_call(store: Store, call_id: str = "call-001", run_id: str = "run-1") -> int:
    violations = (make_violation("no-sensitive-auth-request", "critical", 12.5),)
    alerts = call_alerts(make_report(call_id, violations=violations))
    return save(store, call_id, run_id=run_id, violations=violations, alerts=alerts).pk


def test_dismissed_finding_drops_its_pending_alert_and_never_alerts_again(store: Store) -> None:
    call_pk = _critical_call(store)
    (violation_pk,) = _violation_pks(store, call_pk)
    key = violation_alert_key("call-001", "no-sensitive-auth-request", 12.5, 15.5)
    assert [a.alert_key for a in store.outbox.pending()] == [key]  # the key call_alerts made

    store.reviews.give_verdict(
        violation_pk, Verdict.DISMISS, "greeting, not a request", reviewer="rita"
    )

    assert store.outbox.pending() == []
    record = store.outbox.get(key)
    assert record is not None and record.state is AlertState.DISMISSED
    assert store.reviews.is_dismissed(key)
    # the same alert queued again (a rerun, another process) is a no-op
    alert = call_alerts(make_report("call-001", violations=(make_violation(start=12.5),)))
    assert store.outbox.enqueue(alert) == []
    assert store.outbox.pending() == []
    actions = [e.action for e in store.audit.entries()]
    assert actions[-2:] == ["review.verdict", "alert.dismissed"]
    assert store.audit.verify().ok


def test_dismissed_key_survives_a_rerun_that_replaces_the_call(store: Store) -> None:
    from dataclasses import replace

    from tests.store.conftest import KEY

    call_pk = _critical_call(store)
    (violation_pk,) = _violation_pks(store, call_pk)
    store.reviews.give_verdict(violation_pk, Verdict.DISMISS, "", reviewer="rita")
    violations = (make_violation("no-sensitive-auth-request", "critical", 12.5),)
    alerts = call_alerts(make_report("call-001", violations=violations))
    save(
        store,
        "call-001",
        key=replace(KEY, rules_version="rules-2"),
        violations=violations,
        alerts=alerts,
    )
    assert store.outbox.pending() == []


def test_confirmed_finding_is_appealed_once_and_judged_once(store: Store) -> None:
    call_pk = _critical_call(store)
    (violation_pk,) = _violation_pks(store, call_pk)
    with pytest.raises(ReviewError, match="only a confirmed"):
        store.reviews.file_appeal(violation_pk, "agent disagrees", filed_by="rita")
    store.reviews.give_verdict(violation_pk, Verdict.CONFIRM, "clear breach", reviewer="rita")
    with pytest.raises(ReviewError, match="verdict already"):
        store.reviews.give_verdict(violation_pk, Verdict.DISMISS, "", reviewer="rob")
    appeal = store.reviews.file_appeal(violation_pk, "customer asked first", filed_by="rob")
    with pytest.raises(ReviewError, match="no further appeal"):
        store.reviews.file_appeal(violation_pk, "again", filed_by="rob")
    with pytest.raises(ReviewError, match="cannot judge"):
        store.reviews.judge(appeal.pk, Judgement.OVERTURN, "", judge="rita")
    judged = store.reviews.judge(appeal.pk, Judgement.OVERTURN, "fair point", judge="sam")
    assert judged.judgement is Judgement.OVERTURN and judged.judge == "sam"
    with pytest.raises(ReviewError, match="final"):
        store.reviews.judge(appeal.pk, Judgement.UPHOLD, "", judge="sam")
    # overturned: dismissed for precision and alerts
    assert store.reviews.is_dismissed(
        violation_alert_key("call-001", "no-sensitive-auth-request", 12.5, 15.5)
    )
    (row,) = store.reviews.precision()
    assert (row.confirmed, row.dismissed, row.precision) == (0, 1, 0.0)
    actions = [e.action for e in store.audit.entries() if e.action.startswith("review.")]
    assert actions == ["review.verdict", "review.appeal", "review.judgement"]
    for entry in store.audit.entries():
        assert "fair point" not in str(entry.details) and "customer asked" not in str(entry.details)


def test_precision_per_rule_from_final_verdicts(store: Store) -> None:
    violations = (
        make_violation("recording-notice", "high", 1.0),
        make_violation("recording-notice", "high", 20.0),
        make_violation("recording-notice", "high", 40.0),
        make_violation("agent-identification", "medium", 2.0),
    )
    call_pk = save(store, "call-001", violations=violations).pk
    pks = _violation_pks(store, call_pk)
    store.reviews.give_verdict(pks[0], Verdict.CONFIRM, "", reviewer="rita")
    store.reviews.give_verdict(pks[1], Verdict.CONFIRM, "", reviewer="rita")
    store.reviews.give_verdict(pks[2], Verdict.DISMISS, "", reviewer="rita")
    rows = {p.rule_id: p for p in store.reviews.precision()}
    assert rows["recording-notice"].findings == 3
    assert rows["recording-notice"].precision == pytest.approx(2 / 3)
    assert rows["agent-identification"].precision is None
