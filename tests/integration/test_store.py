"""The store's behaviour on SQLite and on a real PostgreSQL: leases, fencing, planning, incremental carry-over."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from scanner.exceptions import SchemaVersionError
from scanner.models import DiscoveredObject, Finding, JobStatus, ObjectResult, TaskStatus, TaskType
from scanner.store import DatabaseInterface
from scanner.store.migrations import LATEST

V1_DUMP = Path(__file__).parent.parent / "data" / "store" / "v1.sql"


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request, tmp_path):
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
    else:
        url = request.getfixturevalue("postgres_url")
    store = await DatabaseInterface.open(url)
    yield store
    await store.close()


def _finding(path: str, line: int) -> Finding:
    return Finding("ds", path, "", f"line={line},col=1", "US_SSN", 0.85, "***-**-1234", f"h{line}")


async def _discover(db, job_id, objs):
    [disc] = await db.lease_tasks(job_id, "w", 5, 30)
    assert disc.task_type is TaskType.DISCOVERY
    assert await db.record_discovered(disc.task_id, disc.fence, job_id, "ds", objs)
    assert await db.complete_task(disc.task_id, disc.fence)
    await db.plan_output_records(job_id, full=False, batch_bytes=100, batch_objects=2, max_attempts=2)


async def test_lease_fence_and_idempotent_findings(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    objs = [DiscoveredObject(f"f{i}.txt", 10, 1.0) for i in range(3)] + [DiscoveredObject("big", 1, 1.0, "too big")]
    await _discover(db, job, objs)
    tasks = await db.lease_tasks(job, "w", 10, 30)
    assert sorted(len(t.objects) for t in tasks) == [1, 2]
    t = next(t for t in tasks if len(t.objects) == 2)
    res = [ObjectResult(o.path, o.size, o.mtime, [_finding(o.path, 1), _finding(o.path, 1)]) for o in t.objects]
    assert await db.record_object_results(t.task_id, t.fence, job, "ds", res)
    # A stale fence is refused and writes nothing.
    assert not await db.record_object_results(t.task_id, t.fence - 1, job, "ds", res)
    # Lost lease: the task goes back to PENDING, is leased again with a new fence, and the old holder is rejected.
    assert await db.fail_task(t.task_id, t.fence, "worker died") is TaskStatus.PENDING
    [again] = await db.lease_tasks(job, "w2", 1, 30)
    assert again.task_id == t.task_id and again.fence == t.fence + 1
    assert again.objects == []  # both objects finished before the failure: never read again
    assert not await db.complete_task(t.task_id, t.fence)
    assert await db.complete_task(again.task_id, again.fence)
    p = await db.progress(job)
    assert p.findings == 2 and p.objects_done == 2 and p.objects_skipped == 1


async def test_failed_task_after_max_attempts_and_incremental(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job, [DiscoveredObject("a", 10, 1.0), DiscoveredObject("b", 10, 2.0)])
    [t] = await db.lease_tasks(job, "w", 10, 30)
    assert await db.record_object_results(t.task_id, t.fence, job, "ds",
                                          [ObjectResult("a", 10, 1.0, [_finding("a", 3)])])
    assert await db.fail_task(t.task_id, t.fence, "boom") is TaskStatus.PENDING
    [t] = await db.lease_tasks(job, "w", 10, 30)
    assert await db.fail_task(t.task_id, t.fence, "boom") is TaskStatus.FAILED
    s = await db.summary(job)
    assert [f.error for f in s.failed_tasks] == ["boom"] and s.datasources[0].failed == {"task failed: boom": 1}
    await db.set_job_status(job, JobStatus.COMPLETED)
    # Next run: "a" unchanged (carried over with its finding), "b" failed last time so it is scanned again.
    job2 = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job2, [DiscoveredObject("a", 10, 1.0), DiscoveredObject("b", 10, 2.0)])
    p = await db.progress(job2)
    assert (p.objects_unchanged, p.objects_pending, p.findings) == (1, 1, 1)
    rows = [f async for f in db.iter_findings(job2)]
    assert rows[0]["object"] == "a" and rows[0]["carried_over"] is True and "value" in rows[0]


async def test_newer_schema_is_refused(db):
    async with db._write_engine.begin() as conn:
        await conn.execute(text("UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'"))
    with pytest.raises(SchemaVersionError):
        await DatabaseInterface.open(db.url)
    async with db._write_engine.begin() as conn:
        await conn.execute(text(f"UPDATE schema_meta SET value = '{LATEST}' WHERE key = 'schema_version'"))


async def test_marker_and_partial_objects_are_rescanned(db):
    """Incremental runs compare the connector's marker too, and never carry over an object scanned only in part."""
    name = f"j-{uuid.uuid4().hex[:8]}"
    objs = [DiscoveredObject("same", 10, 1.0, marker="id-1"), DiscoveredObject("moved", 10, 1.0, marker="id-2"),
            DiscoveredObject("cut", 10, 1.0)]
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job, objs)
    tasks = await db.lease_tasks(job, "w", 10, 30)
    assert {o.marker for t in tasks for o in t.objects} == {"id-1", "id-2", None}
    for t in tasks:
        res = [ObjectResult(o.path, o.size, o.mtime, [_finding(o.path, 1)],
                            partial_reason="text limit reached" if o.path == "cut" else None) for o in t.objects]
        assert await db.record_object_results(t.task_id, t.fence, job, "ds", res)
        assert await db.complete_task(t.task_id, t.fence)
    s = await db.summary(job)
    assert s.datasources[0].scanned == 3 and s.datasources[0].partial == {"text limit reached": 1}
    await db.set_job_status(job, JobStatus.COMPLETED)
    job2 = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job2, [DiscoveredObject("same", 10, 1.0, marker="id-1"),
                               DiscoveredObject("moved", 10, 1.0, marker="id-9"), DiscoveredObject("cut", 10, 1.0)])
    by_status = await db.objects_by_status(job2)
    assert by_status["UNCHANGED"] == ["ds:same"] and sorted(by_status["PENDING"]) == ["ds:cut", "ds:moved"]


def _columns(url: str) -> dict[str, set[tuple[str, str, bool]]]:
    eng = create_engine(url)
    try:
        insp = inspect(eng)
        return {t: {(c["name"], str(c["type"]), bool(c["nullable"])) for c in insp.get_columns(t)}
                for t in insp.get_table_names()}
    finally:
        eng.dispose()


async def test_store_of_version_1_is_upgraded(tmp_path):
    """A store written by the first release (a dump of a real demo scan) is upgraded in place, data intact."""
    old = tmp_path / "v1.db"
    con = sqlite3.connect(old)
    con.executescript(V1_DUMP.read_text())
    con.close()
    assert "marker" not in {c[0] for c in _columns(f"sqlite:///{old}")["objects"]}
    db = await DatabaseInterface.open(str(old))
    try:
        async with db._write_engine.begin() as conn:
            version = (await conn.execute(text("SELECT value FROM schema_meta"))).scalar_one()
        assert int(version) == LATEST
        fresh = await DatabaseInterface.open(str(tmp_path / "fresh.db"))
        await fresh.close()
        assert _columns(f"sqlite:///{old}") == _columns(f"sqlite:///{tmp_path / 'fresh.db'}")
        [old_job] = await db.list_jobs()
        assert old_job.status is JobStatus.COMPLETED
        old_findings = [f async for f in db.iter_findings(old_job.id)]
        assert len(old_findings) == 34
        # The old run still serves as the base of an incremental run: same files, no marker, all unchanged.
        done = await db.objects_by_status(old_job.id)
        job2 = await db.create_job(old_job.name, "src", "/x", ["demo-corpus"], max_attempts=2, options={})
        [disc] = await db.lease_tasks(job2, "w", 5, 30)
        sizes = {}
        async with db._write_engine.begin() as conn:
            for p, sz, mt in await conn.execute(text("SELECT path, size, mtime FROM objects WHERE job_id = :j"),
                                                {"j": old_job.id}):
                sizes[f"demo-corpus:{p}"] = (p, sz, mt)
        objs = [DiscoveredObject(*sizes[key]) for key in done["DONE"]]
        assert await db.record_discovered(disc.task_id, disc.fence, job2, disc.datasource_id, objs)
        await db.plan_output_records(job2, full=False, batch_bytes=1 << 20, batch_objects=10, max_attempts=2)
        p = await db.progress(job2)
        assert p.objects_unchanged == len(objs) and p.findings == 34
    finally:
        await db.close()


async def test_hints_are_kept_but_not_counted_as_findings(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job, [DiscoveredObject("public.users", 10, 1.0)])
    [t] = await db.lease_tasks(job, "w", 10, 30)
    hint = Finding("ds", "public.users", "", "public.users.ssn", "HINT:US_SSN", 0.1, "", "h0")
    res = [ObjectResult("public.users", 10, 1.0, [_finding("public.users", 1), hint])]
    assert await db.record_object_results(t.task_id, t.fence, job, "ds", res)
    p, s = await db.progress(job), await db.summary(job)
    assert p.findings == 1 and s.total_findings == 1
    assert s.datasources[0].findings == {"US_SSN": 1} and s.datasources[0].hints == {"US_SSN": 1}
