"""The multi-host roles: ``datascan worker`` (runs tasks of jobs in a shared store) and ``datascan orchestrator``.

A worker host serves one job at a time: the oldest RUNNING job with tasks waiting. It parses that job's file, as
stored, with its own environment (credentials come from the host's environment, e.g. Kubernetes Secrets), then runs
an :class:`Orchestrator` in the WORKERS role, which leases tasks under this host's own owner name, feeds its
worker processes and writes their results straight to the store. When the job stops running (completed, paused,
cancelled) it looks for the next one. SIGTERM stops claiming: in-flight objects finish, what is still held is
released, and the process exits 143 so Kubernetes can roll pods without losing work.

Why one job at a time: the worker processes are built for one job file (connectors, Presidio, the automata);
switching jobs means new processes, which is cheap next to a job's length.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from scanner.config import parse_job_text
from scanner.exceptions import ConfigError, StoreError
from scanner.runtime.control import run_control
from scanner.runtime.orchestrator import Orchestrator, Role
from scanner.store import DatabaseInterface
from scanner.store.interface import redact_url

log = logging.getLogger(__name__)

_IDLE_S = 1.0  # how often an idle worker host looks for work
_ALIVE_EVERY_S = 5.0  # how often the alive file is touched (the liveness probe allows much more)


def owner_name() -> str:
    """The lease owner of this process: host and pid, so an operator can tell whose lease it is."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def open_store(db_url: str, attempts: int = 6) -> DatabaseInterface:
    """Open the shared store, retrying a failed open a few times (about 30 s in all).

    The roles of a fresh deployment start together: the store may not answer yet, and two processes creating the
    schema of an empty database at the same moment collide (one of them gets a unique violation in the catalog
    and rolls back; on the next try the schema is there). A store that stays unreachable is still an error.
    """
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            return await DatabaseInterface.open(db_url)
        except StoreError as exc:
            if attempt == attempts:
                raise
            log.warning("%s (attempt %d of %d; retrying in %g s)", exc, attempt, attempts, delay)
            await asyncio.sleep(delay)  # back-off before the next attempt
            delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


def require_shared_store(db: DatabaseInterface) -> None:
    """The multi-host roles need a store every host can reach and lock rows in: PostgreSQL."""
    if db.dialect != "postgresql":
        raise ConfigError("the orchestrator and worker roles need a PostgreSQL store (--db postgresql+asyncpg://...); "
                          "with one host, use `datascan scan`")


def _stop_on_signals(stop: asyncio.Event, got: list[int]) -> None:
    loop = asyncio.get_running_loop()

    def on(sig: int) -> None:
        got.append(sig)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on, sig)


async def _keep_alive(path: Path) -> None:
    """Touch ``path`` while this process's event loop runs: idle or serving a job, a live host stays live."""
    while True:
        await asyncio.to_thread(path.touch)
        await asyncio.sleep(_ALIVE_EVERY_S)  # the touch period, not a wait for an event


def _clear_signals() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)


async def run_worker_host(db_url: str, concurrency: int, hmac_key: bytes, env: Mapping[str, str], *,
                          alive_file: Path | None = None, once: bool = False,
                          coordinator: SecretStr | None = None) -> int | None:
    """Serve jobs until SIGTERM/SIGINT; returns the signal that stopped it. ``once``: stop after one job (tests).

    ``coordinator`` (``--coordinator``) replaces the ``coordinator:`` of every job served: the hosts of one
    deployment share one Redis whatever the job files say.
    """
    db = await open_store(db_url)
    owner = owner_name()
    refused: set[int] = set()  # jobs whose file this host cannot parse (a missing variable): logged once
    # Touched from a task of its own: a host busy with a long job must not look dead to the liveness probe.
    alive = asyncio.create_task(_keep_alive(alive_file)) if alive_file is not None else None
    try:
        require_shared_store(db)
        log.info("worker host %s serving %s", owner, redact_url(db.url))
        while True:
            stop, got = asyncio.Event(), list[int]()
            _stop_on_signals(stop, got)
            try:
                job_id = None
                while job_id is None and not stop.is_set():
                    candidate = await db.next_job_with_work()
                    if candidate is not None and candidate not in refused:
                        job_id = candidate
                    else:
                        try:
                            await asyncio.wait_for(stop.wait(), _IDLE_S)
                        except TimeoutError:
                            pass
            finally:
                _clear_signals()
            if job_id is None:
                return got[0] if got else None
            info = await db.get_job(job_id)
            if info is None:
                continue
            try:
                cfg = parse_job_text(info.source_text, env, info.source_path or f"job {job_id}")
            except ConfigError as exc:
                refused.add(job_id)
                log.error("job %d: cannot run its job file on this host: %s", job_id, exc)
                continue
            if coordinator is not None:
                cfg = cfg.model_copy(update={"coordinator": coordinator})
            log.info("serving job %d (%s)%s", job_id, info.name,
                     " with a shared resource coordinator" if cfg.coordinator is not None else "")
            # The Orchestrator installs its own signal handlers: a signal now stops this job's work and the host.
            outcome = await Orchestrator(db, job_id, cfg, concurrency, hmac_key, role=Role.WORKERS,
                                         owner=owner).run()
            log.info("job %d on this host: %s", job_id, outcome.status.value)
            if outcome.signal is not None:
                return outcome.signal
            if once:
                return None
    finally:
        if alive is not None:
            alive.cancel()
        await db.close()


async def run_control_host(db_url: str, *, alive_file: Path | None = None) -> int | None:
    """The ``datascan orchestrator`` role until SIGTERM/SIGINT; returns the signal."""
    db = await open_store(db_url)
    try:
        require_shared_store(db)
        stop, got = asyncio.Event(), list[int]()
        _stop_on_signals(stop, got)
        log.info("orchestrator serving %s", redact_url(db.url))
        try:
            await run_control(db, stop, alive_file)
        finally:
            _clear_signals()
        return got[0] if got else None
    finally:
        await db.close()
