"""Start-up cost of a tiny job: wall seconds of ``datascan scan --job ... --workers 2`` run as a subprocess, for

- ``empty``: an empty folder, into a store that exists (the datasource gives no object: exit 4 by design);
- ``rerun``: an unchanged rerun of 10 small files (incremental: nothing is read again);
- ``first``: the first scan of the same 10 files, into a new store (the store is created too).

Each case runs ``--runs`` times (after one unmeasured run that warms the file cache); the median and the fastest
are printed, with the CPU seconds of the whole process tree (user + system, :func:`benchmarks.report.run_measured`)
and the 1-minute load average before the runs (on a shared machine wall seconds grow with the load, CPU seconds
much less).

    python -m benchmarks.bench_startup [--runs 5] [--datascan PATH] [--baseline PATH]

``--datascan`` times another installation; ``--baseline`` times a second one alongside (an older checkout's
``.venv/bin/datascan``, for a before/after comparison), the runs of both interleaved. Merges the figures under
"startup" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import DATASCAN, merge_results, run_measured

FILES = 10
EXPECTED = {"empty": (4,), "rerun": (0,), "first": (0,)}  # empty: a datasource with no object is a partial result


def _job(path: Path, name: str, folder: Path) -> Path:
    path.write_text(f"name: {name}\ndatasources:\n  - id: files\n    type: filesystem\n    path: {folder}\n")
    return path


def _files(folder: Path) -> None:
    folder.mkdir()
    for i in range(FILES):
        # A little of everything a first scan reports: an e-mail address, a card number, a phone with context.
        (folder / f"note{i}.txt").write_text(
            f"Ticket {i}: customer jane.doe{i}@example.com paid with 4111 1111 1111 1111; call +1 415 555 01{i:02d}.\n")


def _run(cmd: list[str], env: dict[str, str], ok: tuple[int, ...]) -> tuple[float, float]:
    """Wall and CPU seconds of one run (CPU: the whole process tree's, including the fork server the workers are
    forked from, reaped by the benchmark's launcher after the command)."""
    # One look at the tree is enough here (no peak RSS is reported): sampling would only take CPU from the run.
    r = run_measured(cmd, env=env, sample_s=600)
    if r.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.decode(errors='replace')[-2000:]}")
    return r.wall_s, r.cpu_s


def measure(installs: dict[str, str], runs: int) -> dict[str, dict[str, Any]]:
    """The three cases, ``runs`` times each, for each of ``installs`` (name -> datascan executable), their runs
    interleaved (so a change of load on a shared machine touches each alike); returns figures per install."""
    env = dict(os.environ, DATASCAN_HMAC_KEY="00" * 32)  # a fixed key, never the user's
    out: dict[str, dict[str, Any]] = {name: {} for name in installs}
    with tempfile.TemporaryDirectory(prefix="datascan-bench-startup-") as d:
        tmp = Path(d)
        empty = tmp / "empty"
        empty.mkdir()
        files = tmp / "files"
        _files(files)
        jobs = {"empty": _job(tmp / "empty.yaml", "startup-empty", empty),
                "rerun": _job(tmp / "files.yaml", "startup-files", files)}
        jobs["first"] = jobs["rerun"]

        def cmd(name: str, case: str, db: Path) -> list[str]:
            return [installs[name], "scan", "--job", str(jobs[case]), "--workers", "2", "--db", str(db)]

        for name in installs:
            # Unmeasured: creates the install's store, warms the page cache, gives the rerun its previous run.
            _run(cmd(name, "rerun", tmp / f"{name}.db"), env, EXPECTED["first"])
            _run(cmd(name, "empty", tmp / f"{name}.db"), env, EXPECTED["empty"])
        for case in ("empty", "rerun", "first"):
            walls: dict[str, list[float]] = {name: [] for name in installs}
            cpus: dict[str, list[float]] = {name: [] for name in installs}
            load = os.getloadavg()[0]
            for i in range(runs):
                for name in installs:
                    db = tmp / f"{name}-first-{i}.db" if case == "first" else tmp / f"{name}.db"
                    wall, cpu = _run(cmd(name, case, db), env, EXPECTED[case])
                    walls[name].append(wall)
                    cpus[name].append(cpu)
            for name in installs:
                w = walls[name]
                out[name][case] = {"median_s": round(statistics.median(w), 3), "min_s": round(min(w), 3),
                                   "cpu_s": round(statistics.median(cpus[name]), 3), "runs": [round(x, 3) for x in w],
                                   "load_before": round(load, 2)}
    return out


def main() -> None:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--datascan", default=DATASCAN, help="the datascan executable to time")
    ap.add_argument("--baseline", default=None,
                    help="another datascan executable (an older checkout's) to time alongside, runs interleaved")
    args = ap.parse_args()
    started = time.perf_counter()
    installs = {"this": args.datascan} | ({"baseline": args.baseline} if args.baseline else {})
    figures = measure(installs, args.runs)
    print(f"\nStart-up of a tiny job: `datascan scan --job ... --workers 2` as a subprocess, {args.runs} runs each "
          f"(seconds; CPU: the whole process tree's, median;\nload: 1-minute load average before the case, "
          f"{len(os.sched_getaffinity(0))} CPUs).")
    head = f"{'case':<38}{'install':>9}{'median':>8}{'fastest':>9}{'CPU s':>8}{'load':>6}"
    print(head)
    print("-" * len(head))
    label = {"empty": "empty folder", "rerun": f"unchanged rerun of {FILES} files",
             "first": f"first scan of {FILES} files (new store)"}
    for case in label:
        for name in installs:
            r = figures[name][case]
            print(f"{label[case]:<38}{name:>9}{r['median_s']:>8.2f}{r['min_s']:>9.2f}{r['cpu_s']:>8.2f}"
                  f"{r['load_before']:>6}")
    path = merge_results("startup", {"cases": figures["this"], "runs": args.runs, "files": FILES,
                                     "cpus": len(os.sched_getaffinity(0))}
                         | ({"baseline": {"datascan": args.baseline, "cases": figures["baseline"]}}
                            if args.baseline else {}))
    print(f"bench_startup took {time.perf_counter() - started:.0f} s; merged under \"startup\" into {path}")


if __name__ == "__main__":
    main()
