"""Session-scoped PII engine (built once: jieba dictionary + spaCy English model)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine():
    """The process-wide PII engine."""
    from pipeline.pii.engine import get_engine

    return get_engine()


@pytest.fixture(scope="session")
def policy():
    """The bundled default masking policy."""
    from pipeline.pii.masking import load_policy

    return load_policy()


def found(engine, text: str, lang: str) -> list[tuple[str, str]]:
    """(entity_type, matched original text) for every span."""
    return [(s.entity_type, text[s.start : s.end]) for s in engine.analyze_text(text, lang)]
