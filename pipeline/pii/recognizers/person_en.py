"""English personal names: "my name is ..." / "Mr. ..." rules (they work on lower-cased ASR
text too), plus spaCy NER (en_core_web_sm) on small windows around capitalised words that the
rules did not already cover. NER is the costly part, so it never reads a whole call."""

from __future__ import annotations

import re
from bisect import bisect_right

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from pipeline.pii.nlp import load_en_ner

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD_RE = re.compile(r"\S+")
# a capitalised word that is not the first of its sentence
_CAPITAL_INSIDE_RE = re.compile(r"(?<=[A-Za-z,;:] )[A-Z][a-z]+")
_CAPITALISED_NAME_RE = re.compile(r"[A-Z][a-z]+(?:[ \-][A-Z][a-z]+)?")
_CUE_NAME_RE = re.compile(
    r"\b(?:my name is|my name's|name is|this is|i am|i'm|speaking with|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?)"
    r"\s+((?!(?:the|a|an|calling|from|not|here|just|very|so|sorry|glad|happy|fine|good|sure|ok|okay|"
    r"interested|looking|trying|going|with|your|my|in|on|at|to)\b)[a-z]+"
    r"(?:[ \-](?!(?:and|from|calling|here|speaking|i|my|is|the|please|thank|thanks|"
    r"with|at|on|in|to)\b)[a-z]+)?)",
    re.I,
)
_I_AM_RE = re.compile(r"i am|i'm", re.I)
MIN_ING_VERB_CHARS = 6  # "sending" is a verb; "Ming", "Ling" (4 letters) are names


def _is_verb_after_i_am(match: re.Match[str]) -> bool:
    """Whether the word after "I am" / "I'm" is a lower-case -ing verb ("i'm sending"), not a
    name (a capitalised "I'm Sterling" stays a name)."""
    first = match.group(1).split()[0].split("-")[0]
    if not first.islower():
        return False
    cue = match.group(0)[: match.start(1) - match.start(0)].strip()
    return bool(
        _I_AM_RE.fullmatch(cue) and first.endswith("ing") and len(first) >= MIN_ING_VERB_CHARS
    )


# capitalised words that are not names
_NOT_NAMES = {
    "I",
    "I'm",
    "OK",
    "Okay",
    "Thank",
    "Thanks",
    "Please",
    "Yes",
    "No",
    "Sure",
    "Hello",
    "Hi",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Visa",
    "Card",
    "Number",
    "Code",
    "Account",
    "Social",
    "Security",
    "PIN",
    "CVV",
    "SSN",
    "Lane",
    "Drive",
    "Avenue",
    "Boulevard",
    "Mastercard",
    "Bank",
    "Street",
    "Road",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "Miss",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
}
NER_SCORE = 0.85
CUE_SCORE = 0.7
CUE_CAPITALISED_SCORE = NER_SCORE
NER_WINDOW_WORDS = 4  # words of context either side of a candidate name word given to NER
NER_BATCH_SIZE = 64  # windows per spaCy batch (small batches waste less padding)


def ner_windows(text: str, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character windows of ``text`` worth an NER pass, in order and disjoint.

    A candidate is a capitalised word inside a sentence (not its first word, not a common
    capitalised word, not already inside a cue-phrase name in ``covered``); its window is the
    candidate with :data:`NER_WINDOW_WORDS` words either side, within its sentence. Windows that
    touch are merged. NER cost grows with the tokens it reads, so this keeps a call cheap.
    """
    windows: list[tuple[int, int]] = []
    for sentence in _SENTENCE_RE.finditer(text):
        body = sentence.group()
        base = sentence.start()
        candidates = [
            (base + m.start(), base + m.end())
            for m in _CAPITAL_INSIDE_RE.finditer(body)
            if m.group() not in _NOT_NAMES
        ]
        candidates = [
            (s, e) for s, e in candidates if not any(cs <= s and e <= ce for cs, ce in covered)
        ]
        if not candidates:
            continue
        words = [(base + m.start(), base + m.end()) for m in _WORD_RE.finditer(body)]
        starts = [s for s, _ in words]
        for cand_start, _ in candidates:
            index = bisect_right(starts, cand_start) - 1
            first = words[max(0, index - NER_WINDOW_WORDS)][0]
            last = words[min(len(words) - 1, index + NER_WINDOW_WORDS)][1]
            if windows and first <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(windows[-1][1], last))
            else:
                windows.append((first, last))
    return windows


class EnPersonRecognizer(EntityRecognizer):
    """PERSON in English text: cue phrases, and NER on windows around capitalised words."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language="en", name="EnPersonRecognizer"
        )
        self._nlp = None

    def load(self) -> None:
        """Load the spaCy model once (cached per process)."""
        self._nlp = load_en_ner()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):
        """Names from cue phrases, and from NER on small windows around capitalised words."""
        spans: list[tuple[int, int, float]] = []
        for match in _CUE_NAME_RE.finditer(text):
            name = match.group(1)
            if _is_verb_after_i_am(match):
                continue  # "i'm sending you a code", "i'm disputing both": no name
            # a cue phrase before capitalised words is as strong as an NER hit on them
            score = CUE_CAPITALISED_SCORE if _CAPITALISED_NAME_RE.fullmatch(name) else CUE_SCORE
            spans.append((match.start(1), match.end(1), score))
        windows = ner_windows(text, [(start, end) for start, end, _ in spans])
        if windows:
            if self._nlp is None:
                self.load()
            assert self._nlp is not None
            texts = (text[start:end] for start, end in windows)
            for (offset, _), doc in zip(
                windows, self._nlp.pipe(texts, batch_size=NER_BATCH_SIZE), strict=True
            ):
                for ent in doc.ents:
                    if (
                        ent.label_ == "PERSON"
                        and ent.text not in _NOT_NAMES
                        and ent[-1].text not in _NOT_NAMES
                        and not any(ch.isdigit() for ch in ent.text)
                    ):
                        spans.append((offset + ent.start_char, offset + ent.end_char, NER_SCORE))
        return [
            RecognizerResult(
                "PERSON",
                start,
                end,
                score,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: True,
                },
            )
            for start, end, score in spans
        ]
