"""The last-line-of-defence scanner: unmasked card, ID and mobile numbers."""

from __future__ import annotations

import pytest

from pipeline.alerts.scan import find_unmasked_pii

CARD = "6222021234567890128"  # Luhn-valid UnionPay, 19 digits
ID = "11010519491231002X"  # valid GB 11643 check character


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"卡号{CARD}，谢谢", "card"),
        ("card 4111 1111 1111 1111 please", "card"),
        ("card 4111-1111-1111-1111", "card"),
        ("卡号六二二二零二一二三四五六七八九零一二八", "card"),  # spoken digits as characters
        (f"身份证{ID}", "ID"),
        ("身份证 110105 19491231 002x", "ID"),
        ("手机13800138000", "mobile"),
        ("call 138 0013 8000", "mobile"),
        ("幺三八零零幺三八零零零", "mobile"),
        ("+8613800138000", "mobile"),
    ],
)
def test_finds_unmasked_values(text: str, kind: str) -> None:
    found = find_unmasked_pii(text)
    assert len(found) == 1 and kind in found[0]
    digits = "".join(c for c in text if c.isdigit())
    assert not digits or digits not in found[0]  # the description never carries the value


@pytest.mark.parametrize(
    "text",
    [
        "卡号622202******1234",  # PCI masked
        "卡号<BANK_CARD>，密码<PASSWORD>",
        "4111111111111112",  # Luhn-invalid
        "110105194912310021",  # wrong ID check digit
        "12800138000",  # not a mobile prefix
        "score 85.0 at 03:25, 12 calls | 3 violations",
        "alert a4111111111111111b (hex digest)",
        "order 12345",
        "",
    ],
)
def test_clean_text_passes(text: str) -> None:
    assert find_unmasked_pii(text) == []


def test_an_id_number_that_also_passes_luhn_is_an_id() -> None:
    [found] = find_unmasked_pii("110105194912300219")  # valid GB 11643 and Luhn-valid
    assert found.startswith("resident ID number")


def test_reports_each_value() -> None:
    assert len(find_unmasked_pii(f"{CARD} 和 13800138000")) == 2
