"""Fixtures for the rule-engine tests: the bundled rule book and a transcript builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.compliance.examples import build_transcript
from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.compliance.rule import Turn
from pipeline.models import Transcript

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"


@pytest.fixture(scope="session")
def bundled() -> RuleBook:
    """The rule packs shipped in rules/."""
    return load_rulebook(RULES_DIR)


def call(language: str, *turns: tuple) -> Transcript:
    """A transcript from (speaker, text[, at[, dur[, suspect]]]) tuples."""
    built = [Turn(t[0], t[1], *t[2:]) for t in turns]
    return build_transcript(built, language)[0]
