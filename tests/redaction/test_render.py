"""Beep / silence per channel, the FLAC copy, and its read-back check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from pipeline.audio import SAMPLE_RATE, decode_samples
from pipeline.redaction.modes import RedactionMode
from pipeline.redaction.render import (
    RedactionError,
    encode_flac,
    redact_channels,
    verify_copy,
    write_copy,
)
from pipeline.redaction.spans import RedactionSpan, SpanBasis


def _noise(channels: int = 2, seconds: float = 2.0) -> np.ndarray:
    rng = np.random.default_rng(7)
    return (0.1 * rng.standard_normal((channels, int(seconds * SAMPLE_RATE)))).astype(np.float32)


SPAN = RedactionSpan(1, 0.5, 1.0, ("PIN",), SpanBasis.WORDS)


@pytest.mark.parametrize("mode", list(RedactionMode))
def test_only_the_spans_channel_and_time_change(mode: RedactionMode) -> None:
    audio = _noise()
    out = redact_channels(audio, [SPAN], mode)
    lo, hi = int(0.5 * SAMPLE_RATE), int(1.0 * SAMPLE_RATE)
    assert np.array_equal(out[0], audio[0])
    assert np.array_equal(out[1, :lo], audio[1, :lo]) and np.array_equal(out[1, hi:], audio[1, hi:])
    inside = out[1, lo:hi]
    if mode is RedactionMode.SILENCE:
        assert not inside.any()
    else:  # the 1 kHz tone: its spectrum peaks at 1 kHz
        spectrum = np.abs(np.fft.rfft(inside))
        assert np.fft.rfftfreq(len(inside), 1 / SAMPLE_RATE)[spectrum.argmax()] == 1000.0


def test_a_span_on_a_channel_the_call_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="channel 1 of a 1-channel call"):
        redact_channels(_noise(channels=1), [SPAN], RedactionMode.BEEP)


@pytest.mark.parametrize("channels", [1, 2])
def test_the_copy_has_the_originals_channels_and_length_and_checks_out(
    tmp_path: Path, channels: int
) -> None:
    audio = redact_channels(_noise(channels), [], RedactionMode.BEEP)
    path = tmp_path / "redacted.flac"
    digest = write_copy(path, audio)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    back = decode_samples(path, 60.0)
    assert back.shape == audio.shape
    assert np.max(np.abs(back - audio)) < 2 / 32767


def test_a_copy_that_differs_is_not_verified(tmp_path: Path) -> None:
    audio = _noise()
    path = tmp_path / "redacted.flac"
    path.write_bytes(encode_flac(audio))
    redacted = redact_channels(audio, [SPAN], RedactionMode.SILENCE)
    with pytest.raises(RedactionError, match="differs from the redacted signal"):
        verify_copy(path, redacted)
    path.write_bytes(encode_flac(audio[:, : SAMPLE_RATE // 2]))
    with pytest.raises(RedactionError, match="expected 2 of 32000"):
        verify_copy(path, audio)
    path.write_bytes(b"not audio")
    with pytest.raises(RedactionError, match="cannot be read back"):
        verify_copy(path, audio)
