"""``callsentry db upgrade [--db URL]``: bring the database to the newest schema.

Every command that opens the database upgrades it too; this one does it on its own, e.g. before
starting workers on many hosts, and says what it did.
"""

from __future__ import annotations

import argparse

from pipeline.cli.database import EXIT_NO_DATABASE, open_store

EXIT_OK = 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``db upgrade``."""
    db = subparsers.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="apply the schema migrations (Alembic)")
    upgrade.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: the configured database)"
    )
    upgrade.set_defaults(func=upgrade_command)


def upgrade_command(args: argparse.Namespace) -> int:
    """Apply every missing migration and print the revision before and after (exit 2 when
    the database cannot be opened)."""
    from pipeline.config import get_settings
    from pipeline.store.keys import load_audit_key

    settings = get_settings()
    url = args.db or settings.resolved_database_url()
    store = open_store(url, settings, audit_key=load_audit_key(settings))
    if store is None:
        return EXIT_NO_DATABASE
    try:
        result = store.upgraded
    finally:
        store.close()
    if not result.changed:
        print(f"database at revision {result.after} (newest): nothing to do")
    else:
        legacy = " (a callsentry 0.1.0 database)" if result.stamped_legacy else ""
        print(f"database upgraded from {result.before or 'empty'}{legacy} to {result.after}")
    return EXIT_OK
