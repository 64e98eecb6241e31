"""The README's exit-code table as a matrix, run as cron runs it: no TTY, real workers, real signals.

0 clean; 3 findings with --fail-on-findings; 4 partial (a task failed max_attempts times); 2 bad job file or
unreachable source; 130 interrupted (SIGINT); 75 another run of the job holds its lock. Plus: the lock dies with
its holder, and ``--log-format json`` writes nothing but JSON lines without raw values.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.corpus import generate
from tests import storeview
from tests.cliutil import DATASCAN
from tests.cliutil import env as _env
from tests.cliutil import run as _run
from tests.cliutil import wait_mid_job as _wait_mid_job


def _job(tmp: Path, path: Path | str, name: str, extra: str = "") -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\ndatasources:\n  - id: files\n    type: filesystem\n    path: {path}\n{extra}")
    return p


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Big enough that a one-worker scan is still running while the test disturbs it."""
    root = tmp_path_factory.mktemp("corpus") / "c"
    manifest = generate(root, 2.0, seed=11, density=0.004)
    return root, manifest


def _start(job: Path, db: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "1", "--db", str(db), *extra],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_status(db: Path, status: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the scan ended early"
        if storeview.job_status(db, 1) == status:
            return
        time.sleep(0.05)  # polling interval, not a stand-in for synchronisation
    raise AssertionError(f"job 1 never became {status}")


def test_clean_run_exits_0(tmp_path):
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.txt").write_text("nothing to see here\n")
    db = tmp_path / "s.db"
    r = _run("scan", "--job", str(_job(tmp_path, clean, "clean")), "--workers", "1", "--db", str(db),
             "--fail-on-findings")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "s.db.clean.lock").exists()  # the run took its lock (and gave it back on exit)


@pytest.mark.parametrize("body,code,message", [
    ("name: x\ndatasources: []\n", 2, "datasources: list should have at least 1 item"),
    ("name: x\ndatasources:\n  - id: a\n    type: filesystem\n    path: /nonexistent/datascan-test\n", 2,
     "datasources[0].path: /nonexistent/datascan-test is not a folder"),
])
def test_bad_job_file_and_unreachable_source_exit_2(tmp_path, body, code, message):
    job = tmp_path / "job.yaml"
    job.write_text(body)
    r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db"))
    assert r.returncode == code and message in r.stderr, r.stderr


def test_failed_task_means_partial_exit_4(corpus, tmp_path):
    """A worker killed while holding a task, with max_attempts 1: the task FAILS, the job completes, exit 4."""
    db = tmp_path / "s.db"
    job = _job(tmp_path, corpus[0], "partial", "runtime:\n  max_attempts: 1\n  batch_objects: 4\n")
    proc = _start(job, db)
    os.kill(_wait_mid_job(proc, db), signal.SIGKILL)
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 4, err.decode()
    assert b" task(s) and " in err and b" object(s) failed: results are partial" in err
    failed = storeview.task_counts(db, 1).get("FAILED", 0)
    objs = sum(1 for v in storeview.objects(db, 1).values() if v[0] == "FAILED")
    status = storeview.job_status(db, 1)
    assert failed >= 1 and objs >= 1 and status == "COMPLETED"
    rep = _run("report", "latest", "--db", str(db))
    assert rep.returncode == 0, rep.stderr
    assert "failed tasks" in rep.stdout and "worker process exited with code -9" in rep.stdout


def test_overlapping_runs_interrupt_and_lock_release(corpus, tmp_path):
    """Run B of the same job while A runs: B exits 75 naming the holder, A is untouched; SIGINT stops A (130)
    and frees the lock, so B's retry (the resume) runs."""
    db = tmp_path / "s.db"
    job = _job(tmp_path, corpus[0], "nightly", "runtime:\n  batch_objects: 4\n")
    a = _start(job, db)
    worker = _wait_mid_job(a, db)
    # A's only worker is stopped while the pause is asked for, so A cannot finish first, however fast the machine;
    # pausing then keeps A alive (and holding the lock) for as long as the test needs.
    os.kill(worker, signal.SIGSTOP)
    try:
        paused = _run("jobs", "pause", "1", "--db", str(db))
    finally:
        os.kill(worker, signal.SIGCONT)
    assert paused.returncode == 0, paused.stderr
    _wait_status(db, "PAUSED", a)
    b = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert b.returncode == 75, b.stderr
    assert f"another run of job 'nightly' is in progress (pid {a.pid} since" in b.stderr
    other = _run("scan", "--job", str(_job(tmp_path, tmp_path / "empty", "other")), "--db", str(db))
    assert other.returncode == 2  # a different job is not blocked by the lock (here: its folder is missing)
    assert "is not a folder" in other.stderr
    a.send_signal(signal.SIGINT)
    _out, err = a.communicate(timeout=120)
    assert a.returncode == 130, err.decode()
    with sqlite3.connect(db) as c:
        assert [s for (s,) in c.execute("SELECT status FROM jobs")] == ["INTERRUPTED"]  # B never created a job
    r = _run("scan", "--resume", "1", "--db", str(db), "--workers", "1")
    assert r.returncode == 0, r.stderr


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    """kill -9 leaves no stale lock: flock dies with the process."""
    code = ("import asyncio, sys\nfrom scanner.runtime.runlock import run_lock\n"
            "async def main():\n    async with run_lock(sys.argv[1], 'held'):\n"
            "        print('locked', flush=True)\n        await asyncio.sleep(600)\nasyncio.run(main())\n")
    db = str(tmp_path / "s.db")
    holder = subprocess.Popen([sys.executable, "-c", code, db], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        probe = ("import asyncio, sys\nfrom scanner.runtime.runlock import run_lock, RunLockedError\n"
                 "async def main():\n    try:\n        async with run_lock(sys.argv[1], 'held'):\n"
                 "            print('free')\n    except RunLockedError as e:\n        print('busy', e)\n"
                 "asyncio.run(main())\n")
        busy = subprocess.run([sys.executable, "-c", probe, db], capture_output=True, text=True, check=True)
        assert busy.stdout.startswith("busy") and f"pid {holder.pid}" in busy.stdout
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    free = subprocess.run([sys.executable, "-c", probe, db], capture_output=True, text=True, check=True)
    assert free.stdout.strip() == "free"


def test_findings_exit_3_with_json_logs_without_raw_values(corpus, tmp_path):
    """--fail-on-findings gives 3 (findings alone give 0: see tests/e2e/test_scan.py); the logs are JSON lines."""
    root, manifest = corpus
    small = tmp_path / "small"
    small.mkdir()
    planted = [p for p in manifest.planted][:5]
    for p in {p.file for p in planted}:
        (small / Path(p).name).write_bytes((root / p).read_bytes())
    db = tmp_path / "s.db"
    r = _run("-vv", "scan", "--job", str(_job(tmp_path, small, "logs")), "--workers", "1", "--db", str(db),
             "--log-format", "json", "--fail-on-findings")
    assert r.returncode == 3, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert lines
    records = [json.loads(ln) for ln in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= rec.keys() for rec in records)
    assert any(rec.get("process", "").startswith("worker-") for rec in records)  # workers log JSON too
    assert any(rec["logger"] == "datascan.progress" and "progress" in rec for rec in records)
    for p in planted:
        assert p.value not in r.stderr


@pytest.mark.postgres
async def test_postgresql_store_uses_an_advisory_lock(postgres_url):
    """With a PostgreSQL store the lock is the server's: held by one session, refused to another, and free again
    once the holder lets go (the server also drops it when a session dies)."""
    from scanner.runtime.runlock import RunLockedError, run_lock

    async with run_lock(postgres_url, "pg-job"):
        with pytest.raises(RunLockedError, match="advisory lock .* is held"):
            async with run_lock(postgres_url, "pg-job"):
                pass
        async with run_lock(postgres_url, "another-job"):
            pass
    async with run_lock(postgres_url, "pg-job"):
        pass
