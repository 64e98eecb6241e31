"""The store's retry policy against a real lost acknowledgement: a proxy in front of a real PostgreSQL passes a
transaction's COMMIT to the server, which commits, then cuts the connection instead of passing the server's answer
back. Nothing is simulated on the database side: the commit happened; the client saw its connection drop and, by
the retry policy, runs the same request again on a new connection. Each request must then apply once."""

from __future__ import annotations

import uuid

import pytest

from scanner.models import DiscoveredObject, Finding, JobStatus, ObjectResult, TaskStatus, TaskType
from scanner.store import DatabaseInterface
from tests.tcpproxy import CuttingProxy

# asyncpg ends a transaction with a simple-protocol query: type 'Q', length 12, "COMMIT;" NUL.
_COMMIT = b"Q\x00\x00\x00\x0cCOMMIT;\x00"


@pytest.fixture
async def lossy(postgres_url):
    """A store on a fresh database of the session's PostgreSQL, reached through a CuttingProxy."""
    import asyncpg

    base, name = postgres_url.rsplit("/", 1)[0], f"ack_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    port = int(base.rsplit(":", 1)[1])
    proxy = CuttingProxy(port)
    proxy_port = await proxy.start()
    db = await DatabaseInterface.open(f"{base.rsplit(':', 1)[0]}:{proxy_port}/{name}")
    db.retry_s = 30
    try:
        yield db, proxy
    finally:
        await db.close()
        proxy.close()


def _found(path: str) -> Finding:
    return Finding("ds", path, "", "line=1,col=1", "US_SSN", 0.85, "***-**-1234", "h" + path)


async def test_a_request_whose_acknowledgement_was_lost_applies_once(lossy):
    db, proxy = lossy
    objs = [DiscoveredObject(f"f{i}.txt", 10, 1.0) for i in range(6)]

    async def lost(call):
        """Run a store call whose COMMIT reaches the server and whose answer is cut on the way back."""
        before = proxy.cuts
        proxy.arm(_COMMIT)
        result = await call
        assert proxy.cuts == before + 1, "the answer was not dropped"
        return result

    # create_job: one job, not two.
    first = await lost(db.create_job("j", "src", "/x", ["ds"], max_attempts=3, options={}))
    assert [j.id for j in await db.list_jobs()] == [first]
    # lease_tasks: the same lease back, nothing else left leased (no attempt counted for a lease nobody holds).
    [disc] = await lost(db.lease_tasks(first, "w", 5, 60))
    assert disc.task_type is TaskType.DISCOVERY and (await db.task_counts(first)) == {"LEASED": 1}
    assert await db.record_discovered(disc.task_id, disc.fence, first, "ds", objs)
    assert await lost(db.complete_task(disc.task_id, disc.fence))
    await db.plan_output_records(first, full=False, batch_bytes=1 << 20, batch_objects=3, max_attempts=3)
    tasks = await db.lease_tasks(first, "w", 5, 60)
    for i, t in enumerate(tasks):
        res = [ObjectResult(o.path, o.size, o.mtime, [_found(o.path)]) for o in t.objects]
        write = db.record_object_results(t.task_id, t.fence, first, "ds", res)
        assert await (lost(write) if i == 0 else write)
        assert await db.complete_task(t.task_id, t.fence)
    p = await db.progress(first)
    assert (p.objects, p.objects_done, p.findings, p.objects_pending) == (6, 6, 6, 0)
    assert set((await db.object_reads(first)).values()) == {1}
    await db.set_job_status(first, JobStatus.COMPLETED)
    # An unchanged run: its discovery batch leaves no row per object, only counters; re-sent, it counts once.
    second = await db.create_job("j", "src", "/x", ["ds"], max_attempts=3, options={})
    [disc] = await db.lease_tasks(second, "w", 5, 60)
    assert await lost(db.record_discovered(disc.task_id, disc.fence, second, "ds", objs))
    p = await db.progress(second)
    assert (p.objects, p.objects_unchanged, p.findings) == (6, 6, 6)
    # fail_task: applied once (a second time it would find the task no longer leased and answer None).
    assert await lost(db.fail_task(disc.task_id, disc.fence, "boom")) is TaskStatus.PENDING
    assert await db.task_counts(second) == {"PENDING": 1}
