"""Deliver the store's pending alerts through the sinks and record what happened.

Per call of :func:`deliver_pending`: every pending alert at or above ``immediate_severity``
(critical by default) goes out as its own mail; the others go out together as one digest. Each
sink's delivery of each alert is recorded, so when one sink fails the alert stays ``pending``
and the next run resends it only through the sinks that have not delivered it yet: never lost,
never sent twice by the same sink (barring a crash between a send and its record, where the
mail may go out again: at-least-once). A message in which the scanner finds an unmasked value
is not sent and its alerts become ``failed`` with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models import Alert, severity_rank
from ..store.outbox import Outbox
from .base import AlertSink
from .outbox import OutboxSink
from .render import DIGEST, IMMEDIATE, Notice
from .scan import UnmaskedPiiError, find_unmasked_pii
from .smtp import SmtpSink
from .webhook import WebhookSink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryReport:
    """What :func:`deliver_pending` did."""

    sent: tuple[str, ...]  # alert keys now ``sent`` (delivered by every sink)
    retrying: tuple[str, ...]  # alert keys still ``pending`` after a failed attempt
    blocked: tuple[str, ...]  # alert keys made ``failed``: unmasked PII found
    messages: int  # notices transmitted, over all sinks
    errors: tuple[str, ...]  # one line per failed transmission (no PII)


def alert_text(alert: Alert) -> str:
    """The human-readable fields of an alert, for the scanner."""
    return "\n".join(
        str(v)
        for v in (alert.message, alert.evidence, alert.call_id, alert.agent_id, alert.rule_id)
        if v
    )


def sinks_from_settings(settings: Any, out_dir: Path | None = None) -> list[AlertSink]:
    """SMTP when ``smtp_host`` is set, otherwise the ``.eml`` outbox in ``out_dir`` (default
    ``settings.out_dir``); plus the webhook when ``webhook_url`` is set."""
    sinks: list[AlertSink] = []
    if settings.smtp_host:
        sinks.append(SmtpSink.from_settings(settings))
    else:
        sinks.append(OutboxSink(out_dir or settings.out_dir, settings.mail_from, settings.mail_to))
    if settings.webhook_url:
        sinks.append(WebhookSink(settings.webhook_url, timeout_s=settings.smtp_timeout_s))
    return sinks


def deliver_pending(
    outbox: Outbox,
    sinks: Sequence[AlertSink],
    *,
    run_id: str | None = None,
    summary: Sequence[tuple[str, str]] = (),
    immediate_severity: str = "critical",
    always_digest: bool = False,
) -> DeliveryReport:
    """Send the pending alerts (immediate mails, then one digest) and update their state.
    ``summary`` rows head the digest; with ``always_digest`` a digest goes out even with no
    alert (to report the run)."""
    blocked: list[str] = []
    candidates: list[Alert] = []
    for alert in outbox.pending():
        findings = find_unmasked_pii(alert_text(alert))
        if findings:
            outbox.mark_failed(
                alert.alert_key, f"blocked: unmasked PII: {'; '.join(findings)}", permanent=True
            )
            blocked.append(alert.alert_key)
        else:
            candidates.append(alert)

    threshold = severity_rank(immediate_severity)
    immediate = [a for a in candidates if severity_rank(a.severity) >= threshold]
    rest = [a for a in candidates if severity_rank(a.severity) < threshold]
    notices = [Notice(IMMEDIATE, (a,), run_id=run_id) for a in immediate]
    if rest or always_digest:
        notices.append(
            Notice(DIGEST, tuple(rest), run_id, tuple(summary), immediate_count=len(immediate))
        )

    messages, errors = 0, []
    for sink in sinks:
        down: str | None = None  # once a sink fails to transmit, don't try it again this call
        for notice in notices:
            todo = tuple(
                a
                for a in notice.alerts
                if a.alert_key not in blocked
                and sink.name not in outbox.delivered_sinks(a.alert_key)
            )
            if notice.alerts and not todo:
                continue
            if down is not None:
                for a in todo:
                    outbox.mark_failed(a.alert_key, down)
                continue
            part = Notice(notice.kind, todo, notice.run_id, notice.summary, notice.immediate_count)
            try:
                sink.send(part)
            except UnmaskedPiiError as exc:
                errors.append(str(exc))
                for a in todo:
                    outbox.mark_failed(a.alert_key, str(exc), permanent=True)
                    blocked.append(a.alert_key)
                continue
            except Exception as exc:  # any delivery failure: record it, retry next run
                down = f"{sink.name}: {type(exc).__name__}: {exc}"
                log.warning("alert delivery failed: %s", down)
                errors.append(down)
                for a in todo:
                    outbox.mark_failed(a.alert_key, down)
                continue
            messages += 1
            for a in todo:
                outbox.mark_delivered(a.alert_key, sink.name)

    sink_names = {s.name for s in sinks}
    sent, retrying = [], []
    for a in candidates:
        if a.alert_key in blocked:
            continue
        if sink_names and sink_names <= outbox.delivered_sinks(a.alert_key):
            outbox.mark_sent(a.alert_key)
            sent.append(a.alert_key)
        else:
            retrying.append(a.alert_key)
    return DeliveryReport(tuple(sent), tuple(retrying), tuple(blocked), messages, tuple(errors))
