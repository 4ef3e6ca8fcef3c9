"""Normalisation, negation and the phrase / regex matchers."""

from __future__ import annotations

import pytest

from pipeline.compliance.matchers import (
    PhraseMatcher,
    RegexMatcher,
    TextIndex,
    _case_free,
    is_negated,
    normalise,
    pinyin_codes,
)
from pipeline.models import Segment, Transcript


def index_of(language: str, *texts: str) -> TextIndex:
    segments = tuple(Segment("agent", i * 5.0, i * 5.0 + 4, t) for i, t in enumerate(texts))
    return TextIndex.build(Transcript("t", language, 5.0 * len(texts), segments))


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Risk-Free, you CAN'T lose!", "en", "risk free|you cant lose|"),
        ("卡号 6222 0212 3456", "zh", "卡号622202123456"),
        ("理财非存款，产品有风险。", "zh", "理财非存款|产品有风险|"),
        ("年化３．８５％", "zh", "年化3.85%"),
        ("my PIN", "zh", "my pin"),
        ("a b 理 财 c  d", "zh", "a b理财cd"),  # a space kept only between two Latin letters
        ("call me at 3.30. ok", "en", "call me at 3.30| ok"),  # a decimal point stays
        ("Ｐ Ｉ Ｎ：１２３", "en", "p i n|123"),
        ("don't  share ‘it’", "en", "dont share it"),
    ],
)
def test_normalise(text: str, language: str, expected: str) -> None:
    assert normalise(text, language) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "negated"),
    [
        ("we will never ask for your pin", "pin", True),
        ("this product is not guaranteed", "guaranteed", True),
        ("its not risk free", "risk free", True),
        ("the returns are guaranteed", "guaranteed", False),
        ("we never ask for that but can you read me your pin", "pin", False),
        ("no problem can you read me your pin", "pin", False),
        ("please dont share your pin", "pin", True),
        ("银行工作人员不会通过电话向您索取短信验证码", "验证码", True),
        ("请您不要把验证码告诉任何人", "验证码", True),
        ("不好意思请您告诉我一下验证码", "验证码", False),
        ("能不能告诉我验证码", "验证码", False),
        ("本产品为非保本浮动收益型", "保本", True),
        ("非常稳妥保本保息", "保本", False),
        ("我们不会索取密码|请您现在告诉我验证码", "验证码", False),
        ("我不是要投诉", "投诉", True),
        # a demand opens a new clause: the denial before it does not reach it
        ("我根本没用过这个功能 我要找你们经理", "找你们经理", False),
        ("我没说我要是投诉会怎样", "投诉", True),  # "我要是": "if I", no demand
        ("我不要找你们经理", "找你们经理", True),
        ("我对你们的服务很不满意我要投诉", "投诉", False),  # dissatisfaction is no negation
        ("这个收费太不合理了我要投诉", "投诉", False),
        ("真的不会亏吗|不会的这个稳赚不赔", "稳赚不赔", False),  # an answer, not a negation
        ("比定期高不少而且保本", "保本", False),
        ("这款产品不会保本", "保本", True),
        # a pseudo negation cut by the look-back window ("是不是" -> "不是") negates nothing
        ("旁边是不是印着一小串数字最后那三位您念给我一下", "念给我", False),
        ("有一个跟定期差不多的计划预期年化能有三点八", "预期年化", False),  # "about the same"
        # "not all of it" negates the whole, not the request for a part
        ("短信您不用全念就报一下最前面那两位数字", "报一下", False),
        ("您不需要全部告诉我后两位就行", "告诉我", False),
        ("您不用念给我", "念给我", True),
        ("you dont have to read the whole code just the first two digits", "read", False),
        ("no need to read me all six just the first two", "read", False),
        ("you dont have to read the code to anyone", "read", True),
        ("dont read the whole code to anyone", "read", True),
    ],
)
def test_negation(text: str, phrase: str, negated: bool) -> None:
    language = "en" if text.isascii() else "zh"
    norm = normalise(text, language)
    assert is_negated(norm, norm.index(phrase), language) is negated


@pytest.mark.parametrize(
    ("mode", "phrases", "text", "found"),
    [
        ("exact", ["理财"], "推荐一款理财产品", True),
        ("exact", ["理财"], "推荐一款理才产品", False),
        ("pinyin", ["理财"], "推荐一款理才产品", True),  # homophone
        ("pinyin", ["投资须谨慎"], "投资需紧慎", True),  # homophones 须/需, 谨/紧
        ("pinyin", ["验证码"], "把验证马告诉我", True),
        ("pinyin", ["保本"], "这个产品很好", False),
        ("exact", ["pin"], "your pin please", True),
        ("exact", ["pin"], "spinning wheel", False),  # word boundary
        ("exact", ["risk free"], "it's risk-free", True),
        ("fuzzy", ["recorded for quality"], "this call is reported for quality", True),
        ("fuzzy", ["recorded"], "reported", False),
        ("exact", [["cvv", "安全码"]], "卡背面安全码多少", True),
    ],
)
def test_phrase_modes(mode: str, phrases: list, text: str, found: bool) -> None:
    items = tuple((p,) if isinstance(p, str) else tuple(p) for p in phrases)
    language = "en" if text.isascii() else "zh"
    matcher = PhraseMatcher(items, mode, 0.86, negation=False)
    assert bool(matcher.find(index_of(language, text))) is found


def test_phrase_offsets_point_into_segment() -> None:
    index = index_of("zh", "您好", "推荐一款理才产品")
    [match] = PhraseMatcher((("理财",),), "pinyin", 0.86, False).find(index)
    assert (match.segment_index, match.start, match.end) == (1, 4, 6)
    assert index.segment_norm(1)[match.start : match.end] == "理才"


def test_phrase_restricted_to_segments() -> None:
    index = index_of("en", "your pin please", "your pin please")
    matcher = PhraseMatcher((("pin",),), "exact", 0.86, False)
    assert [m.segment_index for m in matcher.find(index, {1})] == [1]


def test_regex_on_normalised_text_with_negation() -> None:
    index = index_of("zh", "工号 3 5 6 2", "我们不会提供1234号")
    matches = RegexMatcher(r"\d{3,}", True, negation=True).find(index)
    assert [(m.segment_index, m.start) for m in matches] == [(0, 2)]


def test_pinyin_codes_are_one_per_character_and_merge_homophones() -> None:
    assert len(pinyin_codes("理才 ab")) == 5
    assert pinyin_codes("理才") == pinyin_codes("理财") != pinyin_codes("利率")
    assert pinyin_codes("投资需紧慎") == pinyin_codes("投资须谨慎")  # zh/z etc. merged


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the longer alternative wins at a position and the scan resumes after it, so the
        # homophone 非村款 inside it is not reported again (exact matches always are)
        ("理才非村款", [(0, 0, 5)]),
        ("理财非存款", [(0, 0, 5), (1, 2, 5)]),
        ("非村款，理才非村款", [(1, 0, 3), (0, 4, 9)]),
    ],
)
def test_pinyin_reads_like_a_leftmost_alternation(text: str, expected: list) -> None:
    matcher = PhraseMatcher((("理财非存款",), ("非存款",)), "pinyin", 0.86, False)
    found = [(m.item, m.start, m.end) for m in matcher.find(index_of("zh", text))]
    assert found == expected


def test_fuzzy_needs_a_key_word_and_the_threshold() -> None:
    index = index_of("en", "thanks for calling", "recordet", "rekorded for qualty")
    matcher = PhraseMatcher((("recorded for quality",),), "fuzzy", 0.86, False)
    # 0 holds a key word but aligns poorly; 1 holds no key word; 2 holds one and aligns
    assert [m.segment_index for m in matcher.find(index)] == [2]


def test_segments_with_and_negation_memo() -> None:
    index = index_of("en", "your pin", "no pin", "pin pin")
    assert index.segments_with("pin") == (0, 1, 2)
    assert index.segments_with("your") == (0,)
    position = index.norm.index("no pin") + 3
    assert index.negated(position) is is_negated(index.norm, position, "en") is True


@pytest.mark.parametrize(
    ("pattern", "case_free"),
    [
        (r"\bpin\b", True),
        (r"\S+\W\D\B(?=ab)(?<!c)", True),
        (r"(?:\b(?:one|two)\b[ |]*){3,}", True),
        (r"[^\n]", True),
        (r"\bPIN\b", False),  # upper-case literal
        (r"[0-_]", False),  # range over A-Z
        (r"(?-i:a)", False),  # folding switched off
        (r"\x41", False),
        ("\u212a", False),  # Kelvin sign folds to k
        (r"(a)?(?(1)b|c)", False),  # not analysed: unsure
        (r"理财", False),
    ],
)
def test_case_free(pattern: str, case_free: bool) -> None:
    assert _case_free(pattern) is case_free


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"\bPIN\b", "your PIN please", True),
        (r"[@-Z]", "abc", True),  # the class reaches a..z only through case folding
        (r"pin", "PIN", True),
        (r"(?-i:PIN)", "PIN", False),  # normalised text is lower case
    ],
)
def test_regex_ignore_case_on_ascii_text(pattern: str, text: str, found: bool) -> None:
    matches = RegexMatcher(pattern, True, negation=False).find(index_of("en", text))
    assert bool(matches) is found


@pytest.mark.parametrize(
    ("phrase", "text", "span"),
    [
        ("passcode", "read me the pass code please", (12, 21)),  # ASR splits the compound
        ("pin", "whats your p i n", (11, 16)),  # ASR spells the acronym
        ("pass code", "your passcode", (5, 13)),
        ("pin", "a spin in the park", None),  # word boundaries still hold
        ("pin", "step in", None),
        ("cvv", "卡背面的 c v v 是多少", (4, 9)),  # Latin letters keep their spaces in zh
    ],
)
def test_latin_phrases_ignore_spaces(phrase: str, text: str, span: tuple | None) -> None:
    language = "en" if text.isascii() else "zh"
    matches = PhraseMatcher(((phrase,),), "exact", 0.86, False).find(index_of(language, text))
    assert [(m.start, m.end) for m in matches] == ([span] if span else [])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("为了安全 麻烦您报一下", False),  # 安全麻 would be a homophone across the pause
        ("把卡背面的安全马报给我", True),  # homophone inside one stretch of speech
        ("安全 码报给我", True),  # an exact match may straddle a pause
    ],
)
def test_homophone_match_does_not_straddle_a_pause(text: str, found: bool) -> None:
    matcher = PhraseMatcher((("安全码",),), "pinyin", 0.86, False)
    assert bool(matcher.find(index_of("zh", text))) is found


def test_pauses_are_offsets_of_dropped_spaces() -> None:
    index = index_of("zh", "理财 产品", "a b 基金")
    assert index.norm == "理财产品\na b基金"
    assert index.pauses == (2, 8)
