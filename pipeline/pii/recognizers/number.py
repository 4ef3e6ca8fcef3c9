"""Unclassified sensitive numbers (``NUMBER``): the safety net under the specific recognizers.

On a bank call two kinds of digit sequence are almost always sensitive even when nothing says
what they are:

- a long run of :data:`LONG_RUN_MIN_DIGITS` or more digits (written or spoken): a card number
  whose Luhn check an ASR slip broke, an account or ID number said without a context word;
- a number spoken digit by digit (一二三四 / "four eight two nine", or written so: "1, 9, 8, 4")
  of :data:`SPOKEN_MIN_DIGITS` or more digits: a code, PIN or part of an account. Amounts, dates
  and rates are said as quantities (三千块, "five thousand"), not digit by digit;
- a number dictated in digit groups as Whisper writes it ("536.228.741", "773 210") of
  :data:`GROUPED_MIN_DIGITS` or more digits (the normaliser has already left amounts, dates,
  decimals and phone layouts alone);
- the digit-density safety net: any stretch of digit groups with mixed separators and at least
  :data:`pipeline.pii.normalize.MIN_DENSE_RUN_DIGITS` digits ("4-9-1-6, 0-3-10-10-8-2-1-5"),
  which the normaliser joins and reports with the grouped runs. A 13-19 digit one after a card
  read-back phrase or card context is retyped ``BANK_CARD`` by the engine.

Both are ``NUMBER`` findings, scored low and marked as a fallback: the engine keeps one only
where no specific finding (card, phone, code, ...) already covers those digits, and a unit or
date word right after the digits (元, 年, %, dollars) rules it out. Set
:data:`LONG_RUN_MIN_DIGITS`, :data:`SPOKEN_MIN_DIGITS` or :data:`GROUPED_MIN_DIGITS` to 0 to
switch one off.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, RecognizerResult

from pipeline.pii.recognizers._common import (
    NO_DIGIT_BEFORE,
    NOT_CURRENCY_BEFORE,
    NOT_QUANTITY_AFTER,
)
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

ENTITY = "NUMBER"
LONG_RUN_MIN_DIGITS = 12  # a run this long with no other classification is masked
SPOKEN_MIN_DIGITS = 4  # a digit-by-digit spoken run this long is masked
GROUPED_MIN_DIGITS = 6  # a run joined from written digit groups this long is masked
FALLBACK_SCORE = 0.45  # just above the engine threshold; specific findings take precedence
FALLBACK_KEY = "fallback"  # recognition_metadata flag: keep only where nothing specific is
SPOKEN_RECOGNIZER_NAME = "SpokenNumberRule"

_QUANTITY_AFTER_RE = re.compile(NOT_QUANTITY_AFTER)


class NumberRecognizer(StdlibPatternRecognizer):
    """``NUMBER``: long digit runs (spaces or dashes allowed) that nothing else explains."""

    PATTERNS: ClassVar[list[Pattern]] = (
        [
            Pattern(
                "long_digit_run",
                NOT_CURRENCY_BEFORE
                + NO_DIGIT_BEFORE
                + rf"\d(?:[ \-]?\d){{{LONG_RUN_MIN_DIGITS - 1},40}}"
                + r"(?![ \-]?[0-9])"  # the whole run, never a shortened one
                + NOT_QUANTITY_AFTER,
                FALLBACK_SCORE,
            )
        ]
        if LONG_RUN_MIN_DIGITS
        else []
    )

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=ENTITY,
            patterns=self.PATTERNS,
            supported_language=supported_language,
            name=f"NumberRecognizer_{supported_language}",
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        """Pattern matches, flagged as fallback findings."""
        results = (
            super().analyze(text, entities, nlp_artifacts, regex_flags) if self.patterns else []
        )
        for result in results:
            result.recognition_metadata[FALLBACK_KEY] = True
        return results


def spoken_number_results(
    text: str,
    spoken_runs: tuple[tuple[int, int], ...],
    grouped_runs: tuple[tuple[int, int], ...] = (),
) -> list[RecognizerResult]:
    """Fallback ``NUMBER`` results for runs of ``text`` (normalised) that were spoken digits or
    joined digit groups."""
    results = []
    for runs, min_digits in ((spoken_runs, SPOKEN_MIN_DIGITS), (grouped_runs, GROUPED_MIN_DIGITS)):
        if not min_digits:
            continue
        for start, end in runs:
            if end - start < min_digits or not _QUANTITY_AFTER_RE.match(text, end):
                continue
            results.append(
                RecognizerResult(
                    ENTITY,
                    start,
                    end,
                    FALLBACK_SCORE,
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: SPOKEN_RECOGNIZER_NAME,
                        FALLBACK_KEY: True,
                    },
                )
            )
    return results
