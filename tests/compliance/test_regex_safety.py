"""Rule regexes that can backtrack catastrophically are refused; the bundled ones pass."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.compliance.loader import load_rulebook
from pipeline.compliance.regex_safety import backtracking_risk
from pipeline.config import CHECKOUT_RULES_DIR


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(a*)*b", r"(\w+\s?)+$", r"(a|aa)*b", r"(aa?)+b", r"(?:x*y*)+z", r"(.*a){25}",
     r"(\d+,?)+$", r"^(\s*\w+\s*)+$"],
)  # fmt: skip
def test_exponential_shapes_are_refused(pattern: str) -> None:
    assert backtracking_risk(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [r"(?:[0-9][ ,]?){15,19}", r"(?:\b(?:zero|one|two)\b[ |]*){15,}", r"(foo|far)+x",
     r"(?:ab?c)+", r"保证.{0,4}(收益|回报)", r"\b(?:your|the) (?:pin|code)\b", r"a{1,5}b+"],
)  # fmt: skip
def test_safe_shapes_pass(pattern: str) -> None:
    assert backtracking_risk(pattern) is None


def test_every_bundled_regex_passes() -> None:
    book = load_rulebook(CHECKOUT_RULES_DIR)
    assert book.problems == () and len(book.rules) >= 20


def test_a_refused_pattern_really_is_slow() -> None:  # the check is about a real hazard
    started = time.perf_counter()
    re.search(r"(a+)+$", "a" * 20 + "!")
    assert time.perf_counter() - started > 0.01


PACK = """\
pack: local
language: en
rules:
  - id: slow-rule
    title: t
    severity: high
    weight: 1
    message: m
    forbid:
      regex: '(a+)+$'
    examples: {pass: [[{agent: hello}]], fail: [[{agent: aaa}]]}
"""


def test_lint_names_the_rule_and_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "local.yaml").write_text(PACK, encoding="utf-8")
    assert main(["rules", "lint", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "local.yaml" in out and "slow-rule" in out and "exponential time" in out


def _alias_bomb(levels: int, fan_out: int) -> str:
    lines = [f"l0: &l0 [{', '.join(['x'] * fan_out)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * fan_out)}]")
    return "pack: bomb\nlanguage: en\n" + "\n".join(lines) + "\nrules: []\n"


def test_nested_aliases_are_bounded(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "bomb.yaml").write_text(_alias_bomb(9, 9), encoding="utf-8")
    started = time.perf_counter()
    assert main(["rules", "lint", str(tmp_path)]) == 1
    assert time.perf_counter() - started < 5
    assert "nested aliases" in capsys.readouterr().out
