"""Output read by a program, not a person (issue 18, point 7), through the real CLI with stdout a pipe.

One finding is one line and a long path is never cut (`diff`, `report`); `scan --log-format json` ends with its
summary as one JSON record (and every stderr line is JSON); a reader that stops after one line (`| head -1`) does
not change the exit code of a completed scan.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cliutil import DATASCAN
from tests.cliutil import env as _env
from tests.cliutil import job_file as _job
from tests.cliutil import run as _run

DEEP = "a-rather-long-folder-name-for-exports/and-another-long-sub-folder-name/customer-export-2026-11-30.txt"


def test_piped_output_is_unwrapped_json_and_survives_head(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    (share / "notes.txt").write_text("nothing to see\n")
    job, db = _job(tmp_path, share, name="piped"), str(tmp_path / "s.db")
    assert _run("scan", "--job", str(job), "--workers", "1", "--db", db).returncode == 0
    (share / DEEP).parent.mkdir(parents=True)
    (share / DEEP).write_text("card 4111 1111 1111 1111, ssn 536-22-1234, mail john.smith@example.com\n")

    # A reader that leaves after the first line: the scan's own exit code (3: findings, as asked) stands.
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "1", "--db", db,
                                        "--fail-on-findings"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 3, stderr
    assert first.startswith(b"job 2 (piped): COMPLETED") and "Traceback" not in stderr

    diff = _run("diff", "1", "2", "--db", db)
    assert diff.returncode == 0, diff.stderr
    lines = diff.stdout.splitlines()
    assert len(lines) == 1 + 3  # the header, then one line per new finding, however long
    assert all(line.startswith(f"+ corpus:{DEEP} line=1,col=") for line in lines[1:]), diff.stdout

    report = _run("report", "2", "--db", db)
    assert report.returncode == 0 and DEEP in report.stdout, report.stdout  # the path whole, on one line

    js = _run("scan", "--job", str(job), "--workers", "1", "--db", db, "--log-format", "json")
    assert js.returncode == 0, js.stderr
    [record] = [json.loads(line) for line in js.stdout.splitlines()]
    assert (record["job_id"], record["status"], record["findings"]) == (3, "COMPLETED", 3)
    assert all(json.loads(line) for line in js.stderr.splitlines() if line.strip())
