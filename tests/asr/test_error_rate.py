"""Error-rate normalisation: what counts as the same words or characters."""

from __future__ import annotations

import pytest

from pipeline.asr.error_rate import error_rate, normalise_chinese, normalise_english


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agent ID 4721.", "agent id four seven two one"),
        ("Mr. Smith-Jones, hello!", "mister smith jones hello"),
    ],
)
def test_normalise_english(text: str, expected: str) -> None:
    assert normalise_english(text) == expected


def test_normalise_chinese_simplifies_and_spells_digits() -> None:
    assert normalise_chinese("本次通話，工號3275，幺三八") == "本次通话工号三二七五一三八"


@pytest.mark.parametrize(
    ("reference", "hypothesis", "language", "expected"),
    [
        ("this call is recorded", "this call is recorded.", "en", 0.0),
        ("this call is recorded", "this call is reported", "en", 0.25),
        ("本次通话将被录音", "本次通话将被录音", "zh", 0.0),
        ("本次通话将被录音", "本次中话将被录音", "zh", 0.125),
        ("anything", "", "en", 1.0),
    ],
)
def test_error_rate(reference: str, hypothesis: str, language: str, expected: float) -> None:
    assert error_rate(reference, hypothesis, language) == pytest.approx(expected)
