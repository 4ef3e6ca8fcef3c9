"""The interface every ASR engine implements, and what the engines share.

An engine does two things on a call's speech-only audio (float32, 16 kHz: the channels' speech
regions in the order they were said, see :mod:`pipeline.asr.timeline`): detect the language,
and decode it into segments with word timestamps and the scores the guards judge
(:class:`pipeline.asr.guards.AsrSegment`, times in that audio). Everything else (the VAD gate,
the way back to call time, the guards, the merge of channels, simplified Chinese) lives in
:mod:`pipeline.asr.transcribe` and is the same for every engine.

Each engine also carries a decoder prompt per language (``prompts``, from the settings
``asr_prompt_zh`` / ``asr_prompt_en``, set by :func:`pipeline.asr.backends.load_backend`):
Whisper writes in the script and style of the text before it, so a short simplified-Chinese
sentence with punctuation gives simplified, punctuated Mandarin. The prompt is given to every
30 s window (never the previous window's text), the same tokens on both engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from pipeline.asr.guards import AsrSegment

SUPPORTED_LANGUAGES: tuple[str, ...] = ("zh", "en")  # what the rest of the pipeline handles
# Fallback ladder. Whisper's default has six steps; a window that loops (as Whisper does on
# noise or unclear speech) is decoded at every step before it is given up, which on 2 cores
# cost minutes per window. Three steps bound that worst case at half the cost.
TEMPERATURES: tuple[float, ...] = (0.0, 0.4, 0.8)
BEST_OF = 5  # candidates sampled at a fallback temperature
DECODE_SEED = 0  # fixed seed: the same audio gives the same text, fallbacks included
LANGUAGE_PROBE_S = 30.0  # seconds of speech used to detect the language


class AsrBackend(ABC):
    """One loaded ASR model on one device."""

    name: str  # the engine, an AsrBackendName value; part of every stored result
    model_name: str  # what the user asked for: "base", a path, ...
    device: str  # "cpu" or "cuda", resolved
    is_multilingual: bool  # False for English-only models (tiny.en)
    # decoder prompt per language ("zh", "en"); none for a language not in it
    prompts: Mapping[str, str] = MappingProxyType({})

    def prompt_for(self, language: str) -> str:
        """The decoder prompt for ``language`` ("" when there is none)."""
        return self.prompts.get(language, "").strip()

    @abstractmethod
    def detect_language(self, audio: np.ndarray) -> str:
        """ "zh" or "en", whichever the model finds likelier in the first 30 s of ``audio``."""

    @abstractmethod
    def transcribe_speech(
        self, audio: np.ndarray, language: str, beam_size: int, prompt: str = ""
    ) -> list[AsrSegment]:
        """Segments of speech-only audio, with words; times in that audio.

        Decoding is deterministic (fixed seed) and uses TEMPERATURES, BEST_OF and the guards'
        thresholds. ``prompt`` (when not empty) goes before every 30 s window; the previous
        text is never fed back as a prompt.
        """


def pick_language(probabilities: dict[str, float]) -> str:
    """The supported language with the highest probability."""
    return max(SUPPORTED_LANGUAGES, key=lambda lang: probabilities.get(lang, 0.0))
