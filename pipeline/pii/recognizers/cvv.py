"""Card security codes (CVV/CVN/CVC, 安全码, 背面三位), recognised by context only."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import (
    NO_DIGIT_BEFORE,
    NOT_CURRENCY_BEFORE,
    NOT_QUANTITY_AFTER,
)
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, SecretContextRecognizer


class CvvRecognizer(SecretContextRecognizer):
    """3 or 4 digits after 安全码 / 背面 / CVV / security code."""

    ENTITY = "CVV"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "cvv_digits",
            NOT_CURRENCY_BEFORE + NO_DIGIT_BEFORE + r"\d{3,4}" + NOT_QUANTITY_AFTER,
            CONTEXT_ONLY_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "安全码",
        "背面",
        "末三位",
        "校验位",
        "cvv",
        "cvn",
        "cvc",
        "cvv2",
        "security code",
        "three digit",
        "3 digit",
        "back of the card",
        "back of your card",
        # "the three numbers on the back", "最后面那三个数字": where the code is printed
        "on the back",
        "numbers on the back",
        "digits on the back",
        "签名条",
        # the card turned over to read it: "flip it over and read me the numbers next to the
        # signature strip"
        "signature strip",
        "signature panel",
        "signature box",
        "flip it over",
        "flip the card over",
        "turn it over",
        "turn the card over",
        "三个数字",
        "三位数字",
    ]
