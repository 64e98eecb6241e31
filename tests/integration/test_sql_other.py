"""The SQL connector on SQLite files (aiosqlite and the SQLite3 ODBC driver) and on a real MariaDB."""

from __future__ import annotations

import pytest

from scanner.exceptions import AuthenticationError
from scanner.models import DiscoveredObject
from tests.integration.sql_servers import (
    N_CUSTOMERS,
    RARE_ROWS,
    READER_PASSWORD,
    WIDE_HIT,
    customers_sql,
    job_for,
    make_sqlite,
    mariadb,  # noqa: F401 - fixture
    scan_tables,
    suspicious_sql,
    verdicts,
    wide_sql,
)


def _check_common(results, prefix: str) -> None:
    v = verdicts(results[f"{prefix}customers"])
    for col, ent in [("email", "EMAIL_ADDRESS"), ("ssn", "US_SSN"), ("card_no", "CREDIT_CARD")]:
        assert v[(col, ent)]["share"] == "1.0000" and v[(col, ent)]["rows"] == str(N_CUSTOMERS)
    # Sorted: with random sampling the example rows come in sample order.
    assert sorted(v[("notes", "IBAN_CODE")]["keys"].split("|")) == sorted(f"id={i}" for i in RARE_ROWS)
    hints = verdicts(results[f"{prefix}suspicious"])
    assert set(hints) == {("ssn", "HINT:US_SSN"), ("iban", "HINT:IBAN_CODE"), ("email", "HINT:EMAIL_ADDRESS")}
    wide = [k for k in results if k.endswith("wide_w")][0]
    assert set(verdicts(results[wide])) == {(f"c{WIDE_HIT:03d}", "EMAIL_ADDRESS")}


@pytest.mark.parametrize("scheme", ["sqlite+aiosqlite", "sqlite+aioodbc"])
async def test_sqlite_verdicts_timeout_and_read_only(tmp_path, scheme):
    db = make_sqlite(tmp_path / "t.sqlite3")
    before = db.read_bytes()
    url = f"{scheme}:///{db}" + ("?driver=SQLite3" if "odbc" in scheme else "")
    results, objs, conn = await scan_tables({"url": url, "include_views": True, "query_timeout_s": 2})
    _check_common(results, "main.")
    if scheme == "sqlite+aiosqlite":
        # The slow view is interrupted at the deadline (SQLite progress handler), the rest was scanned.
        assert "timed out after 2s" in (results["main.slow"].skip_reason or "")
    assert db.read_bytes() == before  # opened read only: not one byte changed


async def test_sqlite_missing_file_is_an_authentication_error(tmp_path):
    from scanner.connectors.sql import SqlConnector

    conn = SqlConnector(job_for({"url": f"sqlite+aiosqlite:///{tmp_path}/nope.db"}).datasources[0])
    with pytest.raises(AuthenticationError, match="no such file"):
        async for _ in conn.enumerate_objects(1 << 20, 10):
            pass


async def test_mariadb(mariadb):  # noqa: F811
    mariadb.run("CREATE DATABASE sqlscan")
    mariadb.run(*customers_sql(), *suspicious_sql(), *wide_sql("wide_w"), db="sqlscan")
    mariadb.run(f"CREATE USER 'reader'@'%' IDENTIFIED BY '{READER_PASSWORD}'",
                "GRANT SELECT ON sqlscan.* TO 'reader'@'%'")
    results, objs, conn = await scan_tables({"url": mariadb.url(), "sampling": "random"})
    _check_common(results, "sqlscan.")
    assert conn.rows_fetched == N_CUSTOMERS + 40 + 40
    # A wrong password: the login is refused, named without the password.
    from scanner.connectors.sql import SqlConnector

    bad = SqlConnector(job_for({"url": mariadb.url(password="wrong-pw-123")}).datasources[0])
    with pytest.raises(AuthenticationError) as ei:
        async for _ in bad.enumerate_objects(1 << 20, 10):
            pass
    await bad.close()
    assert "database sqlscan on 127.0.0.1" in str(ei.value) and "wrong-pw-123" not in str(ei.value)
    assert "login was refused" in str(ei.value)
    # Exposure: the grants information_schema shows the scan account (its own, at database level).
    reader = SqlConnector(job_for({"url": mariadb.url()}).datasources[0])
    e = await reader.exposure(objs["sqlscan.customers"])
    await reader.close()
    assert (e.level, e.readers) == ("group", ("role:'reader'@'%'",)) and "information_schema" in (e.reason or "")


async def test_sqlite_exposure_is_the_files(tmp_path):
    from scanner.connectors.sql import SqlConnector

    db = make_sqlite(tmp_path / "t.sqlite3")
    db.chmod(0o640)
    conn = SqlConnector(job_for({"url": f"sqlite+aiosqlite:///{db}"}).datasources[0])
    e = await conn.exposure(DiscoveredObject("main.customers", 0, 0.0))
    assert e.level == "owner"
    assert "keeps out" in (e.reason or "")  # pytest's 0700 temporary folders keep the group out


async def test_tables_are_planned_a_few_per_task(tmp_path):
    """However small their size estimate, at most a few tables share a discovery batch (and so a task), so several
    workers share a database's tables."""
    import sqlite3

    from scanner.connectors.sql import _TABLES_PER_BATCH, SqlConnector

    db = tmp_path / "many.sqlite3"
    with sqlite3.connect(db) as c:
        for i in range(2 * _TABLES_PER_BATCH + 1):
            c.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, email TEXT)")
            c.execute(f"INSERT INTO t{i} (email) VALUES ('a{i}@example.com')")
    conn = SqlConnector(job_for({"url": f"sqlite+aiosqlite:///{db}"}).datasources[0])
    try:
        sizes = [len(b) async for b in conn.enumerate_objects(1 << 40, 256)]
    finally:
        await conn.close()
    assert sizes == [_TABLES_PER_BATCH, _TABLES_PER_BATCH, 1]


@pytest.mark.parametrize("scheme", ["sqlite+aiosqlite", "sqlite+aioodbc"])
async def test_a_wal_mode_sqlite_file_is_left_as_it_was_found(tmp_path, scheme):
    """No -wal or -shm file appears beside a WAL-mode database, during the scan or after it (immutable=1)."""
    import sqlite3

    db = tmp_path / "wal.sqlite3"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        for s in customers_sql():
            c.execute(s)
    c.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    url = f"{scheme}:///{db}" + ("?driver=SQLite3" if "odbc" in scheme else "")
    results, _, conn = await scan_tables({"url": url})
    assert verdicts(results["main.customers"])[("email", "EMAIL_ADDRESS")]["share"] == "1.0000"
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["wal.sqlite3"]


async def test_a_sensitive_integer_key_never_names_rows(tmp_path):
    """An SSN stored as the integer primary key: the e-mail column's finding names its rows by keyed hashes."""
    import sqlite3

    from tests.integration.sql_servers import ssn

    db = tmp_path / "k.sqlite3"
    keys = [int(ssn(i).replace("-", "")) for i in range(1, 41)]
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE people (ssn INTEGER PRIMARY KEY, email TEXT)")
        c.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, email TEXT)")
        c.executemany("INSERT INTO people VALUES (?, ?)", [(k, f"p{k}@example.com") for k in keys])
        c.executemany("INSERT INTO orders VALUES (?, ?)", [(i, f"o{i}@example.com") for i in range(1, 41)])
    c.close()
    results, _, _ = await scan_tables({"url": f"sqlite+aiosqlite:///{db}"})
    people = verdicts(results["main.people"])[("email", "EMAIL_ADDRESS")]
    locations = " ".join(f.location for r in results.values() for f in r.findings)
    assert not any(str(k) in locations for k in keys), locations
    assert people["keys"].startswith("ssn=#")
    assert verdicts(results["main.orders"])[("email", "EMAIL_ADDRESS")]["keys"] == "id=1|id=2|id=3"
