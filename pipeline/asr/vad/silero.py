"""Silero VAD: a small neural speech detector, the default gate.

The ONNX model ships inside the ``silero-vad`` wheel; it is run here with onnxruntime on numpy
arrays (the wheel's own Python helpers would import torch, which the faster-whisper path does
not need). Windows of 512 samples at 16 kHz, each with the 64 samples before it as context, go
through the model in order with its recurrent state; a frame is speech once its probability
reaches THRESHOLD and stays speech while it stays above NEG_THRESHOLD (hysteresis, as Silero's
own ``get_speech_timestamps``). It tells speech from noise far better than the energy gate;
sustained tones and quiet background runs are then taken out as for every gate
(:mod:`pipeline.asr.vad.filters`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.asr.vad.base import (
    FRAME_SAMPLES,
    SAMPLE_RATE,
    SpeechRegion,
    VoiceDetector,
    regions_from_mask,
)
from pipeline.asr.vad.filters import foreground_speech

WINDOW_SAMPLES = FRAME_SAMPLES  # samples per model step at 16 kHz (32 ms)
CONTEXT_SAMPLES = 64  # samples of the previous window given with each step
STATE_SHAPE = (2, 1, 128)  # the model's recurrent state
THRESHOLD = 0.5  # speech probability that starts speech
NEG_THRESHOLD = 0.35  # probability under which speech ends
MODEL_PACKAGE = "silero_vad"
MODEL_FILE = "data/silero_vad.onnx"
SESSION_THREADS = 1  # the model is tiny and runs one 32 ms window at a time
NO_SPINNING = {  # idle pool threads sleep instead of spin-waiting for the next window
    "session.intra_op.allow_spinning": "0",
    "session.inter_op.allow_spinning": "0",
}


class SileroUnavailableError(RuntimeError):
    """The Silero model or onnxruntime is missing."""


def model_path() -> Path:
    """The ONNX file inside the installed ``silero-vad`` wheel (found without importing it)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SileroUnavailableError("the silero-vad package is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise SileroUnavailableError(f"{path} is missing")
    return path


def hysteresis(
    probs: np.ndarray, high: float = THRESHOLD, low: float = NEG_THRESHOLD
) -> np.ndarray:
    """Speech decision per frame: on at ``high``, off below ``low``."""
    mask = np.zeros(len(probs), bool)
    active = False
    for i, p in enumerate(probs):
        active = p >= high or (active and p >= low)
        mask[i] = active
    return mask


class SileroDetector(VoiceDetector):
    """Silero VAD behind the detector interface (one ONNX session, single-threaded, no
    spin-waiting: onnxruntime's default is a pool of one thread per core that spins between
    runs, which in N worker processes would be N pools on the same cores)."""

    name = "silero"

    def __init__(self, path: Path | None = None) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise SileroUnavailableError("onnxruntime is not installed") from exc
        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = SESSION_THREADS
        options.intra_op_num_threads = SESSION_THREADS
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        for entry, value in NO_SPINNING.items():
            options.add_session_config_entry(entry, value)
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(
                str(path or model_path()), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # a corrupt or incompatible model file
            raise SileroUnavailableError(f"the Silero model cannot be loaded: {exc}") from exc

    @property
    def session_options(self) -> object:
        """The onnxruntime options the session was built with (thread counts, spinning)."""
        return self._session.get_session_options()

    def probabilities(self, samples: np.ndarray) -> np.ndarray:
        """Speech probability of each WINDOW_SAMPLES window of 16 kHz audio."""
        return self.batch_probabilities([samples])[0]

    def batch_probabilities(self, channels: Sequence[np.ndarray]) -> list[np.ndarray]:
        """:meth:`probabilities` of several channels, run through the model side by side (one
        model step per window for all of them, each with its own context and recurrent state:
        the same numbers as one channel at a time, in half the steps for a stereo call)."""
        counts = [len(samples) // WINDOW_SAMPLES for samples in channels]
        n, batch = max(counts, default=0), len(channels)
        steps = np.zeros((n, batch, CONTEXT_SAMPLES + WINDOW_SAMPLES), np.float32)
        for b, (samples, count) in enumerate(zip(channels, counts, strict=True)):
            audio = np.asarray(samples[: count * WINDOW_SAMPLES], np.float32)
            audio = audio.reshape(count, WINDOW_SAMPLES)
            steps[:count, b, CONTEXT_SAMPLES:] = audio
            steps[1:count, b, :CONTEXT_SAMPLES] = audio[:-1, -CONTEXT_SAMPLES:]
        state = np.zeros((STATE_SHAPE[0], batch, STATE_SHAPE[2]), np.float32)
        rate = np.array(SAMPLE_RATE, np.int64)
        probs = np.zeros((n, batch), np.float32)
        run = self._session.run
        for i in range(n):
            out, state = run(None, {"input": steps[i], "state": state, "sr": rate})
            probs[i] = out[:, 0]
        return [probs[:count, b].copy() for b, count in enumerate(counts)]

    def detect(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> list[SpeechRegion]:
        """Padded, merged speech regions of one channel (16 kHz audio only)."""
        return self.detect_channels([samples], sample_rate)[0]

    def detect_channels(
        self, channels: Sequence[np.ndarray], sample_rate: int = SAMPLE_RATE
    ) -> list[list[SpeechRegion]]:
        """:meth:`detect` of each channel of a call, the channels run through the model as one
        batch (16 kHz audio only)."""
        if sample_rate != SAMPLE_RATE:
            raise ValueError(f"Silero runs on {SAMPLE_RATE} Hz audio, not {sample_rate} Hz")
        judged = [samples for samples in channels if len(samples) >= WINDOW_SAMPLES]
        probs = iter(self.batch_probabilities(judged))
        found: list[list[SpeechRegion]] = []
        for samples in channels:
            if len(samples) < WINDOW_SAMPLES:
                found.append([])
                continue
            mask = foreground_speech(hysteresis(next(probs)), samples, sample_rate)
            found.append(
                regions_from_mask(mask, WINDOW_SAMPLES / SAMPLE_RATE, len(samples) / sample_rate)
            )
        return found
