"""Task configuration that privacy and idempotency depend on."""

from __future__ import annotations

import inspect

import pytest
from prefect.cache_policies import NO_CACHE
from prefect.tasks import Task

from flows import batch, tasks

ALL_TASKS = [obj for _, obj in inspect.getmembers(tasks) if isinstance(obj, Task)]


def test_every_task_is_found() -> None:
    assert {t.name for t in ALL_TASKS} >= {"ingest", "transcribe", "check", "persist-call"}


@pytest.mark.parametrize("task", ALL_TASKS, ids=lambda t: t.name)
def test_no_task_persists_or_caches_its_result(task: Task) -> None:
    # Results of transcribe/check hold raw text in memory: Prefect must never pickle them.
    assert task.persist_result is False
    assert task.cache_policy is NO_CACHE


def test_the_flow_does_not_persist_its_result() -> None:
    assert batch.compliance_batch.persist_result is False


@pytest.mark.parametrize(
    ("task", "retries"),
    [
        (tasks.persist_call, tasks.STORAGE_RETRIES),
        (tasks.already_processed, tasks.STORAGE_RETRIES),
        (tasks.load_call_records, tasks.STORAGE_RETRIES),
        (tasks.check_records, tasks.STORAGE_RETRIES),
        (tasks.transcribe, 0),  # deterministic: a retry would fail the same way
        (tasks.check_call, 0),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_only_storage_tasks_retry(task: Task, retries: int) -> None:
    assert task.retries == retries


def test_prefect_sends_no_analytics_and_persists_no_results_by_default() -> None:
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    assert settings.server.analytics_enabled is False
    assert settings.results.persist_by_default is False


def test_runs_that_finish_at_once_deliver_alerts_one_after_another(tmp_path) -> None:
    import threading

    from pipeline.config import Settings
    from pipeline.store import ClaimOwner

    settings = Settings(out_dir=tmp_path / "out")
    claims = tasks.resources.store(settings).claims
    other = ClaimOwner.this_process("another-run")  # alive on this host: not taken over
    assert claims.claim(tasks.OUTBOX_CLAIM, other) is not None
    reports = []
    delivery = threading.Thread(
        target=lambda: reports.append(tasks.deliver_alerts.fn("this-run", [], settings))
    )
    delivery.start()
    delivery.join(timeout=3 * tasks.DELIVERY_POLL_S)
    assert delivery.is_alive() and not reports  # it waits while the other run delivers
    claims.release(tasks.OUTBOX_CLAIM, other)
    delivery.join(timeout=60)
    assert reports and reports[0].errors == ()
    assert claims.held() == []  # and frees the outbox when it is done
