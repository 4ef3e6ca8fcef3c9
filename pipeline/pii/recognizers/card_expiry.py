"""Card expiry dates (有效期, expiry), recognised by context only."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, ContextPatternRecognizer

_MONTH = r"(?:0?[1-9]|1[0-2])"


class CardExpiryRecognizer(ContextPatternRecognizer):
    """MM/YY, MMYY, MM/YYYY and 2027年5月 after 有效期 / expiry / valid thru."""

    ENTITY = "CARD_EXPIRY"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "mm_yy",
            NO_DIGIT_BEFORE + _MONTH + r"\s?[/\-]\s?(?:20)?\d{2}" + NO_DIGIT_AFTER,
            CONTEXT_ONLY_SCORE,
        ),
        Pattern(
            "mmyy",
            NO_DIGIT_BEFORE + r"(?:0[1-9]|1[0-2])\d{2}" + NO_DIGIT_AFTER + r"(?![元块%年月日号])",
            CONTEXT_ONLY_SCORE,
        ),
        Pattern(
            "zh_year_month",
            NO_DIGIT_BEFORE
            + r"(?:20)?\d{2}\s?年\s?(?:[01]?\d|十[一二]?|[一二三四五六七八九])\s?月"
            + r"(?!\s?[0-9一二三四五六七八九十]+\s?[日号])",
            CONTEXT_ONLY_SCORE,
        ),
        Pattern(
            "zh_month_year",
            r"(?:[01]?\d|十[一二]?|[一二三四五六七八九])\s?月\s?(?:20)?\d{2}\s?年",
            CONTEXT_ONLY_SCORE,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "有效期",
        "到期",
        "过期",
        "有效日期",
        "expiry",
        "expiration",
        "expires",
        "valid thru",
        "valid through",
        "exp date",
    ]
