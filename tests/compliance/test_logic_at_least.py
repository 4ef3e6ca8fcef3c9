"""The ``at_least`` operator: n of m child conditions, anywhere, per segment or within s."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pipeline.compliance.context import CallContext
from pipeline.compliance.loader import condition_from_yaml
from pipeline.models import Segment, Transcript

CALL = Transcript(
    "t",
    "zh",
    120.0,
    (
        Segment("agent", 0.0, 4.0, "我们有一款一年期的产品"),
        Segment("agent", 4.0, 8.0, "年化能做到四个点 起购一万"),
        Segment("agent", 90.0, 94.0, "这款产品很受欢迎"),
        Segment("customer", 95.0, 99.0, "收益多少"),
    ),
)
SIGNS = [
    {"phrase": {"any": ["产品"]}},
    {"phrase": {"any": ["年化", "收益"]}},
    {"phrase": {"any": ["起购"]}},
]


def segments(value: dict[str, Any], **scope: Any) -> list[int | None]:
    node = condition_from_yaml({"at_least": value, **scope})
    return sorted({h.segment_index for h in node.hits(CallContext(CALL))}, key=str)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"n": 2, "of": SIGNS}, [0, 1, 2, 3]),  # anywhere: all the children's hits
        ({"n": 3, "of": SIGNS}, [0, 1, 2, 3]),
        ({"n": 2, "of": SIGNS, "same_segment": True}, [1]),  # 年化 + 起购 in one segment
        ({"n": 3, "of": SIGNS, "same_segment": True}, []),
        ({"n": 3, "of": SIGNS, "within_s": 10}, [0, 1]),  # the sale at the start
        ({"n": 2, "of": SIGNS, "within_s": 10}, [0, 1, 2, 3]),  # 产品 (90 s) + 收益 (95 s)
        ({"n": 2, "of": [SIGNS[0], {"phrase": {"any": ["保本"]}}]}, []),
    ],
)
def test_n_of_m(value: dict[str, Any], expected: list[int]) -> None:
    assert segments(value) == expected


def test_scope_applies_to_the_hits() -> None:
    assert segments({"n": 2, "of": SIGNS, "within_s": 10}, speaker="agent") == [0, 1, 2]


@pytest.mark.parametrize(
    "value",
    [
        {"n": 4, "of": SIGNS},
        {"n": 0, "of": SIGNS},
        {"n": 1, "of": []},
        {"n": 2, "of": SIGNS, "within_s": 5, "same_segment": True},
    ],
)
def test_bad_at_least_is_a_validation_error(value: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        condition_from_yaml({"at_least": value})
