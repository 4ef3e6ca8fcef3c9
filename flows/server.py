"""A temporary Prefect server for one ``callsentry run``, tied to the life of the run.

When ``PREFECT_API_URL`` is not set, Prefect would start its own temporary server; a run killed
with SIGKILL then leaves that server running (~200 MB, an orphan per killed run), and a busy
machine can miss Prefect's 20 s start-up deadline. This one is started the same way (uvicorn
on loopback, UI off, analytics off), but the kernel stops it when its parent dies
(``PR_SET_PDEATHSIG`` on Linux), it gets :data:`STARTUP_TIMEOUT_S` to come up, and its own log
goes to a file instead of the run's terminal.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 120.0  # a loaded 2-core machine can need a minute
POLL_INTERVAL_S = 0.25
STOP_TIMEOUT_S = 10.0
DRAIN_TIMEOUT_S = 15.0  # to send Prefect's queued logs and events before the server stops
PR_SET_PDEATHSIG = 1  # prctl option: signal sent to this process when its parent dies
LOOPBACK = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:  # runs in the child, between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the server is still stopped on a normal exit
        pass


def start_server(
    log_file: Path, environ: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server; returns the process and its API URL once it answers. ``environ`` is
    the server's environment (default: this process's), e.g. with a ``PREFECT_HOME`` of its
    own so that its SQLite database is no other server's."""
    import prefect

    port = _free_port()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = {
        **(os.environ if environ is None else environ),
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    with log_file.open("ab") as sink:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn",
                "--app-dir", str(Path(prefect.__file__).resolve().parent.parent),
                "--factory", "prefect.server.api.server:create_app",
                "--host", LOOPBACK, "--port", str(port),
                "--log-level", "error", "--lifespan", "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )  # fmt: skip
    url = f"http://{LOOPBACK}:{port}/api"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(timeout=5.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the temporary Prefect server exited with code {process.returncode} "
                    f"(see {log_file})"
                )
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            time.sleep(POLL_INTERVAL_S)
    stop_server(process)
    raise RuntimeError(
        f"the temporary Prefect server did not start within {STARTUP_TIMEOUT_S:.0f} s "
        f"(see {log_file}); start one with `prefect server start` and set PREFECT_API_URL"
    )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server (terminate, then kill after :data:`STOP_TIMEOUT_S`)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def prefect_api(log_file: Path) -> Iterator[str]:
    """The Prefect API for this run: ``PREFECT_API_URL`` when set, else a temporary server
    (stopped at the end, and by the kernel if this process dies first)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if configured:
        yield str(configured)
        return
    log.info("starting a temporary Prefect server (log: %s)", log_file)
    process, url = start_server(log_file)
    try:
        with temporary_settings({PREFECT_API_URL: url}):
            try:
                yield url
            finally:
                drain_prefect_clients()
    finally:
        stop_server(process)


def drain_prefect_clients() -> None:
    """Send Prefect's queued logs and events while the server still answers (otherwise
    they fail at exit with 'Error logging to API' and 'Error flushing events')."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all(timeout=DRAIN_TIMEOUT_S)
        except Exception as exc:  # a slow flush must not fail a finished run
            log.warning("Prefect %s did not drain: %s", worker.__name__, exc)
