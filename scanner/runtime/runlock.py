"""One run at a time per job name: a lock the kernel (or the database) releases when the holder dies.

SQLite store: an ``fcntl.flock`` on ``<store>.<job name>.lock`` next to the store file. flock locks belong to the
open file description, so they vanish with the process however it ends (kill -9 included): a crashed run never
leaves a stale lock for cron to trip over. The file also records the holder's pid and start time, for the message.

PostgreSQL store: a session-level advisory lock (``pg_try_advisory_lock``) on a connection held for the run; the
server drops it when that session ends, so it covers every host sharing the store, and dies with the process too.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine

from scanner.exceptions import DatascanError, StoreError
from scanner.store.interface import normalise_url, redact_url
from scanner.tlspolicy import apply_pg_tls_policy

log = logging.getLogger(__name__)


class RunLockedError(DatascanError):
    """Another run of the same job holds its run lock."""


def lock_path(db_url: str, job_name: str) -> Path:
    """Where the lock file of ``job_name`` lives for an SQLite store (beside the store file)."""
    url = make_url(normalise_url(db_url))
    db = url.database or ""
    if not db or db == ":memory:":
        base = Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp") / "datascan-memory"
    else:
        base = Path(db).resolve()
    return base.parent / f"{base.name}.{job_name}.lock"


def advisory_key(job_name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"datascan-run:{job_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@asynccontextmanager
async def run_lock(db_url: str, job_name: str) -> AsyncIterator[None]:
    """Hold the run lock of ``job_name`` in this store for the block; raise :class:`RunLockedError` if taken."""
    url = normalise_url(db_url)
    if make_url(url).get_backend_name() == "postgresql":
        async with _pg_lock(url, job_name):
            yield
        return
    path = lock_path(db_url, job_name)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the run lock {path}: {exc.strerror} (the store's folder must be "
                         "writable)") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise RunLockedError(f"another run of job {job_name!r} is in progress ({holder or 'holder unknown'}; "
                                 f"lock file {path}): not starting a second one") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the flock; the file stays (removing it would race with a waiting locker)


@asynccontextmanager
async def _pg_lock(url: str, job_name: str) -> AsyncIterator[None]:
    engine = create_async_engine(url, pool_size=1, max_overflow=0)
    apply_pg_tls_policy(engine, f"store {redact_url(url)}")
    key = advisory_key(job_name)
    try:
        async with engine.connect() as conn:
            got: Any = (await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar_one()
            await conn.commit()
            if not got:
                raise RunLockedError(f"another run of job {job_name!r} is in progress (PostgreSQL advisory lock "
                                     f"{key} in {redact_url(url)} is held): not starting a second one")
            try:
                yield
            finally:
                try:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    await conn.commit()
                except DBAPIError as exc:
                    # The lock's session is gone (the server restarted during the run): the lock went with it.
                    log.warning("run lock of job %r: its session ended before the run did (%s); nothing to "
                                "release", job_name, exc.__class__.__name__)
    finally:
        await engine.dispose()
