"""faster-whisper's batched window decoding: the window plan, the checks that send a window back
to the sequential path, and the real model (tiny.en) giving the same transcript contract."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.asr.backends import load_backend, result_model
from pipeline.asr.backends.faster_whisper_batched import (
    UNREAD_TAIL_S,
    WINDOW_S,
    Window,
    fails_thresholds,
    plan_windows,
    transcribe_batched,
    unread_from,
)
from pipeline.asr.error_rate import error_rate
from pipeline.asr.guards import COMPRESSION_RATIO_MAX, LOGPROB_MIN, AsrSegment, compression_ratio
from pipeline.asr.transcribe import transcribe_call
from pipeline.asr.vad import SAMPLE_RATE
from pipeline.config import AsrBackendName, Settings
from pipeline.models import Word

EN_CALL = "en_card_lost_compliant.flac"
TINY_EN_WER_MAX = 0.25  # as in test_transcribe.py, per speaker
BATCH_SIZE = 4


def _speechlike(seconds: float, gaps: dict[float, float], seed: int = 3) -> np.ndarray:
    """Loud noise with silent gaps ({start s: length s})."""
    audio = np.random.default_rng(seed).normal(0, 0.3, int(seconds * SAMPLE_RATE))
    for start, length in gaps.items():
        audio[int(start * SAMPLE_RATE) : int((start + length) * SAMPLE_RATE)] = 0.0
    return audio.astype(np.float32)


def test_windows_cover_the_stream_and_are_cut_in_its_pauses() -> None:
    audio = _speechlike(75.0, {25.0: 0.6, 53.0: 0.6})
    windows = plan_windows(audio)
    assert windows[0].start == 0.0 and windows[-1].end == pytest.approx(75.0)
    for before, after in itertools.pairwise(windows):
        assert before.end == after.start
    assert all(w.end - w.start <= WINDOW_S for w in windows)
    cuts = [w.end for w in windows[:-1]]
    assert len(cuts) == 2 and 25.0 <= cuts[0] <= 25.6 and 53.0 <= cuts[1] <= 53.6  # in pauses


def test_short_stream_is_one_window_and_empty_is_none() -> None:
    assert plan_windows(_speechlike(12.0, {})) == [Window(0.0, 12.0)]
    assert plan_windows(np.zeros(0, np.float32)) == []


def _seg(text: str, start: float, end: float, logprob: float = -0.2, no_speech: float = 0.1):
    words = (Word(start=start, end=end, text=text),) if text else ()
    return AsrSegment(start, end, text, words, avg_logprob=logprob, no_speech_prob=no_speech)


def test_a_window_failing_the_thresholds_goes_back() -> None:
    assert fails_thresholds([])
    assert fails_thresholds([_seg(" ", 0.0, 1.0)])
    assert fails_thresholds([_seg("ok fine", 0.0, 2.0, logprob=LOGPROB_MIN - 0.5)])
    loop = "the card " * 30
    assert compression_ratio(loop) > COMPRESSION_RATIO_MAX
    assert fails_thresholds([_seg(loop, 0.0, 20.0)])
    assert not fails_thresholds([_seg("Please hold on.", 0.0, 2.0)])
    # silence by Whisper's own rule: kept for the guards to drop, not decoded again
    assert not fails_thresholds([_seg("you", 0.0, 1.0, logprob=-1.5, no_speech=0.9)])
    assert unread_from([_seg("you", 0.0, 1.0, logprob=-1.5, no_speech=0.9)], Window(0, 30)) is None


def test_speech_after_the_last_word_is_found() -> None:
    window = Window(0.0, 30.0)
    assert unread_from([_seg("a b", 0.0, 29.5)], window) is None
    assert unread_from([_seg("a b", 0.0, 23.3)], window) == pytest.approx(23.3)
    assert unread_from([_seg("a", 0.0, 30.0 - UNREAD_TAIL_S)], window) is None


@pytest.fixture(scope="module")
def batched_tiny(asr_settings):
    """tiny.en on faster-whisper, its windows decoded BATCH_SIZE at a time."""
    settings = asr_settings.model_copy(
        update={"asr_backend": AsrBackendName.FASTER_WHISPER, "asr_batch_size": BATCH_SIZE}
    )
    backend = load_backend(settings, "tiny.en")
    assert backend.batch_size == BATCH_SIZE
    return backend


def test_a_window_failing_the_thresholds_is_decoded_again_on_its_own(
    batched_tiny, monkeypatch
) -> None:
    """Every window judged failed goes to the sequential path with its own samples, and what
    that path decodes comes back in stream time."""
    from pipeline.asr.backends import faster_whisper_batched

    monkeypatch.setattr(faster_whisper_batched, "fails_thresholds", lambda segments: True)
    audio = np.zeros(40 * SAMPLE_RATE, np.float32)
    windows = plan_windows(audio)
    assert len(windows) == 2
    received: list[int] = []

    def sequential(samples: np.ndarray) -> list[AsrSegment]:
        received.append(len(samples))
        return [_seg("hello", 1.0, 2.0)]

    segments = transcribe_batched(
        batched_tiny.model,
        audio,
        language="en",
        beam_size=1,
        prompt="",
        batch_size=BATCH_SIZE,
        sequential=sequential,
    )
    assert received == [round((w.end - w.start) * SAMPLE_RATE) for w in windows]
    assert [s.start for s in segments] == pytest.approx([w.start + 1.0 for w in windows])
    assert [s.words[0].end for s in segments] == pytest.approx([w.start + 2.0 for w in windows])


@pytest.mark.slow
def test_batched_transcript_keeps_the_contract(batched_tiny, decode, manifest) -> None:
    """Word error rate per speaker within the sequential path's bound; segments and words
    ordered and within call time; the same text twice."""
    call = decode(EN_CALL)
    transcript = transcribe_call(call, batched_tiny, language="en", beam_size=5)
    turns = manifest[EN_CALL]["turns"]
    for speaker in ("agent", "customer"):
        reference = " ".join(t["text"] for t in turns if t["speaker"] == speaker)
        hypothesis = " ".join(s.text for s in transcript.segments if s.speaker == speaker)
        assert error_rate(reference, hypothesis, "en") <= TINY_EN_WER_MAX
        previous_end = 0.0
        for seg in (s for s in transcript.segments if s.speaker == speaker):
            assert previous_end <= seg.start <= seg.end <= transcript.duration
            previous_end = seg.end
            assert seg.words
            for word in seg.words:
                assert seg.start <= word.start <= word.end <= seg.end
    again = transcribe_call(call, batched_tiny, language="en", beam_size=5)
    assert again.to_dict() == transcript.to_dict()


def test_batch_size_is_part_of_the_stored_result_key() -> None:
    sequential = Settings(model="base", asr_backend="faster-whisper")
    batched = Settings(model="base", asr_backend="faster-whisper", asr_batch_size=BATCH_SIZE)
    assert result_model(batched) != result_model(sequential)
    # sequential faster-whisper and openai-whisper keep the keys they had
    assert result_model(sequential) == result_model(Settings(model="base"))
    openai = Settings(model="base", asr_batch_size=BATCH_SIZE)
    assert result_model(openai) == result_model(Settings(model="base"))
