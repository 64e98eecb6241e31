"""Everything a report shows about one job, gathered in one pass over its visible (unsuppressed) findings."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.models import HINT_PREFIX, ObjectStatus
from scanner.report.diff import ALL_CHANGES, CHANGED, FindingDiff, diff_jobs
from scanner.report.triage import load_suppressions, visible_findings
from scanner.store import DatabaseInterface, Summary

# Findings that are a breach on their own weigh more in an object's risk than contact data does.
SEVERE_ENTITIES = frozenset({"CREDIT_CARD", "US_SSN", "IBAN_CODE", "US_BANK_NUMBER", "US_PASSPORT", "US_ITIN",
                             "UK_NHS", "MEDICAL_LICENSE", "CRYPTO", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
                             "PRIVATE_KEY", "PASSWORD", "API_KEY"})
SEVERE_WEIGHT = 3


@dataclass
class ObjectRisk:
    """One object's findings: how many, of which entities, its best score and its risk (3 per severe finding,
    1 per other)."""

    datasource: str
    object: str
    findings: int = 0
    risk: int = 0
    max_score: float = 0.0
    entities: Counter[str] = field(default_factory=Counter)


@dataclass
class ReportData:
    """What ``datascan report`` prints and the HTML report draws."""

    summary: Summary
    generated_at: float
    total: int
    suppressed: int
    per_entity: Counter[str]
    per_datasource: dict[str, Counter[str]]
    objects: list[ObjectRisk]            # riskiest first, at most ``top``
    objects_with_findings: int
    not_scanned: list[tuple[str, str, str, str | None]]   # skipped, partial and failed objects
    previous_job: int | None
    diff: FindingDiff | None
    # `report --since-last`: the tables hold only the findings new since ``previous_job`` and the diff only the
    # new and resolved ones (unchanged findings are not read)
    changes_only: bool = False

    @property
    def job(self) -> Any:
        return self.summary.job


async def gather(db: DatabaseInterface, job_id: int, *, top: int = 200, since: int | None = None,
                 include_suppressed: bool = False, compare: bool = True, max_listed: int = 1000,
                 changes_only: bool = False) -> ReportData:
    """Collect a job's report: totals per entity and datasource, riskiest objects, objects not (fully) scanned,
    failed tasks and, when there is one, the change since the previous complete run of the same job.

    ``changes_only`` (with ``since``): only what changed since that run, new findings in the tables and new and
    resolved ones in the diff.
    """
    summary = await db.summary(job_id)
    sup = await load_suppressions(db)
    prev = since if since is not None else (await db.previous_run_id(job_id) if compare else None)
    diff = await diff_jobs(db, prev, job_id, include_suppressed=include_suppressed, suppressions=sup,
                           changes=CHANGED if changes_only else ALL_CHANGES) if prev is not None else None
    per_entity: Counter[str] = Counter()
    per_ds: dict[str, Counter[str]] = defaultdict(Counter)
    objects: dict[tuple[str, str], ObjectRisk] = {}
    total = suppressed = 0
    rows = diff.stream("new") if changes_only and diff is not None else \
        visible_findings(db, job_id, include_suppressed=True, suppressions=sup)
    async for f in rows:
        if f.get("suppressed"):
            suppressed += 1
            if not include_suppressed:
                continue
        total += 1
        ent = f["entity"]
        per_entity[ent] += 1
        per_ds[f["datasource"]][ent] += 1
        o = objects.setdefault((f["datasource"], f["object"]), ObjectRisk(f["datasource"], f["object"]))
        o.findings += 1
        o.entities[ent] += 1
        o.risk += SEVERE_WEIGHT if ent in SEVERE_ENTITIES else 1
        o.max_score = max(o.max_score, float(f["score"]))
    ranked = sorted(objects.values(), key=lambda o: (-o.risk, -o.findings, o.datasource, o.object))
    not_scanned = await db.objects_in_status(
        job_id, [ObjectStatus.SKIPPED, ObjectStatus.PARTIAL, ObjectStatus.FAILED], limit=max_listed)
    for d in summary.datasources:
        per_ds.setdefault(d.datasource_id, Counter())
    # The header counts what the tables count: findings that triage hides (or, since the last run, that did not
    # change) are not in its totals either.
    summary = replace(summary, datasources=[
        replace(d, findings={e: n for e, n in per_ds[d.datasource_id].items() if not e.startswith(HINT_PREFIX)})
        for d in summary.datasources])
    return ReportData(summary=summary, generated_at=time.time(), total=total, suppressed=suppressed,
                      per_entity=per_entity, per_datasource=dict(sorted(per_ds.items())), objects=ranked[:top],
                      objects_with_findings=len(objects), not_scanned=not_scanned, previous_job=prev, diff=diff,
                      changes_only=changes_only and diff is not None)
