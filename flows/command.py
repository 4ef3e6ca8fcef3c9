"""``callsentry run`` and ``callsentry serve``: the batch flow from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``run`` and ``serve``."""
    run_parser = subparsers.add_parser(
        "run",
        help="check recordings (files or folders) in one batch and print a summary",
        description=(
            "Runs the compliance batch flow over the recordings: masked transcripts, reports, "
            "the database and the alert outbox go to --out. Uses the Prefect server at "
            "PREFECT_API_URL, or a temporary local one. Exit 0 even when calls break rules; "
            "non-zero only when the run itself failed."
        ),
    )
    run_parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    run_parser.add_argument("--out", type=Path, default=None, help="output folder")
    run_parser.add_argument("--model", default=None, help="base | tiny.en | name | .pt path")
    run_parser.add_argument("--language", choices=("auto", "zh", "en"), default=None)
    run_parser.add_argument("--rules", type=Path, default=None, help="rule pack folder")
    run_parser.set_defaults(func=run)

    serve_parser = subparsers.add_parser(
        "serve",
        help="register the scheduled deployment and serve it (Prefect UI shows it)",
        description=(
            "Registers the 'compliance-batch/nightly' deployment on CALLSENTRY_SCHEDULE_CRON "
            "(default 02:00 Asia/Shanghai) over CALLSENTRY_RECORDINGS_DIR and runs the flows "
            "it schedules until stopped (Ctrl-C)."
        ),
    )
    serve_parser.add_argument("--cron", default=None, help="override the cron schedule")
    serve_parser.add_argument("--recordings", type=Path, default=None, help="folder to check")
    serve_parser.set_defaults(func=serve)


def run(args: argparse.Namespace) -> int:
    """Run the batch flow and print its summary table."""
    from flows.batch import compliance_batch

    summary = compliance_batch(
        sources=[str(p) for p in args.paths],
        out_dir=None if args.out is None else str(args.out),
        model=args.model,
        language=args.language,
        rules_dir=None if args.rules is None else str(args.rules),
    )
    print(summary.to_text())
    return 0


def serve(args: argparse.Namespace) -> int:
    """Register the deployment with its schedule and serve it until interrupted."""
    from prefect import serve as prefect_serve

    from flows.deploy import build_deployment
    from pipeline.config import get_settings

    settings = get_settings()
    updates = {}
    if args.cron:
        updates["schedule_cron"] = args.cron
    if args.recordings:
        updates["recordings_dir"] = args.recordings
    settings = settings.model_copy(update=updates)
    prefect_serve(build_deployment(settings))
    return 0
