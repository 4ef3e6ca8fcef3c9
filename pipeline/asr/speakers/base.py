"""The speaker-feature seam: one vector per stretch of mono speech, whatever computes it.

A :class:`SpeakerFeatures` turns spans of a call's 16 kHz samples into fixed-length vectors
whose distances tell voices apart; the clustering of :mod:`pipeline.asr.speakers.cluster`
works on any of them. Implementations live beside this module, one per file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000  # Hz, the rate of decoded call audio
MIN_SPAN_S = 0.5  # shorter spans are widened about their middle before features are taken


@dataclass(frozen=True)
class Span:
    """A stretch of a call, in seconds."""

    start: float  # seconds
    end: float  # seconds

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.end - self.start


def span_bounds(count: int, span: Span, sample_rate: int = SAMPLE_RATE) -> tuple[int, int]:
    """(first, past-last) sample of ``span`` in audio of ``count`` samples, widened to
    :data:`MIN_SPAN_S` about its middle when shorter and clipped to the audio."""
    start, end = span.start, span.end
    if end - start < MIN_SPAN_S:
        middle = (start + end) / 2
        start, end = middle - MIN_SPAN_S / 2, middle + MIN_SPAN_S / 2
    lo = max(0, int(start * sample_rate))
    hi = min(count, max(lo, int(end * sample_rate)))
    return lo, hi


def span_samples(samples: np.ndarray, span: Span, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The samples of ``span``, widened to :data:`MIN_SPAN_S` about its middle when shorter
    and clipped to the audio."""
    lo, hi = span_bounds(len(samples), span, sample_rate)
    return np.asarray(samples[lo:hi], np.float32)


class SpeakerFeatures(ABC):
    """Computes one voice vector per span of a call's samples."""

    name: str  # "spectral" or "resemblyzer"
    # how much each dimension counts in the clustering once the call's features are
    # standardised: None = all alike
    emphasis: tuple[float, ...] | None = None

    @abstractmethod
    def embed(self, samples: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
        """A float64 array (len(spans), dim): one finite vector per span of ``samples``
        (16 kHz mono); a span without usable audio gets zeros."""
