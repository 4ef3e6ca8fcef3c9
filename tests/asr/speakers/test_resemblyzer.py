"""Resemblyzer's encoder as voice features (skipped where the package is not installed)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from pipeline.asr.speakers.base import Span

from .voices import voice

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("resemblyzer") is None, reason="resemblyzer is not installed"
)


def test_mel_filters_cover_the_band_once() -> None:
    from pipeline.asr.speakers.resemblyzer import mel_basis

    basis = mel_basis()
    assert basis.shape == (40, 201) and (basis >= 0).all()
    assert (basis.sum(axis=0)[1:-1] > 0).all()  # every bin inside the band feeds a filter


def test_embeddings_are_unit_length_and_tell_two_voices_apart() -> None:
    from pipeline.asr.speakers.resemblyzer import EMBED_DIM, ResemblyzerFeatures

    audio = np.concatenate(
        [voice(2.0, 200.0, 0.5, seed=1), voice(2.0, 200.0, 0.5, seed=2), voice(2.0, 100.0, 0.85, 3)]
    )
    x = ResemblyzerFeatures().embed(audio, [Span(0, 2), Span(2, 4), Span(4, 6)])
    assert x.shape == (3, EMBED_DIM)
    assert np.linalg.norm(x, axis=1) == pytest.approx([1.0, 1.0, 1.0])
    assert x[0] @ x[1] > x[0] @ x[2]
