"""Resemblyzer's speaker encoder (``resemblyzer`` 0.1.4, Apache-2.0) as voice features.

The wheel ships the trained encoder (``pretrained.pt``, 17 MB: a 3-layer LSTM over 40 mel
bands, a 256-d output); it is read from the installed package's files, never downloaded. The
package's own audio front end needs librosa, webrtcvad and an old scipy, so it is not imported:
the mel spectrogram it computes (25 ms Hann window, 10 ms hop, 40 Slaney mel bands, power) is
reproduced here with numpy, and the network is rebuilt with torch. A span is embedded as the
normalised mean of the encoder's 1.6 s partial windows, as ``embed_utterance`` does.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.asr.speakers.base import SAMPLE_RATE, Span, SpeakerFeatures, span_samples

PACKAGE = "resemblyzer"
WEIGHTS_FILE = "resemblyzer/pretrained.pt"
N_FFT = 400  # 25 ms at 16 kHz
HOP = 160  # 10 ms at 16 kHz
N_MELS = 40
HIDDEN = 256  # LSTM width and embedding size
LAYERS = 3
PARTIAL_FRAMES = 160  # 1.6 s per partial window
PARTIAL_STEP_FRAMES = 48  # about 1.3 partials a second, the package's default rate
EMBED_DIM = HIDDEN
BATCH_PARTIALS = 64  # mel windows per encoder call


class EncoderUnavailable(RuntimeError):
    """The resemblyzer package (its weights) is not installed."""


def weights_path() -> Path:
    """Where the installed package keeps ``pretrained.pt`` (EncoderUnavailable if absent)."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError as exc:
        raise EncoderUnavailable(
            "CALLSENTRY_MONO_FEATURES=resemblyzer needs the resemblyzer package: "
            "pip install --no-deps resemblyzer==0.1.4"
        ) from exc
    path = Path(str(dist.locate_file(WEIGHTS_FILE)))
    if not path.is_file():
        raise EncoderUnavailable(f"{path}: resemblyzer is installed without its pretrained.pt")
    return path


def _hz_to_mel_slaney(hz: np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log_part, linear)


def _mel_to_hz_slaney(mel: np.ndarray) -> np.ndarray:
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log_part, linear)


@lru_cache(maxsize=1)
def mel_basis() -> np.ndarray:
    """librosa's default mel filters (Slaney scale and area normalisation), (40, 201)."""
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    mels = np.linspace(_hz_to_mel_slaney(np.array(0.0)), _hz_to_mel_slaney(np.array(8000.0)), 42)
    edges = _mel_to_hz_slaney(mels)
    widths = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (frames, 40), centred frames as librosa pads them."""
    padded = np.pad(np.asarray(samples, np.float64), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(count)[:, None]
    window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann, as librosa's
    power = np.abs(np.fft.rfft(padded[index] * window, N_FFT)) ** 2
    return (power @ mel_basis().T).astype(np.float32)


def _partials(mel: np.ndarray) -> np.ndarray:
    """The 1.6 s windows of a span's mel frames (the last zero-padded), (n, 160, 40)."""
    if len(mel) < PARTIAL_FRAMES:
        mel = np.pad(mel, ((0, PARTIAL_FRAMES - len(mel)), (0, 0)))
    starts = list(range(0, len(mel) - PARTIAL_FRAMES + 1, PARTIAL_STEP_FRAMES))
    return np.stack([mel[s : s + PARTIAL_FRAMES] for s in starts])


class ResemblyzerFeatures(SpeakerFeatures):
    """Resemblyzer's 256-d speaker embeddings per span (torch, CPU)."""

    name = "resemblyzer"

    def __init__(self, weights: Path | None = None) -> None:
        """Load the encoder from ``weights`` (default: the installed package's)."""
        import torch

        self._torch = torch
        state = torch.load(weights or weights_path(), map_location="cpu", weights_only=True)
        self._lstm: Any = torch.nn.LSTM(N_MELS, HIDDEN, LAYERS, batch_first=True)
        self._linear: Any = torch.nn.Linear(HIDDEN, EMBED_DIM)
        model_state = state["model_state"]
        self._lstm.load_state_dict(
            {k.removeprefix("lstm."): v for k, v in model_state.items() if k.startswith("lstm.")}
        )
        self._linear.load_state_dict(
            {
                k.removeprefix("linear."): v
                for k, v in model_state.items()
                if k.startswith("linear.")
            }
        )
        self._lstm.eval()
        self._linear.eval()

    def _embed_partials(self, partials: np.ndarray) -> np.ndarray:
        """Unit-length encoder outputs of (n, 160, 40) mel windows, in batches."""
        torch = self._torch
        out = []
        with torch.no_grad():
            for lo in range(0, len(partials), BATCH_PARTIALS):
                batch = torch.from_numpy(partials[lo : lo + BATCH_PARTIALS])
                _, (hidden, _) = self._lstm(batch)
                raw = torch.relu(self._linear(hidden[-1]))
                out.append(raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-10))
        return torch.cat(out).numpy().astype(np.float64) if out else np.zeros((0, EMBED_DIM))

    def embed(self, samples: np.ndarray, spans: Sequence[Span]) -> np.ndarray:
        """One unit-length 256-d vector per span: the mean of its partial windows, normed
        (all spans' windows go through the encoder together)."""
        out = np.zeros((len(spans), EMBED_DIM))
        windows, owners = [], []
        for i, span in enumerate(spans):
            audio = span_samples(samples, span)
            if len(audio):
                parts = _partials(mel_frames(audio))
                windows.append(parts)
                owners.extend([i] * len(parts))
        if not windows:
            return out
        partial = self._embed_partials(np.concatenate(windows))
        owner = np.array(owners)
        for i in np.unique(owner):
            mean = partial[owner == i].mean(axis=0)
            norm = np.linalg.norm(mean)
            out[i] = mean / norm if norm > 0 else mean
        return out
