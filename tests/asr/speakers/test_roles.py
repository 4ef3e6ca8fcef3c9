"""Naming the voices: role phrases per language and the evidence they give."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.asr.speakers.roles import (
    FIRST_SPEAKER_AGENT,
    PHRASE_LOG_ODDS,
    SELF_IDENTIFICATION_PHRASES,
    agent_log_odds,
    count_phrases,
    count_self_identifications,
)


@pytest.mark.parametrize(
    ("language", "text", "agent", "customer"),
    [
        ("en", "Thank you for calling North Bank. This call is recorded.", 2, 0),
        ("en", "Card services, this is Mike, agent ID five five zero eight.", 2, 0),
        ("en", "Hi. I lost my credit card and I need to block it.", 0, 2),
        ("en", "Okay, see you.", 0, 0),
        ("zh", "您好，本次通话将被录音，我是工号五零三一。", 4, 0),
        ("zh", "我想修改预留手机号。", 0, 1),
        # homophones heard by the ASR still count: 公号 for 工号, 路音 for 录音
        ("zh", "本次通话将被路音，公号三二七五。", 3, 0),
        ("zh", "嗯。", 0, 0),
    ],
)
def test_phrases_are_counted_per_turn(language, text, agent, customer) -> None:
    counts = count_phrases([text], language)
    assert (int(counts.agent[0]), int(counts.customer[0])) == (agent, customer)


def test_counts_stay_with_their_turn() -> None:
    counts = count_phrases(["Thank you for calling.", "I lost my card.", "Fine."], "en")
    assert counts.net.tolist() == [1, -2, 0]


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("zh", "您好，这里是华信银行信用卡中心，工号三三零九，本次通话全程录音。", 2),
        # the ASR's homophones of 工号 before a number, digits or numerals
        ("zh", "华信云航信用卡中心,公号3309,", 1),
        ("zh", "共后 三三零九", 1),
        ("zh", "孤号二零四六", 1),
        ("zh", "国号妖铃巴巴为您服务", 1),
        ("zh", "欢迎致电恒信银行", 1),
        ("en", "My name is Laura, Agent 258. How can I help?", 1),
        ("en", "This is Brian, agent three zero six.", 1),
        ("en", "Thank you for calling Summit Bank.", 1),
        # what a customer says: their own numbers, a word without a number after it
        ("zh", "我的工号不记得了", 0),
        ("zh", "身份证号码幺幺零幺零八", 0),
        ("zh", "手机号138 0013 8000", 0),
        ("en", "I spoke to an agent for 5 minutes", 0),
        ("en", "My card number is four one four seven", 0),
    ],
)
def test_self_identifications_are_agent_numbers_and_the_banks_greeting(
    language, text, found
) -> None:
    assert count_self_identifications(text, language) == found


def test_a_self_identification_weighs_in_its_turn_not_its_voice() -> None:
    counts = count_phrases(["公号三三零九", "我想改地址"], "zh")
    assert counts.net.tolist() == [1, -1]
    assert counts.turn_net.tolist() == [1 + SELF_IDENTIFICATION_PHRASES, -1]


def test_a_language_without_a_lexicon_uses_the_english_one() -> None:
    assert count_phrases(["agent ID one two"], "fr").agent.tolist() == [1]


def test_the_voice_with_more_agent_phrases_is_the_agent() -> None:
    labels = np.array([0, 1, 0, 1])
    net = np.array([-1, 2, 0, 1])  # voice 1 says the agent's phrases, voice 0 the customer's
    assert agent_log_odds(labels, net, first_label=0) == pytest.approx(-4 * PHRASE_LOG_ODDS)


@pytest.mark.parametrize("first", [0, 1])
def test_level_evidence_falls_back_to_who_speaks_first(first: int) -> None:
    odds = agent_log_odds(np.array([0, 1]), np.array([0, 0]), first_label=first)
    expected = np.log(FIRST_SPEAKER_AGENT / (1 - FIRST_SPEAKER_AGENT))
    assert odds == pytest.approx(expected if first == 0 else -expected)
