"""Transcript-level analysis, offline guarantee, CLI."""

from __future__ import annotations

import io
import json
import socket
import sys

import pytest

from pipeline.models import Segment, Transcript, Word
from tests.pii.conftest import found


def test_no_socket_connect_during_analysis(engine, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    spans = engine.analyze_text(
        "email john.smith@gmail.com or li_na@qq.com, card 4111111111111111", "en"
    )
    assert {"EMAIL", "BANK_CARD"} <= {s.entity_type for s in spans}


def test_digits_split_across_same_speaker_segments(engine):
    segments = (
        Segment("agent", 0.0, 2.0, "请说一下您的卡号"),
        Segment(
            "customer",
            2.0,
            5.0,
            "六二二二零二一二三四",
            words=tuple(
                Word(2.0 + 0.3 * i, 2.3 + 0.3 * i, ch)
                for i, ch in enumerate("六二二二零二一二三四")
            ),
        ),
        Segment("customer", 5.2, 7.0, "五六七八九零一二八"),
    )
    findings = engine.analyze_transcript(Transcript("c1", "zh", 7.0, segments))
    cards = [f for f in findings if f.entity_type == "BANK_CARD"]
    assert [(f.segment_index, f.start, f.end) for f in cards] == [(1, 0, 10), (2, 0, 9)]
    assert cards[0].time_start == pytest.approx(2.0) and cards[0].time_end == pytest.approx(5.0)
    assert all(f.speaker == "customer" for f in cards)


def test_other_speaker_breaks_a_number(engine):
    segments = (
        Segment("customer", 0.0, 1.0, "一三八一二三四"),
        Segment("agent", 1.0, 2.0, "五六七八"),
    )
    findings = engine.analyze_transcript(Transcript("c2", "zh", 2.0, segments))
    assert not [f for f in findings if f.entity_type == "PHONE"]


def test_context_in_previous_segment_counts(engine):
    segments = (
        Segment("agent", 0.0, 2.0, "请告诉我短信验证码"),
        Segment("customer", 2.0, 3.0, "六五四三二一"),
    )
    findings = engine.analyze_transcript(Transcript("c3", "zh", 3.0, segments))
    assert [(f.entity_type, f.segment_index) for f in findings] == [("VERIFICATION_CODE", 1)]


@pytest.mark.parametrize(
    ("question", "answer", "entities"),
    [
        ("And your social security number, please.", "It is 536.228.741.", ("SSN",)),
        ("Can I have the code we just texted you?", "Sure, 773.210.", ("VERIFICATION_CODE",)),
        # 19 digits failing Luhn after 卡号: a misheard card number
        ("请问您的卡号是多少？", "六二二二，零二一二，三四五六，七八九零，一二九", ("BANK_CARD",)),
    ],
)
def test_question_of_the_other_speaker_is_context(engine, question, answer, entities):
    segments = (
        Segment("agent", 0.0, 2.0, question),
        Segment("customer", 2.0, 4.0, answer),
    )
    lang = "zh" if question.startswith("请") else "en"
    findings = engine.analyze_transcript(Transcript("c4", lang, 4.0, segments))
    assert [(f.segment_index, f.speaker) for f in findings] == [(1, "customer")]
    assert findings[0].entity_type in entities
    digits = answer[findings[0].start : findings[0].end]
    assert digits.strip(".") == digits and digits[0] in "57六"


def test_redact_text_jsonl_real_whisper_output(engine, monkeypatch, capsys):
    from pipeline.cli import main

    lines = [
        {"id": "1", "text": "June 2, 1990, the card number is 4,716,2034,812,59599.", "lang": "en"},
        {"id": "2", "text": "Okay, the PIN is 1.I.84 and the code is 773.210.", "lang": "en"},
        {"id": "3", "text": "It is 536.228.741.", "lang": "en"},
        {"id": "6", "text": "Okay, the PIN is 1984 and the code is 773 210.", "lang": "en"},
        {"id": "8", "text": "Okay, the PIN is 1,984 and the code is 773,210.", "lang": "en"},
        {
            "id": "7",
            "text": "I will link the fund to your card number 5425, 2334, 3010, 9903. Right?",
            "lang": "en",
        },
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(json.dumps(x) for x in lines)))
    assert main(["redact-text", "--jsonl"]) == 0
    out = {o["id"]: o["masked_text"] for o in map(json.loads, capsys.readouterr().out.splitlines())}
    assert out["1"].startswith("June 2, 1990, the card number is ")
    assert "2034" not in out["1"] and "812" not in out["1"]
    assert out["2"] == "Okay, the PIN is [REDACTED] and the code is [REDACTED]."
    assert out["3"] == "It is <NUMBER>."
    assert out["6"] == "Okay, the PIN is [REDACTED] and the code is [REDACTED]."
    assert out["8"] == "Okay, the PIN is [REDACTED] and the code is [REDACTED]."
    assert "2334" not in out["7"] and "3010" not in out["7"] and "9903" in out["7"]


def test_redact_text_jsonl(engine, monkeypatch, capsys):
    from pipeline.cli import main

    lines = [
        {"id": "a", "text": "我叫王小明，卡号4111 1111 1111 1111"},
        {"id": "b", "text": "SSN 123-45-6789", "lang": "en"},
    ]
    monkeypatch.setattr(
        sys, "stdin", io.StringIO("\n".join(json.dumps(x, ensure_ascii=False) for x in lines))
    )
    assert main(["redact-text", "--jsonl"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["id"] == "a" and "4111 1111 1111 1111" not in out[0]["masked_text"]
    assert "411111******1111" in out[0]["masked_text"]
    assert out[1]["masked_text"] == "SSN <SSN>"
    assert set(out[1]["findings"][0]) == {"entity_type", "start", "end", "score"}


def test_presidio_info_logging_quiet_after_build(engine):
    import logging

    assert logging.getLogger("presidio-analyzer").getEffectiveLevel() >= logging.WARNING


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("zh", "收款账号是1234567890123", [("BANK_ACCOUNT", "1234567890123")]),
        ("en", "card 4111 1111 1111 1111", [("BANK_CARD", "4111 1111 1111 1111")]),
        ("zh", "手机幺三八一二三四五六七八", [("PHONE", "幺三八一二三四五六七八")]),
        ("en", "the code is four eight two nine", [("VERIFICATION_CODE", "four eight two nine")]),
    ],
)
def test_fallback_number_yields_to_specific_findings(engine, lang, text, expected):
    assert found(engine, text, lang) == expected


# Whisper tiny.en on audio_samples/en_mulaw_8k_readout.wav: the agent's read-back of the card
WHISPER_READBACK_CALL = (
    Segment(
        "customer",
        3.0,
        12.0,
        "Hi, I want to update my card made I'm 1978 my card in four nine one six zero three"
        " seven seven eight two one five two zero four two",
    ),
    Segment("agent", 12.0, 15.0, "First, let me verify your identity. What is your date on birth?"),
    Segment("agent", 15.0, 22.0, "Let me repeat Matt, 4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2."),
)
READBACK = "4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2"


def test_agent_card_readback_is_a_card_and_masked(engine, policy):
    from pipeline.pii.masking import mask_transcript

    transcript = Transcript("c5", "en", 22.0, WHISPER_READBACK_CALL)
    findings = engine.analyze_transcript(transcript)
    cards = [(f.segment_index, f.speaker) for f in findings if f.entity_type == "BANK_CARD"]
    assert cards == [(0, "customer"), (2, "agent")]
    readback = next(f for f in findings if f.segment_index == 2 and f.entity_type == "BANK_CARD")
    assert WHISPER_READBACK_CALL[2].text[readback.start : readback.end] == READBACK
    masked = mask_transcript(transcript, findings, policy, b"").segments
    assert masked[2].text.endswith(", 491603********2042.")
    assert "0-3-10" not in masked[2].text and "8-2-1-5" not in masked[2].text


@pytest.mark.parametrize(
    ("before", "entity"),
    [
        # card context in the previous two segments types the run BANK_CARD ...
        (("customer: I want to update my card.", "agent: Your date of birth?"), "BANK_CARD"),
        (("customer: 我的卡号是四一一一", "agent: 好的，请稍等"), "BANK_CARD"),
        # ... a card number found there too
        (("customer: It's 4111 1111 1111 1111.", "agent: Thanks, one moment."), "BANK_CARD"),
        # ... not three segments back
        (
            (
                "customer: my card.",
                "agent: One moment, I am looking at the system.",
                "customer: Sure, take your time.",
                "agent: Okay.",
            ),
            "NUMBER",
        ),
        # ... nor further back than the character bound
        (("customer: my card.", "agent: " + "please hold on " * 30), "NUMBER"),
        # no card context: the safety net's NUMBER
        (("customer: I moved last year.", "agent: Thanks."), "NUMBER"),
    ],
)
def test_card_context_lookback_over_previous_segments(engine, before, entity):
    segments = [
        Segment(line.split(": ")[0], float(i), float(i + 1), line.split(": ", 1)[1])
        for i, line in enumerate(before)
    ]
    segments.append(Segment("agent", 10.0, 12.0, f"Okay, {READBACK}."))
    findings = engine.analyze_transcript(Transcript("c6", "en", 12.0, tuple(segments)))
    last = [f for f in findings if f.segment_index == len(before)]
    assert [(f.entity_type, segments[-1].text[f.start : f.end]) for f in last] == [
        (entity, READBACK)
    ]


# A Luhn-valid UnionPay number, a valid mobile and a resident ID in the shapes that hid them.
CARD = "6222021234567890128"


@pytest.mark.parametrize(
    "text",
    [
        "卡号 6222\u00a00212\u00a03456\u00a07890\u00a0128",
        "卡号 6222\u202f0212\u202f3456\u202f7890\u202f128",
        "卡号 6222\u30000212\u30003456\u30007890\u3000128",
        "卡号 6222\u200b0212\u200b3456\u200b7890\u200b128",
        "卡号 6222\u00ad0212\u00ad3456\u00ad7890\u00ad128",
        "card number 6222-0212-\n3456-7890-128",
        "卡号６２２２０２１２３４５６７８９０１２８",
        "卡号陆贰贰贰零贰壹贰叁肆伍陆柒捌玖零壹贰捌",
        "card ٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٠١٢٨",
    ],
)
def test_unicode_spacing_and_digits_do_not_hide_a_card(engine, text: str) -> None:
    from pipeline.alerts.scan import find_unmasked_pii
    from pipeline.pii.masking import load_policy, mask_text

    spans = engine.analyze_text(text, "auto")
    assert any(s.entity_type == "BANK_CARD" for s in spans), spans
    masked = mask_text(text, spans, load_policy(None), b"")
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert "34567890" not in digits and not find_unmasked_pii(masked)
    # and the outgoing-mail scanner sees the unmasked original as the card it is
    assert find_unmasked_pii(text)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("手机号是幺八六，四个零，四个七", "PHONE"),
        ("手机１５９－００００－１２３４", "PHONE"),
        ("电话是一三八，两个零，一二三四五六", "PHONE"),
    ],
)
def test_counted_and_full_width_phone_numbers(engine, text: str, entity: str) -> None:
    spans = engine.analyze_text(text, "zh")
    assert [s.entity_type for s in spans] == [entity]
    assert spans[0].end - spans[0].start >= 11


def test_nine_full_width_or_arabic_indic_digits_do_not_crash(engine) -> None:
    for text in ("１２３４５６７８９", "١٢٣٤٥٦٧٨٩", "编号１２３４５６７８９０１２"):
        engine.analyze_text(text, "auto")  # no IndexError


@pytest.mark.parametrize(
    "text",
    [
        "email me at zhang.wei@example.com",
        "mail me at john dot smith at gmail dot com",
        "you can send it to me at lisa_wong at outlook dot com",
        "请发到我的邮箱 wangfang at 163 dot com",
    ],
)
def test_email_after_other_cues(engine, text: str) -> None:
    spans = engine.analyze_text(text, "auto")
    assert [s.entity_type for s in spans] == ["EMAIL"]
    assert text[spans[0].start : spans[0].end].split()[0] not in ("me", "at", "mail")


def test_redact_text_one_bad_line_does_not_stop_the_rest(engine, monkeypatch, capsys):
    from pipeline.cli import main

    lines = [
        json.dumps({"id": "a", "text": "编号１２３４５６７８９"}),
        json.dumps({"id": "b", "text": ["not", "text"]}),
        "{broken json",
        json.dumps({"id": "c", "text": "卡号 6222\u00a00212\u00a03456\u00a07890\u00a0128"}),
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines)))
    assert main(["redact-text", "--jsonl"]) == 1
    captured = capsys.readouterr()
    out = {o["id"]: o for o in map(json.loads, captured.out.splitlines())}
    assert set(out) == {"a", "c"}
    assert "3456" not in out["c"]["masked_text"]
    assert "line 2" in captured.err and "line 3" in captured.err
    assert "not" not in captured.err  # a bad line's content is never echoed
