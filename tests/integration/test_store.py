"""The store's behaviour on SQLite and on a real PostgreSQL: leases, fencing, planning, incremental carry-over."""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from scanner.exceptions import SchemaVersionError, StoreError
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
