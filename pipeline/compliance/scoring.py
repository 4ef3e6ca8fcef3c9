"""The call score.

``score = max(0, 100 - sum of weights)``, where each rule counts once per call with the largest
weight among its violations: a rule broken three times costs its weight once, so one noisy rule
cannot drown the others. 100 is a clean call; 0 is the floor.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.models import Violation

MAX_SCORE = 100.0
MIN_SCORE = 0.0


def score_call(violations: Sequence[Violation]) -> float:
    """100 minus the weight of each violated rule (once per rule), floored at 0."""
    per_rule: dict[str, float] = {}
    for v in violations:
        per_rule[v.rule_id] = max(per_rule.get(v.rule_id, 0.0), v.weight)
    return max(MIN_SCORE, MAX_SCORE - sum(per_rule.values()))
