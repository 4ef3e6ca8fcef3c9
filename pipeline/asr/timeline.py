"""The speech-only audio fed to Whisper, and the exact way back to call time.

Long pauses are cut out of each channel, and the speech regions of all channels are joined in
the order they were said into one stream (:func:`compact_channels`): each region's samples come
from its own channel only (nothing is mixed down), and Whisper decodes the call's speech once,
in as many 30 s windows as a mono downmix would need or fewer, instead of once per channel.

Whisper then stamps words in the compacted audio, and is loose at the seams: the first word of
a segment is often stamped from the end of the previous segment, across a cut pause, and one
segment may run over a seam. Mapped naively, that word starts seconds before it was said, and
the segment spans whatever the other speaker said in between.

:func:`map_segment` maps one decoded segment back exactly: each word is assigned to one kept
region (the one it mostly overlaps; for a segment's first or last word, its neighbour's) and
clamped to it, so no word straddles a removed pause; a segment is split where its words cross a
removed pause longer than SEAM_SPLIT_S, and always where they pass from one channel's region to
another's; a segment's times are those of its words. A word is also kept within WORD_SLACK_S of
where the gate heard speech in its region: Whisper stretches a turn's last word over the silent
padding after it.
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
    sources: tuple[int, ...] = ()  # channel index of each region (empty: all channel 0)

    def source(self, index: int) -> int:
        """Channel index of kept region ``index``."""
        return self.sources[index] if self.sources else 0

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


def compact_channels(
    channels: Sequence[tuple[np.ndarray, Sequence[SpeechRegion]]], sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, SpeechMap]:
    """Every channel's speech regions, in order of their start, joined end to end into one
    stream, and the map back to original times (with each region's channel index)."""
    ordered = sorted(
        ((region.start, index, region) for index, (_, regions) in enumerate(channels)
         for region in regions),
        key=lambda item: (item[0], item[1]),
    )  # fmt: skip
    pieces: list[np.ndarray] = []
    compact_starts: list[float] = []
    original_starts: list[float] = []
    lengths: list[float] = []
    lead_pads: list[float] = []
    tail_pads: list[float] = []
    sources: list[int] = []
    position = 0
    for _, index, region in ordered:
        samples = channels[index][0]
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
        sources.append(index)
        pieces.append(samples[a:b])
        position += b - a
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)
    speech_map = SpeechMap(
        tuple(compact_starts),
        tuple(original_starts),
        tuple(lengths),
        tuple(lead_pads),
        tuple(tail_pads),
        tuple(sources),
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
    """Region of each word: the one it mostly overlaps, except that a first word across a seam
    follows the next word (Whisper stretches it back over the cut pause) and a last word the
    previous one (stretched forward)."""
    own = [_best_region(speech_map, w.start, w.end, None) for w in words]
    out: list[int] = []
    last = len(words) - 1
    for i, word in enumerate(words):
        if len(speech_map.overlaps(word.start, word.end)) < 2 or last == 0 or 0 < i < last:
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


def _crosses(speech_map: SpeechMap, before: int, after: int, split_s: float) -> bool:
    """Whether going from region ``before`` to ``after`` passes another channel's region or
    more than ``split_s`` of removed audio."""
    if after <= before:
        return speech_map.source(after) != speech_map.source(before)
    if any(speech_map.source(r) != speech_map.source(before) for r in range(before, after + 1)):
        return True
    return sum(speech_map.removed_after(r) for r in range(before, after)) > split_s


def map_segment(
    segment: AsrSegment, speech_map: SpeechMap, split_s: float = SEAM_SPLIT_S
) -> list[tuple[int, AsrSegment]]:
    """One segment decoded from compact audio, in call time, as (channel index, part) pairs.

    Without words, the segment is clamped to the kept region it mostly overlaps. With words,
    each word lies inside one kept region, each part runs from its first word's start to its
    last word's end, and the segment is cut wherever consecutive words pass to another
    channel's region or across a removed pause longer than ``split_s`` (the text of each part
    is rebuilt from its words).
    """
    if not speech_map.compact_starts:
        return [(0, segment)]
    if not segment.words:
        region = _best_region(speech_map, segment.start, segment.end, None)
        start = speech_map.in_region(region, segment.start)
        end = max(start, speech_map.in_region(region, segment.end))
        return [(speech_map.source(region), replace(segment, start=start, end=end))]
    regions = _word_regions(speech_map, segment.words)
    words = [_mapped_word(speech_map, w, r) for w, r in zip(segment.words, regions, strict=True)]
    cuts = [
        i
        for i in range(1, len(words))
        if regions[i] != regions[i - 1]
        and _crosses(speech_map, regions[i - 1], regions[i], split_s)
    ]
    bounds = list(zip([0, *cuts], [*cuts, len(words)], strict=True))
    parts = []
    for a, b in bounds:
        chunk = tuple(words[a:b])
        source = speech_map.source(regions[a])
        parts.append(
            (
                source,
                replace(
                    segment,
                    start=chunk[0].start,
                    end=max(w.end for w in chunk),
                    text=segment.text
                    if len(bounds) == 1
                    else "".join(w.text for w in chunk).strip(),
                    words=chunk,
                    compression_ratio=segment.compression_ratio if len(bounds) == 1 else None,
                ),
            )
        )
    return parts
