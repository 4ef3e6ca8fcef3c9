"""Synthetic voices for the speaker tests: harmonic tones with a pitch and a formant tilt."""

from __future__ import annotations

import numpy as np

from pipeline.models import Segment, Word

RATE = 16_000  # Hz


def voice(seconds: float, pitch_hz: float, tilt: float, seed: int) -> np.ndarray:
    """A buzzy vowel-like sound: harmonics of ``pitch_hz`` falling off by ``tilt`` per
    harmonic, with a slow vibrato and a little noise (float32, 16 kHz)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = pitch_hz * (1 + 0.03 * np.sin(2 * np.pi * 4 * t))
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    out = sum(tilt**k * np.sin(k * phase) for k in range(1, 20))
    out = out / np.abs(out).max() * 0.5 + rng.normal(0, 0.005, len(t))
    return out.astype(np.float32)


AGENT_VOICE = {"pitch_hz": 210.0, "tilt": 0.55}  # higher, brighter
CUSTOMER_VOICE = {"pitch_hz": 110.0, "tilt": 0.8}  # lower, darker


def words_over(start: float, end: float, texts: list[str]) -> tuple[Word, ...]:
    """Words spread evenly over [start, end]."""
    step = (end - start) / len(texts)
    return tuple(
        Word(start + i * step, start + (i + 1) * step - 0.02, t) for i, t in enumerate(texts)
    )


def segment(start: float, end: float, text: str, chinese: bool = False) -> Segment:
    """An unknown-speaker segment whose words (characters for Chinese) fill its span."""
    pieces = list(text) if chinese else [(" " if i else "") + w for i, w in enumerate(text.split())]
    return Segment("unknown", start, end, text, words_over(start, end, pieces))
