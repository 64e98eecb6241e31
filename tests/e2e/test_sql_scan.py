"""`datascan scan` on a PostgreSQL datasource, as a user runs it: findings, hints, incremental re-runs, errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import storeview
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
    # A password with an unescaped "@", as ${VAR} puts it in the URL: still the password, not part of the host
    # (the cluster trusts loopback, so the connection succeeds whatever the password).
    password = f"Winter@Secret-{READER_PASSWORD}"
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32, DB_PW=password)
    url = sql_pg.reader_url.replace(READER_PASSWORD, "${DB_PW}")
    db = tmp_path / "s.db"
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "2", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    assert not any(piece in r.stdout + r.stderr for piece in ("Winter", "Secret", READER_PASSWORD))
    rows = [json.loads(x) for x in _run("findings", "latest", "--db", str(db), env=env).stdout.splitlines()]
    got = {(f["object"], f["location"].split(";")[0], f["entity"]) for f in rows}
    assert ("public.customers", "public.customers.ssn", "US_SSN") in got
    assert ("public.customers", "public.customers.notes", "IBAN_CODE") in got
    assert ("public.suspicious", "public.suspicious.ssn", "HINT:US_SSN") in got
    assert ("wide.w", "wide.w.c077", "EMAIL_ADDRESS") in got
    assert not any(piece in db.read_bytes() for piece in (b"Winter", b"Secret", READER_PASSWORD.encode()))

    # Unchanged tables are skipped on the next run; a changed one is read again.
    sql_pg.run("INSERT INTO public.suspicious VALUES (1000, 'none', 'none', 'none', 'new row')")
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "1", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    st = {k.split(":", 1)[1]: v[0] for k, v in storeview.objects(db, 2).items()}
    assert st["public.suspicious"] == "DONE"
    assert st["public.customers"] == "UNCHANGED" and st["wide.w"] == "UNCHANGED"
    assert "unchanged" in r.stdout


def test_unknown_host_exits_2_naming_host_and_database(sql_pg, tmp_path):  # noqa: F811
    """A host name that does not resolve cannot start working on a retry (as for SMB); a server that refuses the
    connection is retried instead (tests/integration/test_sql_pg.py)."""
    import socket

    try:
        socket.getaddrinfo("no-such-host.invalid", 5432)
    except socket.gaierror as exc:
        if exc.errno != socket.EAI_NONAME:  # no DNS answer at all: a temporary failure, which datascan retries
            pytest.skip(f"this machine's resolver does not answer ({exc})")
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32, DB_PW="pw-never-shown")
    url = "postgresql+asyncpg://reader:${DB_PW}@no-such-host.invalid:5432/hrdb"
    r = _run("scan", "--job", str(_job(tmp_path, url)), "--workers", "1", "--db", str(tmp_path / "s.db"), env=env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "hrdb on no-such-host.invalid:5432" in r.stderr and "does not resolve" in r.stderr
    assert "reconnecting" not in r.stderr and "pw-never-shown" not in r.stdout + r.stderr


def _max_active(sql_pg, proc: subprocess.Popen) -> int:  # noqa: F811
    """The most datascan queries seen running at once in pg_stat_activity while ``proc`` runs."""
    import asyncpg

    async def watch() -> int:
        conn = await asyncpg.connect(sql_pg.admin_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            most = 0
            while proc.poll() is None:
                n = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'datascan' "
                                        "AND state = 'active' AND query LIKE '%slow_%'")
                most = max(most, n)
                await asyncio.sleep(0.02)  # sampling interval; each watched query runs for about a second
            return most
        finally:
            await conn.close()

    return asyncio.run(watch())


@pytest.mark.parametrize("limit", [1, 3])
def test_max_active_queries_holds_across_workers(sql_pg, tmp_path, limit):  # noqa: F811
    """Two workers, four queries per worker allowed: the job-wide max_active_queries is what the server sees.
    Six views that take about a second each to read; the limit of 3 shows the watch can see more than one."""
    sql_pg.run("CREATE SCHEMA IF NOT EXISTS slow", "GRANT USAGE ON SCHEMA slow TO reader",
               *(f"CREATE OR REPLACE VIEW slow.slow_{i} AS SELECT pg_sleep(0.2)::text || 'row' || g AS note "
                 f"FROM generate_series(1, 5) g" for i in range(6)),
               "GRANT SELECT ON ALL TABLES IN SCHEMA slow TO reader")
    job = tmp_path / "slow.yaml"
    job.write_text(f"name: slow\ndatasources:\n  - id: pg\n    type: sql\n    url: {sql_pg.reader_url}\n"
                   f"    schemas: [slow]\n    include_views: true\n    max_concurrent_queries: 4\n"
                   f"    max_active_queries: {limit}\nruntime:\n  batch_objects: 1\n")
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32)
    proc = subprocess.Popen(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", str(tmp_path / "s.db")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    most = _max_active(sql_pg, proc)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert len(storeview.paths_in(tmp_path / "s.db", "DONE")) == 6
    assert most == 1 if limit == 1 else most >= 2, most


def test_table_grants_give_the_exposure_of_each_table(sql_pg, tmp_path):  # noqa: F811
    """A table granted to PUBLIC, one to a role, one to nobody else (only its owner and the superusers), each with
    a finding: the exposure in `findings --format jsonl` follows the grants; row-level security is noted."""
    sql_pg.run(
        "CREATE SCHEMA expo", "GRANT USAGE ON SCHEMA expo TO PUBLIC", "CREATE ROLE analysts NOLOGIN",
        *[s for t in ("open_t", "team_t", "closed_t") for s in (
            f"CREATE TABLE expo.{t} (id INTEGER PRIMARY KEY, email TEXT)",
            f"INSERT INTO expo.{t} SELECT g, 'person' || g || '@example.com' FROM generate_series(1, 20) g")],
        "GRANT SELECT ON expo.open_t TO PUBLIC", "GRANT SELECT ON expo.team_t TO analysts",
        "ALTER TABLE expo.team_t ENABLE ROW LEVEL SECURITY")
    env = dict(os.environ, DATASCAN_HMAC_KEY="3c" * 32)
    job = tmp_path / "expo.yaml"
    # Scanned as the superuser: the tables are read whatever their grants, and the superuser is an administrator.
    job.write_text("name: sqlexpo\ndatasources:\n  - id: pg\n    type: sql\n"
                   f"    url: {sql_pg.admin_url}\n    schemas: [expo]\n")
    db = tmp_path / "x.db"
    r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(db), env=env)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in _run("findings", "latest", "--db", str(db), env=env).stdout.splitlines()]
    got = {f["object"]: (f["exposure"], f["readers"], f["exposure_reason"]) for f in rows}
    assert got["expo.open_t"] == ("everyone", ["PUBLIC", "role:postgres"], None)  # roles via PUBLIC not listed
    assert got["expo.team_t"][:2] == ("group", ["role:analysts", "role:postgres"])
    assert "row-level security" in got["expo.team_t"][2]
    assert got["expo.closed_t"] == ("owner", ["role:postgres"], None)
