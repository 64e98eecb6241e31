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

from scanner.config import parse_job_text
from scanner.exceptions import ConfigError
from scanner.runtime.control import run_control
from scanner.runtime.orchestrator import Orchestrator, Role
from scanner.store import DatabaseInterface
from scanner.store.interface import redact_url

log = logging.getLogger(__name__)

_IDLE_S = 1.0  # how often an idle worker host looks for work


def owner_name() -> str:
    """The lease owner of this process: host and pid, so an operator can tell whose lease it is."""
    return f"{socket.gethostname()}:{os.getpid()}"


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


def _clear_signals() -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.remove_signal_handler(sig)


async def run_worker_host(db_url: str, concurrency: int, hmac_key: bytes, env: Mapping[str, str], *,
                          alive_file: Path | None = None, once: bool = False) -> int | None:
    """Serve jobs until SIGTERM/SIGINT; returns the signal that stopped it. ``once``: stop after one job (tests)."""
    db = await DatabaseInterface.open(db_url)
    owner = owner_name()
    refused: set[int] = set()  # jobs whose file this host cannot parse (a missing variable): logged once
    try:
        require_shared_store(db)
        log.info("worker host %s serving %s", owner, redact_url(db.url))
        while True:
            stop, got = asyncio.Event(), list[int]()
            _stop_on_signals(stop, got)
            try:
                job_id = None
                while job_id is None and not stop.is_set():
                    if alive_file is not None:
                        await asyncio.to_thread(alive_file.touch)
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
            log.info("serving job %d (%s)", job_id, info.name)
            # The Orchestrator installs its own signal handlers: a signal now stops this job's work and the host.
            outcome = await Orchestrator(db, job_id, cfg, concurrency, hmac_key, role=Role.WORKERS,
                                         owner=owner).run()
            log.info("job %d on this host: %s", job_id, outcome.status.value)
            if outcome.signal is not None:
                return outcome.signal
            if once:
                return None
    finally:
        await db.close()


async def run_control_host(db_url: str, *, alive_file: Path | None = None) -> int | None:
    """The ``datascan orchestrator`` role until SIGTERM/SIGINT; returns the signal."""
    db = await DatabaseInterface.open(db_url)
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
