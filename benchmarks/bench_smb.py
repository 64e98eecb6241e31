"""SMB throughput next to local-folder throughput on the same corpus (a real smbd on a loopback port; root only).

    python -m benchmarks.bench_smb [--mb 4] [--workers 2]

Two figures per source: the full scan (``datascan scan``, classification included) and the raw read rate of the
connector alone (enumerate + read every file, no classification), which isolates what SMB costs. Merged under
the key ``"smb"`` into benchmarks/results/latest.json (read, merge, write: other benchmarks keep their keys).

Exposure (issue 19): the scan reads a file's security descriptor (one compound CREATE + QUERY_INFO + CLOSE round
trip) for each file with findings. The cost is measured on the connector alone: the descriptor of every file read
once, timed; "with/without exposure" is the full SMB scan time with and without that cost for the files the scan
found something in (and, as the worst case, for every file).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import uvloop

from benchmarks.corpus import generate
from benchmarks.report import merge_results, timed_scan
from scanner.config import FilesystemSource, SmbSource
from scanner.connectors.base import FileConnector
from scanner.connectors.filesystem import FilesystemConnector
from scanner.connectors.smb import SmbConnector
from scanner.runtime.coordinator import LocalCoordinator


def scan(job_sources: str, workers: int, tmp: Path, name: str, nbytes: int) -> dict[str, float]:
    """One full scan in a fresh store; MB/s over the corpus bytes."""
    job = tmp / f"{name}.yaml"
    job.write_text(f"name: {name}\ndatasources:\n{job_sources}")
    wall = timed_scan(job, workers, tmp / f"{name}.db")
    return {"seconds": round(wall, 2), "mb_per_s": round(nbytes / 1048576 / wall, 3)}


async def read_all(conn: FileConnector) -> dict[str, float]:
    """Enumerate and read every file once through a connector."""
    t0 = time.perf_counter()
    total = files = 0
    try:
        async for batch in conn.enumerate_objects(64 << 20, 256):
            for o in batch:
                if o.skip_reason is None:
                    total += len(await conn.read_object(o, 1 << 30))
                    files += 1
    finally:
        await conn.close()
    wall = time.perf_counter() - t0
    return {"seconds": round(wall, 3), "mb_per_s": round(total / 1048576 / wall, 1), "files": files}


async def exposure_all(conn: FileConnector, wanted: set[str] | None = None) -> dict[str, float]:
    """Read the exposure of every listed file (or of those in ``wanted``) once through a connector."""
    t0 = time.perf_counter()
    n = 0
    levels: dict[str, int] = {}
    try:
        async for batch in conn.enumerate_objects(64 << 20, 256):
            for o in batch:
                if o.skip_reason is None and (wanted is None or o.path in wanted):
                    e = await conn.exposure(o)
                    levels[e.level] = levels.get(e.level, 0) + 1
                    n += 1
    finally:
        await conn.close()
    wall = time.perf_counter() - t0
    return {"seconds": round(wall, 3), "files": n, "ms_per_file": round(1000 * wall / max(n, 1), 2),
            "levels": levels}


def objects_with_findings(db: Path) -> set[str]:
    """Paths of the objects a scan found something in (the ones whose exposure a scan reads)."""
    from scanner.store import DatabaseInterface

    async def go() -> set[str]:
        store = await DatabaseInterface.open(str(db))
        try:
            return {f["object"].split("!/", 1)[0] async for f in store.iter_findings(await store.latest_job_id() or 0)}
        finally:
            await store.close()

    return uvloop.run(go())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=4.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from tests.integration.smb_server import PASSWORD, USER, make_server

    if not os.path.exists("/usr/sbin/smbd") or os.geteuid() != 0:
        raise SystemExit("bench_smb needs smbd (make system-packages) and root")
    server_gen = make_server({"bench": ("corpus", "")})
    server = next(server_gen)
    try:
        corpus = server.root / "corpus"
        generate(corpus, args.mb, seed=args.seed)
        nbytes = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
        smb_cfg = SmbSource(id="s", type="smb", host="127.0.0.1", port=server.port, share="bench", username=USER,
                            password=PASSWORD)
        fs_cfg = FilesystemSource(id="l", type="filesystem", path=str(corpus))
        raw_local = uvloop.run(read_all(FilesystemConnector(fs_cfg)))
        raw_smb = uvloop.run(read_all(SmbConnector(smb_cfg, LocalCoordinator(server.root / "slots"))))
        os.environ["BENCH_SMB_PASSWORD"] = PASSWORD
        local = scan(f"  - id: l\n    type: filesystem\n    path: {corpus}\n", args.workers, server.root, "local",
                     nbytes)
        smb = scan(f"  - id: s\n    type: smb\n    host: 127.0.0.1\n    port: {server.port}\n    share: bench\n"
                   f"    username: {USER}\n    password: ${{BENCH_SMB_PASSWORD}}\n", args.workers, server.root,
                   "smb", nbytes)
        bearing = objects_with_findings(server.root / "smb.db")
        expo_all = uvloop.run(exposure_all(SmbConnector(smb_cfg, LocalCoordinator(server.root / "slots"))))
        expo_found = uvloop.run(exposure_all(SmbConnector(smb_cfg, LocalCoordinator(server.root / "slots")),
                                             bearing))
    finally:
        for _ in server_gen:
            pass
    # The scan's own time includes reading the exposure of the files with findings: without it the scan would take
    # at most that much less (an upper bound: the workers read descriptors while their neighbours classify).
    without = max(smb["seconds"] - expo_found["seconds"], 1e-9)
    exposure = {"files_with_findings": len(bearing), "read_found": expo_found, "read_every_file": expo_all,
                "scan_without_s": round(without, 2), "scan_with_s": smb["seconds"],
                "added_pct": round(100 * (smb["seconds"] - without) / without, 1),
                "added_pct_if_every_file": round(100 * expo_all["seconds"] / without, 1)}
    row = {"corpus_mb": round(nbytes / 1048576, 2), "workers": args.workers, "seed": args.seed,
           "scan_local": local, "scan_smb": smb, "read_local": raw_local, "read_smb": raw_smb, "exposure": exposure}
    print(f"{'source':>8} {'scan MB/s':>10} {'scan s':>8} {'read MB/s':>10} {'read s':>8}   "
          f"({row['corpus_mb']} MB, {args.workers} workers, loopback smbd)")
    for name, s, r in (("local", local, raw_local), ("smb", smb, raw_smb)):
        print(f"{name:>8} {s['mb_per_s']:>10} {s['seconds']:>8} {r['mb_per_s']:>10} {r['seconds']:>8}")
    print(f"exposure: {len(bearing)} of {expo_all['files']} files have findings; security descriptor "
          f"{expo_all['ms_per_file']} ms/file; SMB scan without exposure {exposure['scan_without_s']} s, with "
          f"{exposure['scan_with_s']} s: +{exposure['added_pct']}% (+{exposure['added_pct_if_every_file']}% if every "
          f"file had findings); classes of every file: {expo_all['levels']}")
    print(f"merged under 'smb' into {merge_results('smb', row)}")


if __name__ == "__main__":
    main()
