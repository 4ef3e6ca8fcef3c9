"""The faster-whisper engine (CTranslate2): the fast path.

int8 on the CPU and float16 on a CUDA GPU unless ``compute_type`` says otherwise. It loads a
CTranslate2 model folder as it is (the offline ``base`` folder is assembled once by
:mod:`pipeline.asr.weights`); nothing is downloaded. Decoding options are those of the
openai-whisper backend, so both give the guards the same kind of segments.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.asr.backends.base import (
    BEST_OF,
    DECODE_SEED,
    TEMPERATURES,
    AsrBackend,
    pick_language,
)
from pipeline.asr.guards import COMPRESSION_RATIO_MAX, LOGPROB_MIN, NO_SPEECH_PROB_MAX, AsrSegment
from pipeline.config import AsrBackendName
from pipeline.models import Word

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment


class EncodeOnce:
    """``WhisperModel.encode`` that returns its last output again for features of the same
    values.

    The language probe (:meth:`FasterWhisperBackend.detect_language`) encodes the first 30 s
    window of a call's speech exactly as ``WhisperModel.transcribe`` then cuts it, so that
    window's encoder pass, the costliest single pass of a window, is the probe's: faster-whisper
    itself encodes it twice. The last input (a copy) and its output are kept per thread.
    """

    def __init__(self, encode: Callable[[np.ndarray], Any]) -> None:
        self.encode = encode
        self._last = threading.local()

    def __call__(self, features: np.ndarray) -> Any:
        """The encoder's output (a ``ctranslate2.StorageView``) for ``features``."""
        last = getattr(self._last, "entry", None)  # (a copy of the input, its output)
        if (
            last is not None
            and last[0].shape == features.shape
            and last[0].dtype == features.dtype
            and np.array_equal(last[0], features)
        ):
            return last[1]
        output = self.encode(features)
        self._last.entry = (np.array(features, copy=True), output)
        return output


def first_window(model: WhisperModel, audio: np.ndarray) -> np.ndarray:
    """The log-mel features of ``audio``'s first 30 s window, value for value as
    ``model.transcribe`` (no clips) cuts and pads its first window."""
    from faster_whisper.audio import pad_or_trim

    features = model.feature_extractor(np.ascontiguousarray(audio, np.float32))
    content_frames = features.shape[-1] - 1  # as transcribe counts them
    window = min(model.feature_extractor.nb_max_frames, content_frames)
    return pad_or_trim(features[:, :window])


class FasterWhisperBackend(AsrBackend):
    """faster-whisper's ``WhisperModel.transcribe`` with word timestamps on speech-only audio."""

    name = AsrBackendName.FASTER_WHISPER.value

    def __init__(
        self,
        model: WhisperModel,
        model_name: str,
        device: str,
        compute_type: str,
        batch_size: int = 1,
    ):
        if not isinstance(model.encode, EncodeOnce):
            model.encode = EncodeOnce(model.encode)
        self.model = model
        self.model_name = model_name
        self.device = device
        self.compute_type = compute_type  # e.g. "int8", "float16"
        self.batch_size = batch_size  # windows decoded at once; 1 = sequential
        self.is_multilingual = bool(model.model.is_multilingual)

    def detect_language(self, audio: np.ndarray) -> str:
        """See :meth:`AsrBackend.detect_language`. The probe is the first window exactly as
        :meth:`transcribe_speech` will encode it (:func:`first_window`), so that window is
        encoded once (:class:`EncodeOnce`)."""
        if not self.is_multilingual:
            return "en"
        _, _, all_probs = self.model.detect_language(features=first_window(self.model, audio))
        return pick_language(dict(all_probs))

    def transcribe_speech(
        self, audio: np.ndarray, language: str, beam_size: int, prompt: str = ""
    ) -> list[AsrSegment]:
        """See :meth:`AsrBackend.transcribe_speech` (windows decoded ``batch_size`` at a time
        when it is over 1: :mod:`pipeline.asr.backends.faster_whisper_batched`)."""
        if self.batch_size > 1:
            from pipeline.asr.backends.faster_whisper_batched import transcribe_batched

            language = language if self.is_multilingual else "en"
            return transcribe_batched(
                self.model,
                audio,
                language=language,
                beam_size=beam_size,
                prompt=prompt,
                batch_size=self.batch_size,
                sequential=lambda window: self._sequential(window, language, beam_size, prompt),
            )
        return self._sequential(audio, language, beam_size, prompt)

    def _sequential(
        self, audio: np.ndarray, language: str, beam_size: int, prompt: str
    ) -> list[AsrSegment]:
        """faster-whisper's sequential decoding, window after window, with fallback."""
        import ctranslate2

        ctranslate2.set_random_seed(DECODE_SEED)
        segments, _ = self.model.transcribe(
            np.ascontiguousarray(audio, np.float32),
            language=language if self.is_multilingual else "en",
            task="transcribe",
            temperature=list(TEMPERATURES),
            beam_size=beam_size,
            best_of=BEST_OF,
            word_timestamps=True,
            condition_on_previous_text=False,
            # faster-whisper's initial_prompt reaches the first window only; its hotwords go
            # before every window as the same tokens openai-whisper's carried prompt gives
            hotwords=prompt or None,
            compression_ratio_threshold=COMPRESSION_RATIO_MAX,
            log_prob_threshold=LOGPROB_MIN,
            no_speech_threshold=NO_SPEECH_PROB_MAX,
            vad_filter=False,  # the gate in front of every engine has run already
        )
        return [to_asr_segment(seg) for seg in segments]


def to_asr_segment(seg: Segment) -> AsrSegment:
    """One of faster-whisper's segments as the guards take it (times as decoded)."""
    return AsrSegment(
        start=float(seg.start),
        end=float(seg.end),
        text=str(seg.text),
        words=tuple(
            Word(
                start=float(w.start),
                end=float(w.end),
                text=str(w.word),
                probability=round(float(w.probability), 4),
            )
            for w in seg.words or ()
        ),
        avg_logprob=float(seg.avg_logprob),
        no_speech_prob=float(seg.no_speech_prob),
        compression_ratio=None,  # per 30 s window as in openai-whisper; judge each segment
    )
