"""Two-speaker clustering on synthetic feature vectors."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.speakers.cluster import two_speakers


def _blobs(n_a: int, n_b: int, dim: int = 6, gap: float = 4.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 1.0, (n_a, dim))
    b = rng.normal(0.0, 1.0, (n_b, dim)) + gap
    return np.vstack([a, b]), np.array([0] * n_a + [1] * n_b)


@pytest.mark.parametrize(("n_a", "n_b"), [(10, 10), (15, 4), (3, 12)])
def test_two_separated_voices_are_found(n_a: int, n_b: int) -> None:
    x, truth = _blobs(n_a, n_b)
    model = two_speakers(x, np.full(len(x), 2.0))
    labels, margins = model.assign(x)
    same = (labels == truth).all() or (labels == 1 - truth).all()
    assert same
    assert margins.min() > 0.2


def test_margin_is_zero_halfway_and_one_on_a_centroid() -> None:
    x, _ = _blobs(8, 8)
    model = two_speakers(x, np.ones(len(x)))
    centroids = model.centroids * model.scale + model.mean
    _, margins = model.assign(np.vstack([centroids, centroids.mean(axis=0)]))
    assert margins[:2] == pytest.approx([1.0, 1.0])
    assert margins[2] == pytest.approx(0.0, abs=1e-9)


def test_a_short_outlier_does_not_seed_a_voice() -> None:
    x, truth = _blobs(6, 6, gap=3.0)
    outlier = np.full((1, x.shape[1]), 40.0)
    weights = np.r_[np.full(len(x), 2.0), 0.2]
    model = two_speakers(np.vstack([x, outlier]), weights)
    labels, _ = model.assign(x)
    assert (labels == truth).all() or (labels == 1 - truth).all()


def test_constant_features_do_not_divide_by_zero() -> None:
    x = np.ones((4, 3))
    labels, margins = two_speakers(x, np.ones(4)).assign(x)
    assert np.isfinite(margins).all() and len(labels) == 4


@pytest.mark.parametrize("rows", [0, 1])
def test_fewer_than_two_turns_are_refused(rows: int) -> None:
    with pytest.raises(ValueError, match="at least two turns"):
        two_speakers(np.zeros((rows, 3)), np.ones(rows))


def test_an_emphasised_dimension_outweighs_noisy_ones() -> None:
    # dimension 0 tells the voices apart a little; the other five are larger noise
    rng = np.random.default_rng(3)
    truth = np.array([0, 1] * 10)
    x = rng.normal(0.0, 1.0, (20, 6))
    x[:, 0] = truth * 2.0 + rng.normal(0.0, 0.2, 20)
    plain, _ = two_speakers(x, np.ones(20)).assign(x)
    stressed, _ = two_speakers(x, np.ones(20), emphasis=(6.0, 1, 1, 1, 1, 1)).assign(x)
    assert (stressed == truth).all() or (stressed == 1 - truth).all()
    assert not ((plain == truth).all() or (plain == 1 - truth).all())
