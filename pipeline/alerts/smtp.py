"""SMTP sink: standard-library smtplib, plain / STARTTLS / implicit TLS, optional login."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from .base import MailSink
from .render import Notice

SECURITY_MODES = ("none", "starttls", "ssl")
DEFAULT_TIMEOUT_S = 10.0


class SmtpSink(MailSink):
    """Sends each notice as one mail through an SMTP relay (a new connection per mail)."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        mail_from: str,
        mail_to: Sequence[str],
        *,
        security: str = "none",
        username: str | None = None,
        password: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"smtp security {security!r}: expected one of {SECURITY_MODES}")
        if not mail_to:
            raise ValueError("SMTP sink: no recipients (set CALLSENTRY_MAIL_TO)")
        super().__init__(mail_from, mail_to)
        self.host, self.port, self.security = host, port, security
        self.username, self.password = username, password
        self.timeout_s = timeout_s
        self.ssl_context = ssl_context

    @classmethod
    def from_settings(cls, settings: Any) -> SmtpSink:
        """The sink described by ``settings`` (``smtp_host`` must be set)."""
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.mail_from,
            settings.mail_to,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            timeout_s=settings.smtp_timeout_s,
        )

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.security == "starttls":
            client.starttls(context=context)
        return client

    def transmit(self, payload: EmailMessage, notice: Notice) -> None:
        """Send the mail; smtplib / OSError exceptions propagate to the caller."""
        with self._connect() as client:
            if self.username:
                client.login(self.username, self.password or "")
            refused = client.send_message(payload, from_addr=self.mail_from, to_addrs=self.mail_to)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
