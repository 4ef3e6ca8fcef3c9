"""Bank account numbers, recognised when context says account (账号, account number)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._common import NO_DIGIT_AFTER, NO_DIGIT_BEFORE, NOT_CURRENCY_BEFORE
from pipeline.pii.recognizers._context_pattern import CONTEXT_ONLY_SCORE, ContextPatternRecognizer


class BankAccountRecognizer(ContextPatternRecognizer):
    """8 to 25 digits (spaces/dashes allowed) after 账号 / 账户 / account number.

    A card number whose Luhn check fails (an ASR slip) is a ``BANK_CARD`` by its card context
    (see :class:`~pipeline.pii.recognizers.bank_card.CardInContextRecognizer`).
    """

    ENTITY = "BANK_ACCOUNT"
    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "account_digits",
            NOT_CURRENCY_BEFORE
            + NO_DIGIT_BEFORE
            + r"\d(?:[ \-]?\d){7,24}"
            + NO_DIGIT_AFTER
            + r"(?![元块%])",
            CONTEXT_ONLY_SCORE,
        )
    ]
    CONTEXT: ClassVar[list[str]] = [
        "账号",
        "帐号",
        "账户",
        "帐户",
        "户号",
        "account",
        "acct",
        "routing",
        "iban",
    ]
