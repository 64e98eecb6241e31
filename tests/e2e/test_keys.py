"""The HMAC key's life cycle through the CLI: the store records its key; a deleted key file is not silently
replaced, another key and a too-short key are refused (exit 2); `datascan key rotate` starts a new key on purpose,
after which the next run scans everything and runs of the two keys are never compared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cliutil import env, job_file, run

pytestmark = pytest.mark.timeout(300)

OTHER_KEY = "3c" * 32


def _env(cfg: Path, key: str | None = None) -> dict[str, str]:
    e = env(XDG_CONFIG_HOME=str(cfg))
    e.pop("DATASCAN_HMAC_KEY")
    if key is not None:
        e["DATASCAN_HMAC_KEY"] = key
    return e


def test_key_lifecycle(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("card 4111 1111 1111 1111\n")
    cfg, db, job = tmp_path / "cfg", tmp_path / "s.db", job_file(tmp_path, corpus, name="keys")
    key_file = cfg / "datascan" / "hmac.key"

    def scan(key: str | None = None):
        return run("scan", "--job", str(job), "--workers", "1", "--db", str(db), env=_env(cfg, key), timeout=120)

    first = scan()
    assert first.returncode == 0, first.stderr
    assert key_file.stat().st_mode & 0o777 == 0o600

    key_file.unlink()  # lost: a new key would make every finding look new
    lost = scan()
    assert lost.returncode == 2 and "does not exist" in lost.stderr and "datascan key rotate" in lost.stderr, \
        lost.stderr
    assert not key_file.exists()

    short = scan("a")
    assert short.returncode == 2 and "at least 16 are needed" in short.stderr, short.stderr

    other = scan(OTHER_KEY)
    assert other.returncode == 2 and "is not the key this store's value hashes were made with" in other.stderr
    assert OTHER_KEY not in other.stderr + other.stdout

    rotated = run("key", "rotate", "--db", str(db), "--yes", env=_env(cfg, OTHER_KEY))
    assert rotated.returncode == 0, rotated.stderr
    assert "1 earlier job(s) keep hashes of the old key" in rotated.stdout, rotated.stdout

    second = scan(OTHER_KEY)
    assert second.returncode == 0, second.stderr
    rows = [json.loads(line) for line in run("findings", "2", "--db", str(db)).stdout.splitlines()]
    assert [r["carried_over"] for r in rows] == [False]  # scanned again, not carried from the old key's run
    diff = run("diff", "1", "2", "--db", str(db))
    assert diff.returncode == 2 and "different HMAC keys" in diff.stderr, diff.stderr
    report = run("report", "2", "--db", str(db))
    assert report.returncode == 0 and "no previous complete run" in report.stdout, report.stdout

    assert scan().returncode == 2  # the old key file (recreated by nobody) is gone; the store names the new key
