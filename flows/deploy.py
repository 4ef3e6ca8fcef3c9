"""The scheduled deployment of the batch flow (what `callsentry serve` registers)."""

from __future__ import annotations

from typing import Any

from prefect.schedules import Cron

from flows.batch import compliance_batch
from pipeline.config import Settings

DEPLOYMENT_NAME = "nightly"


def build_deployment(settings: Settings, name: str = DEPLOYMENT_NAME) -> Any:
    """A runner deployment of ``compliance-batch`` on the configured cron schedule.

    Its default parameters point at ``settings.recordings_dir``; the Prefect UI can start it
    with other parameters ("Run" -> "Custom run").
    """
    return compliance_batch.to_deployment(
        name=name,
        schedules=[Cron(settings.schedule_cron, timezone=settings.schedule_timezone)],
        parameters={
            "sources": [str(settings.recordings_dir)],
            "out_dir": str(settings.out_dir),
        },
        description=(
            "Nightly compliance check of recorded calls: transcribe, detect PII, mask, apply "
            "the rule packs, store results and email alerts."
        ),
        tags=["callsentry", "compliance"],
    )
