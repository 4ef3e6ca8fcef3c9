"""The spectral voice features: pitch, cepstra, spans."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.speakers.base import MIN_SPAN_S, Span, span_samples
from pipeline.asr.speakers.spectral import FEATURE_DIM, SpectralFeatures, pitch

from .voices import RATE, voice


@pytest.mark.parametrize("f0", [100.0, 160.0, 240.0])
def test_pitch_of_a_harmonic_voice(f0: float) -> None:
    found = pitch(voice(1.0, f0, 0.7, seed=1))
    voiced = found[found > 0]
    assert len(voiced) > 0.8 * len(found)
    assert np.median(voiced) == pytest.approx(f0, rel=0.05)


def test_noise_and_silence_are_unvoiced() -> None:
    rng = np.random.default_rng(0)
    assert (pitch(rng.normal(0, 0.1, RATE).astype(np.float32)) > 0).mean() < 0.1
    features = SpectralFeatures().embed(np.zeros(RATE, np.float32), [Span(0.1, 0.9)])
    assert features.shape == (1, FEATURE_DIM) and np.isfinite(features).all()


def test_two_voices_differ_more_than_one_voice_twice() -> None:
    a1, a2 = voice(1.5, 200.0, 0.5, seed=1), voice(1.5, 205.0, 0.5, seed=2)
    b = voice(1.5, 110.0, 0.8, seed=3)
    audio = np.concatenate([a1, a2, b])
    x = SpectralFeatures().embed(audio, [Span(0, 1.5), Span(1.5, 3.0), Span(3.0, 4.5)])
    assert np.linalg.norm(x[0] - x[1]) < np.linalg.norm(x[0] - x[2])


def test_short_spans_are_widened_and_clipped() -> None:
    audio = np.zeros(2 * RATE, np.float32)
    assert len(span_samples(audio, Span(1.0, 1.1))) == int(MIN_SPAN_S * RATE)
    assert len(span_samples(audio, Span(1.9, 2.0))) == int(0.3 * RATE)  # clipped at the end


def test_shared_frames_give_each_span_its_own_features() -> None:
    from pipeline.asr.speakers.spectral import cepstra, frame_features

    audio = np.concatenate([voice(1.5, 200.0, 0.5, seed=1), voice(1.5, 110.0, 0.8, seed=2)])
    spans = [Span(0.0, 1.5), Span(1.5, 3.0), Span(1.0, 2.0)]
    together = SpectralFeatures().embed(audio, spans)
    for span, row in zip(spans, together, strict=True):
        alone = audio[int(span.start * RATE) : int(span.end * RATE)]
        ceps, energy = cepstra(alone)
        assert row == pytest.approx(frame_features(ceps, energy, pitch(alone)), abs=1e-6)
