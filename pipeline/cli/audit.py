"""``callsentry audit verify [--db URL] [--head FILE]``: check the audit log.

Three checks: the keyed hash chain (an edited, inserted or deleted entry, or one written without
the audit key), the anchored head (a chain cut back below the head signed at the end of the
last run), and the stored calls and alerts against what the log recorded about them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.cli.database import EXIT_NO_DATABASE, open_store

EXIT_OK = 0
EXIT_TAMPERED = 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``audit verify``."""
    audit = subparsers.add_parser("audit", help="check the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = audit_sub.add_parser(
        "verify", help="check the audit chain, its anchored head and the stored rows"
    )
    verify.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: the configured database)"
    )
    verify.add_argument(
        "--head",
        type=Path,
        metavar="FILE",
        help="the signed head file (default: CALLSENTRY_AUDIT_HEAD_FILE or <out>/audit-head.json)",
    )
    verify.set_defaults(func=verify_command)


def verify_command(args: argparse.Namespace) -> int:
    """Print OK, or every problem found and exit 1; exit 2 when the database cannot be opened."""
    from pipeline.config import get_settings
    from pipeline.store import sqlite_file
    from pipeline.store.keys import load_audit_key

    settings = get_settings()
    url = args.db or settings.resolved_database_url()
    database = sqlite_file(url)
    if database is not None and not database.exists():
        print(f"no database at {database}")
        return EXIT_NO_DATABASE
    head_file = args.head or settings.resolved_audit_head_file()
    store = open_store(url, settings, audit_key=load_audit_key(settings))
    if store is None:
        return EXIT_NO_DATABASE
    try:
        report = store.check_integrity(head_file)
    finally:
        store.close()
    if report.ok:
        anchored = (
            f"anchored head {report.anchored.seq} matches ({head_file})"
            if report.anchored
            else f"no anchored head at {head_file}: a cut-off end of the log cannot be seen"
        )
        print(f"OK: audit log intact ({report.chain.entries} entries); {anchored}")
        print("OK: stored calls and alerts match the audit log")
        return EXIT_OK
    chain = report.chain
    if not chain.ok:
        where = f"audit entry seq={chain.first_bad_seq}: " if chain.first_bad_seq else ""
        print(f"TAMPERED: {where}{chain.reason}")
    if report.anchor:
        print(f"TAMPERED: {report.anchor}")
    for problem in report.rows:
        print(f"TAMPERED: {problem}")
    return EXIT_TAMPERED
