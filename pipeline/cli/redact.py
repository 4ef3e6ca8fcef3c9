"""``callsentry redact-text``: mask PII in text from stdin, write it to stdout."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``redact-text``."""
    parser = subparsers.add_parser(
        "redact-text",
        help="mask PII in text read from stdin",
        description="Read text from stdin and write it with PII masked. With --jsonl each line is "
        '{"id", "text", "lang"?} and gives {"id", "masked_text", "findings"} (no values).',
    )
    parser.add_argument("--lang", choices=("zh", "en", "auto"), default="auto")
    parser.add_argument("--jsonl", action="store_true", help="JSON lines in and out")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Mask stdin to stdout; exit 1 when a JSONL line is invalid (it is reported, not echoed)."""
    from pipeline.config import get_settings
    from pipeline.pii.stage import build_pii_stage

    stage = build_pii_stage(get_settings())
    if not args.jsonl:
        text = sys.stdin.read()
        sys.stdout.write(stage.redact_text(text, args.lang)[0])
        return 0
    status = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"]
            if not isinstance(text, str):
                raise TypeError("text is not a string")
        except (json.JSONDecodeError, KeyError, TypeError, RecursionError):
            print(
                f"redact-text: line {number}: expected a JSON object with a string 'text'",
                file=sys.stderr,
            )
            status = 1
            continue
        try:  # one line's failure must not stop the others (nor echo its text)
            masked, spans = stage.redact_text(
                text, str(item.get("lang") or args.lang), scope=str(item.get("id") or "")
            )
        except Exception as exc:
            print(f"redact-text: line {number}: {type(exc).__name__}: not masked", file=sys.stderr)
            sys.stdout.write(json.dumps({"id": item.get("id"), "error": "not masked"}) + "\n")
            status = 1
            continue
        out = {
            "id": item.get("id"),
            "masked_text": masked,
            "findings": [
                {
                    "entity_type": s.entity_type,
                    "start": s.start,
                    "end": s.end,
                    "score": round(s.score, 3),
                }
                for s in spans
            ],
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return status
