"""Assignments: every critical call, a stable sample of the rest, reviewers in turn."""

from __future__ import annotations

from pipeline.store import AssignmentReason, Store
from pipeline.store.assignments import sample_point
from tests.report_factory import make_violation
from tests.store.conftest import save


def test_all_critical_calls_and_a_stable_share_of_the_rest_are_assigned(store: Store) -> None:
    for i in range(4):
        save(store, f"crit-{i}", violations=(make_violation(severity="critical"),))
    others = [f"call-{i:03d}" for i in range(60)]
    for call_id in others:
        save(store, call_id, violations=(make_violation("recording-notice", "high"),))
    save(store, "clean-1")  # no finding: never assigned

    result = store.assignments.plan(["rita", "rob"], 0.25, actor="sam")

    expected_sampled = {c for c in others if sample_point(c) < 0.25}
    assert result.critical == 4 and result.sampled == len(expected_sampled)
    assert 5 <= result.sampled <= 25  # the hash draw is near the share
    assigned = store.assignments.all()
    by_call = {a.call_id: a for a in assigned}
    assert {c for c, a in by_call.items() if a.reason is AssignmentReason.CRITICAL} == {
        f"crit-{i}" for i in range(4)
    }
    assert {c for c, a in by_call.items() if a.reason is AssignmentReason.SAMPLED} == (
        expected_sampled
    )
    loads = [len(store.assignments.for_reviewer(r)) for r in ("rita", "rob")]
    assert abs(loads[0] - loads[1]) <= 1
    # a second plan assigns nothing new; every assignment is audited
    again = store.assignments.plan(["rita", "rob"], 0.25, actor="sam")
    assert (again.critical, again.sampled) == (0, 0)
    audited = [e for e in store.audit.entries() if e.action == "review.assigned"]
    assert len(audited) == len(assigned) and all(e.actor == "sam" for e in audited)
