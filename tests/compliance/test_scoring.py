"""The call score: 100 minus each violated rule's weight once, floored at 0."""

from __future__ import annotations

import pytest

from pipeline.compliance.scoring import score_call
from pipeline.models import Violation


def v(rule_id: str, weight: float) -> Violation:
    return Violation(rule_id, "high", 0.0, 1.0, "agent", "m", weight=weight)


@pytest.mark.parametrize(
    ("violations", "score"),
    [
        ([], 100.0),
        ([v("a", 15)], 85.0),
        ([v("a", 15), v("b", 5)], 80.0),
        ([v("a", 15), v("a", 15), v("a", 15)], 85.0),  # one rule counts once
        ([v("a", 10), v("a", 20)], 80.0),  # with its largest weight
        ([v("a", 60), v("b", 60)], 0.0),  # floor
    ],
)
def test_score_call(violations: list, score: float) -> None:
    assert score_call(violations) == score
