"""Extraction faults through real scans (`datascan scan`, two workers, SQLite): a poison object that exhausts its
extraction every time, a temp file system that fills up during extraction, and the hostile file set with a long
single-line file, measured (see conftest.py for the figures table).

Poison objects: an extraction that dies (killed, crashed, out of memory) or overruns its wall time may be the
machine's fault (memory pressure, a loaded CPU), so the worker tries that one object again with a fresh extraction
process, up to runtime.max_attempts times, then records it FAILED with the reason. Only the object is retried, not
its task: the other objects of the task are read once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from benchmarks.corpus import generate
from scanner.classify.masking import key_from_env_value, value_hash
from tests import storeview
from tests.cliutil import DATASCAN, KEY, worker_processes
from tests.cliutil import env as _env
from tests.cliutil import findings as _findings
from tests.figures import LONG, scale

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

pytestmark = pytest.mark.timeout(3600)
IN_CI = os.environ.get("CI") == "true"


def _job(tmp: Path, root: Path, name: str, extraction: str) -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\ndatasources:\n  - id: src\n    type: filesystem\n    path: {root}\n"
                 f"    max_file_mb: 1024\nextraction:\n{extraction}runtime:\n  batch_objects: 4\n")
    return p


class _PeakRss:
    """Polls the RSS of the scan's worker processes and of their extraction subprocesses while the scan runs."""

    def __init__(self, pid: int):
        self.pid = pid
        self.worker = self.sandbox = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                for w in worker_processes(self.pid):
                    self.worker = max(self.worker, w.memory_info().rss)
                    for s in w.children():
                        self.sandbox = max(self.sandbox, s.memory_info().rss)
            except psutil.Error:
                pass  # a process ended between listing and reading: the next round sees the rest
            self._stop.wait(0.05)

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _scan(job: Path, db: Path, workers: int = 2) -> tuple[subprocess.CompletedProcess[str], _PeakRss]:
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", str(workers), "--db", str(db)],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with _PeakRss(proc.pid) as peak:
        out, err = proc.communicate(timeout=1800)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), peak


def _objects(db: Path) -> dict[str, tuple[str, str | None, int, int]]:
    """path -> (status, reason, reads, attempts of its task)."""
    return {k.split(":", 1)[1]: v for k, v in storeview.objects(db, 1).items()}


def test_poison_objects_cost_one_object_each(tmp_path, figures):
    root = tmp_path / "share"
    generate(root / "corpus", float(scale(1, 4)), seed=33, density=0.004, files=scale(24, 120))
    # Memory: 512 MB of zeros in one member, with the ratio and size limits lifted so only the 128 MB memory
    # limit of the extraction process can stop it. Time: a nested bomb that inflates for ever within that memory.
    (root / "poison-memory.zip").write_bytes(fx._zip({"zeros.bin": b"\x00" * (512 << 20)}))
    (root / "poison-time.zip").write_bytes(fx.nested_zip_bomb(levels=5, fanout=10, leaf_mb=8))
    job = _job(tmp_path, root, "poison", "  max_memory_mb: 128\n  timeout_s: 3\n  max_archive_depth: 10\n"
               "  max_total_uncompressed_mb: 10000000\n  max_compression_ratio: 1000000\n  max_file_mb: 100000\n"
               "  max_members: 1000000\n")
    r, _ = _scan(job, tmp_path / "p.db")
    assert r.returncode == 4, r.stderr[-3000:]  # completed, with objects FAILED: partial results
    assert "2 object(s) failed" in r.stderr
    assert "exited with code" not in r.stderr  # no worker died
    objs = _objects(tmp_path / "p.db")
    poison = {k: v for k, v in objs.items() if k.startswith("poison-")}
    others = [v for k, v in objs.items() if not k.startswith("poison-")]
    done = sum(1 for v in others if v[0] == "DONE")
    tasks = storeview.task_counts(tmp_path / "p.db", 1)
    figures("poison object (memory / time every time)", "attempts = max, object FAILED with reason, rest done (100%)",
            tasks_completed=f"{tasks.get('COMPLETED', 0)}/{sum(tasks.values())}",
            other_objects_done=f"{done}/{len(others)}", max_attempts=3,
            attempts_used={k: v[2] for k, v in poison.items()}, task_attempts={k: v[3] for k, v in poison.items()},
            final={k: f"{v[0]}: {v[1]}" for k, v in poison.items()})
    assert others and done == len(others) and tasks == {"COMPLETED": sum(tasks.values())}
    assert poison["poison-memory.zip"][:2] == (
        "FAILED", "extraction exceeded memory limit (128 MB) (on each of 3 attempts)")
    assert poison["poison-time.zip"][:2] == ("FAILED", "extraction timed out after 3 s (on each of 3 attempts)")
    # Read and extracted max_attempts (default 3) times each; their tasks ran once, so nothing else was redone.
    assert all(v[2] == 3 and v[3] == 1 for v in poison.values())
    assert all(v[2] == 1 for v in others)


@pytest.fixture
def small_tmpfs(tmp_path):
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        msg = f"cannot mount a tmpfs (needs root): {r.stderr.strip()}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_full_temp_file_system_costs_the_object_and_is_released(tmp_path, small_tmpfs, figures):
    assert shutil.which("catdoc"), "catdoc missing: run make system-packages"
    root = tmp_path / "share"
    root.mkdir()
    memo = (fx.LEGACY_DIR / "memo.doc").read_bytes()
    (root / "memo.doc").write_bytes(memo)  # fits: its temporary copy is 18 KB
    # The same document with 3 MB of trailing sectors: catdoc's temporary copy cannot fit in 2 MB.
    (root / "big.doc").write_bytes(memo + b"\x00" * (3 << 20))
    value = fx.card(880)
    (root / "notes.txt").write_text(f"card {value}\n")
    job = _job(tmp_path, root, "tmpfull", f"  temp_dir: {small_tmpfs}\n")
    r, _ = _scan(job, tmp_path / "t.db")
    assert r.returncode == 0, r.stderr[-3000:]
    objs = _objects(tmp_path / "t.db")
    left = sum(len(files) + len(dirs) for _, dirs, files in os.walk(small_tmpfs))
    figures("full temp file system during extraction", "the object ends with a reason, temp released (0 left)",
            big_doc=f"{objs['big.doc'][0]}: {objs['big.doc'][1]}", others_done=sum(
                1 for k, v in objs.items() if k != "big.doc" and v[0] == "DONE"), temp_entries_left=left)
    assert objs["big.doc"][0] == "SKIPPED" and "No space left on device" in (objs["big.doc"][1] or "")
    assert objs["memo.doc"][0] == objs["notes.txt"][0] == "DONE"
    hashes = {f["value_hash"] for f in _findings(tmp_path / "t.db")}
    key = key_from_env_value(KEY)
    assert value_hash(key, "CREDIT_CARD", value) in hashes
    assert all(value_hash(key, e, v) in hashes for _, e, v in fx.LEGACY_VALUES["memo.doc"])
    assert left == 0


async def _time_each(root: Path, names: list[str], cfg) -> dict[str, tuple[float, str]]:
    """Wall time of each object through the extraction subprocess (started beforehand, as in a warm worker)."""
    from scanner.exceptions import ExtractionError
    from scanner.extract import ContentExtractor, ExtractionReport

    ex = ContentExtractor(cfg)
    out = {}
    try:
        async for _ in ex.extract("warm.zip", fx._zip({"w.txt": b"warm"})):
            pass
        for name in names:
            t0 = time.monotonic()
            reason = ""
            try:
                async for _ in ex.extract(name, (root / name).read_bytes(), ExtractionReport()):
                    pass
            except ExtractionError as exc:
                reason = str(exc)
            out[name] = (time.monotonic() - t0, reason)
            if ex._sandbox is None:  # killed: start the next one outside the timed part
                async for _ in ex.extract("warm.zip", fx._zip({"w.txt": b"warm"})):
                    pass
    finally:
        await ex.aclose()
    return out


async def test_hostile_set_and_long_line_within_limits(tmp_path, figures):
    from scanner.config import ExtractionConfig

    big_mb = 200 if LONG else 64  # make test keeps CI short; make reliability uses the 200 MB file
    root = tmp_path / "share"
    expect, planted = fx.build_hostile(root, big_mb=big_mb)
    # 1. Every hostile file under a short wall-time limit, and a bomb with every other limit lifted (only the
    #    timeout stops it): how far past the limit does an object run?
    timeout = 2.0
    names = sorted(n for n in expect if n != "big-line.txt")
    times = await _time_each(root, names, ExtractionConfig(timeout_s=timeout))
    relaxed = ExtractionConfig(timeout_s=timeout, max_archive_depth=10, max_total_uncompressed_mb=1e7,
                               max_compression_ratio=1e6, max_file_mb=1e5, max_members=10**6)
    times.update({f"{k} (limits lifted)": v for k, v in
                  (await _time_each(root, ["bomb-nested.zip"], relaxed)).items()})
    worst_name, (worst, _) = max(times.items(), key=lambda kv: kv[1][0])
    assert times["bomb-nested.zip (limits lifted)"][1] == f"extraction timed out after {timeout:g} s"
    # 2. The whole set scanned, with RSS watched.
    job = _job(tmp_path, root, "hostile", "  max_file_mb: 256\n  max_text_chars: 300000000\n  timeout_s: 60\n")
    r, peak = _scan(job, tmp_path / "h.db")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "exited with code" not in r.stderr
    objs = _objects(tmp_path / "h.db")
    key = key_from_env_value(KEY)
    rows = _findings(tmp_path / "h.db")
    found = 0
    for p in planted:
        obj = p.file + (f"!/{p.member}" if p.member else "")
        h = value_hash(key, p.entity, p.value)
        found += any(f["value_hash"] == h and f["object"] == obj for f in rows)
    unaccounted = [k for k, v in objs.items() if v[0] not in ("DONE", "PARTIAL", "SKIPPED")
                   or (v[0] != "DONE" and not v[1])]
    figures("hostile set + long single-line file", "skipped/partial with reason within limits; long-line values "
            "found", long_line_mb=big_mb, timeout_s=timeout, worst_object=worst_name,
            worst_s=round(worst, 2), worst_over_limit_s=round(max(0.0, worst - timeout), 2),
            peak_rss_worker_mb=round(peak.worker / 2**20), peak_rss_extraction_mb=round(peak.sandbox / 2**20),
            recall=f"{found}/{len(planted)}", unaccounted=len(unaccounted))
    assert found == len(planted) and not unaccounted
    assert set(objs) == {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    # Killing an overrunning extraction takes well under a second; 5 s of slack keeps a loaded CI machine green.
    assert worst <= timeout + 5
    # Streaming keeps the worker far below the long file's size (it holds about one component of text).
    assert 0 < peak.worker < (200 << 20) + (big_mb << 20) // 2
