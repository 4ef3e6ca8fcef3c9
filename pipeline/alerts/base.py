"""The alert sink base class: render, scan for unmasked PII, transmit."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from .render import Notice, build_message, message_text
from .scan import UnmaskedPiiError, find_unmasked_pii


class AlertSink(ABC):
    """Somewhere alerts go. :meth:`send` renders a notice, refuses it if the scanner finds an
    unmasked value (:class:`UnmaskedPiiError`), and transmits it; any other exception means a
    delivery failure the caller records and retries later."""

    name: str = "sink"  # recorded per alert in the store: which sinks have delivered it

    def send(self, notice: Notice) -> None:
        """Deliver one notice or raise."""
        payload, text = self.render(notice)
        findings = find_unmasked_pii(text)
        if findings:
            raise UnmaskedPiiError(self.name, findings)
        self.transmit(payload, notice)

    @abstractmethod
    def render(self, notice: Notice) -> tuple[Any, str]:
        """The payload to transmit, and all of its human-readable text for the scanner."""

    @abstractmethod
    def transmit(self, payload: Any, notice: Notice) -> None:
        """Send the payload; raise on failure."""


class MailSink(AlertSink):
    """A sink that sends e-mail messages (SMTP, or the .eml outbox)."""

    def __init__(self, mail_from: str, mail_to: Sequence[str]) -> None:
        self.mail_from = mail_from
        self.mail_to = list(mail_to)

    def render(self, notice: Notice) -> tuple[EmailMessage, str]:
        """A multipart/alternative mail and its decoded text."""
        msg = build_message(notice, self.mail_from, self.mail_to or ["compliance@localhost"])
        return msg, message_text(msg)
