"""US Social Security numbers."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE, digits_of
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer


class SsnRecognizer(StdlibPatternRecognizer):
    """AAA-GG-SSSS (dashed or spaced scores; nine plain digits need context)."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern("ssn_grouped", NO_DIGIT_BEFORE + r"\d{3}([- ])\d{2}\1\d{4}" + NO_DIGIT_AFTER, 0.5),
        Pattern("ssn_plain", NO_DIGIT_BEFORE + r"\d{9}" + NO_DIGIT_AFTER, 0.05),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "social security",
        "ssn",
        "social",
        "security number",
        "社会安全号",
        "社保号",
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="SSN",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"SsnRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Area 000/666/9xx, group 00 and serial 0000 are never issued."""
        number = digits_of(pattern_text)
        if number[:3] in ("000", "666") or number[0] == "9" or number[3:5] == "00":
            return False
        if number[5:] == "0000" or len(set(number)) == 1:
            return False
        return None
