"""The redacted copy: spans beeped or silenced per channel, written as FLAC, read back, checked.

The copy has the original's channels (in the file's order) and length, at SAMPLE_RATE (16 kHz,
16-bit FLAC: lossless, so reading it back gives exactly what was written, within one step of
16-bit quantisation). :func:`verify_copy` decodes the written file and compares it sample by
sample with the redacted signal: a copy that differs (a truncated write, a wrong channel, a span
left untouched) is never called verified, and the original is never deleted on its strength.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE, decode_samples, redact_spans
from pipeline.outputs import atomic_write_bytes
from pipeline.redaction.modes import RedactionMode
from pipeline.redaction.spans import RedactionSpan

REDACTED_NAME = "redacted.flac"  # in the call's output folder
PCM_FULL_SCALE = 32767  # 16-bit FLAC
FLAC_FRAME_SAMPLES = 4096  # samples per channel handed to the encoder at a time
VERIFY_TOLERANCE = 2.0 / PCM_FULL_SCALE  # 16-bit quantisation, with a step to spare
COPY_MAX_DURATION_S = 24 * 3600.0  # reading back a copy: no limit but a sane one


class RedactionError(Exception):
    """The redacted copy could not be made or does not check out; names the file."""


def redact_channels(
    samples: np.ndarray, spans: Sequence[RedactionSpan], mode: RedactionMode
) -> np.ndarray:
    """A copy of ``samples`` (channels, n) with each span redacted on its own channel only."""
    if samples.ndim != 2:
        raise ValueError(f"expected (channels, n) samples, got shape {samples.shape}")
    out = np.array(samples, dtype=np.float32, copy=True)
    for channel in range(out.shape[0]):
        mine = [(s.start, s.end) for s in spans if s.channel == channel]
        if mine:
            out[channel] = redact_spans(out[channel], mine, mode.value, SAMPLE_RATE)
    unknown = sorted({s.channel for s in spans} - set(range(out.shape[0])))
    if unknown:
        raise ValueError(f"span on channel {unknown[0]} of a {out.shape[0]}-channel call")
    return out


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """float32 -1..1 (channels, n) as int16, rounded and clipped."""
    return np.clip(np.round(samples * PCM_FULL_SCALE), -PCM_FULL_SCALE, PCM_FULL_SCALE).astype(
        np.int16
    )


def encode_flac(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit FLAC bytes of float32 (channels, n) samples (one or two channels)."""
    import av

    channels, n = samples.shape
    layout = {1: "mono", 2: "stereo"}.get(channels)
    if layout is None:
        raise ValueError(f"FLAC copy of {channels} channels: only mono and stereo are written")
    pcm = to_pcm16(samples)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="flac") as container:
        stream = container.add_stream("flac", rate=sample_rate, layout=layout)
        stream.format = "s16"
        for offset in range(0, n, FLAC_FRAME_SAMPLES):
            chunk = np.ascontiguousarray(pcm[:, offset : offset + FLAC_FRAME_SAMPLES].T)
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout=layout)
            frame.sample_rate = sample_rate
            frame.pts = offset
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def verify_copy(path: Path, expected: np.ndarray) -> None:
    """RedactionError unless the file at ``path`` decodes to ``expected`` (channels and length
    exactly, every sample within :data:`VERIFY_TOLERANCE`)."""
    try:
        found = decode_samples(path, COPY_MAX_DURATION_S)
    except Exception as exc:  # IngestError or a decoder surprise: not verified either way
        raise RedactionError(f"{path}: the redacted copy cannot be read back ({exc})") from exc
    if found.shape != expected.shape:
        raise RedactionError(
            f"{path}: the redacted copy has {found.shape[0]} channel(s) of {found.shape[1]} "
            f"samples; expected {expected.shape[0]} of {expected.shape[1]}"
        )
    worst = float(np.max(np.abs(found - to_pcm16(expected) / PCM_FULL_SCALE), initial=0.0))
    if worst > VERIFY_TOLERANCE:
        raise RedactionError(
            f"{path}: the redacted copy differs from the redacted signal (by up to {worst:.4f})"
        )


def write_copy(path: Path, samples: np.ndarray) -> str:
    """Write ``samples`` as FLAC at ``path`` atomically, read it back and check it; returns the
    sha256 of the file's bytes."""
    data = encode_flac(samples)
    atomic_write_bytes(path, data)
    verify_copy(path, samples)
    return hashlib.sha256(data).hexdigest()
