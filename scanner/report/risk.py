"""Risk = severity x exposure: the one place where the weights live (reports, rankings, SARIF levels, the
``--fail-on-exposure`` gate all read them from here).

An object's risk is the weight of the most severe entity found in it times the weight of its exposure class; objects
of equal risk are ranked by how many findings of that severity they hold, then by all their findings. So severity
comes first and count second (one SSN outranks forty IP addresses), and exposure multiplies: a card in a file open
to everyone (9 x 30 = 270) outranks ten cards in a file only its owner can read (9 x 1 = 9).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from scanner.classify.templates import DEFAULT_SEVERITY, SEVERITIES
from scanner.exposure import AUTHENTICATED, CLASSES, EVERYONE, GROUP, OWNER, UNKNOWN
from scanner.store import JobInfo

log = logging.getLogger(__name__)

SEVERITY_WEIGHT = {"high": 9, "medium": 3, "low": 1}
# Unknown weighs as a named group: not reassuring, not an incident either until someone looks.
EXPOSURE_WEIGHT = {EVERYONE: 30, AUTHENTICATED: 10, GROUP: 3, UNKNOWN: 3, OWNER: 1}
EXPOSURE_LABEL = {EVERYONE: "anyone", AUTHENTICATED: "any logged-on user", GROUP: "named groups or users",
                  OWNER: "owner and administrators", UNKNOWN: "could not tell"}
_SARIF_LEVELS = ("note", "warning", "error")
_SARIF_BY_SEVERITY = {"low": 0, "medium": 1, "high": 2}


def risk(severity: str, exposure: str | None) -> int:
    """The risk of a finding or object: severity weight x exposure weight (no exposure recorded: unknown)."""
    return SEVERITY_WEIGHT.get(severity, SEVERITY_WEIGHT[DEFAULT_SEVERITY]) * EXPOSURE_WEIGHT[exposure or UNKNOWN]


def sarif_level(severity: str, exposure: str | None = None) -> str:
    """SARIF level: high -> error, medium -> warning, low -> note, one step up when everyone can read the object."""
    i = _SARIF_BY_SEVERITY.get(severity, 1) + (1 if exposure == EVERYONE else 0)
    return _SARIF_LEVELS[min(i, 2)]


def exposure_at_least(level: str, threshold: str) -> bool:
    """Whether ``level`` is as wide as ``threshold`` or wider (``unknown`` only matches ``unknown``)."""
    if threshold == UNKNOWN:
        return level == UNKNOWN
    order = [c for c in CLASSES if c != UNKNOWN]
    return level in order and order.index(level) <= order.index(threshold)


def severity_lookup(job: JobInfo | None) -> Callable[[str], str]:
    """Severity of each entity as the job's templates give it (``severity:`` of the rules), read back from the stored
    job file (parsed as plain YAML: ``${VAR}`` never expanded). Entities no template names (custom regexes) are
    medium; a template that cannot be loaded any more falls back to the built-in templates."""
    from scanner.classify.templates import list_templates, load_template, load_templates

    cache: dict[str, str] = {}
    templates: list[Any] = []
    names: Any = None
    if job is not None:
        try:
            doc = yaml.safe_load(job.source_text) or {}
            names = (doc.get("classification") or {}).get("template")
        except (yaml.YAMLError, AttributeError):
            names = None
    if names:
        base = Path(job.source_path).parent if job is not None and job.source_path else Path(".")
        items = names if isinstance(names, list) else [names]
        resolved = [str(base / n) if ("/" in str(n) or str(n).endswith((".yaml", ".yml"))) and
                    not Path(str(n)).is_absolute() else str(n) for n in items]
        try:
            templates.append(load_templates(resolved if len(resolved) > 1 else resolved[0]))
        except Exception as exc:  # noqa: BLE001 - a template moved or edited since: the built-ins still rank
            log.debug("severity: template %s not loadable (%s); using the built-in templates", names, exc)
    for name in list_templates():
        templates.append(load_template(name))

    def severity(entity: str) -> str:
        if entity not in cache:
            found = DEFAULT_SEVERITY
            for t in templates:
                if entity in t.entities:
                    found = t.severity(entity)
                    break
            cache[entity] = found
        return cache[entity]

    return severity


__all__ = ["DEFAULT_SEVERITY", "EXPOSURE_LABEL", "EXPOSURE_WEIGHT", "SEVERITIES", "SEVERITY_WEIGHT",
           "exposure_at_least", "risk", "sarif_level", "severity_lookup"]
