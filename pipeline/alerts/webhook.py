"""Webhook sink: each notice as a JSON POST (standard-library urllib)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from .base import AlertSink
from .render import Notice, subject

DEFAULT_TIMEOUT_S = 10.0


def notice_payload(notice: Notice) -> dict[str, Any]:
    """The JSON body of a notice (masked fields only)."""
    return {
        "source": "callsentry",
        "kind": notice.kind,
        "subject": subject(notice),
        "run_id": notice.run_id,
        "summary": dict(notice.summary),
        "alerts": [
            {
                "alert_key": a.alert_key,
                "kind": a.kind,
                "severity": a.severity,
                "call_id": a.call_id,
                "agent_id": a.agent_id,
                "rule_id": a.rule_id,
                "time_in_call": a.time_in_call,
                "message": a.message,
                "evidence": a.evidence,
            }
            for a in notice.alerts
        ],
    }


class WebhookSink(AlertSink):
    """POSTs ``application/json`` to a URL; a non-2xx answer is a failure."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        headers: dict[str, str] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http(s): {url!r}")
        self.url, self.timeout_s, self.headers = url, timeout_s, dict(headers or {})

    def render(self, notice: Notice) -> tuple[bytes, str]:
        """The UTF-8 JSON body; the scanner reads the same text, minus the alert keys (hex
        digests that are not values)."""
        payload = notice_payload(notice)
        scanned = {
            **payload,
            "alerts": [{k: v for k, v in a.items() if k != "alert_key"} for a in payload["alerts"]],
        }
        return (
            json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            json.dumps(scanned, ensure_ascii=False),
        )

    def transmit(self, payload: bytes, notice: Notice) -> None:
        """POST the body; urllib raises on a connection error or a 4xx/5xx answer."""
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", **self.headers},
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            if not 200 <= response.status < 300:
                raise OSError(f"webhook answered HTTP {response.status}")
