"""`callsentry serve --pool` with two real `prefect worker start --pool` processes: the nightly
run fans out into two shard runs, each worker takes one, every call is stored once and each
alert mailed once. Real Prefect server (loopback), real workers (process pool), real Whisper
(tiny.en), a real PostgreSQL database shared by the workers, a real SMTP server on loopback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from flows.pool import FAN_OUT_FLOW_NAME, SHARD_DEPLOYMENT
from pipeline.shards import shard_of
from tests.conftest import PROJECT_ROOT, SAMPLES_DIR

pytestmark = pytest.mark.slow

POOL = "callsentry-test-pool"
SHARDS = 2
# Each shard gets part of the calls: its own copy names are chosen by pipeline.shards.
CALLS_BY_SHARD = {
    0: ["en_card_declined_pin_request.mp3", "en_mulaw_8k_readout.wav"],
    1: ["en_wealth_guaranteed.ogg"],
}
WORKERS = ("worker-a", "worker-b")
COMMAND_TIMEOUT_S = 300.0  # `serve --pool` on a loaded 2-core machine
RUNS_TIMEOUT_S = 1200.0  # two workers each starting a flow process and loading Whisper
POLL_S = 2.0
WORKER_QUERY_S = "2"  # how often a worker asks the pool for runs (Prefect's default: 10 s)
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
SUBMITTED = re.compile(r"Worker '([^']+)' submitting flow run '([0-9a-f-]{36})'")


def _copy_into_shard(name: str, shard: int, dest: Path) -> str:
    """Copy the sample ``name`` (and its sidecar) as ``<n>-<name>``, the first n whose name
    falls in ``shard``; returns the new name."""
    new = next(f"{n}-{name}" for n in range(100) if shard_of(f"{n}-{name}", SHARDS) == shard)
    shutil.copy2(SAMPLES_DIR / name, dest / new)
    prefix = new[: -len(name)]
    for sidecar in (SAMPLES_DIR / f"{name}.json", SAMPLES_DIR / f"{Path(name).stem}.json"):
        if sidecar.exists():
            shutil.copy2(sidecar, dest / f"{prefix}{sidecar.name}")
    return new


def _rows(engine: sa.Engine, statement: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text(statement), params).all())


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop each worker and the flow runs it started (its own session), by process group."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _shard_runs(client: Any) -> list[Any]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    deployment = client.read_deployment_by_name(SHARD_DEPLOYMENT)
    return client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
    )


def test_pool_workers_each_check_part_of_the_recordings(
    prefect_server, smtp_server, postgres_server, tmp_path, monkeypatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    controller, mailbox = smtp_server
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    names = {
        shard: [_copy_into_shard(name, shard, recordings) for name in calls]
        for shard, calls in CALLS_BY_SHARD.items()
    }
    database = f"test_pool_{uuid4().hex[:12]}"
    database_url = postgres_server.create_database(database)
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    out = tmp_path / "out"
    for key, value in {
        "PREFECT_API_URL": prefect_server,
        "PYTHONPATH": str(PROJECT_ROOT),  # the flow processes import flows.* from here
        "PREFECT_WORKER_QUERY_SECONDS": WORKER_QUERY_S,
        "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO",  # the workers' "submitting" lines
        "CALLSENTRY_OUT_DIR": str(out),
        "CALLSENTRY_RECORDINGS_DIR": str(recordings),
        "CALLSENTRY_DATABASE_URL": database_url,
        "CALLSENTRY_SMTP_HOST": "127.0.0.1",
        "CALLSENTRY_SMTP_PORT": str(controller.port),
        "CALLSENTRY_MAIL_TO": "compliance@bank.example",
        "CALLSENTRY_PSEUDONYM_KEY": "test-key-not-secret",
        "CALLSENTRY_MODEL": "tiny.en",  # tiny.en needs beam search (greedy skips speech)
        "CALLSENTRY_BEAM_SIZE": "5",
        "CALLSENTRY_LANGUAGE": "en",
        "CALLSENTRY_THREADS": "1",
    }.items():
        monkeypatch.setenv(key, value)

    workers: list[subprocess.Popen[bytes]] = []
    try:
        # 1. `serve --pool` creates the pool, registers the deployments and returns.
        serve = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "serve", "--pool", POOL,
             "--shards", str(SHARDS)],
            capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False, cwd=tmp_path,
        )  # fmt: skip
        assert serve.returncode == 0, serve.stdout + serve.stderr
        assert f"registered {FAN_OUT_FLOW_NAME}/nightly on work pool '{POOL}'" in serve.stdout
        with get_client(sync_client=True) as client:
            assert client.read_work_pool(POOL).type == "process"
            nightly = client.read_deployment_by_name(f"{FAN_OUT_FLOW_NAME}/nightly")
            assert nightly.work_pool_name == POOL and nightly.schedules
            assert nightly.parameters["shards"] == SHARDS

        # 2. Two workers on the pool, one flow run at a time each.
        logs = {name: tmp_path / f"{name}.log" for name in WORKERS}
        for name in WORKERS:
            with logs[name].open("wb") as sink:
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL,
                         "--name", name, "--limit", "1"],
                        stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                        cwd=tmp_path, start_new_session=True,
                    )
                )  # fmt: skip

        # 3. One run of the nightly deployment (as the schedule would start it).
        parent = run_deployment(f"{FAN_OUT_FLOW_NAME}/nightly", timeout=0)
        deadline = time.monotonic() + RUNS_TIMEOUT_S
        with get_client(sync_client=True) as client:
            while True:
                runs = [client.read_flow_run(parent.id), *_shard_runs(client)]
                if len(runs) == 1 + SHARDS and all(r.state_type.value in FINAL_STATES
                                                    for r in runs):  # fmt: skip
                    break
                for process in workers:
                    assert process.poll() is None, f"a worker exited with {process.returncode}"
                assert time.monotonic() < deadline, [(r.name, r.state_name) for r in runs]
                time.sleep(POLL_S)
        assert [r.state_type.value for r in runs] == ["COMPLETED"] * (1 + SHARDS), [
            (r.name, r.state_name) for r in runs
        ]
        shard_runs = {str(r.id): r for r in runs[1:]}
        assert {r.parameters["shard"] for r in shard_runs.values()} == set(range(SHARDS))
    finally:
        _stop(workers)

    # 4. Each worker ran one shard run, and each shard run stored its own part of the calls.
    taken: dict[str, set[str]] = {name: set() for name in WORKERS}
    for log in logs.values():
        for worker, run_id in SUBMITTED.findall(log.read_text(errors="replace")):
            if run_id in shard_runs:
                taken[worker].add(run_id)
    assert all(taken[name] for name in WORKERS), taken
    for run_id, run in shard_runs.items():
        stored = {path for (path,) in _rows(engine, "select path from calls where run_id = :r",
                                            r=run_id)}  # fmt: skip
        expected = names[run.parameters["shard"]]
        assert sorted(Path(p).name for p in stored) == sorted(expected)

    # 5. Every call stored once, each alert mailed once, no claim left, the audit chain valid.
    rows = _rows(engine, "select recording_id, count(*) from calls group by 1")
    assert len(rows) == sum(len(n) for n in names.values()) and all(n == 1 for _, n in rows)
    keys = [k for (k,) in _rows(engine, "select alert_key from alerts")]
    assert keys and len(keys) == len(set(keys))
    assert _rows(engine, "select count(*) from alerts where state != 'sent'") == [(0,)]
    assert _rows(engine, "select count(*) from claims") == [(0,)]
    deliveries = _rows(
        engine, "select alert_key, sink, count(*) from alert_deliveries group by 1, 2"
    )
    assert deliveries and all(n == 1 for _, _, n in deliveries)
    # one mail per critical alert (a rule may fire twice in a call: two alerts, one subject)
    immediate = [m for m in mailbox.messages if m["X-Callsentry-Kind"] != "digest"]
    critical = _rows(engine, "select count(*) from alerts where severity = 'critical'")
    assert immediate and [(len(immediate),)] == critical
    verify = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "audit", "verify"],
        capture_output=True, text=True, check=False, timeout=COMMAND_TIMEOUT_S,
    )  # fmt: skip
    assert verify.stdout.startswith("OK"), verify.stdout + verify.stderr
    engine.dispose()
    postgres_server.drop_database(database)
