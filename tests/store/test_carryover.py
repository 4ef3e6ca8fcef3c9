"""Verdicts and appeals survive a rerun that replaces a call's findings; what cannot be
re-attached is named in the audit log, never lost silently."""

from __future__ import annotations

from dataclasses import replace

from pipeline.anomaly import call_alerts
from pipeline.store import Judgement, Store, Verdict
from tests.report_factory import make_report, make_violation
from tests.store.conftest import KEY, save

RERUN_KEY = replace(KEY, rules_version="rules-2")


def _findings(store: Store, call_pk: int):
    detail = store.calls.get(call_pk)
    assert detail is not None
    return {v.rule_id: v for v in detail.violations}


def test_a_verdict_follows_its_finding_when_a_rerun_moves_it_a_little(store: Store) -> None:
    first = (
        make_violation("no-sensitive-auth-request", "critical", 12.5),
        make_violation("closing", "low", 40.0),
    )
    call_pk = save(store, "call-001", violations=first).pk
    old = _findings(store, call_pk)
    store.reviews.give_verdict(
        old["no-sensitive-auth-request"].pk, Verdict.CONFIRM, "asked for the code", reviewer="rita"
    )
    store.reviews.file_appeal(
        old["no-sensitive-auth-request"].pk, "it was a warning", filed_by="al"
    )

    # the rerun's ASR stamps the request 0.8 s later; the closing finding is gone
    rerun = (make_violation("no-sensitive-auth-request", "critical", 13.3),)
    assert save(store, "call-001", key=RERUN_KEY, violations=rerun).pk == call_pk

    new = _findings(store, call_pk)["no-sensitive-auth-request"]
    review, appeal = store.reviews.for_call(call_pk)[new.pk]
    assert review is not None and review.verdict is Verdict.CONFIRM
    assert review.reviewer == "rita" and review.comment == "asked for the code"
    assert appeal is not None and appeal.reason == "it was a warning" and appeal.judgement is None
    entry = [e for e in store.audit.entries() if e.action == "call.replaced"][-1]
    assert entry.details["reviews_carried"] == 1
    assert entry.details["reviews_dropped"] == []
    assert store.audit.verify().ok


def test_a_verdict_whose_finding_the_rerun_no_longer_raises_is_named_in_the_audit_log(
    store: Store,
) -> None:
    call_pk = save(store, "call-001", violations=(make_violation("closing", "low", 40.0),)).pk
    (finding,) = _findings(store, call_pk).values()
    store.reviews.give_verdict(finding.pk, Verdict.DISMISS, "it did close", reviewer="rita")

    save(store, "call-001", key=RERUN_KEY, violations=())

    entry = [e for e in store.audit.entries() if e.action == "call.replaced"][-1]
    assert entry.details["reviews_carried"] == 0
    (dropped,) = entry.details["reviews_dropped"]
    assert dropped["rule_id"] == "closing" and dropped["verdict"] == "dismiss"
    assert dropped["reviewer"] == "rita" and "it did close" not in str(entry.details)


def test_findings_far_apart_or_of_another_rule_do_not_take_a_verdict(store: Store) -> None:
    call_pk = save(store, "call-001", violations=(make_violation(start=12.5),)).pk
    (finding,) = _findings(store, call_pk).values()
    store.reviews.give_verdict(finding.pk, Verdict.CONFIRM, "", reviewer="rita")

    rerun = (make_violation(start=95.0), make_violation("agent-pii-readout", "high", 12.5))
    save(store, "call-001", key=RERUN_KEY, violations=rerun)

    reviews = store.reviews.for_call(call_pk)
    assert all(review is None for review, _ in reviews.values())


def test_a_dismissed_or_overturned_finding_does_not_alert_after_the_rerun(store: Store) -> None:
    first = (make_violation(start=12.5), make_violation("agent-pii-readout", "high", 30.0))
    alerts = call_alerts(make_report("call-001", violations=first))
    call_pk = save(store, "call-001", violations=first, alerts=alerts).pk
    old = _findings(store, call_pk)
    store.reviews.give_verdict(
        old["no-sensitive-auth-request"].pk, Verdict.DISMISS, "", reviewer="rita"
    )
    store.reviews.give_verdict(old["agent-pii-readout"].pk, Verdict.CONFIRM, "", reviewer="rita")
    appeal = store.reviews.file_appeal(old["agent-pii-readout"].pk, "last four only", filed_by="al")
    store.reviews.judge(appeal.pk, Judgement.OVERTURN, "", judge="sue")
    for alert in store.outbox.pending():  # the first run's mails went out
        store.outbox.mark_sent(alert.alert_key)

    # times move a little, so the rerun's alert keys are new ones
    rerun = (make_violation(start=13.0), make_violation("agent-pii-readout", "high", 30.6))
    save(
        store,
        "call-001",
        key=RERUN_KEY,
        violations=rerun,
        alerts=call_alerts(make_report("call-001", violations=rerun)),
    )

    assert store.outbox.pending() == []
    assert store.audit.verify().ok
