"""Which findings of a finished run make ``datascan scan`` exit 3: ``--fail-on-findings`` (any), ``--fail-on new``
(only those new since the previous complete run of the job), ``--fail-on-severity LEVEL`` and
``--fail-on-exposure CLASS`` (only findings in objects exposed that widely or wider); the filters combine.

Only findings that triage leaves visible count: a suppression that hides a finding from ``report`` hides it from
cron's exit code too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from scanner.classify.templates import DEFAULT_SEVERITY, SEVERITIES
from scanner.config import ClassificationConfig
from scanner.exposure import UNKNOWN
from scanner.models import HINT_PREFIX
from scanner.report.diff import diff_jobs
from scanner.report.risk import exposure_at_least
from scanner.report.triage import load_suppressions, visible_findings
from scanner.store import DatabaseInterface

FAIL_ON = ("any", "new")


@dataclass(frozen=True)
class FailOn:
    """What findings fail a run: ``changes`` ``any`` or ``new``; ``min_severity`` None (all) or a level, of which
    that level and the ones above count."""

    changes: str = "any"
    min_severity: str | None = None
    min_exposure: str | None = None

    def describe(self) -> str:
        """The findings it counts, in words (for the exit line)."""
        return ("new " if self.changes == "new" else "") + "finding(s)" + \
            (f" of severity {self.min_severity} or higher" if self.min_severity else "") + \
            (f" in objects exposed to {self.min_exposure} or wider (--fail-on-exposure)" if self.min_exposure
             else "") + \
            " (not suppressed by triage)" + (" since the previous complete run" if self.changes == "new" else "")


def fail_on_from_options(fail_on_findings: bool, fail_on: str | None, min_severity: str | None,
                         min_exposure: str | None = None) -> FailOn | None:
    """The gate the ``scan`` options ask for, or None (exit 3 never)."""
    if fail_on is None and not fail_on_findings and min_severity is None and min_exposure is None:
        return None
    return FailOn(fail_on or "any", min_severity, min_exposure)


def severity_of(cfg: ClassificationConfig | None) -> Callable[[str], str]:
    """Entity -> its severity in the job's templates (the default severity for entities they do not define)."""
    if cfg is None:
        return lambda _entity: DEFAULT_SEVERITY
    from scanner.classify.templates import load_templates

    template = load_templates(cfg.template)
    return template.severity


async def failing_findings(db: DatabaseInterface, job_id: int, gate: FailOn,
                           severity: Callable[[str], str]) -> int:
    """How many visible findings of ``job_id`` the gate counts."""
    sup = await load_suppressions(db)
    prev = await db.previous_run_id(job_id) if gate.changes == "new" else None
    rows: AsyncIterator[dict[str, Any]]
    if prev is not None:
        rows = (await diff_jobs(db, prev, job_id, suppressions=sup, changes=("new",))).stream("new")
    else:  # no previous complete run: everything this run found is new
        rows = visible_findings(db, job_id, suppressions=sup)
    allowed = set(SEVERITIES[:SEVERITIES.index(gate.min_severity) + 1]) if gate.min_severity else None
    n = 0
    async for f in rows:
        entity = f["entity"]
        if entity.startswith(HINT_PREFIX):
            continue  # a column named like an entity whose values never held one is not a finding
        if gate.min_exposure is not None and \
                not exposure_at_least(f.get("exposure") or UNKNOWN, gate.min_exposure):
            continue
        if allowed is None or severity(entity) in allowed:
            n += 1
    return n
