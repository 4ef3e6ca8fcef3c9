"""English personal names: spaCy NER (en_core_web_sm) on the sentences that can hold a name,
plus "my name is ..." / "Mr. ..." rules for lower-cased ASR text."""

from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from pipeline.pii.nlp import load_en_ner

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
# a capitalised word that is not the first of its sentence, or a name cue
_CANDIDATE_RE = re.compile(
    r"(?<=[a-z,;:] )[A-Z][a-z]+|\b(?:name|mr|mrs|ms|miss|dr|speaking|this is)\b", re.I
)
_CAPITAL_INSIDE_RE = re.compile(r"(?<=[A-Za-z,;:] )[A-Z][a-z]+")
_NAME_CUE_RE = re.compile(r"\b(?:name|mr|mrs|ms|miss|dr|speaking|this is)\b", re.I)
_CUE_NAME_RE = re.compile(
    r"\b(?:my name is|my name's|name is|this is|i am|i'm|speaking with|"
    r"mr\.?|mrs\.?|ms\.?|miss|dr\.?)"
    r"\s+((?!(?:the|a|an|calling|from|not|here|just|very|so|sorry|glad|happy|fine|good|sure|ok|okay|"
    r"interested|looking|trying|going|with|your|my|in|on|at|to)\b)[a-z]+"
    r"(?:[ \-](?!(?:and|from|calling|here|speaking|i|my|is|the|please|thank|thanks|"
    r"with|at|on|in|to)\b)[a-z]+)?)",
    re.I,
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
}
NER_SCORE = 0.85
CUE_SCORE = 0.7


class EnPersonRecognizer(EntityRecognizer):
    """PERSON in English text; NER runs only on sentences with a cue or an inner capital."""

    def __init__(self) -> None:
        super().__init__(
            supported_entities=["PERSON"], supported_language="en", name="EnPersonRecognizer"
        )
        self._nlp = None

    def load(self) -> None:
        """Load the spaCy model once (cached per process)."""
        self._nlp = load_en_ner()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None):
        """Names from NER on candidate sentences and from cue phrases."""
        spans: list[tuple[int, int, float]] = []
        for match in _CUE_NAME_RE.finditer(text):
            spans.append((match.start(1), match.end(1), CUE_SCORE))
        sentences = [
            (m.start(), m.group())
            for m in _SENTENCE_RE.finditer(text)
            if _NAME_CUE_RE.search(m.group())
            or any(w.group() not in _NOT_NAMES for w in _CAPITAL_INSIDE_RE.finditer(m.group()))
        ]
        if sentences:
            if self._nlp is None:
                self.load()
            for (offset, _), doc in zip(
                sentences, self._nlp.pipe(s for _, s in sentences), strict=True
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
