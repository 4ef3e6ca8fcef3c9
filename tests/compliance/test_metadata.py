"""The ``metadata:`` clause: a rule applies only to calls whose metadata matches."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.loader import load_rulebook
from pipeline.compliance.metadata import CallMetadata, MetadataFilter
from pipeline.config import CHECKOUT_RULES_DIR
from pipeline.models import Segment, Transcript

PACK = """
pack: test
language: en
rules:
  - id: creditor
    title: Creditor
    severity: high
    weight: 10
    message: no creditor named
    metadata: {direction: outbound, purpose: [collection]}
    require: {phrase: {any: [on behalf of]}, speaker: agent}
  - id: evening-greeting
    title: Evening greeting
    severity: low
    weight: 1
    message: no evening greeting
    metadata: {time_of_day: {from: "18:00", to: "06:00"}}
    require: {phrase: {any: [good evening]}, speaker: agent}
"""


def _call(text: str, language: str = "en") -> Transcript:
    return Transcript("c1", language, 10.0, (Segment("agent", 0.0, 5.0, text),))


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    folder = tmp_path_factory.mktemp("pack")
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    book = load_rulebook(folder)
    assert not book.problems
    return book.rules


@pytest.mark.parametrize(
    ("meta", "fired"),
    [
        (CallMetadata("outbound", "collection", None, time(10, 0)), {"creditor"}),
        (CallMetadata("outbound", "marketing", None, time(10, 0)), set()),
        (CallMetadata("inbound", "collection", None, time(10, 0)), set()),
        (
            CallMetadata("outbound", "collection", None, time(19, 0)),
            {"creditor", "evening-greeting"},
        ),
        (CallMetadata(None, None, None, time(5, 59)), {"evening-greeting"}),
        (CallMetadata(None, None, None, time(6, 0)), set()),
        (CallMetadata(), set()),  # nothing known: no clause matches
        (None, set()),  # no metadata at all (check-transcript)
    ],
)
def test_rules_apply_only_to_calls_whose_metadata_matches(
    rules: tuple, meta: CallMetadata | None, fired: set[str]
) -> None:
    call = _call("Hello, this is about your balance.")
    found = {v.rule_id for v in evaluate(rules, call, (), call, meta)}
    assert found == fired


def test_a_matching_call_that_says_it_passes(rules: tuple) -> None:
    call = _call("Hello, I am calling on behalf of North Bank.")
    meta = CallMetadata("outbound", "collection", "q1", time(10, 0))
    assert evaluate(rules, call, (), call, meta) == ()


def test_queue_and_time_filters() -> None:
    wanted = MetadataFilter(queue=frozenset({"vip"}), time_from=time(9), time_to=time(17))
    assert wanted.matches(CallMetadata(queue="vip", local_time=time(9, 0)))
    assert not wanted.matches(CallMetadata(queue="vip", local_time=time(17, 0)))
    assert not wanted.matches(CallMetadata(queue="retail", local_time=time(10, 0)))
    assert not wanted.matches(CallMetadata(queue="vip"))


@pytest.mark.parametrize(
    ("clause", "problem"),
    [
        ("{direction: sideways}", "direction must be inbound or outbound"),
        ("{purpose: sales}", "purpose must be service, marketing or collection"),
        ("{time_of_day: {from: '25:00', to: '06:00'}}", "is not a time of day"),
        ("{colour: red}", "colour"),
    ],
)
def test_a_bad_clause_skips_its_rule_with_the_reason(
    tmp_path: Path, clause: str, problem: str
) -> None:
    pack = PACK.replace("{direction: outbound, purpose: [collection]}", clause)
    (tmp_path / "pack.yaml").write_text(pack, encoding="utf-8")
    book = load_rulebook(tmp_path)
    assert [r.id for r in book.rules] == ["evening-greeting"]
    assert problem in str(book.problems[0]) and "creditor" in str(book.problems[0])


def test_bundled_collection_rule_applies_to_outbound_collection_calls_only() -> None:
    book = load_rulebook(CHECKOUT_RULES_DIR)
    rule = book.get("collection-creditor-disclosure", "zh")
    assert rule is not None and rule.metadata is not None
    call = _call("您好，您有一笔欠款已经逾期了，请尽快还款。", "zh")
    collection = CallMetadata("outbound", "collection", None, time(10, 0))
    service = CallMetadata("outbound", "service", None, time(10, 0))
    assert [v.rule_id for v in evaluate([rule], call, (), call, collection)] == [rule.id]
    assert evaluate([rule], call, (), call, service) == ()
    named = _call("您好，这里是华信银行，您在华信银行的信用卡欠款已经逾期。", "zh")
    assert evaluate([rule], named, (), named, collection) == ()
