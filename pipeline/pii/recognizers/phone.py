"""Phone numbers: Chinese mobile and landline, US/NANP and international (+CC) numbers.

Service lines are not customer PII: 5-digit bank hotlines (95555, 95588) never match, and
400/800 (China) and toll-free NANP numbers (800, 888, 877, ...) are rejected by validation.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.checksums import MOBILE_DIGITS, MOBILE_PREFIX, has_mobile_prefix
from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE, digits_of
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

SERVICE_PREFIXES = ("400", "800", "888", "877", "866", "855", "844", "833")
_S = r"[ \-.]?"


class CallPhoneRecognizer(StdlibPatternRecognizer):
    """CN mobile 1[3-9]x (+86), CN landline with area code, NANP and +CC numbers."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "cn_mobile",
            NO_DIGIT_BEFORE
            + r"(?:(?:\+|00)?86"
            + _S
            + r")?"
            + MOBILE_PREFIX
            + r"(?:"
            + _S
            + rf"\d){{{MOBILE_DIGITS - 2}}}"
            + NO_DIGIT_AFTER,
            0.6,
        ),
        Pattern(
            "cn_landline",
            NO_DIGIT_BEFORE
            + r"(?:\+?86"
            + _S
            + r")?\(?0[1-9]\d{1,2}\)?"
            + _S
            + r"[2-8]\d{2,3}"
            + _S
            + r"\d{4}"
            + NO_DIGIT_AFTER,
            0.5,
        ),
        Pattern(
            "nanp_grouped",
            NO_DIGIT_BEFORE
            + r"(?:\+?1"
            + _S
            + r")?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ \-.])[2-9]\d{2}[ \-.]\d{4}"
            + NO_DIGIT_AFTER,
            0.5,
        ),
        Pattern(
            "nanp_plain", NO_DIGIT_BEFORE + r"(?:\+?1)?[2-9]\d{2}[2-9]\d{6}" + NO_DIGIT_AFTER, 0.2
        ),
        Pattern(
            "international",
            r"(?<![0-9\w])\+(?:[1-9]\d{0,2})[ \-]?\(?\d{1,4}\)?(?:[ \-]?\d{2,4}){2,4}"
            + NO_DIGIT_AFTER,
            0.5,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "手机",
        "电话",
        "联系方式",
        "手机号",
        "号码",
        "座机",
        "phone",
        "mobile",
        "cell",
        "call",
        "number",
        "reach",
        "contact",
    ]

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity="PHONE",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"PhoneRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        """Reject hotlines and toll-free numbers; keep the pattern score otherwise."""
        number = digits_of(pattern_text)
        if re.match(r"\s*\+?1[ \-.(]", pattern_text):
            number = number[1:]
        for country in ("0086", "86"):
            if pattern_text.lstrip().startswith(("+", "00")) and number.startswith(country):
                number = number[len(country) :]
                break
        if (
            len(number) == MOBILE_DIGITS
            and number.startswith("1")
            and not has_mobile_prefix(number)
        ):  # a NANP number after its country code 1
            number = number[1:]
        if number.startswith(SERVICE_PREFIXES):
            return False
        return None
