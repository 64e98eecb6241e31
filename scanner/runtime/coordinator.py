"""Resource coordinator: at most ``limit`` holders of a resource (e.g. SMB sessions to one server) at a time.

``coordinator.acquire(key, limit)`` is awaited for a :class:`Lease` (``await lease.release()`` gives it back),
or used as ``async with coordinator.acquire(key, limit) as lease:``. The host-local implementation works
across the worker processes of one host: each slot is a file ``slot-N`` locked with ``flock``; the kernel
drops the lock when its holder exits or dies, so a killed worker never leaks a slot. The multi-host issue adds
a Redis implementation behind the same interface.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)


class Lease(ABC):
    """One held slot of a resource."""

    key: str
    slot: int

    @abstractmethod
    async def release(self) -> None:
        """Give the slot back (idempotent)."""


class _Acquire:
    """What ``acquire`` returns: awaitable for a lease, or an async context manager that releases it."""

    def __init__(self, get: Callable[[], Awaitable[Lease]]):
        self._get = get
        self._lease: Lease | None = None

    def __await__(self) -> Generator[Any, None, Lease]:
        return self._get().__await__()

    async def __aenter__(self) -> Lease:
        self._lease = await self._get()
        return self._lease

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._lease is not None:
            await self._lease.release()


class ResourceCoordinator(ABC):
    """Bounds how many holders one resource has at a time, across every process sharing the coordinator."""

    def acquire(self, resource_key: str, limit: int) -> _Acquire:
        """Wait for one of ``limit`` slots of ``resource_key``; cancelling the wait takes no slot."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        return _Acquire(lambda: self._acquire(resource_key, limit))

    @abstractmethod
    async def _acquire(self, resource_key: str, limit: int) -> Lease: ...

    @abstractmethod
    def holders(self, resource_key: str, limit: int) -> int:
        """How many slots of the resource are held right now (for tests and diagnostics)."""


def default_lock_dir() -> Path:
    """Where slot files live: RAM-backed and private to this user when the host allows it."""
    for base in ("/dev/shm", os.environ.get("XDG_RUNTIME_DIR") or "", tempfile.gettempdir()):
        if base and os.path.isdir(base) and os.access(base, os.W_OK | os.X_OK):
            return Path(base) / f"datascan-slots-{os.getuid()}"
    raise RuntimeError("no writable folder for the resource coordinator's slot files")


class _FileLease(Lease):
    def __init__(self, key: str, slot: int, fd: int):
        self.key, self.slot, self._fd = key, slot, fd

    async def release(self) -> None:
        self.release_now()

    def release_now(self) -> None:
        """Synchronous release (also used from finalisers and error paths)."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __del__(self) -> None:
        # A lease dropped without release must not hold the slot until the process exits.
        if getattr(self, "_fd", -1) >= 0:
            self.release_now()


class LocalCoordinator(ResourceCoordinator):
    """Host-local slots: ``flock`` on files ``slot-0 .. slot-(limit-1)`` in one folder per resource.

    flock locks belong to the open file description, so two acquisitions in one process exclude each other
    just like two processes do. Waiting polls the slots with a short backoff: flock offers no "wait for any of
    these files", and a thread blocked in flock on one slot could neither take another slot that frees first
    nor be cancelled.
    """

    def __init__(self, directory: str | Path | None = None, poll_min_s: float = 0.01,
                 poll_max_s: float = 0.2):
        self.directory = Path(directory) if directory is not None else default_lock_dir()
        self.poll_min_s, self.poll_max_s = poll_min_s, poll_max_s

    def _dir(self, key: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)[:80]
        d = self.directory / f"{safe}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        return d

    def _try(self, d: Path, key: str, limit: int) -> _FileLease | None:
        # Start at a pid-dependent slot so waiters do not all hammer slot-0 first.
        start = os.getpid() % limit
        for i in range(limit):
            slot = (start + i) % limit
            fd = os.open(d / f"slot-{slot}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            except BaseException:
                os.close(fd)
                raise
            # The holder's pid in the file only helps a human looking at who holds what.
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return _FileLease(key, slot, fd)
        return None

    async def _acquire(self, resource_key: str, limit: int) -> Lease:
        d = self._dir(resource_key)
        delay = self.poll_min_s
        waited = False
        while True:
            lease = self._try(d, resource_key, limit)
            if lease is not None:
                if waited:
                    log.debug("got slot %d of %s after waiting", lease.slot, resource_key)
                return lease
            if not waited:
                log.debug("all %d slots of %s are held: waiting", limit, resource_key)
                waited = True
            await asyncio.sleep(delay)  # polling interval of the wait (see the class docstring)
            delay = min(self.poll_max_s, delay * 2)

    def holders(self, resource_key: str, limit: int) -> int:
        d = self._dir(resource_key)
        held = 0
        for slot in range(limit):
            fd = os.open(d / f"slot-{slot}", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
            except BlockingIOError:
                held += 1
            finally:
                os.close(fd)
        return held


__all__ = ["Lease", "LocalCoordinator", "ResourceCoordinator", "default_lock_dir"]
