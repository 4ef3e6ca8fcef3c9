"""The scheduled deployments (what `callsentry serve` registers): the nightly batch and the
daily retention run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.schedules import Cron

from flows.batch import compliance_batch
from flows.retention import retention
from pipeline.config import Settings

DEPLOYMENT_NAME = "nightly"
RETENTION_DEPLOYMENT_NAME = "daily"


def schedule_cdr(settings: Settings) -> str | None:
    """The nightly run's call-record file as an absolute path (None: not set)."""
    path = settings.schedule_cdr_file
    return None if path is None else str(Path(path).resolve())


def build_deployment(settings: Settings, name: str = DEPLOYMENT_NAME) -> Any:
    """A runner deployment of ``compliance-batch`` on the configured cron schedule.

    Its default parameters point at ``settings.recordings_dir`` and, when set, give
    ``settings.schedule_cdr_file`` as the run's ``cdr`` (the call-record checks of
    ``run --cdr``); the Prefect UI can start it with other parameters ("Run" -> "Custom run").
    """
    parameters: dict[str, Any] = {
        "sources": [str(settings.recordings_dir)],
        "out_dir": str(settings.out_dir),
    }
    cdr = schedule_cdr(settings)
    if cdr is not None:
        parameters["cdr"] = cdr
    return compliance_batch.to_deployment(
        name=name,
        schedules=[Cron(settings.schedule_cron, timezone=settings.schedule_timezone)],
        parameters=parameters,
        description=(
            "Nightly compliance check of recorded calls: transcribe, detect PII, mask, apply "
            "the rule packs, store results and email alerts."
        ),
        tags=["callsentry", "compliance"],
    )


def build_retention_deployment(
    settings: Settings, name: str = RETENTION_DEPLOYMENT_NAME, **options: Any
) -> Any:
    """A runner deployment of ``retention`` on ``settings.retention_schedule_cron`` (it deletes
    nothing while no ``CALLSENTRY_RETENTION_*_DAYS`` is set); ``options`` go to
    ``to_deployment`` (a work pool: :mod:`flows.pool`)."""
    return retention.to_deployment(
        name=name,
        schedules=[Cron(settings.retention_schedule_cron, timezone=settings.schedule_timezone)],
        parameters={"out_dir": str(settings.out_dir)},
        description=(
            "Daily retention: delete redacted recordings, masked transcripts and findings older "
            "than their retention periods, each deletion audited."
        ),
        tags=["callsentry", "retention"],
        **options,
    )


def build_deployments(settings: Settings) -> list[Any]:
    """Every deployment ``callsentry serve`` serves: the nightly batch, the daily retention."""
    return [build_deployment(settings), build_retention_deployment(settings)]
