"""``callsentry users add NAME --role reviewer|supervisor|auditor|admin [--db URL]``: add a
console user. The password is read from stdin (one line; typed twice when stdin is a terminal)
and stored as an argon2id hash."""

from __future__ import annotations

import argparse
import getpass
import sys

from pipeline.cli.database import EXIT_NO_DATABASE, open_store

EXIT_OK = 0
EXIT_FAILED = 1
# pipeline.store.schema.Role's values (not imported here, so that --help stays light)
ROLE_NAMES = ("reviewer", "supervisor", "auditor", "admin")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``users add``."""
    users = subparsers.add_parser("users", help="console users")
    actions = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add a user (password on stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLE_NAMES)
    add.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: the configured database)"
    )
    add.set_defaults(func=add_command)


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def add_command(args: argparse.Namespace) -> int:
    """Create the user; print what was done (never the password); exit 2 when the database
    cannot be opened."""
    from pipeline.config import get_settings
    from pipeline.store import Role

    settings = get_settings()
    store = open_store(args.db or settings.resolved_database_url(), settings)
    if store is None:
        return EXIT_NO_DATABASE
    try:
        user = store.users.add(
            args.name, Role(args.role), _read_password(), actor=f"cli:{getpass.getuser()}"
        )
    except ValueError as exc:
        print(f"not added: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        store.close()
    print(f"user {user.name} added with role {user.role}")
    return EXIT_OK
