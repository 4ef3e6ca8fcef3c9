"""Spoken-number normalisation and its offset map."""

from __future__ import annotations

import pytest

from pipeline.pii.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机幺三八 一二三四，五六七八", "手机13812345678"),
        ("card four one one one double five triple two", "card 411155222"),
        ("oh seven seven", "077"),
        ("4,111,111,111,111,111", "4111111111111111"),
        ("$5,000 and 5,000,000", "$5,000 and 5,000,000"),
        ("一个 两个 三千块 one moment", "一个 两个 三千块 one moment"),
        ("年化收益率3.85%，2024年3月15日", "年化收益率3.85%，2024年3月15日"),
        ("幺幺零一零五一九四九一二三一零零二叉", "11010519491231002X"),
    ],
)
def test_normalize_text(text, expected):
    assert normalize(text).text == expected


def test_offsets_map_back_to_the_spoken_span():
    text = "号码是幺三八 一二三四 五六七八。"
    norm = normalize(text)
    start = norm.text.index("138")
    assert norm.to_original(start, start + 11) == (3, 16)
    assert text[3:16] == "幺三八 一二三四 五六七八"


def test_unchanged_text_has_identity_map():
    norm = normalize("no numbers here")
    assert norm.starts == tuple(range(15))


def test_spoken_runs_are_recorded_in_normalised_offsets():
    norm = normalize("卡号 4111 和 六五四三二一 好")
    assert [norm.text[s:e] for s, e in norm.spoken_runs] == ["654321"]
