"""The openai-whisper engine (torch): the reference backend and the default.

fp32 on the CPU, fp16 on a CUDA GPU. Weights come from :mod:`pipeline.asr.loader` (offline
cache, a ``.pt`` file or a CTranslate2 folder converted once). Word timing uses the numpy DTW of
:mod:`pipeline.asr.backends.dtw` instead of whisper's, which numba compiles in every process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.asr.backends import dtw
from pipeline.asr.backends.base import (
    BEST_OF,
    DECODE_SEED,
    LANGUAGE_PROBE_S,
    TEMPERATURES,
    AsrBackend,
    pick_language,
)
from pipeline.asr.guards import COMPRESSION_RATIO_MAX, LOGPROB_MIN, NO_SPEECH_PROB_MAX, AsrSegment
from pipeline.asr.vad.base import SAMPLE_RATE
from pipeline.config import AsrBackendName
from pipeline.models import Word

if TYPE_CHECKING:
    import whisper


class OpenAiWhisperBackend(AsrBackend):
    """openai-whisper's ``transcribe`` with word timestamps on speech-only audio."""

    name = AsrBackendName.OPENAI_WHISPER.value

    def __init__(self, model: whisper.Whisper, model_name: str, device: str = "cpu") -> None:
        dtw.install()  # no numba compilation in each process (see pipeline.asr.backends.dtw)
        self.model = model.to(device)
        self.model_name = model_name
        self.device = device
        self.is_multilingual = bool(model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> str:
        """See :meth:`AsrBackend.detect_language`."""
        import torch
        import whisper

        if not self.is_multilingual:
            return "en"
        probe = whisper.pad_or_trim(audio[: int(LANGUAGE_PROBE_S * SAMPLE_RATE)])
        mel = whisper.log_mel_spectrogram(probe, n_mels=self.model.dims.n_mels)
        with torch.inference_mode():
            _, probs = self.model.detect_language(mel.to(self.model.device))
        probs = probs[0] if isinstance(probs, list) else probs
        return pick_language(probs)

    def transcribe_speech(
        self, audio: np.ndarray, language: str, beam_size: int, prompt: str = ""
    ) -> list[AsrSegment]:
        """See :meth:`AsrBackend.transcribe_speech`."""
        import torch
        import whisper

        with torch.random.fork_rng(devices=[]), torch.inference_mode():
            torch.manual_seed(DECODE_SEED)
            result: dict[str, Any] = whisper.transcribe(
                self.model,
                audio,
                language=language if self.is_multilingual else "en",
                task="transcribe",
                temperature=TEMPERATURES,
                beam_size=beam_size if beam_size > 1 else None,
                best_of=BEST_OF,
                word_timestamps=True,
                condition_on_previous_text=False,
                initial_prompt=prompt or None,
                carry_initial_prompt=bool(prompt),  # every window, not the first one only
                compression_ratio_threshold=COMPRESSION_RATIO_MAX,
                logprob_threshold=LOGPROB_MIN,
                no_speech_threshold=NO_SPEECH_PROB_MAX,
                fp16=self.device == "cuda",
                verbose=None,
            )
        return [
            AsrSegment(
                start=float(raw["start"]),
                end=float(raw["end"]),
                text=str(raw["text"]),
                words=tuple(
                    Word(
                        start=float(w["start"]),
                        end=float(w["end"]),
                        text=str(w["word"]),
                        probability=round(float(w.get("probability", 0.0)), 4),
                    )
                    for w in raw.get("words") or ()
                ),
                avg_logprob=float(raw.get("avg_logprob", 0.0)),
                no_speech_prob=float(raw.get("no_speech_prob", 0.0)),
                compression_ratio=None,  # Whisper's is per 30 s window; judge each segment
            )
            for raw in result["segments"]
        ]
