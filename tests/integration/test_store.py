"""The store's behaviour on SQLite and on a real PostgreSQL: leases, fencing, planning, incremental carry-over."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from scanner.exceptions import SchemaVersionError, StoreError
from scanner.models import (
    DiscoveredObject,
    Finding,
    FolderListing,
    JobStatus,
    ObjectResult,
    TaskStatus,
    TaskType,
)
from scanner.store import DatabaseInterface
from scanner.store.interface import NOT_RECORDED
from scanner.store.migrations import LATEST

DATA = Path(__file__).parent.parent / "data" / "store"
V1_DUMP = DATA / "v1.sql"
V4_DUMP, V4_PG_DUMP, V4_EXPECTED = DATA / "v4.sql", DATA / "v4.postgres.sql", DATA / "v4.expected.json"


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


async def test_results_of_several_tasks_written_together_are_fenced_one_by_one(db):
    """The single writer's coalesced write: a stale batch among fresh ones is refused alone, and writing the same
    batches again (a lost acknowledgement) counts nothing twice."""
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job, [DiscoveredObject(f"f{i}.txt", 10, 1.0) for i in range(4)])
    a, b = await db.lease_tasks(job, "w", 10, 30)
    assert await db.fail_task(a.task_id, a.fence, "lost") is TaskStatus.PENDING
    [a2] = await db.lease_tasks(job, "w", 10, 30)

    def batch(t, fence):
        return (t.task_id, fence, "ds", [ObjectResult(o.path, o.size, o.mtime, [_finding(o.path, 2)])
                                         for o in t.objects])

    batches = [batch(a, a.fence), batch(b, b.fence), batch(a2, a2.fence)]
    assert await db.record_object_results_many(job, batches) == [False, True, True]
    assert await db.record_object_results_many(job, batches) == [False, True, True]
    p = await db.progress(job)
    assert (p.objects_done, p.findings, p.objects_pending) == (4, 4, 0)
    assert set((await db.object_reads(job)).values()) == {1}


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


async def _walk(db, job_id, objs, folders):
    """One discovery of ``objs`` that listed ``folders`` whole (so what they no longer hold is noticed)."""
    [disc] = await db.lease_tasks(job_id, "w", 5, 30)
    assert await db.record_discovered(disc.task_id, disc.fence, job_id, "ds", objs, folders)
    assert await db.complete_task(disc.task_id, disc.fence)
    await db.plan_output_records(job_id, full=False, batch_bytes=1 << 20, batch_objects=10, max_attempts=2)
    for t in await db.lease_tasks(job_id, "w", 10, 30):
        res = [ObjectResult(o.path, o.size, o.mtime, [_finding(o.path, 7)]) for o in t.objects]
        assert await db.record_object_results(t.task_id, t.fence, job_id, "ds", res)
        assert await db.complete_task(t.task_id, t.fence)
    await db.set_job_status(job_id, JobStatus.COMPLETED)


async def test_state_is_kept_per_datasource_and_removed_objects_are_noticed(db):
    """An unchanged run adds no object, version or finding row; a vanished folder's objects are REMOVED and their
    findings resolved in that run, while every earlier run still answers as it did."""
    name = f"j-{uuid.uuid4().hex[:8]}"
    objs = [DiscoveredObject("a", 10, 1.0), DiscoveredObject("d/b", 10, 1.0), DiscoveredObject("d/c", 5 << 32, 1.0)]
    tree = [FolderListing("", ["d"]), FolderListing("d")]
    first = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _walk(db, first, objs, tree)
    assert (await db.progress(first)).bytes_total == 20 + (5 << 32)  # sizes are 64-bit
    before = await db.row_counts()
    second = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _walk(db, second, objs, tree)
    after = await db.row_counts()
    for table in ("objects", "object_versions", "findings", "folders"):
        assert after[table] == before[table], table
    assert (await db.progress(second)).objects_unchanged == 3
    third = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _walk(db, third, objs[:1], [FolderListing("")])  # "d" is gone, and all it held
    p = await db.progress(third)
    assert (p.objects_removed, p.objects_unchanged, p.findings) == (2, 1, 1)
    assert await db.objects_by_status(third) == {"UNCHANGED": ["ds:a"]}
    for run in (first, second):
        assert sorted([f["object"] async for f in db.iter_findings(run)]) == ["a", "d/b", "d/c"]
    assert [f["object"] async for f in db.iter_findings(third)] == ["a"]
    changes = [(r["change"], r["object"]) async for r in db.iter_diff(second, third)]
    assert sorted(changes) == [("resolved", "d/b"), ("resolved", "d/c"), ("unchanged", "a")]
    # Back again: a new object of the same path, scanned anew (its finding starts in that run).
    fourth = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _walk(db, fourth, objs, tree)
    assert (await db.objects_by_status(fourth)).get("DONE") == ["ds:d/b", "ds:d/c"]
    assert [f["carried_over"] async for f in db.iter_findings(fourth)] == [True, False, False]


async def test_newer_schema_is_refused(db):
    # A store of a newer release cannot be made through this release's API: written as that release would.
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


async def _columns_of(url: str) -> dict[str, set[tuple[str, str, bool]]]:
    """Tables and columns of a store (SQLite path or PostgreSQL URL), read by SQLAlchemy's inspector."""
    from sqlalchemy.ext.asyncio import create_async_engine

    eng = create_async_engine(url if "://" in url else f"sqlite+aiosqlite:///{url}")
    try:
        async with eng.connect() as conn:
            return await conn.run_sync(lambda c: {
                t: {(col["name"], str(col["type"]), bool(col["nullable"])) for col in inspect(c).get_columns(t)}
                for t in inspect(c).get_table_names()})
    finally:
        await eng.dispose()


async def _fresh_pg_database(postgres_url: str, name: str) -> str:
    """An empty database beside the session's one (asyncpg straight: no store is involved yet)."""
    import asyncpg

    base = postgres_url.rsplit("/", 1)[0]
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


async def _load_old_store(kind: str, tmp_path: Path, request) -> str:
    """A store written by release 4 (real scans: tests/data/store/v4*.sql), loaded as it was dumped."""
    if kind == "sqlite":
        old = tmp_path / "v4.db"
        con = sqlite3.connect(old)
        con.executescript(V4_DUMP.read_text())
        con.close()
        return str(old)
    import asyncpg

    url = await _fresh_pg_database(request.getfixturevalue("postgres_url"), f"v4_{uuid.uuid4().hex[:8]}")
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute(V4_PG_DUMP.read_text())
    finally:
        await conn.close()
    return url


def _v4_fields(f: dict) -> dict:
    """A finding as release 4 exported it (without the exposure fields of revision 0008)."""
    return {k: v for k, v in f.items() if k not in ("exposure", "readers", "exposure_reason")}


def _summary_dicts(summary) -> list[dict]:
    from dataclasses import asdict

    return [asdict(d) for d in summary.datasources]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_store_of_version_4_is_upgraded_and_every_run_reads_back_the_same(kind, tmp_path, request):
    """A store of real scans by release 4 (runs with carried-over findings, new, changed, removed and skipped
    objects, two job names, an interrupted run) is upgraded in place; every run then gives the answers release 4
    gave (tests/data/store/v4.expected.json, written by release 4's own API): findings with their carried-over
    flags, objects by status, per-datasource summaries and the diff with the previous run."""
    from scanner.report.diff import diff_jobs

    url = await _load_old_store(kind, tmp_path, request)
    expected = json.loads(V4_EXPECTED.read_text())
    db = await DatabaseInterface.open(url)
    try:
        assert await db.schema_version() == LATEST
        jobs = {j.id: j for j in await db.list_jobs()}
        assert sorted(jobs) == sorted(int(k) for k in expected)
        for jid, exp in expected.items():
            jid = int(jid)
            got = [f async for f in db.iter_findings(jid)]
            # Runs of release 4 read no exposure (revision 0008 added it): every finding says so.
            assert {(f["exposure"], f["exposure_reason"]) for f in got} <= {("unknown", NOT_RECORDED)}
            assert [_v4_fields(f) for f in got] == exp["findings"], jid
            assert await db.objects_by_status(jid) == exp["objects"], jid
            s = await db.summary(jid)
            assert _summary_dicts(s) == exp["summary"], jid
            assert await db.previous_run_id(jid) == exp["previous"]
            if "diff" in exp:
                d = await diff_jobs(db, exp["diff"]["previous"], jid)
                assert [_v4_fields(r) for r in d.rows()] == exp["diff"]["rows"], jid
                assert d.exposure_changed == []
        # The interrupted run could not be continued across the change of format: cancelled, saying why.
        assert jobs[6].status is JobStatus.CANCELLED and "upgrade" in (jobs[6].error or "")
        # The old runs are the base of an incremental run: the same files are all unchanged, findings carried.
        last = expected["5"]
        job = await db.create_job("nightly", "src", "/x", ["share", "second"], max_attempts=2, options={})
        assert (await db.get_job(job)).previous_job_id == 5
        for disc in await db.lease_tasks(job, "w", 5, 30):
            objs = await db.object_listing(5, disc.datasource_id)
            assert await db.record_discovered(disc.task_id, disc.fence, job, disc.datasource_id, objs)
        p = await db.progress(job)
        assert p.objects_unchanged == len(last["objects"]["DONE"]) and p.findings == len(last["findings"])
    finally:
        await db.close()
    fresh = await _fresh_pg_database(request.getfixturevalue("postgres_url"), f"fresh_{uuid.uuid4().hex[:8]}") \
        if kind == "postgres" else str(tmp_path / "fresh.db")
    await (await DatabaseInterface.open(fresh)).close()
    assert await _columns_of(url) == await _columns_of(fresh)


async def test_store_of_version_1_is_upgraded(tmp_path):
    """A store written by the first release (a dump of a real demo scan) is upgraded in place, data intact."""
    old = tmp_path / "v1.db"
    con = sqlite3.connect(old)
    con.executescript(V1_DUMP.read_text())
    con.close()
    assert "marker" not in {c[0] for c in _columns(f"sqlite:///{old}")["objects"]}
    db = await DatabaseInterface.open(str(old))
    try:
        assert await db.schema_version() == LATEST
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
        objs = [DiscoveredObject(o.path, o.size, o.mtime) for o in await db.object_listing(old_job.id, "demo-corpus")
                if f"demo-corpus:{o.path}" in done["DONE"]]
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


# ------------------------------------------------------------------------------------- security review (issue 16)

async def _one_run(db, name: str, store_raw: bool, value: str | None) -> int:
    """A complete run of job ``name`` over one object "a" with one finding (raw ``value`` when stored)."""
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={"store_raw": store_raw})
    await _discover(db, job, [DiscoveredObject("a", 10, 1.0)])
    for t in await db.lease_tasks(job, "w", 10, 30):
        f = Finding("ds", "a", "", "line=1,col=1", "US_SSN", 0.85, "***-**-6789", "h1", value=value)
        assert await db.record_object_results(t.task_id, t.fence, job, "ds",
                                              [ObjectResult(o.path, o.size, o.mtime, [f]) for o in t.objects])
        assert await db.complete_task(t.task_id, t.fence)
    await db.set_job_status(job, JobStatus.COMPLETED)
    return job


async def test_a_run_without_store_raw_holds_no_raw_value_not_even_a_carried_one(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    first = await _one_run(db, name, store_raw=True, value="123-45-6789")
    second = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={"store_raw": False})
    await _discover(db, second, [DiscoveredObject("a", 10, 1.0)])  # unchanged: its finding is carried over
    [carried] = [f async for f in db.iter_findings(second)]
    assert carried["carried_over"] is True and carried["value_hash"] == "h1"
    assert carried["value"] is None
    assert [f["value"] async for f in db.iter_findings(first)] == ["123-45-6789"]  # that run asked for it


async def test_a_store_records_its_hmac_key_and_runs_of_another_key_are_not_compared(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    before = await db.key_fingerprint()
    try:
        first_fp = await db.claim_key_fingerprint("a" * 64)
        assert await db.claim_key_fingerprint("b" * 64) == first_fp  # a second claim does not replace it
        first = await _one_run(db, name, store_raw=False, value=None)
        assert (await db.get_job(first)).key_fingerprint == first_fp
        old, jobs = await db.replace_key_fingerprint("c" * 64)  # a rotation
        assert old == first_fp and jobs >= 1
        second = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
        info = await db.get_job(second)
        assert info.key_fingerprint == "c" * 64 and info.previous_job_id is None  # no carry-over across keys
        await db.set_job_status(second, JobStatus.COMPLETED)
        assert await db.previous_run_id(second) is None
    finally:
        async with db._write_engine.begin() as conn:  # the PostgreSQL store is shared by the session's tests
            await conn.execute(text("DELETE FROM schema_meta WHERE key = 'hmac_key_fingerprint'"))
            if before is not None:
                await conn.execute(text("INSERT INTO schema_meta VALUES ('hmac_key_fingerprint', :v)"),
                                   {"v": before})


async def test_a_stored_task_error_is_one_short_line_without_the_statement(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _discover(db, job, [DiscoveredObject("t", 10, 1.0)])
    driver = ("ConnectorError: cannot sample t: DataError: invalid input syntax for type integer [SQL: SELECT "
              "ssn FROM t WHERE id = $1] [parameters: ('123-45-6789',)] (Background on this error at: "
              "https://sqlalche.me/e/20/9h9h)\nTraceback (most recent call last):\n  ...")
    for _ in range(2):  # planned with max_attempts=2
        [t] = await db.lease_tasks(job, "w", 10, 30)
        await db.fail_task(t.task_id, t.fence, driver)
    [failed] = (await db.summary(job)).failed_tasks
    assert failed.error == "ConnectorError: cannot sample t: DataError: invalid input syntax for type integer"
    assert (await db.summary(job)).datasources[0].failed == {f"task failed: {failed.error}": 1}


async def test_a_path_a_connector_left_undecodable_is_stored_escaped(db):
    name = f"j-{uuid.uuid4().hex[:8]}"
    job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=1, options={})
    await _discover(db, job, [DiscoveredObject("bad\udcff.txt", 10, 1.0), DiscoveredObject("ok.txt", 10, 1.0)])
    assert sorted((await db.objects_by_status(job))["PENDING"]) == ["ds:bad\ufffdFF.txt", "ds:ok.txt"]


def _mode(p: Path) -> int:
    return p.stat().st_mode & 0o777


async def test_store_wal_and_shm_are_created_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "s.db"
        db = await DatabaseInterface.open(str(path))
        try:
            await db.create_job("j", "src", "/x", ["ds"], max_attempts=1, options={})
            files = [path, tmp_path / "s.db-wal", tmp_path / "s.db-shm"]
            assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        finally:
            await db.close()
    finally:
        os.umask(old)


async def test_a_store_open_to_others_or_in_a_shared_folder_is_warned_about(tmp_path, caplog):
    path = tmp_path / "s.db"
    await (await DatabaseInterface.open(str(path))).close()
    path.chmod(0o644)
    tmp_path.chmod(0o777)
    try:
        await (await DatabaseInterface.open(str(path))).close()
    finally:
        tmp_path.chmod(0o700)
    text_ = caplog.text
    assert "open to other users (mode 0644)" in text_ and "chmod 600" in text_
    assert f"folder {tmp_path} is writable by other users" in text_


async def test_a_planted_wal_link_is_refused_and_its_target_left_alone(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    (tmp_path / "s.db-wal").symlink_to(victim)
    with pytest.raises(StoreError, match="not a regular file of this user"):
        await DatabaseInterface.open(str(tmp_path / "s.db"))
    assert victim.read_text() == "someone else's file\n"
    assert not (tmp_path / "s.db").exists()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_prune_keeps_every_answer_of_the_runs_it_keeps(kind, tmp_path, request):
    """Release 4's real scans, upgraded, then pruned: each kept run gives release 4's answers (findings with
    their carried-over flags, objects by status, summaries, diffs), including run 4, whose objects were all
    unchanged and are shown by versions of the deleted runs 1 and 2; the next run still finds them unchanged."""
    from scanner.report.diff import diff_jobs

    url = await _load_old_store(kind, tmp_path, request)
    expected = json.loads(V4_EXPECTED.read_text())
    db = await DatabaseInterface.open(url)

    async def same_answers(runs: list[int]) -> None:
        for jid in runs:
            exp = expected[str(jid)]
            assert [_v4_fields(f) async for f in db.iter_findings(jid)] == exp["findings"], jid
            assert await db.objects_by_status(jid) == exp["objects"], jid
            assert _summary_dicts(await db.summary(jid)) == exp["summary"], jid
            if exp["previous"] in runs:
                assert await db.previous_run_id(jid) == exp["previous"]
                d = await diff_jobs(db, exp["diff"]["previous"], jid)
                assert [_v4_fields(r) for r in d.rows()] == exp["diff"]["rows"], jid

    try:
        before = await db.row_counts()
        [p] = await db.prune(3, "nightly")
        assert (p.name, p.runs, p.kept_from) == ("nightly", [1, 2], 4)
        after = await db.row_counts()
        assert after["jobs"] == before["jobs"] - 2
        for table in ("object_versions", "findings", "tasks", "run_sources"):
            assert after[table] < before[table], table
        await same_answers([3, 4, 5, 6])
        assert await db.previous_run_id(4) is None  # run 2 is gone: nothing to compare with
        # Every name, keep 1: "nightly" keeps its newest run (6, cancelled) and its newest complete one (5), so
        # only 4 goes; "other" has a single run.
        assert [(p.name, p.runs) for p in await db.prune(1)] == [("nightly", [4])]
        assert await db.prune(1) == []
        await same_answers([3, 5, 6])
        job = await db.create_job("nightly", "src", "/x", ["share", "second"], max_attempts=2, options={})
        assert (await db.get_job(job)).previous_job_id == 5
        for disc in await db.lease_tasks(job, "w", 5, 30):
            objs = await db.object_listing(5, disc.datasource_id)
            assert await db.record_discovered(disc.task_id, disc.fence, job, disc.datasource_id, objs)
        p5 = await db.progress(job)
        assert p5.objects_unchanged == len(expected["5"]["objects"]["DONE"])
        assert p5.findings == len(expected["5"]["findings"])
    finally:
        await db.close()


async def test_prune_drops_what_no_kept_run_shows_and_a_removed_object_comes_back_new(db):
    """Objects removed before the oldest kept run and findings resolved by then are deleted; an object coming
    back after that is new, as it would have been."""
    name = f"j-{uuid.uuid4().hex[:8]}"
    objs = [DiscoveredObject("a", 10, 1.0), DiscoveredObject("d/b", 10, 1.0), DiscoveredObject("d/c", 10, 1.0)]
    tree = [FolderListing("", ["d"]), FolderListing("d")]
    runs = []
    for listing, folders in ((objs, tree), (objs[:1], [FolderListing("")]),
                             ([DiscoveredObject("a", 11, 2.0)], [FolderListing("")])):
        runs.append(await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={}))
        await _walk(db, runs[-1], listing, folders)
    last = ([f async for f in db.iter_findings(runs[-1])], await db.objects_by_status(runs[-1]),
            _summary_dicts(await db.summary(runs[-1])))
    [p] = await db.prune(1, name)
    assert p.runs == runs[:2] and p.rows["objects"] == 2 and p.rows["findings"] == 2
    assert ([f async for f in db.iter_findings(runs[-1])], await db.objects_by_status(runs[-1]),
            _summary_dicts(await db.summary(runs[-1]))) == last
    back = await db.create_job(name, "src", "/x", ["ds"], max_attempts=2, options={})
    await _walk(db, back, [DiscoveredObject("a", 11, 2.0)] + objs[1:], tree)
    pr = await db.progress(back)
    assert (pr.objects_unchanged, pr.objects_done, pr.findings) == (1, 2, 3)
    assert await db.objects_by_status(back) == {"DONE": ["ds:d/b", "ds:d/c"], "UNCHANGED": ["ds:a"]}


async def test_split_discovery_pages_spawn_once_remove_by_range_and_count_once_on_a_re_walk(db):
    """A big folder in two pages, the second a task spawned by the first (spawned once however often the parent
    asks); a page's listing removes only what is missing from its own range; a page task leased again after a lost
    lease re-walks and its unchanged objects count once."""
    name = f"j-{uuid.uuid4().hex[:8]}"
    objs = [DiscoveredObject(f"big/f{i:02d}", 10, 1.0) for i in range(10)]

    async def run(first_page, second_page, walk_twice=False):
        job = await db.create_job(name, "src", "/x", ["ds"], max_attempts=3, options={})
        [root] = await db.lease_tasks(job, "w", 5, 30)
        assert root.folder is None and root.page_from is None
        assert await db.record_discovered(root.task_id, root.fence, job, "ds", first_page,
                                          [FolderListing("", ["big"]), FolderListing("big", [], None, "big/f05")])
        for _ in range(2):  # the parent asks twice (a re-run of it): one child
            assert await db.spawn_discovery(root.task_id, root.fence, job, "ds", [("big", "big/f05", None)])
        assert await db.complete_task(root.task_id, root.fence)
        for attempt in range(2 if walk_twice else 1):
            [page] = await db.lease_tasks(job, "w", 5, 30)
            assert (page.folder, page.page_from, page.page_to) == ("big", "big/f05", None)
            assert await db.record_discovered(page.task_id, page.fence, job, "ds", second_page,
                                              [FolderListing("big", [], "big/f05", None)])
            if walk_twice and attempt == 0:
                assert await db.fail_task(page.task_id, page.fence, "lease lost") is TaskStatus.PENDING
        assert await db.complete_task(page.task_id, page.fence)
        return job

    first = await run(objs[:5], objs[5:])
    await db.plan_output_records(first, full=False, batch_bytes=1 << 20, batch_objects=100, max_attempts=2)
    for t in await db.lease_tasks(first, "w", 10, 30):
        assert await db.record_object_results(t.task_id, t.fence, first, "ds",
                                              [ObjectResult(o.path, o.size, o.mtime, []) for o in t.objects])
        assert await db.complete_task(t.task_id, t.fence)
    await db.set_job_status(first, JobStatus.COMPLETED)
    assert (await db.task_counts(first)) == {"COMPLETED": 4}  # the root, its one child, 2 classification tasks
    second = await run([objs[0]] + objs[2:5], objs[5:], walk_twice=True)  # f01 is gone
    p = await db.progress(second)
    assert (p.objects, p.objects_unchanged, p.objects_removed) == (9, 9, 1)
    assert (await db.objects_by_status(second))["UNCHANGED"] == [f"ds:{o.path}" for o in objs if o.path != "big/f01"]
