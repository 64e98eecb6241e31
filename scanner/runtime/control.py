"""Driving a job through the store: planning discovered objects into tasks, settling its status, reaping leases.

The single-host orchestrator runs these steps for its one job beside its workers; the multi-host
``datascan orchestrator`` role runs them for every live job in a shared PostgreSQL store and has no workers. Both
read what they need from the store alone (the job's runtime options are stored with it), so the control role never
needs the job file's credentials.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Container
from pathlib import Path

from scanner.config import RuntimeConfig
from scanner.models import JobStatus
from scanner.store import DatabaseInterface, Progress
from scanner.store.interface import JobInfo

log = logging.getLogger(__name__)

_TICK = 0.25


def runtime_of(job: JobInfo) -> RuntimeConfig:
    """The runtime options a job was created with (defaults for jobs stored before they were recorded)."""
    return RuntimeConfig(**job.options.get("runtime", {}))


async def plan(db: DatabaseInterface, job: JobInfo) -> int:
    """Pipeliner step: turn discovered batches into classification tasks; returns how many batches were planned."""
    rt = runtime_of(job)
    return await db.plan_output_records(job.id, full=bool(job.options.get("full", False)),
                                        batch_bytes=int(rt.batch_mb * 1048576), batch_objects=rt.batch_objects,
                                        max_attempts=rt.max_attempts)


async def settle(db: DatabaseInterface, job: JobInfo, p: Progress) -> JobStatus | None:
    """Job monitor step: finish pausing/cancelling once nothing is leased, complete a job with nothing left.

    Returns the status the job moved to, if it moved.
    """
    if job.status in (JobStatus.PAUSING, JobStatus.CANCELLING):
        if p.tasks_leased == 0:
            nxt = JobStatus.PAUSED if job.status is JobStatus.PAUSING else JobStatus.CANCELLED
            if await db.set_job_status(job.id, nxt, only_from=[job.status]):
                return nxt
    elif job.status is JobStatus.RUNNING and p.settled and p.discovery_open == 0:
        if await db.set_job_status(job.id, JobStatus.COMPLETED, only_from=[JobStatus.RUNNING]):
            await apply_retention(db, job)
            return JobStatus.COMPLETED
    return None


async def apply_retention(db: DatabaseInterface, job: JobInfo) -> None:
    """The job file's ``retention``: once a run has completed, the job's older runs beyond it are deleted."""
    keep = job.options.get("retention")
    if not keep:
        return
    try:
        for p in await db.prune(int(keep), job.name):
            log.info("retention %d: deleted %d old run(s) of %s", keep, len(p.runs), job.name)
    except Exception as exc:  # noqa: BLE001 - housekeeping: the run has completed whatever happens here
        log.warning("retention %d of %s not applied (%s); `datascan prune --keep %d` does it later", keep, job.name,
                    exc.__class__.__name__, keep)


async def reap(db: DatabaseInterface, job_id: int, held_here: Container[tuple[int, int]] = ()) -> int:
    """Reaper step: put leases past their expiry back to PENDING, except the (task, fence) pairs ``held_here`` (the
    caller deals with its own workers). The fence moves on at the next lease, so a late write by the old holder is
    refused."""
    n = 0
    for tid, fence, owner in await db.expired_leases(job_id):
        if (tid, fence) in held_here:
            continue
        log.warning("lease of task %d (owner %s) expired: re-queued", tid, owner)
        await db.fail_task(tid, fence, "lease expired")
        n += 1
    return n


async def run_control(db: DatabaseInterface, stop: asyncio.Event, alive_file: Path | None = None) -> None:
    """The multi-host control role: plan, settle and reap every live job until ``stop`` is set."""
    while not stop.is_set():
        worked = 0
        for job in await db.active_jobs():
            worked += await plan(db, job)
            moved = await settle(db, job, await db.progress(job.id))
            if moved is not None:
                log.info("job %d (%s): %s", job.id, job.name, moved.value)
            worked += await reap(db, job.id)
        if alive_file is not None:
            await asyncio.to_thread(alive_file.touch)
        if not worked:
            try:
                await asyncio.wait_for(stop.wait(), _TICK * 4)
            except TimeoutError:
                pass
