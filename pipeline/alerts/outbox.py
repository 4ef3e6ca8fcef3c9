"""Outbox sink: alert mails written as ``.eml`` files when no SMTP server is configured."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from ..outputs import atomic_write_bytes
from .base import MailSink
from .render import Notice

OUTBOX_DIRNAME = "outbox"


class OutboxSink(MailSink):
    """Writes each notice to ``<out>/outbox/<kind>-<run>-<hash of alert keys>.eml``. The name
    depends only on the notice, so writing the same notice again replaces the file."""

    name = "outbox"

    def __init__(self, out_dir: Path, mail_from: str, mail_to: Sequence[str] = ()) -> None:
        super().__init__(mail_from, mail_to)
        self.directory = Path(out_dir) / OUTBOX_DIRNAME

    def path_for(self, notice: Notice) -> Path:
        """Where this notice is written."""
        digest = hashlib.sha256("|".join(sorted(notice.keys)).encode()).hexdigest()[:16]
        run = f"-{notice.run_id}" if notice.run_id else ""
        safe_run = "".join(c if c.isalnum() or c in "-_" else "_" for c in run)
        return self.directory / f"{notice.kind}{safe_run}-{digest}.eml"

    def transmit(self, payload: EmailMessage, notice: Notice) -> None:
        """Write the mail atomically."""
        atomic_write_bytes(self.path_for(notice), payload.as_bytes(policy=SMTP))
