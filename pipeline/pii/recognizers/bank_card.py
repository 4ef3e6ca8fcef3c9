"""Payment card numbers: UnionPay, Visa, Mastercard, Amex, JCB, Discover; Luhn-checked.

A card number said after a card context word (卡号, 银行卡, "card number", "card ending") is a card
number even when ASR got a digit wrong and the Luhn check fails: :class:`CardInContextRecognizer`
finds 13 to 19 digits there without checking them (context only, scored below the checked one).

A card number read back later in the call ("Let me repeat that, 4-9-1-6, ...", 跟您核对一下) is
often far from any card word and, misheard, fails Luhn: the engine then finds it only as a
fallback ``NUMBER``. :func:`is_card_readback` says when such a run of 13 to 19 digits
(``checksums.CARD_DIGITS``) is a card after all: a read-back phrase just before it, or a card word
(or a card number already found) in the lookback the engine gives it (the previous segments,
bounded in characters). A card word that names the bank's department ("信用卡中心", "card
services") in the greeting is no card context.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.checksums import luhn_valid
from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE, SEP, digits_of
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, ContextPatternRecognizer
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

UNCHECKED_CARD_SCORE = CONTEXT_ONLY_SCORE  # the nearer context word decides card vs account
# a card word that names the bank's department, not a card
CARD_DEPARTMENT_NAMES = ("信用卡中心", "信用卡部", "卡中心", "card services", "card center")

# issuer prefix -> allowed lengths
_BRANDS: tuple[tuple[str, tuple[int, ...]], ...] = (
    (r"62|81", (16, 17, 18, 19)),  # UnionPay
    (r"4", (13, 16, 19)),  # Visa
    (r"5[1-5]|2[2-7]", (16,)),  # Mastercard
    (r"3[47]", (15,)),  # Amex
    (r"35", (16, 17, 18, 19)),  # JCB
    (r"6011|64[4-9]|65", (16, 19)),  # Discover
    (r"60|9", (16, 19)),  # domestic debit (e.g. 6013 BOC, 9558 ICBC legacy)
)


def brand_ok(number: str) -> bool:
    """True when the prefix and length fit a known card brand."""
    return any(re.match(prefix, number) and len(number) in lengths for prefix, lengths in _BRANDS)


class BankCardRecognizer(StdlibPatternRecognizer):
    """13 to 19 digits, optionally grouped by spaces, dashes or commas; brand + Luhn validated."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "bank_card", NO_DIGIT_BEFORE + r"[2-9](?:" + SEP + r"\d){12,18}" + NO_DIGIT_AFTER, 0.3
        ),
    ]
    CONTEXT: ClassVar[list[str]] = [
        "卡号",
        "银行卡",
        "信用卡",
        "储蓄卡",
        "借记卡",
        "card",
        "card number",
        "visa",
        "mastercard",
    ]

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity="BANK_CARD",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"BankCardRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool:
        """Known brand prefix and length, and a valid Luhn checksum."""
        number = digits_of(pattern_text)
        return brand_ok(number) and luhn_valid(number)


class CardInContextRecognizer(ContextPatternRecognizer):
    """``BANK_CARD`` without brand or Luhn check: 13 to 19 digits right after a card word."""

    ENTITY = "BANK_CARD"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "card_unchecked",
            NO_DIGIT_BEFORE + r"[0-9](?:" + SEP + r"[0-9]){12,18}" + NO_DIGIT_AFTER,
            UNCHECKED_CARD_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "卡号",
        "银行卡",
        "信用卡",
        "储蓄卡",
        "借记卡",
        "card number",
        "card no",
        "card ending",
        "card is",
        "credit card",
        "debit card",
        "your card",
        "my card",
        "the card",
    ]
    # the centre's name in the greeting ("恒信银行信用卡中心") says nothing about a number
    CONTEXT_EXCLUSIONS: ClassVar[list[str]] = list(CARD_DEPARTMENT_NAMES)


READBACK_NEAR_CHARS = 40  # a read-back phrase this close before the run announces it
READBACK_PHRASES: tuple[str, ...] = (
    "let me repeat",
    "let me read",
    "read it back",
    "read that back",
    "repeat that back",
    "to confirm",
    "let me confirm",
    "跟您核对",
    "和您核对",
    "核对一下",
    "我重复一下",
    "我复述一下",
    "您的卡号是",
)


def is_card_readback(near: str, lookback: str, card_found_before: bool) -> bool:
    """Whether an unclassified 13-19 digit run is a card number, given the text ``near`` before
    it (:data:`READBACK_NEAR_CHARS`), the wider ``lookback`` before it and whether a card number
    was already found in that lookback."""
    near, lookback = near.lower(), lookback.lower()
    for department in CARD_DEPARTMENT_NAMES:  # "信用卡中心" in the greeting is no card context
        lookback = lookback.replace(department, " ")
    return (
        card_found_before
        or any(phrase in near for phrase in READBACK_PHRASES)
        or any(word in lookback for word in CardInContextRecognizer.CONTEXT)
    )
