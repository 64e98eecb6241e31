"""Findings exports: JSON lines, CSV and SARIF (masked; ``value`` only in jsonl/csv when the job stored raw values).

Suppressed findings are left out unless ``include_suppressed`` (then each row says which suppression hides it).
``since`` (a previous job id) turns the export into what changed: only new and resolved findings, each row with
its ``change``; in SARIF that is each result's ``baselineState`` (resolved findings are ``absent``). CSV writes
booleans as JSON does (``true``/``false``), so every format reads the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from typing import IO, Any

from scanner.models import JobStatus
from scanner.report.diff import CHANGED, diff_jobs
from scanner.report.sarif import build_sarif
from scanner.report.triage import visible_findings
from scanner.store import DatabaseInterface

FIELDS = ["job_id", "datasource", "object", "location", "entity", "score", "masked", "value_hash", "carried_over",
          "exposure", "readers", "exposure_reason"]
FORMATS = ("jsonl", "csv", "sarif")
_BASELINE = {"new": "new", "resolved": "absent", "unchanged": "unchanged"}


async def export_findings(db: DatabaseInterface, job_id: int, fmt: str, out: IO[str], *,
                          include_suppressed: bool = False, since: int | None = None) -> int:
    """Write a job's findings to ``out`` in ``fmt``; returns how many rows (or SARIF results)."""
    job = await db.get_job(job_id)
    raw = bool(job and job.options.get("store_raw")) and fmt != "sarif"
    rows: AsyncIterator[dict[str, Any]]
    if since is not None:
        rows = (await diff_jobs(db, since, job_id, include_suppressed=include_suppressed, changes=CHANGED)).stream()
    else:  # streamed: an export of millions of findings never sits in memory (SARIF, one document, must)
        rows = visible_findings(db, job_id, include_suppressed=include_suppressed)
    if fmt == "sarif":
        assert job is not None
        failed = (await db.summary(job_id)).failed_tasks
        results = []
        async for f in rows:
            f.pop("value", None)
            results.append(f)
        doc = build_sarif(job, results, execution_successful=job.status is JobStatus.COMPLETED and not failed)
        if since is not None:
            for res, f in zip(doc["runs"][0]["results"], results, strict=True):
                res["baselineState"] = _BASELINE[f["change"]]
        json.dump(doc, out, indent=1)
        out.write("\n")
        return len(results)
    fields = (["change"] if since is not None else []) + FIELDS + (["suppressed"] if include_suppressed else []) \
        + (["value"] if raw else [])
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    n = 0
    async for f in rows:
        if not raw:
            f.pop("value", None)
        if writer:
            writer.writerow(csv_row(f))
        else:
            out.write(json.dumps(f) + "\n")
        n += 1
    return n


def csv_row(f: dict[str, Any]) -> dict[str, Any]:
    """A finding as a CSV row: booleans and lists as JSON writes them (``true``, not Python's ``True``), as in the
    other formats."""
    return {k: json.dumps(v) if isinstance(v, bool | list) else v for k, v in f.items()}
