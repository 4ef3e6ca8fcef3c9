"""The deployments of ``callsentry serve --pool NAME``: the nightly batch on a Prefect work pool.

Instead of serving the flows in its own process, ``serve --pool`` registers them on a work pool
of type ``process`` (created when missing) and returns; any number of ``prefect worker start
--pool NAME`` processes, on any hosts with callsentry installed, the same settings and a shared
PostgreSQL database, run what the pool schedules:

* ``compliance-fan-out/nightly`` (on the cron schedule) starts one ``compliance-batch/shard``
  run per shard, each with ``CALLSENTRY_SCHEDULE_CDR_FILE`` as its ``cdr`` when set, and
  returns;
* ``compliance-batch/shard`` checks the recordings of one shard (:mod:`pipeline.shards`, by a
  hash of the file name), so each worker that takes a shard run checks part of the recordings;
  the database claims still guarantee that no recording is checked twice at once;
* ``retention/daily`` deletes what the retention settings say has expired.

The deployments name their flows by module path (``flows.batch.compliance_batch``): a worker
imports them from the installed package; nothing is built, pushed or downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from flows.batch import compliance_batch
from flows.deploy import DEPLOYMENT_NAME, build_retention_deployment, schedule_cdr
from pipeline.config import Settings
from pipeline.shards import check_shard

POOL_TYPE = "process"  # a worker runs each flow run in a child process on its own host
SHARD_DEPLOYMENT_NAME = "shard"
SHARD_DEPLOYMENT = f"{compliance_batch.name}/{SHARD_DEPLOYMENT_NAME}"
FAN_OUT_FLOW_NAME = "compliance-fan-out"


@flow(name=FAN_OUT_FLOW_NAME, persist_result=False, log_prints=False)
def fan_out(
    sources: list[str], shards: int, out_dir: str | None = None, cdr: str | None = None
) -> list[str]:
    """Start one ``compliance-batch/shard`` run per shard of the recordings under ``sources``
    (the pool's workers take them), each with the call-record file ``cdr`` when given; returns
    their flow run ids without waiting for them."""
    check_shard(0, shards)
    logger = get_run_logger()
    run_ids = []
    for shard in range(shards):
        parameters: dict[str, Any] = {
            "sources": sources,
            "out_dir": out_dir,
            "shard": shard,
            "shards": shards,
        }
        if cdr is not None:
            parameters["cdr"] = cdr
        run = run_deployment(
            SHARD_DEPLOYMENT,
            parameters=parameters,
            flow_run_name=f"shard {shard + 1} of {shards}",
            timeout=0,  # started, not awaited: this run holds no worker while the shards run
        )
        assert isinstance(run, FlowRun)  # a sync flow gets the run itself, not a coroutine
        logger.info("shard %d of %d: flow run %s", shard + 1, shards, run.id)
        run_ids.append(str(run.id))
    return run_ids


def ensure_pool(name: str) -> bool:
    """Create the work pool ``name`` of type ``process`` unless it exists; True if created."""
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type=POOL_TYPE,
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                    description="callsentry: nightly compliance shards and daily retention",
                )
            )
            return True
    if pool.type != POOL_TYPE:
        raise ValueError(f"work pool {name!r} is of type {pool.type!r}, not {POOL_TYPE!r}")
    return False


def build_pool_deployments(settings: Settings, pool: str, shards: int) -> list[Any]:
    """The deployments ``serve --pool`` registers on ``pool``: the scheduled fan-out into
    ``shards`` shard runs, the shard deployment they run, and the daily retention."""
    check_shard(0, shards)
    on_pool: dict[str, Any] = {
        "work_pool_name": pool,
        "entrypoint_type": EntrypointType.MODULE_PATH,
    }
    # absolute: a worker runs each flow in a temporary folder of its own
    sources = [str(Path(settings.recordings_dir).resolve())]
    out_dir = str(Path(settings.out_dir).resolve())
    parameters: dict[str, Any] = {"sources": sources, "out_dir": out_dir, "shards": shards}
    cdr = schedule_cdr(settings)
    if cdr is not None:  # each shard run reads it (the same path on every worker host)
        parameters["cdr"] = cdr
    nightly = fan_out.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(settings.schedule_cron, timezone=settings.schedule_timezone)],
        parameters=parameters,
        description=(
            f"Nightly compliance check of recorded calls, split into {shards} shard runs of "
            f"{SHARD_DEPLOYMENT} that the pool's workers take."
        ),
        tags=["callsentry", "compliance"],
        **on_pool,
    )
    shard = compliance_batch.to_deployment(
        name=SHARD_DEPLOYMENT_NAME,
        parameters={"sources": sources, "out_dir": out_dir},
        description=(
            "One shard of the nightly batch (parameters shard and shards): transcribe, detect "
            "PII, mask, apply the rule packs, store results and email alerts."
        ),
        tags=["callsentry", "compliance"],
        **on_pool,
    )
    absolute = settings.model_copy(update={"out_dir": Path(out_dir)})
    return [nightly, shard, build_retention_deployment(absolute, **on_pool)]


def deploy_to_pool(settings: Settings, pool: str, shards: int) -> list[str]:
    """Create the pool if missing and register (or update) its deployments; returns their
    names as ``flow/deployment``."""
    ensure_pool(pool)
    names = []
    for deployment in build_pool_deployments(settings, pool, shards):
        deployment.apply()
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names
