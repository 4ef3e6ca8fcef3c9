"""Test data for the console: a store built through the real repositories, call folders with
masked transcripts and a redacted recording, one user per role; and login helpers."""

from __future__ import annotations

import dataclasses
import math
import re
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from pipeline.anomaly import call_alerts, call_stats
from pipeline.config import Settings
from pipeline.models import PiiFinding, Segment
from pipeline.outputs import call_dir, write_call_outputs
from pipeline.store import ResultKey, Role, Store
from tests.report_factory import MODEL, RULES_VERSION, make_recording, make_report, make_violation

KEY = ResultKey("openai-whisper", MODEL, RULES_VERSION, "pii-test-1")
SECRET = "console-test-secret"
PASSWORDS = {name: f"pw-{name}-2024" for name in ("rita", "sam", "aude", "adam", "rob")}
ROLES = {
    "rita": Role.REVIEWER,
    "rob": Role.REVIEWER,
    "sam": Role.SUPERVISOR,
    "aude": Role.AUDITOR,
    "adam": Role.ADMIN,
}
TONE_HZ = 440.0
SAMPLE_RATE = 8000
REDACTED_SECONDS = 20.0
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')

SEGMENTS = (
    Segment("agent", 0.0, 4.0, "您好，这里是示例银行，本次通话将被录音。"),
    Segment("customer", 5.0, 9.0, "我的卡号是622202******1234。"),
    Segment("agent", 10.0, 15.5, "请告诉我您的密码 <PASSWORD>"),
    Segment("customer", 16.0, 19.0, "好的，手机号 138****5678。"),
)


@dataclass(frozen=True)
class Seeded:
    """What the fixture stored."""

    store: Store
    out_dir: Path
    settings: Settings
    call_pks: dict[str, int]  # call id -> row id


def write_tone_wav(path: Path, seconds: float = REDACTED_SECONDS) -> None:
    """A mono 16-bit WAV of a quiet tone (a stand-in for a redacted recording)."""
    frames = int(seconds * SAMPLE_RATE)
    samples = (int(6000 * math.sin(2 * math.pi * TONE_HZ * i / SAMPLE_RATE)) for i in range(frames))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))


def seed_store(tmp_path: Path) -> Seeded:
    """A store with five calls by three agents over three days, their call folders, users."""
    out_dir = tmp_path / "out"
    store = Store(f"sqlite:///{out_dir / 'callsentry.db'}")
    plan = [
        # call id, agent, day, violations, language
        (
            "call-001",
            "A01",
            "2024-05-01",
            (
                make_violation("no-sensitive-auth-request", "critical", 10.0),
                make_violation("recording-notice", "high", 0.5, evidence="您好"),
            ),
            "zh",
        ),
        ("call-002", "A01", "2024-05-02", (make_violation("recording-notice", "high", 1.0),), "zh"),
        (
            "call-003",
            "B07",
            "2024-05-02",
            (make_violation("agent-identification", "medium", 2.0),),
            "en",
        ),
        ("call-004", "B07", "2024-05-03", (), "zh"),
        ("call-005", "C11", "2024-05-03", (make_violation("recording-notice", "high", 1.0),), "zh"),
    ]
    pks: dict[str, int] = {}
    for call_id, agent, day, violations, language in plan:
        pii = (
            PiiFinding("BANK_CARD", 1, 5, 21, 0.9, "customer", 5.5, 8.0, "bank_card"),
            PiiFinding("PHONE", 3, 6, 17, 0.8, "customer", 16.5, 18.0, "phone"),
        )
        report = dataclasses.replace(
            make_report(call_id, agent_id=agent, violations=violations, pii=pii, segments=SEGMENTS),
            language=language,
        )
        recording = dataclasses.replace(
            make_recording(call_id, agent_id=agent), call_time=f"{day}T09:30:00+08:00"
        )
        outputs = write_call_outputs(report, out_dir)
        pks[call_id] = store.calls.save(
            report,
            recording,
            key=KEY,
            stats=call_stats(report),
            transcript_path=outputs.transcript_json,
            run_id="run-1",
            alerts=call_alerts(report),
        ).pk
    write_tone_wav(call_dir(out_dir, "call-001") / "redacted.wav")
    for name, role in ROLES.items():
        store.users.add(name, role, PASSWORDS[name], actor="test")
    settings = Settings(console_secret=SECRET, out_dir=out_dir, _env_file=None)
    return Seeded(store, out_dir, settings, pks)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> str:
    """Log in; returns the new session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf": token},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/calls" if ROLES[name] is not Role.ADMIN else "/admin/users").text)
