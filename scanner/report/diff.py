"""New, resolved and unchanged findings between two runs, matched by datasource, object, entity and value hash.

The location is left out of the match on purpose: a line inserted above a card number moves it, but it is the same
card in the same file, not a resolved finding plus a new one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner.exceptions import ConfigError
from scanner.report.triage import Suppressions, load_suppressions, mark_suppressed
from scanner.store import DatabaseInterface

Key = tuple[str, str, str, str]


def finding_key(f: dict[str, Any]) -> Key:
    """What identifies a finding across runs."""
    return (f["datasource"], f["object"], f["entity"], f["value_hash"])


@dataclass
class FindingDiff:
    """Findings of the newer run that are new or unchanged, and findings of the older run that are resolved."""

    old_job: int
    new_job: int
    new: list[dict[str, Any]] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    # Objects whose exposure (class or readers) changed between the runs: datasource, object, old_exposure,
    # old_readers, exposure, readers (a permission change alone, with the same findings, shows here).
    exposure_changed: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "resolved": len(self.resolved), "unchanged": len(self.unchanged)}

    def rows(self) -> Iterable[dict[str, Any]]:
        """Every finding of the diff with its ``change`` (new, resolved, unchanged)."""
        for change in ("new", "resolved", "unchanged"):
            for f in getattr(self, change):
                yield {"change": change} | f

    async def stream(self, change: str | None = None) -> AsyncIterator[dict[str, Any]]:
        """:meth:`rows` (or only the findings of one ``change``, as they are) as an async stream, for code that
        reads the store's finding streams the same way."""
        for f in (self.rows() if change is None else getattr(self, change)):
            yield f


def diff_findings(old: Iterable[dict[str, Any]], new: Iterable[dict[str, Any]], old_job: int = 0,
                  new_job: int = 0) -> FindingDiff:
    """Compare two runs' findings (each a stream of ``iter_findings`` dicts)."""
    old_rows = list(old)
    old_keys = {finding_key(f) for f in old_rows}
    d = FindingDiff(old_job, new_job)
    new_keys: set[Key] = set()
    for f in new:
        k = finding_key(f)
        new_keys.add(k)
        (d.unchanged if k in old_keys else d.new).append(f)
    d.resolved = [f for f in old_rows if finding_key(f) not in new_keys]
    return d


ALL_CHANGES = ("new", "resolved", "unchanged")
CHANGED = ("new", "resolved")  # what `--since-last` and `--fail-on new` look at


async def diff_jobs(db: DatabaseInterface, old_job: int, new_job: int, *, include_suppressed: bool = False,
                    suppressions: Suppressions | None = None,
                    changes: Collection[str] = ALL_CHANGES) -> FindingDiff:
    """Diff two jobs of the store (matched in SQL by the store); suppressed findings are left out of both sides
    unless asked for (a suppression is a function of the match key, so leaving them out before or after matching
    is the same). Only the kinds of change in ``changes`` are read (the others stay empty lists).

    Two jobs whose hashes were made with different HMAC keys (a rotation between them) cannot be matched: refused.
    """
    a, b = await db.get_job(old_job), await db.get_job(new_job)
    keys = {j.key_fingerprint for j in (a, b) if j is not None and j.key_fingerprint is not None}
    if len(keys) > 1:
        raise ConfigError(f"jobs {old_job} and {new_job} were hashed with different HMAC keys (the key was rotated "
                          "between them): their findings cannot be matched")
    sup = suppressions if suppressions is not None else await load_suppressions(db)
    d = FindingDiff(old_job, new_job)
    async for row in db.iter_diff(old_job, new_job, changes):
        change = row.pop("change")
        if mark_suppressed(sup, row, include_suppressed):
            getattr(d, change).append(row)
    d.exposure_changed = await db.exposure_changes(old_job, new_job)
    return d
