"""Multi-host throughput: one corpus through a PostgreSQL store with one `datascan orchestrator` and three
`datascan worker --concurrency 1` processes, against `datascan scan --workers 3` on one host (SQLite).

    python -m benchmarks.bench_multihost [--mb 8] [--hosts 3] [--seed 1]

Both runs scan the same corpus with the same job (``--full``) and must find the same values. The one-host time is
the whole `datascan scan` command; the multi-host time runs from `datascan submit` until the job is COMPLETED, with
the worker hosts already up and polling (their worker processes, and Presidio, start when the job appears, so
that start-up is counted, as it is for `scan`). It starts its own throwaway PostgreSQL (tests/pgcluster.py).
Prints a table and merges the figures under "multihost" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpus import generate
from benchmarks.report import merge_results
from tests import pgcluster

DATASCAN = str(Path(sys.executable).parent / "datascan")
ENV = dict(os.environ, DATASCAN_HMAC_KEY="00" * 32)


def _run(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([DATASCAN, *args], capture_output=True, text=True, env=ENV, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit(f"datascan {args[0]} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r


def _findings(db: str, job: str) -> int:
    return len(_run("findings", job, "--db", db).stdout.splitlines())


def one_host(job: Path, workers: int, tmp: Path) -> tuple[float, int]:
    db = str(tmp / "one.db")
    t0 = time.perf_counter()
    _run("scan", "--job", str(job), "--workers", str(workers), "--db", db, "--full")
    return time.perf_counter() - t0, _findings(db, "latest")


def multi_host(job: Path, hosts: int, tmp: Path) -> tuple[float, int]:
    cluster = pgcluster.PgCluster().start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        url = cluster.url()
        alive = [tmp / f"w{i}.alive" for i in range(hosts)]

        def start(*args: str, log: str) -> subprocess.Popen[bytes]:
            with open(tmp / log, "wb") as out:
                return subprocess.Popen([DATASCAN, *args], env=ENV, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)

        procs.append(start("orchestrator", "--db", url, log="orch.log"))
        procs += [start("worker", "--db", url, "--concurrency", "1", "--alive-file", str(alive[i]),
                        log=f"w{i}.log") for i in range(hosts)]
        deadline = time.monotonic() + 60
        while not all(p.exists() for p in alive):  # every worker host is up and polling for work
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                logs = "\n".join(f"--- {f.name}\n{f.read_text(errors='replace')[-1500:]}" for f in tmp.glob("*.log"))
                raise SystemExit(f"the roles did not start:\n{logs}")
            time.sleep(0.05)  # polling interval of the start-up wait
        t0 = time.perf_counter()
        job_id = _run("submit", "--job", str(job), "--db", url, "--full").stdout.strip()
        _run("jobs", "show", job_id, "--wait", "--db", url)
        wall = time.perf_counter() - t0
        return wall, _findings(url, job_id)
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(timeout=120)
        cluster.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--hosts", type=int, default=3, help="worker hosts, and --workers of the one-host run")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if not pgcluster.available():
        raise SystemExit("PostgreSQL 15 is not installed (make system-packages installs it)")
    with tempfile.TemporaryDirectory(prefix="datascan-bench-mh-") as d:
        tmp = Path(d)
        generate(tmp / "corpus", args.mb, seed=args.seed)
        mb = sum(p.stat().st_size for p in (tmp / "corpus").rglob("*") if p.is_file()) / 1048576
        job = tmp / "bench.yaml"
        job.write_text(f"name: bench-mh\ndatasources:\n  - id: c\n    type: filesystem\n    path: {tmp / 'corpus'}\n")
        one_s, one_n = one_host(job, args.hosts, tmp)
        multi_s, multi_n = multi_host(job, args.hosts, tmp)
    if one_n != multi_n:
        raise SystemExit(f"the runs disagree: {one_n} findings on one host, {multi_n} through PostgreSQL")
    rows = [
        {"setup": f"datascan scan --workers {args.hosts} (SQLite, one host)", "seconds": round(one_s, 2),
         "mb_per_s": round(mb / one_s, 3), "findings": one_n},
        {"setup": f"orchestrator + {args.hosts} x worker --concurrency 1 (PostgreSQL)", "seconds": round(multi_s, 2),
         "mb_per_s": round(mb / multi_s, 3), "findings": multi_n},
    ]
    print(f"corpus {mb:.2f} MB, {len(os.sched_getaffinity(0))} CPUs")
    print(f"{'setup':<58} {'seconds':>8} {'MB/s':>7} {'findings':>9}")
    for r in rows:
        print(f"{r['setup']:<58} {r['seconds']:>8} {r['mb_per_s']:>7} {r['findings']:>9}")
    path = merge_results("multihost", {"runs": rows, "corpus_mb": round(mb, 2), "hosts": args.hosts,
                                       "seed": args.seed, "cpus": len(os.sched_getaffinity(0))})
    print(f"merged under \"multihost\" into {path}")


if __name__ == "__main__":
    main()
