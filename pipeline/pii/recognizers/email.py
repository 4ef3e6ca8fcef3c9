"""E-mail addresses, as typed or as spoken by ASR ("john dot smith at gmail dot com")."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern, PatternRecognizer

from pipeline.pii.nlp import make_tldextract_offline

_AT = r"(?:\s?@\s?|\s(?:at|艾特)\s|艾特)"
_DOT = r"(?:\.|\s(?:dot|点)\s|点)"


class CallEmailRecognizer(PatternRecognizer):
    """Local part, @ (or "at"), domain with a public suffix (checked offline by tldextract)."""

    PATTERNS: ClassVar[list[Pattern]] = [
        Pattern(
            "email",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+(?:"
            + _DOT
            + r"[A-Za-z0-9_%+\-]+)*"
            + _AT
            + r"[A-Za-z0-9\-]+(?:"
            + _DOT
            + r"[A-Za-z0-9\-]+)+",
            0.5,
        )
    ]
    CONTEXT: ClassVar[list[str]] = ["邮箱", "电子邮件", "邮件", "email", "e-mail", "mail"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="EMAIL",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"EmailRecognizer_{supported_language}",
        )

    def validate_result(self, pattern_text: str) -> bool:
        """The domain must end in a known public suffix (bundled list, no network)."""
        text = re.sub(r"\s?(?:艾特|\bat\b)\s?", "@", pattern_text)
        text = re.sub(r"\s?(?:点|\bdot\b)\s?", ".", text).replace(" ", "")
        if text.count("@") != 1:
            return False
        domain = text.split("@", 1)[1]
        return make_tldextract_offline()(domain).suffix != ""
