"""``callsentry rules test [DIR]``, ``rules lint [DIR]`` and ``rules operators``."""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rules test``, ``rules lint`` and ``rules operators``."""
    parser = subparsers.add_parser("rules", help="test or lint compliance rule packs")
    actions = parser.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    test = actions.add_parser("test", help="run the packs' embedded examples")
    test.add_argument("dir", nargs="?", type=Path, help="rules folder or file (default: settings)")
    test.add_argument("--no-pii", action="store_true", help="skip the Presidio engine")
    test.set_defaults(func=run_test)
    lint = actions.add_parser("lint", help="validate packs; non-zero exit on any problem")
    lint.add_argument("dir", nargs="?", type=Path, help="rules folder or file (default: settings)")
    lint.set_defaults(func=run_lint)
    operators = actions.add_parser(
        "operators", help="list the condition operators, their fields and an example each"
    )
    operators.set_defaults(func=run_operators)


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


def _type_text(annotation: Any) -> str:
    """A readable type: ``float``, ``list[str | list[str]] | None``, ``'cps' | 'wpm'``."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin is typing.Literal:
        return " | ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_text(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(map(_type_text, args))}]"
    if annotation is type(None):
        return "None"
    name = getattr(annotation, "__name__", str(annotation))
    return "condition" if name == "ConditionSpec" else name


def _without_none(annotation: Any) -> str:
    """``_type_text`` of an optional value without its ``None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join(_type_text(a) for a in typing.get_args(annotation) if a is not type(None))
    return _type_text(annotation)


def _spec_models(annotation: Any) -> list[type[BaseModel]]:
    """The spec models (not ``ConditionSpec``) a value annotation is made of."""
    from pydantic import BaseModel

    from pipeline.compliance.schema import ConditionSpec

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [] if annotation is ConditionSpec else [annotation]
    return [m for arg in typing.get_args(annotation) for m in _spec_models(arg)]


def default_text(info: FieldInfo) -> str:
    """``required``, or ``default X`` with the value a field takes when the YAML leaves it out
    (a ``default_factory``'s value too, not pydantic's ``PydanticUndefined`` marker)."""
    if info.is_required():
        return "required"
    return f"default {info.get_default(call_default_factory=True)!r}"


def field_lines(model: type[BaseModel], indent: str) -> list[str]:
    """One ``name: type (required | default X)`` line per field of a spec model."""
    return [
        f"{indent}{info.alias or name}: {_type_text(info.annotation)} ({default_text(info)})"
        for name, info in model.model_fields.items()
    ]


def operator_reference() -> list[str]:
    """One block per registered operator (key, kind and doc; its value's type and fields; the
    condition-level options it reads; an example), then the scope keys of every condition."""
    from pipeline.compliance.operators import OPERATORS
    from pipeline.compliance.schema import ConditionSpec

    lines: list[str] = []
    operator_fields: set[str] = set()
    for op in OPERATORS.values():
        value = ConditionSpec.model_fields[op.field_name].annotation
        operator_fields |= {op.field_name, *op.options}
        lines.append(f"{op.key} ({op.kind.name.lower()}): {op.doc}")
        lines.append(f"    value: {_without_none(value)}")
        for model in _spec_models(value):
            lines.extend(field_lines(model, "      "))
        for name in op.options:
            option = ConditionSpec.model_fields[name]
            lines.append(
                f"    with: {name}: {_type_text(option.annotation)} ({default_text(option)})"
            )
        lines.append(f"    example: {op.example}")
    lines.append("scope, on any condition:")
    for name, info in ConditionSpec.model_fields.items():
        if name not in operator_fields:
            lines.append(f"    {name}: {_without_none(info.annotation)}")
            for model in _spec_models(info.annotation):
                lines.extend(field_lines(model, "      "))
    return lines


def run_operators(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print every registered condition operator with its doc, fields and an example."""
    out = out or sys.stdout
    for line in operator_reference():
        print(line, file=out)
    return 0
