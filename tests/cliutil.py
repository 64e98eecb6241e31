"""Running `datascan` from tests as a user does: the installed console script, a fixed HMAC key, findings as rows."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil

from tests import storeview

KEY = "7f" * 32
DATASCAN = [str(Path(sys.executable).parent / "datascan")]


def env(**extra: str) -> dict[str, str]:
    """This process's environment with the test key (and without a log format a developer may have set)."""
    e = dict(os.environ, DATASCAN_HMAC_KEY=KEY)
    e.pop("DATASCAN_LOG_FORMAT", None)
    e.update(extra)
    return e


def job_file(tmp: Path, corpus: Path, name: str = "e2e", extra: str = "") -> Path:
    """A one-folder job; ``extra`` is appended inside its ``runtime:`` block or after it."""
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\ndatasources:\n  - id: corpus\n    type: filesystem\n    path: {corpus}\n"
                 f"runtime:\n  batch_objects: 4\n{extra}")
    return p


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(DATASCAN + list(args), capture_output=True, text=True, env=env or globals()["env"](),
                          timeout=timeout)


def findings(db: Path | str, job: str = "latest") -> list[dict]:
    r = run("findings", job, "--db", str(db))
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def identity(rows: list[dict]) -> Counter:
    """What makes a finding the same finding across runs (a Counter: duplicates show as counts above 1)."""
    return Counter((f["object"], f["location"], f["entity"], f["value_hash"]) for f in rows)


def worker_processes(pid: int) -> list[psutil.Process]:
    """The worker processes of the `datascan scan` process ``pid``: the children of its fork server (workers are
    forks of multiprocessing's fork server; not the resource tracker, not the server itself); processes that end
    or turn zombie while being looked at are left out."""
    out = []
    try:
        kids = psutil.Process(pid).children()
    except psutil.Error:
        return []
    for k in kids:
        try:
            if "multiprocessing.forkserver" not in " ".join(k.cmdline()):
                continue
            out.extend(w for w in k.children() if w.status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            continue
    return out


def wait_mid_job(proc: subprocess.Popen, db: Path) -> int:
    """Wait (polling the store) until some objects are done and others pending; return a busy worker's pid."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the scan ended before it could be disturbed"
        p = storeview.progress(db)
        done, pending = (p.objects_done, p.objects_pending) if p is not None else (0, 0)
        workers = worker_processes(proc.pid)
        if done >= 2 and pending >= 8 and workers:
            return workers[0].pid
        time.sleep(0.05)  # polling interval of the wait above, not a stand-in for synchronisation
    raise AssertionError("the job never got mid-way")


def fingerprint(root: Path) -> dict[str, tuple[str, int, int, int]]:
    """Per file: content hash, mtime, ctime and mode (what a read-only scan must leave as it found it)."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(root))] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns,
                                             st.st_ctime_ns, st.st_mode)
    return out
