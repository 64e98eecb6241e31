"""`datascan scan` (2 workers, SQLite store) over one file of every format plus the hostile set: every planted
value found at its member and location, every hostile and password-protected file accounted for with a reason, the
workers alive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.classify.masking import key_from_env_value, value_hash  # noqa: E402
from tests import storeview  # noqa: E402

KEY = "5a" * 32
DATASCAN = [str(Path(sys.executable).parent / "datascan")]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(DATASCAN + list(args), capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, DATASCAN_HMAC_KEY=KEY))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("extract-e2e")
    share = tmp / "share"
    planted = [fx.Planted(f"formats/{p.file}", p.member, p.location, p.entity, p.value)
               for p in fx.build_formats(share / "formats")]
    expect, hostile_planted = fx.build_hostile(share / "hostile", big_mb=200)
    planted += [fx.Planted(f"hostile/{p.file}", p.member, p.location, p.entity, p.value) for p in hostile_planted]
    encrypted, enc_planted = fx.build_encrypted(share / "encrypted")
    planted += [fx.Planted(f"encrypted/{p.file}", p.member, p.location, p.entity, p.value) for p in enc_planted]
    expect = {**expect, **{f"encrypted/{k}": v for k, v in encrypted.items()}}
    job = tmp / "job.yaml"
    job.write_text(f"name: extract-e2e\ndatasources:\n  - id: share\n    type: filesystem\n    path: {share}\n"
                   "    max_file_mb: 256\nextraction:\n  max_file_mb: 256\n  max_text_chars: 300000000\n"
                   "  timeout_s: 60\n"
                   "runtime:\n  batch_objects: 6\n")
    db = tmp / "s.db"
    r = _run("scan", "--job", str(job), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "exited with code" not in r.stderr  # no worker died
    f = _run("findings", "latest", "--db", str(db))
    assert f.returncode == 0, f.stderr
    rows = [json.loads(line) for line in f.stdout.splitlines()]
    objects = {k.split(":", 1)[1]: (v[0], v[1]) for k, v in storeview.objects(db).items()}
    return planted, expect, rows, objects, db, share


def test_every_planted_value_found_once_at_its_place(scanned):
    planted, _, rows, _, _, _ = scanned
    key = key_from_env_value(KEY)
    problems = []
    for p in planted:
        obj = p.file + (f"!/{p.member}" if p.member else "")
        h = value_hash(key, p.entity, p.value)
        hits = [r for r in rows if r["value_hash"] == h and r["entity"] == p.entity]
        if len(hits) != 1 or hits[0]["object"] != obj or not p.matches(p.member, hits[0]["location"]):
            problems.append(f"{obj} {p.entity} {p.location}: {[(r['object'], r['location']) for r in hits]}")
    assert not problems, "\n".join(problems)


def test_every_object_accounted_for(scanned):
    _, expect, _, objects, _, share = scanned
    files = {str(p.relative_to(share)) for p in share.rglob("*") if p.is_file()}
    assert set(objects) == files
    for path, (status, reason) in objects.items():
        if path.startswith("formats/"):
            assert (status, reason) == ("DONE", None), path
            continue
        if path.startswith("encrypted/"):
            # Password-protected: skipped (or partial) with a reason naming encryption, and the scan went on.
            want_status, words = expect[path]
            assert (status.lower(), words in (reason or "")) == (want_status, True), (path, status, reason)
            continue
        want = expect[path.split("/", 1)[1]]
        assert status in ("DONE", "PARTIAL", "SKIPPED"), path
        if status != "DONE":
            assert reason, path
        if want == "skipped":
            assert status == "SKIPPED", (path, status, reason)
        elif want == "partial":
            assert status == "PARTIAL", (path, status, reason)
        elif want == "limited":
            assert status in ("SKIPPED", "PARTIAL") and "limit" in reason, (path, status, reason)
        elif want in ("done", "found"):
            assert status == "DONE", (path, status, reason)


def test_reasons_counted_in_jobs_show(scanned):
    _, _, _, objects, db, _ = scanned
    out = _run("jobs", "show", "1", "--db", str(db))
    assert out.returncode == 0, out.stderr
    assert "empty (0 bytes)" in out.stdout
    assert objects["hostile/laughs.docx"][1] in out.stdout
