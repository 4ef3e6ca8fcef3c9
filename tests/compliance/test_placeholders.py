"""Mask placeholders in an already-masked transcript read as PII findings for the rules."""

from __future__ import annotations

import pytest

from pipeline.compliance.evaluator import call_context
from pipeline.compliance.loader import condition_from_yaml
from pipeline.compliance.placeholders import (
    REDACTED_TYPE,
    accepted_types,
    placeholder_findings,
)

from .conftest import call


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Okay, the PIN is [REDACTED] and the code is [REDACTED].", [REDACTED_TYPE] * 2),
        ("this is <PERSON>, agent 5508", ["PERSON"]),
        ("call me at <PHONE_3f9a1c> or <EMAIL_00aa11bb>", ["PHONE", "EMAIL"]),
        ("身份证号是<ID_CARD>，卡号<BANK_CARD>", ["ID_CARD", "BANK_CARD"]),
        ("the card number is 471620******9599", []),
        ("a < b and [redacted] in lower case is speech, not a mask", []),
    ],
)
def test_placeholder_findings(text: str, expected: list[str]) -> None:
    transcript = call("en", ("customer", text))
    findings = placeholder_findings(transcript)
    assert [f.entity_type for f in findings] == expected
    for f in findings:
        assert text[f.start] in "<[" and text[f.end - 1] in ">]"
        assert f.speaker == "customer" and f.segment_index == 0


@pytest.mark.parametrize(
    ("types", "redacted"),
    [({"PIN"}, True), ({"CVV", "PERSON"}, True), ({"PERSON"}, False), ({"BANK_CARD"}, False)],
)
def test_redacted_counts_only_for_sensitive_auth_types(types: set[str], redacted: bool) -> None:
    assert (REDACTED_TYPE in accepted_types(frozenset(types))) is redacted


def test_pii_condition_sees_placeholders_of_a_masked_transcript() -> None:
    transcript = call(
        "en",
        ("agent", "this is <PERSON> speaking"),
        ("customer", "the PIN is [REDACTED]"),
    )
    ctx = call_context(transcript, ())
    auth = condition_from_yaml({"pii": {"types": ["PIN"]}, "speaker": "customer"})
    person = condition_from_yaml({"pii": {"types": ["PERSON"]}, "speaker": "agent"})
    card = condition_from_yaml({"pii": {"types": ["BANK_CARD"]}})
    assert [h.segment_index for h in auth.hits(ctx)] == [1]
    assert [h.segment_index for h in person.hits(ctx)] == [0]
    assert card.hits(ctx) == ()
