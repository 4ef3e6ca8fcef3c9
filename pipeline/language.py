"""Language codes as transcripts and settings spell them, normalised to the packs' codes.

Transcripts from other ASR systems say ``EN``, ``en-US``, ``English``, ``eng``, ``zh-Hans``,
``cmn`` or ``普通话``; the rule packs are keyed ``en`` and ``zh``. :func:`normalize_language`
maps BCP 47 tags (primary subtag), ISO 639-2/3 codes and common names (English and Chinese) to
the ISO 639-1 code; a language without a pack keeps its own lower-case primary subtag so that
the report can say which one has no rules. :func:`detect_text_language` decides from the text
when a transcript names no language.
"""

from __future__ import annotations

import re

SUPPORTED = ("zh", "en")  # languages with bundled packs and recognizers
# Other spellings of the supported languages: ISO 639-2/3 codes and names.
ALIASES: dict[str, str] = {
    "eng": "en",
    "english": "en",
    "英语": "en",
    "英文": "en",
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",  # Mandarin (ISO 639-3)
    "chinese": "zh",
    "mandarin": "zh",
    "中文": "zh",
    "汉语": "zh",
    "普通话": "zh",
    "國語": "zh",
    "国语": "zh",
}
_TAG_SEPARATOR = re.compile(r"[-_]")
CJK_SHARE_FOR_ZH = 1 / 3  # CJK characters per Latin letter at which text counts as Chinese


def normalize_language(raw: object) -> str | None:
    """``zh`` / ``en`` for any spelling of them; another language's lower-case primary subtag
    (``fr-CA`` -> ``fr``); None for an empty or non-text value."""
    if not isinstance(raw, str):
        return None
    text = raw.strip().lower()
    if not text:
        return None
    if text in ALIASES:
        return ALIASES[text]
    primary = _TAG_SEPARATOR.split(text, maxsplit=1)[0]
    return ALIASES.get(primary, primary)


def detect_text_language(text: str) -> str:
    """``zh`` when CJK characters make up a fair share of the letters, else ``en``."""
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "zh" if cjk > 0 and cjk >= latin * CJK_SHARE_FOR_ZH else "en"
