"""What every voice-activity detector shares: the region type, the interface, padding and merging.

A detector turns one channel's samples into per-frame speech decisions; :func:`regions_from_mask`
makes them into padded, merged :class:`SpeechRegion` values the same way for every detector, so
the speech-only audio fed to Whisper is cut by one policy whichever detector judged the frames.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000  # Hz, the rate of the decoded audio
FRAME_SAMPLES = 512  # samples per analysis frame of every gate (32 ms at 16 kHz)
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE  # seconds per frame
MIN_RUN_S = 0.09  # shorter bursts (clicks) are not speech
JOIN_S = 0.25  # runs this close form one phrase (a soft word and the rest of its phrase)
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

    def detect_channels(
        self, channels: Sequence[np.ndarray], sample_rate: int = SAMPLE_RATE
    ) -> list[list[SpeechRegion]]:
        """:meth:`detect` of each channel of a call, in order; a detector that can judge the
        channels together (a batch) overrides this with the same result."""
        return [self.detect(samples, sample_rate) for samples in channels]


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of consecutive True values."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def phrases(mask: np.ndarray, frame_s: float) -> list[tuple[int, int]]:
    """[start, end) frame pairs of runs joined across gaps of at most JOIN_S."""
    join = round(JOIN_S / frame_s)
    out: list[tuple[int, int]] = []
    for a, b in runs(mask):
        if out and a - out[-1][1] <= join:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def regions_from_mask(mask: np.ndarray, frame_s: float, duration: float) -> list[SpeechRegion]:
    """Speech regions from per-frame decisions: isolated bursts dropped, padded, close ones
    merged.

    A burst is a phrase (runs joined across JOIN_S) with less than MIN_RUN_S of speech frames.
    Empty when the channel holds less than MIN_SPEECH_S of speech in total.
    """
    mask = np.asarray(mask, bool)
    min_frames = max(1, round(MIN_RUN_S / frame_s))
    kept = [(a, b) for a, b in phrases(mask, frame_s) if mask[a:b].sum() >= min_frames]
    if sum(int(mask[a:b].sum()) for a, b in kept) * frame_s < MIN_SPEECH_S:
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
