"""The faster-whisper backend encodes the language probe's window once for the probe and the
first window's decode."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.backends.faster_whisper import EncodeOnce


def test_encode_once_reuses_the_last_output_for_equal_features() -> None:
    calls: list[np.ndarray] = []

    def encode(features: np.ndarray) -> object:
        calls.append(features)
        return object()

    once = EncodeOnce(encode)
    features = np.arange(240, dtype=np.float32).reshape(80, 3)
    first = once(features)
    assert once(features.copy()) is first  # equal values, another array: the kept output
    features[0, 0] = -1.0  # a write to the array it was given is not missed
    assert once(features) is not first
    assert once(features.astype(np.float64)) is not once(features)  # another dtype
    assert len(calls) == 4


@pytest.mark.slow
@pytest.mark.parametrize("seconds, window_count", [(31, 2), (12, 1)])
def test_the_language_probe_is_the_first_windows_encoder_pass(
    asr_settings, seconds, window_count
) -> None:
    from pipeline.asr.backends import load_backend
    from pipeline.config import AsrBackendName

    settings = asr_settings.model_copy(update={"asr_backend": AsrBackendName.FASTER_WHISPER})
    backend = load_backend(settings, "base")
    once = backend.model.encode
    assert isinstance(once, EncodeOnce)
    inner, passes = once.encode, []

    def counted(features):
        passes.append(features.shape)
        return inner(features)

    once.encode = counted
    audio = np.random.default_rng(0).normal(0, 0.01, seconds * 16_000).astype(np.float32)
    backend.detect_language(audio)
    assert len(passes) == 1
    backend.transcribe_speech(audio, "zh", 1)
    # the first window's pass was the probe's; a fallback or the words need no new pass
    assert len(passes) == window_count
