"""Alert rendering (masked only) and sinks: SMTP, ``.eml`` outbox, webhook.

The flow calls :func:`deliver_pending` with the sinks from :func:`sinks_from_settings`.
"""

from .base import AlertSink, MailSink
from .deliver import DeliveryReport, deliver_pending, sinks_from_settings
from .outbox import OutboxSink
from .render import DIGEST, IMMEDIATE, Notice, build_message, render_html, render_text
from .scan import UnmaskedPiiError, find_unmasked_pii
from .smtp import SmtpSink
from .webhook import WebhookSink

__all__ = [
    "DIGEST",
    "IMMEDIATE",
    "AlertSink",
    "DeliveryReport",
    "MailSink",
    "Notice",
    "OutboxSink",
    "SmtpSink",
    "UnmaskedPiiError",
    "WebhookSink",
    "build_message",
    "deliver_pending",
    "find_unmasked_pii",
    "render_html",
    "render_text",
    "sinks_from_settings",
]
