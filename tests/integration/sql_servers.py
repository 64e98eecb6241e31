"""Databases for the SQL connector tests: PostgreSQL (inside the session cluster of tests/conftest.py), a
throwaway MariaDB, SQLite files, and a harness that runs the real worker code on tables.

Imported by the SQL test modules (``from tests.integration.sql_servers import *`` brings the fixtures in).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from scanner.config import ClassificationConfig, JobConfig
from scanner.models import DiscoveredObject, ObjectResult, TaskType, WorkPacket

KEY = bytes.fromhex("5a" * 32)
N_CUSTOMERS = 200
READER_PASSWORD = "s3cret-Reader-pw"


# --------------------------------------------------------------------------------------------------- test data

def luhn_card(i: int) -> str:
    """A Luhn-valid 16-digit Visa-like number, different for each ``i``."""
    body = f"411111{i:09d}"
    total = 0
    for pos, ch in enumerate(reversed(body)):
        d = int(ch)
        if pos % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def ssn(i: int) -> str:
    """A US SSN inside the SSA's valid ranges (area 101-600, group 10-89, serial 1000+)."""
    return f"{101 + i % 500:03d}-{10 + i % 80:02d}-{1000 + i:04d}"


VALID_IBAN = "GB82WEST12345698765432"
RARE_ROWS = (17, 88, 150)  # customers.notes rows (1-based ids) holding an IBAN


def _q(v: str | None) -> str:
    return "NULL" if v is None else "'" + v.replace("'", "''") + "'"


def customers_sql(table: str = "customers", n: int = N_CUSTOMERS) -> list[str]:
    """CREATE + INSERT of the customers table (portable SQL: PostgreSQL, MariaDB, SQLite)."""
    rows = []
    for i in range(1, n + 1):
        notes = f"asked for an IBAN change to {VALID_IBAN} last week" if i in RARE_ROWS else "called about delivery"
        rows.append(f"({i}, {_q(f'Customer {i}')}, {_q(f'user{i}@example.com')}, {_q(ssn(i))}, "
                    f"{_q(luhn_card(i))}, {_q(notes)}, {i * 10})")
    return [
        f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, full_name VARCHAR(100), email VARCHAR(100), "
        "ssn VARCHAR(11), card_no VARCHAR(19), notes TEXT, score INTEGER)",
        f"INSERT INTO {table} VALUES " + ", ".join(rows),
    ]


def suspicious_sql(table: str = "suspicious") -> list[str]:
    """Clean values under names that suggest entities: hints, not findings."""
    vals = ["'N/A'", "'redacted'", "''", "NULL", "'unknown'"]
    rows = [f"({i}, {vals[i % 5]}, {vals[(i + 1) % 5]}, {vals[(i + 2) % 5]}, 'none given')" for i in range(1, 41)]
    return [f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, ssn VARCHAR(20), iban VARCHAR(40), "
            "email VARCHAR(40), comment VARCHAR(40))",
            f"INSERT INTO {table} VALUES " + ", ".join(rows)]


WIDE_COLS = 150
WIDE_HIT = 77  # the only column of the wide table that holds anything (e-mails)


def wide_sql(table: str) -> list[str]:
    cols = ", ".join(f"c{j:03d} TEXT" for j in range(1, WIDE_COLS + 1))  # TEXT: MariaDB rows max 8 KB inline
    rows = []
    for i in range(1, 41):
        vals = [f"'user{i}@example.org'" if j == WIDE_HIT else f"'plain text {j} row {i}'"
                for j in range(1, WIDE_COLS + 1)]
        rows.append(f"({i}, " + ", ".join(vals) + ")")
    return [f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {cols})", f"INSERT INTO {table} VALUES " + ", ".join(rows)]


# Names an attacker who may create schemas, tables or columns in a scanned database could choose. Each one
# breaks out of some dialect's quoting, or of SQLAlchemy's SQL Server schema split, if it is not quoted whole.
HOSTILE_NAMES = [
    "'), 1, 1) AS z; DELETE FROM dbo.victim; --.[a].[b].dbo",  # the security review's SQL Server schema
    "evil.db",                                                 # SQL Server: database.owner, a read elsewhere
    'x"; DROP TABLE victim; --',                               # PostgreSQL and SQLite quotes
    "x`; DROP TABLE victim; --",                               # MySQL quotes
    "a].[b",
    "it's a 'name'",
    "back\\slash\\",
    "per%cent %s %(x)s ? $1 :p",                               # every driver's parameter markers
    "semi;colon -- /* c */",
    "ünïcødé ß 名前",
]


def hostile_sql_dialects() -> dict[str, Any]:
    """The SQLAlchemy dialects the connector compiles for, by name (the ODBC ones as the connector makes them)."""
    from sqlalchemy.dialects import mysql, postgresql, sqlite
    from sqlalchemy.dialects.mssql.aioodbc import MSDialectAsync_aioodbc

    return {"mssql": MSDialectAsync_aioodbc(), "postgresql": postgresql.dialect(paramstyle="qmark"),
            "mysql": mysql.dialect(), "sqlite": sqlite.dialect()}


def read_sql(sql: str, dialect: str) -> tuple[str, list[str], list[str]]:
    """A compiled statement taken apart: (the SQL with each quoted identifier replaced by ``I`` and each string
    literal by ``L``, the identifiers, the literals), unescaped as the server reads them (MySQL literals take
    backslash escapes, as its default sql_mode does; its driver's pyformat turns ``%%`` back into ``%``)."""
    if dialect == "mysql":
        sql = sql.replace("%%", "%")
    open_q, close_q = {"mssql": ("[", "]"), "mysql": ("`", "`")}.get(dialect, ('"', '"'))
    rest: list[str] = []
    idents: list[str] = []
    literals: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        if dialect == "mssql" and sql.startswith("N'", i):
            i += 1
        ch = sql[i]
        if ch not in (open_q, "'"):
            rest.append(ch)
            i += 1
            continue
        end = close_q if ch == open_q else "'"
        buf: list[str] = []
        i += 1
        while True:
            if i >= n:
                raise AssertionError(f"unterminated quote in {sql!r}")
            c = sql[i]
            if dialect == "mysql" and ch == "'" and c == "\\":
                buf.append(sql[i + 1])
                i += 2
            elif c == end and sql.startswith(end * 2, i):
                buf.append(end)
                i += 2
            elif c == end:
                i += 1
                break
            else:
                buf.append(c)
                i += 1
        (idents if ch == open_q else literals).append("".join(buf))
        rest.append(" I " if ch == open_q else " L ")
    return "".join(rest), idents, literals


# --------------------------------------------------------------------------------------------------- PostgreSQL

@dataclass
class PgDb:
    admin_url: str     # superuser, database sqlscan
    reader_url: str    # a login with SELECT only (password in the URL; the cluster trusts loopback anyway)
    host: str
    port: int

    def run(self, *sql: str, db: str = "sqlscan") -> str:
        """Run statements as the superuser through psql (one session, stops at the first error)."""
        script = ";\n".join(sql) + ";\n"
        r = subprocess.run(["psql", "-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", db, "-X", "-q",
                            "-A", "-t", "-v", "ON_ERROR_STOP=1"], input=script, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return r.stdout.strip()


@pytest.fixture(scope="session")
def sql_pg(postgres_url: str) -> PgDb:
    """A database ``sqlscan`` with every test table, and a SELECT-only login ``reader``.

    Several test modules import this fixture (each import is its own definition): the database is made once
    per cluster and shared.
    """
    if postgres_url in _pg_made:
        return _pg_made[postgres_url]
    u = make_url(postgres_url)
    db = PgDb(admin_url=str(u.set(database="sqlscan")),
              reader_url=str(u.set(database="sqlscan", username="reader", password=READER_PASSWORD)
                             .render_as_string(hide_password=False)),
              host=u.host or "127.0.0.1", port=u.port or 5432)
    db.admin_url = u.set(database="sqlscan").render_as_string(hide_password=False)
    db.run("CREATE DATABASE sqlscan", db="datascan")
    db.run(
        *customers_sql("public.customers"),
        *suspicious_sql("public.suspicious"),
        "CREATE SCHEMA wide", *wide_sql("wide.w"),
        "CREATE SCHEMA big",
        "CREATE TABLE big.million (id BIGINT PRIMARY KEY, email TEXT, amount NUMERIC(12,2))",
        "INSERT INTO big.million SELECT g, 'person' || g || '@example.net', g / 100.0 "
        "FROM generate_series(1, 1000000) g",
        'CREATE TABLE public."we""ird.name" (k INTEGER PRIMARY KEY, "e-mail ""x""" TEXT)',
        'INSERT INTO public."we""ird.name" SELECT g, \'odd\' || g || \'@example.com\' FROM generate_series(1, 30) g',
        "CREATE SCHEMA locked", "CREATE TABLE locked.t (id INTEGER PRIMARY KEY, email TEXT)",
        "INSERT INTO locked.t VALUES (1, 'a@example.com')",
        "CREATE VIEW public.v_emails AS SELECT id, email FROM public.customers WHERE id <= 50",
        "CREATE TABLE public.dates_only (born DATE, ok BOOLEAN, ratio REAL)",
        "INSERT INTO public.dates_only VALUES ('2000-01-01', true, 0.5)",
        "ANALYZE",
        f"CREATE ROLE reader LOGIN PASSWORD '{READER_PASSWORD}'",
        "GRANT USAGE ON SCHEMA public, wide, big, locked TO reader",
        "GRANT SELECT ON ALL TABLES IN SCHEMA public, wide, big, locked TO reader",
    )
    _pg_made[postgres_url] = db
    return db


_pg_made: dict[str, PgDb] = {}


# --------------------------------------------------------------------------------------------------- MariaDB

MARIADB_BIN = Path("/usr/sbin/mariadbd")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class MariaDb:
    port: int
    sock: Path

    def run(self, *sql: str, db: str | None = None) -> str:
        cmd = ["mariadb", f"--socket={self.sock}", "-uroot", "-N", "-B"] + ([db] if db else [])
        r = subprocess.run(cmd, input=";\n".join(sql) + ";\n", capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        return r.stdout.strip()

    def url(self, user: str = "reader", password: str = READER_PASSWORD, db: str = "sqlscan") -> str:
        return f"mysql+aiomysql://{user}:{password}@127.0.0.1:{self.port}/{db}"


@pytest.fixture(scope="session")
def mariadb() -> Iterator[MariaDb]:
    """A MariaDB server of our own on a loopback port (fails under CI when it cannot start within a minute)."""
    if not MARIADB_BIN.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("mariadb-server is not installed (make system-packages installs it)")
        pytest.skip("mariadb-server is not installed; run `make system-packages`")
    d = Path(tempfile.mkdtemp(prefix="datascan-mariadb-"))
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(d, "mysql")
    subprocess.run(["mariadb-install-db", *user, f"--datadir={d}/data", "--auth-root-authentication-method=normal",
                    "--skip-test-db"], check=True, capture_output=True, timeout=60)
    port = _free_port()
    log = open(d / "server.log", "wb")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(["mariadbd", "--no-defaults", *user, f"--datadir={d}/data", f"--socket={d}/sock",
                             f"--port={port}", "--bind-address=127.0.0.1", f"--pid-file={d}/pid", "--skip-log-bin",
                             "--innodb-buffer-pool-size=32M", "--skip-name-resolve",
                             # /tmp: where the hostile-name test's canary would be written by an injected
                             # SELECT ... INTO OUTFILE (the default here, NULL, forbids writing files at all).
                             "--secure-file-priv=/tmp"], stdout=log, stderr=log)
    server = MariaDb(port=port, sock=d / "sock")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                server.run("SELECT 1")
                break
            except RuntimeError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    msg = f"MariaDB did not start: {(d / 'server.log').read_text()[-1500:]}"
                    if os.environ.get("CI") == "true":
                        pytest.fail(msg)
                    pytest.skip(msg)
                time.sleep(0.1)  # polling interval while the server starts
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------------------------------- SQLite

def make_sqlite(path: Path) -> Path:
    """A SQLite file with the customers, suspicious and wide tables and a slow view."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as c:
        for s in customers_sql() + suspicious_sql() + wide_sql("wide_w"):
            c.execute(s)
        # A view that never finishes in test time: a recursive count to 10^12.
        c.execute("CREATE VIEW slow AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                  "WHERE x < 1000000000000) SELECT 'user' || max(x) || '@example.com' AS email FROM n")
        c.commit()
    return path


# --------------------------------------------------------------------------------------------------- harness

_classifiers: dict[str, Any] = {}


def classifier() -> Any:
    """The default-template classifier, built once per test session (building takes seconds)."""
    if "pii" not in _classifiers:
        from scanner.classify import Classifier

        _classifiers["pii"] = Classifier(ClassificationConfig(), KEY)
    return _classifiers["pii"]


def job_for(ds: dict[str, Any]) -> JobConfig:
    return JobConfig.model_validate({"name": "t", "datasources": [{"id": "db", "type": "sql", **ds}]})


async def scan_tables(ds: dict[str, Any]) -> tuple[dict[str, ObjectResult], dict[str, DiscoveredObject], Any]:
    """Discovery, then the real worker code on every table: (results by path, discovered by path, connector)."""
    from scanner.runtime.worker import Worker

    job = job_for(ds)
    a, b = Pipe()
    worker = Worker(0, job, KEY, a, b, lease_s=60)
    worker.classifier = classifier()
    conn = worker._connector("db")
    objs: dict[str, DiscoveredObject] = {}
    try:
        async for batch in conn.enumerate_objects(1 << 30, 1000):
            objs.update({o.path: o for o in batch})
        packet = WorkPacket(task_id=1, job_id=1, task_type=TaskType.CLASSIFICATION, datasource_id="db", fence=1,
                            objects=[o for o in objs.values() if o.skip_reason is None])
        results = {o.path: await worker._one_table(packet, conn, o) for o in packet.objects}
    finally:
        await conn.close()
        worker._cpu.shutdown(wait=True)
        a.close()
        b.close()
    return results, objs, conn


def verdicts(res: ObjectResult) -> dict[tuple[str, str], dict[str, str]]:
    """{(column, entity): location fields} of one table's findings (hints included, as HINT:...)."""
    out = {}
    for f in res.findings:
        col_path, *fields = f.location.split(";")
        kv = dict(x.split("=", 1) for x in fields)
        kv["score"] = str(f.score)
        out[(col_path.rsplit(".", 1)[1], f.entity)] = kv
    return out
