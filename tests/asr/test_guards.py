"""Guards against Whisper failure modes: loops, hallucination phrases, confidence, clamping."""

from __future__ import annotations

import pytest

from pipeline.asr.guards import (
    AsrSegment,
    clamp_segments,
    guard_channel,
    judge_segment,
    prompt_phrases,
    split_on_pauses,
    to_simplified,
)
from pipeline.models import Word


@pytest.mark.parametrize(
    ("text", "drop", "reason"),
    [
        ("I would like to check my balance please.", False, None),
        ("我想查询一下我的信用卡账单。", False, None),
        ("寒寒寒寒寒寒寒寒寒寒寒寒", True, "repetition loop"),
        ("the card the card the card the card the card", True, "repetition loop"),
        ("谢谢你谢谢你谢谢你谢谢你谢谢你", True, "repetition loop"),
        ("我要查询余额寒寒寒寒寒寒寒寒寒寒寒寒寒寒寒", False, "repetition loop"),
        ("no no no no", False, None),  # short natural repetition is speech
        ("Thank you for watching!", True, "known hallucination phrase"),
        ("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", True, "known hallucination phrase"),
        ("請不吝點贊 訂閱 轉發 打賞支持明鏡與點點欄目", True, "known hallucination phrase"),
        ("字幕由Amara.org社区提供", True, "known hallucination phrase"),
        (
            "Your card is blocked and a new one is on its way. Thank you for watching.",
            False,
            "known hallucination phrase",
        ),
        ("Thank you for calling North Bank.", False, None),
        ("...", True, "empty text"),
        ("", True, "empty text"),
    ],
)
def test_judge_text(text: str, drop: bool, reason: str | None) -> None:
    verdict = judge_segment(AsrSegment(0.0, 2.0, text))
    assert (verdict.drop, verdict.reason) == (drop, reason)


@pytest.mark.parametrize(
    ("avg_logprob", "no_speech_prob", "compression", "drop", "reason"),
    [
        (-0.3, 0.1, None, False, None),
        (-1.5, 0.9, None, True, "no speech"),
        (-1.5, 0.1, None, False, "low decoder confidence"),
        (-0.3, 0.9, None, False, None),  # Whisper itself keeps confident text in such windows
        (-0.3, 0.1, 3.1, False, "high compression ratio"),
    ],
)
def test_judge_confidence(avg_logprob, no_speech_prob, compression, drop, reason) -> None:
    segment = AsrSegment(
        0.0,
        2.0,
        "Please confirm the last four digits.",
        avg_logprob=avg_logprob,
        no_speech_prob=no_speech_prob,
        compression_ratio=compression,
    )
    assert (judge_segment(segment).drop, judge_segment(segment).reason) == (drop, reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("國語銀行帳戶", "国语银行帐户"),
        ("請提供驗證碼", "请提供验证码"),
        ("already simplified 已经是简体", "already simplified 已经是简体"),
        ("plain English", "plain English"),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected


def _seg(start: float, end: float, words: list[tuple[float, float]] = ()) -> AsrSegment:
    return AsrSegment(
        start, end, "x y z", tuple(Word(a, b, f" w{i}") for i, (a, b) in enumerate(words))
    )


@pytest.mark.parametrize(
    ("segments", "duration"),
    [
        ([_seg(-0.5, 2.0), _seg(1.5, 3.0)], 10.0),  # negative start, overlap
        ([_seg(8.0, 12.0, [(8.0, 9.0), (9.5, 11.5)])], 10.0),  # past the end
        ([_seg(3.0, 2.0, [(2.5, 2.0), (1.0, 1.2)])], 10.0),  # reversed times, words backwards
        ([_seg(5.0, 6.0), _seg(1.0, 2.0)], 10.0),  # unsorted
    ],
)
def test_clamped_times_are_monotonic_and_inside(segments, duration) -> None:
    out = clamp_segments(segments, duration)
    previous_end = 0.0
    for seg in out:
        assert 0.0 <= seg.start <= seg.end <= duration
        assert seg.start >= previous_end
        previous_end = seg.end
        word_cursor = seg.start
        for word in seg.words:
            assert seg.start <= word.start <= word.end <= seg.end
            assert word.start >= word_cursor
            word_cursor = word.start


def test_split_on_pauses_cuts_at_long_word_gaps() -> None:
    words = (Word(0.0, 0.4, " Hello."), Word(0.5, 0.9, " Yes."), Word(3.0, 3.5, " Goodbye."))
    parts = split_on_pauses(AsrSegment(0.0, 3.5, " Hello. Yes. Goodbye.", words))
    assert [(p.start, p.end, p.text) for p in parts] == [
        (0.0, 0.9, "Hello. Yes."),
        (3.0, 3.5, "Goodbye."),
    ]


def test_guard_channel_drops_loops_flags_doubts_and_simplifies() -> None:
    segments = [
        AsrSegment(0.0, 2.0, " 您好，這裡是客服中心。", (Word(0.0, 1.0, "您好"),)),
        AsrSegment(2.0, 4.0, "寒寒寒寒寒寒寒寒"),
        AsrSegment(4.0, 6.0, "请问您的卡号", avg_logprob=-1.4),
    ]
    out = guard_channel(segments, "agent", duration=5.0)
    assert [(s.text, s.suspect, s.suspect_reason) for s in out] == [
        ("您好，这里是客服中心。", False, None),
        ("请问您的卡号", True, "low decoder confidence"),
    ]
    assert all(s.speaker == "agent" and s.end <= 5.0 for s in out)


ZH_PROMPT = "以下是普通话的句子，使用简体中文。"


def test_prompt_phrases_are_the_prompt_and_its_long_clauses() -> None:
    phrases = prompt_phrases(ZH_PROMPT)
    assert phrases[0] == ZH_PROMPT
    assert "以下是普通话的句子" in phrases and "使用简体中文" in phrases
    assert prompt_phrases("") == () and prompt_phrases("  。") == ()
    assert "Hello" not in prompt_phrases("Hello, this is a bank call.")  # too short to look for


@pytest.mark.parametrize(
    ("text", "drop", "reason"),
    [
        (ZH_PROMPT, True, "prompt text"),
        ("以下是普通話的句子，使用簡體中文。", True, "prompt text"),  # traditional: same text
        ("以下是普通话的句子", True, "prompt text"),  # one clause written back
        ("使用简体中文。", True, "prompt text"),
        (
            "以下是普通话的句子。您好，这里是安和银行客服中心，请问有什么可以帮您？",
            False,
            "prompt text",
        ),
        ("您好，这里是安和银行客服中心，请问有什么可以帮您？", False, None),
        ("以下是您的账单明细。", False, None),  # shares words with the prompt, not a clause
    ],
)
def test_segments_repeating_the_prompt(text: str, drop: bool, reason: str | None) -> None:
    verdict = judge_segment(AsrSegment(0.0, 2.0, text), prompt_phrases(ZH_PROMPT))
    assert (verdict.drop, verdict.reason) == (drop, reason)


def test_without_a_prompt_its_text_is_speech() -> None:
    assert judge_segment(AsrSegment(0.0, 2.0, ZH_PROMPT)) == judge_segment(
        AsrSegment(0.0, 2.0, "以下是您的账单明细，请您核对。")
    )


def test_guard_channel_drops_the_prompt_and_converts_to_simplified() -> None:
    segments = [
        AsrSegment(0.0, 2.0, "以下是普通话的句子，使用简体中文。"),
        AsrSegment(2.5, 4.0, "請問有什麼可以幫您？"),
    ]
    out = guard_channel(segments, "agent", duration=5.0, prompt=ZH_PROMPT)
    assert [s.text for s in out] == ["请问有什么可以帮您？"]
    assert guard_channel(segments, "agent", duration=5.0)[0].text == ZH_PROMPT


def test_guard_channel_drops_a_loop_running_over_segments() -> None:
    question = "请问您的卡号是多少？"
    segments = [
        AsrSegment(0.0, 2.0, question),
        AsrSegment(2.0, 4.0, question),
        AsrSegment(4.0, 5.0, "您的卡号是多少"),  # a part of the sentence before, again
        AsrSegment(5.0, 6.0, "好的"),
        AsrSegment(6.0, 7.0, "好的"),  # a short reply said twice is speech
        AsrSegment(7.0, 9.0, "我的卡号是六二二二。"),
    ]
    out = guard_channel(segments, "agent", duration=60.0)
    assert [s.text for s in out] == [question, "好的", "好的", "我的卡号是六二二二。"]


def test_the_same_sentence_again_after_a_window_is_kept() -> None:
    question = "Could you confirm your date of birth, please?"
    segments = [AsrSegment(0.0, 3.0, question), AsrSegment(40.0, 43.0, question)]
    assert len(guard_channel(segments, "agent", duration=60.0)) == 2
