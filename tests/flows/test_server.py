"""The temporary Prefect server of ``callsentry run``: used only without PREFECT_API_URL, and
never left behind by a killed run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flows.server import prefect_api
from tests.conftest import SAMPLES_DIR


def test_a_configured_api_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    with prefect_api(tmp_path / "server.log") as url:
        assert url == "http://127.0.0.1:4200/api"
    assert not (tmp_path / "server.log").exists()


def _server_children(parent: psutil.Process) -> list[psutil.Process]:
    return [
        child
        for child in parent.children(recursive=True)
        if "uvicorn" in " ".join(child.cmdline()) and "prefect.server" in " ".join(child.cmdline())
    ]


@pytest.mark.slow
def test_a_killed_run_leaves_no_server_behind(tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    shutil.copy(SAMPLES_DIR / "silence.wav", recordings)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["CALLSENTRY_OUT_DIR"] = str(tmp_path / "out")
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", str(recordings)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parent = psutil.Process(run.pid)
    deadline = time.monotonic() + 180
    servers: list[psutil.Process] = []
    while not servers and time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before its server was seen"
        servers = _server_children(parent)
        time.sleep(0.2)
    assert servers, "no temporary server was started"
    run.send_signal(signal.SIGKILL)
    run.wait()
    _gone, alive = psutil.wait_procs(servers, timeout=20)
    for process in alive:  # never leave it running, even when the test fails
        process.kill()
    assert not alive, "the temporary Prefect server outlived the killed run"
    assert (tmp_path / "out" / "logs" / "prefect-server.log").exists()
