"""`datascan classify` and `datascan templates` as a user runs them (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

KEY = "5a" * 32
DATASCAN = [str(Path(sys.executable).parent / "datascan")]
GITHUB = "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"  # its last 6 characters are its checksum
TEXT = (f"Visa 4111 1111 1111 1111 exp 12/29\nSSN: 536-22-1234\ntoken {GITHUB}\n"
        "export AWS_ACCESS_KEY_ID=AKIASYEBANND6YZ2EMRV\nbadge EMP-123456\n"
        # Placeholders from documentation: not secrets.
        "key AKIAIOSFODNN7EXAMPLE token ghp_16C7e42F292c6912E7710c838347Ae178B4a\n")


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATASCAN_HMAC_KEY=KEY)
    return subprocess.run(DATASCAN + list(args), input=stdin, capture_output=True, text=True, env=env, timeout=120)


def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_classify_file_masked_and_revealed(tmp_path: Path) -> None:
    f = tmp_path / "sample.txt"
    f.write_text(TEXT, encoding="utf-8")
    res = _run("classify", str(f))
    assert res.returncode == 0, res.stderr
    rows = _rows(res.stdout)
    # A file is located as `scan` locates it (line and column); standard input by character offsets.
    assert [(r["entity"], r["location"], r["masked"]) for r in rows] == [
        ("CREDIT_CARD", "line=1,col=6", "411111******1111"), ("US_SSN", "line=2,col=6", "***-**-1234")]
    assert all(set(r) == {"object", "location", "entity", "score", "masked"} for r in rows)
    assert "4111 1111" not in res.stdout + res.stderr and "536-22" not in res.stdout + res.stderr
    revealed = _run("classify", str(f), "--reveal")
    assert [r["value"] for r in _rows(revealed.stdout)] == ["4111 1111 1111 1111", "536-22-1234"]
    piped = _rows(_run("classify", "-", stdin=TEXT).stdout)
    assert all(set(r) == {"entity", "start", "end", "score", "masked"} for r in piped)
    start = TEXT.index("536-22-1234")
    assert (piped[1]["start"], piped[1]["end"]) == (start, start + 11)


def test_classify_stdin_secrets_template_and_no_prefilter() -> None:
    fast = _run("classify", "-", "--template", "secrets", stdin=TEXT)
    plain = _run("classify", "--template", "secrets", "--no-prefilter", stdin=TEXT)
    assert fast.returncode == 0 and plain.returncode == 0, fast.stderr + plain.stderr
    assert fast.stdout == plain.stdout
    assert [(r["entity"], r["masked"]) for r in _rows(fast.stdout)] == [("GITHUB_TOKEN", "ghp_****"),
                                                                       ("AWS_ACCESS_KEY_ID", "AKIA****")]
    assert GITHUB not in fast.stdout


def test_classify_with_job_options_and_regex_timeout(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(f"""name: try
datasources: [{{id: a, type: filesystem, path: {tmp_path}}}]
classification:
  entities: [US_SSN]
  regex_timeout_s: 0.05
  allow: ["536-22-1234"]
  custom:
    - {{name: EMPLOYEE_ID, regex: '\\bEMP-\\d{{6}}\\b', score: 0.8, anchors: [EMP-]}}
    - {{name: BAIT, regex: '(a|aa)+(?<!c)$'}}
""", encoding="utf-8")
    res = _run("classify", "--job", str(job), stdin=TEXT + "a" * 40 + "b\n")
    assert res.returncode == 0, res.stderr
    assert [(r["entity"], r["masked"]) for r in _rows(res.stdout)] == [("EMPLOYEE_ID", "E********6")]
    assert "warning: custom recognizer BAIT: its regex ran out of time on 1 text(s)" in res.stderr


def test_classify_bad_template_and_bad_job(tmp_path: Path) -> None:
    res = _run("classify", "--template", "nope", stdin="x")
    assert res.returncode == 2
    assert "error: unknown template 'nope'" in res.stderr
    job = tmp_path / "bad.yaml"
    job.write_text("name: bad\ndatasources: [{id: a, type: filesystem, path: /tmp}]\n"
                   "classification:\n  phone_regions: [ZZ]\n", encoding="utf-8")
    res = _run("classify", "--job", str(job), stdin="x")
    assert res.returncode == 2
    assert "classification.phone_regions: unknown phone region 'ZZ'" in res.stderr and "(line 4)" in res.stderr


def test_templates_list_and_show() -> None:
    res = _run("templates", "list")
    assert res.returncode == 0, res.stderr
    names = [line.split("\t")[0] for line in res.stdout.splitlines()]
    assert names == ["pci", "phi", "pii", "secrets"]
    shown = _run("templates", "show", "secrets", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    summary = json.loads(shown.stdout)
    assert summary["name"] == "secrets"
    assert {"PRIVATE_KEY", "AWS_ACCESS_KEY_ID", "GITHUB_TOKEN", "GITLAB_TOKEN", "SLACK_TOKEN",
            "SLACK_WEBHOOK_URL", "GENERIC_SECRET"} <= set(summary["entities"])
    card = next(r for r in json.loads(_run("templates", "show", "pii", "--format", "json").stdout)["recognizers"]
                if r["entity"] == "CREDIT_CARD")
    assert card["recognizer"] == "payment_card" and "visa" in card["context"]
    text = _run("templates", "show", "pci")
    assert text.returncode == 0 and "CARD_TRACK_DATA" in text.stdout
    missing = _run("templates", "show", "nope")
    assert missing.returncode == 2 and "unknown template 'nope'" in missing.stderr
