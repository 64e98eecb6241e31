"""``DatabaseInterface``: every read and write of the results store, all async, one code path for SQLite and PostgreSQL.

SQLite: WAL, a busy timeout, and write transactions that take the write lock up front (``BEGIN IMMEDIATE``) so two
writers never deadlock half-way; reads use their own pool with deferred transactions so progress queries never wait
for the writer. PostgreSQL: one pool; leasing uses ``FOR UPDATE SKIP LOCKED``.

Every result write is fenced: it carries the task's lease token (``fence``) and is rejected when the task was
re-leased since, so a worker that comes back late can never write over the work of its successor.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import stamina
from sqlalchemy import CursorResult, and_, case, delete, event, func, literal, or_, select, text, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from scanner.dburl import parse_url, redacted, url_text
from scanner.exceptions import StoreError
from scanner.models import (
    HINT_PREFIX,
    DiscoveredObject,
    FolderListing,
    JobStatus,
    ObjectResult,
    ObjectStatus,
    TaskStatus,
    TaskType,
    WorkPacket,
)
from scanner.names import escape_name, needs_escape
from scanner.store import migrations, state
from scanner.store.files import prepare_sqlite_file, sqlite_path
from scanner.store.tables import (
    Base,
    FindingRow,
    Job,
    ObjectRow,
    ObjectVersion,
    OutputRecord,
    RunSource,
    SchemaMeta,
    Source,
    Suppression,
    Task,
)
from scanner.tlspolicy import TlsRefused, apply_pg_tls_policy, chain_has

log = logging.getLogger(__name__)

_RUN_COUNTERS = ("objects", "bytes", "bytes_done", "new", "modified", "unchanged", "removed", "pending", "done",
                 "partial", "skipped", "failed", "findings")
KEY_FINGERPRINT = "hmac_key_fingerprint"  # schema_meta key: the HMAC key every value hash here was made with
UNKNOWN_KEY = "unknown"  # jobs.key_fingerprint of jobs older than the first recorded key, after a rotation
_ERROR_CHARS = 300  # a stored task error is a short reason, not a dump
_STATEMENT_ECHO = re.compile(r"\s*(?:\[SQL: |\[parameters: |\(Background on this error at: ).*")


@dataclass(slots=True)
class JobInfo:
    """A job as the store knows it."""

    id: int
    name: str
    status: JobStatus
    created_at: float
    finished_at: float | None
    error: str | None
    options: dict[str, Any]
    previous_job_id: int | None
    source_text: str
    source_path: str
    key_fingerprint: str | None = None


@dataclass(slots=True)
class Progress:
    """Counters of one job, cheap enough to poll every second."""

    objects: int = 0
    objects_done: int = 0
    objects_unchanged: int = 0
    objects_skipped: int = 0
    objects_failed: int = 0
    objects_pending: int = 0
    objects_removed: int = 0  # stored objects this run found gone (their findings resolved in it)
    bytes_total: int = 0
    bytes_done: int = 0
    findings: int = 0
    tasks_pending: int = 0
    tasks_leased: int = 0
    tasks_failed: int = 0
    discovery_open: int = 0
    output_pending: int = 0

    @property
    def settled(self) -> bool:
        """True when nothing is left to lease, run or plan."""
        return self.tasks_pending == 0 and self.tasks_leased == 0 and self.output_pending == 0


@dataclass(slots=True)
class DatasourceSummary:
    """Per-datasource totals for the end-of-scan summary."""

    datasource_id: str
    objects: int = 0
    bytes: int = 0
    scanned: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    partial: dict[str, int] = field(default_factory=dict)  # scanned in part, per reason (counted in ``scanned``)
    failed: dict[str, int] = field(default_factory=dict)  # per reason
    findings: dict[str, int] = field(default_factory=dict)
    hints: dict[str, int] = field(default_factory=dict)  # columns named like an entity their values never held


@dataclass(slots=True)
class FailedTask:
    """A task that exhausted its attempts."""

    task_id: int
    type: str
    datasource_id: str
    error: str


@dataclass(slots=True)
class Summary:
    """What a job did, per datasource, plus its failed tasks."""

    job: JobInfo
    datasources: list[DatasourceSummary]
    failed_tasks: list[FailedTask]

    @property
    def total_findings(self) -> int:
        return sum(sum(d.findings.values()) for d in self.datasources)

    @property
    def failed_objects(self) -> int:
        return sum(sum(d.failed.values()) for d in self.datasources)


@dataclass(slots=True)
class SuppressionInfo:
    """A triage decision: ``kind`` ``hash`` (pattern = value hash) or ``object`` (pattern = object path glob)."""

    id: int
    kind: str
    pattern: str
    entity: str | None
    reason: str
    created_at: float


@dataclass(slots=True)
class PrunedRuns:
    """What :meth:`DatabaseInterface.prune` deleted of one job name: its runs, and rows per table."""

    name: str
    runs: list[int]
    kept_from: int  # the oldest run kept
    rows: dict[str, int]


def _rowcount(result: Any) -> int:
    """Rows an UPDATE/DELETE touched (``execute`` is typed as returning a plain Result, which has no rowcount)."""
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def _now() -> float:
    return time.time()


def _finding_dict(job_id: int, row: Any) -> dict[str, Any]:
    return {
        "job_id": job_id, "datasource": row.ds, "object": row.path + (f"!/{row.member}" if row.member else ""),
        "location": row.location, "entity": row.entity, "score": round(row.score, 4), "masked": row.masked,
        "value_hash": row.value_hash, "value": row.value, "carried_over": bool(row.carried),
        **exposure_fields(row.exposure, row.readers, row.exposure_reason),
    }


NOT_RECORDED = "not recorded (read by a release before exposure was read)"


def exposure_fields(level: str | None, readers: str | None, reason: str | None) -> dict[str, Any]:
    """A finding's ``exposure``, ``readers`` and ``exposure_reason`` from its object version's columns."""
    if level is None:
        return {"exposure": "unknown", "readers": [], "exposure_reason": NOT_RECORDED}
    return {"exposure": level, "readers": json.loads(readers) if readers else [], "exposure_reason": reason}


def _job_info(row: Job) -> JobInfo:
    return JobInfo(
        id=row.id,
        name=row.name,
        status=JobStatus(row.status),
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
        options=json.loads(row.options or "{}"),
        previous_job_id=row.previous_job_id,
        source_text=row.source_text,
        source_path=row.source_path,
        key_fingerprint=row.key_fingerprint,
    )


def short_error(error: str) -> str:
    """A stored error: its first line, without an echoed statement, cut to a few hundred characters.

    SQLAlchemy appends the statement, its bound parameters (values!) and a help link to a driver error's text;
    a connector that quotes that text must not get them into ``tasks.error``. The worker log has the rest at -vv.
    """
    line = error.strip().splitlines()[0] if error.strip() else "failed"
    line = _STATEMENT_ECHO.sub("", line).rstrip() or "failed"
    return line if len(line) <= _ERROR_CHARS else line[:_ERROR_CHARS - 1] + "\u2026"


def normalise_url(url: str) -> str:
    """Accept a bare file path or ``sqlite:///`` / ``postgresql://`` and pick the async driver."""
    if "://" not in url:
        return f"sqlite+aiosqlite:///{url}"
    for plain, async_ in (("sqlite://", "sqlite+aiosqlite://"), ("postgresql://", "postgresql+asyncpg://"),
                          ("postgres://", "postgresql+asyncpg://")):
        if url.startswith(plain):
            url = async_ + url[len(plain):]
            break
    try:  # an unescaped "@" in the password re-escaped (scanner/dburl.py), so every later parse agrees
        return url_text(parse_url(url))
    except Exception:  # noqa: BLE001 - reported, without the URL, where the store opens it
        return url


def redact_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return redacted(url)


_RETRY_FIRST_S, _RETRY_MAX_S = 0.5, 10.0
_SCHEMA_LOCK_KEY = 0x64617461736361  # "datasca": the advisory lock that serialises schema creation and upgrades


def _is_transient(exc: BaseException) -> bool:
    """A lost or refused connection, or a busy SQLite file: worth retrying the whole transaction.

    Anything else (a constraint, a bug, a schema problem) is raised at once: retrying would only hide it.
    """
    if chain_has(exc, TlsRefused):
        return False  # a refused certificate or plain-text password does not get better by waiting
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    chain: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 5:
        chain.append(cur)
        cur = getattr(cur, "orig", None) or cur.__cause__
    for e in chain:
        if isinstance(e, (OSError, ConnectionError, TimeoutError)):
            return True
        name = type(e).__name__
        # asyncpg's connection-level errors (server restarted, shutting down, not accepting connections yet).
        if name in ("ConnectionDoesNotExistError", "ConnectionFailureError", "CannotConnectNowError",
                    "AdminShutdownError", "CrashShutdownError", "TooManyConnectionsError", "InterfaceError"):
            return True
        if "database is locked" in str(e):
            return True
    return False


def _log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """stamina's own hook would log the error's repr: SQLAlchemy puts the statement and its parameters (values)
    in it. The store logs the outage itself (once, and when it ends); here only which call and how long."""
    log.debug("store call %s: retry %d in %.1f s", details.name, details.retry_num, details.wait_for)


stamina.instrumentation.set_on_retry_hooks([_log_retry])

_T = TypeVar("_T")


def _idempotent(fn: Callable[..., Awaitable[_T]]) -> Callable[..., Awaitable[_T]]:
    """Marks a store method whose transaction may run again after a transient error: a read, or a write that a
    second run cannot apply twice (said at each method). The one policy is :meth:`DatabaseInterface._retry`."""
    @functools.wraps(fn)
    async def wrapper(self: DatabaseInterface, *args: Any, **kwargs: Any) -> _T:
        return await self._retry(functools.partial(fn, self, *args, **kwargs))
    return wrapper


def _keyed(param: str) -> Callable[[Callable[..., Awaitable[_T]]], Callable[..., Awaitable[_T]]]:
    """Like :func:`_idempotent`, for a write made idempotent by a request key: the key (keyword ``param``; a new
    one unless the caller gives its own) is made once, before the first try, so every retry carries the same key
    and the transaction recognises a request it already applied (its answer was lost)."""
    def deco(fn: Callable[..., Awaitable[_T]]) -> Callable[..., Awaitable[_T]]:
        @functools.wraps(fn)
        async def wrapper(self: DatabaseInterface, *args: Any, **kwargs: Any) -> _T:
            if kwargs.get(param) is None:
                kwargs[param] = uuid.uuid4().hex
            return await self._retry(functools.partial(fn, self, *args, **kwargs))
        return wrapper
    return deco


class DatabaseInterface:
    """The results store. Create with :meth:`open`; every method is a coroutine.

    Methods marked idempotent retry their transaction while the store is unreachable (a PostgreSQL restart, a
    network blip), for up to ``retry_s`` seconds (``DATASCAN_STORE_RETRY_S``, default 300), then raise. A write is
    marked only where running it again cannot apply it twice: reads; writes that a second run finds done (fenced
    writes carrying a request key, results applied only to objects still pending, status moves from a given
    status); ``create_job`` with its idempotency key. ``add_suppression``, ``remove_suppression`` and
    ``replace_key_fingerprint`` are not retried: a re-run would add a second row or misreport what it did.
    """

    def __init__(self, url: str, retry_s: float | None = None):
        self.retry_s = float(os.environ.get("DATASCAN_STORE_RETRY_S", 300)) if retry_s is None else retry_s
        self._outage_logged = False
        self.url = normalise_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported store {redact_url(self.url)}: use an SQLite path or postgresql+asyncpg://")
        self._write_engine, self._read_engine = self._make_engines()
        self._wsession = async_sessionmaker(self._write_engine, expire_on_commit=False)
        self._sources: dict[tuple[str, str], int] = {}  # (job name, datasource id) -> sources.id
        self._rsession = async_sessionmaker(self._read_engine, expire_on_commit=False)

    # ---------------------------------------------------------------------------------------------------- set-up

    def _make_engines(self) -> tuple[AsyncEngine, AsyncEngine]:
        if self.dialect == "postgresql":
            eng = create_async_engine(self.url, pool_pre_ping=True, pool_size=5, max_overflow=5)
            apply_pg_tls_policy(eng, f"store {redact_url(self.url)}")
            return eng, eng
        write = create_async_engine(self.url, connect_args={"timeout": 60})
        read = create_async_engine(self.url, connect_args={"timeout": 60})
        _sqlite_setup(write, begin="BEGIN IMMEDIATE")
        _sqlite_setup(read, begin="BEGIN")
        return write, read

    @classmethod
    async def open(cls, url: str) -> DatabaseInterface:
        """Connect and create or upgrade the schema (an SQLite store file is created 0600)."""
        db = cls(url)
        path = sqlite_path(db.url) if db.dialect == "sqlite" else None
        if path is not None:
            try:
                prepare_sqlite_file(path)
            except StoreError:
                await db.close()
                raise
        try:
            async with db._write_engine.begin() as conn:
                if db.dialect == "postgresql":
                    # Hosts starting together on an empty database must not create the schema twice: the
                    # first takes the lock and creates it, the others wait and find it there.
                    await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK_KEY})
                before, after = await conn.run_sync(migrations.upgrade)
        except (OperationalError, DBAPIError, OSError) as exc:
            await db.close()
            raise StoreError(f"cannot open the store {redact_url(db.url)}: {exc.__class__.__name__}: "
                             f"{getattr(exc, 'orig', exc)}") from None
        except Exception:
            await db.close()
            raise
        if before != after:
            log.info("store schema upgraded from version %d to %d", before, after)
        return db

    async def close(self) -> None:
        """Dispose of the connection pools."""
        await self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            await self._read_engine.dispose()

    def _transient(self, exc: Exception) -> bool:
        """The retry policy's test: a transient error (logged once per outage); anything else is raised at once."""
        if not _is_transient(exc):
            return False
        if not self._outage_logged:
            log.warning("store %s unreachable (%s): retrying for up to %.0f s", redact_url(self.url),
                        exc.__class__.__name__, self.retry_s)
            self._outage_logged = True
        return True

    async def _retry(self, call: Callable[[], Awaitable[_T]]) -> _T:
        """The store's one retry policy (stamina): exponential backoff from 0.5 s to 10 s with jitter, for up to
        ``retry_s`` seconds in all, on transient errors only. Each try is one whole transaction: one cut by the
        outage rolled back; one that committed before its answer was lost is recognised by the method when re-run
        (only idempotent methods come here)."""
        started = time.monotonic()
        async for attempt in stamina.retry_context(on=self._transient, attempts=None, timeout=self.retry_s,
                                                   wait_initial=_RETRY_FIRST_S, wait_max=_RETRY_MAX_S,
                                                   wait_jitter=_RETRY_FIRST_S):
            with attempt:
                result = await call()
        if self._outage_logged:
            log.warning("store %s reachable again after %.1f s", redact_url(self.url), time.monotonic() - started)
            self._outage_logged = False
        return result

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        async with self._wsession() as s, s.begin():
            yield s

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncSession]:
        async with self._rsession() as s, s.begin():
            yield s

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    # ---------------------------------------------------------------------------------------------------- jobs

    @_keyed("idempotency_key")
    async def create_job(
        self,
        name: str,
        source_text: str,
        source_path: str,
        datasource_ids: Sequence[str],
        *,
        max_attempts: int,
        options: dict[str, Any],
        incremental: bool = True,
        idempotency_key: str | None = None,
    ) -> int:
        """Create a job and one DISCOVERY task per datasource; link it to the last complete run of the same name.

        ``idempotency_key`` (a new one per call unless given): the job created under a key is returned again when
        the same key comes back, so a call re-sent after a lost answer (by the retry policy, or by a caller that
        passes its own key) creates one job, not two.
        """
        now = _now()
        async with self._write() as s:
            made = (await s.execute(select(Job.id).where(Job.idempotency_key == idempotency_key))).scalar_one_or_none()
            if made is not None:
                return int(made)
            key = await self._key_fingerprint(s)
            prev = None
            if incremental:
                # Only a run hashed under the same key can lend its findings: carried findings never mix keys.
                prev = (await s.execute(
                    select(Job.id).where(Job.name == name, Job.status == JobStatus.COMPLETED.value,
                                         self._same_key(key))
                    .order_by(Job.id.desc()).limit(1)
                )).scalar_one_or_none()
            job = Job(name=name, status=JobStatus.RUNNING.value, source_text=source_text, source_path=source_path,
                      options=json.dumps(options), previous_job_id=prev, created_at=now, key_fingerprint=key,
                      idempotency_key=idempotency_key)
            s.add(job)
            await s.flush()
            await self._supersede(s, name, job.id)
            for ds in datasource_ids:
                s.add(Task(job_id=job.id, type=TaskType.DISCOVERY.value, status=TaskStatus.PENDING.value,
                           datasource_id=ds, max_attempts=max_attempts, created_at=now, updated_at=now))
                await s.execute(self._insert(Source).values(job_name=name, datasource_id=ds).on_conflict_do_nothing())
                sid = (await s.execute(select(Source.id).where(Source.job_name == name,
                                                               Source.datasource_id == ds))).scalar_one()
                s.add(RunSource(run_id=job.id, source_id=sid, datasource_id=ds, listed=False,
                                **{c: 0 for c in _RUN_COUNTERS}))
            return job.id

    async def _supersede(self, s: AsyncSession, name: str, job_id: int) -> None:
        """Earlier runs of ``name`` that did not end are cancelled: only the newest run of a job writes its state.

        Their leases are taken back with a new fence, so a process still working on one cannot write any more.
        """
        old = list((await s.execute(select(Job.id).where(
            Job.name == name, Job.id < job_id, Job.status.in_([st.value for st in JobStatus if not st.finished]))
        )).scalars())
        if not old:
            return
        await s.execute(update(Job).where(Job.id.in_(old)).values(
            status=JobStatus.CANCELLED.value, finished_at=_now(), error=f"superseded by job {job_id}"))
        await s.execute(update(Task).where(Task.job_id.in_(old), Task.status == TaskStatus.LEASED.value).values(
            status=TaskStatus.PENDING.value, lease_owner=None, lease_expires_at=None, fence=Task.fence + 1))
        log.warning("job %s of %s did not end: superseded by job %d (cancelled, its results kept)",
                    ", ".join(map(str, old)), name, job_id)

    @staticmethod
    def _same_key(key: str | None) -> Any:
        """Jobs hashed under ``key`` (jobs from before fingerprints were kept count as the same key)."""
        if key is None:
            return true()
        return or_(Job.key_fingerprint == key, Job.key_fingerprint.is_(None))

    async def _key_fingerprint(self, s: AsyncSession) -> str | None:
        return (await s.execute(
            select(SchemaMeta.value).where(SchemaMeta.key == KEY_FINGERPRINT))).scalar_one_or_none()

    @_idempotent  # a read
    async def key_fingerprint(self) -> str | None:
        """The fingerprint of the HMAC key this store's value hashes are made with (None before the first run)."""
        async with self._read() as s:
            return await self._key_fingerprint(s)

    @_idempotent  # an insert that does nothing when the key is there
    async def claim_key_fingerprint(self, fingerprint: str) -> str:
        """Record ``fingerprint`` as the store's key unless one is recorded already; return the recorded one."""
        async with self._write() as s:
            await s.execute(self._insert(SchemaMeta).values(key=KEY_FINGERPRINT, value=fingerprint)
                            .on_conflict_do_nothing())
            return str(await self._key_fingerprint(s))

    async def replace_key_fingerprint(self, fingerprint: str) -> tuple[str | None, int]:
        """Make ``fingerprint`` the store's key (a rotation); returns the one it replaces and how many jobs keep
        hashes of another key (they are no longer compared with, or carried into, runs under the new key)."""
        async with self._write() as s:
            old = await self._key_fingerprint(s)
            if old == fingerprint:
                return old, 0
            # Jobs from before fingerprints were kept took the store's key; from now on they name the old one.
            await s.execute(update(Job).where(Job.key_fingerprint.is_(None))
                            .values(key_fingerprint=old or UNKNOWN_KEY))
            if old is None:
                s.add(SchemaMeta(key=KEY_FINGERPRINT, value=fingerprint))
            else:
                await s.execute(update(SchemaMeta).where(SchemaMeta.key == KEY_FINGERPRINT)
                                .values(value=fingerprint))
            others = (await s.execute(select(func.count()).select_from(Job)
                                      .where(Job.key_fingerprint != fingerprint))).scalar_one()
            return old, int(others)

    @_idempotent  # a read
    async def get_job(self, job_id: int) -> JobInfo | None:
        """One job, or None."""
        async with self._read() as s:
            row = await s.get(Job, job_id)
            return _job_info(row) if row else None

    @_idempotent  # a read
    async def latest_job_id(self, name: str | None = None) -> int | None:
        """The newest job's id (of the jobs named ``name``, when given)."""
        q = select(func.max(Job.id))
        if name is not None:
            q = q.where(Job.name == name)
        async with self._read() as s:
            return (await s.execute(q)).scalar_one_or_none()

    @_idempotent  # a read
    async def job_names(self) -> list[str]:
        """Every job name in this store, sorted."""
        async with self._read() as s:
            return [str(n) for n in (await s.execute(select(Job.name).distinct().order_by(Job.name))).scalars()]

    @_idempotent  # a read
    async def list_jobs(self, limit: int = 50) -> list[JobInfo]:
        """Newest jobs first."""
        async with self._read() as s:
            rows = (await s.execute(select(Job).order_by(Job.id.desc()).limit(limit))).scalars().all()
            return [_job_info(r) for r in rows]

    @_idempotent  # a read
    async def active_jobs(self) -> list[JobInfo]:
        """Jobs someone must still drive (running, pausing, cancelling), oldest first: the control role's work."""
        live = [JobStatus.RUNNING.value, JobStatus.PAUSING.value, JobStatus.CANCELLING.value]
        async with self._read() as s:
            rows = (await s.execute(select(Job).where(Job.status.in_(live)).order_by(Job.id))).scalars().all()
            return [_job_info(r) for r in rows]

    @_idempotent  # a read
    async def next_job_with_work(self) -> int | None:
        """The oldest RUNNING job with a task waiting for a lease (what a multi-host worker serves next)."""
        async with self._read() as s:
            return (await s.execute(
                select(Task.job_id).join(Job, Job.id == Task.job_id)
                .where(Job.status == JobStatus.RUNNING.value, Task.status == TaskStatus.PENDING.value)
                .order_by(Task.job_id).limit(1)
            )).scalar_one_or_none()

    @_idempotent  # the status it sets is set; re-run after a lost answer, it says False (moved already)
    async def set_job_status(
        self, job_id: int, status: JobStatus, *, only_from: Iterable[JobStatus] | None = None, error: str | None = None
    ) -> bool:
        """Move a job to ``status`` (only from the given statuses, when given); True when it changed."""
        values: dict[str, Any] = {"status": status.value}
        if status.finished:
            values["finished_at"] = _now()
        if error is not None:
            values["error"] = error
        stmt = update(Job).where(Job.id == job_id).values(**values)
        if only_from is not None:
            stmt = stmt.where(Job.status.in_([s.value for s in only_from]))
        async with self._write() as s:
            return _rowcount(await s.execute(stmt)) > 0

    # ---------------------------------------------------------------------------------------------------- leases

    @_keyed("request")
    async def lease_tasks(self, job_id: int, owner: str, limit: int, lease_s: float,
                          request: str | None = None) -> list[WorkPacket]:
        """Lease up to ``limit`` pending tasks of a RUNNING job; each lease bumps the task's fence and attempts.

        The leases carry ``request``: the same request re-sent (its answer was lost) gets the tasks it leased back,
        instead of leasing more and leaving those to expire with an attempt counted.
        """
        if limit <= 0:
            return []
        now = _now()
        async with self._write() as s:
            again = (await s.execute(
                select(*_PACKET_COLS)
                .where(Task.job_id == job_id, Task.last_request == request, Task.lease_owner == owner,
                       Task.status == TaskStatus.LEASED.value))).all()
            if again:
                return await self._packets(s, job_id, again)
            status = (await s.execute(select(Job.status).where(Job.id == job_id))).scalar_one_or_none()
            if status != JobStatus.RUNNING.value:
                return []
            # Discovery first: its output feeds everything else and gives the progress display its totals.
            pick = (
                select(Task.id)
                .where(Task.job_id == job_id, Task.status == TaskStatus.PENDING.value)
                .order_by(case((Task.type == TaskType.DISCOVERY.value, 0), else_=1), Task.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = (await s.execute(
                update(Task)
                .where(Task.id.in_(pick.scalar_subquery()))
                .values(status=TaskStatus.LEASED.value, lease_owner=owner, ran_by=owner, lease_expires_at=now + lease_s,
                        fence=Task.fence + 1, attempts=Task.attempts + 1, updated_at=now, last_request=request)
                .returning(*_PACKET_COLS, Task.counted)
                .execution_options(synchronize_session=False)
            )).all()
            walked = [(r.id, r.datasource_id, json.loads(r.counted)) for r in rows if r.counted]
            if walked:
                # Discovery tasks leased again re-walk their scope: what they counted for unchanged objects (no row
                # says they were seen) is taken back first, so the re-walk counts them once.
                name = (await s.execute(select(Job.name).where(Job.id == job_id))).scalar_one()
                for _tid, ds, counted in walked:
                    await state.take_back(s, job_id, await self._source_id(s, name, ds), counted)
                await s.execute(update(Task).where(Task.id.in_([t for t, _, _ in walked])).values(counted=None))
            return await self._packets(s, job_id, [r[:len(_PACKET_COLS)] for r in rows])

    @staticmethod
    async def _packets(s: AsyncSession, job_id: int, rows: Sequence[Any]) -> list[WorkPacket]:
        """Work packets of leased tasks (rows of ``_PACKET_COLS``), with the objects still pending."""
        packets = [WorkPacket(task_id=task_id, job_id=job_id, task_type=TaskType(ttype), datasource_id=ds,
                              fence=fence, folder=folder, page_from=lo, page_to=hi)
                   for task_id, ttype, ds, fence, folder, lo, hi in sorted(rows)]
        by_task = {p.task_id: p for p in packets if p.task_type is TaskType.CLASSIFICATION}
        if by_task:
            # Only what is still pending: objects finished before an interruption are never read again. One
            # query for every task leased here.
            for tid, p, sz, mt, mk in (await s.execute(
                select(ObjectVersion.task_id, ObjectRow.path, ObjectVersion.size, ObjectVersion.mtime,
                       ObjectVersion.marker)
                .join(ObjectRow, ObjectRow.id == ObjectVersion.object_id)
                .where(ObjectVersion.task_id.in_(list(by_task)),
                       ObjectVersion.status == ObjectStatus.PENDING.value)
                .order_by(ObjectRow.id)
            )).all():
                task = by_task[tid]  # type: ignore[index]  # never NULL here: filtered on it
                task.objects.append(DiscoveredObject(path=p, size=sz, mtime=mt, marker=mk))
        return packets

    async def _fenced(self, s: AsyncSession, task_id: int, fence: int, request: str | None) -> tuple[Task | None, bool]:
        """The task, locked, when a write with ``fence`` may apply to it, or None (stale: logged); and whether
        this very request (same fence and key) was applied already, its answer lost: then it is not applied again
        and answers as it did."""
        task = (await s.execute(select(Task).where(Task.id == task_id).with_for_update())).scalar_one_or_none()
        if task is not None and task.fence == fence and request is not None and task.last_request == request:
            return task, True
        if task is None or task.fence != fence or task.status != TaskStatus.LEASED.value:
            log.warning("rejected a stale write for task %s (fence %s; current fence %s, status %s)",
                        task_id, fence, task.fence if task else None, task.status if task else None)
            return None, False
        task.last_request = request
        return task, False

    @_idempotent  # sets an expiry
    async def heartbeat(self, task_id: int, fence: int, lease_s: float) -> bool:
        """Extend a lease; False when the lease was lost."""
        async with self._write() as s:
            res = await s.execute(
                update(Task).where(Task.id == task_id, Task.fence == fence, Task.status == TaskStatus.LEASED.value)
                .values(lease_expires_at=_now() + lease_s)
            )
            return _rowcount(res) > 0

    @_keyed("request")
    async def complete_task(self, task_id: int, fence: int, request: str | None = None,
                            ran_by: str | None = None) -> bool:
        """Mark a leased task COMPLETED (fenced); ``ran_by`` names who ran it when that is finer than the lease
        owner (the worker process of a host that leases for all its workers)."""
        async with self._write() as s:
            task, applied = await self._fenced(s, task_id, fence, request)
            if task is None or applied:
                return applied
            if ran_by is not None:
                task.ran_by = ran_by
            task.status, task.lease_owner, task.lease_expires_at = TaskStatus.COMPLETED.value, None, None
            task.updated_at = _now()
            if task.type == TaskType.DISCOVERY.value:
                await s.flush()
                left = (await s.execute(select(func.count()).select_from(Task).where(
                    Task.job_id == task.job_id, Task.datasource_id == task.datasource_id,
                    Task.type == TaskType.DISCOVERY.value, Task.status != TaskStatus.COMPLETED.value))).scalar_one()
                if not left:  # the whole source was listed: what has no version of this run was listed unchanged
                    await s.execute(update(RunSource).where(RunSource.run_id == task.job_id,
                                                            RunSource.datasource_id == task.datasource_id)
                                    .values(listed=True))
            return True

    @_keyed("request")
    async def fail_task(self, task_id: int, fence: int, error: str, request: str | None = None) -> TaskStatus | None:
        """Record a failed attempt: PENDING again, or FAILED (with its objects) once attempts are used up."""
        async with self._write() as s:
            task, applied = await self._fenced(s, task_id, fence, request)
            if task is None or applied:
                return TaskStatus(task.status) if task is not None else None
            error = short_error(error)
            task.error = error
            task.lease_owner, task.lease_expires_at, task.updated_at = None, None, _now()
            if task.attempts >= task.max_attempts:
                task.status = TaskStatus.FAILED.value
                await state.fail_objects(s, job_id=task.job_id, task_id=task_id, reason=f"task failed: {error}")
            else:
                task.status = TaskStatus.PENDING.value
            return TaskStatus(task.status)

    @_keyed("request")
    async def release_task(self, task_id: int, fence: int, request: str | None = None) -> bool:
        """Give a leased task back without counting the attempt (clean shutdown, pause, cancel)."""
        async with self._write() as s:
            task, applied = await self._fenced(s, task_id, fence, request)
            if task is None or applied:
                return applied
            task.status, task.lease_owner, task.lease_expires_at = TaskStatus.PENDING.value, None, None
            task.attempts = max(0, task.attempts - 1)
            task.updated_at = _now()
            return True

    @_idempotent  # what it released is no longer leased
    async def release_job_leases(self, job_id: int) -> int:
        """Return every lease of a job to PENDING without counting attempts (resuming after the runner stopped)."""
        async with self._write() as s:
            res = await s.execute(
                update(Task).where(Task.job_id == job_id, Task.status == TaskStatus.LEASED.value)
                .values(status=TaskStatus.PENDING.value, lease_owner=None, lease_expires_at=None,
                        attempts=case((Task.attempts > 0, Task.attempts - 1), else_=0), updated_at=_now())
            )
            return _rowcount(res)

    @_idempotent  # a read
    async def expired_leases(self, job_id: int, now: float | None = None) -> list[tuple[int, int, str | None]]:
        """(task_id, fence, owner) of leases past their expiry."""
        now = _now() if now is None else now
        async with self._read() as s:
            rows = await s.execute(
                select(Task.id, Task.fence, Task.lease_owner).where(
                    Task.job_id == job_id, Task.status == TaskStatus.LEASED.value, Task.lease_expires_at < now)
            )
            return [(a, b, c) for a, b, c in rows.all()]

    @_idempotent  # a read
    async def leases_of(self, owner: str) -> list[tuple[int, int]]:
        """(task_id, fence) of every lease held by ``owner``."""
        async with self._read() as s:
            rows = await s.execute(select(Task.id, Task.fence).where(
                Task.lease_owner == owner, Task.status == TaskStatus.LEASED.value))
            return [(a, b) for a, b in rows.all()]

    # ---------------------------------------------------------------------------------------------------- results

    @_keyed("request")
    async def record_discovered(self, task_id: int, fence: int, job_id: int, datasource_id: str,
                                objects: Sequence[DiscoveredObject],
                                complete: Sequence[FolderListing] = (), request: str | None = None) -> bool:
        """Compare a batch of listed objects with the datasource's stored state (fenced).

        New and changed objects become an output record for the pipeliner; unchanged ones are only counted. Each
        folder in ``complete`` was listed whole in this batch: its stored objects that were not listed, and the
        subtrees of its sub-folders that are gone, are recorded as removed (their findings resolved). A batch
        re-sent after its answer was lost is recognised by its request key: its unchanged objects, which leave
        no row behind, are not counted twice.
        """
        async with self._write() as s:
            task, applied = await self._fenced(s, task_id, fence, request)
            if task is None or applied:
                return applied
            job = await s.get(Job, job_id)
            assert job is not None
            sid = await self._source_id(s, job.name, datasource_id)
            _, counted = await state.apply_listing(
                state.Writer(s, self._insert), job_id=job_id, task_id=task_id, source_id=sid,
                datasource_id=datasource_id, baseline=job.previous_job_id is not None,
                objects=[_storable(o) for o in objects], complete=complete)
            if any(counted.values()):
                before = json.loads(task.counted) if task.counted else {}
                task.counted = json.dumps({k: before.get(k, 0) + v for k, v in counted.items()})
            return True

    @_keyed("request")
    async def spawn_discovery(self, task_id: int, fence: int, job_id: int, datasource_id: str,
                              scopes: Sequence[tuple[str, str | None, str | None]],
                              request: str | None = None) -> bool:
        """Child DISCOVERY tasks of a discovery task (fenced): one per ``(folder, page_from, page_to)`` scope, a
        folder's subtree or a page of a big folder. Each is keyed by its scope in the job, so a parent that runs
        again after losing its lease spawns nothing twice."""
        now = _now()
        async with self._write() as s:
            task, applied = await self._fenced(s, task_id, fence, request)
            if task is None or applied:
                return applied
            rows = [{"job_id": job_id, "type": TaskType.DISCOVERY.value, "status": TaskStatus.PENDING.value,
                     "datasource_id": datasource_id, "max_attempts": task.max_attempts, "attempts": 0, "fence": 0,
                     "bytes": 0, "created_at": now, "updated_at": now, "scope_folder": f, "page_from": lo,
                     "page_to": hi, "spawn_key": json.dumps([datasource_id, f, lo, hi])} for f, lo, hi in scopes]
            for part in state.chunks(rows):
                await s.execute(self._insert(Task).on_conflict_do_nothing(), list(part))
            return True

    async def _source_id(self, s: AsyncSession, name: str, datasource_id: str) -> int:
        key = (name, datasource_id)
        sid = self._sources.get(key)
        if sid is None:
            sid = (await s.execute(select(Source.id).where(Source.job_name == name,
                                                           Source.datasource_id == datasource_id))).scalar_one()
            self._sources[key] = sid
        return sid

    async def record_object_results(self, task_id: int, fence: int, job_id: int, datasource_id: str,
                                    results: Sequence[ObjectResult]) -> bool:
        """Store finished objects and reconcile their findings in one transaction (fenced, idempotent)."""
        return (await self.record_object_results_many(job_id, [(task_id, fence, datasource_id, results)]))[0]

    @_keyed("request")
    async def record_object_results_many(
        self, job_id: int, batches: Sequence[tuple[int, int, str, Sequence[ObjectResult]]], request: str | None = None
    ) -> list[bool]:
        """Several ``(task_id, fence, datasource_id, results)`` batches of one job in one transaction (the single
        writer coalesces what its workers sent meanwhile); each is fenced on its own: False for a stale one.

        Results are applied only to objects still pending in their task, so nothing counts twice even without the
        request key; with it, a call re-sent after a lost answer skips its batches whole."""
        out: list[bool] = []
        async with self._write() as s:
            job = await s.get(Job, job_id)
            assert job is not None
            w = state.Writer(s, self._insert)
            checked: dict[tuple[int, int], tuple[bool, bool]] = {}  # several batches of one task: checked once
            for task_id, fence, datasource_id, results in batches:
                if (task_id, fence) not in checked:
                    task, applied = await self._fenced(s, task_id, fence, request)
                    checked[task_id, fence] = (task is not None, applied)
                fresh, applied = checked[task_id, fence]
                if not fresh or applied:
                    out.append(applied)
                    continue
                sid = await self._source_id(s, job.name, datasource_id)
                await state.apply_results(w, job_id=job_id, task_id=task_id, source_id=sid, results=results)
                out.append(True)
        return out

    # ---------------------------------------------------------------------------------------------------- pipeliner

    @_idempotent  # each record is planned and deleted in one transaction: a re-run plans others
    async def plan_output_records(self, job_id: int, *, full: bool, batch_bytes: int, batch_objects: int,
                                  max_attempts: int, limit: int = 20) -> int:
        """Cut pending output records (new and changed objects) into CLASSIFICATION tasks by bytes and count;
        returns how many records were planned. ``full`` is kept for callers: a run's baseline is decided when it
        is created."""
        now = _now()
        async with self._write() as s:
            records = (await s.execute(
                select(OutputRecord).where(OutputRecord.job_id == job_id, OutputRecord.processed.is_(False))
                .order_by(OutputRecord.id).limit(limit)
            )).scalars().all()

            async def new_task(ds: str, nbytes: int) -> int:
                task = Task(job_id=job_id, type=TaskType.CLASSIFICATION.value, status=TaskStatus.PENDING.value,
                            datasource_id=ds, max_attempts=max_attempts, bytes=nbytes, created_at=now,
                            updated_at=now)
                s.add(task)
                await s.flush()
                return int(task.id)

            for rec in records:
                await state.plan_record(s, rec, batch_bytes=batch_bytes, batch_objects=batch_objects,
                                        max_attempts=max_attempts, now=now, new_task=new_task)
            return len(records)

    # ---------------------------------------------------------------------------------------------------- reading

    @_idempotent  # a read
    async def progress(self, job_id: int) -> Progress:
        """Counters for the progress display and the job monitor (kept by the writer: nothing is aggregated over
        the job's objects)."""
        p = Progress()
        async with self._read() as s:
            row = (await s.execute(select(*[func.coalesce(func.sum(getattr(RunSource, c)), 0)
                                            for c in _RUN_COUNTERS]).where(RunSource.run_id == job_id))).one()
            c = dict(zip(_RUN_COUNTERS, (int(v) for v in row), strict=True))
            p.objects, p.bytes_total, p.bytes_done = c["objects"], c["bytes"], c["bytes_done"]
            p.objects_done, p.objects_unchanged = c["done"] + c["partial"], c["unchanged"]
            p.objects_skipped, p.objects_failed, p.objects_pending = c["skipped"], c["failed"], c["pending"]
            p.objects_removed = c["removed"]
            p.findings = c["findings"]
            for ttype, status, n in (await s.execute(
                # Completed tasks are most of a job and count for nothing here: left out (the index holds status).
                select(Task.type, Task.status, func.count())
                .where(Task.job_id == job_id, Task.status != TaskStatus.COMPLETED.value)
                .group_by(Task.type, Task.status)
            )).all():
                if status == TaskStatus.PENDING.value:
                    p.tasks_pending += n
                elif status == TaskStatus.LEASED.value:
                    p.tasks_leased += n
                elif status == TaskStatus.FAILED.value:
                    p.tasks_failed += n
                if ttype == TaskType.DISCOVERY.value and status in (TaskStatus.PENDING.value, TaskStatus.LEASED.value):
                    p.discovery_open += n
            p.output_pending = (await s.execute(
                select(func.count()).select_from(OutputRecord)
                .where(OutputRecord.job_id == job_id, OutputRecord.processed.is_(False))
            )).scalar_one()
        return p

    @_idempotent  # a read
    async def summary(self, job_id: int) -> Summary:
        """Per-datasource totals, skip reasons, findings per entity and failed tasks."""
        job = await self.get_job(job_id)
        if job is None:
            raise StoreError(f"no job {job_id} in this store")
        per: dict[str, DatasourceSummary] = {}

        def ds(name: str) -> DatasourceSummary:
            return per.setdefault(name, DatasourceSummary(name))

        async with self._read() as s:
            for rs in (await s.execute(select(RunSource).where(RunSource.run_id == job_id))).scalars():
                if rs.objects or rs.failed or rs.listed:
                    e = ds(rs.datasource_id)
                    e.objects, e.bytes = int(rs.objects), int(rs.bytes)
                    e.scanned, e.unchanged = int(rs.done + rs.partial), int(rs.unchanged)
            # Reasons: only objects this run changed can have one (an unchanged object was DONE).
            for d, status, reason, n in (await s.execute(
                select(RunSource.datasource_id, ObjectVersion.status, ObjectVersion.reason, func.count())
                .join(ObjectRow, ObjectRow.id == ObjectVersion.object_id)
                .join(RunSource, and_(RunSource.source_id == ObjectRow.source_id, RunSource.run_id == job_id))
                .where(ObjectVersion.run_id == job_id, ObjectVersion.status.in_(
                    [ObjectStatus.SKIPPED.value, ObjectStatus.PARTIAL.value, ObjectStatus.FAILED.value]))
                .group_by(RunSource.datasource_id, ObjectVersion.status, ObjectVersion.reason)
            )).all():
                e = ds(d)
                bucket = {ObjectStatus.SKIPPED.value: (e.skipped, "skipped"),
                          ObjectStatus.PARTIAL.value: (e.partial, "partial"),
                          ObjectStatus.FAILED.value: (e.failed, "failed")}[status]
                bucket[0][reason or bucket[1]] = bucket[0].get(reason or bucket[1], 0) + n
            fv = state.findings_view(job_id, raw=False).subquery()
            for d, entity, n in (await s.execute(
                select(fv.c.ds, fv.c.entity, func.count()).group_by(fv.c.ds, fv.c.entity)
            )).all():
                if entity.startswith(HINT_PREFIX):
                    ds(d).hints[entity.removeprefix(HINT_PREFIX)] = n
                else:
                    ds(d).findings[entity] = n
            failed = [FailedTask(i, t, d, e or "") for i, t, d, e in (await s.execute(
                select(Task.id, Task.type, Task.datasource_id, Task.error)
                .where(Task.job_id == job_id, Task.status == TaskStatus.FAILED.value).order_by(Task.id)
            )).all()]
            for t in failed:
                ds(t.datasource_id)
        return Summary(job=job, datasources=sorted(per.values(), key=lambda d: d.datasource_id), failed_tasks=failed)

    async def iter_findings(self, job_id: int) -> AsyncIterator[dict[str, Any]]:
        """Stream a run's findings in a stable order (``carried_over``: its object was unchanged in that run)."""
        job = await self.get_job(job_id)
        raw = bool(job and job.options.get("store_raw"))
        fv = state.findings_view(job_id, raw).subquery()
        async with self._rsession() as s:
            result = await s.stream(
                select(fv).order_by(fv.c.ds, fv.c.path, fv.c.member, fv.c.id).execution_options(yield_per=1000))
            async for row in result:
                yield _finding_dict(job_id, row)

    async def iter_diff(self, old_job: int, new_job: int,
                        changes: Collection[str] = ("new", "resolved", "unchanged")) -> AsyncIterator[dict[str, Any]]:
        """New, resolved and unchanged findings between two runs, computed in SQL: each row a finding dict with
        its ``change``. Findings match by datasource, object, entity and value hash (not location); only the
        kinds of change named in ``changes`` are queried."""
        raw = {}
        for j in (old_job, new_job):
            info = await self.get_job(j)
            raw[j] = bool(info is not None and info.options.get("store_raw"))
        a = state.findings_view(old_job, raw[old_job]).subquery()
        b = state.findings_view(new_job, raw[new_job]).subquery()

        def same(x: Any, y: Any) -> Any:
            return and_(x.c.ds == y.c.ds, x.c.path == y.c.path, x.c.member == y.c.member,
                        x.c.entity == y.c.entity, x.c.value_hash == y.c.value_hash)

        in_a = select(literal(1)).select_from(a).where(same(a, b)).exists()
        in_b = select(literal(1)).select_from(b).where(same(b, a)).exists()
        queries = (("new", new_job, select(b).where(~in_a).order_by(b.c.ds, b.c.path, b.c.member, b.c.id)),
                   ("resolved", old_job, select(a).where(~in_b).order_by(a.c.ds, a.c.path, a.c.member, a.c.id)),
                   ("unchanged", new_job, select(b).where(in_a).order_by(b.c.ds, b.c.path, b.c.member, b.c.id)))
        async with self._rsession() as s:
            for change, jid, q in queries:
                if change not in changes:
                    continue
                result = await s.stream(q.execution_options(yield_per=1000))
                async for row in result:
                    yield {"change": change} | _finding_dict(jid, row)

    @_idempotent  # a read
    async def exposure_changes(self, old_job: int, new_job: int) -> list[dict[str, Any]]:
        """Objects both runs had whose exposure (class or readers) differs between them: datasource, object, and
        the old and new ``exposure`` / ``readers``. Objects either run has no exposure of are left out."""
        a = state.run_view(old_job).subquery()
        b = state.run_view(new_job).subquery()
        q = (select(b.c.ds, b.c.path, a.c.exposure, a.c.readers, b.c.exposure, b.c.readers)
             .select_from(b.join(a, a.c.oid == b.c.oid))
             .where(a.c.exposure.is_not(None), b.c.exposure.is_not(None),
                    or_(a.c.exposure != b.c.exposure, a.c.readers != b.c.readers))
             .order_by(b.c.ds, b.c.path))
        async with self._read() as s:
            return [{"datasource": ds, "object": path, "old_exposure": oe, "old_readers": json.loads(orr or "[]"),
                     "exposure": ne, "readers": json.loads(nr or "[]")}
                    for ds, path, oe, orr, ne, nr in (await s.execute(q)).all()]

    @_idempotent  # deletes
    async def delete_job(self, job_id: int) -> None:
        """Remove a run that did not write state others rely on (tests); see :meth:`prune` for old runs."""
        async with self._write() as s:
            await s.execute(delete(OutputRecord).where(OutputRecord.job_id == job_id))
            await s.execute(delete(Task).where(Task.job_id == job_id))
            await s.execute(delete(RunSource).where(RunSource.run_id == job_id))
            await s.execute(delete(Job).where(Job.id == job_id))

    @_idempotent  # a re-run finds nothing more to delete
    async def prune(self, keep: int, name: str | None = None) -> list[PrunedRuns]:
        """Delete the old runs of each job name (or of ``name`` only), keeping its ``keep`` newest runs; returns
        what went, per job name.

        Kept besides, whatever ``keep`` says: the newest COMPLETED run (the next run's baseline: without it the
        next run would scan everything again) and every run that has not ended (it may still be resumed). Only a
        name's runs older than all of these are deleted, so the kept runs are one unbroken span and each answers
        ``findings``, ``report``, ``summary`` and ``diff`` exactly as before, except that the oldest kept run has no
        earlier run to compare with any more. The state those runs show is kept (:func:`state.prune_state`).
        """
        if keep < 1:
            raise StoreError("prune must keep at least one run")
        out: list[PrunedRuns] = []
        async with self._write() as s:
            names = [name] if name is not None else list((await s.execute(
                select(Job.name).distinct().order_by(Job.name))).scalars())
            for n in names:
                runs = (await s.execute(select(Job.id, Job.status).where(Job.name == n)
                                        .order_by(Job.id.desc()))).all()
                if len(runs) <= keep:
                    continue
                kept = [i for i, _ in runs[:keep]]
                kept += [i for i, st in runs if not JobStatus(st).finished]
                kept += [i for i, st in runs if st == JobStatus.COMPLETED.value][:1]
                cutoff = min(kept)
                doomed = sorted(i for i, _ in runs if i < cutoff)
                if not doomed:
                    continue
                sids = list((await s.execute(select(Source.id).where(Source.job_name == n))).scalars())
                rows = await state.prune_state(s, sids, cutoff)
                for part in state.chunks(doomed):
                    for table, col in ((OutputRecord, OutputRecord.job_id), (Task, Task.job_id),
                                       (RunSource, RunSource.run_id), (Job, Job.id)):
                        rows[table.__tablename__] = rows.get(table.__tablename__, 0) + _rowcount(
                            await s.execute(delete(table).where(col.in_(part))))
                out.append(PrunedRuns(n, doomed, cutoff, rows))
                log.info("pruned %d run(s) of %s before run %d: %s", len(doomed), n, cutoff,
                         ", ".join(f"{v} {k}" for k, v in sorted(rows.items()) if v))
        return out

    @_idempotent  # a read
    async def objects_by_status(self, job_id: int) -> dict[str, list[str]]:
        """Paths of a run's objects grouped by their status in it (reports and tests)."""
        out: dict[str, list[str]] = defaultdict(list)
        v = state.run_view(job_id).subquery()
        async with self._read() as s:
            for d, p, st in (await s.execute(select(v.c.ds, v.c.path, v.c.status).order_by(v.c.ds, v.c.path))).all():
                out[st].append(f"{d}:{p}")
        return dict(out)

    @_idempotent  # a read
    async def object_reads(self, job_id: int) -> dict[str, int]:
        """How many times each object a run read was read in it ("ds:path" -> reads; 1 after a clean run)."""
        v = state.run_view(job_id).subquery()
        async with self._read() as s:
            return {f"{d}:{p}": int(n) for d, p, n in (await s.execute(
                select(v.c.ds, v.c.path, v.c.reads).where(v.c.carried.is_(False), v.c.status.in_(
                    [ObjectStatus.DONE.value, ObjectStatus.PARTIAL.value])))).all()}

    @_idempotent  # a read
    async def object_listing(self, job_id: int, datasource_id: str) -> list[DiscoveredObject]:
        """The objects a run had of one datasource, as a connector would list them again (tests and tools)."""
        v = state.run_view(job_id).subquery()
        async with self._read() as s:
            rows = (await s.execute(
                select(v.c.path, ObjectVersion.size, ObjectVersion.mtime, ObjectVersion.marker, v.c.status,
                       v.c.reason)
                .join(ObjectVersion, and_(ObjectVersion.object_id == v.c.oid,
                                          ObjectVersion.run_id == v.c.version_run))
                .where(v.c.ds == datasource_id).order_by(v.c.path))).all()
            return [DiscoveredObject(p, sz, mt, r if st == ObjectStatus.SKIPPED.value else None, mk)
                    for p, sz, mt, mk, st, r in rows]

    @_idempotent  # a read
    async def task_counts(self, job_id: int) -> dict[str, int]:
        """A job's tasks per status."""
        async with self._read() as s:
            return {st: int(n) for st, n in (await s.execute(
                select(Task.status, func.count()).where(Task.job_id == job_id).group_by(Task.status))).all()}

    @_idempotent  # a read
    async def object_details(self, job_id: int) -> dict[str, tuple[str, str | None, int, int]]:
        """Every object of a run: "ds:path" -> (status, reason, reads, attempts of its task) (tests and tools)."""
        v = state.run_view(job_id).subquery()
        async with self._read() as s:
            rows = (await s.execute(
                select(v.c.ds, v.c.path, v.c.status, v.c.reason, v.c.reads, Task.attempts)
                .join(ObjectVersion, and_(ObjectVersion.object_id == v.c.oid,
                                          ObjectVersion.run_id == v.c.version_run))
                .outerjoin(Task, Task.id == ObjectVersion.task_id))).all()
            return {f"{d}:{p}": (st, r, int(n or 0), int(a or 0)) for d, p, st, r, n, a in rows}

    @_idempotent  # a read
    async def schema_version(self) -> int:
        """The schema version of this store."""
        async with self._read() as s:
            return int((await s.execute(select(SchemaMeta.value).where(SchemaMeta.key == "schema_version")))
                       .scalar_one())

    # ---------------------------------------------------------------------------------------------------- reports

    @_idempotent  # a read
    async def previous_run_id(self, job_id: int) -> int | None:
        """The newest COMPLETED job with the same name and HMAC key created before ``job_id`` (what a report
        compares with: hashes made under another key cannot be matched)."""
        async with self._read() as s:
            job = await s.get(Job, job_id)
            if job is None:
                return None
            return (await s.execute(
                select(Job.id).where(Job.name == job.name, Job.id < job_id, Job.status == JobStatus.COMPLETED.value,
                                     self._same_key(job.key_fingerprint))
                .order_by(Job.id.desc()).limit(1)
            )).scalar_one_or_none()

    @_idempotent  # a read
    async def objects_in_status(self, job_id: int, statuses: Sequence[ObjectStatus],
                                limit: int = 1000) -> list[tuple[str, str, str, str | None]]:
        """(datasource, path, status, reason) of a job's objects in the given statuses, at most ``limit``."""
        v = state.run_view(job_id).subquery()
        async with self._read() as s:
            rows = (await s.execute(
                select(v.c.ds, v.c.path, v.c.status, v.c.reason)
                .where(v.c.status.in_([st.value for st in statuses])).order_by(v.c.ds, v.c.path).limit(limit)
            )).all()
            return [(d, p, st, r) for d, p, st, r in rows]

    # ---------------------------------------------------------------------------------------------------- measuring

    @_idempotent  # a read
    async def row_counts(self) -> dict[str, int]:
        """Rows per store table (the store benchmark prints rows written per run from these)."""
        out: dict[str, int] = {}
        async with self._read() as s:
            for name, table in sorted(Base.metadata.tables.items()):
                out[name] = int((await s.execute(select(func.count()).select_from(table))).scalar_one())
        return out

    @_idempotent  # a read
    async def size_bytes(self) -> int:
        """The store's size on disk: the database file and its WAL (SQLite), or the database (PostgreSQL)."""
        if self.dialect == "postgresql":
            async with self._read() as s:
                return int((await s.execute(text("SELECT pg_database_size(current_database())"))).scalar_one())
        path = sqlite_path(self.url)
        if path is None:
            return 0
        return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())

    @_idempotent  # a read
    async def discovery_owners(self, job_id: int) -> dict[str, int]:
        """DISCOVERY tasks of a job per lease owner that ran them (the benchmark shows how discovery was shared)."""
        async with self._read() as s:
            rows = (await s.execute(
                select(Task.ran_by, func.count()).where(Task.job_id == job_id, Task.type == TaskType.DISCOVERY.value)
                .group_by(Task.ran_by))).all()
            return {str(o): int(n) for o, n in rows}

    async def add_suppression(self, kind: str, pattern: str, entity: str | None, reason: str) -> int:
        """Record a triage decision (``kind`` ``hash`` or ``object``); returns its id."""
        if kind not in ("hash", "object"):
            raise StoreError(f"unknown suppression kind {kind!r}")
        async with self._write() as s:
            row = Suppression(kind=kind, pattern=pattern, entity=entity, reason=reason, created_at=_now())
            s.add(row)
            await s.flush()
            return int(row.id)

    @_idempotent  # a read
    async def found_entities(self) -> set[str]:
        """Every entity any run of this store has found (what a suppression for one entity may name)."""
        async with self._read() as s:
            return {str(e) for e in (await s.execute(select(FindingRow.entity).distinct())).scalars()}

    @_idempotent  # a read
    async def list_suppressions(self) -> list[SuppressionInfo]:
        """Every suppression, oldest first."""
        async with self._read() as s:
            rows = (await s.execute(select(Suppression).order_by(Suppression.id))).scalars().all()
            return [SuppressionInfo(r.id, r.kind, r.pattern, r.entity, r.reason, r.created_at) for r in rows]

    async def remove_suppression(self, suppression_id: int) -> bool:
        """Delete one suppression; True when it existed."""
        async with self._write() as s:
            return _rowcount(await s.execute(delete(Suppression).where(Suppression.id == suppression_id))) > 0


_PACKET_COLS = (Task.id, Task.type, Task.datasource_id, Task.fence, Task.scope_folder, Task.page_from, Task.page_to)


def _storable(o: DiscoveredObject) -> DiscoveredObject:
    """``o`` with a path the store can hold: a connector that left a surrogate in a name gets it escaped here."""
    if not o.path.isascii() and needs_escape(o.path):  # isascii: the common case, at C speed
        return DiscoveredObject(escape_name(o.path), o.size, o.mtime, o.skip_reason, o.marker)
    return o


def _sqlite_setup(engine: AsyncEngine, begin: str) -> None:
    """WAL, busy timeout and explicit BEGIN (pysqlite's own transaction handling is turned off)."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)


__all__ = ["DatabaseInterface", "JobInfo", "Progress", "Summary", "DatasourceSummary", "FailedTask",
           "KEY_FINGERPRINT", "PrunedRuns", "normalise_url", "redact_url", "short_error", "SuppressionInfo"]
