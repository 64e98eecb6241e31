"""The SQL connector against a real PostgreSQL (asyncpg, and aioodbc through the PostgreSQL Unicode driver).

Column verdicts come from the real worker code (Worker._one_table) and the real classifier.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from scanner.exceptions import AuthenticationError, ConnectorError
from tests.integration.sql_servers import (
    N_CUSTOMERS,
    RARE_ROWS,
    WIDE_COLS,
    WIDE_HIT,
    scan_tables,
    sql_pg,  # noqa: F401 - fixture
    verdicts,
)

pytestmark = pytest.mark.postgres


def _odbc_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql+aioodbc://") + "?driver=PostgreSQL+Unicode"


# The test cluster has no TLS: through psqlODBC a URL with a password needs plain text allowed explicitly (libpq
# could be asked for the password in clear text; asyncpg's path instead connects without sending it).
PLAIN = {"tls": {"mode": "disable"}}


@pytest.fixture(scope="module")
def pg_scan(sql_pg):  # noqa: F811
    """One scan of the whole database as the SELECT-only user (top sampling, default 1000 rows)."""
    return asyncio.run(scan_tables({"url": sql_pg.reader_url, "exclude_schemas": ["locked"]}))


def test_entities_shares_and_rare_values(pg_scan):
    results, objs, conn = pg_scan
    v = verdicts(results["public.customers"])
    for col, ent in [("email", "EMAIL_ADDRESS"), ("ssn", "US_SSN"), ("card_no", "CREDIT_CARD")]:
        f = v[(col, ent)]
        assert f["share"] == "1.0000" and f["nonempty"] == str(N_CUSTOMERS) and f["rows"] == str(N_CUSTOMERS), f
        assert float(f["score"]) >= 0.8
        assert f["keys"].startswith("id=1|id=2")  # integer primary key names the rows
    rare = v[("notes", "IBAN_CODE")]
    assert rare["entity_rows"] == str(len(RARE_ROWS)) and float(rare["share"]) == pytest.approx(3 / N_CUSTOMERS)
    assert rare["keys"] == "|".join(f"id={i}" for i in RARE_ROWS)
    assert float(rare["score"]) < float(v[("email", "EMAIL_ADDRESS")]["score"])  # rarity lowers confidence
    assert not any(col in ("full_name", "score", "id") for col, _ in v)
    ex = {f.entity: f for f in results["public.customers"].findings}
    assert ex["CREDIT_CARD"].masked.startswith("411111") and "*" in ex["CREDIT_CARD"].masked
    assert ex["US_SSN"].masked.startswith("***-**-") and ex["US_SSN"].value is None


def test_clean_columns_with_suspicious_names_are_hints(pg_scan):
    results, _, _ = pg_scan
    v = verdicts(results["public.suspicious"])
    assert set(v) == {("ssn", "HINT:US_SSN"), ("iban", "HINT:IBAN_CODE"), ("email", "HINT:EMAIL_ADDRESS")}
    assert all(float(f["score"]) == 0.1 for f in v.values())


def test_wide_table_and_quoted_identifiers(pg_scan):
    results, objs, _ = pg_scan
    v = verdicts(results["wide.w"])
    assert set(v) == {(f"c{WIDE_HIT:03d}", "EMAIL_ADDRESS")}
    assert v[(f"c{WIDE_HIT:03d}", "EMAIL_ADDRESS")]["share"] == "1.0000"
    assert objs["wide.w"].size > objs["public.suspicious"].size  # sized by columns read, for task cutting
    assert WIDE_COLS == 150
    weird = verdicts(results['public."we""ird.name"'])
    assert weird[('e-mail "x"', "EMAIL_ADDRESS")]["share"] == "1.0000"


def test_discovery_filters_views_and_unreadable_types(pg_scan):
    results, objs, _ = pg_scan
    assert "public.v_emails" not in objs  # views are opt-in
    assert not any(p.startswith("locked.") for p in objs)
    assert objs["public.dates_only"].skip_reason and "readable type" in objs["public.dates_only"].skip_reason
    assert "public.dates_only" not in results


async def test_million_rows_sampling_reads_a_bounded_sample(sql_pg):  # noqa: F811
    """What the server read of big.million (its buffer accesses) stays far below the table's size."""
    async def blocks() -> tuple[int, int]:
        c = await asyncpg.connect(sql_pg.admin_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            return tuple(await c.fetchrow(
                "SELECT coalesce(heap_blks_read, 0) + coalesce(heap_blks_hit, 0), pg_relation_size(relid) / 8192 "
                "FROM pg_statio_user_tables WHERE relid = 'big.million'::regclass"))
        finally:
            await c.close()

    for sampling in ("top", "random"):
        before, table_blocks = await blocks()
        results, objs, conn = await scan_tables({"url": sql_pg.reader_url, "schemas": ["big"], "sampling": sampling})
        v = verdicts(results["big.million"])
        assert v[("email", "EMAIL_ADDRESS")]["rows"] == "1000"
        assert conn.rows_fetched == 1000 and conn.tables_read == 1
        # The reader's backend publishes its counters when its session ends: wait until they appear.
        deadline = asyncio.get_running_loop().time() + 30
        while (after := (await blocks())[0]) == before:
            assert asyncio.get_running_loop().time() < deadline, "statistics never arrived"
            await asyncio.sleep(0.1)  # polling interval
        # top: LIMIT stops the scan after a few blocks; random: TABLESAMPLE SYSTEM visits ~0.4% of them.
        assert after - before < table_blocks / 20, (sampling, after - before, table_blocks)
    assert objs["big.million"].size < 1_000_000  # estimate of the sample, not of the table


async def test_table_that_times_out_is_skipped_and_the_scan_goes_on(sql_pg):  # noqa: F811
    holder = await asyncpg.connect(sql_pg.admin_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("LOCK TABLE locked.t IN ACCESS EXCLUSIVE MODE")
        for ds in ({"url": sql_pg.reader_url}, {"url": _odbc_url(sql_pg.reader_url), **PLAIN}):
            url = ds["url"]
            results, _, _ = await scan_tables({**ds, "schemas": ["locked", "public"],
                                               "tables": ["t", "customers"], "query_timeout_s": 1.5})
            assert "timed out after 1.5s" in (results["locked.t"].skip_reason or ""), url
            assert results["public.customers"].skip_reason is None
            assert verdicts(results["public.customers"])[("email", "EMAIL_ADDRESS")]["share"] == "1.0000"
        await tx.rollback()
    finally:
        await holder.close()


async def test_odbc_path_gives_the_same_verdicts(sql_pg, pg_scan):  # noqa: F811
    results, objs, conn = await scan_tables({"url": _odbc_url(sql_pg.reader_url), "schemas": ["public", "wide"],
                                             **PLAIN})
    assert conn.transport_kind == "odbc"
    for path in ("public.customers", "public.suspicious", "wide.w", 'public."we""ird.name"'):
        assert verdicts(results[path]) == verdicts(pg_scan[0][path]), path
        assert (objs[path].size, objs[path].mtime) == (pg_scan[1][path].size, pg_scan[1][path].mtime)


async def test_nothing_is_written_and_a_write_would_fail(sql_pg):  # noqa: F811
    """The reader only has SELECT; on top of that every session is a read-only transaction."""
    before = sql_pg.run("SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables")
    await scan_tables({"url": sql_pg.reader_url, "exclude_schemas": ["locked", "big"]})
    assert sql_pg.run("SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables") == before
    # The session set-up itself refuses writes, even for a login that could write (the superuser here).
    from scanner.connectors.sql import SqlConnector
    from tests.integration.sql_servers import job_for

    conn = SqlConnector(job_for({"url": sql_pg.admin_url}).datasources[0])
    try:
        async with conn._session() as s:
            from sqlalchemy import text

            with pytest.raises(Exception, match="read-only transaction"):
                await s.conn.execute(text("CREATE TABLE public.should_not_exist (x int)"))
    finally:
        await conn.close()
    assert sql_pg.run("SELECT count(*) FROM pg_tables WHERE tablename = 'should_not_exist'") == "0"


async def test_connection_errors_name_host_and_database_never_the_password(sql_pg):  # noqa: F811
    """A missing database is fatal (AuthenticationError); a server that refuses the connection is retried with
    backoff, then fails the task only (ConnectorError), as an SMB server would."""
    from scanner.connectors.sql import SqlConnector
    from tests.integration.sql_servers import READER_PASSWORD, job_for

    bad_db = sql_pg.reader_url.replace("/sqlscan", "/nosuchdb")
    closed = sql_pg.reader_url.replace(f":{sql_pg.port}/", ":1/")
    cases = [(bad_db, "database nosuchdb", "does not exist", True), (closed, "on 127.0.0.1:1", "unreachable", False),
             (_odbc_url(closed), "on 127.0.0.1:1", "unreachable", False)]
    for url, where, fix, fatal in cases:
        conn = SqlConnector(job_for({"url": url}).datasources[0])
        conn.reconnect_delays = (0.01, 0.01)
        with pytest.raises(ConnectorError) as ei:
            async for _ in conn.enumerate_objects(1 << 20, 10):
                pass
        await conn.close()
        msg = str(ei.value)
        assert isinstance(ei.value, AuthenticationError) is fatal, msg
        assert where in msg and fix in msg and READER_PASSWORD not in msg, msg
        assert fatal or "not regained after 2 retries" in msg


@pytest.mark.parametrize("odbc", [False, True], ids=["asyncpg", "odbc"])
async def test_a_connection_cut_mid_scan_is_reconnected(sql_pg, odbc, caplog):  # noqa: F811
    """A real server whose connection is cut while it answers (a proxy passes the query on and drops the
    connection instead of the answer), once in discovery and once in a table's read: both are read again on a new
    connection, and the results are those of an uncut scan."""
    from scanner.connectors.sql import SqlConnector
    from tests.integration.sql_servers import N_CUSTOMERS, job_for
    from tests.tcpproxy import CuttingProxy

    proxy = CuttingProxy(sql_pg.port)
    port = await proxy.start()
    url = sql_pg.reader_url.replace(f":{sql_pg.port}/", f":{port}/")
    conn = SqlConnector(job_for({"url": _odbc_url(url), **PLAIN} if odbc else {"url": url}).datasources[0])
    try:
        proxy.arm(b"table_type")  # the catalogue query of discovery
        objs = {o.path: o async for batch in conn.enumerate_objects(1 << 30, 1000) for o in batch}
        assert proxy.cuts == 1 and "public.customers" in objs
        proxy.arm(b"customers")  # the first query of the table's read
        rows = 0
        async for block in conn.read_table(objs["public.customers"]):
            rows += len(block.row_keys)
        assert proxy.cuts == 2 and rows == N_CUSTOMERS
    finally:
        await conn.close()
        proxy.close()
    assert sum("reconnecting" in r.getMessage() for r in caplog.records) == 2
