"""Scan throughput: a deterministic corpus scanned with --workers 1 and 2; MB/s, files/s, peak RSS per worker.

    python -m benchmarks.bench_scan [--mb 8] [--workers 1,2]

Prints a table and writes benchmarks/results/latest.json. Peak RSS is sampled from the process tree every 50 ms.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from benchmarks.corpus import generate
from benchmarks.report import merge_results


def run_once(corpus: Path, workers: int, tmp: Path) -> dict[str, float]:
    """One full scan in a fresh store; returns its figures."""
    job = tmp / f"bench-{workers}.yaml"
    job.write_text(f"name: bench\ndatasources:\n  - id: c\n    type: filesystem\n    path: {corpus}\n")
    db = tmp / f"bench-{workers}.db"
    cmd = [str(Path(sys.executable).parent / "datascan"), "scan", "--job", str(job), "--workers", str(workers),
           "--db", str(db), "--full"]
    env = dict(os.environ, DATASCAN_HMAC_KEY="00" * 32)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peak: dict[int, int] = {}
    while proc.poll() is None:
        try:
            for c in root.children():
                if "resource_tracker" in " ".join(c.cmdline()):
                    continue
                peak[c.pid] = max(peak.get(c.pid, 0), c.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.05)  # sampling interval
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    nbytes = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    nfiles = sum(1 for p in corpus.rglob("*") if p.is_file())
    return {"workers": workers, "seconds": round(wall, 2), "mb": round(nbytes / 1048576, 2),
            "mb_per_s": round(nbytes / 1048576 / wall, 3), "files_per_s": round(nfiles / wall, 1),
            "peak_rss_mb_per_worker": round(max(peak.values(), default=0) / 1048576, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=24.0)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="datascan-bench-") as d:
        tmp = Path(d)
        generate(tmp / "corpus", args.mb, seed=args.seed)
        rows = [run_once(tmp / "corpus", int(w), tmp) for w in args.workers.split(",")]
    print(f"{'workers':>7} {'MB':>7} {'seconds':>8} {'MB/s':>7} {'files/s':>8} {'peak RSS/worker MB':>19}")
    for r in rows:
        print(f"{r['workers']:>7} {r['mb']:>7} {r['seconds']:>8} {r['mb_per_s']:>7} {r['files_per_s']:>8} "
              f"{r['peak_rss_mb_per_worker']:>19}")
    path = merge_results("scan", {"runs": rows, "corpus_mb": args.mb, "seed": args.seed,
                                  "cpus": len(os.sched_getaffinity(0))})
    print(f"merged under \"scan\" into {path}")


if __name__ == "__main__":
    main()
