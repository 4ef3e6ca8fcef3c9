"""Voice-activity gates: Silero (default) and energy (fallback), behind one interface."""

from __future__ import annotations

import logging
import threading

from pipeline.asr.vad.base import SAMPLE_RATE, SpeechRegion, VoiceDetector
from pipeline.config import VadName

log = logging.getLogger(__name__)

_DETECTORS: dict[VadName, VoiceDetector] = {}
_LOCK = threading.Lock()

__all__ = ["SAMPLE_RATE", "SpeechRegion", "VoiceDetector", "load_detector"]


def load_detector(kind: VadName | str = VadName.SILERO) -> VoiceDetector:
    """The gate ``kind`` names, built once per process.

    Silero falls back to the energy gate (with a warning) when its model cannot be loaded.
    """
    from pipeline.asr.vad.energy import EnergyDetector

    kind = VadName(kind)
    with _LOCK:
        if kind not in _DETECTORS:
            if kind is VadName.SILERO:
                from pipeline.asr.vad.silero import SileroDetector, SileroUnavailableError

                try:
                    _DETECTORS[kind] = SileroDetector()
                except SileroUnavailableError as exc:
                    log.warning("Silero VAD unavailable (%s); using the energy gate", exc)
                    _DETECTORS[kind] = EnergyDetector()
            else:
                _DETECTORS[kind] = EnergyDetector()
        return _DETECTORS[kind]
