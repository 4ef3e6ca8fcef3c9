"""The mono split end to end on synthetic voices: turns, voices, change points, roles."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pipeline.asr.speakers import MonoSplitter, load_features, splitter_from
from pipeline.asr.speakers.spectral import SpectralFeatures
from pipeline.asr.speakers.split import assign_roles
from pipeline.config import Settings
from pipeline.models import Segment

from .voices import AGENT_VOICE, CUSTOMER_VOICE, RATE, segment, voice

GAP_S = 0.5

# (voice, text) per turn: an agent and a customer taking turns
SCRIPT = [
    ("agent", "Thank you for calling North Bank. This call is recorded."),
    ("customer", "Hi. I lost my credit card yesterday."),
    ("agent", "Before we continue I need to verify your identity."),
    ("customer", "Sure, it is Jane Smith, born in May."),
    ("agent", "Thank you, the card is now blocked."),
    ("customer", "Great, thanks a lot."),
]


def _call(script, seconds: float = 2.0):
    audio, segments, t = [np.zeros(int(GAP_S * RATE), np.float32)], [], GAP_S
    for i, (who, text) in enumerate(script):
        params = AGENT_VOICE if who == "agent" else CUSTOMER_VOICE
        audio.append(voice(seconds, **params, seed=i))
        audio.append(np.zeros(int(GAP_S * RATE), np.float32))
        segments.append(segment(t, t + seconds, text))
        t += seconds + GAP_S
    return np.concatenate(audio), segments


def test_turns_get_the_speaker_of_their_voice() -> None:
    audio, segments = _call(SCRIPT)
    out = MonoSplitter(SpectralFeatures()).split(segments, audio, "en")
    assert [s.speaker for s in out] == [who for who, _ in SCRIPT]
    assert [s.text for s in out] == [s.text for s in segments]


def test_voices_not_phrases_decide_each_turn() -> None:
    # the customer's last turn sounds like them but says nothing telling
    script = [*SCRIPT[:-1], ("customer", "Okay then.")]
    audio, segments = _call(script)
    roles = assign_roles(segments, audio, "en", SpectralFeatures())
    assert [r.speaker for r in roles] == [who for who, _ in script]
    assert len({r.voice for r in roles if r.speaker == "agent"}) == 1


def test_the_voice_that_says_agent_phrases_is_the_agent_even_second() -> None:
    script = [(("customer" if w == "agent" else "agent"), t) for w, t in SCRIPT]
    audio, segments = _call(script)  # now the customer's voice opens the call
    # with the texts kept in order, the opening voice says "thank you for calling"
    out = MonoSplitter(SpectralFeatures()).split(segments, audio, "en")
    assert [s.speaker for s in out] == [w for w, _ in SCRIPT]
    # with the texts swapped too, the agent's phrases follow the agent's voice
    swapped = [segment(s.start, s.end, SCRIPT[i ^ 1][1]) for i, s in enumerate(segments)]
    out = MonoSplitter(SpectralFeatures()).split(swapped, audio, "en")
    assert [s.speaker for s in out] == [w for w, _ in script]


def test_a_change_of_voice_without_a_pause_splits_a_segment() -> None:
    audio, segments = _call(SCRIPT)
    # join the fifth and sixth turns' audio with no pause, under one Whisper segment
    a, b = segments[4], segments[5]
    hi = int(b.start * RATE)
    shift = hi - int(a.end * RATE)
    audio = np.concatenate([audio[: int(a.end * RATE)], audio[hi:]])
    moved = tuple(
        replace(
            w, start=w.start - shift / RATE, end=w.end - shift / RATE, text=f" {w.text.strip()}"
        )
        for w in b.words
    )
    joined = Segment(
        "unknown", a.start, b.end - shift / RATE, f"{a.text} {b.text}", a.words + moved
    )
    out = MonoSplitter(SpectralFeatures()).split([*segments[:4], joined], audio, "en")
    assert [s.speaker for s in out] == [w for w, _ in SCRIPT]
    # cut at the word boundary nearest the change, give or take one word (0.3 s here)
    assert out[4].text.startswith("Thank you") and out[5].text.endswith("Great, thanks a lot.")
    assert abs(out[5].start - a.end) < 0.35


def test_a_call_heard_as_one_segment_is_still_split() -> None:
    # two turns with no pause, transcribed as a single segment: chunked, then clustered
    audio = np.concatenate(
        [voice(4.0, **AGENT_VOICE, seed=1), voice(4.0, **CUSTOMER_VOICE, seed=2)]
    )
    text = "Thank you for calling, this call is recorded. Hi, I lost my credit card today."
    out = MonoSplitter(SpectralFeatures()).split([segment(0.0, 8.0, text)], audio, "en")
    assert [s.speaker for s in out] == ["agent", "customer"]
    assert abs(out[1].start - 4.0) < 0.6


def test_uncertain_turns_stay_unknown() -> None:
    audio, segments = _call(SCRIPT)
    out = MonoSplitter(SpectralFeatures(), min_confidence=0.999999).split(segments, audio, "en")
    assert {s.speaker for s in out} == {"unknown"}


def test_one_turn_is_left_as_it_is() -> None:
    audio, segments = _call(SCRIPT[:1], seconds=1.5)
    assert MonoSplitter(SpectralFeatures()).split(segments, audio, "en") == tuple(segments)
    assert MonoSplitter(SpectralFeatures()).split([], audio, "en") == ()


def test_mandarin_turns_are_named_from_mandarin_phrases() -> None:
    texts = ["您好，这里是客服中心，工号八八一六。", "你好，我想查一下我的账单。",
             "好的，请您提供身份证号码。", "好的，谢谢。"]  # fmt: skip
    audio, _ = _call([("agent" if i % 2 == 0 else "customer", t) for i, t in enumerate(texts)])
    segments = [segment(0.5 + i * 2.5, 2.5 + i * 2.5, t, chinese=True) for i, t in enumerate(texts)]
    out = MonoSplitter(SpectralFeatures()).split(segments, audio, "zh")
    assert [s.speaker for s in out] == ["agent", "customer", "agent", "customer"]
    assert [s.text for s in out] == texts


def test_a_turn_that_gives_the_agent_number_is_the_agents_whatever_its_voice() -> None:
    # the greeting sounds like the customer's voice (a mono mix can blur it), but a customer
    # gives no agent number: 公号 is how the ASR hears 工号
    texts = ["华信云航信用卡中心，公号三三零九。", "你好，我想改一下我的账单地址。",
             "好的，请您先提供姓名和身份证号码。", "我的名字是王建国。",
             "感谢您，核实通过，请问新的地址是哪里？", "我想寄到学院路三十号。"]  # fmt: skip
    voices = ["customer", "customer", "agent", "customer", "agent", "customer"]
    audio, _ = _call(list(zip(voices, texts, strict=True)))
    segments = [segment(0.5 + i * 2.5, 2.5 + i * 2.5, t, chinese=True) for i, t in enumerate(texts)]
    roles = assign_roles(segments, audio, "zh", SpectralFeatures())
    assert roles[0].speaker == "agent"
    assert [r.speaker for r in roles[1:]] == ["customer", "agent", "customer", "agent", "customer"]


def test_settings_choose_the_splitter() -> None:
    assert splitter_from(Settings(mono_split=False)) is None
    splitter = splitter_from(Settings(mono_split="on", mono_min_confidence=0.7))
    assert splitter is not None and splitter.features.name == "spectral"
    assert splitter.min_confidence == 0.7
    with pytest.raises(ValueError, match="unknown speaker features"):
        load_features("ivector")


def test_segments_keep_their_guard_flags() -> None:
    audio, segments = _call(SCRIPT)
    flagged = [Segment(**{**s.__dict__, "suspect": i == 1}) for i, s in enumerate(segments)]
    out = MonoSplitter(SpectralFeatures()).split(flagged, audio, "en")
    assert [s.suspect for s in out] == [i == 1 for i in range(len(SCRIPT))]
