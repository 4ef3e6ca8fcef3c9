"""Resampling and encoding with PyAV (FFmpeg inside the wheel; no ffmpeg binary needed)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

MIX_RATE_HZ = 16_000  # every call is laid out and mixed at this rate
FRAME_SAMPLES = 1024  # samples per frame handed to an encoder or resampler


def _frames(planar: np.ndarray, rate: int, layout: str):  # type: ignore[no-untyped-def]
    for pos in range(0, planar.shape[1], FRAME_SAMPLES):
        chunk = np.ascontiguousarray(planar[:, pos : pos + FRAME_SAMPLES], dtype=np.float32)
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = pos
        yield frame


def resample(audio: np.ndarray, source_rate: int, target_rate: int = MIX_RATE_HZ) -> np.ndarray:
    """Mono float32 ``audio`` at ``source_rate`` Hz -> float32 at ``target_rate`` Hz."""
    if source_rate == target_rate:
        return audio.astype(np.float32)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target_rate)
    out = []
    for frame in _frames(audio.reshape(1, -1), source_rate, "mono"):
        out.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(frame))
    out.extend(f.to_ndarray().reshape(-1) for f in resampler.resample(None))
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


def encode(path: Path, mix: np.ndarray, codec: str, rate: int, bit_rate: int | None) -> None:
    """Write ``mix`` ((channels, n) float32 at MIX_RATE_HZ) to ``path``, bit-exact flags set."""
    layout = "stereo" if mix.shape[0] == 2 else "mono"
    with av.open(str(path), "w", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        stream.codec_context.options = {"flags": "+bitexact"}
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name, layout=layout, rate=rate
        )
        for frame in _frames(np.clip(mix, -1.0, 1.0), MIX_RATE_HZ, layout):
            for out in resampler.resample(frame):
                for packet in stream.encode(out):
                    container.mux(packet)
        for out in resampler.resample(None):
            for packet in stream.encode(out):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
