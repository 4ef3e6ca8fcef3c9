"""``callsentry console [--host 127.0.0.1] [--port 8700] [--out DIR] [--db URL]``: serve the
review console over the database and call folders of a run's output folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.cli.database import EXIT_NO_DATABASE, open_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700
EXIT_OK = 0
EXIT_CONFIG = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``console``."""
    console = subparsers.add_parser("console", help="serve the review console (web application)")
    console.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    console.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    console.add_argument(
        "--out", type=Path, metavar="DIR", help="the run's output folder (default: the setting)"
    )
    console.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: <out>/callsentry.db)"
    )
    console.set_defaults(func=console_command)


def console_command(args: argparse.Namespace) -> int:
    """Open the store and serve the console until interrupted."""
    import uvicorn

    from pipeline.config import get_settings
    from pipeline.console import create_app

    settings = get_settings()
    if args.out is not None:
        settings = settings.model_copy(update={"out_dir": args.out})
    if not settings.console_secret.get_secret_value():
        print(
            "the console needs a secret to sign sessions: set CALLSENTRY_CONSOLE_SECRET "
            "(e.g. to the output of: python -c 'import secrets; print(secrets.token_urlsafe(32))')",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    store = open_store(args.db or settings.resolved_database_url(), settings)
    if store is None:
        return EXIT_NO_DATABASE
    try:
        app = create_app(store, settings)
        print(f"callsentry console on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=False)
    finally:
        store.close()
    return EXIT_OK
