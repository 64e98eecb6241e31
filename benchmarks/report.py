"""What the benchmarks share: the results file (``benchmarks/results/latest.json``, one key per benchmark) and a
timed ``datascan scan`` of a job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DATASCAN = str(Path(sys.executable).parent / "datascan")

RESULTS = Path(__file__).parent / "results" / "latest.json"


def merge_results(key: str, figures: Any) -> Path:
    """Replace ``key`` in the results file, keeping the other benchmarks' figures; returns the file's path."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = figures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    return RESULTS


def timed_scan(job: Path, workers: int, db: Path) -> float:
    """Wall seconds of a full ``datascan scan`` of ``job`` into a fresh store ``db``; exits on failure."""
    t0 = time.perf_counter()
    r = subprocess.run([DATASCAN, "scan", "--job", str(job), "--workers", str(workers), "--db", str(db), "--full"],
                       env=dict(os.environ, DATASCAN_HMAC_KEY="00" * 32),  # a fixed key, never the user's
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{job.name}: scan failed ({r.returncode}): {r.stderr[-2000:]}")
    return wall
