"""``callsentry check-transcript``: PII, rules and masking on existing transcript JSON files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_SOME_FAILED = 1  # a file could not be read (the others were checked)
EXIT_CANNOT_START = 2  # bad settings, or no rule to check with


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``check-transcript``."""
    parser = subparsers.add_parser(
        "check-transcript",
        help="check transcript JSON files (from any ASR) for PII and rule violations",
        description=(
            "Reads transcripts in callsentry's JSON format and prints one masked report per "
            "call: score, violations (with masked evidence), PII findings (type, offsets, "
            "time span; never the value) and the masked segments."
        ),
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--rules", type=Path, default=None, help="rule pack folder")
    parser.add_argument("--format", choices=("json", "jsonl"), default="json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every file; a bad file is reported on stderr and the others go on."""
    from pipeline.analysis import CallAnalyzer
    from pipeline.models import Transcript
    from pipeline.preflight import PreflightError, load_settings, rule_problems

    try:
        settings = load_settings()
    except PreflightError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_CANNOT_START
    analyzer = CallAnalyzer.from_settings(settings, rules_dir=args.rules)
    fatal = rule_problems(analyzer.rulebook, args.rules or settings.rules_dir, ())
    for line in fatal:
        print(f"error: {line}", file=sys.stderr)
    if fatal:
        return EXIT_CANNOT_START
    for problem in analyzer.rulebook.problems:
        rule = f" rule {problem.rule_id}:" if problem.rule_id else ""
        print(f"warning: skipped {problem.file}:{rule} {problem.problem}", file=sys.stderr)

    reports: list[dict] = []
    failed = 0
    for path in args.files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            transcript = Transcript.from_dict(data, source=str(path))
        except (
            OSError,
            UnicodeDecodeError,
            json.JSONDecodeError,
            ValueError,
            RecursionError,
        ) as exc:
            message = str(exc) if str(path) in str(exc) else f"{path}: {type(exc).__name__}: {exc}"
            print(f"error: {message}", file=sys.stderr)
            failed += 1
            continue
        try:  # one file's failure must not stop the others
            checked = analyzer.analyze(transcript)
            report = checked.to_dict()
            line = json.dumps(report, ensure_ascii=False, allow_nan=False)
        except Exception as exc:
            print(f"error: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed += 1
            continue
        for warning in checked.warnings:
            print(f"warning: {path}: {warning}", file=sys.stderr)
        if args.format == "jsonl":
            print(line, flush=True)
        else:
            reports.append(report)
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=2, allow_nan=False))
    return EXIT_SOME_FAILED if failed else EXIT_OK
