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


CORPUS_CALL = "zh-t09-agent-reads-id-mono.wav"  # 43.5 s, G.711 A-law 8 kHz, two voices mixed


@pytest.mark.slow
def test_a_corpus_mono_call_gets_the_right_role_even_heard_as_one_segment(asr_settings) -> None:
    from eval.eval_mono import corpus_calls
    from pipeline.asr.backends import load_backend
    from pipeline.models import Segment

    backend = load_backend(
        asr_settings.model_copy(update={"asr_backend": AsrBackendName.FASTER_WHISPER}), "base"
    )
    ((_, language, call, truth, _),) = corpus_calls("tuning", [CORPUS_CALL])
    plain = transcribe_call(call, backend, language=language, beam_size=1, mono=False)
    splitter = MonoSplitter(load_features("spectral"))
    samples = call.channels[0].samples
    segments = splitter.split(plain.segments, samples, language)
    assert {"agent", "customer"} <= {s.speaker for s in segments}
    assert score_roles(truth, segments).accuracy >= TARGET
    # the same words as one segment over all nine turns: cut at the changes of voice again
    words = tuple(w for s in plain.segments for w in s.words)
    whole = Segment(
        "unknown",
        plain.segments[0].start,
        plain.segments[-1].end,
        "".join(s.text for s in plain.segments),
        words,
    )
    segments = splitter.split([whole], samples, language)
    assert len(segments) >= 6
    assert score_roles(truth, segments).accuracy >= TARGET
