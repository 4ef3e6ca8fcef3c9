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
