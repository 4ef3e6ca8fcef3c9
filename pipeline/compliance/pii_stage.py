"""Masking for PII that a test or an example *declares* rather than detects.

Rule examples (``rules test``), the evaluation sets and the rule tests state which PII a turn
holds (``pii: [PIN]``) instead of spelling out real values. :func:`fallback_mask` masks those
declared spans as ``<TYPE>`` and, to stay on the safe side, any run of four or more digits
(Arabic or spoken Chinese / English), so evidence built from such a transcript is never
unmasked. Real transcripts go through :mod:`pipeline.pii.stage`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from pipeline.models import PiiFinding, Transcript

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
