"""Faults for real: worker processes killed at random, the whole process tree killed during writes, SIGTERM and
resume, eight processes hammering one SQLite store, and the promise that a scan changes nothing it reads.

Every case compares with an undisturbed run and records its figures (see conftest.py).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from benchmarks.corpus import generate
from scanner.models import TaskStatus
from tests import storeview
from tests.cliutil import DATASCAN, fingerprint, worker_processes
from tests.cliutil import env as _env
from tests.cliutil import findings as _findings
from tests.cliutil import identity as _identity
from tests.cliutil import job_file as _job
from tests.cliutil import run as _run
from tests.figures import LONG, scale

pytestmark = pytest.mark.timeout(3600)

REPO = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("rel")
    generate(root / "c", float(scale(2, 8)), seed=21, density=0.004, files=scale(40, 240))
    return root / "c"


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rel-base")
    r = _run("scan", "--job", str(_job(tmp, corpus, "rel")), "--workers", "2", "--db", str(tmp / "s.db"))
    assert r.returncode == 0, r.stderr
    return _identity(_findings(tmp / "s.db"))


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
            return int(c.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # the file is not created yet
        return 0


def _done(db: Path) -> int:
    return storeview.done_objects(db, 1)


def _workers(proc: subprocess.Popen) -> list[psutil.Process]:
    return worker_processes(proc.pid)


def _wait(pred, proc: subprocess.Popen, what: str, *args, timeout: float = 300):
    """Poll ``pred(*args)`` until it is truthy (returned) or the run ends (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (v := pred(*args)):
            return v
        if proc.poll() is not None:
            return None  # the run ended first: the caller decides what that means
        time.sleep(0.05)  # polling the store/process table, an observable fact; not a stand-in for sync
    raise AssertionError(f"timed out waiting for {what}")


def _busy_workers(proc: subprocess.Popen, db: Path, before: int) -> list[psutil.Process] | None:
    """Both workers alive and the job progressed since ``before`` objects were done."""
    ws = _workers(proc)
    return ws if len(ws) == 2 and _done(db) > before else None


def _progressed(db: Path, before: int) -> bool:
    return _done(db) > before + 1


def _duplicates(ids: Counter) -> int:
    return sum(n - 1 for n in ids.values() if n > 1)


def _scan(tmp: Path, job: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", str(db), *extra],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def test_random_worker_kills_lose_and_duplicate_nothing(corpus, baseline, tmp_path, figures):
    # Long form: at least 500 kills, over at least 5 runs. A kill waits until the job progressed since the last
    # one, so a run takes a bounded number of kills (about one per object or two): runs go on until 500.
    min_runs, target, kills_per_run = scale(1, 5), scale(3, 500), scale(3, 100)
    rng = random.Random(5)
    total_kills = lost = dups = missing = runs = 0
    while runs < min_runs or total_kills < target:
        run, runs = runs, runs + 1
        assert runs <= 40, f"only {total_kills} kills in {runs - 1} runs"
        db = tmp_path / f"k{run}.db"
        # Enough attempts that a task hit by several kills still completes: the figure is "lost", not "failed".
        job = _job(tmp_path, corpus, f"kills{run}", "  max_attempts: 100\n")
        proc = _scan(tmp_path, job, db)
        for _ in range(kills_per_run):
            ws = _wait(_busy_workers, proc, "a worker that is making progress", proc, db, _done(db))
            if not ws:
                break
            try:
                rng.choice(ws).kill()
                total_kills += 1
            except psutil.NoSuchProcess:
                pass
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err[-2000:]
        lost += sum(n for st, n in storeview.task_counts(db, 1).items() if st != TaskStatus.COMPLETED.value)
        got = _identity(_findings(db))
        dups += _duplicates(got)
        missing += sum((baseline - got).values())
        assert got == baseline
    figures("random kill -9 of workers", "every task completes; 0 lost, 0 duplicates", kills=total_kills,
            runs=runs, tasks_lost=lost, duplicate_findings=dups, findings_missing=missing)
    assert total_kills >= target and lost == dups == missing == 0


def test_kill_whole_tree_during_writes_then_resume(corpus, baseline, tmp_path, figures):
    rounds = scale(2, 20)
    db = tmp_path / "t.db"
    job = _job(tmp_path, corpus, "tree")
    integrity_failures = kills = 0
    args: list[str] = []
    for _ in range(rounds):
        proc = subprocess.Popen(DATASCAN + (["scan", "--job", str(job)] if not args else ["scan", *args])
                                + ["--workers", "2", "--db", str(db)], env=_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        if _wait(_progressed, proc, "progress to kill into", db, _done(db)) is None:
            proc.communicate()
            break  # the job finished before this round could kill it
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        kills += 1
        with sqlite3.connect(db) as c:
            if c.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                integrity_failures += 1
        args = ["--resume", "1"]
    r = _run("scan", *(args or ["--job", str(job)]), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr
    got = _identity(_findings(db, "1"))
    figures("kill -9 of the whole tree during writes", "store intact, --resume completes", kills=kills,
            integrity_failures=integrity_failures, duplicate_findings=_duplicates(got),
            findings_missing=sum((baseline - got).values()))
    assert kills >= 1 and integrity_failures == 0 and got == baseline


class _Ready:
    """Which worker processes are ready: the orchestrator numbers workers in the order it starts them (worker-0,
    worker-1, then one more per replacement) and records the number on each task a worker completes; a worker
    with a completed task has started. Only this test kills workers, so a new process is the next number."""

    def __init__(self, db: Path):
        self.db, self.wid, self.next = db, {}, 0

    def __call__(self, proc: subprocess.Popen, before: int) -> list[psutil.Process] | None:
        ws = _workers(proc)
        for w in sorted(ws, key=lambda w: w.create_time()):
            if w.pid not in self.wid:
                self.wid[w.pid], self.next = self.next, self.next + 1
        listed = _count(self.db, "SELECT coalesce(sum(objects), 0) FROM run_sources WHERE run_id = 1")
        open_ = _count(self.db, "SELECT count(*) FROM tasks WHERE job_id = 1 AND type = 'DISCOVERY' "
                                "AND status IN ('PENDING', 'LEASED')")
        if len(ws) != 2 or not open_ or listed <= before:
            return None
        ready = [w for w in ws if _count(self.db, "SELECT count(*) FROM tasks WHERE job_id = 1 AND status = "
                                                  f"'COMPLETED' AND ran_by LIKE '%/worker-{self.wid[w.pid]}'")]
        return ready or None


def test_worker_kills_during_discovery_of_a_split_tree(tmp_path, figures):
    """A tree listed by many discovery tasks (one folder each, big folders in pages), workers killed while they
    list it: every object is listed once (counters exact: a re-walked task takes back what it counted) and found
    once, no task is lost. Long form only (`make reliability`): half a minute even in its short form."""
    if not LONG:
        pytest.skip("long form only: make reliability")
    root = tmp_path / "tree"
    folders, per = 400, 5
    for d in range(folders):
        (root / f"d{d:04d}").mkdir(parents=True)
        for i in range(per):
            (root / f"d{d:04d}" / f"f{i}.txt").write_text(f"contact j{d}x{i}@example.com\n")
    db = tmp_path / "split.db"
    job = _job(tmp_path, root, "splitkill", "  max_attempts: 100\n  discovery_fanout: 2\n  discovery_page: 2\n")
    proc = _scan(tmp_path, job, db)
    rng = random.Random(3)
    kills = 0
    ready = _Ready(db)
    for _ in range(40):
        before = _count(db, "SELECT coalesce(sum(objects), 0) FROM run_sources WHERE run_id = 1")
        ws = _wait(ready, proc, "a started worker while discovery is open", proc, before)
        if not ws:
            break
        try:
            rng.choice(ws).kill()
            kills += 1
        except psutil.NoSuchProcess:
            pass
    _, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-2000:]
    p = storeview.progress(db, 1)
    lost = sum(n for st, n in storeview.task_counts(db, 1).items() if st != TaskStatus.COMPLETED.value)
    got = _identity(_findings(db))
    figures("kill -9 of workers during a split discovery", "objects listed once, 0 lost, 0 duplicates",
            kills=kills, objects=p.objects, expected_objects=folders * per, tasks_lost=lost,
            duplicate_findings=_duplicates(got), findings=sum(got.values()))
    assert kills >= 1 and lost == 0 and _duplicates(got) == 0
    assert p.objects == p.objects_done == sum(got.values()) == folders * per


def test_sigterm_then_resume_rereads_only_in_flight(corpus, baseline, tmp_path, figures):
    db = tmp_path / "s.db"
    proc = _scan(tmp_path, _job(tmp_path, corpus, "term"), db)
    assert _wait(_progressed, proc, "progress", db, 1)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=120)
    shutdown_s = time.monotonic() - t0
    assert proc.returncode == 143
    done_before = set(storeview.paths_in(db, "DONE"))
    r = _run("scan", "--resume", "1", "--db", str(db))
    assert r.returncode == 0, r.stderr
    reads = storeview.paths_in(db, "DONE")
    reread = sum(1 for p in done_before if reads[p] > 1)
    got = _identity(_findings(db))
    figures("SIGTERM mid-run, then --resume", "shutdown < 30 s, only in-flight objects re-read",
            shutdown_s=round(shutdown_s, 2), done_before=len(done_before), finished_objects_reread=reread)
    assert shutdown_s < 30 and reread == 0 and got == baseline


def test_sqlite_store_under_eight_writer_processes(tmp_path, figures):
    import asyncio

    from scanner.store import DatabaseInterface

    db = tmp_path / "w.db"
    n_tasks = scale(200, 2000)

    async def setup() -> int:
        store = await DatabaseInterface.open(str(db))
        try:
            return await store.create_job("writers", "", "", [f"ds{i}" for i in range(n_tasks)], max_attempts=3,
                                          options={})
        finally:
            await store.close()

    job_id = asyncio.run(setup())
    t0 = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-m", "tests.reliability.claimer", str(db), str(job_id), f"p{i}",
                               str(tmp_path / f"p{i}.json")], cwd=REPO, env=_env()) for i in range(8)]
    assert [p.wait(timeout=600) for p in procs] == [0] * 8
    elapsed = time.monotonic() - t0
    results = [json.loads((tmp_path / f"p{i}.json").read_text()) for i in range(8)]
    claims = Counter(tid for r in results for tid, _fence in r["claims"])
    errors = [e for r in results for e in r["errors"]]
    completed = storeview.task_counts(db, job_id).get("COMPLETED", 0)
    double = sum(1 for n in claims.values() if n > 1)
    figures("SQLite store, 8 concurrent writer processes", "0 errors, 0 double claims", tasks=n_tasks,
            errors=len(errors), double_claims=double, claims_per_s=round(sum(claims.values()) / elapsed, 1))
    assert not errors, errors[:3]
    assert double == 0 and completed == n_tasks == len(claims)


def test_a_scan_changes_nothing_it_reads(corpus, tmp_path, figures):
    before = fingerprint(corpus)
    r = _run("scan", "--job", str(_job(tmp_path, corpus, "ro")), "--workers", "2", "--db", str(tmp_path / "s.db"))
    assert r.returncode == 0, r.stderr
    after = fingerprint(corpus)
    modified = sum(1 for k in before if before[k] != after.get(k)) + len(set(after) - set(before))
    figures("a scan over a folder", "content, mtime, ctime, permissions unchanged", files=len(before),
            files_modified=modified)
    assert modified == 0
