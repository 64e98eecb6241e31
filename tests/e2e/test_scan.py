"""`datascan` as a user runs it: real worker processes, a real SQLite store, signals and kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.corpus import Manifest, generate
from scanner.classify.masking import key_from_env_value, value_hash
from tests import storeview
from tests.cliutil import DATASCAN, KEY
from tests.cliutil import env as _env
from tests.cliutil import findings as _findings
from tests.cliutil import identity as _identity
from tests.cliutil import job_file as _job
from tests.cliutil import run as _run
from tests.cliutil import wait_mid_job as _wait_mid_job


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    manifest = generate(root / "c", 3.0, seed=7, density=0.004)
    return root / "c", manifest


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory):
    """An undisturbed run: the reference every disturbed run must equal."""
    tmp = tmp_path_factory.mktemp("base")
    db = tmp / "s.db"
    r = _run("scan", "--job", str(_job(tmp, corpus[0])), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr
    return _findings(db)


def _assert_matches_manifest(rows: list[dict], manifest: Manifest) -> None:
    """Every planted value found exactly once (by file, line, entity and keyed hash); no decoy reported as its kind."""
    key = key_from_env_value(KEY)
    by_line = Counter((f["object"], int(f["location"].split(",")[0][5:]), f["entity"], f["value_hash"]) for f in rows)
    for p in manifest.planted:
        assert by_line[(p.file, p.line, p.entity, value_hash(key, p.entity, p.value))] == 1, p
    kinds = {"luhn_fail": "CREDIT_CARD", "ssn_bad_range": "US_SSN", "iban_bad_check": "IBAN_CODE"}
    decoys = {(d.file, d.line): kinds[d.kind] for d in manifest.decoys}
    for f in rows:
        assert decoys.get((f["object"], int(f["location"].split(",")[0][5:]))) != f["entity"], f
    assert manifest.decoys and len(_identity(rows)) == len(rows)  # decoys were planted; no duplicate findings


def test_planted_values_found_once_and_decoys_not(corpus, baseline):
    _assert_matches_manifest(baseline, corpus[1])


def test_demo_corpus_with_two_workers(tmp_path):
    examples = Path(__file__).parents[2] / "examples"
    db = tmp_path / "s.db"
    r = _run("scan", "--job", str(examples / "demo.yaml"), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr
    _assert_matches_manifest(_findings(db), Manifest.load(examples / "corpus.manifest.json"))


def test_no_raw_value_in_store_logs_or_output(corpus, tmp_path):
    root, manifest = corpus
    db = tmp_path / "s.db"
    r = _run("-v", "scan", "--job", str(_job(tmp_path, root, "raw")), "--workers", "2", "--db", str(db))
    assert r.returncode == 0
    exported = _run("findings", "latest", "--db", str(db), "--format", "csv").stdout
    blobs = [r.stdout, r.stderr, exported] + [p.read_bytes().decode("latin-1") for p in tmp_path.glob("s.db*")]
    for p in manifest.planted:
        for b in blobs:
            assert p.value not in b, f"raw {p.entity} leaked"
    # With store_raw the values are there: the check above can fail.
    db2 = tmp_path / "raw.db"
    _run("scan", "--job", str(_job(tmp_path, root, "raw2", "store_raw: true\n")), "--workers", "1", "--db", str(db2))
    assert any(p.value in _run("findings", "latest", "--db", str(db2)).stdout for p in manifest.planted)


def test_kill_worker_mid_job_loses_and_duplicates_nothing(corpus, baseline, tmp_path):
    db = tmp_path / "s.db"
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(_job(tmp_path, corpus[0])), "--workers", "2",
                                        "--db", str(db)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    victim = _wait_mid_job(proc, db)
    os.kill(victim, signal.SIGKILL)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert b"exited with code -9" in err
    assert _identity(_findings(db)) == _identity(baseline)


def test_sigterm_then_resume(corpus, baseline, tmp_path):
    db = tmp_path / "s.db"
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(_job(tmp_path, corpus[0])), "--workers", "2",
                                        "--db", str(db)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_mid_job(proc, db)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 143
    done_before = _done_objects(db)
    assert done_before
    r = _run("scan", "--resume", "1", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert _identity(_findings(db)) == _identity(baseline)
    reads = storeview.paths_in(db, "DONE")
    assert all(reads[p] == 1 for p in done_before)  # finished objects were not read again


def test_incremental_rerun(corpus, tmp_path):
    root = tmp_path / "small"
    root.mkdir()
    (root / "a.txt").write_text("card number 4111111111111111 on file\n")
    (root / "b.txt").write_text("nothing here\n")
    db = tmp_path / "s.db"
    job = _job(tmp_path, root, "inc", extra="retention: 2\n")
    assert _run("scan", "--job", str(job), "--workers", "1", "--db", str(db)).returncode == 0
    (root / "b.txt").write_text("email jane.doe@example.com please\n")
    os.utime(root / "b.txt", (time.time() + 5, time.time() + 5))
    r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert r.returncode == 0
    st = {k.split(":", 1)[1]: v[0] for k, v in storeview.objects(db, 2).items()}
    assert st == {"a.txt": "UNCHANGED", "b.txt": "DONE"}
    ents = sorted(f["entity"] for f in _findings(db))
    assert ents == ["CREDIT_CARD", "EMAIL_ADDRESS"]
    assert _run("scan", "--job", str(job), "--workers", "1", "--db", str(db), "--fail-on-findings").returncode == 3
    # `retention: 2` deleted run 1 when run 3 completed; `prune --keep 1` deletes run 2; run 3 answers as before.
    assert storeview.job_status(db, 1) is None and storeview.job_status(db, 2) == "COMPLETED"
    r = _run("prune", "--keep", "1", "--db", str(db))
    assert r.returncode == 0 and r.stdout.strip() == "inc: 1 run(s) deleted (2); runs from 3 kept", r.stderr
    assert sorted(f["entity"] for f in _findings(db)) == ents


@pytest.mark.parametrize("body,expected", [
    ("name: x\ndatasources:\n  - id: a\n    type: filesystem\n    path: /tmp\n    colour: red\n",
     "datasources[0].colour: unknown key (line 6)"),
    ("name: x\ndatasources:\n  - id: a\n    type: filesystem\n", "datasources[0].path: field required (line 3)"),
    ("name: x\ndatasources:\n  - id: a\n    type: filesystem\n    path: /tmp\nstore_raw: maybe\n",
     "store_raw: input should be a valid boolean"),
    ("name: x\ndatasources:\n  - id: a\n    type: filesystem\n    path: ${DATASCAN_TEST_UNSET}\n",
     "datasources[0].path: environment variable DATASCAN_TEST_UNSET is not set (line 5)"),
])
def test_bad_job_files_exit_2_naming_the_path(tmp_path, body, expected):
    p = tmp_path / "bad.yaml"
    p.write_text(body)
    for args in (["validate", str(p)], ["scan", "--job", str(p), "--db", str(tmp_path / "s.db")]):
        r = _run(*args)
        assert r.returncode == 2 and expected in r.stderr, r.stderr


def _done_objects(db: Path) -> list[str]:
    return list(storeview.paths_in(db, "DONE"))
