"""Base for entities that are only PII when context says so (codes, PINs, account numbers)."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

CONTEXT_ONLY_SCORE = 0.05  # below the engine threshold until a context word lifts it


class ContextPatternRecognizer(StdlibPatternRecognizer):
    """A declarative recognizer: subclasses set ENTITY, PATTERNS, CONTEXT (and exclusions)."""

    ENTITY = ""
    PATTERNS: ClassVar[list[Pattern]] = []
    CONTEXT: ClassVar[list[str]] = []
    # phrases holding a context word that do not announce this entity ("zip code")
    CONTEXT_EXCLUSIONS: ClassVar[list[str]] = []

    def __init__(self, supported_language: str = "zh") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"{type(self).__name__}_{supported_language}",
        )
        self.context_exclusions: tuple[str, ...] = tuple(self.CONTEXT_EXCLUSIONS)
