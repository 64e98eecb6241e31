"""What the benchmarks share: the results file (``benchmarks/results/latest.json``, one key per benchmark), a
timed ``datascan scan`` of a job, and :func:`run_measured`, which runs one benchmark row in a fresh child process
and reports its CPU time and peak RSS (the whole process tree's, and each process's)."""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

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
    return measured_scan(job, workers, db).wall_s


def measured_scan(job: Path, workers: int, db: Path | str, ok: tuple[int, ...] = (0,),
                  full: bool = True) -> MeasuredRun:
    """A ``datascan scan`` of ``job`` into the store ``db`` (``--full`` unless ``full`` is false), measured by
    :func:`run_measured` with the processes named by :func:`scan_role`; exits unless the exit code is in ``ok``."""
    r = run_measured([DATASCAN, "scan", "--job", str(job), "--workers", str(workers), "--db", str(db)]
                     + (["--full"] if full else []),
                     env=dict(os.environ, DATASCAN_HMAC_KEY="00" * 32),  # a fixed key, never the user's
                     role=scan_role)
    if r.returncode not in ok:
        raise SystemExit(f"{job.name}: scan failed ({r.returncode}): {r.stderr.decode(errors='replace')[-2000:]}")
    return r


def scan_role(p: psutil.Process) -> str:
    """What a process of a ``datascan scan`` tree is: "scan" (the command and its orchestrator), "worker",
    "extractor" (a worker's sandboxed extraction child), "forkserver" (multiprocessing's fork server, which the
    workers are forked from) or "tracker" (multiprocessing's resource tracker)."""
    cmd = " ".join(p.cmdline())
    if "resource_tracker" in cmd:
        return "tracker"
    if "scanner.extract.sandbox" in cmd:
        return "extractor"
    if "spawn_main" in cmd or "--multiprocessing-fork" in cmd:
        return "worker"
    if "multiprocessing.forkserver" in cmd:
        # Workers are forks of multiprocessing's fork server: its command line, and the server as their parent.
        parent = p.parent()
        return "worker" if parent is not None and "multiprocessing.forkserver" in " ".join(parent.cmdline()) \
            else "forkserver"
    return "scan"


# ----------------------------------------------------------------------------------------------------------
# Peak memory of a benchmark row: each side runs in a fresh child process


@dataclass(frozen=True, slots=True)
class ProcessPeak:
    """The highest resident set size one process of a measured tree reached (``VmHWM``, bytes)."""

    pid: int
    role: str
    peak_rss: int


@dataclass(frozen=True, slots=True)
class MeasuredRun:
    """What :func:`run_measured` saw of one child process and everything it started.

    ``peak_rss`` is exact: the kernel's high-water mark of the largest single process among the child and the
    descendants it waited for (``wait4``'s ``ru_maxrss``), counted for this child alone, so an earlier, bigger
    row never shows up in a later one (``getrusage(RUSAGE_CHILDREN)`` would keep the maximum of every child
    so far). Its floor is the launcher's own size, about 11 MB (see :class:`_Spawner`): a smaller program
    shows 11 MB. ``processes`` holds each process's own high-water mark, read from ``/proc`` every
    ``sample_s`` while it ran (growth in its last ``sample_s`` before it exited can be missed), and
    ``tree_peak_rss`` the largest sum of the tree's resident sizes seen at one sample. ``cpu_s`` is user plus
    system time of the child and its waited-for descendants.
    """

    returncode: int
    stdout: bytes
    stderr: bytes
    wall_s: float
    cpu_s: float
    peak_rss: int
    tree_peak_rss: int
    processes: tuple[ProcessPeak, ...]

    def peak_mb(self, role: str | None = None) -> float:
        """Peak RSS in MB (2**20 bytes): of the whole run, or the largest of the processes of ``role``."""
        if role is None:
            return round(self.peak_rss / MIB, 1)
        return round(max((p.peak_rss for p in self.processes if p.role == role), default=0) / MIB, 1)


MIB = 1 << 20


def _status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None  # gone between listing and reading: its last sample stands
    return None


# The launcher every measured command is started from (see _Spawner). It runs stdlib only, without site.
# It is the subreaper of what it starts: a process the command leaves behind (multiprocessing's fork server, whose
# children are the scan's workers, and its resource tracker end just after the command) is reaped here, and its CPU
# time and peak RSS, which wait4 of the command alone would miss, are counted with the command's.
_SPAWNER_CODE = """
import ctypes, json, os, subprocess, sys, time
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
for line in sys.stdin:
    req = json.loads(line)
    try:
        with open(req["stdout"], "wb") as out, open(req["stderr"], "wb") as err:
            p = subprocess.Popen(req["cmd"], env=req["env"], cwd=req["cwd"], stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err)
    except OSError as exc:
        print(json.dumps({"error": f"{req['cmd'][0]}: {exc.strerror}"}), flush=True)
        continue
    print(json.dumps({"pid": p.pid}), flush=True)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    cpu, maxrss = ru.ru_utime + ru.ru_stime, ru.ru_maxrss
    deadline = time.monotonic() + 30  # what the command left behind ends when it notices the command has gone
    while True:
        try:
            pid, _, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            cpu, maxrss = cpu + ru.ru_utime + ru.ru_stime, max(maxrss, ru.ru_maxrss)
        elif time.monotonic() > deadline:
            break
        else:
            time.sleep(0.005)
    print(json.dumps({"returncode": p.returncode, "maxrss_kb": maxrss, "cpu_s": cpu}), flush=True)
"""


class _Spawner:
    """A small long-lived process that starts each measured command and reports its ``wait4`` rusage.

    Why not start the command from here: at exec Linux records the old address space's high-water mark as the
    new program's ``ru_maxrss``, and a command that Python starts (vfork, then exec) leaves this process's
    address space, so every row would report at least this process's own peak (a benchmark holding its corpora
    in memory: hundreds of MB). The launcher's address space is a few MB, so that floor stays negligible.
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SPAWNER_CODE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()
        atexit.register(self.close)

    def close(self) -> None:
        """End the launcher: it leaves its loop when its input closes."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def request(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self.reply()

    def reply(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark launcher process died")
        reply: dict[str, Any] = json.loads(line)
        return reply


_spawner: _Spawner | None = None


def _get_spawner() -> _Spawner:
    global _spawner
    if _spawner is None or _spawner.proc.poll() is not None:
        _spawner = _Spawner()
    return _spawner


def run_measured(cmd: list[str], *, env: dict[str, str] | None = None, cwd: str | Path | None = None,
                 role: Callable[[psutil.Process], str] | None = None, sample_s: float = 0.05) -> MeasuredRun:
    """Run ``cmd`` to completion in a fresh process and measure it (see :class:`MeasuredRun`).

    ``role`` names each process of the tree (called at every sample, since a process started by fork shows
    its parent's command line until it execs; default: "main" for the child, "child" for the others). Output
    is kept in temporary files, so a chatty child cannot block on a full pipe. Runs one command at a time.
    """
    spawner = _get_spawner()
    with spawner.lock, tempfile.TemporaryDirectory(prefix="datascan-bench-run-") as tmp:
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        t0 = time.perf_counter()
        started = spawner.request({"cmd": [str(c) for c in cmd], "env": dict(os.environ if env is None else env),
                                   "cwd": str(cwd or os.getcwd()), "stdout": str(out), "stderr": str(err)})
        if "error" in started:
            raise OSError(started["error"])
        pid = int(started["pid"])
        done = threading.Event()
        result: list[dict[str, Any]] = []

        def wait() -> None:
            result.append(spawner.reply())
            done.set()

        threading.Thread(target=wait, daemon=True).start()
        roles: dict[int, str] = {}
        peaks: dict[int, int] = {}
        tree_peak = 0
        try:
            root: psutil.Process | None = psutil.Process(pid)
        except psutil.Error:
            root = None  # already gone
        while root is not None and not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            total = 0
            for p in tree:
                try:
                    if p.status() == psutil.STATUS_ZOMBIE or not p.cmdline():
                        continue  # exiting or exited: no command line (nor memory) left to read
                    roles[p.pid] = role(p) if role else ("main" if p.pid == pid else "child")
                except psutil.Error:
                    continue  # gone: keep what it was
                hwm, rss = _status_kb(p.pid, b"VmHWM:"), _status_kb(p.pid, b"VmRSS:")
                if hwm is not None:
                    peaks[p.pid] = max(peaks.get(p.pid, 0), hwm * 1024)
                total += (rss or 0) * 1024
            tree_peak = max(tree_peak, total)
            done.wait(sample_s)
        done.wait()
        wall = time.perf_counter() - t0
        usage = result[0]
        stdout, stderr = out.read_bytes(), err.read_bytes()
    peak = int(usage["maxrss_kb"]) * 1024  # kilobytes on Linux
    return MeasuredRun(
        returncode=int(usage["returncode"]), stdout=stdout, stderr=stderr, wall_s=wall,
        cpu_s=float(usage["cpu_s"]), peak_rss=peak, tree_peak_rss=max(tree_peak, peak),
        processes=tuple(ProcessPeak(pid, roles.get(pid, "child"), rss) for pid, rss in sorted(peaks.items())),
    )
