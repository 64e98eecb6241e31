"""Shared fixtures: uvloop for async tests, and a throwaway PostgreSQL cluster (a missing server fails under CI)."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop

from tests import figures as _figures
from tests.pgcluster import PgCluster

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture
def figures():
    """``figures(case, expected, **measured)``: record a reliability case's figures for the session's table."""
    return _figures.record


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest hook signature
    if not _figures.FIGURES:
        return
    tr = terminalreporter
    tr.section(f"reliability figures ({'long' if _figures.LONG else 'short'} form)")
    for line in _figures.table_lines(_figures.FIGURES):
        tr.write_line(line)
    if _figures.LONG:
        tr.write_line(f"written to {_figures.write_long_form()}")


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
    cluster = PgCluster()  # the start-up lives in tests/pgcluster.py, shared with the multi-host benchmark
    try:
        cluster.start()
        yield cluster.url()
    finally:
        cluster.stop()
