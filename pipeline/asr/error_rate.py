"""Error rates of a transcript against a reference: WER for English, CER for Chinese.

Used by the tests and by ``eval/eval_asr.py`` to state measured accuracy, never guessed.
"""

from __future__ import annotations

import re

from pipeline.asr.guards import to_simplified

_DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_ABBREVIATIONS = {"mr": "mister", "mrs": "missus"}
_ZH_DIGITS = "零一二三四五六七八九"
_HAN = re.compile(r"[\u3400-\u9fff]")


def normalise_english(text: str) -> str:
    """Lower-case words: punctuation dropped, each digit spelt out, a few expansions."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\d", lambda m: f" {_DIGIT_WORDS[int(m.group())]} ", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in re.findall(r"[a-z']+", text))


def normalise_chinese(text: str) -> str:
    """Simplified Han characters only, Arabic digits as Chinese digits (幺 as 一)."""
    text = to_simplified(text).replace("幺", "一")
    text = re.sub(r"\d", lambda m: _ZH_DIGITS[int(m.group())], text)
    return "".join(_HAN.findall(text))


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    """WER (English) or CER (Chinese) after normalisation; 1.0 for an empty hypothesis."""
    import jiwer

    if language == "zh":
        ref, hyp = normalise_chinese(reference), normalise_chinese(hypothesis)
        return jiwer.cer(ref, hyp) if hyp else 1.0
    ref, hyp = normalise_english(reference), normalise_english(hypothesis)
    return jiwer.wer(ref, hyp) if hyp else 1.0
