"""The audit chain's head, anchored outside the database: a signed file next to the outputs
(and a line in the digest mail). A chain cut back below the anchored head no longer reaches it,
which the chain alone could not show.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.store.audit import key_id, timestamp_text
from pipeline.store.schema import utc_now

HEAD_FILE_NAME = "audit-head.json"


class AnchorError(ValueError):
    """The head file is unreadable, not signed with the configured key, or altered."""


@dataclass(frozen=True)
class AnchoredHead:
    """The newest audit entry as anchored at some moment."""

    seq: int
    hash: str
    at: datetime  # when it was anchored


def _mac(key: bytes, seq: int, digest: str, at: str) -> str:
    message = f"{seq}:{digest}:{at}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def write_head(path: Path, seq: int, digest: str, key: bytes) -> AnchoredHead:
    """Write (atomically) the signed head file; returns what it holds."""
    at = utc_now()
    body = {
        "seq": seq,
        "hash": digest,
        "at": timestamp_text(at),
        "key_id": key_id(key),
        "mac": _mac(key, seq, digest, timestamp_text(at)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(body, handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return AnchoredHead(seq, digest, at)


def read_head(path: Path, key: bytes) -> AnchoredHead:
    """The anchored head in ``path``; AnchorError when it cannot be trusted."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        seq, digest, at = int(body["seq"]), str(body["hash"]), str(body["at"])
        mac = str(body["mac"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise AnchorError(f"{path}: unreadable audit head ({exc})") from exc
    if body.get("key_id") != key_id(key):
        raise AnchorError(f"{path}: signed with another key ({body.get('key_id')})")
    if not hmac.compare_digest(mac, _mac(key, seq, digest, at)):
        raise AnchorError(f"{path}: the signature does not match its content (altered)")
    return AnchoredHead(seq, digest, datetime.fromisoformat(at))
