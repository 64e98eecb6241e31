"""What the end-to-end and reliability tests read of a store, through the store's own API (never its tables).

Synchronous wrappers, for tests that watch a scan run in another process. A store that does not exist yet reads
as empty (opening it would create it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from scanner.store import DatabaseInterface

T = TypeVar("T")


def with_store(db: str | Path, fn: Callable[[DatabaseInterface], Awaitable[T]], default: Any = None) -> T:
    """``fn(store)`` on the store at ``db`` (an SQLite path or a PostgreSQL URL); ``default`` if it is missing."""
    if "://" not in str(db) and not Path(db).exists():
        return default  # type: ignore[no-any-return]

    async def go() -> T:
        store = await DatabaseInterface.open(str(db))
        try:
            return await fn(store)
        finally:
            await store.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(go())
    # Called from an async test: its loop is busy in this thread, so the store is read from another one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def _job(store: DatabaseInterface, job_id: int | None) -> Awaitable[int | None]:
    async def latest() -> int | None:
        return job_id if job_id is not None else await store.latest_job_id()
    return latest()


def progress(db: str | Path, job_id: int | None = None) -> Any:
    """The counters of a job (the newest when ``job_id`` is None), or None before it exists."""
    async def go(store: DatabaseInterface) -> Any:
        jid = await _job(store, job_id)
        return None if jid is None else await store.progress(jid)
    return with_store(db, go)


def done_objects(db: str | Path, job_id: int | None = None) -> int:
    """Objects read and classified so far (DONE or PARTIAL) in a job."""
    p = progress(db, job_id)
    return 0 if p is None else int(p.objects_done)


def task_counts(db: str | Path, job_id: int = 1) -> dict[str, int]:
    """A job's tasks per status."""
    return with_store(db, lambda s: s.task_counts(job_id), {})


def objects(db: str | Path, job_id: int = 1) -> dict[str, tuple[str, str | None, int, int]]:
    """A run's objects: "ds:path" -> (status, reason, reads, attempts of its task)."""
    return with_store(db, lambda s: s.object_details(job_id), {})


def paths_in(db: str | Path, status: str, job_id: int = 1) -> dict[str, int]:
    """path (without its datasource) -> reads, of a run's objects in ``status``."""
    return {k.split(":", 1)[1]: v[2] for k, v in objects(db, job_id).items() if v[0] == status}


def job_status(db: str | Path, job_id: int = 1) -> str | None:
    """A job's status, or None before it exists."""
    async def go(store: DatabaseInterface) -> str | None:
        job = await store.get_job(job_id)
        return None if job is None else job.status.value
    return with_store(db, go)
