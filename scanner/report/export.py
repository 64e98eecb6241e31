"""Findings exports: JSON lines and CSV (masked; ``value`` only when the job stored raw values)."""

from __future__ import annotations

import csv
import json
from typing import IO

from scanner.store import DatabaseInterface

FIELDS = ["job_id", "datasource", "object", "location", "entity", "score", "masked", "value_hash", "carried_over"]


async def export_findings(db: DatabaseInterface, job_id: int, fmt: str, out: IO[str]) -> int:
    """Write every finding of a job to ``out``; returns how many."""
    job = await db.get_job(job_id)
    raw = bool(job and job.options.get("store_raw"))
    fields = FIELDS + (["value"] if raw else [])
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    n = 0
    async for f in db.iter_findings(job_id):
        if not raw:
            f.pop("value", None)
        if writer:
            writer.writerow(f)
        else:
            out.write(json.dumps(f) + "\n")
        n += 1
    return n
