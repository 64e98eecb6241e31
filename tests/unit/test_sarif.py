"""SARIF 2.1.0 built from findings: valid against the official schema, locations tools can open."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from scanner.models import JobStatus
from scanner.report.sarif import build_sarif
from scanner.report.sources import SourceInfo, job_sources
from scanner.store import JobInfo

SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def _job(text: str = "", path: str = "/etc/datascan/job.yaml") -> JobInfo:
    return JobInfo(7, "nightly", JobStatus.COMPLETED, 1.0, 2.0, None, {}, None, text, path)


def _f(ds: str, obj: str, loc: str, entity: str = "CREDIT_CARD", **kw) -> dict:
    return {"job_id": 7, "datasource": ds, "object": obj, "location": loc, "entity": entity, "score": 0.85,
            "masked": "411111******1111", "value_hash": "ab" * 32, "carried_over": False} | kw


JOB_TEXT = """name: nightly
datasources:
  - {id: files, type: filesystem, path: exports}
  - {id: fin, type: smb, host: fs01.corp.example, share: Finance, path: /Q1 reports, username: u, password: "${PW}"}
  - {id: hr, type: sql, url: "postgresql+asyncpg://u:${PW}@db/hr"}
"""


def _errors(doc: dict) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def test_valid_with_every_kind_of_location():
    findings = [
        _f("files", "a dir/card #1.txt", "line=3,col=14"),
        _f("files", "mail.zip!/inner/b.txt", "line=1,col=1", entity="EMAIL_ADDRESS", masked="j***@example.com"),
        _f("files", "scan.pdf", "page=2;line=4,col=7", entity="US_SSN"),
        _f("fin", "ledger.xlsx", "sheet=Q1;cell=B7"),
        _f("hr", "dbo.staff", "column=ssn;rows=100;share=0.9800", entity="US_SSN"),
        _f("files", "ignored.txt", "line=9,col=2", suppressed="#3: test data"),
    ]
    doc = build_sarif(_job(JOB_TEXT), findings)
    assert not _errors(doc), _errors(doc)
    [run] = doc["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["CREDIT_CARD", "EMAIL_ADDRESS", "US_SSN"]
    res = run["results"]
    # A plain file: relative, percent-encoded URI under its datasource's base, with a region.
    loc = res[0]["locations"][0]["physicalLocation"]
    assert loc == {"artifactLocation": {"uri": "a%20dir/card%20%231.txt", "uriBaseId": "files"},
                   "region": {"startLine": 3, "startColumn": 14}}
    # An archive member points at the archive and has no region (the line is inside the member).
    loc = res[1]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "mail.zip" and "region" not in loc
    assert "inner/b.txt" in res[1]["message"]["text"]
    assert "region" not in res[2]["locations"][0]["physicalLocation"]  # a PDF page's line is not a file line
    # A table column is a logical location.
    assert res[4]["locations"][0] == {"logicalLocations": [
        {"fullyQualifiedName": "hr/dbo.staff.ssn", "name": "dbo.staff.ssn", "kind": "object"}]}
    assert res[5]["suppressions"][0]["justification"] == "#3: test data"
    # Roots: the folder (relative to the job file) and the share as file URIs; no secret and no SQL URL.
    bases = run["originalUriBaseIds"]
    assert bases["files"]["uri"] == "file:///etc/datascan/exports/"
    assert bases["fin"]["uri"] == "file://fs01.corp.example/Finance/Q1%20reports/"
    assert "hr" not in bases
    assert "${PW}" not in json.dumps(doc)
    assert res[0]["rank"] == 85.0 and res[0]["level"] == "error" and res[1]["level"] == "warning"


def test_no_findings_is_still_a_valid_log():
    doc = build_sarif(_job("not: [valid"), [], sources={})
    assert not _errors(doc)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["invocations"][0]["executionSuccessful"]


@pytest.mark.parametrize("breakage", [
    lambda d: d.update(version="2.0.0"),
    lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
    lambda d: d["runs"][0]["results"][0].update(level="fatal"),
    lambda d: d["runs"][0]["tool"].pop("driver"),
])
def test_the_schema_check_can_fail(breakage):
    doc = build_sarif(_job(JOB_TEXT), [_f("files", "a.txt", "line=1,col=1")])
    assert not _errors(doc)
    breakage(doc)
    assert _errors(doc)


def test_sources_never_interpolate():
    src = job_sources(_job("datasources:\n  - {id: x, type: filesystem, path: '${HOME}/data'}\n"))
    assert src == {"x": SourceInfo("x", "filesystem", None)}
