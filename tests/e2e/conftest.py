"""Real parts for whole runs: a Prefect test server, an SMTP server on loopback, sample calls."""

from __future__ import annotations

import json
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import SAMPLES_DIR

SERVER_STARTUP_TIMEOUT_S = 600  # a 2-core machine shared by several test runs can need minutes


@dataclass
class MailCollector:
    """aiosmtpd handler that keeps every message it receives."""

    messages: list[Message] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        with self.lock:
            self.raw.append(envelope.content)
            self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[str]:
    """One real (temporary) Prefect server for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=SERVER_STARTUP_TIMEOUT_S):
        yield PREFECT_API_URL.value()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, MailCollector]]:
    """A real SMTP server on loopback collecting what it receives."""
    collector = MailCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def copy_samples(names: list[str], dest: Path) -> Path:
    """Copy sample recordings (and their sidecars) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(SAMPLES_DIR / name, dest / name)
        for sidecar in (SAMPLES_DIR / f"{name}.json", SAMPLES_DIR / f"{Path(name).stem}.json"):
            if sidecar.exists():
                shutil.copy2(sidecar, dest / sidecar.name)
    return dest


def manifest_pii_values(names: list[str]) -> list[str]:
    """The digits of every numeric PII value spoken in the named samples."""
    manifest = json.loads((SAMPLES_DIR / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["files"] if isinstance(manifest, dict) else manifest
    values = []
    for entry in entries:
        if entry["file"] in names:
            for pii in entry.get("pii", []):
                digits = "".join(ch for ch in str(pii["value"]) if ch.isdigit())
                if len(digits) >= 6:
                    values.append(digits)
    return values
