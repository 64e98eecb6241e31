"""Hostile names in scanned databases, executed: PostgreSQL (asyncpg and psqlODBC), MariaDB and SQLite (aiosqlite
and the SQLite3 ODBC driver) hold schemas, tables and columns named to break out of quoting, and the real connector
and worker code scan them. (SQL Server cannot run here: its statements are checked compiled, in
tests/unit/test_sql_names.py.)

What is counted, per server:

- **injected statements run**: some names carry a statement that leaves a trace outside the database if it ever
  runs (``COPY ... TO`` / ``SELECT ... INTO OUTFILE`` a file; the scan runs as a login allowed to do that), and
  every server holds a ``victim`` table whose rows such a name would delete: files that appeared plus rows gone;
- **foreign rows read**: findings whose value is from another table than the one named (a split name reads
  ``public.t`` instead of ``"evil.db".t``, an escaped name could UNION another table in);
- **tables missed**: hostile tables without their e-mail finding, including the two tables the review found
  sharing one object name (``"x.y"."a'b"`` and ``x."y.a'b"``).

Every table's e-mails are its own (``t<table>r<row>@example.com``), so a finding proves which table was read.
``make reliability`` adds random names from a hostile alphabet.

Seen to fail: on main, the review's pair of tables is one object, so one of them is missed and the other read
under its name (PostgreSQL and MariaDB); with the quote character left undoubled (a mutation of the dialects'
escaping) the broken statements leave 6 to 8 tables missed. A stacked statement did not get to run even then
(asyncpg's extended protocol takes one statement per query, and aiomysql's result handling gave up on the first);
the canaries are there for a breakage that lets one through.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from scanner.classify.masking import value_hash
from scanner.connectors.sql_dialects import object_name
from tests.figures import scale
from tests.integration.sql_servers import (
    HOSTILE_NAMES,
    KEY,
    MariaDb,
    mariadb,  # noqa: F401 - fixture
    scan_tables,
)

pytestmark = pytest.mark.timeout(600)
ROWS = 4


def _quote(name: str, q: str = '"') -> str:
    return q + name.replace(q, q + q) + q


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _values(emails: list[str]) -> str:
    """``(1, 'e1'), (2, 'e2') ...``: one table's rows."""
    return ", ".join(f"({r}, {_lit(e)})" for r, e in enumerate(emails, 1))


def _random_names(n: int, seed: int, max_len: int) -> list[str]:
    rnd = random.Random(seed)
    alphabet = list("ab.'\"`[];-/*%?$:\\ ") + ["ü", "名", "--", "].[", "\";", "';", "`;"]
    out = []
    while len(out) < n:
        name = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12))).strip()[:max_len]
        if name and name not in out:
            out.append(name)
    return out


@dataclass
class Estate:
    """The hostile objects made in one database: ``tables`` holds each one's object name and e-mails' hashes (a
    list: two tables under one object name must count as two, one of them missed)."""

    tables: list[tuple[str, set[str]]] = field(default_factory=list)
    canaries: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)   # names the server itself does not allow
    victim_rows: int = 3

    def add(self, schema: str, table: str, n: int) -> list[str]:
        emails = [f"t{n}r{r}@example.com" for r in range(1, ROWS + 1)]
        self.tables.append((object_name(schema, table), {value_hash(KEY, "EMAIL_ADDRESS", e) for e in emails}))
        return emails


def _count(results: dict, estate: Estate) -> dict[str, int]:
    """The three figures of one scan (see the module docstring)."""
    all_hashes = set().union(*(h for _, h in estate.tables))
    named = {path for path, _ in estate.tables}
    missed, foreign = 0, 0
    for path, hashes in estate.tables:
        res = results.get(path)
        found = [f for f in (res.findings if res else []) if f.entity == "EMAIL_ADDRESS"]
        if not any(f.value_hash in hashes for f in found):
            missed += 1
        foreign += sum(1 for f in found if f.value_hash not in hashes)
    foreign += sum(1 for path, res in results.items() if path not in named
                   for f in res.findings if f.value_hash in all_hashes)
    injected = sum(1 for c in estate.canaries if c.exists())
    return {"injected": injected, "foreign": foreign, "missed": missed}


def _names(canary: str) -> list[str]:
    return [*HOSTILE_NAMES, canary, *_random_names(scale(0, 30), seed=16, max_len=40)]


# ------------------------------------------------------------------------------------------------ PostgreSQL

def _psql(url: str, db: str, *sql: str) -> str:
    u = make_url(url)
    r = subprocess.run(["psql", "-h", u.host or "127.0.0.1", "-p", str(u.port), "-U", "postgres", "-d", db, "-X",
                        "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"], input=";\n".join(sql) + ";\n",
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return r.stdout.strip()


@contextlib.contextmanager
def _canary_dir(owner: str) -> Iterator[Path]:
    """A short folder the database server's own user may write to (where an injected statement would write)."""
    d = Path(tempfile.mkdtemp(prefix="d", dir="/tmp"))
    try:
        if os.geteuid() == 0:
            shutil.chown(d, owner)
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_hostile_names_postgresql(postgres_url, figures):
    with _canary_dir("postgres") as cdir:
        canary_file = cdir / "pg"
        canary = f"x\"; COPY (SELECT 1) TO '{canary_file}'; --"
        estate = Estate(canaries=[canary_file])
        _psql(postgres_url, "datascan", "DROP DATABASE IF EXISTS hostile", "CREATE DATABASE hostile")
        sql = ["CREATE TABLE public.victim (id INTEGER PRIMARY KEY)", "INSERT INTO public.victim VALUES (1), (2), (3)"]
        n = 0
        for name in _names(canary):
            if len(name.encode()) > 63:  # NAMEDATALEN: PostgreSQL would cut it
                estate.refused.append(name)
                continue
            for schema in (name, "public"):
                n += 1
                emails = estate.add(schema, name, n)
                if schema == name:
                    sql.append(f"CREATE SCHEMA {_quote(name)}")
                sql += [f"CREATE TABLE {_quote(schema)}.{_quote(name)} (id INTEGER PRIMARY KEY, {_quote(name)} TEXT)",
                        f"INSERT INTO {_quote(schema)}.{_quote(name)} VALUES "
                        + _values(emails)]
        # The review's pair: two tables that both used to be called x.y.a'b.
        for schema, table in (("x.y", "a'b"), ("x", "y.a'b")):
            n += 1
            emails = estate.add(schema, table, n)
            sql += [f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}",
                    f"CREATE TABLE {_quote(schema)}.{_quote(table)} (id INTEGER PRIMARY KEY, email TEXT)",
                    f"INSERT INTO {_quote(schema)}.{_quote(table)} VALUES "
                    + _values(emails)]
        _psql(postgres_url, "hostile", *sql)
        # The superuser: allowed to write server files, so an injected COPY would leave its canary behind.
        url = str(make_url(postgres_url).set(database="hostile"))
        odbc = url.replace("postgresql+asyncpg", "postgresql+aioodbc") + "?driver=PostgreSQL+Unicode"
        counts = []
        for u in (url, odbc):
            results, _, _ = asyncio.run(scan_tables({"url": u, "exclude_tables": ["victim"]}))
            counts.append(_count(results, estate))
        victim = int(_psql(postgres_url, "hostile", "SELECT count(*) FROM public.victim"))
    _record(figures, "PostgreSQL (asyncpg, psqlODBC)", estate, counts, victim)


def _record(figures, server: str, estate: Estate, counts: list[dict[str, int]], victim: int) -> None:
    total = {k: sum(c[k] for c in counts) for k in ("injected", "foreign", "missed")}
    injected = total["injected"] + (estate.victim_rows - victim)
    figures(f"hostile SQL names: {server}", "injected statements run 0, foreign rows read 0, tables missed 0",
            hostile_tables=len(estate.tables), transports=len(counts), injected_statements_run=injected,
            foreign_rows_read=total["foreign"], tables_missed=total["missed"],
            names_the_server_refuses=len(estate.refused))
    assert injected == 0 and total["foreign"] == 0 and total["missed"] == 0, (server, counts, victim)


# ------------------------------------------------------------------------------------------------ MariaDB

def test_hostile_names_mariadb(mariadb: MariaDb, figures):  # noqa: F811
    secure = mariadb.run("SELECT @@secure_file_priv")
    with _canary_dir("mysql") as cdir:
        canary_file = cdir / "my"
        canary = f"x`; SELECT 1 INTO OUTFILE '{canary_file}'; --"
        estate = Estate(canaries=[canary_file])
        mariadb.run("DROP DATABASE IF EXISTS hostile", "CREATE DATABASE hostile",
                    "CREATE TABLE hostile.victim (id INTEGER PRIMARY KEY)",
                    "INSERT INTO hostile.victim VALUES (1), (2), (3)",
                    "CREATE USER IF NOT EXISTS 'owner'@'%' IDENTIFIED BY 'Owner-pw-1'",
                    "GRANT ALL PRIVILEGES ON *.* TO 'owner'@'%'")
        n = 0
        for name in _names(canary):
            for schema in (name, "hostile"):
                tb = f"{_quote(schema, '`')}.{_quote(name, '`')}"
                try:
                    if schema == name:
                        mariadb.run(f"CREATE DATABASE {_quote(name, '`')}")
                    mariadb.run(f"CREATE TABLE {tb} (id INTEGER PRIMARY KEY, {_quote(name, '`')} TEXT)")
                except RuntimeError:
                    # MariaDB's own limits (64 characters, no trailing space, no "/" "\" "." in database names ...)
                    estate.refused.append(f"{schema}.{name}")
                    continue
                n += 1
                emails = estate.add(schema, name, n)
                mariadb.run(f"INSERT INTO {tb} VALUES " + _values(emails))
        for schema, table in (("x.y", "a'b"), ("x", "y.a'b")):  # the review's pair, as for PostgreSQL
            n += 1
            emails = estate.add(schema, table, n)
            tb = f"{_quote(schema, '`')}.{_quote(table, '`')}"
            mariadb.run(f"CREATE DATABASE IF NOT EXISTS {_quote(schema, '`')}",
                        f"CREATE TABLE {tb} (id INTEGER PRIMARY KEY, email TEXT)",
                        f"INSERT INTO {tb} VALUES " + _values(emails))
        url = f"mysql+aiomysql://owner:Owner-pw-1@127.0.0.1:{mariadb.port}/hostile"
        results, _, _ = asyncio.run(scan_tables({"url": url, "exclude_tables": ["victim"],
                                                 "exclude_schemas": ["mysql", "sys", "performance_schema",
                                                                     "information_schema", "sqlscan"]}))
        counts = [_count(results, estate)]
        victim = int(mariadb.run("SELECT count(*) FROM hostile.victim"))
        # The canary can only say something if the server may write files there at all.
        assert secure in ("", "/tmp/"), secure
    _record(figures, "MariaDB (aiomysql)", estate, counts, victim)


# ------------------------------------------------------------------------------------------------ SQLite

def test_hostile_names_sqlite(tmp_path, figures):
    db = tmp_path / "hostile.sqlite3"
    canary_file = tmp_path / "attached"
    canary = f"x\"; ATTACH DATABASE '{canary_file}' AS a; --"
    estate = Estate(canaries=[canary_file])
    with contextlib.closing(sqlite3.connect(db)) as c:
        c.execute("CREATE TABLE victim (id INTEGER PRIMARY KEY)")
        c.execute("INSERT INTO victim VALUES (1), (2), (3)")
        for n, name in enumerate(_names(canary), 1):
            emails = estate.add("main", name, n)
            c.execute(f"CREATE TABLE {_quote(name)} (id INTEGER PRIMARY KEY, {_quote(name)} TEXT)")
            c.executemany(f"INSERT INTO {_quote(name)} VALUES (?, ?)", list(enumerate(emails, 1)))
        c.commit()
    counts = []
    for url in (f"sqlite+aiosqlite:///{db}", f"sqlite+aioodbc:///{db}?driver=SQLite3"):
        results, _, _ = asyncio.run(scan_tables({"url": url, "exclude_tables": ["victim"]}))
        counts.append(_count(results, estate))
    with contextlib.closing(sqlite3.connect(db)) as c:
        victim = c.execute("SELECT count(*) FROM victim").fetchone()[0]
    _record(figures, "SQLite (aiosqlite, SQLite3 ODBC)", estate, counts, victim)
