"""``callsentry weights prepare [NAME...]``: convert the packaged Whisper weights into the cache.

The set-up step (``make``) runs it once; a later run finds the converted, checksummed weights
in ``CALLSENTRY_MODEL_DIR`` and never converts or downloads anything.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``weights prepare``."""
    from pipeline.asr.weights import OFFLINE_SOURCES

    weights = subparsers.add_parser("weights", help="offline Whisper weights")
    actions = weights.add_subparsers(dest="weights_command", metavar="ACTION", required=True)
    prepare = actions.add_parser("prepare", help="convert offline Whisper weights into the cache")
    prepare.add_argument(
        "names",
        nargs="*",
        choices=sorted(OFFLINE_SOURCES),
        metavar="NAME",
        help=f"models ({', '.join(OFFLINE_SOURCES)}; default base)",
    )
    prepare.add_argument("--model-dir", type=Path, default=None, help="cache folder")
    prepare.set_defaults(func=prepare_command)


def prepare_command(args: argparse.Namespace) -> int:
    """Convert and verify each named model; print where it is."""
    from pipeline.asr.weights import WeightsUnavailableError, prepare
    from pipeline.config import get_settings

    model_dir = args.model_dir or get_settings().model_dir
    try:
        for path in prepare(args.names or ["base"], model_dir):
            print(f"ok {path}")
    except (WeightsUnavailableError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
