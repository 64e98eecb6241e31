"""Everything a report shows about one job, gathered in one pass over its visible (unsuppressed) findings."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from scanner.exposure import CLASSES, EVERYONE, UNKNOWN
from scanner.models import HINT_PREFIX, ObjectStatus
from scanner.report.diff import ALL_CHANGES, CHANGED, FindingDiff, diff_jobs
from scanner.report.risk import SEVERITY_WEIGHT, risk, severity_lookup
from scanner.report.triage import load_suppressions, visible_findings
from scanner.store import DatabaseInterface, Summary


@dataclass
class ObjectRisk:
    """One object's findings: how many, of which entities, its best score, its most severe entity's severity, its
    exposure and its risk (:mod:`scanner.report.risk`: severity weight x exposure weight)."""

    datasource: str
    object: str
    findings: int = 0
    risk: int = 0
    max_score: float = 0.0
    entities: Counter[str] = field(default_factory=Counter)
    severity: str = "low"
    top_count: int = 0   # findings of the most severe entity kind (ties of risk are ranked by it)
    exposure: str = UNKNOWN
    readers: list[str] = field(default_factory=list)
    exposure_reason: str | None = None


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
    per_exposure: dict[str, Counter[str]]  # exposure class -> findings per entity
    open_to_everyone: list[ObjectRisk]   # objects anyone can read, riskiest first
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
    per_exposure: dict[str, Counter[str]] = defaultdict(Counter)
    severity = severity_lookup(summary.job)
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
        exp = f.get("exposure") or UNKNOWN
        per_exposure[exp][ent] += 1
        key = (f["datasource"], f["object"])
        o = objects.get(key)
        if o is None:
            o = objects[key] = ObjectRisk(key[0], key[1], exposure=exp, readers=list(f.get("readers") or []),
                                          exposure_reason=f.get("exposure_reason"))
        o.findings += 1
        o.entities[ent] += 1
        o.max_score = max(o.max_score, float(f["score"]))
        sev = severity(ent)
        if SEVERITY_WEIGHT[sev] > SEVERITY_WEIGHT[o.severity] or o.top_count == 0:
            o.severity, o.top_count = sev, 0
        if sev == o.severity:
            o.top_count += 1
    for o in objects.values():
        o.risk = risk(o.severity, o.exposure)
    ranked = sorted(objects.values(), key=lambda o: (-o.risk, -o.top_count, -o.findings, o.datasource, o.object))
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
                      per_exposure={c: per_exposure[c] for c in CLASSES if c in per_exposure},
                      open_to_everyone=[o for o in ranked if o.exposure == EVERYONE][:top],
                      objects_with_findings=len(objects), not_scanned=not_scanned, previous_job=prev, diff=diff,
                      changes_only=changes_only and diff is not None)
