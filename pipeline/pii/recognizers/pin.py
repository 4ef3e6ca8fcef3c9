"""Card and account PINs (取款密码, 交易密码, PIN), recognised by context only."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import (
    NO_DIGIT_BEFORE,
    NOT_CURRENCY_BEFORE,
    NOT_QUANTITY_AFTER,
)
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, SecretContextRecognizer


class PinRecognizer(SecretContextRecognizer):
    """4 to 8 digits after 密码 / PIN."""

    ENTITY = "PIN"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "pin_digits",
            NOT_CURRENCY_BEFORE + NO_DIGIT_BEFORE + r"\d{4,8}" + NOT_QUANTITY_AFTER,
            CONTEXT_ONLY_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "密码",
        "取款密码",
        "交易密码",
        "查询密码",
        "支付密码",
        "pin",
        "password",
    ]
