"""Reports, exports, diffs and triage on real runs: the CLI as a user runs it, and the HTML report in a real
headless Chromium (driven over the DevTools protocol on a pipe: no port, no polling)."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

KEY = "7f" * 32
DATASCAN = [str(Path(sys.executable).parent / "datascan")]
SCHEMA = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"

# Raw values planted in the corpus: none may appear in any report or export.
JANE = "jane.doe@example.com"
CARD_KEPT, CARD_GONE, CARD_NEW = "4111111111111111", "5105105105105100", "4012888888881881"
IBAN = "GB29NWBK60161331926819"
FIXTURE_MAIL = "test.user@example.com"
RAW = [JANE, CARD_KEPT, CARD_GONE, CARD_NEW, IBAN, FIXTURE_MAIL]


def _env() -> dict[str, str]:
    return dict(os.environ, DATASCAN_HMAC_KEY=KEY)


def _run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(DATASCAN + list(args), capture_output=True, text=True, env=_env(), timeout=240)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def _jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Any]:
    """Two runs of one job over two datasources; between them one card file is removed and another added."""
    tmp = tmp_path_factory.mktemp("runs")
    a, b = tmp / "a", tmp / "b"
    (a / "fixtures").mkdir(parents=True)
    b.mkdir()
    (a / "pay.txt").write_text(f"invoice paid by card {CARD_KEPT} today\nIBAN {IBAN} for refunds\n")
    (a / "old.txt").write_text(f"legacy card {CARD_GONE}\n")
    (a / "hr.txt").write_text(f"employee contact: {JANE}\n")
    (a / "fixtures" / "sample.txt").write_text(f"test email {FIXTURE_MAIL}\n")
    (a / "big.txt").write_text("filler line\n" * 400)  # over max_file_mb: skipped with its reason
    (b / "shared notes #1.txt").write_text(f"please reply to {JANE}\n")
    job = tmp / "job.yaml"
    job.write_text(f"name: weekly\ndatasources:\n  - id: share-a\n    type: filesystem\n    path: {a}\n"
                   f"    max_file_mb: 0.003\n  - id: share-b\n    type: filesystem\n    path: {b}\n")
    db = tmp / "s.db"
    _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    (a / "old.txt").unlink()
    (a / "new.txt").write_text(f"new card {CARD_NEW} on file\n")
    _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    return {"db": db, "job": job, "a": a, "b": b, "tmp": tmp}


def _by_object(rows: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(r["datasource"], r["object"], r["entity"]) for r in rows}


def test_diff_between_two_real_runs(runs):
    db = str(runs["db"])
    rows = _jsonl(_run("diff", "1", "2", "--db", db, "--format", "jsonl").stdout)
    change = {c: _by_object([r for r in rows if r["change"] == c]) for c in ("new", "resolved", "unchanged")}
    assert change["new"] == {("share-a", "new.txt", "CREDIT_CARD")}
    assert change["resolved"] == {("share-a", "old.txt", "CREDIT_CARD")}
    everything_else = _by_object(_jsonl(_run("findings", "2", "--db", db).stdout)) - change["new"]
    assert change["unchanged"] == everything_else and len(everything_else) >= 5
    # What changed, through --since-last (new and resolved only), and the whole diff in text form.
    since = _jsonl(_run("findings", "latest", "--since-last", "--db", db).stdout)
    assert sorted((r["change"], r["object"], r["value_hash"]) for r in since) == \
        sorted((r["change"], r["object"], r["value_hash"]) for r in rows if r["change"] != "unchanged")
    text = _run("diff", "1", "latest", "--db", db).stdout
    assert f"job 1 -> job 2: 1 new, 1 resolved, {len(rows) - 2} unchanged" in text
    assert "+ share-a:new.txt" in text and "- share-a:old.txt" in text
    # The first run has nothing before it to compare with.
    r = _run("findings", "1", "--since-last", "--db", db, ok=False)
    assert r.returncode == 2 and "no previous complete run" in r.stderr


def test_triage_hides_across_datasources_and_later_runs(runs, tmp_path):
    db = tmp_path / "s.db"
    shutil.copy(runs["db"], db)  # the scans ended cleanly: the WAL was checkpointed into the main file
    before = _jsonl(_run("findings", "latest", "--db", str(db)).stdout)
    jane = {r["value_hash"] for r in before if r["object"] in ("hr.txt", "shared notes #1.txt")}
    assert len(jane) == 1  # the same address in both datasources has one keyed hash
    [h] = jane
    bad = _run("triage", "suppress", "--hash", h, "--object", "x", "--reason", "r", "--db", str(db), ok=False)
    assert bad.returncode == 2 and "exactly one of --hash H or --object GLOB" in bad.stderr
    _run("triage", "suppress", "--hash", h, "--reason", "HR's shared mailbox, public", "--db", str(db))
    _run("triage", "suppress", "--object", "fixtures/**", "--entity", "EMAIL_ADDRESS", "--reason", "test data",
         "--db", str(db))
    listed = _run("triage", "list", "--db", str(db)).stdout
    assert "hash" in listed and "fixtures/**\tEMAIL_ADDRESS\ttest data" in listed

    def hidden(rows: list[dict[str, Any]]) -> set[str]:
        return {r["object"] for r in rows if r["value_hash"] == h or r["object"].startswith("fixtures/")}

    # Hidden in every run already in the store, in both datasources ...
    for job in ("1", "2"):
        rows = _jsonl(_run("findings", job, "--db", str(db)).stdout)
        assert not hidden(rows) and rows
    # ... shown on request, each with the suppression that hides it ...
    shown = _jsonl(_run("findings", "2", "--include-suppressed", "--db", str(db)).stdout)
    assert hidden(shown) == {"hr.txt", "shared notes #1.txt", "fixtures/sample.txt"}
    assert {r["suppressed"] for r in shown if r["object"] == "fixtures/sample.txt"} == {"#2: test data"}
    assert len(shown) == len(before)
    # ... and in a later run (a full rescan: fresh findings, not carried-over copies).
    _run("scan", "--job", str(runs["job"]), "--workers", "1", "--db", str(db), "--full")
    later = _jsonl(_run("findings", "3", "--db", str(db)).stdout)
    assert not hidden(later) and len(later) == len(before) - 3
    assert not any(r["carried_over"] for r in later)
    assert "3 suppressed by triage" in _run("report", "3", "--db", str(db)).stdout
    sarif = json.loads(_run("findings", "3", "--format", "sarif", "--include-suppressed", "--db", str(db)).stdout)
    sup = [r for r in sarif["runs"][0]["results"] if r.get("suppressions")]
    assert len(sup) == 3 and {s["suppressions"][0]["kind"] for s in sup} == {"external"}
    # Removing a suppression shows its findings again.
    _run("triage", "remove", "2", "--db", str(db))
    assert "fixtures/sample.txt" in {r["object"] for r in _jsonl(_run("findings", "3", "--db", str(db)).stdout)}


def test_sarif_export_validates_and_points_at_the_values(runs, tmp_path):
    db = str(runs["db"])
    out = tmp_path / "f.sarif"
    _run("findings", "latest", "--format", "sarif", "-o", str(out), "--db", db)
    doc = json.loads(out.read_text())
    validator = jsonschema.Draft4Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]
    [run] = doc["runs"]
    rows = _jsonl(_run("findings", "latest", "--db", db).stdout)
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == list(dict.fromkeys(r["entity"] for r in rows))
    assert len(run["results"]) == len(rows)
    roots = {k: Path(unquote(urlparse(v["uri"]).path)) for k, v in run["originalUriBaseIds"].items()}
    assert roots == {"share-a": runs["a"], "share-b": runs["b"]}
    raw_by_object = {"pay.txt": [CARD_KEPT, IBAN], "new.txt": [CARD_NEW], "hr.txt": [JANE],
                     "shared notes #1.txt": [JANE], "fixtures/sample.txt": [FIXTURE_MAIL]}
    for res in run["results"]:
        loc = res["locations"][0]["physicalLocation"]
        art = loc["artifactLocation"]
        assert not art["uri"].startswith("/") and " " not in art["uri"]  # relative, percent-encoded
        path = roots[art["uriBaseId"]] / unquote(art["uri"])
        line = path.read_text().splitlines()[loc["region"]["startLine"] - 1]
        at = line[loc["region"]["startColumn"] - 1:]
        assert any(at.startswith(v) for v in raw_by_object[unquote(art["uri"])]), (art, at)
    assert not any(v in out.read_text() for v in RAW)
    # With --since-last each result says how it compares with the previous run.
    since = json.loads(_run("findings", "latest", "--format", "sarif", "--since-last", "--db", db).stdout)
    assert not list(validator.iter_errors(since))
    states = {(r["properties"]["object"], r["baselineState"]) for r in since["runs"][0]["results"]}
    assert states == {("new.txt", "new"), ("old.txt", "absent")}  # only what changed


# ------------------------------------------------------------------------------------------- headless Chromium

_CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--remote-debugging-pipe"]


class Chromium:
    """Headless Chromium with a DevTools session on a pipe (it reads fd 3, writes fd 4; messages end in NUL)."""

    def __init__(self, binary: str, timeout: float = 60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="datascan-chromium-")
        to_r, self._to_w = os.pipe()
        self._from_r, from_w = os.pipe()

        def child() -> None:  # copied above 10 first, so neither dup2 can overwrite the other pipe end
            a, b = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10), fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([binary, *_CHROMIUM_FLAGS, f"--user-data-dir={self.profile}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     preexec_fn=child, pass_fds=(3, 4))
        os.close(to_r)
        os.close(from_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read()
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method: str) -> dict[str, Any]:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        while True:
            m = self._read()
            if m.get("method") == method:
                return m
            self.events.append(m)

    def open(self, url: str, width: int = 1280, height: int = 900) -> str:
        """A new tab showing ``url`` (loaded), laid out at ``width`` x ``height``; returns its session id."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                         "mobile": False}, session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired")
        return session

    def evaluate(self, session: str, expr: str) -> Any:
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)
        if "exceptionDetails" in r:
            raise AssertionError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_r], [], [], left)[0]:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self._from_r, 1 << 16)
            if not chunk:
                assert self.proc.stderr is not None
                raise EOFError(f"chromium exited: {self.proc.stderr.read().decode(errors='replace')[-2000:]}")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (EOFError, TimeoutError, OSError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_w)
        os.close(self._from_r)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


def _problems(events: list[dict[str, Any]]) -> list[str]:
    """Console errors and warnings, uncaught exceptions, and browser log errors (CSP violations, failed loads)."""
    out = []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
        elif m == "Runtime.exceptionThrown":
            out.append(f"exception: {p['exceptionDetails'].get('text')}")
        elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            out.append(f"log {p['entry']['level']}: {p['entry']['text']}")
    return out


@pytest.fixture(scope="module")
def chromium() -> Any:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (make test installs it)")
        pytest.skip("chromium is not installed; run `make system-packages`")
    browser = Chromium(binary)
    yield browser
    browser.close()


def test_html_report_renders_in_headless_chromium(runs, chromium, tmp_path):
    db = str(runs["db"])
    html = tmp_path / "report.html"
    _run("report", "latest", "--html", str(html), "--db", db)
    source = html.read_text()
    assert not any(v in source for v in RAW)  # masked values only
    assert "http://" not in source.replace("http://www.w3.org/2000/svg", "") and "https://" not in source

    session = chromium.open(html.as_uri())
    ev = chromium.evaluate

    # The charts are there and say what the export says.
    rows = _jsonl(_run("findings", "latest", "--db", db).stdout)
    per_entity: dict[str, int] = {}
    for r in rows:
        per_entity[r["entity"]] = per_entity.get(r["entity"], 0) + 1
    bars = ev(session, "Array.from(document.querySelectorAll('#chart-entity rect.bar'))"
                       ".map(r => [r.dataset.entity, +r.dataset.value, r.getBBox().width])")
    assert {e: n for e, n, _w in bars} == per_entity and all(w > 0 for _e, _n, w in bars)
    stacked = ev(session, "Array.from(document.querySelectorAll('#chart-datasource rect.bar'))"
                          ".reduce((s, r) => s + +r.dataset.value, 0)")
    assert stacked == len(rows)
    # Laid out for real: the chart has a size on screen.
    assert ev(session, "document.getElementById('chart-entity').getBoundingClientRect().width") > 300
    # The riskiest objects table sorts when its header is clicked.
    objects = "Array.from(document.querySelectorAll('#objects tbody tr')).map(r => r.cells[6].textContent)"
    first = ev(session, objects)
    assert first[0] == "pay.txt"  # a card and an IBAN: the riskiest
    ev(session, "document.querySelectorAll('#objects th')[6].click()")
    assert ev(session, objects) == sorted(first)
    ev(session, "document.querySelectorAll('#objects th')[6].click()")
    assert ev(session, objects) == sorted(first, reverse=True)
    # Skipped objects with their reason, and the change since the previous run.
    skipped = ev(session, "Array.from(document.querySelectorAll('#not-scanned tbody tr'))"
                          ".map(r => [r.cells[0].textContent, r.cells[2].textContent])")
    assert skipped == [["SKIPPED", "big.txt"]]
    assert "1 new" in ev(session, "document.getElementById('change-counts').textContent")
    changes = ev(session, "Array.from(document.querySelectorAll('#changes tbody tr'))"
                          ".map(r => [r.cells[0].textContent, r.cells[2].textContent])")
    assert sorted(changes) == [["new", "new.txt"], ["resolved", "old.txt"]]

    shot = tmp_path / "report.png"
    data = chromium.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                         session=session)["data"]
    shot.write_bytes(base64.b64decode(data))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"\nHTML report screenshot: {shot}")
    problems = _problems(chromium.events)
    assert not problems, problems


def test_report_on_a_store_without_previous_run(tmp_path, runs):
    db = tmp_path / "one.db"
    shutil.copy(runs["db"], db)
    with sqlite3.connect(db) as c:  # keep only the first run
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("DELETE FROM jobs WHERE id = 2")
    text = _run("report", "latest", "--db", str(db)).stdout
    assert "no previous complete run of this job to compare with" in text
    assert "pay.txt" in text and "findings per entity" in text
    r = _run("report", "latest", "--since-last", "--db", str(db), ok=False)
    assert r.returncode == 2 and "no previous complete run" in r.stderr
