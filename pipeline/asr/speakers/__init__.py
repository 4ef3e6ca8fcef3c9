"""Mono calls split into two speakers with roles.

``base`` holds the seam (:class:`SpeakerFeatures`: one voice vector per span), ``spectral``
(MFCC and pitch statistics, the default) and ``resemblyzer`` (a neural speaker encoder) its
implementations; ``turns`` cuts the transcript into turns, ``cluster`` finds two voices,
``roles`` names them from what they say, ``split`` puts it together.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.asr.speakers.base import SpeakerFeatures
from pipeline.asr.speakers.split import MonoSplitter

if TYPE_CHECKING:
    from pipeline.config import Settings

FEATURES: tuple[str, ...] = ("spectral", "resemblyzer")


@lru_cache(maxsize=2)
def load_features(name: str) -> SpeakerFeatures:
    """The voice features named ``name`` (spectral | resemblyzer), loaded once per process."""
    if name == "spectral":
        from pipeline.asr.speakers.spectral import SpectralFeatures

        return SpectralFeatures()
    if name == "resemblyzer":
        from pipeline.asr.speakers.resemblyzer import ResemblyzerFeatures

        return ResemblyzerFeatures()
    raise ValueError(f"unknown speaker features {name!r}: use one of {', '.join(FEATURES)}")


def splitter_from(settings: Settings) -> MonoSplitter | None:
    """The mono splitter the settings ask for, or None when ``CALLSENTRY_MONO_SPLIT=off``."""
    if not settings.mono_split:
        return None
    return MonoSplitter(load_features(settings.mono_features), settings.mono_min_confidence)


__all__ = ["FEATURES", "MonoSplitter", "SpeakerFeatures", "load_features", "splitter_from"]
