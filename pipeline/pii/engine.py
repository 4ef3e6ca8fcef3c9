"""The PII engine: Presidio's AnalyzerEngine with our recognizers, on normalised text.

Text is first run through :func:`pipeline.pii.normalize.normalize` (spoken and comma-grouped
numbers to digits, with an offset map); Presidio analyses the normalised text; spans are mapped
back to the original text, so a spoken card number is reported (and masked) whole. A transcript
is analysed in one pass over its segments joined together: adjacent segments of one speaker are
joined by a space (a number split across them is found), other boundaries by a newline; a span
over a boundary is reported once per segment part. Findings carry offsets, never values.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from pipeline.models import PiiFinding, Transcript
from pipeline.pii.alignment import time_span
from pipeline.pii.normalize import normalize

SCORE_THRESHOLD = 0.4  # results below this are dropped (context-only patterns start at 0.05)
SAME_SPEAKER_JOINER = " "  # between adjacent segments of one speaker: numbers may run on
SPEAKER_CHANGE_JOINER = "\n\n"  # elsewhere: a blank line, which nothing runs across
CARD_LOOKBACK_SEGMENTS = 2  # segments before a number's own in which card context counts
CARD_LOOKBACK_CHARS = 400  # ... and at most this many characters before the number
CARD_READBACK_RECOGNIZER = "CardReadbackContext"
PRESIDIO_LOGGERS = ("presidio-analyzer", "presidio-anonymizer")


@dataclass(frozen=True)
class TextSpan:
    """A PII span in the original (not normalised) text."""

    entity_type: str  # e.g. "BANK_CARD"
    start: int  # character offset, inclusive
    end: int  # character offset, exclusive
    score: float  # 0..1
    recognizer: str  # name of the recognizer that found it


def _priority(result: Any) -> tuple[bool, float, int, int, int]:
    from pipeline.pii.context import CONTEXT_DISTANCE_KEY, CONTEXT_WORD_CHARS_KEY
    from pipeline.pii.recognizers.number import FALLBACK_KEY

    meta = result.recognition_metadata or {}
    return (
        bool(meta.get(FALLBACK_KEY)),  # fallback findings come last, whatever their score
        -round(result.score, 3),
        meta.get(CONTEXT_DISTANCE_KEY, 0),  # the nearest context word wins ...
        -meta.get(CONTEXT_WORD_CHARS_KEY, 0),  # ... and then the most specific one
        -(result.end - result.start),
    )


def resolve_overlaps(results: list[Any]) -> list[Any]:
    """Drop a result contained in (or equal to) a better one; fallback ``NUMBER`` results rank
    below every specific result, so they survive only where nothing specific covers them."""
    kept: list[Any] = []
    for result in sorted(results, key=_priority):
        if any(k.start <= result.start and result.end <= k.end for k in kept):
            continue
        kept.append(result)
    return sorted(kept, key=lambda r: (r.start, r.end))


class PiiEngine:
    """Analyse text and transcripts for PII. Build it once (see :func:`get_engine`)."""

    def __init__(self, analyzer: Any, score_threshold: float = SCORE_THRESHOLD) -> None:
        self._analyzer = analyzer
        self._threshold = score_threshold

    def analyze_text(
        self, text: str, language: str = "auto", segment_starts: Sequence[int] = ()
    ) -> list[TextSpan]:
        """PII spans in ``text`` (offsets into ``text``); ``language`` is zh, en or auto.

        ``segment_starts`` (ascending offsets of the segments joined into ``text``) bounds the
        card-context lookback to the previous :data:`CARD_LOOKBACK_SEGMENTS` segments.
        """
        from pipeline.pii.checksums import CARD_DIGITS
        from pipeline.pii.nlp import detect_language
        from pipeline.pii.recognizers.number import ENTITY as NUMBER_ENTITY
        from pipeline.pii.recognizers.number import spoken_number_results

        if not text.strip():
            return []
        lang = detect_language(text) if language not in ("zh", "en") else language
        norm = normalize(text)
        raw = self._analyzer.analyze(norm.text, language=lang, score_threshold=self._threshold)
        raw.extend(spoken_number_results(norm.text, norm.spoken_runs, norm.grouped_runs))
        spans: list[TextSpan] = []
        for result in resolve_overlaps(raw):
            start, end = norm.to_original(result.start, result.end)
            meta = result.recognition_metadata or {}
            span = TextSpan(
                result.entity_type,
                start,
                end,
                float(result.score),
                meta.get("recognizer_name", ""),
            )
            n_digits = sum(ch.isdigit() for ch in norm.text[result.start : result.end])
            if result.entity_type == NUMBER_ENTITY and n_digits in CARD_DIGITS:
                span = _card_if_read_back(text, span, spans, segment_starts)
            spans.append(span)
        return spans

    def analyze_transcript(self, transcript: Transcript) -> tuple[PiiFinding, ...]:
        """Findings per segment (offsets into the segment text, time span from word times)."""
        segments = transcript.segments
        if not segments:
            return ()
        parts: list[str] = []
        offsets: list[int] = []
        position = 0
        for i, seg in enumerate(segments):
            if i:
                joiner = (
                    SAME_SPEAKER_JOINER
                    if seg.speaker == segments[i - 1].speaker
                    else SPEAKER_CHANGE_JOINER
                )
                parts.append(joiner)
                position += len(joiner)
            offsets.append(position)
            parts.append(seg.text)
            position += len(seg.text)
        language = transcript.language if transcript.language in ("zh", "en") else "auto"
        findings: list[PiiFinding] = []
        for span in self.analyze_text("".join(parts), language, offsets):
            first = max(0, bisect_right(offsets, span.start) - 1)
            last = bisect_left(offsets, span.end)
            for index in range(first, last):
                seg = segments[index]
                seg_start = offsets[index]
                start = max(span.start, seg_start) - seg_start
                end = min(span.end, seg_start + len(seg.text)) - seg_start
                if end <= start:
                    continue
                t_start, t_end = time_span(seg, start, end)
                findings.append(
                    PiiFinding(
                        entity_type=span.entity_type,
                        segment_index=index,
                        start=start,
                        end=end,
                        score=span.score,
                        speaker=seg.speaker,
                        time_start=t_start,
                        time_end=t_end,
                        recognizer=span.recognizer,
                    )
                )
        return tuple(findings)


def _card_if_read_back(
    text: str, span: TextSpan, earlier: list[TextSpan], segment_starts: Sequence[int]
) -> TextSpan:
    """``span`` (a 13-19 digit ``NUMBER``) as ``BANK_CARD`` when card context precedes it."""
    from pipeline.pii.recognizers.bank_card import READBACK_NEAR_CHARS, is_card_readback

    floor = max(0, span.start - CARD_LOOKBACK_CHARS)
    if segment_starts:
        own = max(0, bisect_right(segment_starts, span.start) - 1)
        floor = max(floor, segment_starts[max(0, own - CARD_LOOKBACK_SEGMENTS)])
    card_before = any(s.entity_type == "BANK_CARD" and s.end > floor for s in earlier)
    near = text[max(floor, span.start - READBACK_NEAR_CHARS) : span.start]
    if not is_card_readback(near, text[floor : span.start], card_before):
        return span
    return replace(span, entity_type="BANK_CARD", recognizer=CARD_READBACK_RECOGNIZER)


def quiet_presidio_logging() -> None:
    """Presidio logs every engine build and registry change at INFO; keep only warnings,
    unless the ``presidio-analyzer`` logger was given a level on purpose."""
    for name in PRESIDIO_LOGGERS:
        presidio_logger = logging.getLogger(name)
        if presidio_logger.level == logging.NOTSET:
            presidio_logger.setLevel(logging.WARNING)


def build_analyzer() -> Any:
    """A Presidio AnalyzerEngine with our NLP engine, recognizers and context enhancer."""
    quiet_presidio_logging()  # before the first Presidio import: it logs while importing
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from pipeline.pii.context import CharWindowContextEnhancer
    from pipeline.pii.nlp import SUPPORTED_LANGUAGES, CallNlpEngine, make_tldextract_offline
    from pipeline.pii.recognizers import build_recognizers

    make_tldextract_offline()
    nlp_engine = CallNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=list(SUPPORTED_LANGUAGES))
    for language in SUPPORTED_LANGUAGES:
        for recognizer in build_recognizers(language):
            registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=list(SUPPORTED_LANGUAGES),
        default_score_threshold=SCORE_THRESHOLD,
        context_aware_enhancer=CharWindowContextEnhancer(),
    )


@lru_cache(maxsize=1)
def get_engine() -> PiiEngine:
    """The process-wide engine (built on first use, then cached), warmed up in both languages."""
    engine = PiiEngine(build_analyzer())
    engine.analyze_text("我叫王小明，手机13812345678。", "zh")
    engine.analyze_text("My name is John Smith, card 4111 1111 1111 1111.", "en")
    return engine
