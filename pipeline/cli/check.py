"""``callsentry check-transcript``: PII, rules and masking on existing transcript JSON files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


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
    from pipeline.config import get_settings
    from pipeline.models import Transcript

    analyzer = CallAnalyzer.from_settings(get_settings(), rules_dir=args.rules)
    for problem in analyzer.rulebook.problems:
        rule = f" rule {problem.rule_id}:" if problem.rule_id else ""
        print(f"warning: skipped {problem.file}:{rule} {problem.problem}", file=sys.stderr)

    reports: list[dict] = []
    failed = 0
    for path in args.files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            transcript = Transcript.from_dict(data, source=str(path))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
            message = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
            print(f"error: {message}", file=sys.stderr)
            failed += 1
            continue
        report = analyzer.analyze(transcript).to_dict()
        if args.format == "jsonl":
            print(json.dumps(report, ensure_ascii=False), flush=True)
        else:
            reports.append(report)
    if args.format == "json":
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    return 1 if failed else 0
