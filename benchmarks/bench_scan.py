"""End-to-end scan throughput: ``datascan scan`` of deterministic corpora with ``--workers 1`` and ``--workers 2``;
MB/s of input, the 1 -> 2 worker speed-up, CPU seconds and peak RSS per process role.

Corpora:

- ``text``: the plain-text business corpus of ``benchmarks.corpus`` (seed 1; .txt, .csv, .log, .md, .json,
  .html, .xml);
- ``mixed``: the labelled multi-format corpus of ``benchmarks.quality_corpus`` (text, CSV, office, PDF, mail,
  archives), when that module is present.

    python -m benchmarks.bench_scan [--mb 24] [--mixed-scale 1.0] [--workers 1,2] [--corpora text,mixed]

Each scan runs in a fresh process tree measured by ``benchmarks.report.run_measured``: wall seconds (what end to
end means; on a shared machine the 1-minute load average before each run is printed beside it), CPU seconds of
the whole tree, and peak RSS per role: the scan command (orchestrator), each worker, each worker's extraction
sandbox (the largest of each role), the largest process exactly (kernel high-water mark), and the largest sum
of the tree's RSS seen at one sample. Prints a table and merges the figures under "scan" into
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate
from benchmarks.report import measured_scan, merge_results

MIB = 1 << 20
# A mixed corpus may hold objects the extractor rejects on purpose (exit 4: done, with failed objects).
DONE = (0, 4)


def mixed_generator() -> Callable[[Path, float], Any] | None:
    """``benchmarks.quality_corpus.generate`` (its own default seed, the one its quality figures use) if that
    module is present, else None."""
    try:
        from benchmarks import quality_corpus
    except ImportError:
        return None
    return lambda out, scale: quality_corpus.generate(out, scale=scale)


def run_once(corpus: Path, workers: int, tmp: Path) -> dict[str, Any]:
    """One full scan in a fresh store; returns its figures."""
    job = tmp / f"{corpus.name}-{workers}.yaml"
    job.write_text(f"name: bench\ndatasources:\n  - id: c\n    type: filesystem\n    path: {corpus}\n")
    load = os.getloadavg()[0]
    r = measured_scan(job, workers, tmp / f"{corpus.name}-{workers}.db", ok=DONE)
    files = [p for p in corpus.rglob("*") if p.is_file()]
    mb = sum(p.stat().st_size for p in files) / MIB
    return {"workers": workers, "exit": r.returncode, "seconds": round(r.wall_s, 2), "mb": round(mb, 2),
            "mb_per_s": round(mb / r.wall_s, 3), "files_per_s": round(len(files) / r.wall_s, 1),
            "cpu_s": round(r.cpu_s, 2), "mb_per_cpu_s": round(mb / max(r.cpu_s, 1e-9), 3),
            "load_before": round(load, 2),
            "peak_rss_mb": {"scan": r.peak_mb("scan"), "worker": r.peak_mb("worker"),
                            "extractor": r.peak_mb("extractor"), "largest_process": r.peak_mb(),
                            "tree": round(r.tree_peak_rss / MIB, 1)},
            "workers_seen": sum(1 for p in r.processes if p.role == "worker")}


def main() -> None:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--mb", type=float, default=24.0, help="size of the text corpus")
    ap.add_argument("--mixed-scale", type=float, default=1.0, help="scale of the mixed corpus (1.0: about 35 MB)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--seed", type=int, default=1, help="seed of the text corpus")
    ap.add_argument("--corpora", default="text,mixed")
    args = ap.parse_args()
    started = time.perf_counter()

    def clock(what: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {what}", flush=True)

    rows: dict[str, Any] = {}
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="datascan-bench-scan-") as d:
        tmp = Path(d)
        for name in args.corpora.split(","):
            corpus = tmp / name
            if name == "text":
                generate(corpus, args.mb, seed=args.seed)
            elif name == "mixed":
                make = mixed_generator()
                if make is None:
                    notes.append("mixed: benchmarks.quality_corpus is not on this branch yet; no mixed row")
                    clock(notes[-1])
                    continue
                make(corpus, args.mixed_scale)
            else:
                raise SystemExit(f"unknown corpus {name!r}")
            clock(f"{name}: corpus generated")
            runs = []
            for w in args.workers.split(","):
                runs.append(run_once(corpus, int(w), tmp))
                clock(f"{name}: --workers {w} done in {runs[-1]['seconds']} s")
            by = {r["workers"]: r for r in runs}
            speedup = round(by[1]["seconds"] / by[2]["seconds"], 2) if 1 in by and 2 in by else None
            rows[name] = {"runs": runs, "speedup_1_to_2": speedup}

    print("\nMB/s: input bytes per wall second of the whole `datascan scan`; CPU s: the whole process tree's; "
          "peak RSS in MB\n(largest of each role; tree: the largest sum at one sample; load: 1-minute load average "
          "before the run, 2 cores).")
    head = (f"{'corpus':<7}{'workers':>8}{'MB':>8}{'seconds':>9}{'MB/s':>8}{'files/s':>9}{'CPU s':>8}{'load':>6}"
            f"{'exit':>5}{'RSS scan':>10}{'worker':>8}{'extractor':>10}{'tree':>8}")
    print(head)
    print("-" * len(head))
    for name, row in rows.items():
        for r in row["runs"]:
            p = r["peak_rss_mb"]
            print(f"{name:<7}{r['workers']:>8}{r['mb']:>8}{r['seconds']:>9}{r['mb_per_s']:>8}{r['files_per_s']:>9}"
                  f"{r['cpu_s']:>8}{r['load_before']:>6}{r['exit']:>5}{p['scan']:>10}{p['worker']:>8}"
                  f"{p['extractor']:>10}{p['tree']:>8}")
        print(f"{name:<7} speed-up 1 -> 2 workers: {row['speedup_1_to_2']}x")
    for n in notes:
        print(n)
    path = merge_results("scan", {"corpora": rows, "text_mb": args.mb, "mixed_scale": args.mixed_scale,
                                  "seed": args.seed, "cpus": len(os.sched_getaffinity(0)), "notes": notes,
                                  "seconds": round(time.perf_counter() - started, 1)})
    print(f"bench_scan took {time.perf_counter() - started:.0f} s; merged under \"scan\" into {path}")


if __name__ == "__main__":
    main()
