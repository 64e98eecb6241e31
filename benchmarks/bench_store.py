"""The store at scale (issue 17): objects/s of first and unchanged scans, store growth over unchanged and churned
runs, rows written per run, how discovery of one big folder is shared, and a worker's RSS over ten passes.

    python -m benchmarks.bench_store [--files 100000] [--stores sqlite,postgres] [--synthetic 1000000]
        [--runs 10] [--churn 0.01] [--big-folder 200000] [--parts scan,synthetic,folder,rss]

Parts:

- ``scan``: a tree of ``--files`` text files of 1 KB in folders of about 70 files, ``datascan scan --workers 2``:
  the first scan, then five unchanged rescans, on each store. objects/s exclude the start-up, measured as the scan
  of an empty folder; beside them the rate of ``os.scandir`` + ``stat`` over the same tree on one core. The store's
  size after the first scan and after the five rescans.
- ``synthetic``: generated state for the store alone (no files, no classification): ``--synthetic`` objects in
  folders of 100, discovered, planned, "classified" (results written through the store API, a finding for one
  object in 20) and completed; then ``--runs`` - 1 nightly runs in which ``--churn`` of the objects changed
  (size and mtime). Prints rows added per table and store size per run (SQLite).
- ``folder``: one folder of ``--big-folder`` files, ``--workers 4``: DISCOVERY tasks per worker.
- ``rss``: one real worker process (scanner.runtime.worker) given the same corpus (8 MB of text and one file of
  each format family) ten times, each pass a discovery task and classification tasks: its RSS after pass 1 and
  after pass 10, alone and with its extraction sandbox.

Merges the figures under "store" into benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

from benchmarks.report import measured_scan, merge_results

KB_LINE = "Quarterly notes for the operations team: nothing sensitive here, only ordinary words and numbers 42.\n"
PER_FOLDER = 70


def make_tree(root: Path, files: int, per_folder: int = PER_FOLDER) -> None:
    """``files`` text files of 1 KB, ``per_folder`` to a folder, two levels deep; one file in 50 holds an e-mail."""
    body = (KB_LINE * 11)[:1000]
    for i in range(files):
        d = root / f"d{i // (per_folder * 20):03d}" / f"s{(i // per_folder) % 20:02d}"
        if i % per_folder == 0:
            d.mkdir(parents=True, exist_ok=True)
        text = body if i % 50 else body[:970] + f"\nmail j{i}@example.com\n"
        (d / f"f{i:07d}.txt").write_text(text)


def scandir_rate(root: Path) -> float:
    """Entries per CPU second of a plain os.scandir + stat walk (one core)."""
    t0 = time.process_time()
    n = 0
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as it:
            for e in it:
                e.stat(follow_symlinks=False)
                n += 1
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
    return n / max(time.process_time() - t0, 1e-9)


def _job(tmp: Path, name: str, root: Path) -> Path:
    job = tmp / f"{name}.yaml"
    job.write_text(f"name: {name}\ndatasources:\n  - id: c\n    type: filesystem\n    path: {root}\n")
    return job


async def _store_figures(url: str, job_id: int | None = None) -> dict[str, Any]:
    from scanner.store import DatabaseInterface

    db = await DatabaseInterface.open(url)
    try:
        out: dict[str, Any] = {"size": await db.size_bytes(), "rows": await db.row_counts()}
        if job_id is not None:
            out["discovery_owners"] = await db.discovery_owners(job_id)
            out["latest"] = await db.latest_job_id()
        return out
    finally:
        await db.close()


def _scan(job: Path, db: str, workers: int, full: bool = False) -> float:
    r = measured_scan(job, workers, db, ok=(0, 3, 4), full=full)
    return r.wall_s


def part_scan(tmp: Path, files: int, stores: list[str], pg_url: str | None) -> dict[str, Any]:
    root = tmp / "tree"
    if not root.exists():
        make_tree(root, files)
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    rate = scandir_rate(root)
    out: dict[str, Any] = {"files": files, "scandir_entries_per_cpu_s": round(rate)}
    for store in stores:
        if store == "postgres":
            if pg_url is None:
                continue
            db = pg_url.replace("/datascan", f"/scan{files}")
            _createdb(db)
        else:
            db = str(tmp / f"scan-{files}.db")
        startup = _scan(_job(tmp, "empty", empty), db, 2)
        job = _job(tmp, "tree", root)
        first = _scan(job, db, 2)
        after_first = asyncio.run(_store_figures(db))
        rescans = [_scan(job, db, 2) for _ in range(5)]
        after = asyncio.run(_store_figures(db))
        best = min(rescans)
        out[store] = {
            "startup_s": round(startup, 2), "first_s": round(first, 2), "rescan_s": [round(r, 2) for r in rescans],
            "first_objects_per_s": round(files / max(first - startup, 1e-3)),
            "rescan_objects_per_s": round(files / max(best - startup, 1e-3)),
            "size_first": after_first["size"], "size_after_5_rescans": after["size"],
            "size_ratio": round(after["size"] / max(after_first["size"], 1), 3),
            "rows_first": sum(after_first["rows"].values()), "rows_after_5_rescans": sum(after["rows"].values()),
        }
    return out


def _createdb(url: str) -> None:
    import asyncpg

    base, name = url.rsplit("/", 1)
    dsn = base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"

    async def go() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(go())


# ---------------------------------------------------------------------------------------------- synthetic


async def _synthetic_run(db: Any, name: str, objects: int, version: list[int]) -> dict[str, Any]:
    """One run of the generated datasource through the store API; returns its figures."""
    from scanner.models import DiscoveredObject, Finding, JobStatus, ObjectResult, TaskType

    job = await db.create_job(name, "synthetic", "", ["ds"], max_attempts=3, options={})
    t0 = time.perf_counter()
    c0 = time.process_time()
    scanned = 0
    while True:
        packets = await db.lease_tasks(job, "bench", 8, 600)
        if not packets:
            break
        for p in packets:
            if p.task_type is TaskType.DISCOVERY:
                for start in range(0, objects, 6400):
                    batch = [DiscoveredObject(f"d{i // 100:05d}/f{i:07d}.txt", 1000 + version[i], 1e9 + version[i])
                             for i in range(start, min(objects, start + 6400))]
                    assert await db.record_discovered(p.task_id, p.fence, job, "ds", batch)
                assert await db.complete_task(p.task_id, p.fence)
                while await db.plan_output_records(job, full=False, batch_bytes=8 << 20, batch_objects=640,
                                                   max_attempts=3, limit=20):
                    pass
            else:
                res = []
                for o in p.objects:
                    i = int(o.path[-11:-4])
                    fs = [Finding("ds", o.path, "", "line=1,col=1", "EMAIL_ADDRESS", 1.0, "j***@example.com",
                                  f"{i:064x}")] if i % 20 == 0 else []
                    res.append(ObjectResult(o.path, o.size, o.mtime, fs, content_hash=f"{i:x}-{o.size}"))
                scanned += len(res)
                assert await db.record_object_results(p.task_id, p.fence, job, "ds", res)
                assert await db.complete_task(p.task_id, p.fence)
    await db.set_job_status(job, JobStatus.COMPLETED)
    return {"job": job, "scanned": scanned, "seconds": round(time.perf_counter() - t0, 2),
            "cpu_s": round(time.process_time() - c0, 2)}


async def part_synthetic(tmp: Path, objects: int, runs: int, churn: float) -> dict[str, Any]:
    from scanner.store import DatabaseInterface

    db = await DatabaseInterface.open(str(tmp / f"synthetic-{objects}.db"))
    rng = random.Random(17)
    rows: list[dict[str, Any]] = []
    try:
        before = await db.row_counts()
        version = [0] * objects  # each change grows an object by a byte and moves its mtime
        for gen in range(runs):
            if gen:
                for i in rng.sample(range(objects), int(objects * churn)):
                    version[i] += 1
            r = await _synthetic_run(db, "synthetic", objects, version)
            after = await db.row_counts()
            r["rows_added"] = {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}
            r["rows_added_total"] = sum(after.values()) - sum(before.values())
            r["size"] = await db.size_bytes()
            before = after
            rows.append(r)
            print(f"  synthetic run {gen + 1}: {r['scanned']} scanned in {r['seconds']} s, "
                  f"{r['rows_added_total']} rows added {r['rows_added']}, store {r['size'] / 1e6:.1f} MB", flush=True)
    finally:
        await db.close()
    return {"objects": objects, "runs": rows, "churn": churn,
            "size_ratio": round(rows[-1]["size"] / max(rows[0]["size"], 1), 3)}


# ---------------------------------------------------------------------------------------------- big folder


def part_folder(tmp: Path, files: int) -> dict[str, Any]:
    root = tmp / "big"
    if not root.exists():
        root.mkdir()
        body = (KB_LINE * 11)[:1000]
        for i in range(files):
            (root / f"f{i:07d}.txt").write_text(body)
    db = str(tmp / "big.db")
    wall = _scan(_job(tmp, "big", root), db, 4)
    fig = asyncio.run(_store_figures(db, 1))
    return {"files": files, "seconds": round(wall, 2), "discovery_tasks_per_worker": fig["discovery_owners"],
            "workers_with_discovery": sum(1 for o in fig["discovery_owners"] if o not in ("None", ""))}


# ---------------------------------------------------------------------------------------------- worker RSS


def part_rss(tmp: Path, passes: int = 10) -> dict[str, Any]:
    """A real worker process fed the same corpus ``passes`` times, as the orchestrator feeds it (over its pipes):
    each pass is one DISCOVERY task over the corpus and its objects in CLASSIFICATION tasks of 64. The corpus is
    8 MB of business text plus one file of every format family the extractors read (office, PDF, archives, mail),
    so the extraction sandbox and every extractor take part. RSS is read after each pass, of the worker alone and
    of the worker with its children (the sandboxed extraction process)."""
    import sys

    from benchmarks.corpus import generate
    from scanner.config import load_job
    from scanner.models import DiscoveredObject, TaskType, WorkPacket
    from scanner.runtime import messages as M
    from scanner.runtime.worker import worker_main

    corpus = tmp / "rss-corpus"
    if not corpus.exists():
        generate(corpus / "text", 8.0, seed=3)
        sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "data" / "extract"))
        import extract_fixtures

        extract_fixtures.build_formats(corpus / "formats")
    job = load_job(str(_job(tmp, "rss", corpus)), os.environ).config
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    objs = [DiscoveredObject(str(p.relative_to(corpus)), p.stat().st_size, p.stat().st_mtime) for p in files]
    ctx = mp.get_context("spawn")
    to_r, to_w = ctx.Pipe(duplex=False)
    from_r, from_w = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=worker_main, args=(0, None, job, b"\0" * 32, to_r, from_w, 600.0, 30), daemon=True)
    proc.start()
    to_r.close()
    from_w.close()
    ps = psutil.Process(proc.pid)

    def until(kind: str) -> tuple[Any, ...]:
        while True:
            msg = from_r.recv()
            if msg[0] == kind:
                return tuple(msg)
            if msg[0] == M.FAILED:
                raise RuntimeError(f"task failed in the worker: {msg[3]}")

    def tree_rss() -> int:
        total = ps.memory_info().rss
        for c in ps.children(recursive=True):
            try:
                total += c.memory_info().rss
            except psutil.NoSuchProcess:
                pass  # a sandbox being replaced right now
        return int(total)

    until(M.READY)
    rss: list[int] = []
    with_children: list[int] = []
    tid = 0
    try:
        for _ in range(passes):
            tid += 1
            to_w.send((M.TASK, WorkPacket(tid, 1, TaskType.DISCOVERY, "c", 1)))
            until(M.DONE)
            for i in range(0, len(objs), 64):
                tid += 1
                to_w.send((M.TASK, WorkPacket(tid, 1, TaskType.CLASSIFICATION, "c", 1, objs[i:i + 64])))
                until(M.DONE)
            rss.append(ps.memory_info().rss)
            with_children.append(tree_rss())
    finally:
        to_w.send((M.STOP,))
        proc.join(30)
        if proc.is_alive():
            proc.kill()
    return {"objects": len(objs), "rss_mb": [round(r / (1 << 20), 1) for r in rss],
            "ratio_10_to_1": round(rss[-1] / rss[0], 3),
            "with_children_mb": [round(r / (1 << 20), 1) for r in with_children],
            "with_children_ratio_10_to_1": round(with_children[-1] / with_children[0], 3)}


def main() -> None:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--stores", default="sqlite,postgres")
    ap.add_argument("--synthetic", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--churn", type=float, default=0.01)
    ap.add_argument("--big-folder", type=int, default=200_000)
    ap.add_argument("--parts", default="scan,synthetic,folder,rss")
    ap.add_argument("--key", default="store", help="key in latest.json")
    args = ap.parse_args()
    parts = args.parts.split(",")
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    cluster = None
    with tempfile.TemporaryDirectory(prefix="datascan-bench-store-") as d:
        tmp = Path(d)
        try:
            if "scan" in parts:
                pg_url = None
                if "postgres" in args.stores:
                    from tests import pgcluster

                    if pgcluster.available():
                        cluster = pgcluster.PgCluster().start()
                        pg_url = cluster.url()
                figures["scan"] = part_scan(tmp, args.files, args.stores.split(","), pg_url)
                print(f"scan: {figures['scan']}", flush=True)
            if "synthetic" in parts:
                figures["synthetic"] = asyncio.run(part_synthetic(tmp, args.synthetic, args.runs, args.churn))
            if "folder" in parts:
                figures["folder"] = part_folder(tmp, args.big_folder)
                print(f"folder: {figures['folder']}", flush=True)
            if "rss" in parts:
                figures["rss"] = part_rss(tmp)
                print(f"rss: {figures['rss']}", flush=True)
        finally:
            if cluster is not None:
                cluster.stop()
    _print(figures)
    path = merge_results(args.key, figures | {"seconds": round(time.perf_counter() - started, 1)})
    print(f"bench_store took {time.perf_counter() - started:.0f} s; merged under \"{args.key}\" into {path}")


def _print(f: dict[str, Any]) -> None:
    if "scan" in f:
        s = f["scan"]
        print(f"\n{s['files']} files of 1 KB, --workers 2; os.scandir+stat: {s['scandir_entries_per_cpu_s']} "
              "entries per CPU s (one core)")
        print(f"{'store':<10}{'start-up s':>11}{'first s':>9}{'first obj/s':>12}{'rescan obj/s':>13}"
              f"{'size first MB':>14}{'after 5 MB':>11}{'ratio':>7}")
        for store in ("sqlite", "postgres"):
            if store in s:
                r = s[store]
                print(f"{store:<10}{r['startup_s']:>11}{r['first_s']:>9}{r['first_objects_per_s']:>12}"
                      f"{r['rescan_objects_per_s']:>13}{r['size_first'] / 1e6:>14.1f}"
                      f"{r['size_after_5_rescans'] / 1e6:>11.1f}{r['size_ratio']:>7}")
    if "synthetic" in f:
        s = f["synthetic"]
        print(f"\nsynthetic store state, {s['objects']} objects, {len(s['runs'])} runs, churn {s['churn']:.0%}: "
              f"size after the last run / after the first = {s['size_ratio']}")
        for i, r in enumerate(s["runs"], 1):
            print(f"  run {i:>2}: scanned {r['scanned']:>8}  rows added {r['rows_added_total']:>8}  "
                  f"{r['seconds']:>7} s  store {r['size'] / 1e6:8.1f} MB")
    if "folder" in f:
        r = f["folder"]
        print(f"\none folder of {r['files']} files, --workers 4: {r['seconds']} s; DISCOVERY tasks per worker "
              f"{r['discovery_tasks_per_worker']} ({r['workers_with_discovery']} workers took part)")
    if "rss" in f:
        r = f["rss"]
        print(f"\nworker RSS over {len(r['rss_mb'])} passes of {r['objects']} objects (MB): {r['rss_mb']}; "
              f"pass 10 / pass 1 = {r['ratio_10_to_1']} (target <= 1.10)")
        print(f"  with its extraction sandbox (MB): {r['with_children_mb']}; "
              f"pass 10 / pass 1 = {r['with_children_ratio_10_to_1']}")


if __name__ == "__main__":
    main()
