"""`datascan scan` on a PostgreSQL datasource, as a user runs it: findings, hints, incremental re-runs, errors."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.sql_servers import READER_PASSWORD, sql_pg  # noqa: F401 - fixture

DATASCAN = [str(Path(sys.executable).parent / "datascan")]
pytestmark = pytest.mark.postgres


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(DATASCAN + list(args), capture_output=True, text=True, env=env, timeout=300)


def _job(tmp: Path, url: str) -> Path:
    p = tmp / "sql.yaml"
    p.write_text("name: sqljob\ndatasources:\n  - id: pg\n    type: sql\n"
                 f"    url: {url}\n    schemas: [public, wide]\n    sample_rows: 500\n")
    return p


def test_sql_scan_end_to_end(sql_pg, tmp_path):  # noqa: F811
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32, DB_PW=READER_PASSWORD)
    url = sql_pg.reader_url.replace(READER_PASSWORD, "${DB_PW}")
    db = tmp_path / "s.db"
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "2", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    assert READER_PASSWORD not in r.stdout + r.stderr
    rows = [json.loads(x) for x in _run("findings", "latest", "--db", str(db), env=env).stdout.splitlines()]
    got = {(f["object"], f["location"].split(";")[0], f["entity"]) for f in rows}
    assert ("public.customers", "public.customers.ssn", "US_SSN") in got
    assert ("public.customers", "public.customers.notes", "IBAN_CODE") in got
    assert ("public.suspicious", "public.suspicious.ssn", "HINT:US_SSN") in got
    assert ("wide.w", "wide.w.c077", "EMAIL_ADDRESS") in got
    assert READER_PASSWORD.encode() not in db.read_bytes()

    # Unchanged tables are skipped on the next run; a changed one is read again.
    sql_pg.run("INSERT INTO public.suspicious VALUES (1000, 'none', 'none', 'none', 'new row')")
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "1", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(db) as c:
        st = dict(c.execute("SELECT path, status FROM objects WHERE job_id = 2"))
    assert st["public.suspicious"] == "DONE"
    assert st["public.customers"] == "UNCHANGED" and st["wide.w"] == "UNCHANGED"
    assert "unchanged" in r.stdout


def test_unreachable_server_exits_2_naming_host_and_database(sql_pg, tmp_path):  # noqa: F811
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32, DB_PW="pw-never-shown")
    url = "postgresql+asyncpg://reader:${DB_PW}@127.0.0.1:1/hrdb"
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "1", "--db", str(tmp_path / "s.db"), env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "hrdb on 127.0.0.1:1" in r.stderr and "pw-never-shown" not in r.stdout + r.stderr
