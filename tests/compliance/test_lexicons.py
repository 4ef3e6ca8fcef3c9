"""Pack lexicons: named word lists referred to as "@name" in a pack's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.compliance.evaluator import evaluate
from pipeline.compliance.examples import build_transcript
from pipeline.compliance.lexicons import (
    LexiconError,
    expand_references,
    resolve_lexicons,
)
from pipeline.compliance.loader import load_rulebook
from pipeline.compliance.rule import Turn

PACK = """pack: p
language: en
lexicons:
  secret: [pin, [passcode, pass code]]
  ask: [tell me, "@polite"]
  polite: [could you share]
rules:
  - id: ask-secret
    title: t
    severity: high
    weight: 1
    message: m
    forbid:
      clause: {verb: ["@ask"], object: ["@secret", cvv], match: exact, gap: 20}
      speaker: agent
    examples:
      fail:
        - - agent: could you share the pass code
      pass:
        - - agent: could you share your name
"""


def test_resolve_expands_references_within_lexicons() -> None:
    resolved = resolve_lexicons({"a": ["x", "@b"], "b": ["y", ["z", "zz"]]})
    assert resolved == {"a": ["x", "y", ["z", "zz"]], "b": ["y", ["z", "zz"]]}


def test_references_in_items_and_in_synonym_lists() -> None:
    lexicons = {"s": ["pin", ["passcode", "pass code"]]}
    rule = {"forbid": {"phrase": {"any": ["@s", "cvv", ["@s", "otp"]]}}, "title": "@s"}
    assert expand_references(rule, lexicons) == {
        "forbid": {
            "phrase": {
                "any": [
                    "pin",
                    ["passcode", "pass code"],
                    "cvv",
                    ["pin", "passcode", "pass code", "otp"],
                ]
            }
        },
        "title": "@s",  # only list entries are references
    }


@pytest.mark.parametrize(
    ("lexicons", "message"),
    [
        ({"a": ["@missing"]}, "unknown lexicon @missing"),
        ({"a": ["@b"], "b": ["@a"]}, "refer to each other: @a -> @b -> @a"),
    ],
)
def test_bad_lexicons(lexicons: dict, message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        resolve_lexicons(lexicons)


def test_pack_rules_use_lexicons(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PACK, encoding="utf-8")
    book = load_rulebook(tmp_path)
    assert book.problems == ()
    [rule] = book.rules
    for text, fires in (
        ("tell me your pin", True),
        ("could you share the cvv", True),
        ("tell me your name", False),
    ):
        transcript, _ = build_transcript((Turn("agent", text),), "en")
        assert bool(evaluate(book.rules, transcript, (), transcript)) is fires, text
    assert rule.id == "ask-secret"


def test_unknown_reference_skips_the_rule_with_its_name(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PACK.replace('"@secret", cvv', '"@secrets"'), encoding="utf-8")
    book = load_rulebook(tmp_path)
    assert book.rules == ()
    [problem] = book.problems
    assert problem.rule_id == "ask-secret"
    assert "unknown lexicon @secrets (the pack has: ask, polite, secret)" in problem.problem


@pytest.mark.parametrize(
    ("lexicons", "message"),
    [
        ("lexicons: {a: [x, '@a']}", "lexicons: lexicons refer to each other"),
        ("lexicons: {'bad name': [x]}", "letters, digits"),
        ("lexicons: {a: []}", "lexicon a: empty list"),
    ],
)
def test_bad_pack_lexicons_skip_the_pack(tmp_path: Path, lexicons: str, message: str) -> None:
    body = PACK.split("lexicons:")[0] + lexicons + "\nrules:" + PACK.split("rules:")[1]
    (tmp_path / "p.yaml").write_text(body, encoding="utf-8")
    book = load_rulebook(tmp_path)
    assert book.rules == ()
    [problem] = book.problems
    assert problem.rule_id is None and message in problem.problem
