"""Thousands-grouped numbers: an amount or digits dictated in Whisper's thousands style."""

from __future__ import annotations

import pytest

from pipeline.models import Segment, Transcript
from pipeline.pii.masking import mask_text, mask_transcript
from pipeline.pii.normalize import normalize
from pipeline.pii.thousands import THOUSANDS_RE, is_dictated_thousands
from tests.pii.conftest import found


def _first_thousands(text: str) -> tuple[int, int]:
    match = THOUSANDS_RE.search(text)
    assert match is not None, text
    return match.span()


@pytest.mark.parametrize(
    ("text", "dictated"),
    [
        # a sensitive context word before it: digits dictated one by one
        ("Okay, the PIN is 1,984 and the code", True),
        ("the code is 773,210", True),
        ("验证码是773,210", True),
        ("取款密码是123,456", True),
        ("My Social is 536,228,741.", True),
        ("my account number is 12,345,678", True),
        ("卡号是622,202,123", True),
        # ... the closer context word wins
        ("I paid the fee, the code is 773,210", True),
        ("my card limit is 5,000", False),
        ("your PIN protects a balance of 12,000", False),
        # 9+ digits with no context at all
        ("It is 536,228,741.", True),
        ("okay, write this down: 9,317,604,896", True),
        # money right next to it
        ("$5,000", False),
        ("RMB 12,000", False),
        ("12,000 dollars", False),
        ("the code is 12,000 USD", False),
        ("5,000元", False),
        ("$536,228,741", False),
        # an amount word before it
        ("a balance of 12,000", False),
        ("the price is 773,210", False),
        ("the transfer was 536,228,741", False),
        ("余额12,000", False),
        ("本期还款金额3,500", False),
        # a quantity or a year
        ("about 2,500 customers", False),
        ("the account has 1,250 transactions", False),
        ("We have 536,228,741 customers", False),
        ("大约12,000", False),
        ("the code came in 2,024", False),
        # short, no context: an amount (Whisper writes 1984 for a year, 1,984 for a count)
        ("I sent 1,984", False),
        ("in 2,024 we", False),
    ],
)
def test_is_dictated_thousands(text, dictated):
    assert is_dictated_thousands(text, *_first_thousands(text)) is dictated


def test_plural_guard_does_not_swallow_function_words():
    text = "the PIN is 1,984 thanks, is that right"
    assert is_dictated_thousands(text, *_first_thousands(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Okay, the PIN is 1,984 and the code is 773,210.",
            "Okay, the PIN is 1984 and the code is 773210.",
        ),
        ("It is 536,228,741.", "It is 536228741."),
        ("验证码是773,210", "验证码是773210"),
        # negatives keep their shape
        (
            "$5,000, 12,000 dollars, a balance of 12,000",
            "$5,000, 12,000 dollars, a balance of 12,000",
        ),
        ("年化收益率3.85%，5,000元，1,000-5,000", "年化收益率3.85%，5,000元，1,000-5,000"),
        ("the code: about 2,500 customers in 2,024", "the code: about 2,500 customers in 2,024"),
        ("the PIN range is 1,000-5,000", "the PIN range is 1,000-5,000"),
        ("the code is $12,500.00", "the code is $12,500.00"),
    ],
)
def test_normalize_thousands_style(text, expected):
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "en",
            "Okay, the PIN is 1,984 and the code is 773,210.",
            "Okay, the PIN is [REDACTED] and the code is [REDACTED].",
        ),
        ("en", "the code is 773,210", "the code is [REDACTED]"),
        ("zh", "验证码是773,210", "验证码是[REDACTED]"),
        ("en", "My Social is 536,228,741.", "My Social is <SSN>."),
        ("en", "It is 536,228,741.", "It is <NUMBER>."),
        (
            "en",
            "You have a balance of 12,000, about 2,500 customers, since 2,024, $5,000.",
            "You have a balance of 12,000, about 2,500 customers, since 2,024, $5,000.",
        ),
        (
            "zh",
            "余额12,000，转账5,000元，年化收益率3.85%",
            "余额12,000，转账5,000元，年化收益率3.85%",
        ),
    ],
)
def test_thousands_style_dictation_masked(engine, policy, lang, text, expected):
    assert mask_text(text, engine.analyze_text(text, lang), policy, b"") == expected


def test_thousands_style_entities(engine):
    assert found(engine, "Okay, the PIN is 1,984 and the code is 773,210.", "en") == [
        ("PIN", "1,984"),
        ("VERIFICATION_CODE", "773,210"),
    ]
    assert found(engine, "My Social is 536,228,741.", "en") == [("SSN", "536,228,741")]


def test_two_speaker_ssn_in_thousands_style_is_masked(engine, policy):
    segments = (
        Segment("agent", 0.0, 2.0, "And your social security number, please."),
        Segment("customer", 2.0, 4.0, "It is 536,228,741."),
        Segment("agent", 4.0, 6.0, "Thank you. Your balance is 12,000."),
    )
    transcript = Transcript("t1", "en", 6.0, segments)
    findings = engine.analyze_transcript(transcript)
    assert [(f.entity_type, f.segment_index, f.speaker) for f in findings] == [
        ("SSN", 1, "customer")
    ]
    assert segments[1].text[findings[0].start : findings[0].end] == "536,228,741"
    masked = mask_transcript(transcript, findings, policy, b"").segments
    assert masked[1].text == "It is <SSN>."
    assert masked[2].text == segments[2].text
