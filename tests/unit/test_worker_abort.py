"""An abort names one lease of a task (task, fence): the same task leased again to this worker later (a new
fence, after its lease expired and came back) is run, not given back for ever (a multi-host hang seen under load)."""

from __future__ import annotations

import asyncio
from multiprocessing import Pipe
from pathlib import Path

from scanner.config import JobConfig
from scanner.models import DiscoveredObject, TaskType, WorkPacket
from scanner.runtime import messages as M
from scanner.runtime.worker import Worker


def test_an_abort_drops_its_lease_only(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("card 4111 1111 1111 1111\n")
    job = JobConfig.model_validate({"name": "t", "datasources": [{"id": "ds", "type": "filesystem",
                                                                  "path": str(tmp_path)}]})
    to_worker, tasks_in = Pipe()
    results_out, from_worker = Pipe()
    worker = Worker(0, job, b"k" * 32, tasks_in, results_out, lease_s=60)
    worker.build()
    st = (tmp_path / "a.txt").stat()
    obj = DiscoveredObject("a.txt", st.st_size, st.st_mtime)

    def packet(fence: int) -> WorkPacket:
        return WorkPacket(7, 1, TaskType.CLASSIFICATION, "ds", fence, [obj])

    async def drive() -> list[tuple]:
        run = asyncio.create_task(worker.run())
        to_worker.send((M.ABORT, 7, 1))      # the first lease is aborted (it was taken over) ...
        to_worker.send((M.TASK, packet(1)))  # ... so that lease is given back ...
        to_worker.send((M.TASK, packet(2)))  # ... and the next lease of the same task runs.
        got: list[tuple] = []
        try:
            while not got or got[-1][0] not in (M.DONE, M.FAILED):
                # poll() with a time limit in a thread: the worker runs on this loop meanwhile.
                if not await asyncio.to_thread(from_worker.poll, 60):
                    break  # the task never ran: the assertion below says what came instead
                got.append(from_worker.recv())
        finally:
            to_worker.send((M.STOP,))
            await run
        return got

    got = asyncio.run(drive())
    kinds = [(m[0], m[1], m[2]) for m in got if m[0] in (M.RELEASED, M.DONE, M.OBJECTS)]
    assert kinds == [(M.RELEASED, 7, 1), (M.OBJECTS, 7, 2), (M.DONE, 7, 2)], got
    [(_, _, _, [res])] = [m for m in got if m[0] == M.OBJECTS]
    assert [f.entity for f in res.findings] == ["CREDIT_CARD"]
