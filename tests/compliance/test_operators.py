"""Each operator and scope, table-driven, through the YAML condition syntax."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.compliance.context import CallContext
from pipeline.compliance.loader import condition_from_yaml
from pipeline.models import PiiFinding, Segment, Transcript


def transcript(language: str, *segs: tuple) -> Transcript:
    """Segments as (speaker, start, end, text[, suspect])."""
    segments = tuple(Segment(s[0], s[1], s[2], s[3], suspect=bool(s[4:5] and s[4])) for s in segs)
    return Transcript("t", language, max(s.end for s in segments), segments)


ZH_CALL = transcript(
    "zh",
    ("agent", 0, 5, "您好，工号3562，本次通话将被录音。"),
    ("customer", 6, 9, "我想查一下余额。"),
    ("agent", 10, 14, "请您稍等，我帮您查询一下。"),
    ("agent", 40, 45, "您的余额是三万元。"),
    ("customer", 44, 50, "好的，那我的理财产品呢？"),
    ("agent", 60, 65, "感谢您的来电，再见。"),
)
EN_CALL = transcript(
    "en",
    ("agent", 0, 4, "Thanks for calling, this call is recorded."),
    ("customer", 5, 12, "I want to ask about my card fee which I think is wrong."),
    ("agent", 8, 11, "Listen, the fee is correct."),
    ("customer", 13, 15, "Okay."),
)


def hits(data: dict[str, Any], call: Transcript, pii: tuple = ()) -> list[tuple]:
    node = condition_from_yaml(data)
    found = node.hits(CallContext(call, pii))
    return [(h.segment_index, h.speaker) for h in found]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"phrase": {"any": ["余额"]}}, [(1, "customer"), (3, "agent")]),
        ({"phrase": {"any": ["余额"]}, "speaker": "agent"}, [(3, "agent")]),
        ({"phrase": {"any": ["余额"]}, "speaker": "customer"}, [(1, "customer")]),
        ({"phrase": {"any": ["录音"]}, "window": {"first_s": 30}}, [(0, "agent")]),
        ({"phrase": {"any": ["再见"]}, "window": {"first_s": 30}}, []),
        ({"phrase": {"any": ["再见"]}, "window": {"last_s": 10}}, [(5, "agent")]),
        ({"phrase": {"any": ["余额"]}, "window": {"from_s": 30, "to_s": 50}}, [(3, "agent")]),
        ({"phrase": {"all": ["工号", "录音"]}}, [(0, "agent")]),
        ({"phrase": {"all": ["工号", "再见"]}}, []),
        ({"phrase": {"at_least": 2, "of": ["工号", "录音", "再见"]}}, [(0, "agent")]),
        # call-level: holds from the moment the last needed item is said (segment 5), not before
        ({"phrase": {"all": ["工号", "再见"], "span": "call"}}, [(5, "agent")]),
        ({"regex": r"工号\d{4}"}, [(0, "agent")]),
        ({"regex": {"pattern": r"余额是[一二三]万"}}, [(3, "agent")]),
    ],
)
def test_text_operators_and_scope(condition: dict, expected: list) -> None:
    assert hits(condition, ZH_CALL) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # anchor: the balance after a hold announcement (within 30 s of its end)
        (
            {
                "phrase": {"any": ["余额"]},
                "speaker": "agent",
                "anchor": {"of": {"phrase": {"any": ["稍等"]}}, "relation": "after", "seconds": 30},
            },
            [(3, "agent")],
        ),
        (
            {
                "phrase": {"any": ["余额"]},
                "anchor": {"of": {"phrase": {"any": ["稍等"]}}, "relation": "after", "seconds": 5},
            },
            [],
        ),
        (
            {
                "phrase": {"any": ["余额"]},
                "anchor": {"of": {"phrase": {"any": ["稍等"]}}, "relation": "before"},
            },
            [(1, "customer")],
        ),
        (
            {
                "phrase": {"any": ["余额"]},
                "anchor": {"of": {"phrase": {"any": ["稍等"]}}, "relation": "within", "seconds": 5},
            },
            [(1, "customer")],
        ),
        (
            {
                "phrase": {"any": ["余额"]},
                "anchor": {
                    "of": {"phrase": {"any": ["稍等"]}},
                    "relation": "after",
                    "absent": True,
                },
            },
            [(1, "customer")],
        ),
    ],
)
def test_anchor_relations(condition: dict, expected: list) -> None:
    assert hits(condition, ZH_CALL) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"any": [{"phrase": {"any": ["工号"]}}, {"phrase": {"any": ["再见"]}}]}, [0, 5]),
        ({"all": [{"phrase": {"any": ["工号"]}}, {"phrase": {"any": ["再见"]}}]}, [0, 5]),
        ({"all": [{"phrase": {"any": ["工号"]}}, {"phrase": {"any": ["基金"]}}]}, []),
        (
            {
                "all": [{"phrase": {"any": ["工号"]}}, {"phrase": {"any": ["再见"]}}],
                "same_segment": True,
            },
            [],
        ),
        ({"not": {"phrase": {"any": ["基金"]}}}, [None]),
        ({"not": {"phrase": {"any": ["工号"]}}}, []),
    ],
)
def test_logic(condition: dict, expected: list) -> None:
    assert [seg for seg, _ in hits(condition, ZH_CALL)] == expected


def test_silence_and_speaker_of_gap() -> None:
    assert hits({"silence": {"min_s": 20}}, ZH_CALL) == [(2, "agent")]
    assert hits({"silence": {"min_s": 10}}, ZH_CALL) == [(2, "agent"), (4, "customer")]
    assert hits({"silence": {"min_s": 10}, "speaker": "customer"}, ZH_CALL) == [(4, "customer")]


@pytest.mark.parametrize(
    ("bounds", "speaker", "fires"),
    [
        ({"max": 0.5}, "agent", True),  # agent 19 s of 29 s talk
        ({"max": 0.7}, "agent", False),
        ({"min": 0.5}, "customer", True),
        ({"min": 0.3}, "customer", False),
    ],
)
def test_talk_ratio(bounds: dict, speaker: str, fires: bool) -> None:
    assert bool(hits({"talk_ratio": bounds, "speaker": speaker}, ZH_CALL)) is fires


@pytest.mark.parametrize(
    ("min_s", "speaker", "expected"),
    [
        (2.0, "agent", [(2, "agent")]),  # agent cuts in 3 s into the customer's turn
        (2.0, "customer", []),
        (4.0, "agent", []),
    ],
)
def test_overlap(min_s: float, speaker: str, expected: list) -> None:
    assert hits({"overlap": {"min_s": min_s}, "speaker": speaker}, EN_CALL) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # rates: seg 0 = 7 words / 4 s = 105 wpm, seg 1 = 13 / 7 s = 111 wpm, seg 2 = 5 / 3 s
        # = 100 wpm; seg 3 (2 s) is shorter than min_duration_s and never measured
        ({"unit": "wpm", "max": 104}, [0, 1]),
        ({"unit": "wpm", "max": 110}, [1]),
        ({"unit": "wpm", "min": 101}, [2]),
        ({"unit": "wpm", "min": 106}, [0, 2]),
        ({"unit": "cps", "max": 5}, [0, 1, 2]),
    ],
)
def test_speaking_rate(spec: dict, expected: list) -> None:
    condition = {"speaking_rate": {**spec, "min_duration_s": 2.5}}
    assert [seg for seg, _ in hits(condition, EN_CALL)] == expected


def test_pii_operator_by_type_and_speaker() -> None:
    pii = (
        PiiFinding("BANK_CARD", 1, 0, 4, 0.9, "customer"),
        PiiFinding("BANK_CARD", 3, 0, 4, 0.9, "agent"),
        PiiFinding("PHONE", 0, 0, 4, 0.9, "agent"),
    )
    assert hits({"pii": {"types": ["BANK_CARD"]}}, ZH_CALL, pii) == [(1, "customer"), (3, "agent")]
    assert hits({"pii": {"types": ["BANK_CARD"]}, "speaker": "agent"}, ZH_CALL, pii) == [
        (3, "agent")
    ]
    assert hits({"pii": {"types": ["ID_CARD"]}}, ZH_CALL, pii) == []


def test_anchor_whole_turn_measures_from_the_end_of_the_announcing_turn() -> None:
    """ "Please hold on while I set this up" early in an 8 s turn announces the silence right
    after the turn: measured from the words it is 7 s away, from the turn 0 s."""
    call = transcript(
        "en",
        ("agent", 0, 8, "please hold on while i set up the account this takes a minute or so"),
        ("agent", 60, 62, "thanks for holding"),
    )

    def silence_unannounced(whole_turn: bool) -> list:
        return hits(
            {
                "silence": {"min_s": 20},
                "anchor": {
                    "of": {"phrase": {"any": ["hold on"]}},
                    "relation": "after",
                    "seconds": 5,
                    "absent": True,
                    "whole_turn": whole_turn,
                },
            },
            call,
        )

    assert silence_unannounced(whole_turn=False) == [(0, "agent")]
    assert silence_unannounced(whole_turn=True) == []


def card_finding(call: Transcript, segment: int, number: str) -> PiiFinding:
    """A BANK_CARD finding over ``number`` in one segment's original text (as the PII stage
    reports it: the number's span only)."""
    seg = call.segments[segment]
    start = seg.text.index(number)
    return PiiFinding("BANK_CARD", segment, start, start + len(number), 0.99, seg.speaker)


ZH_SPOKEN_CARD = "六二二二 零二幺二 三四五六 七八九零 幺二八"  # 6222021234567890128
ECHO_PATTERN = (
    r"ending (?:in|with)(?: (?:[0-9]+|zero|oh|one|two|three|four|five|six|seven|eight|nine"
    r"|double)\b)*|尾号[0-9零〇一幺二两三四五六七八九]*"
)


def echoes(call: Transcript, pii: tuple, *, absent: bool) -> list[tuple]:
    """Hits of the agent's "ending in ..." that the customer's card number does (absent:
    False) or does not (absent: True) vouch for, by the digits."""
    return hits(
        {
            "regex": {"pattern": ECHO_PATTERN, "negation": False},
            "speaker": "agent",
            "anchor": {
                "of": {"pii": {"types": ["BANK_CARD"]}, "speaker": "customer"},
                "relation": "after",
                "seconds": 60,
                "absent": absent,
                "same_digits": True,
            },
        },
        call,
        pii,
    )


@pytest.mark.parametrize(
    ("language", "customer_says", "number", "agent_says", "vouched"),
    [
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in 8836 right", True),
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in eight eight three six right", True),
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in double eight three six right", True),
        ("en", "it's five five three one four seven five zero zero zero nine five eight eight "
         "three six", "five five three one four seven five zero zero zero nine five eight eight "
         "three six", "the card ending in 8836 right", True),
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in 1234 right", False),
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in, let me see", False),
        ("en", "my card is 5531 4750 0095 8836 thanks", "5531 4750 0095 8836",
         "the card ending in six right", False),  # one digit word: not read as a digit
        ("zh", "我的卡号是6222021234567890128", "6222021234567890128",
         "您尾号0128的卡对吧", True),
        ("zh", "我的卡号是6222021234567890128", "6222021234567890128",
         "您尾号零幺二八的卡对吧", True),
        ("zh", f"卡号是 {ZH_SPOKEN_CARD}", ZH_SPOKEN_CARD,
         "您尾号0128的卡对吧", True),
        ("zh", "我的卡号是6222021234567890128", "6222021234567890128",
         "您尾号四四一八的卡对吧", False),
        ("zh", "我的卡号是6222021234567890128", "6222021234567890128",
         "您尾号是 我看一下", False),
    ],
)  # fmt: skip
def test_anchor_same_digits_vouches_only_for_the_anchors_own_digits(
    language: str, customer_says: str, number: str, agent_says: str, vouched: bool
) -> None:
    call = transcript(language, ("customer", 0, 6, customer_says), ("agent", 8, 12, agent_says))
    pii = (card_finding(call, 0, number),)
    assert echoes(call, pii, absent=False) == ([(1, "agent")] if vouched else [])
    assert echoes(call, pii, absent=True) == ([] if vouched else [(1, "agent")])


def test_anchor_same_digits_looks_at_every_near_anchor_and_only_near_ones() -> None:
    """Two cards said: either one vouches for its own last four; a card said after the echo
    (relation: after) vouches for nothing."""
    call = transcript(
        "en",
        ("customer", 0, 5, "the old card was 4111 1111 1111 1111"),
        ("customer", 6, 11, "the new one is 5531 4750 0095 8836"),
        ("agent", 12, 15, "the card ending in 1111 or ending in 8836"),
        ("agent", 16, 18, "and the card ending in 0128"),
        ("customer", 20, 25, "no its 6222 0212 3456 7890 128"),
    )
    pii = (
        card_finding(call, 0, "4111 1111 1111 1111"),
        card_finding(call, 1, "5531 4750 0095 8836"),
        card_finding(call, 4, "6222 0212 3456 7890 128"),
    )
    assert echoes(call, pii, absent=True) == [(3, "agent")]
