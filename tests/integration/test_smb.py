"""SMB shares against a real smbd (tests/integration/smb_server.py): the CLI as a user runs it, and the connector.

The reference for every SMB run is the same job over the same folder as ``type: filesystem``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from pydantic import SecretStr

from benchmarks.corpus import generate
from scanner.config import SmbSource
from scanner.connectors.smb import SmbConnector
from scanner.exceptions import AuthenticationError
from scanner.models import DiscoveredObject
from scanner.runtime.coordinator import LocalCoordinator
from tests import storeview
from tests.integration.smb_server import PASSWORD, USER, SambaServer, port_open

KEY = "5a" * 32
DATASCAN = [str(Path(sys.executable).parent / "datascan")]


def _env() -> dict[str, str]:
    return dict(os.environ, DATASCAN_HMAC_KEY=KEY, SMB_PASSWORD=PASSWORD)


def _smb_ds(samba: SambaServer, ds_id: str, share: str, extra: str = "") -> str:
    return (f"  - id: {ds_id}\n    type: smb\n    host: 127.0.0.1\n    port: {samba.port}\n    share: {share}\n"
            f"    username: {USER}\n    password: ${{SMB_PASSWORD}}\n{extra}")


def _job(tmp: Path, name: str, sources: str, batch_objects: int = 4) -> Path:
    p = tmp / f"{name}.yaml"
    p.write_text(f"name: {name}\ndatasources:\n{sources}runtime:\n  batch_objects: {batch_objects}\n")
    return p


def _run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(DATASCAN + list(args), capture_output=True, text=True, env=_env(), timeout=timeout)


def _findings(db: Path) -> list[dict]:
    r = _run("findings", "latest", "--db", str(db), "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def _identity(rows: list[dict], ds: str) -> Counter:
    return Counter((f["object"], f["location"], f["entity"], f["value_hash"]) for f in rows if f["datasource"] == ds)


def _objects(db: Path, job_id: int, ds: str) -> dict[str, tuple[str, str | None]]:
    return {k.split(":", 1)[1]: v[:2] for k, v in storeview.objects(db, job_id).items() if k.startswith(f"{ds}:")}


@pytest.fixture(scope="module")
def corpus(samba: SambaServer) -> Path:
    """Text, CSV, JSON, HTML ... in nested folders with planted values, served by the shares corpus/enc/one."""
    root = samba.root / "corpus"
    if not any(root.iterdir()):
        generate(root, 0.4, seed=11, density=0.02, files=18)
        _office_files(root / "office" / "2024")
    return root


def _office_files(folder: Path) -> None:
    """A .docx and an .xlsx holding planted values (binary formats: read whole, extracted from memory)."""
    import docx
    import openpyxl

    folder.mkdir(parents=True)
    d = docx.Document()
    d.add_paragraph("Refund to card 4111 1111 1111 1111, contact jane.doe@example.com")
    d.save(str(folder / "refunds.docx"))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "iban"])
    ws.append(["Max Mustermann", "DE89370400440532013000"])
    wb.save(str(folder / "payroll.xlsx"))
    for p in (folder, folder.parent, *folder.iterdir()):
        p.chmod(0o755 if p.is_dir() else 0o644)


@pytest.fixture(scope="module")
def reference(corpus: Path, samba: SambaServer, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One job scanning the folder locally, over SMB, and over SMB with encryption required by the share."""
    tmp = tmp_path_factory.mktemp("ref")
    db = tmp / "s.db"
    sources = (f"  - id: local\n    type: filesystem\n    path: {corpus}\n" + _smb_ds(samba, "share", "corpus")
               + _smb_ds(samba, "secret", "enc", "    encrypt: true\n"))
    r = _run("scan", "--job", str(_job(tmp, "ref", sources)), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr
    rows = _findings(db)
    return {"db": db, "rows": rows, "local": _identity(rows, "local")}


def test_share_finds_exactly_what_the_local_folder_finds(reference):
    assert sum(reference["local"].values()) >= 10  # the corpus really holds findings
    assert _identity(reference["rows"], "share") == reference["local"]
    local = _objects(reference["db"], 1, "local")
    assert _objects(reference["db"], 1, "share") == local
    assert {st for st, _ in local.values()} == {"DONE"}


def test_encrypted_share_with_encrypt_true(reference, samba):
    assert _identity(reference["rows"], "secret") == reference["local"]


async def test_encrypt_true_session_is_encrypted(samba, corpus):
    conn = SmbConnector(_cfg(samba, "corpus", encrypt=True), LocalCoordinator(samba.root / "slots"))
    try:
        objs = [o async for batch in conn.enumerate_objects(1 << 30, 1000) for o in batch]
        assert objs
        assert conn._sess is not None and conn._sess.conn is not None
        assert conn._sess.conn.session_table and all(s.encrypt_data for s in conn._sess.conn.session_table.values())
    finally:
        await conn.close()


def _cfg(samba: SambaServer, share: str, **kw) -> SmbSource:
    return SmbSource(id="s", type="smb", host="127.0.0.1", port=samba.port, share=share, username=USER,
                     password=PASSWORD, **kw)


async def test_excluded_denied_and_oversized_are_skipped_and_the_walk_goes_on(samba):
    root = samba.root / "edge"
    for rel, size in [("a/keep.txt", 10), ("a/tmp/x.tmp", 10), ("build/out/y.txt", 10), ("big.txt", 300_000),
                      ("denied/secret.txt", 10), ("zz/after.txt", 10), ("zz/deeper/more.csv", 10)]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x" * size)
    for d in root.rglob("*"):
        d.chmod(0o755 if d.is_dir() else 0o644)
    (root / "denied").chmod(0o700)  # owned by root: the SMB user may not list it
    cfg = _cfg(samba, "edge", exclude=["**/*.tmp", "build/**"], max_file_mb=0.1)
    conn = SmbConnector(cfg, LocalCoordinator(samba.root / "slots"))
    try:
        batches = [b async for b in conn.enumerate_objects(1 << 30, 2)]
        # The file too large to read is never opened: reading it is refused too.
        with pytest.raises(Exception, match="size limit"):
            await conn.read_object(DiscoveredObject("big.txt", 300_000, 0.0), 1 << 30)
    finally:
        await conn.close()
    assert all(len(b) <= 2 for b in batches)
    got = {o.path: o.skip_reason for b in batches for o in b}
    assert got == {
        "a/keep.txt": None,
        "big.txt": "larger than max_file_mb (0.3 MB > 0.1 MB)",
        "denied/": "permission denied",
        "zz/after.txt": None,
        "zz/deeper/more.csv": None,
    }


@pytest.mark.parametrize("case", ["wrong password", "missing share"])
def test_bad_credentials_or_share_fail_the_job_with_exit_2(samba, tmp_path, case):
    share, env_pw = ("corpus", "Wr0ng-" + PASSWORD) if case == "wrong password" else ("no-such-share", PASSWORD)
    job = _job(tmp_path, "bad", _smb_ds(samba, "share", share).replace("${SMB_PASSWORD}", "${BAD_PW}"))
    db = tmp_path / "s.db"
    r = subprocess.run(DATASCAN + ["scan", "--job", str(job), "--workers", "1", "--db", str(db)],
                       capture_output=True, text=True, env=dict(_env(), BAD_PW=env_pw), timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    expected = "logon failure" if case == "wrong password" else "does not exist"
    assert f"\\\\127.0.0.1\\{share}" in r.stderr and expected in r.stderr, r.stderr
    blobs = [r.stdout, r.stderr] + [p.read_bytes().decode("latin-1") for p in tmp_path.glob("s.db*")]
    assert not any(env_pw in b for b in blobs)


def test_smbd_killed_mid_job_and_restarted(samba, corpus, reference, tmp_path):
    db = tmp_path / "s.db"
    job = _job(tmp_path, "kill", _smb_ds(samba, "share", "corpus"), batch_objects=2)
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", str(db)],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_done_objects(proc, db, 2)
        samba.kill()
        done_while_down = _count(db, "DONE")
        samba.start()
        assert port_open(samba.port)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert done_while_down < len(_objects(db, 1, "share"))  # the kill really happened mid-job
    assert _identity(_findings(db), "share") == reference["local"]
    assert {st for st, _ in _objects(db, 1, "share").values()} == {"DONE"}


def test_second_run_skips_unchanged_and_rescans_changed(samba, tmp_path):
    root = samba.root / "inc"
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub").chmod(0o755)
    (root / "a.txt").write_text("card number 4111111111111111 on file\n")
    (root / "sub" / "b.txt").write_text("nothing here\n")
    for p in (root / "a.txt", root / "sub" / "b.txt"):
        p.chmod(0o644)
    db = tmp_path / "s.db"
    job = _job(tmp_path, "inc", _smb_ds(samba, "share", "inc"))
    assert _run("scan", "--job", str(job), "--workers", "1", "--db", str(db)).returncode == 0
    (root / "sub" / "b.txt").write_text("email jane.doe@example.com please\n")
    later = time.time() + 5
    os.utime(root / "sub" / "b.txt", (later, later))
    r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert {p: st for p, (st, _) in _objects(db, 2, "share").items()} == {"a.txt": "UNCHANGED", "sub/b.txt": "DONE"}
    assert sorted(f["entity"] for f in _findings(db)) == ["CREDIT_CARD", "EMAIL_ADDRESS"]


def test_max_sessions_1_with_2_workers_never_opens_two_sessions(samba, corpus, reference, tmp_path):
    """The share allows one connection (``max connections = 1``): a second concurrent session would be refused
    and logged by smbd. smbstatus is also sampled throughout the job."""
    db = tmp_path / "s.db"
    job = _job(tmp_path, "one", _smb_ds(samba, "share", "one", "    max_sessions: 1\n"), batch_objects=2)
    refused_before = samba.log_text().count("Max connections")
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", str(db)],
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.append(samba.sessions())
            stop.wait(0.05)  # sampling interval: leaves the 2 CPUs to the scan

    t = threading.Thread(target=sample)
    t.start()
    try:
        out, err = proc.communicate(timeout=240)
    finally:
        stop.set()
        t.join()
    assert proc.returncode == 0, err
    assert seen and max(seen) <= 1, seen
    assert max(seen) == 1  # the sampling did see the job's session
    assert samba.log_text().count("Max connections") == refused_before
    assert _identity(_findings(db), "share") == reference["local"]


def test_coordinator_slots_across_processes_and_freed_when_holder_dies(tmp_path):
    slots = tmp_path / "slots"
    with subprocess.Popen([sys.executable, "-c", (
        "import asyncio, sys\n"
        "from scanner.runtime.coordinator import LocalCoordinator\n"
        "async def main():\n"
        f"    lease = await LocalCoordinator({str(slots)!r}).acquire('smb:x:445', 1)\n"
        "    print('held', flush=True)\n"
        "    sys.stdin.read()\n"
        "asyncio.run(main())\n")], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as holder:
        _hold_and_kill(holder, slots)


def _hold_and_kill(holder: subprocess.Popen, slots: Path) -> None:
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        coord = LocalCoordinator(slots)
        assert coord.holders("smb:x:445", 1) == 1
        assert coord.holders("smb:x:445", 2) == 1

        async def attempt() -> bool:
            try:
                lease = await asyncio.wait_for(coord.acquire("smb:x:445", 1), 0.5)
            except TimeoutError:
                return False
            await lease.release()
            return True

        assert asyncio.run(attempt()) is False      # the only slot is held by the other process
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        assert coord.holders("smb:x:445", 1) == 0  # the kernel released the dead holder's lock
        assert asyncio.run(attempt()) is True
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


async def test_wrong_password_raises_authentication_error_without_the_password(samba):
    conn = SmbConnector(_cfg(samba, "corpus").model_copy(update={"password": _secret("Wr0ng-pw-zz")}),
                        LocalCoordinator(samba.root / "slots"))
    try:
        with pytest.raises(AuthenticationError) as ei:
            [b async for b in conn.enumerate_objects(1 << 20, 10)]
    finally:
        await conn.close()
    assert "logon failure" in str(ei.value) and "Wr0ng-pw-zz" not in str(ei.value)
    assert LocalCoordinator(samba.root / "slots").holders(f"smb:127.0.0.1:{samba.port}", 4) == 0


def _secret(v: str) -> SecretStr:
    return SecretStr(v)


def _count(db: Path, status: str) -> int:
    return sum(1 for v in storeview.objects(db, 1).values() if v[0] == status)


def _wait_for_done_objects(proc: subprocess.Popen, db: Path, n: int) -> None:
    """Poll the store until ``n`` objects are done while others are still pending."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the scan ended before it could be disturbed"
        if db.exists() and _count(db, "DONE") >= n and _count(db, "PENDING") >= 4:
            return
        time.sleep(0.02)  # polling interval of the wait above, not a stand-in for synchronisation
    raise AssertionError("the job never got mid-way")


def test_unknown_host_fails_the_job_at_once_with_exit_2(tmp_path):
    """A host name that does not resolve cannot start working on a retry: exit 2 naming the host, no backoff."""
    try:
        socket.getaddrinfo("no-such-host.invalid", 445)
    except socket.gaierror as exc:
        if exc.errno != socket.EAI_NONAME:  # no DNS answer at all: a temporary failure, which datascan retries
            pytest.skip(f"this machine's resolver does not answer ({exc})")
    job = tmp_path / "nohost.yaml"
    job.write_text("name: nohost\ndatasources:\n  - {id: s, type: smb, host: no-such-host.invalid, share: x, "
                   "username: u, password: '${SMB_PASSWORD}'}\n")
    r = subprocess.run(DATASCAN + ["scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db")],
                       capture_output=True, text=True, env=dict(_env(), SMB_PASSWORD="Pw-not-shown-1"), timeout=120)
    assert r.returncode == 2, r.stderr
    assert "host 'no-such-host.invalid' not found" in r.stderr and "reconnecting" not in r.stderr, r.stderr
    assert "Pw-not-shown-1" not in r.stdout + r.stderr
