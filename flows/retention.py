"""The retention flow: what `callsentry retention apply` does, on a daily schedule."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import resources
from pipeline.config import Settings
from pipeline.preflight import load_settings
from pipeline.redaction.lifecycle import apply_retention

STORAGE_RETRIES = 3
STORAGE_RETRY_DELAY_S = 2.0


@task(name="apply-retention", persist_result=False, cache_policy=NO_CACHE,
      retries=STORAGE_RETRIES, retry_delay_seconds=STORAGE_RETRY_DELAY_S)  # fmt: skip
def apply_retention_task(settings: Settings) -> int:
    """Delete what the retention settings say has expired (audited); returns the count."""
    return len(apply_retention(resources.store(settings), settings))


@flow(name="retention", persist_result=False, log_prints=False)
def retention(out_dir: str | None = None) -> int:
    """Delete expired redacted recordings, transcripts and findings, each deletion audited."""
    settings = load_settings(out_dir=out_dir)
    deleted = apply_retention_task(settings)
    get_run_logger().info("retention: %d deletion(s)", deleted)
    return deleted
