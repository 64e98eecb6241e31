"""The multi-host roles for real: `datascan orchestrator` and `datascan worker` processes sharing one PostgreSQL.

Each "host" is a separate process tree on this machine (its own owner name host:pid, its own worker processes),
which is what matters to the store: leases, fences and writes come from independent processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import pytest

from benchmarks.corpus import generate
from tests.e2e.test_scan import DATASCAN, _env, _findings, _identity, _job, _run

pytestmark = pytest.mark.timeout(420)


@pytest.fixture
def shared_db(postgres_url):
    """A database of its own: a worker host serves any running job in its store."""
    name = f"mh_{uuid.uuid4().hex[:10]}"
    base, _ = postgres_url.rsplit("/", 1)
    plain = base.replace("postgresql+asyncpg://", "postgresql://")

    async def create() -> None:
        conn = await asyncpg.connect(f"{plain}/postgres")
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return f"{base}/{name}", f"{plain}/{name}"


async def _query(dsn: str, sql: str, *args):
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def _q(dsn: str, sql: str, *args):
    return asyncio.run(_query(dsn, sql, *args))


def _start(*args: str, log: Path) -> subprocess.Popen:
    """A role process in its own session (so a whole "host" can be stopped at once), output to ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen(DATASCAN + list(args), env=_env(), stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _stop(procs: list[subprocess.Popen]) -> list[int]:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    return [p.wait(timeout=90) for p in procs]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("mh")
    manifest = generate(root / "c", 1.5, seed=11, density=0.004)
    return root / "c", manifest


def _wait_until(pred, timeout: float, what: str, procs: list[subprocess.Popen]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        dead = [p.args for p in procs if p.poll() is not None]
        assert not dead, f"a role process exited early while waiting for {what}: {dead}"
        time.sleep(0.2)  # polling an observable fact (the shared store), not standing in for synchronisation
    raise AssertionError(f"timed out waiting for {what}")


def test_orchestrator_and_two_worker_hosts_equal_a_single_host_run(small_corpus, shared_db, tmp_path):
    corpus, manifest = small_corpus
    url, dsn = shared_db
    job = _job(tmp_path, corpus, name="mh")
    single = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "one.db"))
    assert single.returncode == 0, single.stderr
    expected = _identity(_findings(tmp_path / "one.db"))
    assert sum(expected.values()) >= len(manifest.planted)

    # A SQLite store is refused for the roles, with the reason.
    r = _run("submit", "--job", str(job), "--db", str(tmp_path / "x.db"))
    assert r.returncode == 2 and "PostgreSQL" in r.stderr

    r = _run("submit", "--job", str(job), "--db", url)
    assert r.returncode == 0, r.stderr
    job_id = int(r.stdout.strip())
    logs = [tmp_path / f"role{i}.log" for i in range(3)]
    alive = tmp_path / "orch.alive"
    procs = [_start("orchestrator", "--db", url, "--alive-file", str(alive), log=logs[0]),
             _start("-v", "worker", "--db", url, "--concurrency", "1", log=logs[1]),
             _start("-v", "worker", "--db", url, "--concurrency", "1", log=logs[2])]
    try:
        waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=360)
        assert waited.returncode == 0, waited.stdout + waited.stderr
        assert "COMPLETED" in waited.stdout
        health = _run("health", "--db", url, "--alive-file", str(alive))
        assert health.returncode == 0, health.stderr
    finally:
        codes = _stop(procs)
    assert codes == [143, 143, 143]
    got = _findings_pg(url, job_id)
    assert got == expected and max(got.values()) == 1
    for i in (1, 2):
        assert f"serving job {job_id}" in (tmp_path / f"role{i}.log").read_text()
    # A stale alive file is unhealthy (the liveness probe of a hung orchestrator).
    os.utime(alive, (time.time() - 3600, time.time() - 3600))
    assert _run("health", "--alive-file", str(alive)).returncode == 1


def _findings_pg(url: str, job_id: int) -> Counter:
    r = _run("findings", str(job_id), "--db", url)
    assert r.returncode == 0, r.stderr
    return _identity([json.loads(line) for line in r.stdout.splitlines()])


def test_a_worker_host_stopped_past_its_lease_cannot_write(small_corpus, shared_db, tmp_path):
    """SIGSTOP a worker host while it holds a lease; the lease expires and another host takes the task over; after
    SIGCONT the stopped host's late writes are rejected (and logged) and the findings have no duplicates."""
    corpus, _ = small_corpus
    url, dsn = shared_db
    job = _job(tmp_path, corpus, name="fence", extra="  lease_seconds: 3\n")
    single = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "one.db"))
    assert single.returncode == 0, single.stderr
    expected = _identity(_findings(tmp_path / "one.db"))
    job_id = int(_run("submit", "--job", str(job), "--db", url).stdout.strip())
    a = _start("worker", "--db", url, "--concurrency", "1", log=tmp_path / "a.log")
    orch = _start("orchestrator", "--db", url, log=tmp_path / "o.log")
    procs = [a, orch]
    b = None
    try:
        owner = f"%:{a.pid}"

        def held_by_a():
            rows = _q(dsn, "SELECT id, fence FROM tasks WHERE job_id = $1 AND status = 'LEASED' "
                           "AND type = 'CLASSIFICATION' AND lease_owner LIKE $2", job_id, owner)
            return rows[0] if rows else None

        # Stop the whole host (its worker processes too) while it holds a classification lease.
        for _ in range(50):
            _wait_until(held_by_a, 120, "host A to hold a classification lease", procs)
            os.killpg(a.pid, signal.SIGSTOP)
            if (task := held_by_a()) is not None:
                break
            os.killpg(a.pid, signal.SIGCONT)
        else:
            raise AssertionError("host A never held a lease at the moment it was stopped")
        b = _start("worker", "--db", url, "--concurrency", "1", log=tmp_path / "b.log")
        procs.append(b)
        # The lease expires, the orchestrator re-queues the task, host B leases it with a new token.
        _wait_until(lambda: _q(dsn, "SELECT 1 FROM tasks WHERE id = $1 AND fence > $2", task["id"], task["fence"]),
                    120, "the task to be leased again", [orch, b])
        os.killpg(a.pid, signal.SIGCONT)
        waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=360)
        assert waited.returncode == 0, waited.stdout + waited.stderr
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        _stop(procs)
    log_text = (tmp_path / "a.log").read_text()
    assert f"for task {task['id']}: lease token {task['fence']} was taken over" in log_text
    got = _findings_pg(url, job_id)
    assert got == expected and max(got.values()) == 1
