"""Context enhancement over a character window, for text without reliable word boundaries.

Presidio's default enhancer compares context words with the lemmas of the few tokens before a
match; jieba's segmentation of 短信验证码 or 背面三位 varies, so this one looks for the context
words (as substrings, case-insensitive) in the characters just before the match. The distance
to the nearest context word is kept in the result metadata so the engine can prefer the entity
whose context is closest (then the longer, more specific context word) when two context-only
recognizers match the same digits. A recognizer may list ``context_exclusions``: phrases that
contain one of its context words without meaning it ("zip code" is not a verification code).

An answer reaches back to the question. A transcript is analysed as one text whose turns are
separated by :data:`TURN_SEPARATOR` (the engine's speaker-change joiner); when the window before
the digits reaches into the previous turn, it covers that whole turn (up to
:data:`PREVIOUS_TURN_CHARS`). "给您发了条短信，麻烦把里面那几位数字读给我，我帮您核实一下身份"
and then "哦，稍等，我看看，是七二九四幺六" puts 短信 more than :data:`CONTEXT_PREFIX_CHARS`
characters before the code.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts

from pipeline.pii.engine import SPEAKER_CHANGE_JOINER

CONTEXT_PREFIX_CHARS = 40  # how far back a context word may be
PREVIOUS_TURN_CHARS = 240  # how much of the previous turn an answer at a turn's start sees
TURN_SEPARATOR = SPEAKER_CHANGE_JOINER  # between two speakers' turns
CONTEXT_BOOST = 0.35  # Presidio's usual similarity factor
MIN_SCORE_WITH_CONTEXT = 0.4  # a boosted result reaches at least the engine threshold
CONTEXT_DISTANCE_KEY = "context_distance"  # recognition_metadata key: chars to the context word
CONTEXT_WORD_CHARS_KEY = "context_word_chars"  # recognition_metadata key: its length


class CharWindowContextEnhancer(ContextAwareEnhancer):
    """Raise a result's score when one of its recognizer's context words precedes it."""

    def __init__(self, prefix_chars: int = CONTEXT_PREFIX_CHARS) -> None:
        super().__init__(
            context_similarity_factor=CONTEXT_BOOST,
            min_score_with_context_similarity=MIN_SCORE_WITH_CONTEXT,
            context_prefix_count=prefix_chars,
            context_suffix_count=0,
        )
        self.prefix_chars = prefix_chars

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """``raw_results`` with boosted scores (fresh per analysis, so changed in place: a deep
        copy of every result cost more than the whole context search)."""
        results = raw_results
        by_id = {r.id: r for r in recognizers}
        lowered = text.lower()
        for result in results:
            meta = result.recognition_metadata or {}
            recognizer = by_id.get(meta.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if recognizer is None or not recognizer.context:
                continue
            if meta.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY):
                continue
            window_start = context_window_start(lowered, result.start, self.prefix_chars)
            window = lowered[window_start : result.start]
            excluded = getattr(recognizer, "context_exclusions", ())
            blockers = getattr(recognizer, "context_blockers", ())
            best = -1
            best_word = ""
            for word in recognizer.context:
                pos = window.rfind(word.lower())
                # the exclusion is looked for in the whole text: the window may cut "zip code"
                # down to "p code"
                if pos < 0 or _excluded(
                    lowered, window_start + pos, window_start + pos + len(word), excluded
                ):
                    continue
                after = window[pos + len(word) :]
                if any(blocker in after for blocker in blockers):
                    continue  # the digits answer a later question (see context_blockers)
                end = pos + len(word)
                if end > best or (end == best and len(word) > len(best_word)):
                    best, best_word = end, word
            if best < 0:
                continue
            result.score = min(max(result.score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT), 1.0)
            meta[CONTEXT_DISTANCE_KEY] = len(window) - best
            meta[CONTEXT_WORD_CHARS_KEY] = len(best_word)
            result.recognition_metadata = meta
            if result.analysis_explanation is not None:
                result.analysis_explanation.set_supportive_context_word(best_word)
                result.analysis_explanation.set_improved_score(result.score)
        return results


def context_window_start(text: str, start: int, prefix_chars: int = CONTEXT_PREFIX_CHARS) -> int:
    """Where the context window of a match at ``start`` begins: ``prefix_chars`` back, or, when
    that reaches into the previous turn, that turn's start (at most :data:`PREVIOUS_TURN_CHARS`
    before the turn boundary), so that an answer sees the whole question."""
    window_start = max(0, start - prefix_chars)
    boundary = text.rfind(TURN_SEPARATOR, window_start, start)
    if boundary < 0:
        return window_start
    previous = text.rfind(TURN_SEPARATOR, 0, boundary)
    previous_start = previous + len(TURN_SEPARATOR) if previous >= 0 else 0
    return min(window_start, max(previous_start, boundary - PREVIOUS_TURN_CHARS))


def _excluded(text: str, start: int, end: int, exclusions: tuple[str, ...]) -> bool:
    """True when the context word at ``text[start:end]`` is part of an excluded phrase
    (zip code, area code: "code" there does not announce a secret)."""
    for phrase in exclusions:
        phrase = phrase.lower()
        low = max(0, end - len(phrase))
        if text.find(phrase, low, start + len(phrase)) >= 0:
            return True
    return False
