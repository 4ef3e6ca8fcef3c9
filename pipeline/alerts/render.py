"""Alert mails: one digest per run and one mail per critical alert, plain text and HTML.

Only masked data goes in: alerts carry masked evidence, and every value is HTML-escaped in the
HTML part. The sinks scan the finished message with :func:`~pipeline.alerts.scan.find_unmasked_pii`
before sending it. Text tables use `` | `` between columns so that adjacent numbers never read
as one long digit run.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..models import SEVERITIES, Alert, severity_rank
from ..outputs import format_mmss

SUBJECT_PREFIX = "[callsentry]"
DIGEST = "digest"
IMMEDIATE = "immediate"


@dataclass(frozen=True)
class Notice:
    """One message to deliver: a run digest or an immediate alert."""

    kind: str  # DIGEST or IMMEDIATE
    alerts: tuple[Alert, ...]
    run_id: str | None = None
    # (label, value) rows shown above the alerts, e.g. ("calls processed", "12")
    summary: tuple[tuple[str, str], ...] = ()
    # alerts of the same run already mailed on their own (listed by count only)
    immediate_count: int = 0

    @property
    def keys(self) -> tuple[str, ...]:
        """The alert keys in this notice."""
        return tuple(a.alert_key for a in self.alerts)


def subject(notice: Notice) -> str:
    """The mail subject."""
    if notice.kind == IMMEDIATE and notice.alerts:
        a = notice.alerts[0]
        what = a.rule_id or a.kind
        where = f" in call {a.call_id}" if a.call_id else ""
        return f"{SUBJECT_PREFIX} {a.severity.upper()}: {what}{where}"
    counts = Counter(a.severity for a in notice.alerts)
    worst = max(counts, key=severity_rank, default="info")
    run = f" run {notice.run_id}" if notice.run_id else ""
    return (
        f"{SUBJECT_PREFIX} Digest{run}: {len(notice.alerts)} alert(s), "
        f"highest {worst.upper() if notice.alerts else 'none'}"
    )


def _time(a: Alert) -> str:
    return "" if a.time_in_call is None else format_mmss(a.time_in_call)


def _alert_fields(a: Alert) -> list[tuple[str, str]]:
    return [
        ("Call", a.call_id or "(batch)"),
        ("Agent", a.agent_id or "-"),
        ("Time in call", _time(a) or "-"),
        ("Rule", a.rule_id or a.kind),
        ("Severity", a.severity),
        ("Kind", a.kind),
        ("Message", a.message),
        ("Evidence (masked)", a.evidence or "-"),
    ]


def _sorted(alerts: Sequence[Alert]) -> list[Alert]:
    return sorted(
        alerts,
        key=lambda a: (-severity_rank(a.severity), a.call_id or "", a.time_in_call or 0.0),
    )


def render_text(notice: Notice) -> str:
    """The plain-text body."""
    lines = [subject(notice), ""]
    if notice.summary:
        lines.append("Summary")
        lines.extend(f"  {label}: {value}" for label, value in notice.summary)
        lines.append("")
    if notice.kind == DIGEST:
        counts = Counter((a.kind, a.severity) for a in notice.alerts)
        if counts:
            lines.append("Alerts by kind and severity")
            lines.append("  kind | severity | count")
            for (kind, severity), count in sorted(
                counts.items(), key=lambda kv: (kv[0][0], -severity_rank(kv[0][1]))
            ):
                lines.append(f"  {kind} | {severity} | {count}")
            lines.append("")
        if notice.immediate_count:
            lines.append(f"Critical alerts mailed separately: {notice.immediate_count}")
            lines.append("")
    for i, a in enumerate(_sorted(notice.alerts), start=1):
        lines.append(f"#{i}")
        lines.extend(f"  {label}: {value}" for label, value in _alert_fields(a))
        lines.append("")
    lines.append("Evidence is masked. Open the call in callsentry's output folder to review it.")
    return "\n".join(lines) + "\n"


def render_html(notice: Notice) -> str:
    """The HTML body; every value is escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{e(subject(notice))}</title></head><body style='font-family:sans-serif'>",
        f"<h2>{e(subject(notice))}</h2>",
    ]
    if notice.summary:
        parts.append("<h3>Summary</h3><table border='1' cellpadding='4' cellspacing='0'>")
        parts.extend(
            f"<tr><th align='left'>{e(label)}</th><td>{e(value)}</td></tr>"
            for label, value in notice.summary
        )
        parts.append("</table>")
    if notice.kind == DIGEST and notice.alerts:
        counts = Counter((a.kind, a.severity) for a in notice.alerts)
        parts.append("<h3>Alerts by kind and severity</h3>")
        parts.append("<table border='1' cellpadding='4' cellspacing='0'>")
        parts.append("<tr><th>Kind</th><th>Severity</th><th>Count</th></tr>")
        for (kind, severity), count in sorted(
            counts.items(), key=lambda kv: (kv[0][0], -severity_rank(kv[0][1]))
        ):
            parts.append(f"<tr><td>{e(kind)}</td><td>{e(severity)}</td><td>{count}</td></tr>")
        parts.append("</table>")
    if notice.kind == DIGEST and notice.immediate_count:
        parts.append(f"<p>Critical alerts mailed separately: {notice.immediate_count}</p>")
    if notice.alerts:
        header = "".join(f"<th>{e(label)}</th>" for label, _ in _alert_fields(notice.alerts[0]))
        parts.append("<h3>Alerts</h3><table border='1' cellpadding='4' cellspacing='0'>")
        parts.append(f"<tr>{header}</tr>")
        for a in _sorted(notice.alerts):
            cells = "".join(f"<td>{e(value)}</td>" for _, value in _alert_fields(a))
            parts.append(f"<tr class='sev-{e(a.severity)}'>{cells}</tr>")
        parts.append("</table>")
    parts.append("<p><small>Evidence is masked.</small></p></body></html>")
    return "\n".join(parts) + "\n"


def build_message(notice: Notice, mail_from: str, mail_to: Sequence[str]) -> EmailMessage:
    """A multipart/alternative message (text, then HTML) for ``notice``."""
    msg = EmailMessage()
    msg["Subject"] = subject(notice)
    msg["From"] = mail_from
    msg["To"] = ", ".join(mail_to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="callsentry.local")
    msg["X-Callsentry-Kind"] = notice.kind
    worst = max((a.severity for a in notice.alerts), key=severity_rank, default=SEVERITIES[0])
    msg["X-Callsentry-Severity"] = worst
    if notice.run_id:
        msg["X-Callsentry-Run"] = notice.run_id
    msg.set_content(render_text(notice))
    msg.add_alternative(render_html(notice), subtype="html")
    return msg


def message_text(msg: EmailMessage) -> str:
    """Subject and every text part of ``msg``, decoded: what the PII scanner reads."""
    texts = [str(msg.get("Subject", ""))]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            texts.append(part.get_content())
    return "\n".join(texts)
