"""The single-host orchestrator: one uvloop process that owns the store (the only SQLite writer), runs the task
assigner, job monitor, pipeliner and reaper as coroutines, and feeds N CPU-pinned worker processes over pipes.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Any

from scanner.config import JobConfig
from scanner.models import JobStatus, TaskStatus, WorkPacket
from scanner.runtime import messages as M
from scanner.runtime.worker import worker_main
from scanner.store import DatabaseInterface, Progress

log = logging.getLogger(__name__)

_PREFETCH = 2          # tasks outstanding per worker: one running, one waiting
_TICK = 0.25           # how often the coroutines look at the store when nothing wakes them
_STOP_GRACE_S = 30.0   # after a stop signal, how long in-flight objects may take before workers are killed


@dataclass
class _WorkerHandle:
    wid: int
    proc: Any
    to_worker: Connection
    ready: bool = False
    tasks: dict[int, int] = field(default_factory=dict)  # task_id -> fence
    last_seen: float = field(default_factory=time.monotonic)
    peak_rss: int = 0


@dataclass
class RunOutcome:
    """How a run ended."""

    job_id: int
    status: JobStatus
    signal: int | None = None
    peak_rss: dict[int, int] = field(default_factory=dict)


class Orchestrator:
    """Runs one job to an end state on this host."""

    def __init__(self, db: DatabaseInterface, job_id: int, job: JobConfig, workers: int, hmac_key: bytes,
                 *, full: bool = False, on_progress: Callable[[Progress], None] | None = None):
        self.db, self.job_id, self.job, self.n_workers = db, job_id, job, max(1, workers)
        self.hmac_key, self.full, self.on_progress = hmac_key, full, on_progress
        self.lease_s = job.runtime.lease_seconds
        self.ctx = mp.get_context("spawn")
        self.workers: dict[int, _WorkerHandle] = {}
        self.inbox: asyncio.Queue[tuple[int, tuple[Any, ...]]] = asyncio.Queue(maxsize=1000)
        self.wake = asyncio.Event()
        self.stop_signal: int | None = None
        self.finished: JobStatus | None = None
        self._next_wid = 0
        self._cpus = sorted(os.sched_getaffinity(0))
        self.peak_rss: dict[int, int] = {}
        self._closing = False
        # Datasource of every task a worker holds (its writes are keyed by it); dropped when the task ends.
        self._task_ds: dict[int, str] = {}

    # ------------------------------------------------------------------------------------------------ workers

    def _spawn(self) -> None:
        wid = self._next_wid
        self._next_wid += 1
        to_worker_r, to_worker_w = self.ctx.Pipe(duplex=False)
        from_worker_r, from_worker_w = self.ctx.Pipe(duplex=False)
        cpu = self._cpus[wid % len(self._cpus)] if self._cpus else None
        proc = self.ctx.Process(
            target=worker_main, name=f"datascan-worker-{wid}",
            args=(wid, cpu, self.job, self.hmac_key, to_worker_r, from_worker_w, self.lease_s,
                  logging.getLogger().level),
            daemon=True,
        )
        proc.start()
        to_worker_r.close()
        from_worker_w.close()  # only the worker holds the write end: its death gives us EOF
        h = _WorkerHandle(wid, proc, to_worker_w)
        self.workers[wid] = h
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._reader, args=(loop, wid, from_worker_r), daemon=True).start()
        loop.add_reader(proc.sentinel, self._on_exit, wid)

    def _reader(self, loop: asyncio.AbstractEventLoop, wid: int, conn: Connection) -> None:
        """Blocking reads of one worker's pipe; EOF (death) ends the thread."""
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            except Exception:  # noqa: BLE001 - a truncated message from a killed worker
                return
            asyncio.run_coroutine_threadsafe(self.inbox.put((wid, msg)), loop).result()

    def _on_exit(self, wid: int) -> None:
        h = self.workers.get(wid)
        if h is None:
            return
        asyncio.get_running_loop().remove_reader(h.proc.sentinel)
        h.proc.join(timeout=1)  # the sentinel fires before the child is reaped; exitcode is None until then
        self.inbox.put_nowait((wid, ("__exit__", h.proc.exitcode)))

    def _send(self, h: _WorkerHandle, msg: tuple[Any, ...]) -> None:
        try:
            h.to_worker.send(msg)
        except (OSError, BrokenPipeError):
            pass  # the worker is gone; its exit handler re-queues its tasks

    # ------------------------------------------------------------------------------------------------ main

    async def run(self) -> RunOutcome:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._on_signal, sig)
        for _ in range(self.n_workers):
            self._spawn()
        coros = [self._results(), self._assigner(), self._pipeliner(), self._monitor(), self._reaper()]
        tasks = [asyncio.create_task(c) for c in coros]
        try:
            while self.finished is None and self.stop_signal is None:
                await asyncio.sleep(_TICK)
                if any(t.done() and t.exception() for t in tasks):
                    for t in tasks:
                        if t.done() and t.exception():
                            raise t.exception()  # type: ignore[misc]
            if self.stop_signal is not None:
                await self._shutdown()
            else:
                for h in self.workers.values():
                    self._send(h, (M.STOP,))
                await self._wait_workers(_STOP_GRACE_S)
        finally:
            # Let each coroutine finish its current store call (cancelling one mid-transaction leaves the pool
            # to roll back a dead connection), then cancel whatever still waits.
            self._closing = True
            self.wake.set()
            _done, pending = await asyncio.wait(tasks, timeout=5)
            for t in pending:
                t.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            for h in self.workers.values():
                if h.proc.is_alive():
                    h.proc.kill()
        status = self.finished or JobStatus.INTERRUPTED
        return RunOutcome(self.job_id, status, self.stop_signal, self.peak_rss)

    def _on_signal(self, sig: int) -> None:
        if self.stop_signal is not None:  # a second signal: stop waiting for in-flight objects
            for h in self.workers.values():
                if h.proc.is_alive():
                    h.proc.kill()
            return
        log.warning("received %s: finishing in-flight objects, then stopping", signal.Signals(sig).name)
        self.stop_signal = sig

    async def _shutdown(self) -> None:
        for h in self.workers.values():
            self._send(h, (M.STOP,))
        await self._wait_workers(_STOP_GRACE_S)
        await self.db.release_job_leases(self.job_id)
        await self.db.set_job_status(self.job_id, JobStatus.INTERRUPTED,
                                     only_from=[JobStatus.RUNNING, JobStatus.PAUSING, JobStatus.PAUSED])

    async def _wait_workers(self, grace: float) -> None:
        # Wait on the processes' sentinels (readable when a process ends) in a thread: no polling.
        deadline = time.monotonic() + grace
        sentinels = [h.proc.sentinel for h in self.workers.values() if h.proc.is_alive()]
        while sentinels and (left := deadline - time.monotonic()) > 0:
            ended = await asyncio.to_thread(mp_wait, sentinels, left)
            sentinels = [s for s in sentinels if s not in ended]
        for h in self.workers.values():
            if h.proc.is_alive():
                h.proc.kill()
        # Drain what the workers sent before they exited, so finished objects are recorded.
        while not self.inbox.empty():
            wid, msg = self.inbox.get_nowait()
            await self._handle(wid, msg, respawn=False)

    # ------------------------------------------------------------------------------------------------ coroutines

    async def _results(self) -> None:
        """The single writer: every worker message becomes a store write here."""
        while not self._closing:
            try:
                wid, msg = await asyncio.wait_for(self.inbox.get(), _TICK)
            except TimeoutError:
                continue
            await self._handle(wid, msg, respawn=self.stop_signal is None and self.finished is None)

    async def _handle(self, wid: int, msg: tuple[Any, ...], respawn: bool) -> None:
        h = self.workers.get(wid)
        if h is None:
            return
        h.last_seen = time.monotonic()
        kind = msg[0]
        if kind == M.READY:
            h.ready = True
            self.wake.set()
        elif kind == M.DISCOVERED:
            _, tid, fence, objs = msg
            if (ds := self._task_ds.get(tid)) is not None:
                await self.db.record_discovered(tid, fence, self.job_id, ds, objs)
            self.wake.set()
        elif kind == M.OBJECTS:
            _, tid, fence, results = msg
            if (ds := self._task_ds.get(tid)) is not None:
                await self.db.record_object_results(tid, fence, self.job_id, ds, results)
        elif kind == M.HEARTBEAT:
            for tid, fence in msg[1]:
                await self.db.heartbeat(tid, fence, self.lease_s)
        elif kind == M.DONE:
            self._forget(h, msg[1])
            await self.db.complete_task(msg[1], msg[2])
            self.wake.set()
        elif kind == M.RELEASED:
            self._forget(h, msg[1])
            await self.db.release_task(msg[1], msg[2])
            self.wake.set()
        elif kind == M.FAILED:
            _, tid, fence, error, fatal = msg
            self._forget(h, tid)
            await self.db.fail_task(tid, fence, error)
            if fatal:
                await self.db.set_job_status(self.job_id, JobStatus.FAILED, error=error)
                self.finished = JobStatus.FAILED
            self.wake.set()
        elif kind == M.EXITING:
            self.peak_rss[wid] = int(msg[1])
        elif kind == "__exit__":
            del self.workers[wid]
            if msg[1] != 0:
                log.warning("worker %d (pid %s) exited with code %s holding %d task(s)", wid, h.proc.pid, msg[1],
                            len(h.tasks))
            for tid, fence in list(h.tasks.items()):
                self._forget(h, tid)
                st = await self.db.fail_task(tid, fence, f"worker process exited with code {msg[1]}")
                log.warning("task %d of worker %d is now %s", tid, wid, st.value if st else "taken over")
            if respawn and msg[1] != 0:
                self._spawn()
            self.wake.set()

    def _forget(self, h: _WorkerHandle, tid: int) -> None:
        """The task left this worker: a message about it arriving later (a dead worker's last words) is ignored,
        which loses nothing, since its writes would carry a fence that the store no longer accepts."""
        h.tasks.pop(tid, None)
        self._task_ds.pop(tid, None)

    async def _assigner(self) -> None:
        """Lease pending tasks for ready workers with free slots."""
        while not self._closing:
            await self._wait_wake()
            if self.stop_signal is not None or self.finished is not None:
                continue
            free = [h for h in self.workers.values() if h.ready and len(h.tasks) < _PREFETCH]
            slots = sum(_PREFETCH - len(h.tasks) for h in free)
            if not slots:
                continue
            packets: list[WorkPacket] = await self.db.lease_tasks(self.job_id, "local", slots, self.lease_s)
            for pkt in packets:
                h = min(free, key=lambda h: len(h.tasks))
                self._task_ds[pkt.task_id] = pkt.datasource_id
                h.tasks[pkt.task_id] = pkt.fence
                self._send(h, (M.TASK, pkt))

    async def _wait_wake(self) -> None:
        try:
            await asyncio.wait_for(self.wake.wait(), _TICK)
        except TimeoutError:
            pass
        self.wake.clear()

    async def _pipeliner(self) -> None:
        """Turn discovered batches into classification tasks."""
        rt = self.job.runtime
        while not self._closing:
            n = await self.db.plan_output_records(self.job_id, full=self.full,
                                                  batch_bytes=int(rt.batch_mb * 1048576),
                                                  batch_objects=rt.batch_objects, max_attempts=rt.max_attempts)
            if n:
                self.wake.set()
            else:
                await asyncio.sleep(_TICK)

    async def _monitor(self) -> None:
        """Report progress; finish the job when nothing is left; follow pause/resume/cancel from other processes."""
        while not self._closing:
            await asyncio.sleep(_TICK)
            p = await self.db.progress(self.job_id)
            if self.on_progress:
                self.on_progress(p)
            job = await self.db.get_job(self.job_id)
            if job is None or self.stop_signal is not None:
                continue
            if job.status in (JobStatus.PAUSING, JobStatus.CANCELLING):
                for h in self.workers.values():
                    for tid in h.tasks:
                        self._send(h, (M.ABORT, tid))
                if p.tasks_leased == 0:
                    nxt = JobStatus.PAUSED if job.status is JobStatus.PAUSING else JobStatus.CANCELLED
                    await self.db.set_job_status(self.job_id, nxt, only_from=[job.status])
                    if nxt is JobStatus.CANCELLED:
                        self.finished = nxt
            elif job.status is JobStatus.RUNNING and p.settled and p.discovery_open == 0:
                if await self.db.set_job_status(self.job_id, JobStatus.COMPLETED, only_from=[JobStatus.RUNNING]):
                    self.finished = JobStatus.COMPLETED
            elif job.status.finished:
                self.finished = job.status

    async def _reaper(self) -> None:
        """Leases past expiry: a live holder is hung and is killed (its exit re-queues the task); else re-queue."""
        while not self._closing:
            await asyncio.sleep(1.0)
            for tid, fence, _owner in await self.db.expired_leases(self.job_id):
                holder = next((h for h in self.workers.values() if h.tasks.get(tid) == fence), None)
                if holder is not None and holder.proc.is_alive():
                    log.warning("worker %d stopped heartbeating task %d: killing it", holder.wid, tid)
                    holder.proc.kill()
                elif holder is None:
                    await self.db.fail_task(tid, fence, "lease expired")
                    self.wake.set()


__all__ = ["Orchestrator", "RunOutcome", "TaskStatus"]
