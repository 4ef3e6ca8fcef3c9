"""``callsentry rules test``, ``rules lint`` and ``rules operators``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from pipeline.cli import main
from pipeline.cli.rules import field_lines, operator_reference, run_lint, run_test
from pipeline.compliance.examples import run_examples
from pipeline.compliance.loader import RuleBook, load_rulebook
from pipeline.config import CHECKOUT_RULES_DIR as RULES_DIR


@pytest.fixture(scope="session")
def bundled() -> RuleBook:
    """The rule packs shipped in rules/."""
    return load_rulebook(RULES_DIR)


def test_bundled_examples_all_pass(bundled) -> None:
    results = run_examples(bundled, stage=None)
    assert len(results) >= 80
    assert [
        f"{r.rule.language}:{r.rule.id}:{r.expect}#{r.number}" for r in results if not r.ok
    ] == []


def test_rules_test_command_on_bundled_packs(capsys: pytest.CaptureFixture) -> None:
    assert main(["rules", "test", str(RULES_DIR), "--no-pii"]) == 0
    assert "examples passed" in capsys.readouterr().out


def test_rules_lint_bundled_is_clean(capsys: pytest.CaptureFixture) -> None:
    assert main(["rules", "lint", str(RULES_DIR)]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def _pack(tmp_path: Path, examples: str) -> Path:
    (tmp_path / "p.yaml").write_text(
        "pack: p\nlanguage: en\nrules:\n"
        "  - id: no-pin\n    title: t\n    severity: high\n    weight: 5\n    message: m\n"
        "    forbid: {phrase: {any: [pin]}, speaker: agent}\n" + examples,
        encoding="utf-8",
    )
    return tmp_path


class Args:
    def __init__(self, folder: Path) -> None:
        self.dir = folder
        self.no_pii = True


def test_lint_reports_file_rule_and_problem(tmp_path: Path) -> None:
    folder = _pack(tmp_path, "  - {id: broken, title: t, severity: low, weight: 1, message: m}\n")
    out = io.StringIO()
    assert run_lint(Args(folder), out) == 1
    text = out.getvalue()
    assert f"{folder / 'p.yaml'}: broken: " in text
    assert f"{folder / 'p.yaml'}: no-pin: no pass or fail example" in text


def test_rules_test_fails_on_a_wrong_example(tmp_path: Path) -> None:
    folder = _pack(
        tmp_path,
        "    examples:\n      pass:\n        - [{agent: what is your pin}]\n"
        "      fail:\n        - [{agent: what is your pin}]\n",
    )
    out = io.StringIO()
    assert run_test(Args(folder), out) == 1
    assert "FAIL" in out.getvalue() and "no-pin [en] pass example #1" in out.getvalue()
    assert "1/2 examples passed" in out.getvalue()


def test_lint_rejects_an_unknown_entity_type(tmp_path: Path) -> None:
    folder = _pack(tmp_path, "")
    path = folder / "p.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "forbid: {phrase: {any: [pin]}, speaker: agent}", "forbid: {pii: {types: [BANKCARD]}}"
        ),
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_lint(Args(folder), out) == 1
    assert f"{path}: no-pin: forbid.pii.types.0 (line 9): " in out.getvalue()
    assert "unknown entity type 'BANKCARD'; known types: ID_CARD" in out.getvalue()


class _Spec(BaseModel):
    pattern: str
    words: list[str] = Field(default_factory=list)
    limits: dict[str, int] = Field(default_factory=lambda: {"max": 3})
    threshold: float = Field(0.85, gt=0)


def test_field_lines_show_required_and_real_defaults() -> None:
    assert field_lines(_Spec, "  ") == [
        "  pattern: str (required)",
        "  words: list[str] (default [])",
        "  limits: dict[str, int] (default {'max': 3})",
        "  threshold: float (default 0.85)",
    ]


def test_operator_reference_never_prints_pydantic_markers() -> None:
    text = "\n".join(operator_reference())
    assert "PydanticUndefined" not in text
    assert "Ellipsis" not in text
    assert "      n: int (required)" in text  # at_least
