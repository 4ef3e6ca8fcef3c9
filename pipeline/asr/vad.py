"""Energy voice-activity detection and the speech-only timeline fed to Whisper.

Whisper invents text on silence and noise ("Thank you for watching"). The gate here keeps it
away from them: frames whose energy stands clear of both an absolute floor and the channel's own
noise floor count as speech; a channel without enough speech is not transcribed at all, and
long pauses are cut out of the audio Whisper sees (times are mapped back with :class:`SpeechMap`).
Constant noise, however loud, has no frame above its own floor, so it yields no speech.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000  # Hz, the rate of the decoded audio
FRAME_S = 0.03  # analysis frame, seconds
ABS_FLOOR_DBFS = -45.0  # frames quieter than this are silence whatever the noise floor
NOISE_MARGIN_DB = 12.0  # speech frames stand this far above the channel's noise floor
NOISE_PERCENTILE = 10.0  # percentile of frame energies taken as the noise floor
SILENCE_DBFS = -100.0  # energy given to digital silence
MIN_RUN_S = 0.09  # shorter bursts (clicks) are not speech
PAD_S = 0.3  # audio kept either side of a speech run
MERGE_GAP_S = 1.0  # pauses shorter than this stay in the audio
MIN_SPEECH_S = 0.3  # a channel with less speech in total is treated as silent


@dataclass(frozen=True)
class SpeechRegion:
    """A stretch of a channel that holds speech (padded), in seconds."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def frame_energies_db(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """RMS energy per FRAME_S frame, in dBFS (digital silence gives SILENCE_DBFS)."""
    frame = max(1, round(FRAME_S * sample_rate))
    n_frames = len(samples) // frame
    if n_frames == 0:
        return np.zeros(0, dtype=np.float32)
    frames = np.asarray(samples[: n_frames * frame], dtype=np.float32).reshape(n_frames, frame)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    with np.errstate(divide="ignore"):
        db = 20.0 * np.log10(rms)
    return np.maximum(db, SILENCE_DBFS).astype(np.float32)


def speech_threshold_db(energies_db: np.ndarray) -> float:
    """The energy a frame must exceed to count as speech on this channel."""
    if energies_db.size == 0:
        return 0.0
    noise_floor = float(np.percentile(energies_db, NOISE_PERCENTILE))
    return max(ABS_FLOOR_DBFS, noise_floor + NOISE_MARGIN_DB)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of consecutive True values."""
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def detect_speech(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[SpeechRegion]:
    """Padded, merged speech regions of one channel (empty for silence, noise or clicks)."""
    energies = frame_energies_db(samples, sample_rate)
    if energies.size == 0:
        return []
    duration = len(samples) / sample_rate
    mask = energies > speech_threshold_db(energies)
    min_frames = max(1, round(MIN_RUN_S / FRAME_S))
    runs = [(a, b) for a, b in _runs(mask) if b - a >= min_frames]
    if sum(b - a for a, b in runs) * FRAME_S < MIN_SPEECH_S:
        return []
    regions: list[SpeechRegion] = []
    for a, b in runs:
        start = max(0.0, a * FRAME_S - PAD_S)
        end = min(duration, b * FRAME_S + PAD_S)
        if regions and start - regions[-1].end < MERGE_GAP_S:
            regions[-1] = SpeechRegion(regions[-1].start, end)
        else:
            regions.append(SpeechRegion(start, end))
    return regions


@dataclass(frozen=True)
class SpeechMap:
    """Maps times in the speech-only audio back to times in the original channel."""

    compact_starts: tuple[float, ...]  # where each kept region begins in the compact audio, s
    original_starts: tuple[float, ...]  # where it begins in the original audio, s
    lengths: tuple[float, ...]  # region lengths, s

    def to_original(self, t: float, *, is_end: bool = False) -> float:
        """Original time of compact time ``t`` (an end on a seam stays in the earlier region)."""
        if not self.compact_starts:
            return t
        finder = bisect.bisect_left if is_end else bisect.bisect_right
        i = max(0, finder(self.compact_starts, t) - 1)
        offset = min(max(t - self.compact_starts[i], 0.0), self.lengths[i])
        return self.original_starts[i] + offset


def compact_speech(
    samples: np.ndarray, regions: list[SpeechRegion], sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, SpeechMap]:
    """The channel's speech regions joined end to end, and the map back to original times."""
    pieces: list[np.ndarray] = []
    compact_starts: list[float] = []
    original_starts: list[float] = []
    lengths: list[float] = []
    position = 0
    for region in regions:
        a = round(region.start * sample_rate)
        b = min(len(samples), round(region.end * sample_rate))
        if b <= a:
            continue
        compact_starts.append(position / sample_rate)
        original_starts.append(a / sample_rate)
        lengths.append((b - a) / sample_rate)
        pieces.append(samples[a:b])
        position += b - a
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)
    return audio, SpeechMap(tuple(compact_starts), tuple(original_starts), tuple(lengths))
