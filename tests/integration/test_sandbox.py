"""The extraction process's rights and its replies, tried on real processes.

The child is the real one (``scanner.extract.sandbox``), or the real one with a handler replaced by attacker code
(``tests/integration/sandbox_probe.py``: what a parser exploited by a hostile file would run). The worker side is
the real ``ContentExtractor``. The rights tests need root, as the worker has in CI (a separate uid needs it).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ExtractionConfig  # noqa: E402
from scanner.exceptions import ExtractionError  # noqa: E402
from scanner.extract import ContentExtractor, ExtractionReport  # noqa: E402

ROOT = Path(__file__).parents[2]
PROBE = "tests.integration.sandbox_probe"
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="a separate uid for the child needs a worker running as root")
# What a worker's environment holds during a scan (the job file's ${VAR}s, the hashing key).
SECRETS = {"DATASCAN_HMAC_KEY": "ab" * 32, "PGPASSWORD": "pg-Secret-1", "SMB_PASSWORD": "smb-Secret-2",
           "DB_PASSWORD": "db-Secret-3", "AWS_SECRET_ACCESS_KEY": "aws-Secret-4", "REDIS_URL": "redis://:pw@h/0"}


def _proc(pid: int, name: str) -> bytes:
    with open(f"/proc/{pid}/{name}", "rb") as f:
        return f.read()


async def run(ex: ContentExtractor, name: str, data: bytes = b"PK\x05\x06" + b"\x00" * 18):
    """(outcome, reason, texts) the way the worker accounts for an object."""
    report = ExtractionReport()
    texts = []
    try:
        async for c in ex.extract(name, data, report):
            texts.append(c.text)
    except ExtractionError as exc:
        return "skipped", str(exc), texts
    return ("partial" if report.partial_reason else "done"), report.partial_reason or "", texts


def _zip_with_card(n: int) -> tuple[bytes, str]:
    value = fx.card(n)
    return fx._zip({"a.txt": f"card {value}".encode()}), value


@pytest.fixture
def probe_env(monkeypatch, tmp_path):
    """The worker's environment for a probe child: secrets set, and the probe importable (PYTHONPATH is kept)."""
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return tmp_path


async def test_child_environment_holds_no_credential(monkeypatch):
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    ex = ContentExtractor(ExtractionConfig())
    try:
        data, value = _zip_with_card(700)
        outcome, _, texts = await run(ex, "a.zip", data)
        assert outcome == "done" and value in texts[0]
        environ = _proc(ex._sandbox.proc.pid, "environ")
    finally:
        await ex.aclose()
    names = {kv.split(b"=", 1)[0].decode() for kv in environ.split(b"\0") if kv}
    assert names <= {"PATH", "LANG", "LANGUAGE", "TZ", "PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH", "TMPDIR",
                     "HOME", "PYTHONDONTWRITEBYTECODE"} | {n for n in names if n.startswith("LC_")}
    for secret in SECRETS.values():
        assert secret.encode() not in environ


@needs_root
async def test_child_runs_unprivileged_without_network_and_with_its_own_tmp(caplog):
    ex = ContentExtractor(ExtractionConfig())
    caplog.set_level(logging.INFO, logger="scanner.extract.sandbox")
    try:
        data, value = _zip_with_card(701)
        assert (await run(ex, "a.zip", data))[0] == "done"
        pid = ex._sandbox.proc.pid
        status = dict(line.split(":", 1) for line in _proc(pid, "status").decode().splitlines())
        uids, gids = status["Uid"].split(), status["Gid"].split()
        assert "0" not in uids and "0" not in gids and status["Groups"].strip() == ""  # real, effective, saved
        assert status["NoNewPrivs"].strip() == "1"
        assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert os.readlink(f"/proc/{pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
        # Its temp copies (catdoc reads one) still work under the new uid.
        memo = (fx.LEGACY_DIR / "memo.doc").read_bytes()
        outcome, reason, texts = await run(ex, "memo.doc", memo)
        assert outcome == "done", reason
        assert all(v in "".join(texts) for _, _, v in fx.LEGACY_VALUES["memo.doc"])
    finally:
        await ex.aclose()
    # Every restriction applied: nothing to report.
    assert [r.getMessage() for r in caplog.records if r.name == "scanner.extract.sandbox"] == []


@needs_root
async def test_compromised_parser_has_no_network_no_root_and_a_private_tmp(probe_env):
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    outside = ROOT / f".sandbox-probe-{os.getpid()}"  # a folder of root's, as the job file or the store would be
    host_tmp = Path(tempfile.gettempdir()) / f"datascan-probe-{os.getpid()}"
    # A checkout below /tmp (a clone made there) keeps the real /tmp: a private one would hide datascan's own code.
    tmp_private = not any(str(ROOT.resolve()).startswith(t + "/") for t in ("/tmp", "/var/tmp", "/dev/shm"))
    ex = ContentExtractor(ExtractionConfig(), child_module=PROBE)
    try:
        # The probe itself: the same attempt from the worker's side succeeds.
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        assert (await run(ex, f"probe-tcp-{port}"))[2] == ["tcp: OSError"]
        ident = (await run(ex, "probe-id"))[2][0]
        assert "uid=0 " not in ident and "euid=0 " not in ident and "gid=0 " not in ident, ident
        assert (await run(ex, "probe-write-" + str(outside).encode().hex()))[2] == ["write: PermissionError"]
        assert (await run(ex, "probe-write-" + str(host_tmp).encode().hex()))[2] == ["write: done"]
        # Modules first imported after the uid drop still load (the interpreter may sit below /root).
        assert (await run(ex, "probe-import"))[2] == ["import: done"]
        data, value = _zip_with_card(702)
        outcome, _, texts = await run(ex, "a.zip", data)
        assert outcome == "done" and value in texts[0]
    finally:
        listener.close()
        await ex.aclose()
        written = outside.exists()
        outside.unlink(missing_ok=True)
        in_host_tmp = host_tmp.exists()
        if in_host_tmp:
            host_tmp.unlink()
    assert not written
    # Its /tmp was its private temp dir, removed with it (unless the code sits below /tmp: then the real one).
    assert in_host_tmp is not tmp_private


@pytest.mark.parametrize(("kind", "why"), [
    ("pickle", "wrong type or length"),  # a pickle starts with 0x80: to MessagePack, an empty map
    ("garbage", "not a valid message"),
    ("types", "wrong type or length at $[1][0].text"),
    ("tag", "invalid value at $[0]"),
    ("extra", "wrong type or length"),
    ("huge", "reply larger than 256 MB"),
])
async def test_hostile_reply_is_refused_and_the_next_object_is_extracted(probe_env, kind, why):
    marker = probe_env / "unpickled"  # what unpickling the pickle payload would create
    if kind == "pickle":
        kind += "-" + str(marker).encode().hex()
    ex = ContentExtractor(ExtractionConfig(timeout_s=30), child_module=PROBE)
    try:
        outcome, reason, texts = await run(ex, f"hostile-{kind}")
        assert (outcome, texts) == ("skipped", [])
        assert reason == f"extraction process sent an invalid reply ({why}); process replaced"
        assert "4111111111111111" not in reason
        assert ex._sandbox is None  # the child that broke the protocol is gone
        data, value = _zip_with_card(703)
        outcome, _, texts = await run(ex, "after.zip", data)
        assert outcome == "done" and value in texts[0]
    finally:
        await ex.aclose()
    assert not marker.exists()  # the pickle payload never ran


async def test_plain_text_never_starts_the_extraction_process():
    ex = ContentExtractor(ExtractionConfig())
    try:
        for name, data in (("notes.txt", b"card " + fx.card(704).encode()), ("export.csv", b"id,card\n1,4\n"),
                           ("utf16.log", "line \u00e9\n".encode("utf-16"))):
            outcome, reason, texts = await run(ex, name, data)
            assert outcome == "done" and texts, (name, reason)
        assert ex._sandbox is None
    finally:
        await ex.aclose()
