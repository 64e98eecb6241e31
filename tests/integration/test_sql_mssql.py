"""SQL Server, which cannot run here: the SQL the connector sends, compiled with SQLAlchemy's mssql dialect and
compared with reviewed expected SQL, and the ODBC connection strings it builds. No SQL Server executed any of
this; the aioodbc code path itself runs for real in test_sql_pg.py / test_sql_other.py through the PostgreSQL
Unicode and SQLite3 ODBC drivers."""

from __future__ import annotations

import pytest
from sqlalchemy.dialects.mssql.aioodbc import MSDialectAsync_aioodbc
from sqlalchemy.engine import make_url

from scanner.config import SqlTlsConfig
from scanner.connectors.sql import SqlConnector, build_mssql_odbc
from scanner.connectors.sql_dialects import ColumnInfo, MssqlDialect, TableRef, compile_sql
from scanner.exceptions import AuthenticationError
from tests.integration.sql_servers import job_for

D = MssqlDialect(MSDialectAsync_aioodbc())
REF = TableRef("dbo", "Cust]omers")  # a closing bracket in a name must be doubled inside [ ]
COLS = [ColumnInfo("ssn", "nvarchar", "text"), ColumnInfo("acct", "bigint", "integer"),
        ColumnInfo("scan", "varbinary", "binary")]


def sql(stmt) -> str:
    return " ".join(compile_sql(stmt, D.sa).split())


EXPECTED = {
    "list_tables": (
        "SELECT [INFORMATION_SCHEMA].[TABLES].[TABLE_SCHEMA], [INFORMATION_SCHEMA].[TABLES].[TABLE_NAME], "
        "[INFORMATION_SCHEMA].[TABLES].[TABLE_TYPE] FROM [INFORMATION_SCHEMA].[TABLES] WHERE "
        "([INFORMATION_SCHEMA].[TABLES].[TABLE_SCHEMA] NOT IN ('sys', 'INFORMATION_SCHEMA')) ORDER BY "
        "[INFORMATION_SCHEMA].[TABLES].[TABLE_SCHEMA], [INFORMATION_SCHEMA].[TABLES].[TABLE_NAME]"),
    "table_stats": (
        "SELECT sys.schemas.name, sys.objects.name AS name_1, sum(sys.partitions.rows) AS sum_1, "
        "concat(CAST(sum(sys.partitions.rows) AS VARCHAR(max)), ':', convert(VARCHAR(33), "
        "max(sys.objects.modify_date), 126)) AS concat_1 FROM sys.partitions JOIN sys.objects ON "
        "sys.objects.object_id = sys.partitions.object_id JOIN sys.schemas ON sys.schemas.schema_id = "
        "sys.objects.schema_id WHERE sys.partitions.index_id IN (0, 1) AND sys.objects.type = 'U' "
        "GROUP BY sys.schemas.name, sys.objects.name"),
    "usage_stats": (
        "SELECT sys.schemas.name, sys.objects.name AS name_1, convert(VARCHAR(33), "
        "max(sys.dm_db_index_usage_stats.last_user_update), 126) AS convert_1 FROM sys.dm_db_index_usage_stats "
        "JOIN sys.objects ON sys.objects.object_id = sys.dm_db_index_usage_stats.object_id JOIN sys.schemas ON "
        "sys.schemas.schema_id = sys.objects.schema_id WHERE sys.dm_db_index_usage_stats.database_id = db_id() "
        "AND sys.objects.type = 'U' GROUP BY sys.schemas.name, sys.objects.name"),
    "rowversion": "SELECT convert(VARCHAR(20), max([dbo].[Cust]]omers].[rv]), 1) AS convert_1 FROM [dbo].[Cust]]omers]",
    "top": (
        "SELECT TOP 1000 substring(convert(NVARCHAR(MAX), [dbo].[Cust]]omers].[ssn]), 1, 1024) AS __c_0, "
        "[dbo].[Cust]]omers].[acct] AS __c_1, substring(convert(VARBINARY(MAX), [dbo].[Cust]]omers].[scan]), 1, 1024) "
        "AS __c_2, [dbo].[Cust]]omers].[id] AS __key_0 FROM [dbo].[Cust]]omers]"),
    "random_big": (
        "SELECT TOP 1000 substring(convert(NVARCHAR(MAX), s.[ssn]), 1, 1024) AS __c_0, s.[acct] AS __c_1, "
        "substring(convert(VARBINARY(MAX), s.[scan]), 1, 1024) AS __c_2 FROM [dbo].[Cust]]omers] AS s "
        "TABLESAMPLE system(0.4 PERCENT) ORDER BY newid()"),
    "random_small": (
        "SELECT TOP 1000 substring(convert(NVARCHAR(MAX), [dbo].[Cust]]omers].[ssn]), 1, 1024) AS __c_0, "
        "[dbo].[Cust]]omers].[acct] AS __c_1, substring(convert(VARBINARY(MAX), [dbo].[Cust]]omers].[scan]), 1, 1024) "
        "AS __c_2 FROM [dbo].[Cust]]omers] ORDER BY newid()"),
    "all_rows": (
        "SELECT substring(convert(NVARCHAR(MAX), [dbo].[Cust]]omers].[ssn]), 1, 1024) AS __c_0, "
        "[dbo].[Cust]]omers].[acct] AS __c_1, substring(convert(VARBINARY(MAX), [dbo].[Cust]]omers].[scan]), 1, 1024) "
        "AS __c_2 FROM [dbo].[Cust]]omers]"),
}


def test_discovery_and_marker_sql():
    assert sql(D.list_tables()) == EXPECTED["list_tables"]
    assert sql(D.table_stats()) == EXPECTED["table_stats"]
    assert sql(D.usage_stats()) == EXPECTED["usage_stats"]
    (rv,) = D.extra_markers(REF, [ColumnInfo("rv", "timestamp", None)])
    assert sql(rv) == EXPECTED["rowversion"]
    cols = sql(D.table_columns(REF))
    assert cols.startswith("SELECT [INFORMATION_SCHEMA].[COLUMNS].[COLUMN_NAME]") and \
        "[TABLE_NAME] = N'Cust]omers'" in cols
    pk = sql(D.primary_key(REF))
    assert "[CONSTRAINT_TYPE] = 'PRIMARY KEY'" in pk and "[TABLE_SCHEMA] = N'dbo'" in pk


def test_sampling_sql():
    assert sql(D.sample(REF, COLS, ["id"], 1000, "top", 10**6, 1024)) == EXPECTED["top"]
    assert sql(D.sample(REF, COLS, [], 1000, "random", 10**6, 1024)) == EXPECTED["random_big"]
    assert sql(D.sample(REF, COLS, [], 1000, "random", 2000, 1024)) == EXPECTED["random_small"]
    assert sql(D.sample(REF, COLS, [], 0, "top", 10**6, 1024)) == EXPECTED["all_rows"]
    assert D.session_setup(30) == ["SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET LOCK_TIMEOUT 30000"]


URL = "mssql+aioodbc://scan:p%3Bw%7D@sql01.corp:1433/HR?driver=ODBC+Driver+18+for+SQL+Server"
BASE = "DRIVER={ODBC Driver 18 for SQL Server};Server=sql01.corp,1433;Database=HR;UID=scan;PWD={p;w}}}"


@pytest.mark.parametrize("tls,url_extra,expected_tail", [
    # A password and nothing said: encrypted (TDS only obfuscates the password), the certificate checked.
    (None, "", ";Encrypt=yes;ApplicationIntent=ReadOnly"),
    (SqlTlsConfig(encrypt="yes", trust_server_certificate=False), "",
     ";Encrypt=yes;TrustServerCertificate=no;ApplicationIntent=ReadOnly"),
    (SqlTlsConfig(mode="require"), "", ";Encrypt=yes;TrustServerCertificate=yes;ApplicationIntent=ReadOnly"),
    (SqlTlsConfig(mode="verify-full", ca_file="/etc/ssl/sql.pem"), "",
     ";Encrypt=yes;TrustServerCertificate=no;ServerCertificate=/etc/ssl/sql.pem;ApplicationIntent=ReadOnly"),
    (SqlTlsConfig(mode="disable"), "", ";Encrypt=no;ApplicationIntent=ReadOnly"),
    (SqlTlsConfig(trust_server_certificate=True), "",
     ";Encrypt=yes;TrustServerCertificate=yes;ApplicationIntent=ReadOnly"),
    # Options written in the URL win; the TLS block does not repeat them.
    (SqlTlsConfig(encrypt="strict"), "&Encrypt=no&TrustServerCertificate=yes",
     ";Encrypt=no;TrustServerCertificate=yes;ApplicationIntent=ReadOnly"),
])
def test_odbc_connection_string(tls, url_extra, expected_tail):
    assert build_mssql_odbc(make_url(URL + url_extra), tls) == BASE + expected_tail


async def test_missing_sql_server_driver_names_the_package():
    conn = SqlConnector(job_for({"url": URL.replace("p%3Bw%7D", "${PW}".replace("${PW}", "pw-XYZ"))}).datasources[0])
    with pytest.raises(AuthenticationError) as ei:
        async for _ in conn.enumerate_objects(1 << 20, 10):
            pass
    msg = str(ei.value)
    assert "mssql database HR on sql01.corp:1433 as user scan" in msg and "msodbcsql18" in msg
    assert "ODBC Driver 18 for SQL Server" in msg and "pw-XYZ" not in msg


# Who may SELECT a table (exposure): reviewed against the catalog views' documentation (sys.database_permissions:
# class 0 database, 1 object, 3 schema; state G grant, W grant with grant option). Not run on a SQL Server: none
# runs here. The table name goes through QUOTENAME, as OBJECT_ID parses its argument.
EXPECTED_READERS = (
    "SELECT sys.database_principals.name, 'grant' AS anon_1, NULL AS anon_2 FROM sys.database_permissions JOIN "
    "sys.database_principals ON sys.database_principals.principal_id = sys.database_permissions.grantee_principal_id "
    "WHERE sys.database_permissions.permission_name IN ('SELECT', 'CONTROL') AND sys.database_permissions.state IN "
    "('G', 'W') AND (sys.database_permissions.class = 1 AND sys.database_permissions.major_id = "
    "object_id(concat(quotename(N'dbo'), '.', quotename(N'Cust]omers'))) OR sys.database_permissions.class = 3 AND "
    "sys.database_permissions.major_id = schema_id(N'dbo') OR sys.database_permissions.class = 0) UNION ALL SELECT "
    "m.name, r.name AS name_1, NULL AS anon_3 FROM sys.database_role_members JOIN sys.database_principals AS r ON "
    "r.principal_id = sys.database_role_members.role_principal_id JOIN sys.database_principals AS m ON "
    "m.principal_id = sys.database_role_members.member_principal_id WHERE r.name IN ('db_datareader', 'db_owner')")


def test_table_readers_sql_and_how_principals_count():
    assert sql(D.table_readers(REF)) == EXPECTED_READERS
    assert D.reader_kind("public", "grant") == "public" and D.reader_kind("guest", "grant") == "public"
    assert D.reader_kind("dbo", "grant") == "admin" and D.reader_kind("ops", "db_owner") == "admin"
    assert D.reader_kind("analysts", "grant") == "role" and D.reader_kind("app", "db_datareader") == "role"
