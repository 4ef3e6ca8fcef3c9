"""Two speakers from voice vectors: weighted 2-means on standardised features.

Each turn's vector is standardised over the call (so no single feature's scale decides;
an implementation may give some dimensions more weight),
the two centroids start from the two most distant long turns and move as duration-weighted
means. A turn's *margin* says how clearly it sits with its centroid: ``(d_other - d_own) /
(d_other + d_own)``, 0 halfway between the two, 1 on its own centroid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ITERATIONS = 50  # more than 2-means needs to settle on a call's few dozen turns
SEED_MIN_S = 1.0  # turns at least this long may seed a centroid (short ones are noisy)
SCALE_FLOOR = 1e-6  # a feature that does not vary is not divided by zero


@dataclass(frozen=True)
class TwoSpeakers:
    """Two voice centroids in a standardised feature space."""

    mean: np.ndarray  # per-feature mean over the call's turns
    scale: np.ndarray  # per-feature standard deviation (floored)
    centroids: np.ndarray  # (2, dim) in standardised units

    def assign(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(label 0/1, margin 0..1) per row of ``features``."""
        z = (np.atleast_2d(features) - self.mean) / self.scale
        dist = np.linalg.norm(z[:, None, :] - self.centroids[None, :, :], axis=2)
        labels = np.argmin(dist, axis=1)
        own = dist[np.arange(len(z)), labels]
        other = dist[np.arange(len(z)), 1 - labels]
        total = own + other
        margins = np.where(total > 0, (other - own) / np.maximum(total, 1e-12), 0.0)
        return labels, margins


def two_speakers(
    features: np.ndarray, weights: np.ndarray, emphasis: Sequence[float] | None = None
) -> TwoSpeakers:
    """Cluster ``features`` (n, dim) with per-row ``weights`` (seconds) into two voices;
    ``emphasis`` (one factor per dimension) scales the standardised features.

    ValueError for fewer than two rows: two voices need two turns.
    """
    x = np.asarray(features, np.float64)
    w = np.asarray(weights, np.float64)
    if x.ndim != 2 or len(x) < 2 or len(w) != len(x):
        raise ValueError("two speakers need at least two turns with one weight each")
    w = np.maximum(w, 1e-3)
    mean = np.average(x, axis=0, weights=w)
    scale = np.maximum(np.sqrt(np.average((x - mean) ** 2, axis=0, weights=w)), SCALE_FLOOR)
    if emphasis is not None:
        scale = scale / np.asarray(emphasis, np.float64)
    z = (x - mean) / scale
    seeds = np.flatnonzero(w >= SEED_MIN_S)
    if len(seeds) < 2:
        seeds = np.arange(len(z))
    pool = z[seeds]
    spread = np.linalg.norm(pool[:, None, :] - pool[None, :, :], axis=2)
    a, b = np.unravel_index(np.argmax(spread), spread.shape)
    centroids = np.stack([pool[a], pool[b]])
    labels = np.full(len(z), -1)
    for _ in range(ITERATIONS):
        dist = np.linalg.norm(z[:, None, :] - centroids[None, :, :], axis=2)
        new = np.argmin(dist, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for k in (0, 1):
            members = labels == k
            if members.any():
                centroids[k] = np.average(z[members], axis=0, weights=w[members])
    return TwoSpeakers(mean=mean, scale=scale, centroids=centroids)
