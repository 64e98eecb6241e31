"""What a failure leaves behind, and where a coordinator password travels, through the CLI.

A task that fails on a driver error (a real SQLite database whose view names a column its table lost) at ``-vv``
with JSON logs: no log message is a traceback (it sits in its own ``traceback`` field), and the stored task error is
one short line without the driver's echoed statement. A Redis password for ``--coordinator`` is refused on the
command line (where every user of the host can read it) and taken from ``$DATASCAN_COORDINATOR`` by a real
redis-server that requires it.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
import redis

from scanner.store import DatabaseInterface
from tests.cliutil import env, run
from tests.redisserver import redis_server

pytestmark = pytest.mark.timeout(300)

REDIS_PASSWORD = "Coord-pw-7c1e"


def _sql_job(tmp: Path, name: str, db_file: Path) -> Path:
    job = tmp / f"{name}.yaml"
    job.write_text(f"name: {name}\ndatasources:\n  - id: db\n    type: sql\n    url: sqlite+aiosqlite:///{db_file}\n")
    return job


async def _failed_tasks(db: Path) -> list:
    store = await DatabaseInterface.open(str(db))
    try:
        return (await store.summary(1)).failed_tasks
    finally:
        await store.close()


def test_a_failed_task_leaves_no_traceback_in_log_messages_and_a_short_stored_error(tmp_path):
    src = tmp_path / "broken.sqlite"
    with sqlite3.connect(src) as c:
        c.execute("CREATE TABLE t (a TEXT, b TEXT)")
        c.execute("CREATE VIEW v AS SELECT a, b FROM t")
        c.execute("DROP TABLE t")
        c.execute("CREATE TABLE t (z TEXT)")  # the view now names columns that do not exist: listing it fails
    db = tmp_path / "s.db"
    r = run("-vv", "scan", "--job", str(_sql_job(tmp_path, "broken", src)), "--workers", "1", "--db", str(db),
            "--log-format", "json", timeout=120)
    assert r.returncode == 4, r.stderr  # completed with a failed task
    records = [json.loads(line) for line in r.stderr.splitlines() if line.startswith("{")]
    assert records and not [x for x in records if "Traceback" in x["message"]]
    assert any("Traceback (most recent call last)" in x.get("traceback", "") for x in records)  # -vv: kept apart
    [failed] = asyncio.run(_failed_tasks(db))
    error = failed.error
    assert "\n" not in error and "[SQL:" not in error and "SELECT" not in error and len(error) <= 300, error


@pytest.fixture(scope="module")
def redis_with_password(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis"), password=REDIS_PASSWORD) as (host, port):
        yield f"redis://:{REDIS_PASSWORD}@{host}:{port}/0"


def test_a_coordinator_password_is_taken_from_the_environment_never_the_command_line(redis_with_password, tmp_path):
    src = tmp_path / "ok.sqlite"
    with sqlite3.connect(src) as c:
        c.execute("CREATE TABLE people (email TEXT)")
        c.execute("INSERT INTO people VALUES ('jane.doe@example.com')")
    job, db = _sql_job(tmp_path, "coord", src), tmp_path / "s.db"
    argv = run("scan", "--job", str(job), "--workers", "1", "--db", str(db), "--coordinator", redis_with_password)
    assert argv.returncode == 2 and "process list" in argv.stderr and "DATASCAN_COORDINATOR" in argv.stderr
    assert REDIS_PASSWORD not in argv.stderr + argv.stdout
    client = redis.Redis.from_url(redis_with_password)
    before = int(client.info("stats")["total_commands_processed"])
    ok = run("scan", "--job", str(job), "--workers", "1", "--db", str(db), timeout=120,
             env=env(DATASCAN_COORDINATOR=redis_with_password))
    assert ok.returncode == 0, ok.stderr
    # The scan's query slots went through this Redis, authenticated with the password from the environment.
    assert int(client.info("stats")["total_commands_processed"]) > before + 1
