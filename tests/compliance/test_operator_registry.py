"""The operator registry: one module per operator, found by the package, used everywhere."""

from __future__ import annotations

import io
import pkgutil

import pytest
import yaml
from pydantic import ValidationError

import pipeline.compliance.operators as operators_package
from pipeline.cli import main
from pipeline.cli.rules import run_operators
from pipeline.compliance.context import CallContext
from pipeline.compliance.loader import condition_from_yaml
from pipeline.compliance.operators import OPERATORS, Kind, Node
from pipeline.compliance.schema import ConditionSpec
from pipeline.models import PiiFinding, Segment, Transcript

CALL = Transcript(
    "t",
    "zh",
    60.0,
    (
        Segment("agent", 0.0, 5.0, "您好，本次通话将被录音，请问有什么可以帮您？"),
        Segment("customer", 4.0, 9.0, "我的卡号是6222021234567890128，密码我记得。"),
        Segment("agent", 40.0, 45.0, "这款理财产品保本，保证收益。"),
    ),
)
PII = (PiiFinding("BANK_CARD", 1, 5, 24, 0.9, "customer"),)


def test_every_module_of_the_package_is_one_registered_operator() -> None:
    modules = {m.name for m in pkgutil.iter_modules(operators_package.__path__)} - {"base"}
    assert len(modules) == len(OPERATORS) == 12
    assert {op.compile.__module__.rsplit(".", 1)[1] for op in OPERATORS.values()} == modules


def test_registry_order_is_by_kind_then_key() -> None:
    assert list(OPERATORS) == [
        "clause",
        "phrase",
        "regex",
        "overlap",
        "pii",
        "silence",
        "speaking_rate",
        "talk_ratio",
        "all",
        "any",
        "at_least",
        "not",
    ]
    kinds = [op.kind.value for op in OPERATORS.values()]
    assert kinds == sorted(kinds) and set(kinds) == {k.value for k in Kind}


@pytest.mark.parametrize("key", list(OPERATORS))
def test_operator_has_a_one_line_doc(key: str) -> None:
    doc = OPERATORS[key].doc
    assert doc.strip() and "\n" not in doc and len(f"{key} (measure): {doc}") <= 100


@pytest.mark.parametrize("key", list(OPERATORS))
def test_operator_example_compiles_and_runs(key: str) -> None:
    data = yaml.safe_load(OPERATORS[key].example)
    assert key in data
    node = condition_from_yaml(data)
    assert isinstance(node, Node)
    assert type(node).__module__ == OPERATORS[key].compile.__module__
    hits = node.hits(CallContext(CALL, PII))
    assert all(0.0 <= h.start <= h.end <= CALL.duration for h in hits)


@pytest.mark.parametrize("key", list(OPERATORS))
def test_condition_spec_has_a_field_per_operator(key: str) -> None:
    op = OPERATORS[key]
    field = ConditionSpec.model_fields[op.field_name]
    assert field.default is None
    assert (field.alias or op.field_name) == key


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"frase": "x"}, "unknown keys: frase"),
        ({}, "exactly one operator of clause, phrase, regex, overlap, pii"),
        ({"phrase": {"any": ["a"]}, "regex": "b"}, "got ['phrase', 'regex']"),
        ({"all": []}, "empty list"),
        ({"any": []}, "empty list"),
        ({"not": {}}, "exactly one operator"),
    ],
)
def test_condition_spec_needs_exactly_one_operator(data: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ConditionSpec.model_validate(data)


def test_not_is_an_alias_and_same_segment_an_option_of_all() -> None:
    spec = ConditionSpec.model_validate(
        {"not": {"all": [{"phrase": {"any": ["a"]}}], "same_segment": True}}
    )
    operator, child = spec.operator()
    assert operator.key == "not" and child.operator()[0].key == "all" and child.same_segment


def test_rules_operators_lists_every_operator_with_fields() -> None:
    out = io.StringIO()
    assert run_operators(None, out) == 0
    text = out.getvalue()
    for key, op in OPERATORS.items():
        assert f"{key} ({op.kind.name.lower()}): {op.doc}" in text
        assert f"example: {op.example}" in text
    assert "      min_s: float (required)" in text  # silence
    assert "    with: same_segment: bool (default False)" in text
    assert "    window: WindowSpec" in text


def test_rules_operators_command(capsys: pytest.CaptureFixture) -> None:
    assert main(["rules", "operators"]) == 0
    assert "speaking_rate (measure)" in capsys.readouterr().out
