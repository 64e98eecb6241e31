"""One of several processes hammering one SQLite store: lease, record, complete, until no task is left.

Run as ``python -m tests.reliability.claimer DB JOB_ID OWNER OUT.json``; writes the (task, fence) pairs it claimed
and the errors it saw (a "database is locked" would surface here) to OUT.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from scanner.models import DiscoveredObject
from scanner.store import DatabaseInterface


async def main(db_url: str, job_id: int, owner: str, out: str) -> None:
    db = await DatabaseInterface.open(db_url)
    claims: list[tuple[int, int]] = []
    errors: list[str] = []
    started = time.monotonic()
    try:
        idle = 0
        while idle < 3:
            try:
                got = await db.lease_tasks(job_id, owner, 1, 60)
                if not got:
                    idle += 1
                    continue
                idle = 0
                for pkt in got:
                    claims.append((pkt.task_id, pkt.fence))
                    # A write per claim, as a worker's discovery would do, so writers really contend.
                    await db.record_discovered(pkt.task_id, pkt.fence, job_id, pkt.datasource_id,
                                               [DiscoveredObject(f"{owner}-{pkt.task_id}.txt", 1, 1.0)])
                    await db.complete_task(pkt.task_id, pkt.fence)
            except Exception as exc:  # noqa: BLE001 - counted: the figure is how many surface
                errors.append(f"{exc.__class__.__name__}: {exc}"[:300])
    finally:
        await db.close()
    Path(out).write_text(json.dumps({"claims": claims, "errors": errors,  # noqa: ASYNC240 - once, at exit
                                     "seconds": time.monotonic() - started}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
