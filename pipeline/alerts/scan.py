"""Last line of defence: find unmasked numbers in text about to leave the machine.

Every sink runs :func:`find_unmasked_pii` on what it is about to send; anything found blocks
the message. It looks for digit runs (digits possibly separated by single spaces or dashes, and
Chinese digit characters read as digits) that pass the leak check of a registered entity
(``pipeline/pii/entities.py``, checks in ``pipeline/pii/checksums.py``): today a Luhn-valid
card number (13 to 19 digits), a valid GB 11643 resident ID (17 digits and a MOD 11-2 check
character), or a mainland mobile number (1[3-9] and 9 more digits, optionally after 86). The
findings it returns describe what was found and where, never the value itself.
"""

from __future__ import annotations

import re

from pipeline.pii.entities import leak_checks
from pipeline.pii.fold import fold

# Chinese numerals as ASR writes them (and the financial 大写 ones); one character each, so
# offsets do not move. Full-width and other script digits, exotic spaces and invisible
# characters are folded first (pipeline.pii.fold), as the PII stage does.
_CN_DIGITS = str.maketrans(
    "零〇一二三四五六七八九幺两" + "壹贰貳叁叄參肆伍陆陸柒捌玖",
    "0012345678912" + "1223334566789",
)
# A run of digits (the last may be X for an ID) separated by at most two spaces or dashes
# ("6222-\n0212" folds to "6222- 0212").
_RUN = re.compile(r"(?<![0-9A-Za-z])\d(?:[ \-]{0,2}\d)*(?:[ \-]{0,2}[Xx])?(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+[Xx]?|[Xx]")
_CHECKS = leak_checks()
MAX_DIGITS = max(check.max_length for check in _CHECKS)  # longest value looked for


def _classify(value: str) -> str | None:
    """The description of the first leak check ``value`` passes (registry order), or None."""
    return next((check.description for check in _CHECKS if check.matches(value)), None)


def find_unmasked_pii(text: str) -> list[str]:
    """Descriptions (kind, length, offset; never the value) of the unmasked card numbers, ID
    numbers and mobile numbers in ``text``; empty when it is clean."""
    found: list[str] = []
    normalised = fold(text).text.translate(_CN_DIGITS)
    for run in _RUN.finditer(normalised):
        groups = list(_GROUP.finditer(run.group()))
        candidates: list[tuple[int, int, str]] = []
        # every contiguous range of separator-delimited groups up to MAX_DIGITS characters
        for i in range(len(groups)):
            value = ""
            for j in range(i, len(groups)):
                value += groups[j].group()
                if len(value) > MAX_DIGITS:
                    break
                if "X" in value[:-1].upper():
                    break
                kind = _classify(value)
                if kind is not None:
                    start, end = run.start() + groups[i].start(), run.start() + groups[j].end()
                    candidates.append((start, end, kind))
        kept: list[tuple[int, int, str]] = []
        for start, end, kind in sorted(candidates, key=lambda c: c[0] - c[1]):
            if not any(s <= start and end <= e for s, e, _ in kept):
                kept.append((start, end, kind))  # not inside a longer hit already kept
        found.extend(
            f"{kind} ({sum(c.isalnum() for c in normalised[s:e])} characters at offset {s})"
            for s, e, kind in sorted(kept)
        )
    return found


class UnmaskedPiiError(ValueError):
    """A message was blocked because it holds what looks like an unmasked value."""

    def __init__(self, sink: str, findings: list[str]) -> None:
        self.findings = findings
        super().__init__(f"{sink}: blocked, unmasked PII in message: {'; '.join(findings)}")
