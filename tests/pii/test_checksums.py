"""Luhn, GB 11643 and the mainland mobile plan: the one implementation."""

from __future__ import annotations

import pytest

from pipeline.pii.checksums import (
    gb11643_check_char,
    has_mobile_prefix,
    is_card_number,
    is_mainland_mobile,
    is_resident_id,
    luhn_valid,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("6222021234567890128", True),
        ("79927398713", True),  # the textbook example
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("4111 1111 1111 1111", False),  # digits only
        ("411111111111111X", False),
        ("４１１１１１１１１１１１１１１１", True),  # full-width: the scanner sees them
    ],
)
def test_luhn_valid(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("79927398713", False),  # Luhn-valid but 11 digits
        ("4222222222222", True),  # 13 digits
        ("62220212345678901283", False),  # 20 digits
    ],
)
def test_is_card_number(number: str, valid: bool) -> None:
    assert is_card_number(number) is valid


@pytest.mark.parametrize(
    ("body", "check"),
    [("11010519491231002", "X"), ("32010619860211980", "5"), ("37020219910414344", "3")],
)
def test_gb11643_check_char(body: str, check: str) -> None:
    assert gb11643_check_char(body) == check


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("320106198602119805", True),
        ("110105194912310021", False),
        ("11010519491231002", False),  # 17 characters
        ("1101051949123100X2", False),
        ("110105194912310002X", False),  # 19 characters
    ],
)
def test_is_resident_id(value: str, valid: bool) -> None:
    assert is_resident_id(value) is valid


@pytest.mark.parametrize(
    ("digits", "mobile", "prefix"),
    [
        ("13800138000", True, True),
        ("19912345678", True, True),
        ("8613800138000", True, False),  # the prefix check is on the national number
        ("12800138000", False, False),
        ("1380013800", False, True),  # 10 digits
        ("138001380001", False, True),  # 12 digits
        ("02161234567", False, False),
    ],
)
def test_mainland_mobile(digits: str, mobile: bool, prefix: bool) -> None:
    assert is_mainland_mobile(digits) is mobile
    assert has_mobile_prefix(digits) is prefix
