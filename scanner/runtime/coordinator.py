"""Resource coordinator: at most ``limit`` holders of a resource (e.g. SMB sessions to one server) at a time.

``coordinator.acquire(key, limit)`` is awaited for a :class:`Lease` (``await lease.release()`` gives it back),
or used as ``async with coordinator.acquire(key, limit) as lease:``. The host-local implementation works
across the worker processes of one host: each slot is a file ``slot-N`` locked with ``flock``; the kernel
drops the lock when its holder exits or dies, so a killed worker never leaks a slot.

Across hosts, :class:`RedisCoordinator` keeps each slot as a Redis key with an expiry that the holder
refreshes while it holds it: a dead or partitioned holder stops refreshing, and its slot comes back after
``ttl_s``.
:func:`make_coordinator` picks one from a URL (``coordinator:`` in the job file, ``--coordinator``).
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
import re
import secrets
import socket
import tempfile
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from scanner.exceptions import ConfigError, DatascanError

if TYPE_CHECKING:
    from scanner.config import JobConfig

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


async def _poll(attempt: Callable[[], Awaitable[Lease | None]], resource_key: str, limit: int,
                poll_min_s: float, poll_max_s: float) -> Lease:
    """Call ``attempt`` until it returns a lease, sleeping between tries with a doubling delay: neither flock nor
    Redis can wait on "any one of N slots", so both coordinators poll (see their docstrings)."""
    delay, waited = poll_min_s, False
    while True:
        lease = await attempt()
        if lease is not None:
            if waited:
                log.debug("got slot %d of %s after waiting", lease.slot, resource_key)
            return lease
        if not waited:
            log.debug("all %d slots of %s are held: waiting", limit, resource_key)
            waited = True
        await asyncio.sleep(delay)  # polling interval of the wait
        delay = min(poll_max_s, delay * 2)


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

        async def attempt() -> Lease | None:
            return self._try(d, resource_key, limit)

        return await _poll(attempt, resource_key, limit, self.poll_min_s, self.poll_max_s)

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


class CoordinatorError(DatascanError):
    """The resource coordinator cannot be reached or used (the message never holds a password)."""


def redact_redis_url(url: str) -> str:
    """The URL without its credentials, for messages."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        if parts.username or parts.password:
            netloc = f"***@{netloc}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return "<unparsable coordinator URL>"


# Take the first free slot in one atomic step. KEYS: the slot keys 0..limit-1; ARGV: the slot to try first
# (spreads waiters over the slots), the holder's token, the expiry in ms.
_ACQUIRE = """
local limit = #KEYS
for i = 0, limit - 1 do
  local slot = (tonumber(ARGV[1]) + i) % limit
  if redis.call('SET', KEYS[slot + 1], ARGV[2], 'NX', 'PX', ARGV[3]) then
    return slot
  end
end
return -1
"""
# Extend or delete a slot only while it still holds our token: after an expiry another holder may own it.
_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class _RedisLease(Lease):
    """A slot key holding our random token; a task refreshes its expiry until the lease is released."""

    def __init__(self, coord: RedisCoordinator, conn: _RedisConn, key: str, slot: int, token: str):
        self.key, self.slot, self.token = key, slot, token
        self._coord, self._conn = coord, conn
        self._redis_key = coord.slot_key(key, slot)
        self.lost = False  # set when a refresh found the slot gone (this holder was paused or cut off)
        self._refresher: asyncio.Task[None] | None = asyncio.get_running_loop().create_task(
            self._refresh_loop(), name=f"coordinator-refresh-{key}-{slot}")

    async def _refresh_loop(self) -> None:
        while True:
            # The refresh period of the expiry, not a wait for an event.
            await asyncio.sleep(self._coord.ttl_s / 3)
            try:
                ok = await self._conn.refresh(keys=[self._redis_key], args=[self.token, self._coord.ttl_ms])
            except Exception as exc:  # noqa: BLE001 - keep trying: the key lives ttl_s without a refresh
                log.warning("could not refresh slot %d of %s: %s", self.slot, self.key,
                            exc.__class__.__name__)
                continue
            if not ok:
                # Paused or cut off past the expiry: the slot may belong to another holder now. Nothing can
                # undo an overlap that may have happened; say so loudly and stop claiming the slot.
                self.lost = True
                log.error("slot %d of %s expired while held (this process was paused or cut off from the "
                          "coordinator for more than %g s)", self.slot, self.key, self._coord.ttl_s)
                return

    async def release(self) -> None:
        t, self._refresher = self._refresher, None
        if t is None:
            return
        t.cancel()
        if self.lost:
            return
        try:
            await self._conn.release(keys=[self._redis_key], args=[self.token])
        except Exception as exc:  # noqa: BLE001 - the key expires by itself after ttl_s
            log.warning("could not release slot %d of %s (it expires by itself): %s", self.slot, self.key,
                        exc.__class__.__name__)


class _RedisConn:
    """One redis.asyncio client (bound to the event loop that made it) and the scripts registered on it."""

    def __init__(self, url: str):
        import redis.asyncio as aredis

        self.loop = asyncio.get_running_loop()
        self.client = aredis.from_url(url)
        self.acquire = self.client.register_script(_ACQUIRE)
        self.refresh = self.client.register_script(_REFRESH)
        self.release = self.client.register_script(_RELEASE)


class RedisCoordinator(ResourceCoordinator):
    """Slots shared by every host that uses the same Redis: key ``{prefix}{{resource}}:{slot}`` per held slot.

    A slot is taken with ``SET NX PX`` inside one Lua script (atomic over all the slots of the resource) and
    holds a random token; its holder refreshes the expiry every ``ttl_s / 3``. A holder that dies stops
    refreshing, and the slot comes back ``ttl_s`` later. Waiting polls with a short backoff, like
    :class:`LocalCoordinator`.
    """

    def __init__(self, url: str, *, ttl_s: float = 15.0, prefix: str = "datascan:slots:",
                 poll_min_s: float = 0.02, poll_max_s: float = 0.25):
        if ttl_s < 1:
            raise ValueError("ttl_s must be at least 1 second")
        self.url, self.ttl_s, self.prefix = url, ttl_s, prefix
        self.ttl_ms = int(ttl_s * 1000)
        self.poll_min_s, self.poll_max_s = poll_min_s, poll_max_s
        self.where = redact_redis_url(url)
        self._conn: _RedisConn | None = None

    def slot_key(self, resource_key: str, slot: int) -> str:
        # The braces are a Redis Cluster hash tag: every slot of one resource lives on one node, so the acquire
        # script may touch them all.
        return f"{self.prefix}{{{resource_key}}}:{slot}"

    def _error(self, exc: Exception) -> CoordinatorError:
        # The class name only: a driver message may quote the URL it was given, password included.
        return CoordinatorError(f"resource coordinator at {self.where}: {exc.__class__.__name__}")

    def _connection(self) -> _RedisConn:
        if self._conn is None or self._conn.loop is not asyncio.get_running_loop():
            self._conn = _RedisConn(self.url)
        return self._conn

    async def _acquire(self, resource_key: str, limit: int) -> Lease:
        import redis.exceptions

        conn = self._connection()
        token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"  # the holder, for a human
        keys = [self.slot_key(resource_key, i) for i in range(limit)]

        async def attempt() -> Lease | None:
            try:
                slot = int(await conn.acquire(keys=keys, args=[os.getpid() % limit, token, self.ttl_ms]))
            except redis.exceptions.RedisError as exc:
                raise self._error(exc) from None
            return _RedisLease(self, conn, resource_key, slot, token) if slot >= 0 else None

        return await _poll(attempt, resource_key, limit, self.poll_min_s, self.poll_max_s)

    def holders(self, resource_key: str, limit: int) -> int:
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            return int(client.exists(*(self.slot_key(resource_key, i) for i in range(limit))))
        except redis.exceptions.RedisError as exc:
            raise self._error(exc) from None
        finally:
            client.close()

    async def aclose(self) -> None:
        """Close the client of the running loop (leases still held expire by themselves)."""
        conn, self._conn = self._conn, None
        if conn is not None and conn.loop is asyncio.get_running_loop():
            await conn.client.aclose()


REDIS_SCHEMES = ("redis", "rediss", "unix")


def coordinator_url(url: str | SecretStr) -> SecretStr:
    """A checked coordinator URL (``--coordinator``), kept secret since it may hold a password."""
    raw = url.get_secret_value() if isinstance(url, SecretStr) else url
    scheme = raw.split("://", 1)[0].lower() if "://" in raw else ""
    if scheme not in REDIS_SCHEMES:
        raise ConfigError(f"coordinator: unsupported URL scheme {scheme or '(none)'!r}; use redis://, "
                          "rediss:// or unix:// (or leave it out for this host's own coordinator)")
    return SecretStr(raw)


def make_coordinator(url: str | SecretStr | None) -> ResourceCoordinator:
    """The coordinator a URL names: None for this host's own (flock) slots, ``redis://``/``rediss://``/``unix://``
    for slots shared by every host using that Redis."""
    if url is None:
        return LocalCoordinator()
    return RedisCoordinator(coordinator_url(url).get_secret_value())


def with_coordinator(job: JobConfig, url: str | None) -> JobConfig:
    """``job`` with its ``coordinator:`` replaced by ``url`` (the ``--coordinator`` option), when given."""
    if url is None:
        return job
    return job.model_copy(update={"coordinator": coordinator_url(url)})


__all__ = ["CoordinatorError", "Lease", "LocalCoordinator", "RedisCoordinator", "ResourceCoordinator",
           "coordinator_url", "default_lock_dir", "make_coordinator", "redact_redis_url", "with_coordinator"]
