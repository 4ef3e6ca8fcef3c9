"""Energy voice-activity detection: the fallback gate when Silero cannot be loaded.

Frames whose energy stands clear of both an absolute floor and the channel's own noise floor
count as speech, and a run of them extends either way while the energy stays within EXTEND_DB
of that threshold (soft onsets and endings). Constant noise, however loud, has no frame above
its own floor, so it yields no speech. Sustained tones (hold music) and quiet background
phrases are then taken out as for every gate (:mod:`pipeline.asr.vad.filters`).
"""

from __future__ import annotations

import numpy as np

from pipeline.asr.vad.base import (
    FRAME_S,
    FRAME_SAMPLES,
    SAMPLE_RATE,
    SpeechRegion,
    VoiceDetector,
    regions_from_mask,
    runs,
)
from pipeline.asr.vad.filters import foreground_speech

ABS_FLOOR_DBFS = -45.0  # frames quieter than this are silence whatever the noise floor
NOISE_MARGIN_DB = 12.0  # speech frames stand this far above the channel's noise floor
NOISE_PERCENTILE = 10.0  # percentile of frame energies taken as the noise floor
SILENCE_DBFS = -100.0  # energy given to digital silence
EXTEND_DB = 6.0  # a speech run extends either way while frames stay within this of the threshold


def frame_energies_db(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """RMS energy per FRAME_SAMPLES frame, in dBFS (digital silence gives SILENCE_DBFS)."""
    frame = FRAME_SAMPLES
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


def detect_speech(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[SpeechRegion]:
    """Padded, merged speech regions of one channel (empty for silence, noise, clicks, music)."""
    energies = frame_energies_db(samples, sample_rate)
    if energies.size == 0:
        return []
    threshold = speech_threshold_db(energies)
    loud = energies > threshold
    mask = np.zeros_like(loud)
    for a, b in runs(energies > threshold - EXTEND_DB):
        if loud[a:b].any():
            mask[a:b] = True
    mask = foreground_speech(mask, samples, sample_rate)
    return regions_from_mask(mask, FRAME_S, len(samples) / sample_rate)


class EnergyDetector(VoiceDetector):
    """The energy gate behind the detector interface."""

    name = "energy"

    def detect(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[SpeechRegion]:
        """See :func:`detect_speech`."""
        return detect_speech(samples, sample_rate)
