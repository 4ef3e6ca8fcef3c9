"""The speech-only audio fed to Whisper, and the exact way back to call time.

Long pauses are cut out of a channel before it is decoded (:func:`compact_speech`). Whisper then
stamps words in the compacted audio, and is loose at the seams: the first word of a segment is
often stamped from the end of the previous segment, across a cut pause, and one segment may run
over a seam. Mapped naively, that word starts seconds before it was said, and the segment spans
whatever the other speaker said in between.

:func:`map_segment` maps one decoded segment back exactly: each word is assigned to one kept
region (the one its neighbours in the segment lie in, else the one it mostly overlaps) and
clamped to it, so no word straddles a removed pause; a segment is split where its words cross a
removed pause longer than SEAM_SPLIT_S; a segment's times are those of its words. A word is also
kept within WORD_SLACK_S of where the gate heard speech in its region: Whisper stretches a
turn's last word over the silent padding after it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pipeline.asr.guards import AsrSegment
from pipeline.asr.vad.base import SAMPLE_RATE, SpeechRegion
from pipeline.models import Word

SEAM_SPLIT_S = 0.3  # a segment whose words cross a removed pause longer than this is split
WORD_SLACK_S = 0.1  # a word may reach this far into a region's padding, s


@dataclass(frozen=True)
class SpeechMap:
    """Maps times in the speech-only audio back to times in the original channel."""

    compact_starts: tuple[float, ...]  # where each kept region begins in the compact audio, s
    original_starts: tuple[float, ...]  # where it begins in the original audio, s
    lengths: tuple[float, ...]  # region lengths, s
    # padding before the first and after the last speech of each region, s (empty: none)
    lead_pads: tuple[float, ...] = ()
    tail_pads: tuple[float, ...] = ()

    def to_original(self, t: float, *, is_end: bool = False) -> float:
        """Original time of compact time ``t`` (an end on a seam stays in the earlier region)."""
        if not self.compact_starts:
            return t
        return self.in_region(self.region_at(t, is_end=is_end), t)

    def region_at(self, t: float, *, is_end: bool = False) -> int:
        """Index of the kept region holding compact time ``t`` (an end on a seam: the earlier)."""
        finder = bisect.bisect_left if is_end else bisect.bisect_right
        return max(0, finder(self.compact_starts, t) - 1)

    def in_region(self, index: int, t: float) -> float:
        """Original time of compact time ``t`` clamped into kept region ``index``."""
        offset = min(max(t - self.compact_starts[index], 0.0), self.lengths[index])
        return self.original_starts[index] + offset

    def speech_bounds(self, index: int, slack: float = WORD_SLACK_S) -> tuple[float, float]:
        """Compact span of kept region ``index`` where words may lie: its speech, ``slack``
        either side, never outside the region."""
        start = self.compact_starts[index]
        end = start + self.lengths[index]
        if self.lead_pads:
            start = min(end, start + max(0.0, self.lead_pads[index] - slack))
            end = max(start, end - max(0.0, self.tail_pads[index] - slack))
        return start, end

    def overlaps(self, start: float, end: float) -> dict[int, float]:
        """Seconds of compact span [start, end] inside each kept region it touches."""
        first, last = self.region_at(start), self.region_at(end, is_end=True)
        out: dict[int, float] = {}
        for i in range(first, max(first, last) + 1):
            a = max(start, self.compact_starts[i])
            b = min(end, self.compact_starts[i] + self.lengths[i])
            out[i] = max(0.0, b - a)
        return out

    def removed_after(self, index: int) -> float:
        """Seconds of original audio cut out between kept region ``index`` and the next."""
        if index + 1 >= len(self.original_starts):
            return 0.0
        return self.original_starts[index + 1] - (self.original_starts[index] + self.lengths[index])


def compact_speech(
    samples: np.ndarray, regions: Sequence[SpeechRegion], sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, SpeechMap]:
    """The channel's speech regions joined end to end, and the map back to original times."""
    pieces: list[np.ndarray] = []
    compact_starts: list[float] = []
    original_starts: list[float] = []
    lengths: list[float] = []
    lead_pads: list[float] = []
    tail_pads: list[float] = []
    position = 0
    for region in regions:
        a = round(region.start * sample_rate)
        b = min(len(samples), round(region.end * sample_rate))
        if b <= a:
            continue
        compact_starts.append(position / sample_rate)
        original_starts.append(a / sample_rate)
        lengths.append((b - a) / sample_rate)
        speech_start = region.start if region.speech_start is None else region.speech_start
        speech_end = region.end if region.speech_end is None else region.speech_end
        lead_pads.append(max(0.0, speech_start - a / sample_rate))
        tail_pads.append(max(0.0, b / sample_rate - speech_end))
        pieces.append(samples[a:b])
        position += b - a
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)
    speech_map = SpeechMap(
        tuple(compact_starts),
        tuple(original_starts),
        tuple(lengths),
        tuple(lead_pads),
        tuple(tail_pads),
    )
    return audio, speech_map


def _best_region(speech_map: SpeechMap, start: float, end: float, hint: int | None) -> int:
    """The kept region a compact span belongs to: ``hint`` if it touches it, else most overlap
    (a tie goes to the later region, where a stretched first word really is)."""
    if end <= start:
        return speech_map.region_at(start)
    shares = speech_map.overlaps(start, end)
    if hint is not None and shares.get(hint, 0.0) > 0.0:
        return hint
    return max(shares, key=lambda i: (shares[i], i))


def _word_regions(speech_map: SpeechMap, words: Sequence[Word]) -> list[int]:
    """Region of each word; a word across a seam follows the next word (first) or the previous."""
    own = [_best_region(speech_map, w.start, w.end, None) for w in words]
    out: list[int] = []
    for i, word in enumerate(words):
        if len(speech_map.overlaps(word.start, word.end)) < 2 or len(words) == 1:
            out.append(own[i])
            continue
        hint = own[i + 1] if i == 0 else own[i - 1]
        out.append(_best_region(speech_map, word.start, word.end, hint))
    return out


def _mapped_word(speech_map: SpeechMap, word: Word, region: int) -> Word:
    low, high = speech_map.speech_bounds(region)
    start = speech_map.in_region(region, min(max(word.start, low), high))
    end = speech_map.in_region(region, min(max(word.end, low), high))
    return replace(word, start=start, end=max(start, end))


def map_segment(
    segment: AsrSegment, speech_map: SpeechMap, split_s: float = SEAM_SPLIT_S
) -> list[AsrSegment]:
    """One segment decoded from compact audio, in call time; split at removed pauses.

    Without words, the segment is clamped to the kept region it mostly overlaps. With words,
    each word lies inside one kept region, the segment runs from its first word's start to its
    last word's end, and it is cut wherever consecutive words sit either side of a removed
    pause longer than ``split_s`` (the text of each part is rebuilt from its words).
    """
    if not speech_map.compact_starts:
        return [segment]
    if not segment.words:
        region = _best_region(speech_map, segment.start, segment.end, None)
        start = speech_map.in_region(region, segment.start)
        end = max(start, speech_map.in_region(region, segment.end))
        return [replace(segment, start=start, end=end)]
    regions = _word_regions(speech_map, segment.words)
    words = [_mapped_word(speech_map, w, r) for w, r in zip(segment.words, regions, strict=True)]
    cuts = [
        i
        for i in range(1, len(words))
        if regions[i] != regions[i - 1]
        and sum(speech_map.removed_after(r) for r in range(regions[i - 1], regions[i])) > split_s
    ]
    bounds = list(zip([0, *cuts], [*cuts, len(words)], strict=True))
    parts = []
    for a, b in bounds:
        chunk = tuple(words[a:b])
        parts.append(
            replace(
                segment,
                start=chunk[0].start,
                end=max(w.end for w in chunk),
                text=segment.text if len(bounds) == 1 else "".join(w.text for w in chunk).strip(),
                words=chunk,
                compression_ratio=segment.compression_ratio if len(bounds) == 1 else None,
            )
        )
    return parts
