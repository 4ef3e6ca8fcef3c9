"""Base for entities that are only PII when context says so (codes, PINs, account numbers)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

CONTEXT_ONLY_SCORE = 0.05  # below the engine threshold until a context word lifts it

# Announcements of some other, non-secret number: one of these between a secret's context word
# and the digits means the digits answer it ("不要告诉我密码……请提供身份证后四位：二二八六").
OTHER_NUMBER_ANNOUNCEMENTS = (
    "后四位",
    "后六位",
    "尾号",
    "身份证",
    "证件号",
    "手机号",
    "电话号",
    "卡号",
    "出生",
    "生日",
    "邮编",
    "邮政编码",
    "last four",
    "last 4",
    "date of birth",
    "birthday",
    "zip",
    "phone number",
    "social security",
    "account number",
    "card number",
)


class ContextPatternRecognizer(StdlibPatternRecognizer):
    """A declarative recognizer: subclasses set ENTITY, PATTERNS, CONTEXT (and exclusions)."""

    ENTITY = ""
    PATTERNS: ClassVar[list[Pattern]] = []
    CONTEXT: ClassVar[list[str]] = []
    # phrases holding a context word that do not announce this entity ("zip code")
    CONTEXT_EXCLUSIONS: ClassVar[list[str]] = []
    # phrases that, said after a context word and before the digits, hand the digits to
    # another question (secrets use OTHER_NUMBER_ANNOUNCEMENTS)
    CONTEXT_BLOCKERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"{type(self).__name__}_{supported_language}",
        )
        self.context_exclusions: tuple[str, ...] = tuple(self.CONTEXT_EXCLUSIONS)
        self.context_blockers: tuple[str, ...] = tuple(self.CONTEXT_BLOCKERS)


class SecretContextRecognizer(ContextPatternRecognizer):
    """A secret (PIN, password, CVV, one-time code): digits after its context word are not it
    when another number was asked for in between (``OTHER_NUMBER_ANNOUNCEMENTS``)."""

    CONTEXT_BLOCKERS = OTHER_NUMBER_ANNOUNCEMENTS
