"""Shared fixtures: uvloop for async tests, and a throwaway PostgreSQL cluster (a missing server fails under CI)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def pytest_asyncio_loop_factories(config, item):  # noqa: ARG001 - pytest-asyncio hook signature
    return {"uvloop": uvloop.new_event_loop}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL cluster of our own on a loopback port, removed afterwards."""
    if not (PG_BIN / "initdb").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not installed (make test installs it)")
        pytest.skip("PostgreSQL is not installed; run `make test`")
    d = Path(tempfile.mkdtemp(prefix="datascan-pg-"))
    shutil.chown(d, "postgres")
    port = _free_port()
    run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(run + [str(PG_BIN / "initdb"), "-D", str(d / "data"), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run(run + [str(PG_BIN / "pg_ctl"), "-D", str(d / "data"), "-l", str(d / "server.log"), "-w", "-o",
                          f"-p {port} -c listen_addresses=127.0.0.1 -k {d} -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c",
                        "CREATE DATABASE datascan"], check=True, capture_output=True)
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/datascan"
    finally:
        subprocess.run(run + [str(PG_BIN / "pg_ctl"), "-D", str(d / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(d, ignore_errors=True)
