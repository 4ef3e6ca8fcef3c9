"""A PatternRecognizer that runs its patterns on the standard-library ``re`` engine.

Presidio's PatternRecognizer matches with the third-party ``regex`` module (with a per-call
timeout), which is several times slower than ``re`` on our patterns and made pattern matching a
large share of a call's analysis time. This base keeps Presidio's contract (declarative
``patterns``, ``validate_result`` / ``invalidate_result``, the same scores, explanation and
metadata) and only swaps the engine; patterns are compiled once per flag set. Every pattern
here is plain ``re`` syntax (fixed-width look-behinds), which the tests exercise.
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import EntityRecognizer, PatternRecognizer, RecognizerResult


class StdlibPatternRecognizer(PatternRecognizer):
    """PatternRecognizer semantics on ``re``; subclasses override ``validate_result`` only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._compiled: dict[int, list[tuple[Any, re.Pattern[str]]]] = {}

    def _patterns_for(self, flags: int) -> list[tuple[Any, re.Pattern[str]]]:
        compiled = self._compiled.get(flags)
        if compiled is None:
            compiled = [(p, re.compile(p.regex, flags)) for p in self.patterns]
            self._compiled[flags] = compiled
        return compiled

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: Any = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Every pattern match that validation does not reject, as Presidio scores it."""
        flags = int(regex_flags or self.global_regex_flags or 0)
        entity = self.supported_entities[0]
        results: list[RecognizerResult] = []
        for pattern, regex in self._patterns_for(flags):
            for match in regex.finditer(text):
                start, end = match.span()
                if start == end:
                    continue
                matched = text[start:end]
                validation = self.validate_result(matched)
                explanation = self.build_regex_explanation(  # Presidio passes None too
                    self.name,
                    pattern.name,
                    pattern.regex,
                    pattern.score,
                    validation,  # type: ignore[arg-type]
                    flags,
                )
                score = pattern.score
                if validation is not None:
                    score = EntityRecognizer.MAX_SCORE if validation else EntityRecognizer.MIN_SCORE
                if self.invalidate_result(matched):
                    score = EntityRecognizer.MIN_SCORE
                explanation.score = score
                if score <= EntityRecognizer.MIN_SCORE:
                    continue
                results.append(
                    RecognizerResult(
                        entity_type=entity,
                        start=start,
                        end=end,
                        score=score,
                        analysis_explanation=explanation,
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return EntityRecognizer.remove_duplicates(results)
