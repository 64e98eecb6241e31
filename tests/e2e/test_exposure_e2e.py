"""Exposure of local files through the CLI as a user runs it: modes up the folder chain and a POSIX ACL in
`findings --format jsonl`, risk = severity x exposure in `report` (terminal and HTML in a real headless Chromium,
with a screenshot of the ranking), SARIF levels and properties, `--fail-on-exposure`, and a chmod alone noticed by
the next run and shown by `diff` as an exposure change."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.cliutil import run
from tests.e2e.test_report_e2e import _problems, chromium  # noqa: F401 - the module-scoped browser fixture
from tests.integration.sql_servers import luhn_card

NOBODY = 65534


def _posix_acl_read_for(path: Path, uid: int) -> None:
    """Give one more user read access with a POSIX ACL (setfacl where installed, else the same xattr it writes)."""
    if shutil.which("setfacl"):
        subprocess.run(["setfacl", "-m", f"u:{uid}:r", str(path)], check=True)
        return
    entries = [(0x01, 6, 0xFFFFFFFF), (0x02, 4, uid), (0x04, 0, 0xFFFFFFFF), (0x10, 4, 0xFFFFFFFF),
               (0x20, 0, 0xFFFFFFFF)]
    os.setxattr(path, "system.posix_acl_access", struct.pack("<I", 2)
                + b"".join(struct.pack("<HHI", *e) for e in entries))


def _write(root: Path, rel: str, text: str, mode: int) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    p.chmod(mode)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> dict[str, Any]:
    if os.geteuid() != 0:
        pytest.skip("needs root: files of other owners and modes are part of the fixture")
    tmp = tmp_path_factory.mktemp("exposure")
    root = tmp / "share"
    root.mkdir()
    _write(root, "open/one-card.txt", f"paid with card {luhn_card(1)} today\n", 0o644)
    _write(root, "private/ten-cards.txt", "".join(f"card {luhn_card(100 + i)} on file\n" for i in range(10)), 0o600)
    _write(root, "locked/inside.txt", f"card {luhn_card(2)} kept here\n", 0o644)
    _write(root, "acl/shared.txt", f"card {luhn_card(3)} for bob\n", 0o600)
    _posix_acl_read_for(root / "acl" / "shared.txt", NOBODY)
    _write(root, "hr/emp.txt", f"employee SSN 536-22-1234, company card {luhn_card(4)}\n", 0o644)
    _write(root, "logs/access.log", "".join(f"203.0.113.{i} - - GET /index.html 200\n" for i in range(1, 41)), 0o644)
    for d in (root, root / "open", root / "private", root / "acl", root / "hr", root / "logs"):
        d.chmod(0o755)
    (root / "locked").chmod(0o700)
    job = tmp / "job.yaml"
    job.write_text(f"name: expo\ndatasources:\n  - id: share\n    type: filesystem\n    path: {root}\n")
    db = tmp / "d.db"
    r = run("scan", "--job", str(job), "--db", str(db), "--workers", "1", "--fail-on-exposure", "everyone")
    rows = [json.loads(x) for x in _rows(db).splitlines()]
    return {"root": root, "job": job, "db": db, "scan": r, "rows": rows}


def _rows(db: Path, fmt: str = "jsonl", job: str = "latest") -> str:
    r = run("findings", job, "--db", str(db), "--format", fmt)
    assert r.returncode == 0, r.stderr
    return r.stdout


async def _export(db: Path, fmt: str) -> str:
    """CSV and SARIF through the export API (the CLI path is the jsonl one above; a process start each is slow)."""
    from scanner.report.export import export_findings
    from scanner.store import DatabaseInterface

    store = await DatabaseInterface.open(str(db))
    try:
        out = io.StringIO()
        await export_findings(store, await store.latest_job_id() or 0, fmt, out)
        return out.getvalue()
    finally:
        await store.close()


async def test_modes_folders_and_acls_give_the_exposure_of_each_file(scanned):
    r = scanned["scan"]
    # --fail-on-exposure everyone: the job completed, and exit 3 says why.
    assert r.returncode == 3, r.stderr
    assert "--fail-on-exposure" in r.stderr
    rows = scanned["rows"]
    by_obj = {f["object"]: f for f in rows}
    assert {o: by_obj[o]["exposure"] for o in by_obj} == {
        "open/one-card.txt": "everyone", "private/ten-cards.txt": "owner", "locked/inside.txt": "owner",
        "acl/shared.txt": "group", "hr/emp.txt": "everyone", "logs/access.log": "everyone"}
    assert by_obj["open/one-card.txt"]["readers"][0] == "world (others)"
    assert by_obj["private/ten-cards.txt"]["readers"] == ["user:root"]
    assert "keeps out: others" in by_obj["locked/inside.txt"]["exposure_reason"]
    assert "user:nobody" in by_obj["acl/shared.txt"]["readers"]
    # The same fields in CSV (readers as a JSON list) ...
    csv_rows = list(csv.DictReader(io.StringIO(await _export(scanned["db"], "csv"))))
    assert {(c["object"], c["exposure"]) for c in csv_rows} == {(f["object"], f["exposure"]) for f in rows}
    assert json.loads(next(c for c in csv_rows if c["object"] == "acl/shared.txt")["readers"]) == \
        by_obj["acl/shared.txt"]["readers"]
    # ... and in SARIF: levels from severity (raised a step for everyone), exposure as a result property.
    sarif = json.loads(await _export(scanned["db"], "sarif"))["runs"][0]
    levels = {(res["properties"]["object"], res["ruleId"]): (res["level"], res["properties"]["exposure"])
              for res in sarif["results"]}
    assert levels[("private/ten-cards.txt", "CREDIT_CARD")] == ("error", "owner")
    assert levels[("logs/access.log", "IP_ADDRESS")] == ("warning", "everyone")   # low, raised: anyone reads it
    rules = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in sarif["tool"]["driver"]["rules"]}
    assert rules["CREDIT_CARD"] == "error" and rules["IP_ADDRESS"] == "note"


def test_report_ranks_by_severity_then_count_times_exposure(scanned):
    text = run("report", "latest", "--db", str(scanned["db"]), "--top", "50").stdout
    order = [line for line in text.splitlines() if ".txt" in line or ".log" in line]
    where = {name: next(i for i, line in enumerate(order) if name in line)
             for name in ("one-card.txt", "ten-cards.txt", "emp.txt", "access.log")}
    assert where["one-card.txt"] < where["ten-cards.txt"]   # one card open to everyone > ten owner-only cards
    assert where["emp.txt"] < where["access.log"]           # a card and an SSN > 40 IP addresses
    assert "sensitive data open to everyone: " in text


def test_html_report_opens_with_what_everyone_can_read(scanned, chromium, tmp_path):  # noqa: F811
    html = tmp_path / "report.html"
    assert run("report", "latest", "--db", str(scanned["db"]), "--html", str(html)).returncode == 0
    session = chromium.open(html.as_uri())
    ev = chromium.evaluate
    assert ev(session, "document.querySelector('main section h2').textContent") == "Sensitive data open to everyone"
    rows = scanned["rows"]
    everyone = sum(1 for f in rows if f["exposure"] == "everyone")
    assert ev(session, "document.querySelector('#everyone-count b').textContent") == str(everyone)
    bars = ev(session, "Array.from(document.querySelectorAll('#chart-exposure rect.bar'))"
                       ".map(r => [r.dataset.entity.split(' ')[0], +r.dataset.value, r.getBBox().width])")
    per_class: dict[str, int] = {}
    for f in rows:
        per_class[f["exposure"]] = per_class.get(f["exposure"], 0) + 1
    assert {c: n for c, n, _w in bars} == per_class and all(w > 0 for _c, _n, w in bars)
    ranked = ev(session, "Array.from(document.querySelectorAll('#objects tbody tr')).map(r => r.cells[6].textContent)")
    assert ranked.index("hr/emp.txt") < ranked.index("logs/access.log")
    assert ranked.index("open/one-card.txt") < ranked.index("private/ten-cards.txt")
    # The ranking as a person sees it: a screenshot of the riskiest objects table, laid out for real.
    box = ev(session, "(() => { const r = document.getElementById('objects').getBoundingClientRect(); "
                      "return [r.x, r.y + window.scrollY, r.width, r.height]; })()")
    assert box[2] > 300 and box[3] > 6 * 20
    shot = tmp_path / "ranking.png"
    data = chromium.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": {
        "x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}}, session=session)["data"]
    shot.write_bytes(base64.b64decode(data))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"\nranking screenshot: {shot}")
    problems = _problems(chromium.events)
    assert not problems, problems


def test_a_chmod_alone_is_noticed_and_diff_shows_the_exposure_change(scanned):
    (scanned["root"] / "private" / "ten-cards.txt").chmod(0o644)
    r = run("scan", "--job", str(scanned["job"]), "--db", str(scanned["db"]), "--workers", "1")
    assert r.returncode == 0, r.stderr
    d = run("diff", "1", "2", "--db", str(scanned["db"]))
    assert d.returncode == 0, d.stderr
    assert "0 new, 0 resolved" in d.stdout  # same content, same findings
    assert "~ share:private/ten-cards.txt exposure changed: owner -> everyone" in d.stdout
    assert "exposure changed" not in d.stdout.replace("private/ten-cards.txt exposure changed", "")
