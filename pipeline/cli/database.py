"""Opening the store for a command: one error line and exit code, not a traceback, when the
database cannot be opened (no server, no such database, a folder that cannot be made)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.store import Store

EXIT_NO_DATABASE = 2  # the exit code of every command that could not open its database


def open_store(url: str, settings: Settings, *, audit_key: bytes | None = None) -> Store | None:
    """The store at ``url`` (upgraded to the newest schema), or None after printing
    ``error: cannot open the database URL: PROBLEM`` (password hidden) on stderr."""
    from pipeline.store import DatabaseUnavailable, Store

    try:
        return Store(url, call_timezone=settings.timezone, audit_key=audit_key)
    except DatabaseUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
