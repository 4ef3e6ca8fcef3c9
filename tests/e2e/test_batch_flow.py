"""The whole batch flow on real sample calls: real Whisper, a real Prefect server, a real SMTP
server on loopback and a real SQLite file. Checks what was stored and sent, that a rerun
duplicates nothing, and that no unmasked value reached disk, the database, the logs or mail."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from email.message import Message
from pathlib import Path

import pytest

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.config import CHECKOUT_RULES_DIR
from pipeline.pii.masking import DEFAULT_POLICY_PATH
from pipeline.summary import EMPTY, PROCESSED, QUARANTINED, SKIPPED
from tests.e2e.conftest import copy_samples, free_port, manifest_pii_values

pytestmark = pytest.mark.slow

MIXED_BATCH = [
    "en_card_declined_pin_request.mp3",  # asks for PIN and one-time passcode: critical
    "zh_limit_auth_request.flac",  # Mandarin, several violations
    "silence.wav",  # no speech: empty transcript
    "corrupt_garbled.m4a",  # not audio: quarantined
]
ENGLISH_PAIR = ["en_card_lost_compliant.flac", "en_wealth_guaranteed.ogg"]
NON_DIGIT = re.compile(r"\D+")
PSEUDONYM_KEY = "test-key-not-secret"
BROKEN_RULE_PACK = """\
pack: local-additions
language: en
rules:
  - id: broken-local-rule
    title: A rule with a typo
    severity: high
    weight: 5
    message: never loads
    forbid: {phrase: {anyy: [foo]}}
"""


def _rules_with_a_broken_pack(dest: Path) -> Path:
    """The bundled packs plus a pack whose only rule cannot load (it is skipped, not fatal)."""
    shutil.copytree(CHECKOUT_RULES_DIR, dest)
    (dest / "local.yaml").write_text(BROKEN_RULE_PACK, encoding="utf-8")
    return dest


def _configure(monkeypatch: pytest.MonkeyPatch, out: Path, smtp_port: int, **extra: str) -> None:
    env = {
        "CALLSENTRY_OUT_DIR": str(out),
        "CALLSENTRY_SMTP_HOST": "127.0.0.1",
        "CALLSENTRY_SMTP_PORT": str(smtp_port),
        "CALLSENTRY_MAIL_TO": "compliance@bank.example",
        "CALLSENTRY_PSEUDONYM_KEY": PSEUDONYM_KEY,
        "CALLSENTRY_BEAM_SIZE": "1",
        **extra,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def _digits_only(text: str) -> str:
    return NON_DIGIT.sub("", text)


def _assert_nothing_unmasked(texts: dict[str, str], pii_digits: list[str]) -> None:
    """No spoken PII value (as a digit run, separators ignored) and no Luhn-valid card, valid ID
    or mobile number in any of ``texts``."""
    for where, text in texts.items():
        digits = _digits_only(text)
        for value in pii_digits:
            assert value not in digits, f"unmasked PII value found in {where}"
        assert not find_unmasked_pii(text), f"unmasked PII in {where}"


def _mail_text(message: Message) -> str:
    """Subject and every decoded text part (raw MIME has random boundary digits)."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset() or "utf-8"
            parts.append(part.get_payload(decode=True).decode(charset))
    return "\n".join(parts)


def _db_text(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return "\n".join(conn.iterdump())


def _flow_run_logs(flow_run_id: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async def read() -> str:
        async with get_client() as client:
            logs = await client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
            )
        return "\n".join(log.message for log in logs)

    return asyncio.run(read())


def _artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def read() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
            )
        return str(found[0].data) if found else ""

    return asyncio.run(read())


def test_batch_stores_alerts_by_mail_masks_everything_and_reruns_idempotently(
    prefect_server, smtp_server, tmp_path, monkeypatch
) -> None:
    from flows.batch import SUMMARY_ARTIFACT_KEY, compliance_batch

    controller, mailbox = smtp_server
    recordings = copy_samples(MIXED_BATCH, tmp_path / "recordings")
    out = tmp_path / "out"
    rules = _rules_with_a_broken_pack(tmp_path / "rules")
    _configure(monkeypatch, out, controller.port, CALLSENTRY_RULES_DIR=str(rules))

    summary = compliance_batch(sources=[str(recordings)])
    # The rule that could not load is named in the summary, the artifact and the digest.
    assert any("broken-local-rule" in w for w in summary.warnings), summary.warnings
    assert "broken-local-rule" in summary.to_text()

    by_file = {Path(o.path).name: o for o in summary.outcomes}
    assert by_file["corrupt_garbled.m4a"].status == QUARANTINED
    assert "corrupt_garbled.m4a" in by_file["corrupt_garbled.m4a"].reason
    assert by_file["silence.wav"].status == EMPTY
    pin_call = by_file["en_card_declined_pin_request.mp3"]
    assert pin_call.status == PROCESSED
    assert "no-sensitive-auth-request" in {rule for rule, _ in pin_call.violations}
    assert by_file["zh_limit_auth_request.flac"].status == PROCESSED

    # The database holds every call once, the quarantined file, and an intact audit chain.
    db_path = out / "callsentry.db"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from calls").fetchone()[0] == 3
        assert conn.execute("select count(*) from quarantined").fetchone()[0] == 1
        assert conn.execute("select count(*) from violations").fetchone()[0] >= 2
        states = dict(conn.execute("select state, count(*) from alerts group by state").fetchall())
    assert states.get("sent", 0) >= 1 and not states.get("pending")

    # The mail arrived: an immediate one for the critical request, and a digest.
    subjects = [m["Subject"] for m in mailbox.messages]
    assert any("CRITICAL" in s for s in subjects), subjects
    assert any("Digest" in s for s in subjects), subjects
    mails_after_first_run = len(mailbox.messages)

    digests = [m for m in mailbox.messages if "Digest" in m["Subject"]]
    assert any("broken-local-rule" in _mail_text(m) for m in digests)

    # The run summary is a Prefect artifact.
    artifact = _artifact(SUMMARY_ARTIFACT_KEY)
    assert "no-sensitive-auth-request" in artifact and "broken-local-rule" in artifact

    # Nothing unmasked anywhere: output files, database, mails, Prefect logs.
    texts = {
        str(p.relative_to(out)): p.read_text(encoding="utf-8", errors="replace")
        for p in out.rglob("*")
        if p.is_file() and p.suffix in {".json", ".txt", ".srt", ".eml"}
    }
    assert any(name.endswith(".srt") for name in texts)
    texts["database"] = _db_text(db_path)
    texts.update({f"mail {i}": _mail_text(m) for i, m in enumerate(mailbox.messages)})
    texts["prefect logs"] = _flow_run_logs(summary.run_id)
    _assert_nothing_unmasked(texts, manifest_pii_values(MIXED_BATCH))
    texts["summary artifact"] = artifact
    for where, text in texts.items():
        assert PSEUDONYM_KEY not in text, f"the pseudonym key is in {where}"

    # Every processed call has its redacted recording, stored and audited with its hash.
    copies = sorted(out.glob("calls/*/redacted.flac"))
    assert len(copies) == 3
    with sqlite3.connect(db_path) as conn:
        audited = conn.execute("select count(*) from audit_log where action='audio.redacted'")
        assert audited.fetchone()[0] == 3

    # A rerun skips what is done, stores nothing twice and mails nothing twice.
    again = compliance_batch(sources=[str(recordings)])
    statuses = {Path(o.path).name: o.status for o in again.outcomes}
    assert statuses["en_card_declined_pin_request.mp3"] == SKIPPED
    assert statuses["zh_limit_auth_request.flac"] == SKIPPED
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("select count(*) from calls").fetchone()[0] == 3
    assert len(mailbox.messages) == mails_after_first_run or all(
        "Digest" in m["Subject"] for m in mailbox.messages[mails_after_first_run:]
    )


def _calls_stored(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    try:
        with sqlite3.connect(db_path, timeout=1) as conn:
            return conn.execute("select count(*) from calls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_killed_run_then_smtp_down_then_up_loses_nothing_and_sends_once(
    prefect_server, smtp_server, tmp_path, monkeypatch
) -> None:
    from flows.batch import compliance_batch

    controller, mailbox = smtp_server
    recordings = copy_samples(ENGLISH_PAIR, tmp_path / "recordings")
    out = tmp_path / "out"
    dead_port = free_port()  # nothing listens here: the relay is "down"
    # tiny.en keeps this test quick; it needs beam search (greedy tiny.en skips speech).
    _configure(monkeypatch, out, dead_port, CALLSENTRY_MODEL="tiny.en", CALLSENTRY_BEAM_SIZE="5")

    # 1. A run killed (SIGKILL) right after its first call was stored.
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", str(recordings)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while _calls_stored(out / "callsentry.db") < 1 and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    assert _calls_stored(out / "callsentry.db") == 1

    # 2. Rerun while the SMTP relay is down: the rest is processed, alerts stay queued.
    summary = compliance_batch(sources=[str(recordings)])
    assert sorted(o.status for o in summary.outcomes) == [PROCESSED, SKIPPED]
    assert _calls_stored(out / "callsentry.db") == 2
    with sqlite3.connect(out / "callsentry.db") as conn:
        pending = conn.execute("select count(*) from alerts where state != 'sent'").fetchone()[0]
    assert pending >= 1
    assert mailbox.messages == []

    # 3. Relay back up: the next run delivers every queued alert, once.
    monkeypatch.setenv("CALLSENTRY_SMTP_PORT", str(controller.port))
    compliance_batch(sources=[str(recordings)])
    with sqlite3.connect(out / "callsentry.db") as conn:
        assert conn.execute("select count(*) from alerts where state != 'sent'").fetchone()[0] == 0
        keys = [k for (k,) in conn.execute("select alert_key from alerts")]
    assert len(keys) == len(set(keys))
    delivered = len(mailbox.messages)
    assert delivered >= 1
    compliance_batch(sources=[str(recordings)])
    immediate_after = [m for m in mailbox.messages[delivered:] if "Digest" not in m["Subject"]]
    assert immediate_after == []

    # 4. A change to the PII stage (here the masking policy) redoes the calls: their rows and
    # output files are replaced, one row per call stays, and the audit log says so.
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        DEFAULT_POLICY_PATH.read_text(encoding="utf-8") + "\n# local change\n", encoding="utf-8"
    )
    monkeypatch.setenv("CALLSENTRY_MASKING_POLICY", str(policy))
    reports = sorted(out.glob("calls/*/report.json"))
    versions_before = {json.loads(p.read_text(encoding="utf-8"))["pii_version"] for p in reports}
    redone = compliance_batch(sources=[str(recordings)])
    assert [o.status for o in redone.outcomes] == [PROCESSED, PROCESSED]
    assert all(o.replaced for o in redone.outcomes)
    assert "results replaced" in redone.to_text()
    assert _calls_stored(out / "callsentry.db") == 2
    versions_after = {json.loads(p.read_text(encoding="utf-8"))["pii_version"] for p in reports}
    assert len(versions_after) == 1 and versions_after.isdisjoint(versions_before)
    with sqlite3.connect(out / "callsentry.db") as conn:
        replaced = conn.execute(
            "select count(*) from audit_log where action = 'call.replaced'"
        ).fetchone()[0]
    assert replaced == 2
    assert subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "audit", "verify"],
        env={**os.environ, "CALLSENTRY_OUT_DIR": str(out)},
        capture_output=True,
        text=True,
        check=False,
    ).stdout.startswith("OK")
