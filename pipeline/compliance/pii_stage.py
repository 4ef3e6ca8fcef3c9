"""The PII stage as the rule engine uses it: findings plus the masked transcript.

Uses the real Presidio engine and masking policy (``pipeline.pii``) when they import; otherwise
a conservative stand-in that masks every declared finding and every run of four or more digits
(Arabic or spoken Chinese), so evidence is still never unmasked.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache

from pipeline.models import PiiFinding, Transcript

log = logging.getLogger(__name__)

PiiStage = Callable[[Transcript], tuple[tuple[PiiFinding, ...], Transcript]]

_DIGIT_RUN = re.compile(
    r"(?:[0-9零〇一幺二两三四五六七八九]|(?<=\d)[ ,\-](?=\d)){4,}"
    r"|(?:\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|double)\b[ ,\-]*){4,}",
    re.IGNORECASE,
)


def fallback_mask(transcript: Transcript, findings: Sequence[PiiFinding]) -> Transcript:
    """Mask finding spans as ``<TYPE>`` and any long digit run as ``<NUMBER>``."""
    by_segment: dict[int, list[PiiFinding]] = {}
    for f in findings:
        by_segment.setdefault(f.segment_index, []).append(f)
    segments = []
    for i, seg in enumerate(transcript.segments):
        text = seg.text
        for f in sorted(by_segment.get(i, []), key=lambda f: f.start, reverse=True):
            text = text[: f.start] + f"<{f.entity_type}>" + text[f.end :]
        text = _DIGIT_RUN.sub("<NUMBER>", text)
        segments.append(replace(seg, text=text, words=()))
    return replace(transcript, segments=tuple(segments))


def _fallback_stage(transcript: Transcript) -> tuple[tuple[PiiFinding, ...], Transcript]:
    return (), fallback_mask(transcript, ())


@lru_cache(maxsize=1)
def get_pii_stage() -> tuple[PiiStage, bool]:
    """(stage, real): the Presidio-based stage when importable, else the stand-in."""
    try:
        from pipeline.pii.engine import get_engine
        from pipeline.pii.masking import load_policy, mask_transcript
    except ImportError as exc:
        log.warning("PII engine not importable (%s); using the digit-masking stand-in", exc)
        return _fallback_stage, False
    from pipeline.config import get_settings

    settings = get_settings()
    engine = get_engine()
    policy = load_policy(settings.masking_policy)
    key = settings.pseudonym_key.get_secret_value().encode()

    def stage(transcript: Transcript) -> tuple[tuple[PiiFinding, ...], Transcript]:
        findings = tuple(engine.analyze_transcript(transcript))
        return findings, mask_transcript(transcript, findings, policy, key)

    return stage, True
