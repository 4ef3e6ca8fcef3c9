"""``callsentry rules test [DIR]`` and ``callsentry rules lint [DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rules test`` and ``rules lint``."""
    parser = subparsers.add_parser("rules", help="test or lint compliance rule packs")
    actions = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    test = actions.add_parser("test", help="run the packs' embedded examples")
    test.add_argument("dir", nargs="?", type=Path, help="rules folder or file (default: settings)")
    test.add_argument("--no-pii", action="store_true", help="skip the Presidio engine")
    test.set_defaults(func=run_test)
    lint = actions.add_parser("lint", help="validate packs; non-zero exit on any problem")
    lint.add_argument("dir", nargs="?", type=Path, help="rules folder or file (default: settings)")
    lint.set_defaults(func=run_lint)


def _rules_dir(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return args.dir
    from pipeline.config import get_settings

    return get_settings().rules_dir


def lint_problems(rules_dir: Path) -> list[str]:
    """Every problem with the packs: load problems, and rules without pass and fail examples."""
    from pipeline.compliance.loader import LoadProblem, load_rulebook

    book = load_rulebook(rules_dir)
    problems = [str(p) for p in book.problems]
    for rule in book.rules:
        kinds = {e.expect for e in rule.examples}
        missing = [k for k in ("pass", "fail") if k not in kinds]
        if missing:
            problems.append(
                str(LoadProblem(rule.source, rule.id, f"no {' or '.join(missing)} example"))
            )
    return problems


def run_lint(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Validate packs; print ``file: rule: problem`` lines; 1 when anything is wrong."""
    out = out or sys.stdout
    from pipeline.compliance.loader import load_rulebook

    rules_dir = _rules_dir(args)
    problems = lint_problems(rules_dir)
    for line in problems:
        print(line, file=out)
    book = load_rulebook(rules_dir)
    print(
        f"{len(book.rules)} rules loaded, {len(problems)} problem(s); version {book.version[:12]}",
        file=out,
    )
    return 1 if problems else 0


def run_test(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run every embedded example; 1 when an example fails or a rule could not load."""
    out = out or sys.stdout
    from pipeline.compliance.examples import run_examples
    from pipeline.compliance.loader import load_rulebook
    from pipeline.config import get_settings
    from pipeline.pii.stage import build_pii_stage

    book = load_rulebook(_rules_dir(args))
    for problem in book.problems:
        print(f"SKIPPED {problem}", file=out)
    stage = None if getattr(args, "no_pii", False) else build_pii_stage(get_settings())
    real = stage is not None
    results = run_examples(book, stage)
    failed = [r for r in results if not r.ok]
    for r in failed:
        got = ", ".join(f"{v.start:.1f}s {v.evidence!r}" for v in r.violations) or "no violation"
        print(
            f"FAIL {r.rule.source}: {r.rule.id} [{r.rule.language}] {r.expect} example "
            f"#{r.number}: {got}",
            file=out,
        )
    pii_note = "Presidio PII stage" if real else "declared PII only"
    print(
        f"{len(results) - len(failed)}/{len(results)} examples passed over {len(book.rules)} "
        f"rules ({pii_note}); {len(book.problems)} rule(s) skipped",
        file=out,
    )
    return 1 if failed or book.problems else 0
