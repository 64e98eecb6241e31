"""A redis-server of a test's own: a free loopback port, no persistence, an optional password (``requirepass``).

Under ``CI=true`` a missing redis-server fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import pgcluster
from tests.integration.smb_server import port_open


@contextmanager
def redis_server(folder: Path, password: str | None = None) -> Iterator[tuple[str, int]]:
    """Start redis-server in ``folder``; yields (host, port) and stops it afterwards."""
    exe = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(exe):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed (make test installs it)")
        pytest.skip("redis-server is not installed; run `make test`")
    port = pgcluster.free_port()
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
            str(folder)]
    if password is not None:
        args += ["--requirepass", password]
    with open(folder / "redis.log", "wb") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert proc.poll() is None, (folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not listen"
            time.sleep(0.02)  # polling interval of the wait for the port
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
