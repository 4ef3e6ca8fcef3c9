"""What every voice-activity detector shares: the region type, the interface, padding and merging.

A detector turns one channel's samples into per-frame speech decisions; :func:`regions_from_mask`
makes them into padded, merged :class:`SpeechRegion` values the same way for every detector, so
the speech-only audio fed to Whisper is cut by one policy whichever detector judged the frames.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000  # Hz, the rate of the decoded audio
MIN_RUN_S = 0.09  # shorter bursts (clicks) are not speech
PAD_S = 0.3  # audio kept either side of a speech run
MERGE_GAP_S = 1.0  # pauses shorter than this stay in the audio
MIN_SPEECH_S = 0.3  # a channel with less speech in total is treated as silent


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch of a channel that holds speech (padded), in seconds."""

    start: float  # padded start
    end: float  # padded end
    speech_start: float | None = None  # where the detector heard speech begin (None: start)
    speech_end: float | None = None  # where it heard the last speech end (None: end)

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


class VoiceDetector(ABC):
    """Finds the speech in one channel."""

    name: str  # "silero" or "energy"

    @abstractmethod
    def detect(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[SpeechRegion]:
        """Padded, merged speech regions of one channel (empty for silence, noise or music)."""


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of consecutive True values."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def regions_from_mask(mask: np.ndarray, frame_s: float, duration: float) -> list[SpeechRegion]:
    """Speech regions from per-frame decisions: short bursts dropped, padded, close ones merged.

    Empty when the channel holds less than MIN_SPEECH_S of speech in total.
    """
    min_frames = max(1, round(MIN_RUN_S / frame_s))
    kept = [(a, b) for a, b in runs(np.asarray(mask, bool)) if b - a >= min_frames]
    if sum(b - a for a, b in kept) * frame_s < MIN_SPEECH_S:
        return []
    regions: list[SpeechRegion] = []
    for a, b in kept:
        start = max(0.0, a * frame_s - PAD_S)
        end = min(duration, b * frame_s + PAD_S)
        if regions and start - regions[-1].end < MERGE_GAP_S:
            last = regions[-1]
            regions[-1] = SpeechRegion(last.start, end, last.speech_start, b * frame_s)
        else:
            regions.append(SpeechRegion(start, end, a * frame_s, b * frame_s))
    return regions
