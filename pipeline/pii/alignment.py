"""Where each ASR word sits in its segment's text (words carry times, not offsets)."""

from __future__ import annotations

from pipeline.models import Segment


def word_offsets(segment: Segment) -> list[tuple[int, int] | None]:
    """Character span of each word in ``segment.text``, or None where it cannot be found."""
    offsets: list[tuple[int, int] | None] = []
    cursor = 0
    for word in segment.words:
        needle = word.text.strip()
        pos = segment.text.find(needle, cursor) if needle else -1
        if pos < 0 or pos - cursor > max(8, len(needle) * 2):
            offsets.append(None)
            continue
        offsets.append((pos, pos + len(needle)))
        cursor = pos + len(needle)
    return offsets


def time_span(segment: Segment, start: int, end: int) -> tuple[float, float]:
    """Seconds covered by the words overlapping ``[start, end)``; the segment's span otherwise."""
    times = [
        (word.start, word.end)
        for word, span in zip(segment.words, word_offsets(segment), strict=True)
        if span is not None and span[0] < end and span[1] > start
    ]
    if not times:
        return segment.start, segment.end
    return min(t[0] for t in times), max(t[1] for t in times)
