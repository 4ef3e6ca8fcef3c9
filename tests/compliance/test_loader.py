"""Loading packs: problems carry file and rule id, bad rules are skipped, version is a hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.compliance.loader import load_rulebook

GOOD_RULE = """
  - id: good
    title: Good
    severity: low
    weight: 1
    message: m
    forbid: {phrase: {any: [hello]}}
"""


def write_pack(folder: Path, body: str, name: str = "pack.yaml", language: str = "en") -> Path:
    path = folder / name
    path.write_text(f"pack: p\nlanguage: {language}\nrules:\n{body}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad_rule", "rule_id", "problem"),
    [
        (
            "  - {id: sev, title: t, severity: urgent, weight: 1, message: m,"
            " forbid: {phrase: {any: [x]}}}",
            "sev",
            "severity",
        ),
        (
            "  - {id: two, title: t, severity: low, weight: 1, message: m,"
            " forbid: {phrase: {any: [x]}}, require: {phrase: {any: [y]}}}",
            "two",
            "exactly one of forbid",
        ),
        (
            "  - {id: op, title: t, severity: low, weight: 1, message: m, forbid: {frase: x}}",
            "op",
            "unknown keys: frase",
        ),
        (
            "  - {id: re, title: t, severity: low, weight: 1, message: m, forbid: {regex: '(['}}",
            "re",
            "regex",
        ),
        (
            "  - {id: n, title: t, severity: low, weight: 1, message: m,"
            " forbid: {phrase: {at_least: 3, of: [a, b]}}}",
            "n",
            "at_least 3 > 2",
        ),
        (
            "  - {id: w, title: t, severity: low, weight: 1, message: m,"
            " require: {phrase: {any: [a]}, window: {first_s: 3, last_s: 3}}}",
            "w",
            "window",
        ),
        (
            "  - {title: t, severity: low, weight: 1, message: m, forbid: {phrase: {any: [a]}}}",
            "rules[1]",
            "id",
        ),
        (
            "  - {id: good, title: t, severity: low, weight: 1, message: m,"
            " forbid: {phrase: {any: [a]}}}",
            "good",
            "duplicate",
        ),
        (
            "  - {id: sd, title: t, severity: low, weight: 1, message: m,"
            " forbid: {regex: 'ending in', anchor: {of: {pii: {types: [BANK_CARD]}},"
            " same_digits: maybe}}}",
            "sd",
            "same_digits",
        ),
        (  # a second anchor would silently replace the first: the rule is skipped
            "  - id: dup\n    title: t\n    severity: low\n    weight: 1\n    message: m\n"
            "    forbid:\n      phrase: {any: [a]}\n"
            "      anchor: {of: {phrase: {any: [b]}}}\n"
            "      anchor: {of: {phrase: {any: [c]}}}",
            "dup",
            "duplicate key 'anchor' at line 19",
        ),
    ],
)
def test_bad_rule_is_reported_and_others_load(
    tmp_path: Path, bad_rule: str, rule_id: str, problem: str
) -> None:
    path = write_pack(tmp_path, GOOD_RULE + bad_rule + "\n")
    book = load_rulebook(tmp_path)
    assert [r.id for r in book.rules] == ["good"]
    [found] = book.problems
    assert found.file == str(path)
    assert found.rule_id == rule_id
    assert problem in found.problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("pack: p\nlanguage: en\nrules: [\n", "cannot read YAML"),
        ("- just a list\n", "must be a mapping"),
        ("pack: p\nlanguage: fr\nrules: []\n", "language"),
        ("pack: p\nlanguage: en\nlanguage: zh\nrules: []\n", "duplicate key 'language' at line 3"),
    ],
)
def test_bad_pack_is_reported(tmp_path: Path, content: str, problem: str) -> None:
    (tmp_path / "bad.yaml").write_text(content, encoding="utf-8")
    write_pack(tmp_path, GOOD_RULE, name="ok.yaml")
    book = load_rulebook(tmp_path)
    assert [r.id for r in book.rules] == ["good"]
    [found] = book.problems
    assert found.file.endswith("bad.yaml") and found.rule_id is None
    assert problem in found.problem


def line_holding(path: Path, text: str) -> int:
    """1-based number of the first line of ``path`` holding ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


@pytest.mark.parametrize(
    ("condition", "bad"),
    [
        ("forbid: {pii: {types: [BANKCARD]}}", "BANKCARD"),
        (
            "forbid:\n      pii:\n        types:\n          - PIN\n          - CREDIT_CARD",
            "CREDIT_CARD",
        ),
        (
            "forbid:\n      any:\n        - phrase: {any: [a]}\n        - pii: {types: [REDACTED]}",
            "REDACTED",
        ),
        ("require: {not: {pii: {types: [pin]}}}", "pin"),
    ],
)
def test_unknown_entity_type_names_line_and_known_types(
    tmp_path: Path, condition: str, bad: str
) -> None:
    rule = "  - id: typo\n    title: t\n    severity: low\n    weight: 1\n    message: m\n    "
    path = write_pack(tmp_path, GOOD_RULE + rule + condition + "\n")
    book = load_rulebook(tmp_path)
    assert [r.id for r in book.rules] == ["good"]
    [found] = book.problems
    assert found.rule_id == "typo"
    line = line_holding(path, bad)
    assert f"(line {line}): Value error, unknown entity type '{bad}'" in found.problem
    assert "known types: ID_CARD, BANK_CARD, PHONE" in found.problem


def test_example_turn_with_unknown_entity_type_is_reported(tmp_path: Path) -> None:
    examples = "    examples:\n      fail:\n        - [{agent: 'x', pii: [BANKCARD]}]\n"
    path = write_pack(tmp_path, GOOD_RULE + examples)
    [found] = load_rulebook(tmp_path).problems
    line = line_holding(path, "BANKCARD")
    assert (
        f"examples.fail.0.0.pii.0 (line {line})" in found.problem and "'BANKCARD'" in found.problem
    )


def test_version_is_content_hash(tmp_path: Path) -> None:
    path = write_pack(tmp_path, GOOD_RULE)
    first = load_rulebook(tmp_path).version
    assert first == load_rulebook(tmp_path).version and len(first) == 64
    path.write_text(path.read_text().replace("hello", "hullo"), encoding="utf-8")
    assert load_rulebook(tmp_path).version != first


def test_for_language(tmp_path: Path) -> None:
    write_pack(tmp_path, GOOD_RULE, name="en.yaml", language="en")
    write_pack(tmp_path, GOOD_RULE.replace("good", "zh-rule"), name="zh.yaml", language="zh")
    write_pack(tmp_path, GOOD_RULE.replace("good", "both"), name="any.yaml", language="any")
    book = load_rulebook(tmp_path)
    assert {r.id for r in book.for_language("en")} == {"good", "both"}
    assert {r.id for r in book.for_language("zh")} == {"zh-rule", "both"}


def test_missing_folder_is_a_problem(tmp_path: Path) -> None:
    book = load_rulebook(tmp_path / "nope")
    assert book.rules == () and "no such" in book.problems[0].problem


REQUIRED_IDS = (
    "recording-notice",
    "agent-identification",
    "identity-verification",
    "wealth-risk-disclosure",
    "no-guaranteed-returns",
    "no-sensitive-auth-request",
    "agent-pii-readout",
)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_bundled_packs_load_cleanly_with_required_ids(bundled, language: str) -> None:
    assert bundled.problems == ()
    ids = {r.id for r in bundled.for_language(language)}
    assert set(REQUIRED_IDS) <= ids


def test_matchers_shared_within_a_load_only(tmp_path: Path) -> None:
    body = "".join(
        f"""
  - id: r{i}
    title: t
    severity: low
    weight: 1
    message: m
    forbid: {{phrase: {{any: [hello, hi]}}, speaker: agent}}
"""
        for i in range(2)
    )
    write_pack(tmp_path, body)
    first, second = load_rulebook(tmp_path).rules
    assert first.primary.matcher is second.primary.matcher
    again = load_rulebook(tmp_path).rules[0]
    assert again.primary.matcher is not first.primary.matcher


def test_anchor_same_digits_loads_into_the_compiled_anchor(tmp_path: Path) -> None:
    body = """
  - id: echo
    title: t
    severity: low
    weight: 1
    message: m
    forbid:
      regex: 'ending in(?: [0-9]+)*'
      anchor: {of: {pii: {types: [BANK_CARD]}}, relation: after, absent: true, same_digits: true}
  - id: plain
    title: t
    severity: low
    weight: 1
    message: m
    forbid:
      regex: 'ending in'
      anchor: {of: {pii: {types: [BANK_CARD]}}, absent: true}
"""
    write_pack(tmp_path, body)
    book = load_rulebook(tmp_path)
    assert book.problems == ()
    echo, plain = book.rules
    assert echo.primary.scope.anchor.same_digits is True
    assert echo.primary.scope.anchor.absent is True
    assert plain.primary.scope.anchor.same_digits is False
