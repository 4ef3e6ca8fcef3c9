"""Check digits and number plans of the values callsentry looks for: one implementation.

The recognizers (``recognizers/bank_card.py``, ``id_card.py``, ``phone.py``) and the outgoing
message scanner (``pipeline/alerts/scan.py``, through the entity registry's leak checks) both use
these. ``eval/pii/make_dataset.py`` and ``audio_samples/make_samples.py`` keep their own
generators on purpose: test data made by an independent implementation.
"""

from __future__ import annotations

import re

CARD_DIGITS = range(13, 20)  # digits of a payment card number (PAN), 13 to 19 (ISO/IEC 7812)
ID_BODY_DIGITS = 17  # GB 11643-1999: 17 digits (region, birth date, sequence), then a check char
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(18-i) mod 11, i = 1..17
ID_CHECK_CHARS = "10X98765432"  # check character for (weighted sum mod 11) = 0..10
MOBILE_PREFIX = r"1[3-9]"  # mainland mobile numbers: 1, then 3 to 9 (MIIT numbering plan)
MOBILE_DIGITS = 11  # digits of a mainland mobile number, prefix included
MOBILE_COUNTRY_CODE = "86"
_MOBILE = re.compile(rf"(?:{MOBILE_COUNTRY_CODE})?{MOBILE_PREFIX}\d{{{MOBILE_DIGITS - 2}}}")


def luhn_valid(number: str) -> bool:
    """Luhn (mod 10) checksum of a string of decimal digits (any script); False otherwise."""
    if not number.isdecimal():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """13 to 19 digits with a valid Luhn checksum (no brand check)."""
    return len(digits) in CARD_DIGITS and luhn_valid(digits)


def gb11643_check_char(body17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 digits of an ID."""
    weighted = sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[weighted % 11]


def is_resident_id(value: str) -> bool:
    """An 18-character resident ID: 17 digits and the right check character (digit or X/x)."""
    body = value[:ID_BODY_DIGITS]
    return (
        len(value) == ID_BODY_DIGITS + 1
        and body.isdecimal()
        and value[ID_BODY_DIGITS].upper() == gb11643_check_char(body)
    )


def has_mobile_prefix(digits: str) -> bool:
    """Whether ``digits`` starts like a mainland mobile number (1[3-9])."""
    return re.match(MOBILE_PREFIX, digits) is not None


def is_mainland_mobile(digits: str) -> bool:
    """A mainland mobile number, 1[3-9] and 9 more digits, optionally after 86."""
    return _MOBILE.fullmatch(digits) is not None
