"""Runs and quarantined files."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update

from pipeline.models import Quarantined
from pipeline.store import RunStatus, Store
from pipeline.store.schema import runs


def test_run_start_is_idempotent_and_finish_records_counts(store: Store) -> None:
    store.runs.start("r1")
    store.runs.start("r1")
    running = store.runs.get("r1")
    assert running is not None and running.status is RunStatus.RUNNING
    assert running.finished_at is None and running.started_at.tzinfo is not None
    store.runs.finish("r1", {"calls": 4})
    done = store.runs.get("r1")
    assert done is not None and done.status is RunStatus.COMPLETED
    assert done.counts == {"calls": 4} and done.finished_at is not None
    store.runs.finish("r2", {}, RunStatus.FAILED)  # a run that failed before it was started
    failed = store.runs.get("r2")
    assert failed is not None and failed.status is RunStatus.FAILED
    assert store.runs.get("r3") is None
    actions = [e.action for e in store.audit.entries()]
    assert actions.count("run.started") == 1 and actions.count("run.finished") == 2


def test_quarantine_is_recorded_once_per_run(store: Store) -> None:
    q = Quarantined(Path("/rec/bad.wav"), "bad.wav: not an audio file", None, "ingest")
    store.runs.quarantine(q, "run-1")
    store.runs.quarantine(q, "run-1")
    store.runs.quarantine(q, "run-2")
    assert len(store.runs.quarantined("run-1")) == 1
    records = store.runs.quarantined()
    assert [(r.path, r.run_id, r.stage) for r in records] == [
        ("/rec/bad.wav", "run-1", "ingest"),
        ("/rec/bad.wav", "run-2", "ingest"),
    ]
    assert records[0].reason == "bad.wav: not an audio file"


def test_runs_left_running_by_a_dead_process_are_abandoned(store: Store) -> None:
    import os

    store.runs.start("mine")  # this process: alive
    store.runs.start("killed")
    store.runs.start("elsewhere")
    with store.engine.begin() as conn:  # one run of another host, one of a dead process
        conn.exec_driver_sql(
            'UPDATE runs SET counts = \'{"host": "other-host", "pid": 1}\' '
            "WHERE run_id = 'elsewhere'"
        )
    dead_pid = os.getpid() + 1_000_000

    with store.engine.begin() as conn:  # the same host, a pid that no process has
        killed = runs.c.run_id == "killed"
        counts = json.loads(conn.execute(select(runs.c.counts).where(killed)).scalar_one())
        conn.execute(
            update(runs).where(killed).values(counts=json.dumps(counts | {"pid": dead_pid}))
        )
    assert store.runs.abandon_dead() == ["killed"]
    statuses = {r: store.runs.get(r).status for r in ("mine", "killed", "elsewhere")}  # type: ignore[union-attr]
    assert statuses == {
        "mine": RunStatus.RUNNING,
        "killed": RunStatus.ABANDONED,
        "elsewhere": RunStatus.RUNNING,
    }
    assert store.runs.abandon_dead() == []  # once
    entry = store.audit.entries(action="run.abandoned")[0]
    assert entry.subject == "run:killed" and entry.details["pid"] == dead_pid
    assert store.audit.verify().ok
