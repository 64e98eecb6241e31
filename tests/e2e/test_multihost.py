"""The multi-host roles for real: `datascan orchestrator` and `datascan worker` processes sharing one PostgreSQL.

Each "host" is a separate process tree on this machine (its own owner name host:pid, its own worker processes),
which is what matters to the store: leases, fences and writes come from independent processes. Where the test can
create network namespaces (root, `ip netns`), worker hosts live in namespaces of their own and reach PostgreSQL over
a veth pair; a Redis server and an smbd of the test's own back the cross-host resource coordinator test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from benchmarks.corpus import generate
from tests import pgcluster, storeview
from tests.cliutil import DATASCAN
from tests.cliutil import env as _env
from tests.cliutil import findings as _findings
from tests.cliutil import identity as _identity
from tests.cliutil import job_file as _job
from tests.cliutil import run as _run
from tests.integration.smb_server import PASSWORD, USER, SambaServer, make_server
from tests.redisserver import redis_server

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


def _start(*args: str, log: Path, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None
           ) -> subprocess.Popen:
    """A role process in its own session (so a whole "host" can be stopped at once), output to ``log``.

    ``prefix`` runs it through another command (``ip netns exec NS``, which execs: the pid is datascan's)."""
    with open(log, "wb") as out:
        return subprocess.Popen(list(prefix) + DATASCAN + list(args), env=env or _env(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


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


@pytest.fixture(scope="module")
def baseline(small_corpus, tmp_path_factory) -> Counter:
    """The findings of `datascan scan` on one host (SQLite): what every multi-host run must equal."""
    tmp = tmp_path_factory.mktemp("mh-base")
    single = _run("scan", "--job", str(_job(tmp, small_corpus[0], name="base")), "--workers", "1",
                  "--db", str(tmp / "one.db"))
    assert single.returncode == 0, single.stderr
    expected = _identity(_findings(tmp / "one.db"))
    assert sum(expected.values()) >= len(small_corpus[1].planted)
    return expected


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


def test_orchestrator_and_two_worker_hosts_equal_a_single_host_run(small_corpus, baseline, shared_db, tmp_path):
    corpus, manifest = small_corpus
    url, dsn = shared_db
    job = _job(tmp_path, corpus, name="mh")
    expected = baseline

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


def test_a_worker_host_stopped_past_its_lease_cannot_write(small_corpus, baseline, shared_db, tmp_path, figures):
    """SIGSTOP a worker host while it holds a lease; the lease expires and another host takes the task over; after
    SIGCONT the stopped host's late writes are rejected (and logged) and the findings have no duplicates."""
    corpus, _ = small_corpus
    url, dsn = shared_db
    # Short leases make the case quick; on a loaded machine they also expire now and then by themselves, so the
    # attempts are generous: the case is about fencing, not about a task failing its attempts.
    job = _job(tmp_path, corpus, name="fence", extra="  lease_seconds: 3\n  max_attempts: 100\n")
    expected = baseline
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
    got = _findings_pg(url, job_id)
    # An accepted stale write would have recorded an object a second time (reads counts accepted results).
    reread = sum(1 for v in storeview.objects(url, job_id).values() if v[2] > 1)
    figures("SIGSTOP a worker host past its lease", "its late writes rejected; 0 accepted",
            stale_writes_rejected=log_text.count("rejected stale write"), stale_writes_accepted=reread,
            duplicate_findings=sum(n - 1 for n in got.values() if n > 1))
    assert f"for task {task['id']}: lease token {task['fence']} was taken over" in log_text
    assert got == expected and max(got.values()) == 1 and reread == 0


# --------------------------------------------------------------------------------------------------------------
# Three worker hosts, each in a network namespace of its own


def _pg_or_skip() -> None:
    if not pgcluster.available():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (make test installs it)")
        pytest.skip("PostgreSQL is not installed; run `make test`")


class _Net:
    """How each worker host reaches PostgreSQL: a command prefix, the address it dials, the address the server
    sees it as. ``server_addrs`` are the extra addresses PostgreSQL must listen on."""

    def __init__(self, how: str, prefixes: list[tuple[str, ...]], dial: list[str], seen_as: list[str],
                 server_addrs: list[str], trusted: list[str]):
        self.how, self.prefixes, self.dial, self.seen_as = how, prefixes, dial, seen_as
        self.server_addrs, self.trusted = server_addrs, trusted


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@contextlib.contextmanager
def _worker_namespaces(n: int) -> Iterator[_Net]:
    """``n`` network namespaces, each joined to the root namespace by a veth pair on a /30 of its own; on a
    machine where they cannot be made (not root, no iproute2, no CAP_NET_ADMIN), loopback for every host.

    The addresses are private ones on links that exist only between these namespaces: no traffic leaves the
    machine. The second octet depends on the pid so that two test runs on one machine do not collide."""
    loopback = _Net("loopback (network namespaces unavailable: {})", [()] * n, ["127.0.0.1"] * n,
                    ["127.0.0.1"] * n, [], [])
    if os.geteuid() != 0 or shutil.which("ip") is None:
        loopback.how = loopback.how.format("not root" if os.geteuid() != 0 else "no `ip` command")
        yield loopback
        return
    tag, octet = os.getpid() % 100000, 100 + os.getpid() % 100
    made: list[str] = []
    try:
        for i in range(1, n + 1):
            ns, root_if, ns_if = f"dsmh{tag}-{i}", f"dsm{tag}r{i}", f"dsm{tag}n{i}"
            _ip("netns", "add", ns)
            made.append(ns)
            _ip("link", "add", root_if, "type", "veth", "peer", "name", ns_if)
            _ip("link", "set", ns_if, "netns", ns)
            _ip("addr", "add", f"10.{octet}.{i}.1/30", "dev", root_if)
            _ip("link", "set", root_if, "up")
            _ip("-n", ns, "addr", "add", f"10.{octet}.{i}.2/30", "dev", ns_if)
            _ip("-n", ns, "link", "set", ns_if, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
    except subprocess.CalledProcessError as exc:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        loopback.how = loopback.how.format(f"`{' '.join(exc.cmd)}` failed: {exc.stderr.strip()}")
        yield loopback
        return
    try:
        yield _Net(f"{n} network namespaces, PostgreSQL reached over veth pairs", [
            ("ip", "netns", "exec", ns) for ns in made], [f"10.{octet}.{i}.1" for i in range(1, n + 1)],
            [f"10.{octet}.{i}.2" for i in range(1, n + 1)], [f"10.{octet}.{i}.1" for i in range(1, n + 1)],
            [f"10.{octet}.0.0/16"])
    finally:
        for ns in made:  # deleting a namespace destroys its end of the veth pair, and so the pair
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_three_worker_hosts_in_network_namespaces_equal_a_single_host_run(small_corpus, baseline, tmp_path,
                                                                           capsys):
    _pg_or_skip()
    corpus, _ = small_corpus
    with _worker_namespaces(3) as net:
        with capsys.disabled():
            print(f"\n[multihost] worker hosts: {net.how}")
        # A cluster of this test's own: it must listen on the root end of every veth pair, which exists only now.
        cluster = pgcluster.PgCluster(listen=["127.0.0.1", *net.server_addrs], trusted_nets=net.trusted)
        procs: list[subprocess.Popen] = []
        try:
            cluster.start()
            url = cluster.url()
            job_id = int(_run("submit", "--job", str(_job(tmp_path, corpus, name="ns")), "--db", url).stdout)
            procs.append(_start("orchestrator", "--db", url, log=tmp_path / "orch.log"))
            for i, (prefix, addr) in enumerate(zip(net.prefixes, net.dial, strict=True)):
                procs.append(_start("-v", "worker", "--db", cluster.url(host=addr), "--concurrency", "1",
                                    log=tmp_path / f"w{i}.log", prefix=prefix))
            waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=240)
            assert waited.returncode == 0, waited.stdout + waited.stderr
            # Idle worker hosts keep polling for work: each one's connection shows where it comes from.
            seen = {r["addr"] for r in _q(cluster.dsn(), "SELECT DISTINCT host(client_addr) AS addr "
                                                         "FROM pg_stat_activity WHERE client_addr IS NOT NULL")}
            got = _findings_pg(url, job_id)
        finally:
            codes = _stop(procs)
            cluster.stop()
    assert codes == [143] * 4
    assert set(net.seen_as) <= seen, (net.how, seen)
    for i in range(3):
        assert f"serving job {job_id}" in (tmp_path / f"w{i}.log").read_text()
    assert got == baseline and max(got.values()) == 1


# --------------------------------------------------------------------------------------------------------------
# Failures: a worker host killed, the orchestrator killed


def _stop_while_holding(host: subprocess.Popen, dsn: str, job_id: int, procs: list[subprocess.Popen]):
    """SIGSTOP the whole host at a moment it holds a classification lease; returns that task's (id, fence)."""
    def held():
        rows = _q(dsn, "SELECT id, fence FROM tasks WHERE job_id = $1 AND status = 'LEASED' "
                       "AND type = 'CLASSIFICATION' AND lease_owner LIKE $2", job_id, f"%:{host.pid}")
        return rows[0] if rows else None

    for _ in range(50):
        _wait_until(held, 120, "the host to hold a classification lease", procs)
        os.killpg(host.pid, signal.SIGSTOP)
        if (task := held()) is not None:  # the host is stopped: the row cannot change under us now
            return task
        os.killpg(host.pid, signal.SIGCONT)
    raise AssertionError("the host never held a lease at the moment it was stopped")


def test_kill_9_of_a_worker_host_mid_job_reclaims_its_task(small_corpus, baseline, shared_db, tmp_path):
    """The whole worker host (its main process and its worker processes) dies by SIGKILL while it holds a
    classification lease: the orchestrator re-queues the task once the lease expires, another host runs it, and
    the job ends with exactly the single-host findings."""
    corpus, _ = small_corpus
    url, dsn = shared_db
    job_id = int(_run("submit", "--job", str(_job(tmp_path, corpus, name="kill",
                                                         extra="  lease_seconds: 3\n  max_attempts: 100\n")),
                      "--db", url).stdout)
    a = _start("worker", "--db", url, "--concurrency", "1", log=tmp_path / "a.log")
    orch = _start("orchestrator", "--db", url, log=tmp_path / "o.log")
    procs = [a, orch]
    try:
        task = _stop_while_holding(a, dsn, job_id, procs)
        os.killpg(a.pid, signal.SIGKILL)
        assert a.wait(timeout=30) == -signal.SIGKILL
        procs.remove(a)
        b = _start("worker", "--db", url, "--concurrency", "1", log=tmp_path / "b.log")
        procs.append(b)
        _wait_until(lambda: _q(dsn, "SELECT 1 FROM tasks WHERE id = $1 AND fence > $2", task["id"], task["fence"]),
                    120, "the dead host's task to be leased again", procs)
        waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=240)
        assert waited.returncode == 0, waited.stdout + waited.stderr
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(a.pid, signal.SIGKILL)  # worker processes of the dead host, should any be left
        codes = _stop(procs)
    assert codes == [143, 143]
    assert f"lease of task {task['id']} (owner " in (tmp_path / "o.log").read_text()
    (status,) = _q(dsn, "SELECT status FROM tasks WHERE id = $1", task["id"])
    assert status["status"] == "COMPLETED"
    got = _findings_pg(url, job_id)
    assert got == baseline and max(got.values()) == 1


def test_orchestrator_killed_and_restarted_mid_job(small_corpus, baseline, shared_db, tmp_path):
    """SIGKILL the orchestrator mid-job: the worker hosts finish what was planned, the job stays RUNNING (only the
    control role completes a job); a new orchestrator plans the rest and completes it with the same findings."""
    corpus, _ = small_corpus
    url, dsn = shared_db
    job_id = int(_run("submit", "--job", str(_job(tmp_path, corpus, name="orch")), "--db", url).stdout)
    orch = _start("orchestrator", "--db", url, log=tmp_path / "o1.log")
    workers = [_start("worker", "--db", url, "--concurrency", "1", log=tmp_path / f"w{i}.log") for i in range(2)]
    procs = [orch, *workers]
    try:
        def counts():
            (r,) = _q(dsn, "SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS done, "
                           "count(*) FILTER (WHERE status IN ('PENDING', 'LEASED')) AS open "
                           "FROM tasks WHERE job_id = $1 AND type = 'CLASSIFICATION'", job_id)
            return r

        _wait_until(lambda: (c := counts())["done"] >= 1 and c["open"] >= 2, 120, "the job to be mid-way", procs)
        os.killpg(orch.pid, signal.SIGKILL)
        assert orch.wait(timeout=30) == -signal.SIGKILL
        procs.remove(orch)
        _wait_until(lambda: counts()["open"] == 0, 120, "the worker hosts to run out of planned work", procs)
        (job,) = _q(dsn, "SELECT status FROM jobs WHERE id = $1", job_id)
        assert job["status"] == "RUNNING"
        procs.append(_start("orchestrator", "--db", url, log=tmp_path / "o2.log"))
        waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=240)
        assert waited.returncode == 0, waited.stdout + waited.stderr
    finally:
        codes = _stop(procs)
    assert codes == [143, 143, 143]
    got = _findings_pg(url, job_id)
    assert got == baseline and max(got.values()) == 1


# --------------------------------------------------------------------------------------------------------------
# The Redis resource coordinator: max_sessions across hosts


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A redis-server of the test's own on a free loopback port, no persistence."""
    with redis_server(tmp_path_factory.mktemp("redis")) as (host, port):
        yield f"redis://{host}:{port}/0"


@pytest.fixture(scope="module")
def samba_one() -> Iterator[tuple[SambaServer, object]]:
    """smbd with a share that accepts one connection at a time (a second one is refused and logged)."""
    for server in make_server({"one": ("corpus", "max connections = 1")}):
        manifest = generate(server.root / "corpus", 0.4, seed=11, density=0.02, files=18)
        yield server, manifest


def test_two_worker_hosts_share_max_sessions_1_through_redis(samba_one, redis_url, shared_db, tmp_path):
    """Two worker hosts, one SMB server, ``max_sessions: 1`` and a Redis coordinator: both hosts hold the one
    slot in turn and the server never sees two sessions. Host A takes the coordinator from the job file; host B's
    environment points the job file at a dead address and ``--coordinator`` overrides it (as does the reference
    single-host `datascan scan --coordinator`)."""
    import redis

    from scanner.runtime.coordinator import RedisCoordinator

    server, manifest = samba_one
    url, dsn = shared_db
    job = tmp_path / "smb.yaml"
    job.write_text(f"name: smbredis\ncoordinator: ${{DS_REDIS_URL}}\ndatasources:\n  - id: share\n    type: smb\n"
                   f"    host: 127.0.0.1\n    port: {server.port}\n    share: one\n    username: {USER}\n"
                   f"    password: ${{SMB_PASSWORD}}\n    max_sessions: 1\nruntime:\n  batch_objects: 2\n")
    good = _env(SMB_PASSWORD=PASSWORD, DS_REDIS_URL=redis_url)
    dead = _env(SMB_PASSWORD=PASSWORD, DS_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    ref = subprocess.run(DATASCAN + ["scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "one.db"),
                                     "--coordinator", redis_url], capture_output=True, text=True, env=dead,
                         timeout=240)
    assert ref.returncode == 0, ref.stderr
    expected = _identity(_findings(tmp_path / "one.db"))
    assert sum(expected.values()) >= len(manifest.planted)

    slot_key = RedisCoordinator(redis_url).slot_key(f"smb:127.0.0.1:{server.port}", 0)  # the connector's key
    client = redis.Redis.from_url(redis_url)
    refused_before = server.log_text().count("Max connections")
    alive = [tmp_path / "a.alive", tmp_path / "b.alive"]
    a = _start("worker", "--db", url, "--concurrency", "1", "--alive-file", str(alive[0]), log=tmp_path / "a.log",
               env=good)
    b = _start("worker", "--db", url, "--concurrency", "1", "--alive-file", str(alive[1]), "--coordinator",
               redis_url, log=tmp_path / "b.log", env=dead)
    orch = _start("orchestrator", "--db", url, log=tmp_path / "o.log", env=good)
    procs = [orch, a, b]
    sessions: list[int] = []
    holders: set[int] = set()  # the worker hosts (process groups) seen holding the slot
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            sessions.append(server.sessions())
            token = client.get(slot_key)
            if token is not None:
                with contextlib.suppress(ProcessLookupError, ValueError, IndexError):
                    holders.add(os.getpgid(int(token.decode().split(":")[-2])))
            stop.wait(0.05)  # sampling interval: leaves the 2 CPUs to the scan

    try:
        # Both hosts are up and polling before the job exists, so both get tasks of it.
        _wait_until(lambda: all(p.exists() for p in alive), 60, "both worker hosts to poll for work", procs)
        job_id = int(_run("submit", "--job", str(job), "--db", url, env=good).stdout)
        t = threading.Thread(target=sample)
        t.start()
        try:
            waited = _run("jobs", "show", str(job_id), "--wait", "--db", url, timeout=240)
        finally:
            stop.set()
            t.join()
        assert waited.returncode == 0, waited.stdout + waited.stderr
    finally:
        codes = _stop(procs)
    assert codes == [143, 143, 143]
    assert sessions and max(sessions) == 1, sessions
    assert server.log_text().count("Max connections") == refused_before
    assert holders == {a.pid, b.pid}
    assert _q(dsn, "SELECT id, error FROM tasks WHERE job_id = $1 AND error IS NOT NULL", job_id) == []
    assert client.keys("datascan:slots:*") == []  # every slot given back when the hosts stopped
    client.close()
    got = _findings_pg(url, job_id)
    assert got == expected and max(got.values()) == 1


_HOLDER = """
import asyncio, sys
from scanner.runtime.coordinator import RedisCoordinator

async def main():
    coord = RedisCoordinator(sys.argv[1], ttl_s=1, prefix=sys.argv[2])
    await coord.acquire("smb:fs01:445", 1)
    print("held", flush=True)
    await asyncio.Event().wait()  # hold (and refresh) until killed

asyncio.run(main())
"""


async def test_redis_slots_are_refreshed_while_held_and_come_back_when_the_holder_dies(redis_url):
    """A holder in another process keeps its slot past the expiry by refreshing it; killed with -9, it stops, and
    the slot is free again once the key expires. A holder whose key was taken over notices and never deletes the
    new holder's key."""
    import sys

    import redis.asyncio as aredis

    from scanner.runtime.coordinator import RedisCoordinator

    prefix, key = f"t{uuid.uuid4().hex[:8]}:", "smb:fs01:445"
    coord = RedisCoordinator(redis_url, ttl_s=1, prefix=prefix)
    client = aredis.from_url(redis_url)
    holder = await asyncio.create_subprocess_exec(sys.executable, "-c", _HOLDER, redis_url, prefix,
                                                  stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and (await holder.stdout.readline()).strip() == b"held"
        assert coord.holders(key, 1) == 1
        slot = coord.slot_key(key, 0)
        first = await client.pttl(slot)
        while (now := await client.pttl(slot)) <= first:  # the holder's refresh moves the expiry forward
            assert now > 0, "the held slot expired: the holder did not refresh it"
            first = min(first, now)
            await asyncio.sleep(0.05)  # polling interval of an observable fact (the key's expiry)
        waiter = asyncio.ensure_future(coord.acquire(key, 1))
        holder.kill()
        await holder.wait()
        lease = await asyncio.wait_for(waiter, 30)  # free once the dead holder's key expired
        assert lease.slot == 0 and coord.holders(key, 1) == 1
        # Taken over behind its back (as after a pause past the expiry): the lease notices, release keeps theirs.
        await client.set(slot, "someone-else", px=60_000)
        await asyncio.wait_for(lease._refresher, 30)  # type: ignore[attr-defined]  # it ends when the slot is lost
        assert lease.lost  # type: ignore[attr-defined]
        await lease.release()
        assert await client.get(slot) == b"someone-else"
        await client.delete(slot)
        async with coord.acquire(key, 2) as a, coord.acquire(key, 2) as b:
            assert {a.slot, b.slot} == {0, 1} and coord.holders(key, 2) == 2
        assert coord.holders(key, 2) == 0
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await coord.aclose()
        await client.aclose()
