"""One run at a time per job name: a lock the kernel (or the database) releases when the holder dies.

SQLite store: an ``fcntl.flock`` on ``<store>.<job name>.lock`` next to the store file. flock locks belong to the
open file description, so they vanish with the process however it ends (kill -9 included): a crashed run never
leaves a stale lock for cron to trip over. The file also records the holder's pid and start time, for the message.
It is opened with ``O_NOFOLLOW`` and created 0600, and must be a regular file of this user: a symbolic link or a
file planted there by someone else is refused, never followed or truncated. An in-memory store's locks live in a
private folder of this user (``$XDG_RUNTIME_DIR`` or the temp folder, ``datascan-<uid>``, 0700).

PostgreSQL store: a session-level advisory lock (``pg_try_advisory_lock``) on a connection held for the run; the
server drops it when that session ends, so it covers every host sharing the store, and dies with the process too.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import stat
import tempfile
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
from scanner.store.files import PRIVATE_MODE, folder_problem
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
        base = _private_dir() / "datascan-memory"
    else:
        base = Path(db).resolve()
    return base.parent / f"{base.name}.{job_name}.lock"


def _private_dir() -> Path:
    """A folder only this user can write to, for the locks of in-memory stores (never a shared /tmp name)."""
    d = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / f"datascan-{os.getuid()}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.lstat()
    except OSError as exc:
        raise StoreError(f"cannot create the lock folder {d}: {exc.strerror}") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
        raise StoreError(f"lock folder {d} is not a private folder of this user (a link, someone else's, or open "
                         "to others): refusing to put a run lock there")
    return d


def _open_lock(path: Path) -> int:
    """Open (or create, 0600) the lock file without following a link; refuse anything but our own regular file."""
    problem = folder_problem(path.parent)
    if problem:
        log.warning("run lock %s: %s", path, problem)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, PRIVATE_MODE)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(f"the run lock {path} is a symbolic link: refusing to follow it (remove it)") from None
        raise StoreError(f"cannot create the run lock {path}: {exc.strerror} (the store's folder must be "
                         "writable)") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
        os.close(fd)
        raise StoreError(f"the run lock {path} is not a regular file of this user (planted by someone else?): "
                         "refusing to use it (remove it)")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.fchmod(fd, PRIVATE_MODE)  # a lock file from an older version (0644): ours, so made private
    return fd


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
    fd = _open_lock(path)
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
