"""The orchestrator: one uvloop process that owns the store (the only SQLite writer), runs the task assigner, job
monitor, pipeliner and reaper as coroutines, and feeds N CPU-pinned worker processes over pipes.

Two roles share this code. ``Role.LOCAL`` (``datascan scan``) drives its job from start to end. ``Role.WORKERS``
(``datascan worker`` on one of several hosts sharing a PostgreSQL store) only leases tasks of a job for its own
worker processes and writes their results; planning, completing and reaping other hosts' leases belong to the
``datascan orchestrator`` role (:mod:`scanner.runtime.control`). The worker processes are the same in both.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from typing import Any

from scanner.config import JobConfig
from scanner.models import JobStatus, TaskStatus, WorkPacket
from scanner.runtime import control, workerprocs
from scanner.runtime import messages as M
from scanner.store import DatabaseInterface, Progress

log = logging.getLogger(__name__)

_PREFETCH = 2          # tasks outstanding per worker: one running, one waiting
_TICK = 0.25           # how often the coroutines look at the store when nothing wakes them
_IDLE_S = 1.0          # the monitor and pipeliner wake on events; with none, they look this often (pause/cancel
                       # from another process, a lease expired elsewhere)
_COALESCE = 64         # worker messages taken off the inbox at once, their object results written in one transaction
_STOP_GRACE_S = 30.0   # after a stop signal, how long in-flight objects may take before workers are killed
_WAKE = "__wake__"     # put in the inbox at the end: its reader returns without waiting out a tick
# Workers in a row that die before they are ready: then the job fails with their error instead of respawning them
# for ever (a worker that cannot build its classifier would fail the same way each time).
MAX_STARTUP_FAILURES = 3


class Role(enum.Enum):
    LOCAL = "local"      # this process drives the whole job
    WORKERS = "workers"  # this process only runs tasks; a `datascan orchestrator` elsewhere drives the job


@dataclass
class _WorkerHandle:
    wid: int
    proc: Any
    to_worker: Connection
    ready: bool = False
    tasks: dict[int, int] = field(default_factory=dict)  # task_id -> fence
    last_seen: float = field(default_factory=time.monotonic)
    peak_rss: int = 0
    reader: threading.Thread | None = None


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
                 *, on_progress: Callable[[Progress], None] | None = None, role: Role = Role.LOCAL,
                 owner: str = "local"):
        self.db, self.job_id, self.job, self.n_workers = db, job_id, job, max(1, workers)
        self.hmac_key, self.on_progress, self.role, self.owner = hmac_key, on_progress, role, owner
        self.lease_s = job.runtime.lease_seconds
        self.ctx = workerprocs.context()
        self.workers: dict[int, _WorkerHandle] = {}
        self.inbox: asyncio.Queue[tuple[int, tuple[Any, ...]]] = asyncio.Queue(maxsize=1000)
        self.wake = asyncio.Event()      # the assigner: a worker has room, or there are tasks to lease
        self.changed = asyncio.Event()   # the monitor: a task ended or results were written
        self.discovered = asyncio.Event()  # the pipeliner: discovered objects wait to be planned
        self.stop_signal: int | None = None
        self._finished: JobStatus | None = None
        # Set when the run is to end (finished, or a stop signal) and, at the end, to wake every idle coroutine:
        # nothing waits out a tick to notice.
        self.ending = asyncio.Event()
        self.closed = asyncio.Event()  # the coroutines are to return
        self._look_now = False  # the monitor's next look may settle the job: it does not wait out its tick
        self._next_wid = 0
        self._cpus = sorted(os.sched_getaffinity(0))
        self.peak_rss: dict[int, int] = {}
        self._closing = False
        # Datasource of every task a worker holds (its writes are keyed by it); dropped when the task ends.
        self._task_ds: dict[int, str] = {}
        # Held while worker messages are applied: the single writer and the drain at shutdown never interleave
        # (results written after their task's completion would be refused as stale, and the objects lost).
        self._writing = asyncio.Lock()
        self._startup_failures = 0  # workers in a row that exited before they were ready
        self._puts: set[asyncio.Task[None]] = set()
        self._startup_errors: dict[int, str] = {}  # set by the reader threads: a dying worker's last words
        # Bytes read so far of the big object each task is streaming: shown as progress before the object is done
        self._reading: dict[int, int] = {}

    @property
    def finished(self) -> JobStatus | None:
        """The status the job ended with, once it has."""
        return self._finished

    @finished.setter
    def finished(self, status: JobStatus | None) -> None:
        self._finished = status
        self.ending.set()

    # ------------------------------------------------------------------------------------------------ workers

    def _spawn(self) -> None:
        wid = self._next_wid
        self._next_wid += 1
        to_worker_r, to_worker_w = self.ctx.Pipe(duplex=False)
        from_worker_r, from_worker_w = self.ctx.Pipe(duplex=False)
        cpu = self._cpus[wid % len(self._cpus)] if self._cpus else None
        proc = self.ctx.Process(
            target=workerprocs.run_worker, name=f"datascan-worker-{wid}",
            args=(wid, cpu, self.job, self.hmac_key, to_worker_r, from_worker_w, self.lease_s,
                  logging.getLogger().level, dict(os.environ)),
            daemon=True,
        )
        loop = asyncio.get_running_loop()
        try:
            proc.start()
        except (OSError, EOFError) as exc:
            # The fork died before it had read what it was to run (the fork server hands it over after the fork):
            # a worker that exited before it was ready, for _startup_failed to count (it never started: no proc).
            for conn in (to_worker_r, to_worker_w, from_worker_r, from_worker_w):
                conn.close()
            self.workers[wid] = _WorkerHandle(wid, proc, to_worker_w)
            self._startup_errors[wid] = f"died while being started ({exc.__class__.__name__})"
            put = loop.create_task(self.inbox.put((wid, ("__exit__", None))))
            self._puts.add(put)  # a task nothing refers to may be collected before it runs
            put.add_done_callback(self._puts.discard)
            return
        to_worker_r.close()
        from_worker_w.close()  # only the worker holds the write end: its death gives us EOF
        h = _WorkerHandle(wid, proc, to_worker_w)
        self.workers[wid] = h
        h.reader = threading.Thread(target=self._reader, args=(loop, wid, from_worker_r), daemon=True)
        h.reader.start()
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
            if msg[0] == M.STARTUP_FAILED:  # kept here: the exit may be handled before this message
                self._startup_errors[wid] = msg[1]
                continue
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
        workerprocs.prestart(workerprocs.datasource_kinds(self.job))  # `datascan scan` started it already
        for _ in range(self.n_workers):
            self._spawn()
        coros = [self._results(), self._assigner(), self._monitor(), self._reaper()]
        if self.role is Role.LOCAL:
            coros.append(self._pipeliner())
        tasks = [asyncio.create_task(c) for c in coros]
        ending = asyncio.create_task(self.ending.wait())
        try:
            waiting = {ending, *tasks}
            while self.finished is None and self.stop_signal is None and waiting:
                done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    if t is not ending and t.exception():
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
            ending.cancel()
            self._closing = True
            for event in (self.wake, self.changed, self.discovered, self.ending, self.closed):
                event.set()
            with contextlib.suppress(asyncio.QueueFull):  # a full inbox wakes its reader anyway
                self.inbox.put_nowait((-1, (_WAKE,)))
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
        self.ending.set()

    async def _shutdown(self) -> None:
        for h in self.workers.values():
            self._send(h, (M.STOP,))
        await self._wait_workers(_STOP_GRACE_S)
        if self.role is Role.WORKERS:
            # Other hosts go on with the job: give back only what this host still holds.
            for tid, fence in await self.db.leases_of(self.owner):
                await self.db.release_task(tid, fence)
            return
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
        # Drain what the workers sent before they exited, so finished objects are recorded. Under the writer's
        # lock: a batch the single writer took before (a task's results) is in the store before its DONE is.
        async with self._writing:
            while not self.inbox.empty():
                wid, msg = self.inbox.get_nowait()
                await self._handle(wid, msg, respawn=False)

    # ------------------------------------------------------------------------------------------------ coroutines

    async def _results(self) -> None:
        """The single writer: every worker message becomes a store write here. What the workers sent meanwhile is
        taken at once, and consecutive object results go to the store in one transaction."""
        while not self._closing:
            try:
                first = await asyncio.wait_for(self.inbox.get(), _TICK)
            except TimeoutError:
                continue
            async with self._writing:
                msgs = [first]
                while len(msgs) < _COALESCE and not self.inbox.empty():
                    msgs.append(self.inbox.get_nowait())
                await self._handle_many(msgs, respawn=self.stop_signal is None and self.finished is None)

    async def _handle_many(self, msgs: list[tuple[int, tuple[Any, ...]]], respawn: bool) -> None:
        """Handle messages in order; runs of object results are written together (a task's results always precede
        its completion, so order is kept where it matters)."""
        objects: list[tuple[int, int, str, Any]] = []
        for wid, msg in msgs:
            if msg[0] == M.OBJECTS and (h := self.workers.get(wid)) is not None:
                h.last_seen = time.monotonic()
                _, tid, fence, results = msg
                if (ds := self._task_ds.get(tid)) is not None:
                    objects.append((tid, fence, ds, results))
                continue
            await self._write_objects(objects)
            objects = []
            await self._handle(wid, msg, respawn)
        await self._write_objects(objects)

    async def _write_objects(self, batches: list[tuple[int, int, str, Any]]) -> None:
        if not batches:
            return
        for (tid, fence, _ds, results), ok in zip(
                batches, await self.db.record_object_results_many(self.job_id, batches), strict=True):
            self._reading.pop(tid, None)  # the object being read is done: its bytes are in the store now
            if not ok:
                self._stale(tid, fence, f"results of {len(results)} object(s)")
        self.changed.set()

    async def _handle(self, wid: int, msg: tuple[Any, ...], respawn: bool) -> None:
        h = self.workers.get(wid)
        if h is None:
            return
        h.last_seen = time.monotonic()
        kind = msg[0]
        if kind == M.READY:
            h.ready = True
            self._startup_failures = 0
            self.wake.set()
        elif kind == M.DISCOVERED:
            _, tid, fence, objs, folders = msg
            if (ds := self._task_ds.get(tid)) is not None and \
                    not await self.db.record_discovered(tid, fence, self.job_id, ds, objs, folders):
                self._stale(tid, fence, "discovered objects")
            self.discovered.set()
            self.changed.set()
        elif kind == M.SPAWN:
            _, tid, fence, scopes = msg
            if (ds := self._task_ds.get(tid)) is not None and \
                    not await self.db.spawn_discovery(tid, fence, self.job_id, ds, scopes):
                self._stale(tid, fence, "spawned discovery tasks")
            self.wake.set()
            self.changed.set()
        elif kind == M.OBJECTS:
            await self._handle_many([(wid, msg)], respawn)
        elif kind == M.HEARTBEAT:
            for tid, fence in msg[1]:
                if tid in h.tasks and not await self.db.heartbeat(tid, fence, self.lease_s):
                    # The lease was taken over (this process was stopped past its expiry): stop the work.
                    self._stale(tid, fence, "heartbeat")
                    self._send(h, (M.ABORT, tid, fence))
        elif kind == M.READING:
            if msg[1] in h.tasks:
                self._reading[msg[1]] = msg[2]
                self.changed.set()
        elif kind == M.DONE:
            self._forget(h, msg[1])
            if not await self.db.complete_task(msg[1], msg[2], ran_by=f"{self.owner}/worker-{wid}"):
                self._stale(msg[1], msg[2], "completion")
            self.wake.set()
            self._settle_soon()
        elif kind == M.RELEASED:
            self._forget(h, msg[1])
            await self.db.release_task(msg[1], msg[2])
            self.wake.set()
            self._settle_soon()
        elif kind == M.FAILED:
            _, tid, fence, error, fatal = msg
            self._forget(h, tid)
            await self.db.fail_task(tid, fence, error)
            if fatal:
                await self.db.set_job_status(self.job_id, JobStatus.FAILED, error=error)
                self.finished = JobStatus.FAILED
            self.wake.set()
            self._settle_soon()
        elif kind == M.EXITING:
            self.peak_rss[wid] = int(msg[1])
        elif kind == "__exit__":
            del self.workers[wid]
            if msg[1] != 0 and h.ready:  # one that never got ready is reported by _startup_failed
                log.warning("worker %d (pid %s) exited with code %s holding %d task(s)", wid, h.proc.pid, msg[1],
                            len(h.tasks))
            for tid, fence in list(h.tasks.items()):
                self._forget(h, tid)
                st = await self.db.fail_task(tid, fence, f"worker process exited with code {msg[1]}")
                log.warning("task %d of worker %d is now %s", tid, wid, st.value if st else "taken over")
            if respawn and msg[1] != 0 and not h.ready:
                await self._startup_failed(h, msg[1])
            elif respawn and msg[1] != 0:
                self._spawn()
            self.wake.set()
            self._settle_soon()

    async def _startup_failed(self, h: _WorkerHandle, code: int | None) -> None:
        """A worker died before it was ready: start another, or fail the job after too many in a row."""
        if self.finished is not None:
            return  # the job failed already (another worker's death came in the same batch): nothing to start
        self._startup_failures += 1
        if h.reader is not None:  # its pipe is at EOF: the reader has passed on everything the worker said
            await asyncio.to_thread(h.reader.join, 5.0)
        error = self._startup_errors.pop(h.wid, None) or f"exited with code {code} before it was ready"
        log.error("worker %d could not start (%d of %d in a row): %s", h.wid, self._startup_failures,
                  MAX_STARTUP_FAILURES, error)
        if self._startup_failures < MAX_STARTUP_FAILURES:
            self._spawn()
            return
        error = f"worker processes could not start ({self._startup_failures} in a row): {error}"
        await self.db.set_job_status(self.job_id, JobStatus.FAILED, error=error)
        self.finished = JobStatus.FAILED

    def _stale(self, tid: int, fence: int, what: str) -> None:
        log.warning("rejected stale write (%s) for task %d: lease token %d was taken over", what, tid, fence)

    def _forget(self, h: _WorkerHandle, tid: int) -> None:
        """The task left this worker: a message about it arriving later (a dead worker's last words) is ignored,
        which loses nothing, since its writes would carry a fence that the store no longer accepts."""
        h.tasks.pop(tid, None)
        self._task_ds.pop(tid, None)
        self._reading.pop(tid, None)

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
            packets: list[WorkPacket] = await self.db.lease_tasks(self.job_id, self.owner, slots, self.lease_s)
            for pkt in packets:
                h = min(free, key=lambda h: len(h.tasks))
                self._task_ds[pkt.task_id] = pkt.datasource_id
                h.tasks[pkt.task_id] = pkt.fence
                self._send(h, (M.TASK, pkt))

    def _settle_soon(self) -> None:
        """Wake the monitor for a look without waiting out its tick (a task ended, objects were planned)."""
        self._look_now = True
        self.changed.set()

    async def _wait_wake(self) -> None:
        await self._wait(self.wake, _TICK)

    @staticmethod
    async def _wait(event: asyncio.Event, within: float) -> None:
        """Until ``event`` is set or ``within`` seconds passed; the event is cleared."""
        try:
            await asyncio.wait_for(event.wait(), within)
        except TimeoutError:
            pass
        event.clear()

    async def _pipeliner(self) -> None:
        """Turn discovered batches into classification tasks, when a discovery wrote some."""
        info = await self.db.get_job(self.job_id)
        assert info is not None
        while not self._closing:
            if await control.plan(self.db, info):
                self.wake.set()
                self._settle_soon()  # what was planned no longer holds the job open
            else:
                await self._wait(self.discovered, _IDLE_S)

    async def _monitor(self) -> None:
        """Report progress; finish the job when nothing is left; follow pause/resume/cancel from other processes.

        Wakes when a task ends or results are written (at most every ``_TICK``), and every ``_IDLE_S`` otherwise;
        the counters it reads are kept by the writer, so a look costs the same whatever the job's size.
        """
        last = 0.0
        while not self._closing:
            await self._wait(self.changed, _IDLE_S)
            # Events come in bursts (each written batch of results is one): one look per tick is enough, except
            # after a task ended or objects were planned, which may leave nothing to do: that is looked at at once.
            while not self._look_now and not self._closing and (left := last + _TICK - time.monotonic()) > 0:
                await self._wait(self.changed, left)
            if self._closing:
                break
            self._look_now = False
            last = time.monotonic()
            p = await self.db.progress(self.job_id)
            if self.on_progress:
                self.on_progress(replace(p, bytes_done=p.bytes_done + sum(self._reading.values())))
            job = await self.db.get_job(self.job_id)
            if job is None or self.stop_signal is not None:
                continue
            if job.status in (JobStatus.PAUSING, JobStatus.CANCELLING):
                for h in self.workers.values():
                    for tid, fence in h.tasks.items():
                        self._send(h, (M.ABORT, tid, fence))
            if self.role is Role.WORKERS:
                # The control role settles the job; this host stops serving it once it is not running any more.
                if job.status not in (JobStatus.RUNNING, JobStatus.PAUSING, JobStatus.CANCELLING) \
                        and not any(h.tasks for h in self.workers.values()):
                    self.finished = job.status
                continue
            moved = await control.settle(self.db, job, p)
            if moved in (JobStatus.COMPLETED, JobStatus.CANCELLED):
                self.finished = moved
            elif moved is None and job.status.finished:
                self.finished = job.status

    async def _reaper(self) -> None:
        """Leases past expiry: a live local holder is hung and is killed (its exit re-queues the task); with the
        LOCAL role, other expired leases (a worker that died unnoticed) are re-queued too."""
        while not self._closing:
            await self._wait(self.closed, 1.0)
            if self._closing:
                break
            held = {(tid, fence): h for h in self.workers.values() for tid, fence in h.tasks.items()}
            for tid, fence, _owner in await self.db.expired_leases(self.job_id):
                holder = held.get((tid, fence))
                if holder is not None and holder.proc.is_alive():
                    log.warning("worker %d stopped heartbeating task %d: killing it", holder.wid, tid)
                    holder.proc.kill()
            if self.role is Role.LOCAL and await control.reap(self.db, self.job_id, held):
                self.wake.set()


__all__ = ["Orchestrator", "Role", "RunOutcome", "TaskStatus"]
