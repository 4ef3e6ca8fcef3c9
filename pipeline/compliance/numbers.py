"""What a number said in a rule's regex match is: a check no pattern can make (check digits).

A run of 15 to 19 digits read out is not yet a card number: a transfer's serial number
("流水号是 二零二六幺二零幺幺五二零三八八") has as many digits. A ``regex`` condition with
``number: [card, resident_id]`` keeps a match only when its digits, spoken ones read as digits
(幺 / 两 / "oh" / "double five", through the PII stage's :func:`pipeline.pii.normalize.normalize`),
are a Luhn-valid card number or a resident ID with its right check character
(``pipeline/pii/checksums.py``, the checks the PII recognizers use).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from pipeline.pii.checksums import is_card_number, is_resident_id
from pipeline.pii.normalize import normalize

_SEPARATORS = re.compile(r"[|,，、\-]+")  # clause boundaries and group separators in a run
# what is kept once the run is read: digits, and an x right after them (a resident ID's last
# character; the x of a word such as "six" or "next" is no digit)
_DIGITS = re.compile(r"[0-9]+(?: ?x(?![a-z]))?")


class NumberKind(StrEnum):
    """A number a regex match must be, by its check digits."""

    CARD = "card"  # a payment card number: 13 to 19 digits, Luhn-valid
    RESIDENT_ID = "resident_id"  # a resident ID: 17 digits and its GB 11643 check character


def digits_of(text: str) -> str:
    """The digits said in ``text`` (digit words and Chinese numerals read as digits; a
    resident ID's final x kept), with nothing between them: what a regex's ``number`` checks
    and what an anchor's ``same_digits`` compares."""
    spaced = _SEPARATORS.sub(" ", text.lower())
    read = normalize(spaced).text.lower()
    return "".join(run.replace(" ", "") for run in _DIGITS.findall(read))


def is_number(text: str, kinds: Iterable[NumberKind]) -> bool:
    """Whether the digits said in ``text`` are a number of one of ``kinds``."""
    digits = digits_of(text)
    for kind in kinds:
        if kind is NumberKind.CARD and is_card_number(digits):
            return True
        if kind is NumberKind.RESIDENT_ID and is_resident_id(digits):
            return True
    return False
