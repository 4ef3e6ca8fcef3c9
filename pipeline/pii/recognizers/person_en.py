"""English personal names: "my name is ..." / "Mr. ..." rules (they work on lower-cased ASR
text too), plus spaCy NER (en_core_web_sm) on small windows around capitalised words that the
rules did not already cover. NER is the costly part, so it never reads a whole call.

A pronoun or a word of time is never a name, whatever cue stands before it ("speaking with us
today", "this is he", "this is we, the bank"). An answer to a name question is a name: when the
other speaker's turn before asks for it ("may I have your name?", "who am I speaking with?"),
the first words of the answer up to a pause ("jason lee, seven one eight ...") are the name,
lower-cased or not."""

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
# answers to a name question that give none
_NOT_ANSWERS = frozenset(
    ("sure", "yes", "yeah", "no", "ok", "okay", "why", "what", "sorry", "hold on", "one moment",
     "one second", "just a second", "just a moment", "what for")
)  # fmt: skip
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
# words that no name holds: pronouns, and the words of time that follow "speaking with us"
NOT_NAME_WORDS = frozenset(
    ("i", "me", "we", "us", "you", "he", "him", "she", "her", "it", "they", "them", "my", "our",
     "your", "his", "its", "their", "myself", "ourselves", "yourself", "today", "now", "here",
     "there", "this", "that")
)  # fmt: skip
# the other speaker's question for a name, in the turn before an answer
NAME_QUESTION_RE = re.compile(
    r"\b(?:your (?:full |first |last )?name|name on the (?:account|card)|"
    r"who (?:am i|i am) speaking (?:with|to)|whom am i speaking)\b",
    re.I,
)
# the answer: acknowledgements, an optional "it's" / "my name is", then one to three words
# up to a pause, "and", or the turn's end
_ANSWER_NAME_RE = re.compile(
    r"(?:(?:sure|yes|yeah|yep|ok|okay|of course|right|hi|hello|um|uh)[,.]?\s+)*"
    r"(?:(?:it's|it is|this is|my name is|my name's|i'm|i am)\s+)?"
    r"([a-z][a-z'\-]*(?: [a-z][a-z'\-]*){0,2}?)(?=\s*(?:[,.;!?]|\band\b|$))",
    re.I,
)
SPEAKER_CHANGE_JOINER = "\n\n"  # between two speakers' turns: the engine's joiner
PREVIOUS_QUESTION_CHARS = 240  # how much of the previous turn is searched for the question
CUED_ANSWER_SCORE = 0.7  # the first words of an answer to a name question
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
            first = re.split(r"[ \-]", name, maxsplit=1)[0]
            if _holds_no_name_word(first):
                continue  # "speaking with us today", "this is he"
            if _holds_no_name_word(name):
                name = first  # "Mr. Rodriguez it takes ...": the name is one word
            score = CUE_CAPITALISED_SCORE if _CAPITALISED_NAME_RE.fullmatch(name) else CUE_SCORE
            spans.append((match.start(1), match.start(1) + len(name), score))
        spans.extend(cued_answer_names(text))
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
                        and not _holds_no_name_word(ent.text)
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


def _holds_no_name_word(words: str) -> bool:
    """Whether ``words`` hold a pronoun or a word of time (no name does)."""
    return any(word in NOT_NAME_WORDS for word in re.split(r"[ \-]+", words.lower()))


def cued_answer_names(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of the name that opens each turn of ``text`` (turns joined by the
    engine's speaker-change joiner) answering a name question in the turn before it."""
    out: list[tuple[int, int, float]] = []
    turn_start = text.find(SPEAKER_CHANGE_JOINER)
    while turn_start >= 0:
        previous_start = text.rfind(SPEAKER_CHANGE_JOINER, 0, turn_start)
        previous_start = 0 if previous_start < 0 else previous_start + len(SPEAKER_CHANGE_JOINER)
        question = text[max(previous_start, turn_start - PREVIOUS_QUESTION_CHARS) : turn_start]
        answer_start = turn_start + len(SPEAKER_CHANGE_JOINER)
        if NAME_QUESTION_RE.search(question):
            match = _ANSWER_NAME_RE.match(text, answer_start)
            if (
                match
                and not _holds_no_name_word(match.group(1))
                and match.group(1).lower() not in _NOT_ANSWERS
            ):
                out.append((match.start(1), match.end(1), CUED_ANSWER_SCORE))
        turn_start = text.find(SPEAKER_CHANGE_JOINER, answer_start)
    return out
