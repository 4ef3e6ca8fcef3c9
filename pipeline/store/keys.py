"""The audit key: kept outside the database, so that the audit chain cannot be recomputed by
whoever can write to the database.

``CALLSENTRY_AUDIT_KEY`` (from the bank's secret store) wins. Without it, a random key is kept
in ``CALLSENTRY_AUDIT_KEY_FILE`` (default ``~/.config/callsentry/audit.key``, mode 0600), made on
first use. Every host that writes to one database needs the same key; keep a copy in a safe
place: without it, the chain can no longer be verified.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEY_BYTES = 32  # of a generated key
KEY_FILE_MODE = 0o600


def load_audit_key(settings: Any) -> bytes:
    """The key from ``settings.audit_key``, else from (or into) ``settings.audit_key_file``."""
    configured = settings.audit_key.get_secret_value() if settings.audit_key else ""
    if configured:
        return configured.encode("utf-8")
    path = Path(settings.audit_key_file).expanduser()
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise ValueError(f"audit key file {path} is empty")
        return key.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    log.warning(
        "created a new audit key in %s: keep a copy outside this machine, and set "
        "CALLSENTRY_AUDIT_KEY from your secret store in production",
        path,
    )
    return key.encode("utf-8")
