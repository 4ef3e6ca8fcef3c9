"""``callsentry retention apply [--dry-run] [--db URL]``: delete what has outlived its period.

Deletes the redacted recordings, masked transcript files and stored calls with their findings
that are older than ``CALLSENTRY_RETENTION_REDACTED_AUDIO_DAYS``, ``..._TRANSCRIPTS_DAYS`` and
``..._FINDINGS_DAYS`` (unset, the default: kept for ever), each deletion with an audit entry.
The scheduled deployment ``retention/daily`` (``callsentry serve``) runs the same.
"""

from __future__ import annotations

import argparse

from pipeline.cli.database import EXIT_NO_DATABASE, open_store

EXIT_OK = 0
EXIT_BAD_SETTINGS = 2


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``retention apply``."""
    retention = subparsers.add_parser("retention", help="data retention")
    actions = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    apply = actions.add_parser(
        "apply", help="delete expired redacted audio, transcripts and findings (audited)"
    )
    apply.add_argument("--dry-run", action="store_true", help="list, delete nothing")
    apply.add_argument(
        "--db", metavar="URL", help="SQLAlchemy URL (default: the configured database)"
    )
    apply.set_defaults(func=apply_command)


def apply_command(args: argparse.Namespace) -> int:
    """Apply the retention settings; print one line per deletion and a total (exit 2 on bad
    settings or a database that cannot be opened)."""
    from pipeline.config import get_settings
    from pipeline.redaction.lifecycle import apply_retention, check_retention, retention_days
    from pipeline.store.keys import load_audit_key

    settings = get_settings()
    try:
        check_retention(settings)
    except ValueError as exc:
        print(f"error: {exc}")
        return EXIT_BAD_SETTINGS
    periods = {k.value: d for k, d in retention_days(settings).items() if d is not None}
    if not periods:
        print("no retention period is set (CALLSENTRY_RETENTION_*_DAYS): nothing is deleted")
        return EXIT_OK
    url = args.db or settings.resolved_database_url()
    store = open_store(url, settings, audit_key=load_audit_key(settings))
    if store is None:
        return EXIT_NO_DATABASE
    try:
        done = apply_retention(store, settings, dry_run=args.dry_run)
    finally:
        store.close()
    verb = "would delete" if args.dry_run else "deleted"
    for deletion in done:
        print(f"{verb} {deletion.kind.value} of {deletion.call_id}")
    shown = ", ".join(f"{kind} after {days} days" for kind, days in periods.items())
    print(f"{len(done)} deletion(s) ({shown})")
    return EXIT_OK
