"""Nothing sensitive leaks: planted raw values and a `${VAR}` credential, looked for everywhere a scan leaves traces.

A job over a real Samba share and a local folder (the same planted files), run with debug logging, a worker killed
mid-way (so failure paths and tracebacks run too) and a private TMPDIR. Then every byte the run produced is
searched: stdout, stderr, the store and its WAL/SHM, the findings export, every file left in TMPDIR, and the
command lines of every process seen while the scan ran.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import psutil
import pytest

from benchmarks.corpus import generate
from tests.cliutil import DATASCAN, fingerprint, worker_processes
from tests.cliutil import env as _env
from tests.cliutil import run as _run
from tests.figures import scale
from tests.integration.smb_server import PASSWORD, USER, make_server

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def share():
    yield from make_server({"leak": ("leak", "")})


def _all_cmdlines() -> str:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        out.append(" ".join(p.info["cmdline"] or []))
    return "\n".join(out)


def test_no_raw_value_or_credential_anywhere(share, tmp_path, figures):
    manifest = generate(share.root / "leak", float(scale(1, 4)), seed=33, density=0.01, files=scale(16, 64))
    for p in (share.root / "leak").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    local = tmp_path / "local"
    shutil.copytree(share.root / "leak", local)
    share_before = fingerprint(share.root / "leak")
    job = tmp_path / "leak.yaml"
    job.write_text(
        "name: leak\ndatasources:\n"
        f"  - {{id: share, type: smb, host: 127.0.0.1, port: {share.port}, share: leak, username: {USER},\n"
        "     password: '${SMB_PASSWORD}'}\n"
        f"  - {{id: local, type: filesystem, path: {local}}}\n"
        "runtime:\n  batch_objects: 2\n  max_attempts: 10\n")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    db = tmp_path / "s.db"
    env = _env(SMB_PASSWORD=PASSWORD, TMPDIR=str(tmpdir))
    # Output to files, not pipes: debug logging would fill a pipe nobody reads until the end.
    with open(tmp_path / "out.txt", "wb") as fo, open(tmp_path / "err.txt", "wb") as fe:
        proc = subprocess.Popen(DATASCAN + ["-vv", "scan", "--job", str(job), "--workers", "2", "--db", str(db)],
                                env=env, stdout=fo, stderr=fe, start_new_session=True)
    cmdlines, killed = [], False
    # Snapshot the process table while the scan runs; kill one worker once, mid-way.
    while proc.poll() is None:
        cmdlines.append(_all_cmdlines())
        kids = worker_processes(proc.pid)
        if not killed and kids and db.exists() and len(cmdlines) > 5:
            kids[0].kill()
            killed = True
        time.sleep(0.2)  # sampling interval of the process-table snapshots
    proc.wait()
    out, err = (tmp_path / "out.txt").read_bytes(), (tmp_path / "err.txt").read_bytes()
    assert proc.returncode == 0, err[-3000:]
    share_after = fingerprint(share.root / "leak")
    modified = sum(1 for k in share_before if share_before[k] != share_after.get(k))
    figures("a scan over a share (SMB)", "content, mtime, ctime, permissions unchanged", files=len(share_before),
            files_modified=modified)
    assert modified == 0
    exported = _run("findings", "latest", "--db", str(db), "--format", "csv", env=env).stdout
    assert exported.count("\n") > len(manifest.planted)  # the scan really found the planted values
    blobs = {"stdout": out, "stderr": err, "export": exported.encode(), "process list": "\n".join(cmdlines).encode()}
    for p in list(tmp_path.glob("s.db*")) + [p for p in tmpdir.rglob("*") if p.is_file()]:
        blobs[str(p)] = p.read_bytes()
    raw = sum(b.count(pl.value.encode()) for pl in manifest.planted for b in blobs.values())
    creds = sum(b.count(PASSWORD.encode()) for b in blobs.values())
    leaked_where = sorted({k for k, b in blobs.items() for pl in manifest.planted if pl.value.encode() in b}
                          | {k for k, b in blobs.items() if PASSWORD.encode() in b})
    figures("planted raw values with store_raw: false", "0 raw occurrences", planted=len(manifest.planted),
            places_searched=len(blobs), raw_occurrences=raw)
    figures("credentials given through ${VAR}", "0 occurrences", credential_occurrences=creds,
            worker_killed=killed)
    assert raw == 0 and creds == 0, leaked_where
    # The check can fail: the same run with store_raw puts the values in the store.
    job.write_text(job.read_text().replace("name: leak", "name: leak-raw\nstore_raw: true"))
    assert _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "raw.db"), env=env).returncode == 0
    raw_db = (tmp_path / "raw.db").read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("raw.db-*"))
    assert any(pl.value.encode() in raw_db for pl in manifest.planted)


def test_a_wrong_credential_is_never_echoed(share, tmp_path):
    wrong = "Wr0ng-Secret-" + os.urandom(4).hex()
    job = tmp_path / "bad.yaml"
    job.write_text("name: bad\ndatasources:\n"
                   f"  - {{id: s, type: smb, host: 127.0.0.1, port: {share.port}, share: leak, username: {USER},\n"
                   "     password: '${SMB_PASSWORD}'}\n")
    r = _run("-vv", "scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db"),
             env=_env(SMB_PASSWORD=wrong))
    assert r.returncode == 2 and "127.0.0.1" in r.stderr
    blobs = [r.stdout, r.stderr] + [p.read_bytes().decode("latin-1") for p in tmp_path.glob("s.db*")]
    assert not any(wrong in b for b in blobs)
