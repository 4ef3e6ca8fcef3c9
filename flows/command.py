"""``callsentry run`` and ``callsentry serve``: the batch flow from the command line."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings

log = logging.getLogger(__name__)

EXIT_OK = 0  # the run finished (calls may still have broken rules)
EXIT_RUN_FAILED = 1  # the run itself failed (Python's exit status for an uncaught error)
EXIT_CANNOT_START = 2  # bad settings or rules: nothing was checked
EXIT_ALERTS_UNDELIVERED = 3  # the run finished, but alerts could not be delivered (queued)


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
    run_parser.add_argument(
        "--asr-backend", choices=("openai-whisper", "faster-whisper"), default=None
    )
    run_parser.add_argument(
        "--cdr",
        type=Path,
        default=None,
        metavar="FILE",
        help="call-detail records (CSV) of the batch: registered numbers, calling hours, "
        "contact caps, calls after a refusal",
    )
    run_parser.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes checking calls at once (1 = in this process; auto = what suits "
        "this machine: 2 on 2 cores, 16 x 2 threads on 32 cores)",
    )
    run_parser.add_argument(
        "--dask-address",
        default=None,
        metavar="tcp://HOST:PORT",
        help="check the calls on an existing Dask cluster (workers started with `dask worker`)",
    )
    run_parser.set_defaults(func=run)

    serve_parser = subparsers.add_parser(
        "serve",
        help="register the scheduled deployment and serve it (Prefect UI shows it)",
        description=(
            "Registers the 'compliance-batch/nightly' deployment on CALLSENTRY_SCHEDULE_CRON "
            "(default 02:00 Asia/Shanghai) over CALLSENTRY_RECORDINGS_DIR and runs the flows "
            "it schedules until stopped (Ctrl-C). With --pool, registers them on a work pool "
            "instead and returns."
        ),
    )
    serve_parser.add_argument("--cron", default=None, help="override the cron schedule")
    serve_parser.add_argument("--recordings", type=Path, default=None, help="folder to check")
    serve_parser.add_argument(
        "--pool",
        default=None,
        metavar="NAME",
        help="register the deployments on the Prefect work pool NAME (type process, created "
        "if missing) and return; `prefect worker start --pool NAME` processes run them",
    )
    serve_parser.add_argument(
        "--shards",
        type=int,
        default=None,
        metavar="K",
        help="with --pool: shard runs the nightly run is split into (CALLSENTRY_POOL_SHARDS)",
    )
    serve_parser.set_defaults(func=serve)


def _workers(text: str) -> int:
    from flows.runners import parse_workers

    try:
        return parse_workers(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Check the settings and rule packs, run the batch flow, print its summary table."""
    from pipeline.preflight import PreflightError, load_settings, preflight

    overrides = {
        "out_dir": None if args.out is None else str(args.out),
        "model": args.model,
        "language": args.language,
        "rules_dir": None if args.rules is None else str(args.rules),
        "asr_backend": args.asr_backend,
    }
    try:  # before Prefect starts: a run that would check nothing fails at once
        preflight(load_settings(**overrides))
    except PreflightError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_CANNOT_START
    cdr = getattr(args, "cdr", None)
    if cdr is not None:  # a CDR, registry or calendar that cannot be read stops the run here
        from pipeline.records.batch import load_batch_records
        from pipeline.records.cdr import CdrError

        try:
            load_batch_records(cdr, load_settings(**overrides))
        except CdrError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_CANNOT_START

    from flows.progress import quiet_console

    quiet_console()  # one line per call on the terminal; every log stays in Prefect
    from flows.batch import compliance_batch
    from flows.server import prefect_api

    settings = load_settings(**overrides)
    try:
        with prefect_api(Path(settings.out_dir) / "logs" / "prefect-server.log"):
            summary = compliance_batch(
                sources=[str(p) for p in args.paths],
                cdr=None if cdr is None else str(cdr),
                workers=args.workers,
                dask_address=args.dask_address,
                **overrides,
            )
    except Exception as exc:  # the flow run is marked failed in Prefect and in the database
        log.exception("the run failed")
        print(f"error: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    print(summary.to_text())
    return EXIT_ALERTS_UNDELIVERED if summary.alerts_failed else EXIT_OK


def serve(args: argparse.Namespace) -> int:
    """Register the deployments with their schedules and serve them until interrupted, or,
    with ``--pool``, register them on a work pool and return."""
    from prefect import serve as prefect_serve

    from pipeline.preflight import PreflightError, load_settings, preflight, schedule_problems

    pool = getattr(args, "pool", None)
    try:  # a schedule that would check nothing every night is refused now
        settings = load_settings(
            schedule_cron=args.cron,
            recordings_dir=args.recordings,
            pool_shards=getattr(args, "shards", None),
        )
        preflight(settings)
        problems = schedule_problems(settings)
        if problems:
            raise PreflightError(problems)
    except PreflightError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_CANNOT_START
    if pool is not None:
        return _deploy_to_pool(settings, pool)

    from flows.deploy import build_deployments

    prefect_serve(*build_deployments(settings))
    return EXIT_OK


def _deploy_to_pool(settings: Settings, pool: str) -> int:
    """``serve --pool``: the deployments on the pool of a permanent Prefect server."""
    import os

    from prefect.settings import PREFECT_API_URL

    if not (os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()):
        print(
            "error: serve --pool needs a permanent Prefect server: set PREFECT_API_URL "
            "(the workers use the same one)",
            file=sys.stderr,
        )
        return EXIT_CANNOT_START
    from flows.pool import deploy_to_pool

    for name in deploy_to_pool(settings, pool, settings.pool_shards):
        print(f"registered {name} on work pool {pool!r}")
    print(f"start workers on any host with: prefect worker start --pool {pool}")
    return EXIT_OK
