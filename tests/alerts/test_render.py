"""Digest and immediate mails: structure, content, escaping."""

from __future__ import annotations

from pipeline.alerts.render import DIGEST, IMMEDIATE, Notice, build_message, message_text
from pipeline.models import Alert

CRITICAL = Alert(
    "k1",
    "violation",
    "critical",
    "no sensitive auth request: asked for the password",
    "call-001",
    "A01",
    "no-sensitive-auth-request",
    75.5,
    "请告诉我您的密码 <PASSWORD>",
)
HOSTILE = Alert(
    "k2",
    "violation",
    "high",
    "<script>alert(1)</script> & co",
    "call-<b>2</b>",
    "A02",
    "no-guaranteed-returns",
    3725.0,
    "保证收益 <b>10%</b>",
)


def test_digest_is_multipart_with_summary_and_items() -> None:
    notice = Notice(DIGEST, (HOSTILE, CRITICAL), "run-7", (("calls processed", "12"),), 1)
    msg = build_message(notice, "cs@bank.example", ["qa@bank.example", "lead@bank.example"])
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert msg["To"] == "qa@bank.example, lead@bank.example"
    assert msg["Subject"] == "[callsentry] Digest run run-7: 2 alert(s), highest CRITICAL"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "calls processed" in body and "A01" in body and "01:15" in body
        assert "no-sensitive-auth-request" in body and "&lt;PASSWORD&gt;" in html
        assert "1:02:05" in body  # h:mm:ss past an hour
    assert "Critical alerts mailed separately: 1" in text
    assert text.index("call-001") < text.index("call-<b>2</b>")  # worst first
    assert "请告诉我您的密码 <PASSWORD>" in text


def test_html_escapes_everything() -> None:
    html = build_message(Notice(DIGEST, (HOSTILE,)), "a@x", ["b@y"]).get_body(("html",))
    body = html.get_content()
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
    assert "<b>" not in body and "call-&lt;b&gt;2&lt;/b&gt;" in body


def test_immediate_subject_and_scanner_text() -> None:
    msg = build_message(Notice(IMMEDIATE, (CRITICAL,), "run-7"), "a@x", ["b@y"])
    assert msg["Subject"] == ("[callsentry] CRITICAL: no-sensitive-auth-request in call call-001")
    assert msg["X-Callsentry-Severity"] == "critical"
    text = message_text(msg)
    assert msg["Subject"] in text and text.count("请告诉我您的密码") == 2  # text and HTML parts
