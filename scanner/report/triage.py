"""Suppressions applied to findings: a finding matched by one is kept in the store but hidden by default."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from scanner.connectors.globs import compile_glob
from scanner.exceptions import ConfigError
from scanner.store import DatabaseInterface
from scanner.store.interface import SuppressionInfo

_HASH = re.compile(r"^[0-9a-f]{16,128}$")


class Suppressions:
    """Matches findings (the dicts of ``iter_findings``) against the store's suppressions."""

    def __init__(self, rules: Sequence[SuppressionInfo]):
        self.rules = list(rules)
        self._by_hash: dict[str, list[SuppressionInfo]] = {}
        self._globs: list[tuple[re.Pattern[str], SuppressionInfo]] = []
        for r in self.rules:
            if r.kind == "hash":
                self._by_hash.setdefault(r.pattern, []).append(r)
            else:
                self._globs.append((compile_glob(r.pattern.lstrip("/")), r))

    def match(self, finding: dict[str, Any]) -> SuppressionInfo | None:
        """The first suppression hiding this finding, or None."""
        entity = finding["entity"]
        for r in self._by_hash.get(finding["value_hash"], ()):
            if r.entity in (None, entity):
                return r
        if self._globs:
            # An archive member is "outer.zip!/inner.txt": a glob may name the archive or the member inside it.
            obj = finding["object"]
            outer = obj.split("!/", 1)[0]
            for g, r in self._globs:
                if r.entity in (None, entity) and (g.match(obj) or g.match(outer)):
                    return r
        return None


async def load_suppressions(db: DatabaseInterface) -> Suppressions:
    """Every suppression in the store, ready to match."""
    return Suppressions(await db.list_suppressions())


async def visible_findings(db: DatabaseInterface, job_id: int, *, include_suppressed: bool = False,
                           suppressions: Suppressions | None = None) -> AsyncIterator[dict[str, Any]]:
    """A job's findings without the suppressed ones (or with them, marked ``suppressed: <reason>``)."""
    sup = suppressions if suppressions is not None else await load_suppressions(db)
    async for f in db.iter_findings(job_id):
        if mark_suppressed(sup, f, include_suppressed):
            yield f


def mark_suppressed(sup: Suppressions, finding: dict[str, Any], include_suppressed: bool) -> bool:
    """Whether ``finding`` is shown: a suppressed one only when asked for, then marked ``suppressed: <reason>``
    (and every other one ``suppressed: ""``)."""
    rule = sup.match(finding)
    if rule is not None:
        if not include_suppressed:
            return False
        finding["suppressed"] = f"#{rule.id}: {rule.reason}"
    elif include_suppressed:
        finding["suppressed"] = ""
    return True


def check_suppression(value_hash: str | None, object_glob: str | None, entity: str | None,
                      reason: str) -> tuple[str, str]:
    """Validate a ``triage suppress`` request; returns (kind, pattern). Raises ConfigError naming the problem."""
    if bool(value_hash) == bool(object_glob):
        raise ConfigError("triage suppress: give exactly one of --hash H or --object GLOB")
    if not reason.strip():
        raise ConfigError("triage suppress: --reason must say why (it is shown in reports)")
    if entity is not None and not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", entity):
        raise ConfigError(f"triage suppress: --entity must be an entity name like CREDIT_CARD, not {entity!r}")
    if value_hash:
        h = value_hash.strip().lower()
        if not _HASH.match(h):
            raise ConfigError("triage suppress: --hash must be a finding's value_hash (hex digits, as exported)")
        return "hash", h
    assert object_glob is not None
    return "object", object_glob.strip()
