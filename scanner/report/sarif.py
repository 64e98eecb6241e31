"""SARIF 2.1.0 export: one rule per entity type, one result per finding, locations tools can open.

Files are referenced relative to their datasource's root (``uriBaseId`` = the datasource id, resolved through
``originalUriBaseIds`` to a ``file://`` URI when the root is known), with a line/column region when the finding's
location has one. An archive member points at the archive (the member is named in the message and properties);
a database column has a logical location (``schema.table.column``) instead, since no tool opens a table as a file.
Only masked values and keyed hashes are written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

from scanner.models import JobStatus
from scanner.report.risk import risk, sarif_level, severity_lookup
from scanner.report.sources import SourceInfo, job_sources
from scanner.store import JobInfo

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LINE_COL = re.compile(r"^line=(\d+),col=(\d+)$")

def _tool_version() -> str:
    try:
        return version("datascan")
    except PackageNotFoundError:
        return "0"


def _rule(entity: str, severity: str) -> dict[str, Any]:
    words = entity.replace("_", " ").lower()
    level = sarif_level(severity)
    return {
        "id": entity,
        "name": "".join(w.capitalize() for w in entity.split("_")),
        "shortDescription": {"text": f"Sensitive data: {words}"},
        "fullDescription": {"text": f"A value recognised as {words} ({entity}) is stored in this object."},
        "help": {"text": f"Remove or protect the {words}, or suppress this finding with "
                         "`datascan triage suppress --hash H --reason TEXT` if it is not sensitive."},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["security", "privacy", "sensitive-data"], "severity": severity},
    }


def _location(f: dict[str, Any], src: SourceInfo | None) -> dict[str, Any]:
    obj, _, member = f["object"].partition("!/")
    if src is not None and src.type == "sql":
        col = f["location"].split(";", 1)[0]
        name = f"{obj}.{col.removeprefix('column=')}" if col else obj
        return {"logicalLocations": [{"fullyQualifiedName": f"{src.id}/{name}", "name": name, "kind": "object"}]}
    phys: dict[str, Any] = {"artifactLocation": {"uri": quote(obj.lstrip("/")), "uriBaseId": f["datasource"]}}
    m = _LINE_COL.match(f["location"])
    if m and not member and int(m.group(1)) > 0 and int(m.group(2)) > 0:
        phys["region"] = {"startLine": int(m.group(1)), "startColumn": int(m.group(2))}
    return {"physicalLocation": phys}


def build_sarif(job: JobInfo, findings: Iterable[dict[str, Any]], sources: dict[str, SourceInfo] | None = None,
                *, execution_successful: bool | None = None,
                severity: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The SARIF log (a dict ready for ``json.dump``) of one job's findings. A rule's level follows its entity's
    severity; a result's is raised a step when everyone can read its object (:func:`scanner.report.risk.sarif_level`),
    and its properties carry the object's exposure, readers and risk."""
    sources = job_sources(job) if sources is None else sources
    severity = severity_lookup(job) if severity is None else severity
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    used: set[str] = set()
    for f in findings:
        ent = f["entity"]
        if ent not in index:
            index[ent] = len(rules)
            rules.append(_rule(ent, severity(ent)))
        used.add(f["datasource"])
        obj, _, member = f["object"].partition("!/")
        where = f" in archive member {member}" if member else ""
        res: dict[str, Any] = {
            "ruleId": ent,
            "ruleIndex": index[ent],
            "level": sarif_level(severity(ent), f.get("exposure")),
            "message": {"text": f"{ent} {f['masked']} at {f['location']}{where} (score {f['score']:.2f})"},
            "locations": [_location(f, sources.get(f["datasource"]))],
            "partialFingerprints": {"datascanFinding/v1": f"{f['datasource']}:{obj}:{ent}:{f['value_hash']}"},
            "rank": round(float(f["score"]) * 100, 1),
            "properties": {"datasource": f["datasource"], "object": f["object"], "location": f["location"],
                           "masked": f["masked"], "valueHash": f["value_hash"], "score": f["score"],
                           "carriedOver": bool(f.get("carried_over")), "severity": severity(ent),
                           "exposure": f.get("exposure") or "unknown", "readers": list(f.get("readers") or []),
                           "exposureReason": f.get("exposure_reason"),
                           "risk": risk(severity(ent), f.get("exposure"))},
        }
        if f.get("suppressed"):
            res["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f["suppressed"]}]
        results.append(res)
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "datascan", "version": _tool_version(), "semanticVersion": _tool_version(),
                            "informationUri": "https://github.com/datascan/datascan", "rules": rules}},
        "automationDetails": {"id": f"datascan/{job.name}/{job.id}"},
        "invocations": [{"executionSuccessful": job.status is JobStatus.COMPLETED
                         if execution_successful is None else execution_successful}],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    bases = {ds: {"uri": s.root_uri, "description": {"text": f"root of datasource {ds} ({s.type})"}}
             for ds, s in sources.items() if ds in used and s.root_uri}
    if bases:
        run["originalUriBaseIds"] = bases
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
