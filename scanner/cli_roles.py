"""The multi-host commands: ``submit``, ``orchestrator``, ``worker``, ``health`` and ``jobs show --wait``.

Registered on the main ``datascan`` group by ``scanner.cli`` (kept apart so the single-host commands stay short).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from scanner.cli import (
    DEFAULT_DB,
    EXIT_FAILURE,
    EXIT_OK,
    _fail,
    _jobs_op,
    _resolve,
    _run,
    coordinator_option,
    exit_code_for,
    jobs,
    load_job,
    main,
    open_store,
    out,
    store_hmac_key,
)
from scanner.exceptions import ConfigError, DatascanError, StoreError

_WAIT_POLL_S = 1.0
# The store URL may hold a password: from the environment (a Kubernetes Secret) it stays out of the process list.
DB_ENV = "DATASCAN_DB"
DB_HELP = f"The shared store: postgresql+asyncpg://... (or ${DB_ENV})."


@main.command()
@click.option("--job", "job_file", required=True, type=click.Path(dir_okay=False), help="The job file.")
@click.option("--db", required=True, envvar=DB_ENV, help=DB_HELP)
@click.option("--full", is_flag=True, help="Scan everything, not only what changed since the last complete run.")
def submit(job_file: str, db: str, full: bool) -> None:
    """Create a job for the orchestrator and worker roles; prints its id."""
    from scanner.runtime.agent import require_shared_store
    from scanner.runtime.scan import job_options
    from scanner.store import DatabaseInterface
    from scanner.validate import check_job

    async def go() -> int:
        store = await DatabaseInterface.open(db)
        try:
            require_shared_store(store)
            cfg = loaded.config
            return await store.create_job(cfg.name, loaded.source_text, loaded.source_path,
                                          [d.id for d in cfg.datasources], max_attempts=cfg.runtime.max_attempts,
                                          options=job_options(loaded, full), incremental=not full)
        finally:
            await store.close()

    try:
        loaded = load_job(job_file, os.environ)
        check_job(loaded)
        out.print(_run(go()), highlight=False)
    except DatascanError as exc:
        _fail(exc)


def _alive(path: str | None) -> Path | None:
    return Path(path) if path else None


@main.command()
@click.option("--db", required=True, envvar=DB_ENV, help=DB_HELP)
@click.option("--alive-file", default=None, help="Touched every few seconds while healthy (for `datascan health`).")
def orchestrator(db: str, alive_file: str | None) -> None:
    """Plan, monitor and reap every job in a shared store; runs no workers (one replica)."""
    from scanner.runtime.agent import run_control_host

    try:
        sig = _run(run_control_host(db, alive_file=_alive(alive_file)))
    except DatascanError as exc:
        _fail(exc)
    sys.exit(128 + sig if sig else EXIT_OK)


@main.command()
@click.option("--db", required=True, envvar=DB_ENV, help=DB_HELP)
@click.option("--concurrency", type=click.IntRange(1, 512), default=None,
              help="Worker processes on this host (default: CPUs).")
@click.option("--alive-file", default=None, help="Touched every few seconds while healthy (for `datascan health`).")
@click.option("--once", is_flag=True, help="Stop after serving one job.")
@coordinator_option("Resource coordinator URL (redis://...) for every job served; overrides the job file's.")
def worker(db: str, concurrency: int | None, alive_file: str | None, once: bool, coordinator: str | None) -> None:
    """Claim and run tasks of the jobs in a shared store until SIGTERM (which releases what is held)."""
    from scanner.runtime.agent import run_worker_host
    from scanner.runtime.coordinator import coordinator_url

    n = concurrency or len(os.sched_getaffinity(0))
    try:
        coord = coordinator_url(coordinator) if coordinator is not None else None
        sig = _run(run_worker_host(db, n, store_hmac_key(db), os.environ, alive_file=_alive(alive_file), once=once,
                                   coordinator=coord))
    except DatascanError as exc:
        _fail(exc)
    sys.exit(128 + sig if sig else EXIT_OK)


@main.command()
@click.option("--db", default=None, help="Check that this store answers and has a schema this version knows.")
@click.option("--alive-file", default=None, help="Check that this file was touched recently.")
@click.option("--max-age", type=float, default=60.0, show_default=True, help="Seconds --alive-file may be old.")
def health(db: str | None, alive_file: str | None, max_age: float) -> None:
    """Probe for liveness/readiness: exit 0 when healthy, 1 with the reason otherwise."""
    from scanner.store import DatabaseInterface

    async def store_ok(url: str) -> None:
        store = await DatabaseInterface.open(url)  # opening checks the connection and the schema version
        try:
            await store.latest_job_id()
        finally:
            await store.close()

    problems = []
    if db is None and alive_file is None:
        raise click.UsageError("give --db, --alive-file or both")
    if alive_file is not None:
        try:
            age = time.time() - Path(alive_file).stat().st_mtime
            if age > max_age:
                problems.append(f"{alive_file} not touched for {age:.0f} s (limit {max_age:g} s)")
        except OSError as exc:
            problems.append(f"{alive_file}: {exc.strerror}")
    if db is not None:
        try:
            _run(asyncio.wait_for(store_ok(db), 10))
        except (DatascanError, StoreError, OSError, TimeoutError) as exc:
            problems.append(f"store: {exc.__class__.__name__}: {exc}")
    for p in problems:
        click.echo(f"unhealthy: {p}", err=True)
    sys.exit(EXIT_FAILURE if problems else EXIT_OK)


@jobs.command("show")
@click.argument("job_ref")
@click.option("--db", default=DEFAULT_DB, show_default=True, envvar=DB_ENV)
@click.option("--wait", is_flag=True, help="Block until the job ends and exit with the code `datascan scan` gives.")
@click.option("--fail-on-findings", is_flag=True, help="With --wait: exit 3 when the job found anything "
              "that triage does not suppress.")
def jobs_show(job_ref: str, db: str, wait: bool, fail_on_findings: bool) -> None:
    """A job's status and counters."""
    if wait:
        wait_for_job(job_ref, db, fail_on_findings)
    _jobs_op(job_ref, db, "show")


def wait_for_job(job_ref: str, db: str, fail_on_findings: bool) -> None:
    from scanner.models import JobStatus
    from scanner.report.gate import fail_on_from_options, failing_findings, severity_of

    async def go() -> Any:
        store = await open_store(db)
        try:
            jid = await _resolve(store, job_ref)
            while True:
                job = await store.get_job(jid)
                if job is None:
                    raise ConfigError(f"no job {jid} in this store")
                if job.status.finished:
                    summary = await store.summary(jid)
                    if gate is None or job.status is not JobStatus.COMPLETED:
                        return summary, 0
                    return summary, await failing_findings(store, jid, gate, severity_of(None))
                await asyncio.sleep(_WAIT_POLL_S)
        finally:
            await store.close()

    gate = fail_on_from_options(fail_on_findings, None, None)
    try:
        summary, failing = _run(go())
    except DatascanError as exc:
        _fail(exc)
    out.print(f"job {summary.job.id}: {summary.job.status.value}, {summary.total_findings} findings", highlight=False)
    sys.exit(exit_code_for(summary, failing, gate))
