"""The store's PostgreSQL stopped mid-job and started again: the scan waits, resumes and completes, losing nothing."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from benchmarks.corpus import generate
from scanner.exceptions import StoreError
from tests import storeview
from tests.cliutil import DATASCAN
from tests.cliutil import env as _env
from tests.cliutil import findings as _findings
from tests.cliutil import identity as _identity
from tests.cliutil import job_file as _job
from tests.cliutil import run as _run
from tests.figures import scale
from tests.pgcluster import PG_BIN, PgCluster, available

pytestmark = pytest.mark.timeout(900)


def _pg_ctl(cluster: PgCluster, *args: str) -> None:
    assert cluster.dir is not None
    subprocess.run(cluster._as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(cluster.dir / "data"), *args],
                   check=True, capture_output=True)


def _done(url: str) -> int:
    try:
        return storeview.done_objects(url, 1)
    except StoreError:
        return 0  # the store is not there yet


def test_store_down_mid_job_then_back(tmp_path, figures):
    if not available():
        pytest.fail("PostgreSQL is not installed (make test installs it)")
    corpus = tmp_path / "c"
    # Enough objects that the job is still running well after its first results (the writer coalesces what the
    # workers send, so a small job's results can land almost at once).
    generate(corpus, float(scale(4, 6)), seed=44, density=0.004, files=scale(80, 120))
    job = _job(tmp_path, corpus, "outage")
    r = _run("scan", "--job", str(job), "--workers", "2", "--db", str(tmp_path / "one.db"))
    assert r.returncode == 0, r.stderr
    expected = _identity(_findings(tmp_path / "one.db"))
    down_s = scale(5, 60)
    cluster = PgCluster().start()
    try:
        err = tmp_path / "err.txt"
        with open(err, "wb") as fe:
            proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", cluster.url()],
                                    env=_env(), stdout=subprocess.DEVNULL, stderr=fe)
        deadline = time.monotonic() + 300
        while _done(cluster.url()) < 3:
            assert proc.poll() is None and time.monotonic() < deadline, "the job never got mid-way"
            time.sleep(0.1)  # polling the store for progress, an observable fact
        _pg_ctl(cluster, "-m", "fast", "-w", "stop")
        while b"unreachable" not in err.read_bytes():  # the scan noticed and is waiting, not failing
            assert proc.poll() is None, err.read_text()[-2000:]
            time.sleep(0.1)
        time.sleep(down_s)  # the length of the outage is the case's parameter, not synchronisation
        _pg_ctl(cluster, "-l", str(cluster.dir / "server.log"), "-w", "-o",
                f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {cluster.dir} -c fsync=off", "start")
        proc.wait(timeout=600)
        assert proc.returncode == 0, err.read_text()[-3000:]
        got = _identity(_findings_of(cluster))
        tasks_lost = sum(n for st, n in storeview.task_counts(cluster.url(), 1).items() if st != "COMPLETED")
    finally:
        cluster.stop()
    figures("store's PostgreSQL down mid-job", "workers back off and resume, job completes",
            down_s=down_s, tasks_lost=tasks_lost, findings_missing=sum((expected - got).values()),
            duplicate_findings=sum(n - 1 for n in got.values() if n > 1))
    assert tasks_lost == 0 and got == expected


def _findings_of(cluster: PgCluster) -> list[dict]:
    r = _run("findings", "latest", "--db", cluster.url())
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]

