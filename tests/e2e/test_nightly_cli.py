"""The operator's nightly loop through the real CLI: exit codes that page on change (``--fail-on new``,
``--fail-on-severity``) and honour triage, ``--since-last`` that gives only what changed, triage that accepts the
hash `diff` prints and says what a suppression hides, and the small things around them (job names as references,
read commands that never create a store, ``jobs list``, ``templates show``, ``--version``, ``~`` in a path).

One job, two runs, shared by the module; tests that change the store work on a copy.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from tests.cliutil import env, run

CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    """Run 1 finds a card (high) and an e-mail (medium); run 2 adds a file with an IP (low) and an e-mail."""
    home = tmp_path_factory.mktemp("home")
    share = home / "share"
    share.mkdir()
    (share / "a.txt").write_text(f"paid with card {CARD} by alice@example.com\n")
    job = home / "nightly.yaml"
    job.write_text("name: nightly-share\ndatasources:\n  - id: files\n    type: filesystem\n    path: ~/share\n")
    db = home / "s.db"
    e = env(HOME=str(home))  # `path: ~/share` is this folder's share
    scan = ["scan", "--job", str(job), "--workers", "1", "--db", str(db), "--fail-on", "new",
            "--fail-on-severity", "high"]
    first = run(*scan, env=e)
    (share / "c.txt").write_text("backup host 10.9.8.7, contact carol@example.com\n")
    second = run(*scan, env=e)
    return {"db": db, "job": job, "home": home, "env": e, "first": first, "second": second}


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_fail_on_new_pages_on_change_not_on_the_backlog(nightly):
    # Run 1: everything is new, and the card is high: exit 3, with the line that says why.
    assert nightly["first"].returncode == 3, nightly["first"].stderr
    assert "1 new finding(s) of severity high or higher" in nightly["first"].stderr
    # Run 2: the card is still there but not new; what is new (an IP, an e-mail) is below high: exit 0.
    assert nightly["second"].returncode == 0, nightly["second"].stderr


def test_since_last_gives_only_what_changed(nightly):
    db = str(nightly["db"])
    rows = list(csv.DictReader(io.StringIO(
        run("findings", "nightly-share", "--since-last", "--format", "csv", "--db", db).stdout)))
    assert {(r["change"], r["object"], r["entity"]) for r in rows} == \
        {("new", "c.txt", "IP_ADDRESS"), ("new", "c.txt", "EMAIL_ADDRESS")}
    assert {r["carried_over"] for r in rows} == {"false"}  # CSV writes booleans as the other formats do
    report = run("report", "nightly-share", "--since-last", "--db", db)
    assert report.returncode == 0, report.stderr
    assert "2 new findings since job 1" in report.stdout and "+ files:c.txt" in report.stdout
    assert "a.txt" not in report.stdout  # the unchanged card and e-mail are not what changed


def test_triage_takes_the_short_hash_says_what_it_hides_and_gates_cron(nightly, tmp_path):
    db = tmp_path / "s.db"
    shutil.copy(nightly["db"], db)  # the scans ended cleanly: the WAL was checkpointed into the main file
    diff = run("diff", "1", "2", "--db", str(db)).stdout
    [ip_line] = [line for line in diff.splitlines() if "IP_ADDRESS" in line]
    short = ip_line.split()[-1]
    assert len(short) == 16
    r = run("triage", "suppress", "--hash", short, "--reason", "lab host", "--db", str(db))
    assert r.returncode == 0 and "hides 1 finding(s)" in r.stdout, r.stderr
    assert "IP_ADDRESS" not in {f["entity"] for f in _jsonl(run("findings", "2", "--db", str(db)).stdout)}
    typo = run("triage", "suppress", "--object", "nosuch/**", "--entity", "CREDITCARD", "--reason", "x",
               "--db", str(db))
    assert typo.returncode == 2 and "unknown entity 'CREDITCARD' (did you mean CREDIT_CARD?)" in typo.stderr
    nothing = run("triage", "suppress", "--object", "nosuch/**", "--reason", "x", "--db", str(db))
    assert nothing.returncode == 0 and "hides 0 finding(s)" in nothing.stdout
    assert "warning: suppression 2 matches no current finding" in nothing.stderr
    # Everything accepted: the report's header says 0, and the exit code cron sees (`jobs show --wait` exits as
    # `scan` does) is 0 despite --fail-on-findings.
    run("triage", "suppress", "--object", "**", "--reason", "accepted risk", "--db", str(db))
    assert "job 2 (nightly-share): COMPLETED, 0 findings" in run("report", "--db", str(db)).stdout
    r = run("jobs", "show", "2", "--wait", "--fail-on-findings", "--db", str(db))
    assert r.returncode == 0, r.stderr


def test_job_names_jobs_list_and_version(nightly):
    db = str(nightly["db"])
    typo = run("report", "nightly-shar", "--db", db)
    assert typo.returncode == 2 and "did you mean 'nightly-share'?" in typo.stderr
    header, *rows = run("jobs", "list", "--db", db).stdout.splitlines()
    assert header.split() == ["id", "name", "status", "started", "finished", "objects", "findings"]
    assert [r.split()[:3] for r in rows] == [["2", "nightly-share", "COMPLETED"], ["1", "nightly-share", "COMPLETED"]]
    assert rows[0].split()[-2:] == ["2", "4"]  # objects, findings
    version = run("--version")
    assert version.returncode == 0 and version.stdout.startswith("datascan ")


def test_read_commands_never_create_a_store(tmp_path):
    missing = tmp_path / "elsewhere.db"
    for cmd in (["report", "latest"], ["jobs", "list"]):
        r = run(*cmd, "--db", str(missing))
        assert r.returncode == 2 and f"no store at {missing}" in r.stderr, (cmd, r.stderr)
    assert not list(tmp_path.iterdir())


def test_job_name_explained_and_templates_aligned(tmp_path):
    job = tmp_path / "j.yaml"
    job.write_text(f"name: nightly share\ndatasources:\n  - id: files\n    type: filesystem\n    path: {tmp_path}\n")
    r = run("validate", str(job))
    assert r.returncode == 2 and "name: 'nightly share' is not a valid name: use 1 to 64 letters, digits" in r.stderr
    _title, header, *rows = run("templates", "show", "phi").stdout.splitlines()
    at = header.index("context")
    assert all(row[at - 2:at] == "  " and row[at] != " " for row in rows), rows
