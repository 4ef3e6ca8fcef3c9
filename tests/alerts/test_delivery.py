"""Delivery through real sinks: SMTP (aiosmtpd on loopback), .eml outbox, webhook."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from pipeline.alerts import (
    OutboxSink,
    SmtpSink,
    UnmaskedPiiError,
    WebhookSink,
    deliver_pending,
    find_unmasked_pii,
    sinks_from_settings,
)
from pipeline.alerts.render import DIGEST, Notice
from pipeline.anomaly import call_alerts
from pipeline.config import Settings
from pipeline.models import Alert
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, SmtpServer
from tests.report_factory import make_report, make_violation

FROM, TO = "callsentry@bank.example", ["qa@bank.example", "lead@bank.example"]
CARD = "6222021234567890128"


def _alerts() -> list[Alert]:
    report = make_report(
        "call-001",
        violations=(
            make_violation("no-sensitive-auth-request", "critical", 12.0),
            make_violation("no-guaranteed-returns", "high", 65.0, "这个产品保证收益"),
            make_violation("recording-notice", "medium", 0.0, ""),
        ),
    )
    return call_alerts(report, "high")  # critical + high


def _smtp(port: int, **kwargs) -> SmtpSink:
    return SmtpSink("127.0.0.1", port, FROM, TO, timeout_s=5, **kwargs)


def _every_mail_is_clean(server: SmtpServer) -> None:
    for _, _, msg in server.received:
        texts = [str(msg["Subject"])] + [
            p.get_content() for p in msg.walk() if p.get_content_maintype() == "text"
        ]
        assert find_unmasked_pii("\n".join(texts)) == []


def test_smtp_digest_and_immediate_arrive(outbox, smtp_server: SmtpServer) -> None:
    outbox.enqueue(_alerts(), run_id="run-1")
    report = deliver_pending(
        outbox, [_smtp(smtp_server.port)], run_id="run-1", summary=[("calls processed", "3")]
    )
    assert len(report.sent) == 2 and report.retrying == () and report.blocked == ()
    assert report.messages == 2
    assert len(smtp_server.received) == 2
    by_kind = {
        msg["X-Callsentry-Kind"]: (sender, rcpts, msg)
        for sender, rcpts, msg in smtp_server.received
    }
    sender, rcpts, immediate = by_kind["immediate"]
    assert sender == FROM and rcpts == TO
    assert immediate["Subject"] == (
        "[callsentry] CRITICAL: no-sensitive-auth-request in call call-001"
    )
    assert [p.get_content_type() for p in immediate.iter_parts()] == ["text/plain", "text/html"]
    assert "请告诉我您的密码 <PASSWORD>" in immediate.get_body(("plain",)).get_content()
    assert "&lt;PASSWORD&gt;" in immediate.get_body(("html",)).get_content()
    digest = by_kind["digest"][2]
    digest_text = digest.get_body(("plain",)).get_content()
    assert "no-guaranteed-returns" in digest_text and "01:05" in digest_text
    assert "calls processed: 3" in digest_text
    assert "Critical alerts mailed separately: 1" in digest_text
    _every_mail_is_clean(smtp_server)
    # a rerun sends nothing again
    again = deliver_pending(outbox, [_smtp(smtp_server.port)], run_id="run-1")
    assert again.messages == 0 and len(smtp_server.received) == 2
    assert outbox.enqueue(_alerts()) == []  # and the same findings never re-queue


def test_smtp_down_then_up_delivers_once(outbox, smtp_port_down: SmtpServer) -> None:
    outbox.enqueue(_alerts(), run_id="run-1")
    first = deliver_pending(outbox, [_smtp(smtp_port_down.port)])
    assert first.sent == () and len(first.retrying) == 2 and first.messages == 0
    assert "ConnectionRefusedError" in first.errors[0]
    assert len(first.errors) == 1  # the sink is not retried for every notice
    for key in first.retrying:
        state = outbox.get(key)
        assert state.state == "pending" and state.attempts == 1
        assert "ConnectionRefused" in state.last_error

    smtp_port_down.start()
    second = deliver_pending(outbox, [_smtp(smtp_port_down.port)])
    assert sorted(second.sent) == sorted(first.retrying)
    third = deliver_pending(outbox, [_smtp(smtp_port_down.port)])
    assert third.messages == 0
    assert len(smtp_port_down.received) == 2  # one immediate + one digest, each once
    assert all(outbox.get(k).state == "sent" for k in second.sent)


def test_scanner_blocks_a_mail_with_a_card_number(outbox, smtp_server: SmtpServer) -> None:
    leaky = Alert(
        "leak",
        "violation",
        "critical",
        "agent read out the card",
        "call-9",
        "A09",
        "agent-pii-readout",
        30.0,
        f"您的卡号是{CARD}",
    )
    outbox.enqueue([leaky, *_alerts()])
    report = deliver_pending(outbox, [_smtp(smtp_server.port)])
    assert report.blocked == ("leak",)
    state = outbox.get("leak")
    assert state.state == "failed" and "Luhn-valid card number" in state.last_error
    assert CARD not in state.last_error
    assert len(report.sent) == 2  # the clean alerts still go out
    assert all("call-9" not in str(m) for _, _, m in smtp_server.received)
    _every_mail_is_clean(smtp_server)


def test_sink_scans_the_rendered_message(smtp_server: SmtpServer) -> None:
    # a leak in a field the pre-scan does not see (the run summary) still blocks the mail
    notice = Notice(DIGEST, (), summary=(("note", f"card {CARD}"),))
    with pytest.raises(UnmaskedPiiError, match="card number"):
        _smtp(smtp_server.port).send(notice)
    assert smtp_server.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login(outbox) -> None:
    from tests.alerts.conftest import free_port

    server = SmtpServer(free_port(), require_auth=True)
    server.start()
    try:
        outbox.enqueue(_alerts())
        wrong = _smtp(server.port, username=SMTP_USER, password="wrong")
        assert deliver_pending(outbox, [wrong]).sent == ()
        for alert in outbox.pending():
            error = outbox.get(alert.alert_key).last_error
            assert error.startswith("smtp: SMTPAuthenticationError")
            assert SMTP_PASSWORD not in error and "wrong" not in error
        right = _smtp(server.port, username=SMTP_USER, password=SMTP_PASSWORD)
        assert len(deliver_pending(outbox, [right]).sent) == 2
        assert len(server.received) == 2
    finally:
        server.stop()


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_over_tls(outbox, tls_contexts, security: str) -> None:
    from tests.alerts.conftest import free_port

    server_ctx, client_ctx = tls_contexts
    server = SmtpServer(free_port(), tls=server_ctx, implicit_tls=security == "ssl")
    server.start()
    try:
        outbox.enqueue(_alerts())
        sink = _smtp(server.port, security=security, ssl_context=client_ctx)
        assert len(deliver_pending(outbox, [sink]).sent) == 2
        assert len(server.received) == 2
    finally:
        server.stop()


def test_smtp_sink_validates_settings() -> None:
    with pytest.raises(ValueError, match="security"):
        SmtpSink("h", 25, FROM, TO, security="tls1.0")
    with pytest.raises(ValueError, match="recipients"):
        SmtpSink("h", 25, FROM, [])


def test_outbox_writes_eml(outbox, tmp_path: Path) -> None:
    outbox.enqueue(_alerts(), run_id="run-1")
    sink = OutboxSink(tmp_path / "out", FROM, TO)
    report = deliver_pending(outbox, [sink], run_id="run-1")
    files = sorted((tmp_path / "out" / "outbox").glob("*.eml"))
    assert len(report.sent) == 2 and len(files) == 2
    assert [f.name.split("-")[0] for f in files] == ["digest", "immediate"]
    msg = message_from_bytes(files[1].read_bytes(), policy=policy.default)
    assert msg["Subject"].startswith("[callsentry] CRITICAL")
    assert "<PASSWORD>" in msg.get_body(("plain",)).get_content()
    assert not list((tmp_path / "out" / "outbox").glob(".*"))  # no temporary files left


def test_webhook_posts_json(outbox, webhook_server) -> None:
    outbox.enqueue(_alerts(), run_id="run-1")
    report = deliver_pending(outbox, [WebhookSink(webhook_server.url, timeout_s=5)], run_id="run-1")
    assert len(report.sent) == 2 and len(webhook_server.bodies) == 2
    kinds = sorted(b["kind"] for b in webhook_server.bodies)
    assert kinds == ["digest", "immediate"]
    immediate = next(b for b in webhook_server.bodies if b["kind"] == "immediate")
    assert immediate["alerts"][0]["evidence"] == "请告诉我您的密码 <PASSWORD>"
    assert immediate["run_id"] == "run-1"


def test_webhook_error_keeps_alerts_pending_and_other_sink_not_resent(
    outbox, webhook_server, tmp_path: Path
) -> None:
    outbox.enqueue(_alerts())
    webhook_server.status = 500
    eml_sink = OutboxSink(tmp_path, FROM, TO)
    sinks = [eml_sink, WebhookSink(webhook_server.url, timeout_s=5)]
    first = deliver_pending(outbox, sinks)
    assert first.sent == () and len(first.retrying) == 2 and "HTTP" in first.errors[0]
    eml = sorted((tmp_path / "outbox").iterdir())
    mtimes = [f.stat().st_mtime_ns for f in eml]
    webhook_server.status = 200
    second = deliver_pending(outbox, sinks)
    assert len(second.sent) == 2 and second.messages == 2  # webhook only; outbox had them
    assert [f.stat().st_mtime_ns for f in sorted((tmp_path / "outbox").iterdir())] == mtimes


def test_sinks_from_settings(tmp_path: Path) -> None:
    outbox_only = sinks_from_settings(Settings(out_dir=tmp_path, _env_file=None))
    assert [s.name for s in outbox_only] == ["outbox"]
    both = sinks_from_settings(
        Settings(
            smtp_host="127.0.0.1",
            mail_to=["a@b"],
            webhook_url="http://127.0.0.1:9/h",
            _env_file=None,
        )
    )
    assert [s.name for s in both] == ["smtp", "webhook"]
