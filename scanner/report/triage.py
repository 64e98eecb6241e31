"""Suppressions applied to findings: a finding matched by one is kept in the store but hidden by default."""

from __future__ import annotations

import difflib
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from scanner.connectors.globs import compile_glob
from scanner.exceptions import ConfigError
from scanner.models import HINT_PREFIX
from scanner.store import DatabaseInterface
from scanner.store.interface import SuppressionInfo

_HASH = re.compile(r"^[0-9a-f]{16,128}$")
SHORT_HASH = 16  # hex digits of a value hash that `diff` and the reports show; a suppression may give only these


class Suppressions:
    """Matches findings (the dicts of ``iter_findings``) against the store's suppressions."""

    def __init__(self, rules: Sequence[SuppressionInfo]):
        self.rules = list(rules)
        self._by_hash: dict[str, list[SuppressionInfo]] = {}
        self._globs: list[tuple[re.Pattern[str], SuppressionInfo]] = []
        for r in self.rules:
            if r.kind == "hash":  # keyed by the short form: a pattern may be a full hash or its first 16 digits
                self._by_hash.setdefault(r.pattern[:SHORT_HASH], []).append(r)
            else:
                self._globs.append((compile_glob(r.pattern.lstrip("/")), r))

    def match(self, finding: dict[str, Any]) -> SuppressionInfo | None:
        """The first suppression hiding this finding, or None."""
        entity, value_hash = finding["entity"], finding["value_hash"]
        for r in self._by_hash.get(value_hash[:SHORT_HASH], ()):
            if r.entity in (None, entity) and value_hash.startswith(r.pattern):
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
            raise ConfigError("triage suppress: --hash must be a finding's value_hash: 16 to 128 hex digits, the "
                              "full hash of an export or the first 16 that `datascan diff` shows")
        return "hash", h
    assert object_glob is not None
    return "object", object_glob.strip()


async def check_entity(db: DatabaseInterface, entity: str | None) -> None:
    """Refuse a ``--entity`` that no built-in template defines and no run of this store has found: a suppression
    for it would hide nothing (``CREDITCARD`` for ``CREDIT_CARD``). Raises ConfigError with the nearest names."""
    if entity is None:
        return
    from scanner.classify.templates import list_templates, load_template

    known = set(await db.found_entities())
    for name in list_templates():
        known.update(load_template(name).entities)
    known = {e for e in known if not e.startswith(HINT_PREFIX)}
    if entity in known:
        return
    close = difflib.get_close_matches(entity, sorted(known), n=3, cutoff=0.6)
    raise ConfigError(f"triage suppress: unknown entity {entity!r}"
                      + (f" (did you mean {' or '.join(close)}?)" if close else "")
                      + ": no built-in template defines it and no run of this store has found it")


async def hidden_by(db: DatabaseInterface, rule: SuppressionInfo) -> tuple[int, list[str]]:
    """How many findings of the latest run of each job in the store ``rule`` hides, and the names of those jobs
    (what a new suppression changes in the next report)."""
    one = Suppressions([rule])
    n = 0
    names = await db.job_names()
    for name in names:
        jid = await db.latest_job_id(name)
        if jid is None:
            continue
        async for f in db.iter_findings(jid):
            if one.match(f) is not None:
                n += 1
    return n, names
