"""A worker process: its own uvloop loop, connectors, extractor and classifier (built once), pinned to one CPU.

Reading and extraction are async and prefetch the next object while the current one is classified; the
classifier runs on one dedicated thread so the loop stays free for heartbeats and control messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import resource
import signal
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from scanner.config import JobConfig
from scanner.connectors.base import FileConnector, TableConnector
from scanner.connectors.registry import create_connector
from scanner.exceptions import (
    AuthenticationError,
    DatascanError,
    ExtractionAborted,
    ExtractionError,
    ObjectReadError,
)
from scanner.exposure import unknown
from scanner.extract import ContentExtractor, ExtractionReport
from scanner.logsetup import cap_library_logs
from scanner.models import (
    HINT_PREFIX,
    DiscoveredObject,
    FolderListing,
    ObjectResult,
    TaskType,
    WorkPacket,
)
from scanner.runtime import messages as M

log = logging.getLogger(__name__)

# A discovery message holds whole folders: sent once it holds this many objects or folders (a folder bigger than
# that is sent alone). Large enough that the store compares a listing with its state in few queries.
_DISCOVERY_FLUSH_OBJECTS = 2000
_DISCOVERY_FLUSH_FOLDERS = 200
_FLUSH_OBJECTS = 64      # send finished objects at least this often ...
_FLUSH_SECONDS = 0.5     # ... or after this long, so an interruption loses little
# Objects above this size are streamed while they are classified instead of being prefetched whole: a 200 MB
# single-line text file then costs about one component of memory (formats that need random access, such as
# ZIP, are still gathered whole, within max_file_mb).
_STREAM_ABOVE = 8 << 20
_STREAM_CHUNK = 1 << 20


def _task_error(exc: Exception) -> str:
    """What the store keeps of a task's failure: our own message, or only the kind of a foreign error (a driver's
    text may quote SQL or values; the worker log has it at -vv)."""
    if isinstance(exc, DatascanError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.__class__.__name__}: {exc.strerror}"
    return f"{exc.__class__.__name__} (details in the worker log at -vv)"


def startup_error(exc: BaseException) -> str:
    """A start-up failure in one line: our message, or the exception's kind and first line (it comes from the job's
    settings or this host's installation, never from scanned data)."""
    text = str(exc) if isinstance(exc, DatascanError) else f"{exc.__class__.__name__}: {exc}"
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())[:1000]


class _Abort(Exception):
    """The current task must be given back (stop, pause, cancel)."""


def worker_main(worker_id: int, cpu: int | None, job: JobConfig, hmac_key: bytes, tasks_in: Connection,
                results_out: Connection, lease_s: float, log_level: int, env: dict[str, str] | None = None) -> None:
    """Entry point of a worker process; ``env``: the orchestrator's environment when it started this worker (a fork
    of the fork server has the server's, from when the server started)."""
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    # Ctrl-C reaches the whole process group; the orchestrator decides how workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format=f"%(asctime)s worker-{worker_id} %(levelname)s %(name)s: %(message)s")
    cap_library_logs(log_level)
    if os.environ.get("DATASCAN_LOG_FORMAT") == "json":  # `scan --log-format json`: log shippers want every line JSON
        from scanner.logjson import use_json_logging

        use_json_logging(f"worker-{worker_id}")
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError as exc:  # a restricted container may refuse; the work is the same, only slower
            log.warning("could not pin to CPU %d: %s", cpu, exc)
    import uvloop

    try:
        worker = Worker(worker_id, job, hmac_key, tasks_in, results_out, lease_s)
        worker.build()
    except Exception as exc:  # noqa: BLE001 - whatever it is, the orchestrator decides; no traceback for users
        log.debug("worker %d start-up traceback", worker_id, exc_info=True)
        try:
            results_out.send((M.STARTUP_FAILED, startup_error(exc)))
        except OSError:
            pass  # the orchestrator is gone: nobody to tell
        raise SystemExit(1) from None
    try:
        uvloop.run(worker.run())
    finally:
        try:
            results_out.send((M.EXITING, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
        except (OSError, EOFError):
            pass


class Worker:
    """Runs tasks received from the orchestrator until told to stop (or the orchestrator disappears)."""

    def __init__(self, worker_id: int, job: JobConfig, hmac_key: bytes, tasks_in: Connection,
                 results_out: Connection, lease_s: float):
        self.worker_id = worker_id
        self.job = job
        self.hmac_key = hmac_key
        self.tasks_in = tasks_in
        self.out = results_out
        self.lease_s = lease_s
        self.extractor = ContentExtractor(job.extraction)
        self.max_bytes = int(job.extraction.max_file_mb * 1024 * 1024)
        self.connectors: dict[str, FileConnector | TableConnector] = {}
        self.queue: asyncio.Queue[WorkPacket | None] = asyncio.Queue()
        self.current: WorkPacket | None = None
        # (task, fence) pairs to drop: a task leased again later (a new fence) is not the aborted lease.
        self.aborted: set[tuple[int, int]] = set()
        self.stopping = False
        self._send_lock = threading.Lock()
        self._cpu = ThreadPoolExecutor(max_workers=1, thread_name_prefix="classify")
        self.coordinator: Any = None  # the job's resource coordinator, built with the first connector

    def send(self, msg: tuple[Any, ...]) -> None:
        with self._send_lock:
            self.out.send(msg)

    def build(self) -> None:
        """What the worker needs before it can take work (the classifier); fails here if it cannot start."""
        from scanner.classify import Classifier  # heavy import: only in worker processes

        self.classifier = Classifier(self.job.classification, self.hmac_key, store_raw=self.job.store_raw)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        threading.Thread(target=self._pump, args=(loop,), daemon=True, name="pump").start()
        self.send((M.READY, os.getpid()))
        beat = asyncio.create_task(self._heartbeat())
        try:
            while True:
                packet = await self.queue.get()
                if packet is None:
                    break
                if self.stopping or (packet.task_id, packet.fence) in self.aborted:
                    self.send((M.RELEASED, packet.task_id, packet.fence))
                    continue
                self.current = packet
                try:
                    await self._run_task(packet)
                finally:
                    self.current = None
        finally:
            beat.cancel()
            for c in self.connectors.values():
                await c.close()
            await self.extractor.aclose()
            self._cpu.shutdown(wait=False, cancel_futures=True)

    def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        """Blocking reads of the orchestrator's pipe, handed to the loop; EOF means the orchestrator is gone."""
        while True:
            try:
                msg = self.tasks_in.recv()
            except (EOFError, OSError):
                loop.call_soon_threadsafe(self._on_message, (M.STOP,))
                return
            loop.call_soon_threadsafe(self._on_message, msg)
            if msg[0] == M.STOP:
                return

    def _on_message(self, msg: tuple[Any, ...]) -> None:
        kind = msg[0]
        if kind == M.TASK:
            self.queue.put_nowait(msg[1])
        elif kind == M.ABORT:
            self.aborted.add((msg[1], msg[2]))
        elif kind == M.STOP:
            self.stopping = True
            self.queue.put_nowait(None)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(max(0.5, self.lease_s / 4))
            if self.current is not None:
                self.send((M.HEARTBEAT, [(self.current.task_id, self.current.fence)]))

    def _connector(self, ds_id: str) -> FileConnector | TableConnector:
        if ds_id not in self.connectors:
            if self.coordinator is None:
                from scanner.runtime.coordinator import make_coordinator

                self.coordinator = make_coordinator(self.job.coordinator)
            self.connectors[ds_id] = create_connector(self.job.datasource(ds_id), coordinator=self.coordinator)
        return self.connectors[ds_id]

    def _check_abort(self, packet: WorkPacket) -> None:
        if self.stopping or (packet.task_id, packet.fence) in self.aborted:
            raise _Abort

    async def _run_task(self, packet: WorkPacket) -> None:
        try:
            if packet.task_type is TaskType.DISCOVERY:
                await self._discover(packet)
            else:
                await self._classify_objects(packet)
        except _Abort:
            self.send((M.RELEASED, packet.task_id, packet.fence))
            return
        except AuthenticationError as exc:
            self.send((M.FAILED, packet.task_id, packet.fence, str(exc), True))
            return
        except Exception as exc:  # noqa: BLE001 - one task's failure must not end the worker
            log.error("task %d failed: %s", packet.task_id, exc.__class__.__name__)
            # The traceback goes with the record (a JSON log keeps it in its own field, at debug only), never in
            # the message; the stored error is ours alone: a driver's text may quote SQL or the data it choked on.
            log.debug("task %d traceback", packet.task_id, exc_info=True)
            self.send((M.FAILED, packet.task_id, packet.fence, _task_error(exc), False))
            return
        self.send((M.DONE, packet.task_id, packet.fence))

    async def _discover(self, packet: WorkPacket) -> None:
        """List the datasource folder by folder; each message holds whole folders, so the store can tell what a
        folder no longer has (removed objects) from what it still has."""
        conn = self._connector(packet.datasource_id)
        if isinstance(conn, TableConnector):
            # Tables are one flat list: sent whole, as the listing of the root.
            tables = [o async for batch in conn.enumerate_objects(1 << 62, 1 << 30) for o in batch]
            self._check_abort(packet)
            self.send((M.DISCOVERED, packet.task_id, packet.fence, tables, [FolderListing("")]))
            return
        rt = self.job.runtime
        if packet.page_from is not None or packet.page_to is not None:
            # One page of a big folder: its objects only (the folder's first page had its sub-folders).
            assert packet.folder is not None
            page_objects: list[DiscoveredObject] = []
            async for page in conn.list_folder(packet.folder, packet.page_from, packet.page_to):
                self._check_abort(packet)
                page_objects += page.objects
            self.send((M.DISCOVERED, packet.task_id, packet.fence, page_objects,
                       [FolderListing(packet.folder, [], packet.page_from, packet.page_to)]))
            return
        # The task's folder and below, depth-first, for at most discovery_fanout folders; the folders still to
        # walk then become tasks of their own (spawned once, by scope: a re-run of this task walks the same
        # folders and spawns nothing new).
        stack = [packet.folder or ""]
        objects: list[DiscoveredObject] = []
        folders: list[FolderListing] = []
        walked = 0
        spawn: list[tuple[str, str | None, str | None]] = []
        while stack:
            if walked >= rt.discovery_fanout:
                spawn += [(f, None, None) for f in reversed(stack)]
                break
            folder = stack.pop()
            walked += 1
            subfolders: list[str] = []
            listed: list[DiscoveredObject] = []
            async for page in conn.list_folder(folder):
                self._check_abort(packet)
                listed += page.objects
                subfolders += page.subfolders
            if len(listed) > rt.discovery_page:
                # A big folder: this task keeps the first page, and the others are listed by tasks of their own.
                listed.sort(key=lambda o: o.path)
                bounds = [listed[i].path for i in range(rt.discovery_page, len(listed), rt.discovery_page)]
                # Spawned now, not at the end of this walk: other workers start on the pages at once.
                self.send((M.SPAWN, packet.task_id, packet.fence,
                           [(folder, lo, hi) for lo, hi in zip(bounds, [*bounds[1:], None], strict=True)]))
                objects += listed[:rt.discovery_page]
                folders.append(FolderListing(folder, subfolders, None, bounds[0]))
            else:
                objects += listed
                folders.append(FolderListing(folder, subfolders))
            stack.extend(sorted(subfolders, reverse=True))
            if len(objects) >= _DISCOVERY_FLUSH_OBJECTS or len(folders) >= _DISCOVERY_FLUSH_FOLDERS:
                self.send((M.DISCOVERED, packet.task_id, packet.fence, objects, folders))
                objects, folders = [], []
        if objects or folders:
            self.send((M.DISCOVERED, packet.task_id, packet.fence, objects, folders))
        if spawn:
            self._check_abort(packet)
            self.send((M.SPAWN, packet.task_id, packet.fence, spawn))

    async def _classify_objects(self, packet: WorkPacket) -> None:
        conn = self._connector(packet.datasource_id)
        if isinstance(conn, TableConnector):
            await self._classify_tables(packet, conn)
            return
        objs = packet.objects
        done: list[ObjectResult] = []
        last_flush = time.monotonic()

        def fetch(o: DiscoveredObject) -> asyncio.Task[bytes] | None:
            if o.size > _STREAM_ABOVE:
                return None  # read as a stream by _one_object
            return asyncio.create_task(conn.read_object(o, self.max_bytes))

        nxt = fetch(objs[0]) if objs else None
        try:
            for i, obj in enumerate(objs):
                self._check_abort(packet)
                current, nxt = nxt, (fetch(objs[i + 1]) if i + 1 < len(objs) else None)
                done.append(await self._with_exposure(conn, obj, await self._attempts(packet, obj, current)))
                if len(done) >= _FLUSH_OBJECTS or time.monotonic() - last_flush > _FLUSH_SECONDS:
                    self.send((M.OBJECTS, packet.task_id, packet.fence, done))
                    done, last_flush = [], time.monotonic()
        finally:
            if nxt is not None:
                nxt.cancel()
            if done:
                self.send((M.OBJECTS, packet.task_id, packet.fence, done))

    @staticmethod
    async def _with_exposure(conn: FileConnector | TableConnector, obj: DiscoveredObject,
                             result: ObjectResult) -> ObjectResult:
        """Who can read the object, asked of its connector only when it holds findings (hints do not count): the
        question costs a round trip, and the answer only matters where there is something to expose."""
        bearing = not (result.skip_reason or result.failed_reason)
        if bearing and any(not f.entity.startswith(HINT_PREFIX) for f in result.findings):
            try:
                result.exposure = await conn.exposure(obj)
            except Exception as exc:  # noqa: BLE001 - a connector's bug must not cost the object its findings
                log.debug("exposure of %s", obj.path, exc_info=True)
                result.exposure = unknown(f"reading the permissions failed ({exc.__class__.__name__})")
        return result

    async def _attempts(self, packet: WorkPacket, obj: DiscoveredObject,
                        read: asyncio.Task[bytes] | None) -> ObjectResult:
        """One object, tried again (read again, fresh extraction process) while its extraction aborts.

        Only this object is retried, at once, in this task: the other objects of the task are not redone. After
        ``runtime.max_attempts`` aborted tries the object is FAILED with the reason and the task goes on.
        """
        most = self.job.runtime.max_attempts
        result = await self._one_object(packet, obj, read)
        tries = 1
        while result.failed_reason and tries < most:
            self._check_abort(packet)
            log.warning("task %d: %s: %s; extraction attempt %d of %d", packet.task_id, obj.path,
                        result.failed_reason, tries + 1, most)
            tries += 1
            result = await self._one_object(packet, obj, None)  # read again (streamed)
        result.attempts = tries
        if result.failed_reason:
            result.failed_reason = f"{result.failed_reason} (on each of {tries} attempts)"
        return result

    async def _one_object(self, packet: WorkPacket, obj: DiscoveredObject,
                          read: asyncio.Task[bytes] | None) -> ObjectResult:
        sha = hashlib.sha256()
        nbytes = 0
        chunks: AsyncIterator[bytes]
        if read is not None:
            try:
                data = await read
            except ObjectReadError as exc:
                return ObjectResult(obj.path, obj.size, obj.mtime, [], skip_reason=str(exc))
            sha.update(data)
            nbytes = len(data)

            async def whole() -> AsyncIterator[bytes]:
                yield data

            chunks = whole()
        else:
            conn = self._connector(packet.datasource_id)
            assert isinstance(conn, FileConnector)  # tables never reach the file path (_classify_objects)

            async def streamed() -> AsyncIterator[bytes]:
                nonlocal nbytes
                async for c in conn.stream_object(obj, self.max_bytes, _STREAM_CHUNK):
                    sha.update(c)
                    nbytes += len(c)
                    # The progress bar counts bytes of finished objects: without this it would stand still
                    # for as long as a big file takes (one message per 1 MB chunk costs nothing beside it).
                    self.send((M.READING, packet.task_id, nbytes))
                    yield c

            chunks = streamed()
        from scanner.runtime.findings import object_findings

        report = ExtractionReport()
        loop = asyncio.get_running_loop()

        async def detect(text: str, cols: Any) -> list[Any]:
            return await loop.run_in_executor(self._cpu, self.classifier.detect, text, cols)

        try:
            findings = await object_findings(self.extractor.extract_stream(obj.path, chunks, report), detect,
                                             packet.datasource_id, obj.path, self.classifier.entities,
                                             self.hmac_key)
        except ObjectReadError as exc:  # a streamed read failed part-way
            return ObjectResult(obj.path, obj.size, obj.mtime, [], skip_reason=str(exc), bytes_read=nbytes)
        except ExtractionAborted as exc:
            return ObjectResult(obj.path, nbytes, obj.mtime, [], content_hash=sha.hexdigest(),
                                failed_reason=str(exc), bytes_read=nbytes)
        except ExtractionError as exc:
            return ObjectResult(obj.path, nbytes, obj.mtime, [], content_hash=sha.hexdigest(),
                                skip_reason=str(exc), bytes_read=nbytes)
        return ObjectResult(obj.path, nbytes, obj.mtime, findings, content_hash=sha.hexdigest(),
                            bytes_read=nbytes, partial_reason=report.partial_reason)

    # ------------------------------------------------------------------------------------------------ tables

    async def _classify_tables(self, packet: WorkPacket, conn: TableConnector) -> None:
        """A CLASSIFICATION task of a table source: each table's sampled columns, then its column verdicts."""
        done: list[ObjectResult] = []
        last_flush = time.monotonic()
        try:
            for obj in packet.objects:
                self._check_abort(packet)
                done.append(await self._with_exposure(conn, obj, await self._one_table(packet, conn, obj)))
                if len(done) >= _FLUSH_OBJECTS or time.monotonic() - last_flush > _FLUSH_SECONDS:
                    self.send((M.OBJECTS, packet.task_id, packet.fence, done))
                    done, last_flush = [], time.monotonic()
        finally:
            if done:
                self.send((M.OBJECTS, packet.task_id, packet.fence, done))

    async def _one_table(self, packet: WorkPacket, conn: TableConnector, obj: DiscoveredObject) -> ObjectResult:
        from scanner.runtime.columns import (
            DIGIT_ENTITIES,
            ColumnContext,
            ColumnVerdict,
            column_text,
            table_findings,
        )

        enabled = self.classifier.entities
        # Bare numbers can only be one of these; with none of them enabled, numeric columns are not read.
        numeric = bool(set(enabled) & DIGIT_ENTITIES) or bool(self.job.classification.custom)
        verdicts: dict[str, ColumnVerdict] = {}
        key_columns: list[str] = []
        skip: str | None = None
        partial: str | None = None
        chars = 0
        loop = asyncio.get_running_loop()
        try:
            async for block in conn.read_table(obj, include_numeric=numeric):
                key_columns = block.key_columns
                for col in block.columns:
                    self._check_abort(packet)
                    v = verdicts.setdefault(col.name, ColumnVerdict(col.name, col.type, col.category))
                    text, line_rows = column_text(col.values)
                    chars += len(text)
                    dets = await loop.run_in_executor(self._cpu, self.classifier.detect, text,
                                                      ColumnContext(col.name)) if text else []
                    v.add(col.values, block.row_keys, dets, text, line_rows)
        except ObjectReadError as exc:
            # A table that cannot be read (timed out, gone, denied) is skipped with why; when blocks were read
            # before (a full read that ran out of time), what they held counts and the table is PARTIAL.
            if verdicts:
                partial = f"{exc} after {max(v.rows for v in verdicts.values())} rows"
            else:
                skip = str(exc)
        findings = table_findings(packet.datasource_id, obj.path, verdicts.values(), enabled, self.hmac_key,
                                  key_columns)
        return ObjectResult(obj.path, obj.size, obj.mtime, findings, skip_reason=skip, bytes_read=chars,
                            partial_reason=partial)
