"""Real-Whisper transcription of the committed samples, once per ASR backend (slow: backends in
session fixtures), and call times checked against calls with known turn times."""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import replace
from types import MappingProxyType

import numpy as np
import pytest

from pipeline.asr.backends.base import AsrBackend
from pipeline.asr.error_rate import error_rate
from pipeline.asr.guards import AsrSegment, normalise_for_match, prompt_phrases, to_simplified
from pipeline.asr.transcribe import call_speech, transcribe_call
from pipeline.asr.vad import SAMPLE_RATE, load_detector
from pipeline.config import VadName
from pipeline.models import Transcript

from .calls import Turn, relaid_call, through_telephone, with_fillers

EN_CALL = "en_card_lost_compliant.flac"
ZH_CALL = "zh_limit_auth_request.flac"
RELAID_GAPS_S = (4.0, 6.0, 3.0)  # pauses laid between turns: the VAD cuts them all out
TURN_TOLERANCE_S = 0.3  # a segment may start or end this far outside its turn
# Mandarin turns used, alternating agent / customer: the ones base reads (CER 0.0-0.55); on the
# others it loops on the synthetic voice, which costs minutes and tests the guards, not times.
ZH_TURNS = (0, 7, 2, 3, 8)
# Word error rate per speaker of tiny.en (beam 5) on EN_CALL against the manifest text, after
# pipeline.asr.error_rate.normalise_english. Measured 0.157 (agent) and 0.143 (customer) with
# openai-whisper and the energy gate; both backends behind the Silero gate stay under the bound.
TINY_EN_WER_MAX = 0.25


def _clip(call, seconds: float):
    """The first ``seconds`` of a decoded call."""
    n = int(seconds * SAMPLE_RATE)
    channels = tuple(replace(c, samples=c.samples[:n]) for c in call.channels)
    return replace(call, recording=replace(call.recording, duration=seconds), channels=channels)


def _speaker_text(transcript: Transcript, speaker: str) -> str:
    return " ".join(s.text for s in transcript.segments if s.speaker == speaker)


@pytest.fixture(scope="session")
def en_transcript(tiny_backend, decode) -> Transcript:
    return transcribe_call(decode(EN_CALL), tiny_backend, language="auto", beam_size=5)


@pytest.mark.slow
@pytest.mark.parametrize("speaker", ["agent", "customer"])
def test_english_wer_within_measured_bound(en_transcript, manifest, speaker) -> None:
    turns = manifest[EN_CALL]["turns"]
    reference = " ".join(t["text"] for t in turns if t["speaker"] == speaker)
    hypothesis = _speaker_text(en_transcript, speaker)
    assert error_rate(reference, hypothesis, "en") <= TINY_EN_WER_MAX


@pytest.mark.slow
def test_key_phrases_come_from_the_right_channel(en_transcript) -> None:
    agent = _speaker_text(en_transcript, "agent").lower()
    customer = _speaker_text(en_transcript, "customer").lower()
    assert "recorded" in agent and "verify your identity" in agent
    assert "lost my credit card" in customer
    assert "verify your identity" not in customer and "lost my credit card" not in agent
    assert en_transcript.language == "en"


@pytest.mark.slow
def test_timestamps_valid(en_transcript) -> None:
    segments = en_transcript.segments
    assert segments and [s.start for s in segments] == sorted(s.start for s in segments)
    for speaker in ("agent", "customer"):
        previous_end = 0.0
        for seg in (s for s in segments if s.speaker == speaker):
            assert previous_end <= seg.start <= seg.end <= en_transcript.duration
            previous_end = seg.end
            cursor = seg.start
            for word in seg.words:
                assert seg.start <= word.start <= word.end <= seg.end
                assert word.start >= cursor
                cursor = word.start
    assert any(seg.words for seg in segments)  # word timestamps came through


@pytest.mark.slow
@pytest.mark.parametrize("name", ["silence.wav", "noise_only.flac"])
def test_silence_and_noise_give_no_text(base_backend, decode, name) -> None:
    transcript = transcribe_call(decode(name), base_backend)
    assert transcript.segments == ()
    assert transcript.duration == pytest.approx(decode(name).recording.duration)


@pytest.mark.slow
def test_decode_is_deterministic_and_detects_english(base_backend, decode) -> None:
    clip = _clip(decode("en_wealth_guaranteed.ogg"), 8.0)
    first = transcribe_call(clip, base_backend, beam_size=1)
    second = transcribe_call(clip, base_backend, beam_size=1)
    assert first.language == "en"
    assert first.segments and first.to_dict() == second.to_dict()


@pytest.mark.slow
def test_mandarin_is_detected_and_simplified(base_backend, decode, manifest) -> None:
    name = next(n for n, e in manifest.items() if e.get("language") == "zh" and e["channels"] == 2)
    transcript = transcribe_call(_clip(decode(name), 8.0), base_backend, beam_size=1)
    assert transcript.language == "zh"
    for seg in transcript.segments:
        assert to_simplified(seg.text) == seg.text
        assert all(to_simplified(w.text) == w.text for w in seg.words)


@pytest.mark.slow
def test_mandarin_prompt_reaches_the_decoder_and_never_the_transcript(base_backend, decode) -> None:
    """The default Mandarin prompt changes what the engine writes (both engines), and no
    segment of the transcript repeats it; the text is simplified and punctuated."""
    clip = _clip(decode(ZH_CALL), 20.0)
    prompt = base_backend.prompt_for("zh")
    assert prompt
    speech = call_speech(clip.channels, load_detector(VadName.SILERO))
    assert speech is not None
    plain = base_backend.transcribe_speech(speech.audio, "zh", 1)
    prompted = base_backend.transcribe_speech(speech.audio, "zh", 1, prompt)
    assert [s.text for s in plain] != [s.text for s in prompted]
    transcript = transcribe_call(clip, base_backend, language="zh", beam_size=1)
    text = "".join(s.text for s in transcript.segments)
    assert text and to_simplified(text) == text
    assert any(unicodedata.category(ch).startswith("P") for ch in text)
    for clause in prompt_phrases(prompt):
        assert normalise_for_match(clause) not in normalise_for_match(text)


class _PromptEcho(AsrBackend):
    """An engine that writes its prompt back before the speech (Whisper's failure mode)."""

    name, model_name, device, is_multilingual = "echo", "echo", "cpu", True
    prompts = MappingProxyType({"zh": "以下是普通话的句子，使用简体中文。"})

    def __init__(self) -> None:
        self.received: list[str] = []

    def detect_language(self, audio: np.ndarray) -> str:
        return "zh"

    def transcribe_speech(self, audio, language, beam_size, prompt=""):
        self.received.append(prompt)
        end = len(audio) / SAMPLE_RATE
        return [AsrSegment(0.0, 1.0, prompt), AsrSegment(1.0, end, "請問有什麼可以幫您？")]


def test_transcribe_call_gives_the_prompt_and_drops_its_echo(decode) -> None:
    engine = _PromptEcho()
    clip = _clip(decode(ZH_CALL), 8.0)
    transcript = transcribe_call(clip, engine, vad=load_detector(VadName.ENERGY))
    assert engine.received == ["以下是普通话的句子，使用简体中文。"]
    texts = [s.text for s in transcript.segments]
    assert texts and all(t == "请问有什么可以帮您？" for t in texts)


def test_bad_language_refused(decode, tiny_backend) -> None:
    with pytest.raises(ValueError, match="language"):
        transcribe_call(decode("silence.wav"), tiny_backend, language="fr")


def assert_segments_on_turns(transcript: Transcript, turns: list[Turn]) -> None:
    """Every segment lies within TURN_TOLERANCE_S of one turn of its speaker, and no segment
    spans any part of a turn of the other speaker."""
    assert transcript.segments
    for seg in transcript.segments:
        own = [
            t
            for t in turns
            if t.speaker == seg.speaker
            and t.start - TURN_TOLERANCE_S <= seg.start <= seg.end <= t.end + TURN_TOLERANCE_S
        ]
        assert own, f"{seg.speaker} segment {seg.start:.2f}-{seg.end:.2f} fits no turn"
        others = [t for t in turns if t.speaker != seg.speaker]
        assert not any(seg.start < t.end and t.start < seg.end for t in others)
        for word in seg.words:
            assert seg.start <= word.start <= word.end <= seg.end


@pytest.mark.slow
def test_english_times_map_back_to_known_turns(tiny_backend, decode, manifest) -> None:
    call, turns = relaid_call(decode(EN_CALL), manifest[EN_CALL]["turns"], RELAID_GAPS_S)
    transcript = transcribe_call(call, tiny_backend, language="en", beam_size=5)
    assert_segments_on_turns(transcript, turns)
    for speaker in ("agent", "customer"):
        heard = [t for t in turns if t.speaker == speaker]
        assert any(s.speaker == speaker for s in transcript.segments), heard


@pytest.mark.slow
def test_music_chatter_and_line_noise_between_turns_give_no_text(
    tiny_backend, decode, manifest
) -> None:
    call, turns = relaid_call(decode(EN_CALL), manifest[EN_CALL]["turns"], RELAID_GAPS_S)
    other = "en_wealth_guaranteed.ogg"
    noisy = with_fillers(call, turns, decode(other), manifest[other]["turns"])
    transcript = transcribe_call(noisy, tiny_backend, language="en", beam_size=5)
    assert_segments_on_turns(transcript, turns)
    reference = " ".join(t.text for t in turns if t.speaker == "customer")
    customer = " ".join(s.text for s in transcript.segments if s.speaker == "customer")
    assert error_rate(reference, customer, "en") <= TINY_EN_WER_MAX  # no word was cut


@pytest.mark.slow
def test_mandarin_times_map_back_to_known_turns(base_backend, decode, manifest) -> None:
    source = [manifest[ZH_CALL]["turns"][i] for i in ZH_TURNS]
    call, turns = relaid_call(decode(ZH_CALL), source, RELAID_GAPS_S)
    transcript = transcribe_call(call, base_backend, language="zh", beam_size=1)
    assert_segments_on_turns(transcript, turns)


# Character error rate of base (beam 5) on the Mandarin call laid out turn after turn and stored
# at 8 kHz, as bench/bench_transcribe.py builds it: 0.108 on faster-whisper and 0.140 on the
# plain whisper CLI. openai-whisper read 0.478 on the benchmark's file: its beam search ended the
# second 30 s window's text after one sentence and whisper skipped the rest of the window; the
# speech left without text is now decoded again. No segment may write the one before it again.
# This layout (1 s lead-in, 0.05 s kept around each turn) moves the windows: the code before
# that change passed here too (22 min on a busy machine, either way).
ZH_8K_CER_MAX = 0.25
ZH_8K_GAPS_S = (0.5,)


@pytest.mark.slow
def test_mandarin_at_8_khz_is_read_without_repeated_text(
    base_backend, decode, manifest, tmp_path
) -> None:
    turns = manifest[ZH_CALL]["turns"]
    laid_out, _ = relaid_call(decode(ZH_CALL), turns, ZH_8K_GAPS_S)
    call = through_telephone(laid_out, tmp_path)
    transcript = transcribe_call(call, base_backend, language="zh", beam_size=5)
    for speaker in ("agent", "customer"):
        texts = [normalise_for_match(s.text) for s in transcript.segments if s.speaker == speaker]
        for before, after in itertools.pairwise(texts):
            assert len(after) < 6 or after not in before, (before, after)
    assert not [s for s in transcript.segments if s.suspect_reason == "repetition loop"]
    reference = "".join(t["text"] for t in turns)
    hypothesis = "".join(s.text for s in sorted(transcript.segments, key=lambda s: s.start))
    assert error_rate(reference, hypothesis, "zh") <= ZH_8K_CER_MAX
