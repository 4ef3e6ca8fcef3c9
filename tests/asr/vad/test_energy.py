"""The energy VAD gate (the fallback)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.timeline import compact_channels
from pipeline.asr.vad import SAMPLE_RATE
from pipeline.asr.vad.energy import detect_speech

RNG = np.random.default_rng(7)


def _tone(seconds: float, amplitude: float = 0.3, hz: float = 180.0) -> np.ndarray:
    """Voice-like: a pitch gliding as intonation does, amplitude-modulated like syllables (a
    steady tone would be taken for hold music)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * np.cumsum(hz + 0.5 * hz * np.sin(2 * np.pi * 5 * t)) / SAMPLE_RATE
    return (amplitude * np.sin(phase) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), np.float32)


@pytest.mark.parametrize(
    "samples",
    [
        _silence(5.0),
        (RNG.normal(0, 0.05, 5 * SAMPLE_RATE)).astype(np.float32),  # steady noise, -26 dBFS
        (RNG.normal(0, 0.002, 5 * SAMPLE_RATE)).astype(np.float32),  # line hiss
        np.concatenate([_silence(2.0), _tone(0.03), _silence(2.0)]),  # a click
        np.zeros(0, np.float32),
    ],
    ids=["silence", "noise", "hiss", "click", "empty"],
)
def test_no_speech(samples: np.ndarray) -> None:
    assert detect_speech(samples) == []


def test_speech_regions_padded_and_merged() -> None:
    samples = np.concatenate(
        [_silence(2.0), _tone(1.0), _silence(0.5), _tone(1.0), _silence(4.0), _tone(1.0)]
    )
    regions = detect_speech(samples)
    assert len(regions) == 2  # the 0.5 s pause is kept, the 4 s pause is cut
    assert regions[0].start == pytest.approx(1.7, abs=0.05)
    assert regions[0].end == pytest.approx(4.8, abs=0.05)
    assert regions[1].start == pytest.approx(8.2, abs=0.05)


def test_compact_speech_maps_times_back() -> None:
    samples = np.concatenate([_silence(2.0), _tone(1.0), _silence(4.0), _tone(1.0), _silence(1.0)])
    regions = detect_speech(samples)
    audio, speech_map = compact_channels([(samples, regions)])
    assert len(audio) < len(samples)
    first_len = speech_map.compact_starts[1]  # the seam between the two regions

    def to_original(t: float, is_end: bool = False) -> float:
        return speech_map.in_region(speech_map.region_at(t, is_end=is_end), t)

    assert to_original(0.0) == pytest.approx(regions[0].start)
    assert to_original(first_len) == pytest.approx(regions[1].start)
    assert to_original(first_len, is_end=True) == pytest.approx(regions[0].end)
    assert to_original(999.0) == pytest.approx(regions[1].end)
