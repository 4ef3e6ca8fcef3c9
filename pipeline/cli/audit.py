"""``callsentry audit verify [--db URL]``: check the audit log's hash chain."""

from __future__ import annotations

import argparse

EXIT_OK = 0
EXIT_TAMPERED = 1
EXIT_NO_DATABASE = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``audit verify``."""
    audit = subparsers.add_parser("audit", help="check the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser("verify", help="recompute the audit log's hash chain")
    verify.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: the configured database)"
    )
    verify.set_defaults(func=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """Print OK, or the first tampered entry and exit 1."""
    from pipeline.config import get_settings
    from pipeline.store import Store, sqlite_file

    settings = get_settings()
    url = args.db or settings.resolved_database_url()
    database = sqlite_file(url)
    if database is not None and not database.exists():
        print(f"no database at {database}")
        return EXIT_NO_DATABASE
    store = Store(url, call_timezone=settings.timezone)
    try:
        check = store.audit.verify()
    finally:
        store.close()
    if check.ok:
        print(f"OK: audit log intact ({check.entries} entries)")
        return EXIT_OK
    print(f"TAMPERED: audit entry seq={check.first_bad_seq}: {check.reason}")
    return EXIT_TAMPERED
