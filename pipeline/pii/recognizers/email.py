"""E-mail addresses, as typed or as spoken by ASR ("john underscore smith at gmail dot com").

Spoken connectors are read as their symbols: at / at sign / 艾特 = ``@``, dot / 点 = ``.``,
underscore / 下划线 = ``_``, dash / hyphen / 横杠 = ``-``. After a cue (my email is, 邮箱是) a
local part said as separate words ("john smith at gmail dot com") is taken whole; the cue
itself is trimmed off the span.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from pipeline.pii.nlp import make_tldextract_offline
from pipeline.pii.recognizers._stdlib_pattern import StdlibPatternRecognizer

_AT = r"(?:\s?@\s?|\s(?:at sign|at symbol|at)\s|\s?(?:艾特|at符号)\s?)"
_DOT = r"(?:\.|\s(?:dot)\s|\s?点\s?)"
_UNDERSCORE = r"(?:_|\s(?:underscore|under score)\s|\s?下划线\s?)"
_DASH = r"(?:-|\s(?:dash|hyphen)\s|\s?(?:横杠|横线|中划线|杠)\s?)"
_LOCAL_WORD = r"[A-Za-z0-9%+]+"
_LOCAL_JOIN = rf"(?:{_DOT}|{_UNDERSCORE}|{_DASH})"
_DOMAIN = rf"[A-Za-z0-9]+(?:(?:{_DOT}|{_DASH})[A-Za-z0-9]+)+"
_CUE = (
    r"(?:e-?mail(?: address)?(?: is)?"
    r"|(?:e-?)?mail (?:me|us|it|them)(?: to)?(?: at| on)?"  # "email me at", "mail it to"
    r"|(?:write|send (?:it|them|that))(?: to)?(?: me| us)?(?: at)?"  # "send it to me at"
    r"|(?:reach|contact) (?:me|us) (?:at|on|by e-?mail at)"
    r"|邮箱(?:地址)?(?:是)?|发(?:到|至)(?:我的)?邮箱)[\s:：,，]*"
)
MAX_CUE_LOCAL_WORDS = 3  # after a cue, a local part of up to this many spoken words
CUE_RE = re.compile(_CUE, re.IGNORECASE)

# spoken connector -> symbol, for validation
_SPOKEN_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s?(?:艾特|at符号)\s?|\s(?:at sign|at symbol|at)\s", re.I), "@"),
    (re.compile(r"\s?下划线\s?|\s(?:underscore|under score)\s", re.I), "_"),
    (re.compile(r"\s?(?:横杠|横线|中划线|杠)\s?|\s(?:dash|hyphen)\s", re.I), "-"),
    (re.compile(r"\s?点\s?|\sdot\s", re.I), "."),
)


def spoken_to_address(text: str) -> str:
    """``john underscore smith at gmail dot com`` -> ``john_smith@gmail.com``."""
    for pattern, symbol in _SPOKEN_SYMBOLS:
        text = pattern.sub(symbol, text)
    return re.sub(r"\s+", "", text)


class CallEmailRecognizer(StdlibPatternRecognizer):
    """Local part, @ (or "at"), domain with a public suffix (checked offline by tldextract)."""

    PATTERNS: ClassVar[list[Pattern]] = [
        # typed, as in chat or a form: found on its own, so a spoken "at" before it
        # ("email me at zhang.wei@bank.cn") cannot take its place
        Pattern(
            "email_typed",
            r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+"
            r"(?:\.[A-Za-z0-9\-]+)+",
            0.5,
        ),
        Pattern(
            "email",
            r"(?<![A-Za-z0-9._%+\-])"
            + _LOCAL_WORD
            + rf"(?:{_LOCAL_JOIN}{_LOCAL_WORD})*"
            + _AT
            + _DOMAIN,
            0.5,
        ),
        Pattern(
            "email_after_cue",
            _CUE
            + _LOCAL_WORD
            + rf"(?:(?:{_LOCAL_JOIN}|\s){_LOCAL_WORD}){{0,{MAX_CUE_LOCAL_WORDS + 4}}}"
            + _AT
            + _DOMAIN,
            0.5,
        ),
    ]
    CONTEXT: ClassVar[list[str]] = ["邮箱", "电子邮件", "邮件", "email", "e-mail", "mail"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="EMAIL",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
            name=f"EmailRecognizer_{supported_language}",
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        """Pattern matches, with a leading cue (my email is, 邮箱是) trimmed off."""
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            cue = CUE_RE.match(text, result.start, result.end)
            if cue and cue.end() > result.start:
                result.start = cue.end()
        return results

    def validate_result(self, pattern_text: str) -> bool:
        """The spoken form read as an address must have one @ and a domain ending in a known
        public suffix (bundled list, no network); after a cue, at most a few local words."""
        cue = CUE_RE.match(pattern_text)
        if cue and cue.end() > 0:
            local = pattern_text[cue.end() :]
            local = re.split(_AT, local, maxsplit=1, flags=re.I)[0]
            if len(re.findall(r"\s" + _LOCAL_WORD, " " + local)) > MAX_CUE_LOCAL_WORDS:
                return False
            pattern_text = pattern_text[cue.end() :]
        text = spoken_to_address(pattern_text)
        if text.count("@") != 1:
            return False
        domain = text.split("@", 1)[1]
        return make_tldextract_offline()(domain).suffix != ""
