"""Running a job on this host: create or resume it in the store, run the orchestrator, return the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.config import LoadedJob
from scanner.exceptions import ConfigError
from scanner.models import JobStatus
from scanner.runtime.orchestrator import Orchestrator, RunOutcome
from scanner.store import DatabaseInterface, Progress


async def job_source(db_url: str, job_id: int) -> tuple[str, str]:
    """The stored text and path of a job's file (to re-parse it for ``--resume`` with today's environment)."""
    db = await DatabaseInterface.open(db_url)
    try:
        job = await db.get_job(job_id)
        if job is None:
            raise ConfigError(f"--resume: no job {job_id} in this store")
        if job.status.finished:
            raise ConfigError(f"--resume: job {job_id} already ended ({job.status.value})")
        return job.source_text, job.source_path
    finally:
        await db.close()


def job_options(loaded: LoadedJob, full: bool) -> dict[str, Any]:
    """What the store keeps with a job beside its file: enough for any host's control role to drive it."""
    return {"full": full, "store_raw": loaded.config.store_raw, "runtime": loaded.config.runtime.model_dump(),
            "retention": loaded.config.retention}


async def run_scan(db_url: str, loaded: LoadedJob, workers: int, hmac_key: bytes, *, full: bool = False,
                   resume_id: int | None = None,
                   on_progress: Callable[[Progress], None] | None = None) -> RunOutcome:
    """Run (or resume) a job to an end state and return how it ended."""
    job = loaded.config
    db = await DatabaseInterface.open(db_url)
    try:
        if resume_id is not None:
            info = await db.get_job(resume_id)
            assert info is not None
            full = bool(info.options.get("full", False))
            await db.release_job_leases(resume_id)
            await db.set_job_status(resume_id, JobStatus.RUNNING)
            job_id = resume_id
        else:
            job_id = await db.create_job(
                job.name, loaded.source_text, loaded.source_path, [d.id for d in job.datasources],
                max_attempts=job.runtime.max_attempts, options=job_options(loaded, full),
                incremental=not full,
            )
        orch = Orchestrator(db, job_id, job, workers, hmac_key, on_progress=on_progress)
        return await orch.run()
    finally:
        await db.close()
