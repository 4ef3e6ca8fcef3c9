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
        # digit groups as Whisper writes a dictated number: one run each
        ("card number 5425, 2334, 3010, 9903.", "card number 5425233430109903."),
        ("is 4,716,2034,812,59599.", "is 4716203481259599."),
        ("It is 536.228.741.", "It is 536228741."),
        ("the code is 773.210.", "the code is 773210."),
        ("the code is 773 210.", "the code is 773210."),
        ("6222·0212·3456", "622202123456"),
        ("卡号是六二二二，零二一二，三四五六", "卡号是622202123456"),
        ("幺三八 1234 五六七八", "13812345678"),
        ("PIN 1, 9, 8, 4", "PIN 1984"),
        # ASR slips inside a dictated run
        ("the PIN is 1.I.84 ok", "the PIN is 1184 ok"),
        ("one nine ate four", "1984"),
        ("four won one", "411"),
        ("one to one three", "1213"),
        # "four" heard as "for" before a long spoken run opens it
        (
            "card is for five three two zero one five one one two eight three zero three six six",
            "card is 4532015112830366",
        ),
        ("For five three two one, four four five five.", "453214455."),
        # ... but not outside one
        (
            "I said 4 I think, one to one, two for one, 3 to 5",
            "I said 4 I think, one to one, two for one, 3 to 5",
        ),
        # "for" stays a word before words, written digits and a short spoken run; "to" always
        (
            "for the system, for 12 months, for five minutes, for five three two one",
            "for the system, for 12 months, for five minutes, for 5321",
        ),
        ("send it to five five five one two three four five six", "send it to 555123456"),
        # amounts, decimals, dates, times, phone/SSN layouts, lists keep their shape
        ("June 2, 1990, March 15, 2024", "June 2, 1990, March 15, 2024"),
        (
            "12,000 dollars, $12,500.00, 3.85%, 12.5, 10:30",
            "12,000 dollars, $12,500.00, 3.85%, 12.5, 10:30",
        ),
        ("04/30/2025, 2024-03-15, 05/27", "04/30/2025, 2024-03-15, 05/27"),
        (
            "1-800-555-0199, (415) 555-2671, +1 415 555 2671",
            "1-800-555-0199, (415) 555-2671, +1 415 555 2671",
        ),
        ("123-45-6789 and 400-820-8820", "123-45-6789 and 400-820-8820"),
        ("pages 10, 11, 12", "pages 10, 11, 12"),
        ("a fund of 5,000,000,000,000 dollars", "a fund of 5,000,000,000,000 dollars"),
        # digit-density safety net: any mix of separators, misheard two-digit groups
        (
            "Let me repeat that, 4-9-1-6, 0-3-10-10-8-2-1-5, 2-0-4-2.",
            "Let me repeat that, 491603101082152042.",
        ),
        ("4, 9, 1, 6, 0, 3, 10, 10, 8, 2, 1, 5", "49160310108215"),
        ("4916. 0377. 8215. 2042", "4916037782152042"),
        ("code: 773 210, card: 4228, 68360, 17655, 49", "code: 773210, card: 4228683601765549"),
        ("at 10:30, 4916-0310, 8215-2042", "at 10:30, 4916031082152042"),
        ("卡号6222、0212-3456，7890 123", "卡号6222021234567890123"),
        # ... but amounts, decimals, dates, hotlines and terms keep their shape
        ("$12,500.00, 3.85, 1,000-5,000", "$12,500.00, 3.85, 1,000-5,000"),
        ("04/30/2025, 2024-03-15 10 30", "04/30/2025, 2024-03-15 10 30"),
        ("1-800-555-0199, 800.432.1000", "1-800-555-0199, 800.432.1000"),
        ("12, 24, 36, 48 months", "12, 24, 36, 48 months"),
        ("I paid 500. 300 was left, 2-3, 5", "I paid 500. 300 was left, 2-3, 5"),
        # two groups glued where Whisper ended a segment (the engine joins the two with a space)
        (
            "Let me repeat the card number 5248-1300. 44772917. The travel notice is set.",
            "Let me repeat the card number 5248130044772917. The travel notice is set.",
        ),
        # ... but a long group on its own is left as written
        ("订单号是44772917。", "订单号是44772917。"),
        # Whisper's small ideographic comma between groups, and 幺 heard as 姚 / 邀
        ("王剑国﹑姚姚零邀零八﹑姚九七九零九二三﹑", "王剑国、11010819790923、"),
        ("身份证号三二零邀零六，邀九八五零四邀二，三三邀七", "身份证号320106198504123317"),
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


def test_grouped_run_maps_back_to_the_whole_written_span():
    text = "card number 5425, 2334, 3010, 9903. Is that right?"
    norm = normalize(text)
    start = norm.text.index("5425")
    assert text[slice(*norm.to_original(start, start + 16))] == "5425, 2334, 3010, 9903"
    assert [norm.text[s:e] for s, e in norm.grouped_runs] == ["5425233430109903"]


def test_digit_by_digit_written_run_counts_as_spoken():
    norm = normalize("it's 1, 9, 8, 4.")
    assert [norm.text[s:e] for s, e in norm.spoken_runs] == ["1984"]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("幺八六，四个零，四个七", "18600007777"),
        ("三个八", "888"),
        ("两个五一三", "5513"),
        ("陆贰贰伍零贰", "622502"),
        ("壹貳叁肆", "1234"),
        ("１５９－００００－１２３４", "15900001234"),
        ("6222\u00a00212\u00a03456\u00a07890\u00a0128", "6222021234567890128"),
    ],
)
def test_counted_financial_and_full_width_digits(text: str, digits: str) -> None:
    norm = normalize(text)
    assert digits in norm.text
    start = norm.text.index(digits)
    # the span maps back onto the whole original number
    assert norm.to_original(start, start + len(digits)) == (0, len(text))


@pytest.mark.parametrize(
    "text",
    [
        "两个人",
        "一个月",
        "三个月后",
        "伍先生",
        "陆女士您好",
        # homophones of 幺 that are words: a surname, a verb, one digit nearby
        "姚先生您好",
        "我是姚明",
        "邀请您参加活动",
        "姚二",
    ],
)
def test_counts_and_surnames_without_digits_stay_words(text: str) -> None:
    assert normalize(text).text == text


def test_a_homophone_of_yao_next_to_a_pause_is_a_surname() -> None:
    """ "我姓姚，一三八…": the surname before a pause is no digit of the number after it."""
    assert normalize("我姓姚，一三八一二三四五六七八").text == "我姓姚，13812345678"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机号幺三八,呃,零零幺三,八零零零", "手机号13800138000"),
        ("幺三八 嗯 零零幺三 嗯 八零零零", "13800138000"),
        ("六二二八四八零零 那个 幺二三四五六七八九零三", "6228480012345678903"),
        ("seven one eight, uh, five five five, um, zero one nine three", "7185550193"),
    ],
)
def test_a_filler_inside_a_read_out_number_is_a_pause(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["two umbrellas three", "利率三点五,呃,期限三年", "I paid two hundred, um, three times"],
)
def test_a_filler_does_not_join_words_that_are_no_number(text: str) -> None:
    assert not any(ch.isdigit() for ch in normalize(text).text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 九 heard as 酒, 二 as 尔, 幺 as 要: digits inside a chain of Chinese digits
        ("五幺零幺零四幺酒酒三零二二八六幺幺五", "510104199302286115"),
        ("三二零幺零六幺九八五零四幺尔三三幺七", "320106198504123317"),
        ("要九七五要要三零二八四四", "197511302844"),
        ("三悠零邀邀五幺九八八幺幺零五四二七二", "310115198811054272"),
        # only 幺's homophones close a chain: "九零三就可以了" keeps its 就
        ("幺二三四五六七八九零三就可以了", "12345678903就可以了"),
        # words, no chain of digits: 我要三张卡, 就三个月, 期限三年
        ("我要三张卡", "我要三张卡"),
        ("期限三年", "期限三年"),
    ],
)
def test_a_digits_homophone_inside_a_chinese_digit_chain_is_that_digit(
    text: str, expected: str
) -> None:
    assert normalize(text).text == expected
