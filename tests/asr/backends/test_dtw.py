"""The numpy DTW gives exactly the path of openai-whisper's own (numba) DTW."""

from __future__ import annotations

import numpy as np
import pytest
import whisper.timing

from pipeline.asr.backends import dtw


def _reference(x: np.ndarray) -> np.ndarray:
    return whisper.timing.dtw_cpu.py_func(x)  # whisper's code, run as plain Python


@pytest.mark.parametrize("shape", [(1, 1), (1, 12), (12, 1), (5, 7), (20, 60), (9, 9)])
@pytest.mark.parametrize("seed", range(3))
def test_same_path_as_whisper(shape: tuple[int, int], seed: int) -> None:
    x = np.random.default_rng(seed).random(shape)
    assert np.array_equal(dtw.dtw(x), _reference(x))


@pytest.mark.parametrize("value", [0.0, -0.5, 1.0])
def test_ties_broken_as_whisper_does(value: float) -> None:
    x = np.full((6, 9), value)
    assert np.array_equal(dtw.dtw(x), _reference(x))


def test_path_runs_corner_to_corner_monotonic() -> None:
    path = dtw.dtw(np.random.default_rng(5).random((8, 40)))
    assert tuple(path[:, 0]) == (0, 0) and tuple(path[:, -1]) == (7, 39)
    assert (np.diff(path, axis=1) >= 0).all()


def test_install_replaces_whisper_cpu_dtw(monkeypatch) -> None:
    monkeypatch.setattr(whisper.timing, "dtw_cpu", whisper.timing.dtw_cpu)
    dtw.install()
    assert whisper.timing.dtw_cpu is dtw.dtw
