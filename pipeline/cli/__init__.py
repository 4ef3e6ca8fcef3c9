"""The ``callsentry`` command.

Each subcommand is a module of this package exposing ``add_parser(subparsers)``, which registers
the subcommand and sets ``func`` (``args -> exit code``). Command modules keep heavy imports
(torch, Presidio, Prefect) inside their functions so ``--help`` stays fast. The ``run`` and
``serve`` commands live in ``flows/command.py`` because they drive Prefect; the library modules
under ``pipeline/`` never import it (it is loaded by name, here only).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Modules that register subcommands, in the order they appear in --help.
COMMAND_MODULES: tuple[str, ...] = (
    "flows.command",  # run, serve
    "pipeline.cli.transcribe",  # transcribe
    "pipeline.cli.check",  # check-transcript
    "pipeline.cli.redact",  # redact-text
    "pipeline.cli.rules",  # rules test | lint | operators
    "pipeline.cli.audit",  # audit verify
    "pipeline.cli.db",  # db upgrade
    "pipeline.cli.weights",  # weights prepare
    "pipeline.cli.users",  # users add
    "pipeline.cli.console",  # console
    "pipeline.cli.retention",  # retention apply
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="callsentry",
        description="Speech compliance monitoring for bank call centres (offline).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``callsentry`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:  # per-request lines of the Prefect client drown the run's own
        logging.getLogger("httpx").setLevel(logging.WARNING)
        # Alembic announces each plugin it sets up, before every command that opens the database
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
