"""A stereo sample downmixed to mono, split by the real pipeline, scored against its channels."""

from __future__ import annotations

import pytest

from eval.eval_mono import TARGET, mono_call, score_roles
from pipeline.asr.speakers import MonoSplitter, load_features
from pipeline.asr.transcribe import transcribe_call
from pipeline.config import AsrBackendName

SAMPLE = "en_card_lost_compliant.flac"  # 47.5 s, two espeak-ng voices


@pytest.mark.slow
def test_downmixed_call_gets_the_right_role_for_90_percent_of_its_speech(
    decode, asr_settings
) -> None:
    from pipeline.asr.backends import load_backend

    backend = load_backend(
        asr_settings.model_copy(update={"asr_backend": AsrBackendName.FASTER_WHISPER}), "tiny.en"
    )
    call, truth = mono_call(decode(SAMPLE))
    splitter = MonoSplitter(load_features("spectral"))
    transcript = transcribe_call(call, backend, language="en", beam_size=1, mono=splitter)
    speakers = {s.speaker for s in transcript.segments}
    assert {"agent", "customer"} <= speakers
    score = score_roles(truth, transcript.segments)
    assert score.transcribed > 25.0  # seconds of the call's ~34 s of speech
    assert score.accuracy >= TARGET
    # switched off, the same call is all unknown
    plain = transcribe_call(call, backend, language="en", beam_size=1, mono=False)
    assert {s.speaker for s in plain.segments} == {"unknown"}
