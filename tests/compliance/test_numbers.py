"""What a number said in a regex match is: card numbers and resident IDs by their check digits."""

from __future__ import annotations

import pytest

from pipeline.compliance.numbers import NumberKind, digits_of, is_number
from tests.compliance.test_operators import hits, transcript

BOTH = (NumberKind.CARD, NumberKind.RESIDENT_ID)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4539 1488 0343 6467", "4539148803436467"),
        ("four five three nine| one four eight eight", "45391488"),
        ("六二幺四八三零幺七七二六五九零六", "6214830177265906"),
        ("11010519900307231x", "11010519900307231x"),
        ("11010519900307231 x", "11010519900307231x"),
        # the x of a word is no digit: "six" alone stays a word (a spoken run needs three)
        ("the card ending in six", ""),
        ("8836 next", "8836"),
        ("尾号八八三六的卡", "8836"),
    ],
)
def test_digits_of_reads_spoken_and_written_digits(text: str, digits: str) -> None:
    assert digits_of(text) == digits


@pytest.mark.parametrize(
    ("text", "kinds", "valid"),
    [
        ("4539 1488 0343 6467", (NumberKind.CARD,), True),  # Luhn-valid
        ("4539 1488 0343 6468", (NumberKind.CARD,), False),  # one digit off
        ("六二幺四八三零幺七七二六五九零六", BOTH, True),
        ("二零二六幺二零幺幺五二零三八八", BOTH, False),  # a 15-digit serial number
        ("一一零一零五一九九零零三零七二三一一", BOTH, True),  # resident ID, right check digit
        ("一一零一零五一九九零零三零七二三一五", BOTH, False),  # wrong check digit
        ("一一零一零五一九九零零三零七二三一一", (NumberKind.CARD,), False),  # not a card
        ("4539148803436467", (NumberKind.RESIDENT_ID,), False),  # 16 digits: not an ID
    ],
)
def test_is_number_checks_length_and_check_digits(text: str, kinds: tuple, valid: bool) -> None:
    assert is_number(text, kinds) is valid


def test_regex_with_number_keeps_only_valid_numbers() -> None:
    call = transcript(
        "zh",
        ("agent", 0, 5, "您的卡号是 六二幺四 八三零幺 七七二六 五九零六 是这张吧"),
        ("agent", 6, 10, "流水号是 二零二六幺二零幺幺五二零三八八"),
    )
    pattern = "[零〇一幺二两三四五六七八九]{15,}x?"
    assert hits({"regex": pattern}, call) == [(0, "agent"), (1, "agent")]
    checked = {"regex": {"pattern": pattern, "number": ["card", "resident_id"]}}
    assert hits(checked, call) == [(0, "agent")]
