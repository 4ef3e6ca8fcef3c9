"""The ``clause`` operator: a verb and its object, polarity, unless terms and mood."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pipeline.compliance.context import CallContext
from pipeline.compliance.loader import condition_from_yaml
from pipeline.models import Segment, Transcript

ZH_REQUEST: dict[str, Any] = {
    "clause": {
        "verb": ["念给我", "报给我", "告诉我", "说一下"],
        "object": ["验证码", "密码", "数字"],
        "unless": ["任何人", "身份证"],
        "mood": "request",
        "verb_match": "pinyin",
    },
    "speaker": "agent",
}
EN_REQUEST: dict[str, Any] = {
    "clause": {
        "verb": ["read me", "tell me", "what are", "share"],
        "object": ["code", "digits", "numbers"],
        "unless": ["anyone", "zip"],
        "mood": "request",
        "gap": 30,
        "reach": 30,
        "match": "exact",
    },
    "speaker": "agent",
}


def spans(condition: dict[str, Any], language: str, *texts: str) -> list[tuple[int, str]]:
    """(segment, matched text) of each hit; texts alternate agent / customer from the agent."""
    segments = tuple(
        Segment("agent" if i % 2 == 0 else "customer", i * 5.0, i * 5.0 + 4.0, t)
        for i, t in enumerate(texts)
    )
    call = Transcript("t", language, len(texts) * 5.0, segments)
    ctx = CallContext(call)
    out = []
    for hit in condition_from_yaml(condition).hits(ctx):
        assert hit.segment_index is not None
        out.append((hit.segment_index, hit.speaker))
    return out


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("麻烦把短信里那几位数字念给我", True),  # a wording no phrase list held
        ("请把验证码告诉我", True),  # object before the verb
        ("验证码念给我一下", True),
        ("請把驗證碼告訴我", True),  # traditional characters, verb matched by pinyin
        ("请勿把验证码告诉我们以外的人", False),  # negated
        ("如果有人让您把验证码告诉他 不要给 任何人都不行", False),  # a warning near the pair
        ("请您说一下身份证后四位数字", False),  # unless: what may be asked for
        ("验证码已经发到您手机上了", False),  # an object without a request verb
        ("密码的问题我们稍后会安排专人处理 现在麻烦跟我说一下您的地址", False),  # far apart
    ],
)
def test_zh_request_by_parts(text: str, fires: bool) -> None:
    assert bool(spans(ZH_REQUEST, "zh", text)) is fires


def test_speaker_scope_keeps_the_customer_out() -> None:
    assert spans(ZH_REQUEST, "zh", "好的", "验证码我念给我老婆听") == []


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("can you flip it over and read me the three little numbers by the signature strip", True),
        ("what are the four numbers you punch in at the atm", True),
        ("we will never tell you to share your code", False),  # negated
        ("please dont share the code with anyone who calls", False),
        ("can you read me your zip code please", False),  # unless
        ("tell me which branch is closest and i will look at the opening numbers", False),  # gap
        # not all of it is still a request for a part
        ("you dont have to read me the whole code just the first two digits", True),
    ],
)
def test_en_request_by_parts(text: str, fires: bool) -> None:
    assert bool(spans(EN_REQUEST, "en", text)) is fires


@pytest.mark.parametrize(
    ("text", "mood", "fires"),
    [
        ("本金保证不会少", "statement", True),
        ("您能保证本金不会少吗", "statement", False),  # a question to the listener
        ("您能保证本金不会少吗", "request", True),
        ("本金保证不会少", "any", True),
    ],
)
def test_mood(text: str, mood: str, fires: bool) -> None:
    condition = {"clause": {"verb": ["保证"], "object": ["本金"], "mood": mood}}
    assert bool(spans(condition, "zh", text)) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("the system needs the code", True),  # a purpose given for the request is a request cue
        ("the code is in the message", False),  # no cue
    ],
)
def test_mood_en_purpose_cue(text: str, fires: bool) -> None:
    condition = {
        "clause": {
            "verb": ["system needs", "is in"],
            "object": ["code"],
            "mood": "request",
            "match": "exact",
        }
    }
    assert bool(spans(condition, "en", text)) is fires


def test_polarity_any_keeps_negated_pairs() -> None:
    negated = {"clause": {"verb": ["保证"], "object": ["收益"], "polarity": "any"}}
    affirmative = {"clause": {"verb": ["保证"], "object": ["收益"]}}
    assert spans(negated, "zh", "这个产品不保证收益")
    assert not spans(affirmative, "zh", "这个产品不保证收益")


def test_one_hit_per_stretch() -> None:
    condition = {"clause": {"verb": ["告诉我", "告诉"], "object": ["验证码"]}}
    assert len(spans(condition, "zh", "请把验证码告诉我")) == 1


@pytest.mark.parametrize(
    "value",
    [
        {"verb": [], "object": ["code"]},
        {"verb": ["tell"], "object": [" "]},
        {"verb": ["tell"], "object": ["code"], "gap": -1},
        {"verb": ["tell"], "object": ["code"], "mood": "question"},
        {"verb": ["tell"]},
    ],
)
def test_bad_clause_is_a_validation_error(value: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        condition_from_yaml({"clause": value})
