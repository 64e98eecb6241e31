"""A job that `datascan validate` passes starts; one it refuses, `scan` refuses too, before it starts anything.

Issue 18, point 1: classification settings that only the worker used to check (an unknown template, entity or
``min_scores`` key, a template path) passed `validate`, and `scan` then restarted its workers for ever. Through the
real CLI: `validate`, `scan` and `classify --job` make the same checks (exit 2, YAML path and line, no store
created); a template path is relative to the job file; and a worker that still cannot start fails the job with its
error in one line after a few tries.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from tests.cliutil import env as _env
from tests.cliutil import run as _run

TEMPLATE = """name: staff
description: Employee badges
recognizers:
  - entity: EMPLOYEE_ID
    patterns:
      - {name: emp, regex: '\\bEMP-\\d{6}\\b', score: 0.8}
    ignore_case: false
    examples: ["badge EMP-123456"]
"""


def _job(folder: Path, data: Path, classification: str, name: str = "checks") -> Path:
    job = folder / f"{name}.yaml"
    job.write_text(f"name: {name}\ndatasources:\n  - id: files\n    type: filesystem\n    path: {data}\n"
                   f"classification:\n{classification}")
    return job


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "a.txt").write_text("badge EMP-654321 paid with 4111 1111 1111 1111\n")
    return d


@pytest.mark.parametrize("classification,message", [
    ("  min_scores: {PHONE: 0.4}\n", "classification.min_scores.PHONE: classification.min_scores names PHONE, "
                                     "not an enabled entity"),
    ("  template: [pii, piii]\n", "classification.template[1]: unknown template 'piii' (did you mean 'pii'?)"),
    ("  entities: [CREDIT_CARD, CREDITCARD]\n",
     "classification.entities[1]: unknown entity 'CREDITCARD' (did you mean 'CREDIT_CARD'?)"),
    ("  template: nosuch.yaml\n", "classification.template: template file not found: "),
])
def test_validate_scan_and_classify_refuse_the_same_job(tmp_path: Path, data: Path, classification: str,
                                                         message: str) -> None:
    job = _job(tmp_path, data, classification)
    line = len(job.read_text().splitlines())  # the setting at fault is the file's last line
    db = tmp_path / "s.db"
    validate = _run("validate", str(job))
    scan = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    classify = _run("classify", str(data / "a.txt"), "--job", str(job))
    for r in (validate, scan):
        assert r.returncode == 2, r.stdout + r.stderr
        errors = r.stderr.splitlines()
        assert len(errors) == 1 and errors[0].startswith(f"error: {message}"), r.stderr
        assert errors[0].endswith(f"(line {line})"), r.stderr
        assert "Traceback" not in r.stderr
    assert classify.returncode == 2 and message.split(": ", 1)[1] in classify.stderr, classify.stderr
    assert not db.exists(), "scan created a store for a job it cannot run"


def test_template_path_is_relative_to_the_job_file(tmp_path: Path, data: Path) -> None:
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "staff.yaml").write_text(TEMPLATE)
    job = _job(jobs, data, "  template: [pci, ./staff.yaml]\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)  # as cron does: the job is named by path, the current folder is another one
    try:
        assert _run("validate", str(job)).returncode == 0
        scan = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db"))
        assert scan.returncode == 0, scan.stderr
        rows = [json.loads(x) for x in _run("findings", "latest", "--db", str(tmp_path / "s.db")).stdout.splitlines()]
    finally:
        os.chdir(tmp_path)
    assert sorted(r["entity"] for r in rows) == ["CREDIT_CARD", "EMPLOYEE_ID"]


SITE = """import os, sys
# Only on the workers' side: the scan itself, and its checks, see an intact installation. Workers are forks of
# multiprocessing's fork server, whose command line names it.
if b"multiprocessing.forkserver" in open("/proc/self/cmdline", "rb").read():
    how = os.environ.get("BROKEN_WORKER")
    if how == "exit":  # each fork dies without a word once it runs, as a worker killed at start-up would
        import multiprocessing.process
        multiprocessing.process.BaseProcess.run = lambda self: os._exit(7)
    elif how == "fork":  # each fork dies at once, before it has even read what it was to run
        os.register_at_fork(after_in_child=lambda: os._exit(7))
    else:
        sys.modules["scanner.classify.engine"] = None  # as a broken install on the workers' side: the import fails
"""


@pytest.mark.parametrize("how,errors", [
    ("import", ["ModuleNotFoundError: import of scanner.classify.engine halted; None in sys.modules"]),
    ("exit", ["exited with code 7 before it was ready"]),
    # Whether the fork server handed the work over before the fork died is a race: either way it is one line.
    ("fork", ["exited with code 7 before it was ready", "died while being started (BrokenPipeError)"]),
])
def test_a_worker_that_cannot_start_fails_the_job_instead_of_looping(tmp_path: Path, data: Path, how: str,
                                                                    errors: list[str]) -> None:
    # A fault only the workers see cannot be caught by the checks: it is injected through a sitecustomize on
    # PYTHONPATH, which every Python process of the scan reads but which acts only on the workers' side.
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITE)
    job = _job(tmp_path, data, "  template: pci\n")
    db = tmp_path / "s.db"
    r = _run("scan", "--job", str(job), "--workers", "2", "--db", str(db),
             env=_env(PYTHONPATH=str(site), BROKEN_WORKER=how), timeout=120)
    assert r.returncode == 2, r.stderr
    assert any(f"error: job 1 failed: worker processes could not start (3 in a row): {error}" in r.stderr.splitlines()
               for error in errors), r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.count("could not start (") == 3 + 1  # one line per worker that died, one for the job
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        assert c.execute("SELECT status FROM jobs WHERE id = 1").fetchone()[0] == "FAILED"
    # The run lock went with the run: the next run starts (and, intact, completes).
    again = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert again.returncode == 0, again.stderr
