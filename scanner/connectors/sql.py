"""SQL databases: one object per table, read as a bounded, read-only sample of its text and numeric columns.

Two transports run the statements of :mod:`scanner.connectors.sql_dialects`:

- SQLAlchemy's async engines for ``postgresql+asyncpg``, ``mysql+aiomysql``/``+asyncmy`` and ``sqlite+aiosqlite``;
- aioodbc for ``mssql+aioodbc`` (and, with the same code, ``postgresql+aioodbc`` / ``sqlite+aioodbc`` through
  the PostgreSQL Unicode and SQLite3 ODBC drivers, which is how the ODBC path is tested where no SQL Server runs).

Every session is read only where the database has the notion (PostgreSQL ``default_transaction_read_only``,
MySQL ``SET SESSION TRANSACTION READ ONLY``, SQLite ``mode=ro`` (``immutable=1`` unless a writer is active) +
``query_only``; SQL Server has none: give the login db_datareader only). Each table read is bounded by
``sample_rows``, ``max_value_chars`` and ``query_timeout_s`` (enforced by the server where it can, and by the
client in every case).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import ssl
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from sqlalchemy.engine import URL, Dialect

from scanner.config import SqlSource, SqlTlsConfig, secret_value
from scanner.connectors.base import ColumnSample, TableBlock, TableConnector
from scanner.connectors.filesystem import file_exposure
from scanner.connectors.sql_dialects import (
    ColumnInfo,
    MssqlDialect,
    SqlDialect,
    TableRef,
    categorize,
    compile_sql,
    dialect_for,
    split_object_name,
)
from scanner.dburl import parse_url
from scanner.exceptions import AuthenticationError, ConfigError, ConnectorError, ObjectReadError
from scanner.exposure import Exposure, grants_exposure, unknown
from scanner.models import DiscoveredObject
from scanner.tlspolicy import (
    DATASOURCE_ALLOW,
    PlaintextPasswordRefused,
    UnverifiedServerCertificate,
    apply_pg_tls_policy,
    in_chain,
    mysql_connector,
    verified_context,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")

BLOCK_ROWS = 2000            # rows per block handed to the classifier (and per fetch from a server cursor)
# Tasks never span discovery batches, so this bounds a classification task to a few tables: a sampled table costs
# seconds of classification while its size estimate stays small, and byte-based batching alone put every table of
# a database into one task, which only one worker could run (bench_sql: 2 workers were no faster than 1).
_TABLES_PER_BATCH = 4
# Reconnect backoff after a lost or refused connection, as for an SMB server; then the task fails (and is tried
# again by the runtime, up to runtime.max_attempts) - only a refused login is fatal to the job.
RECONNECT_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)
_EST_BYTES_PER_VALUE = 32    # DiscoveredObject.size = sampled rows x read columns x this (only for task sizing)

# Fixes named in connection errors, per ODBC driver family.
_ODBC_PACKAGES = {
    "mssql": "Microsoft's msodbcsql18 package (driver=ODBC+Driver+18+for+SQL+Server), or Debian's tdsodbc "
             "(driver=FreeTDS)",
    "postgresql": "Debian's odbc-postgresql package (driver=PostgreSQL+Unicode)",
    "sqlite": "Debian's libsqliteodbc package (driver=SQLite3)",
}


class _Lost(ConnectorError):
    """The server could not be reached, or dropped the connection: worth reconnecting (the message names the
    server, never the password)."""


# Connection exceptions (SQLSTATE class 08), shutdowns (57P01-57P03), MySQL's "server has gone away" / "lost
# connection" / "can't connect" (2006, 2013, 2003) and asyncpg's names for the same.
_LOST_STATES = ("08", "57P01", "57P02", "57P03", "2006", "2013", "2003")
_LOST_NAMES = ("ConnectionDoesNotExistError", "ConnectionFailureError", "CannotConnectNowError", "AdminShutdownError",
               "CrashShutdownError", "TooManyConnectionsError", "ConnectionResetError", "BrokenPipeError")


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 6:
        out.append(cur)
        cur = getattr(cur, "orig", None) or cur.__cause__
    return out


def connection_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says the connection to the server was lost or refused (not a time-out, not a query error)."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    for e in _chain(exc):
        if isinstance(e, TimeoutError):
            return False  # a query past its deadline: the table's time-out, not the server's absence
        if isinstance(e, (ConnectionError, OSError)) and not isinstance(e, socket.gaierror):
            return True
        if type(e).__name__ in _LOST_NAMES:
            return True
        state = str(getattr(e, "sqlstate", "") or (e.args[0] if getattr(e, "args", None) else ""))
        if state.startswith(_LOST_STATES):
            return True
        text = str(e).lower()
        if "connection is closed" in text or "server closed the connection" in text \
                or "communication link failure" in text or "server has gone away" in text:
            return True
    return False


class TableTimeout(ObjectReadError):
    """The table's read did not finish within ``query_timeout_s``."""


# ------------------------------------------------------------------------------------------------------ helpers

def describe(url: URL) -> str:
    """Where we connect, for messages: never the password."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"SQLite file {url.database}"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    user = f" as user {url.username}" if url.username else ""
    return f"{backend} database {url.database or '(default)'} on {host}{port}{user}"


def _scrub(text: str, secret: str | None) -> str:
    """A driver message without the password (drivers rarely echo it, but never trust that)."""
    text = " ".join(str(text).split())[:300]
    return text.replace(secret, "***") if secret else text


def _glob_any(patterns: Sequence[str], *names: str) -> bool:
    return any(fnmatchcase(n.lower(), p.lower()) for p in patterns for n in names)


def _odbc_quote(value: str) -> str:
    """An ODBC connection-string value: braced (closing braces doubled) when it holds special characters."""
    if any(ch in value for ch in ";{}=") or value != value.strip():
        return "{" + value.replace("}", "}}") + "}"
    return value


def _yes(v: bool) -> str:
    return "yes" if v else "no"


def to_text(value: Any) -> str | None:
    """A fetched value as text: bytes decoded as UTF-8 (replacement characters), decimals without exponent."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value, "f")
    return str(value)


def build_mssql_odbc(url: URL, tls: SqlTlsConfig | None) -> str:
    """The ODBC connection string for ``mssql+aioodbc``: SQLAlchemy's own builder, plus TLS and read intent."""
    from sqlalchemy.dialects.mssql.aioodbc import MSDialectAsync_aioodbc

    _, kw = MSDialectAsync_aioodbc().create_connect_args(url)
    dsn: str = kw["dsn"]
    have = {part.split("=", 1)[0].strip().lower() for part in dsn.split(";") if "=" in part}
    extra: list[str] = []
    if url.password is not None and "encrypt" not in have and "encryption" not in have and (
            tls is None or (tls.mode is None and tls.encrypt is None)):
        # A password and nobody said how: TDS's login packet only obfuscates it, so it must go inside TLS, and
        # TLS the driver cannot be talked out of (Microsoft's drivers: Encrypt=yes checks the certificate unless
        # TrustServerCertificate=yes; FreeTDS names the setting Encryption).
        freetds = "freetds" in str(url.query.get("driver", "")).lower()
        extra.append("Encryption=require" if freetds else "Encrypt=yes")
    if tls is not None:
        encrypt = tls.encrypt
        if encrypt is None and tls.mode is not None:
            encrypt = "no" if tls.mode == "disable" else ("yes" if tls.mode != "prefer" else None)
        trust = tls.trust_server_certificate
        if trust is None and tls.mode in ("require", "verify-ca", "verify-full"):
            trust = tls.mode == "require"  # require = encrypted, certificate not checked
        if encrypt is not None and "encrypt" not in have:
            extra.append(f"Encrypt={encrypt}")
        if trust is not None and "trustservercertificate" not in have:
            extra.append(f"TrustServerCertificate={_yes(trust)}")
        if tls.ca_file and "servercertificate" not in have:
            extra.append(f"ServerCertificate={_odbc_quote(tls.ca_file)}")
    if "applicationintent" not in have:
        extra.append("ApplicationIntent=ReadOnly")  # routes to a readable secondary where there is one
    return ";".join([dsn.rstrip(";"), *extra])


def build_generic_odbc(url: URL, tls: SqlTlsConfig | None) -> str:
    """The ODBC connection string for ``postgresql+aioodbc`` and ``sqlite+aioodbc``."""
    q = dict(url.query)
    driver = str(q.pop("driver"))
    parts = [f"DRIVER={{{driver}}}"]
    backend = url.get_backend_name()
    if backend == "sqlite":
        # The SQLite3 driver takes no braced values; the database is a URI (sqlite_uri) whose path is
        # percent-encoded, so it holds no ";" "{" "}" of its own.
        parts += [f"DATABASE={url.database or ''}", "NoCreat=1"]
    else:
        parts += [f"SERVER={_odbc_quote(url.host or 'localhost')}", f"PORT={url.port or 5432}",
                  f"DATABASE={_odbc_quote(url.database or '')}"]
        if url.username:
            parts.append(f"UID={_odbc_quote(url.username)}")
        if url.password is not None:
            parts.append(f"PWD={_odbc_quote(str(url.password))}")
        if tls is not None and tls.mode:
            parts.append(f"SSLMODE={tls.mode}")
        elif url.password is not None:
            # libpq (15) cannot refuse a clear-text password request, so with a password TLS is not optional
            # unless the job says so (tls: {mode: disable | prefer}); verify-full also checks the certificate.
            parts.append("SSLMODE=verify-full")
        # A server-side cursor, so a full read (sample_rows: 0) streams instead of arriving whole.
        parts += ["UseDeclareFetch=1", f"Fetch={BLOCK_ROWS}"]
    parts += [f"{k}={_odbc_quote(str(v))}" for k, v in q.items()]
    return ";".join(parts)


def sqlite_uri(url: URL, cfg: SqlSource) -> str:
    """The SQLite file of ``url`` as a read-only URI (``mode=ro``), immutable unless a writer may have it open.

    ``immutable=1`` takes no locks and creates no ``-wal``/``-shm`` file (even for a WAL-mode database), so a scan
    leaves the folder as it found it. It also ignores a ``-wal`` file, which holds the newest pages while a writer
    is active: with a ``-wal`` or ``-journal`` file beside it the database is opened ``mode=ro`` only (those files
    exist already, so nothing new is created).
    """
    path = url.database or ""
    if not path or path == ":memory:":
        raise ConfigError(f"datasources {cfg.id}: a SQLite URL needs a file path (sqlite+aiosqlite:///path)")
    if not Path(path).is_file():
        raise AuthenticationError(f"cannot open {describe(url)}: no such file. Check the path in the URL "
                                  "(three slashes then a relative path, four for an absolute one)")
    p = Path(path).resolve()
    busy = any(p.with_name(p.name + suffix).exists() for suffix in ("-wal", "-journal"))
    return f"file:{quote(str(p))}?mode=ro" + ("" if busy else "&immutable=1")


def _tls_context(tls: SqlTlsConfig | None) -> ssl.SSLContext:
    """The context for a mode that uses TLS: verifying for verify-ca/verify-full and for no mode (the default
    policy, :mod:`scanner.tlspolicy`), not verifying for an explicit prefer/require; our CA and client files."""
    mode = tls.mode if tls is not None else None
    ctx = verified_context(tls.ca_file if tls else None, tls.cert_file if tls else None,
                           tls.key_file if tls else None, check_hostname=mode in (None, "verify-full"))
    if mode in ("prefer", "require"):
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _pg_ssl(tls: SqlTlsConfig) -> ssl.SSLContext | str | bool:
    """asyncpg ``ssl`` for an explicit mode: False (off), a mode name asyncpg understands, or a context."""
    if tls.mode == "disable":
        return False
    if tls.mode in ("prefer", "require") and not (tls.ca_file or tls.cert_file):
        return tls.mode
    return _tls_context(tls)


# ------------------------------------------------------------------------------------------------------ transports

class _Session(ABC):
    """One connection, checked out for a few statements."""

    deadline = math.inf

    @abstractmethod
    async def all(self, stmt: Any) -> list[tuple[Any, ...]]:
        """Every row of a small (catalog) query."""

    @abstractmethod
    def stream(self, stmt: Any, block_rows: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Rows in blocks, from a server-side cursor where the driver has one; stops at ``self.deadline``."""


class _Transport(ABC):
    sa_dialect: Dialect
    dialect: SqlDialect  # set by the connector once the transport knows its SQLAlchemy dialect
    flavor = ""

    @abstractmethod
    def session(self) -> contextlib.AbstractAsyncContextManager[_Session]:
        """A connection from the pool, set up read only."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection."""


async def _within(deadline: float, aw: Any) -> Any:
    """Await ``aw`` until the monotonic ``deadline``; TimeoutError after it."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    async with asyncio.timeout(left):
        return await aw


class _SaSession(_Session):
    def __init__(self, conn: Any):
        self.conn = conn

    async def all(self, stmt: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in (await _within(self.deadline, self.conn.execute(stmt))).all()]

    async def stream(self, stmt: Any, block_rows: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        result = await _within(self.deadline, self.conn.stream(stmt.execution_options(yield_per=block_rows)))
        try:
            parts = result.partitions(block_rows).__aiter__()
            while True:
                try:
                    rows = await _within(self.deadline, parts.__anext__())
                except StopAsyncIteration:
                    return
                yield [tuple(r) for r in rows]
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(result.close())


class _SaTransport(_Transport):
    """SQLAlchemy's async engine (asyncpg, aiomysql/asyncmy, aiosqlite)."""

    def __init__(self, url: URL, cfg: SqlSource, where: str):
        from sqlalchemy.ext.asyncio import create_async_engine

        self.cfg = cfg
        backend = url.get_backend_name()
        connect_args: dict[str, Any] = {}
        engine_args: dict[str, Any] = {}
        tls = cfg.tls
        default_tls = tls is None or tls.mode is None  # nobody said how: scanner/tlspolicy.py decides
        ms = max(1, int(cfg.query_timeout_s * 1000))
        if backend == "postgresql":
            connect_args = {
                "timeout": cfg.connect_timeout_s,
                "command_timeout": cfg.query_timeout_s + 5,  # client-side backstop to statement_timeout
                "server_settings": {
                    "default_transaction_read_only": "on", "statement_timeout": str(ms),
                    "lock_timeout": str(ms), "idle_in_transaction_session_timeout": str(ms + 60_000),
                    "application_name": "datascan",
                },
            }
            if tls is not None and tls.mode is not None:
                connect_args["ssl"] = _pg_ssl(tls)
        elif backend in ("mysql", "mariadb"):
            if url.get_driver_name() == "aiomysql":
                from sqlalchemy.dialects.mysql.aiomysql import MySQLDialect_aiomysql

                _, params = MySQLDialect_aiomysql().create_connect_args(url)
                mode = None if tls is None else tls.mode
                params.update(connect_timeout=max(1, int(cfg.connect_timeout_s)),
                              ssl=None if mode == "disable" else _tls_context(tls))
                engine_args["async_creator"] = mysql_connector(
                    params, require_tls=mode in ("require", "verify-ca", "verify-full"),
                    readable_ok=mode in ("disable", "prefer", "require"), where=where)
            else:
                # asyncmy (compiled) cannot be held to the password rules: TLS as configured, nothing more.
                connect_args = {"connect_timeout": max(1, int(cfg.connect_timeout_s))}
                if tls is not None and tls.mode not in (None, "disable"):
                    connect_args["ssl"] = _tls_context(tls)
        elif backend == "sqlite":
            if tls is not None:
                raise ConfigError(f"datasources {cfg.id}: tls does not apply to SQLite")
            url = url.set(database=sqlite_uri(url, cfg), query={"uri": "true"})
            connect_args = {"timeout": cfg.query_timeout_s}
        self.engine = create_async_engine(url, pool_size=cfg.max_concurrent_queries, max_overflow=0,
                                          pool_pre_ping=True, connect_args=connect_args, **engine_args)
        if backend == "postgresql" and default_tls:
            # Verified TLS, or plain text without a password (scanner/tlspolicy.py), with the datasource's files.
            ctx = _tls_context(tls) if tls is not None and (tls.ca_file or tls.cert_file) else None
            apply_pg_tls_policy(self.engine, where, ctx, allow=DATASOURCE_ALLOW)
        self.sa_dialect = self.engine.dialect
        self.backend = backend
        self._setup: list[str] | None = None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[_Session]:
        async with self.engine.connect() as conn:
            if self._setup is None:
                if self.backend in ("mysql", "mariadb"):
                    version = (await conn.exec_driver_sql("SELECT VERSION()")).scalar_one()
                    self.flavor = "mariadb" if "mariadb" in str(version).lower() else "mysql"
                # asyncpg gets its settings when it connects (server_settings); the others per session.
                self._setup = [] if self.backend == "postgresql" else self.dialect.session_setup(
                    self.cfg.query_timeout_s, self.flavor)
            for s in self._setup:
                await conn.exec_driver_sql(s)
            if self._setup:
                await conn.commit()  # settings for the transactions that follow, not the implicit one
            sess = _SaSession(conn)
            if self.backend == "sqlite":
                # SQLite has no statement timeout: a progress handler interrupts the query past the deadline.
                raw = await conn.get_raw_connection()
                drv = raw.driver_connection
                assert drv is not None
                await drv.set_progress_handler(lambda: time.monotonic() > sess.deadline, 10_000)
            try:
                yield sess
            except BaseException:
                with contextlib.suppress(Exception):
                    await conn.invalidate()  # a cancelled or failed stream may leave the connection unusable
                raise

    async def close(self) -> None:
        await self.engine.dispose()


class _OdbcSession(_Session):
    def __init__(self, conn: Any, dialect: Dialect):
        self.conn, self.sa = conn, dialect

    async def all(self, stmt: Any) -> list[tuple[Any, ...]]:
        sql = stmt if isinstance(stmt, str) else compile_sql(stmt, self.sa)
        cur = await self.conn.cursor()
        try:
            await _within(self.deadline, cur.execute(sql))
            return [tuple(r) for r in await _within(self.deadline, cur.fetchall())]
        except TimeoutError:
            _cancel(cur)
            raise
        finally:
            with contextlib.suppress(Exception):
                await cur.close()

    async def run(self, sql: str) -> None:
        """A statement that returns no rows (the fixed session set-up)."""
        cur = await self.conn.cursor()
        try:
            await cur.execute(sql)
        finally:
            await cur.close()

    async def stream(self, stmt: Any, block_rows: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        sql = compile_sql(stmt, self.sa)
        cur = await self.conn.cursor()
        try:
            await _within(self.deadline, cur.execute(sql))
            while True:
                rows = await _within(self.deadline, cur.fetchmany(block_rows))
                if not rows:
                    return
                yield [tuple(r) for r in rows]
        except TimeoutError:
            _cancel(cur)
            raise
        finally:
            with contextlib.suppress(Exception):
                await cur.close()


def _cancel(cur: Any) -> None:
    """Stop a statement still running on the connection's thread after a client-side time-out. pyodbc's cancel
    (SQLCancel) is the one ODBC call meant to come from another thread."""
    with contextlib.suppress(Exception):
        cur._impl.cancel()


async def _close_odbc(conn: Any) -> None:
    """Close an aioodbc connection, then the one thread it ran on (see ``_OdbcTransport._connect``)."""
    with contextlib.suppress(Exception):
        await conn.close()
    executor = getattr(conn, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=False)


class _OdbcTransport(_Transport):
    """aioodbc with a small pool of our own (one ODBC connection per concurrent query)."""

    def __init__(self, url: URL, cfg: SqlSource, where: str):
        self.cfg, self.where = cfg, where
        self.backend = url.get_backend_name()
        self.driver = str(url.query.get("driver", ""))
        if self.backend == "mssql":
            from sqlalchemy.dialects.mssql.aioodbc import MSDialectAsync_aioodbc

            self.sa_dialect = MSDialectAsync_aioodbc()
            self.dsn = build_mssql_odbc(url, cfg.tls)
        else:
            from sqlalchemy.dialects import postgresql, sqlite

            # qmark: literal "%" (format("%I.%I", ...)) is then sent as it is, not doubled for pyformat.
            self.sa_dialect = (postgresql.dialect(paramstyle="qmark") if self.backend == "postgresql"
                               else sqlite.dialect())
            if self.backend == "sqlite":
                if cfg.tls is not None:
                    raise ConfigError(f"datasources {cfg.id}: tls does not apply to SQLite")
                url = url.set(database=sqlite_uri(url, cfg))
            self.dsn = build_generic_odbc(url, cfg.tls)
        self._idle: list[Any] = []

    async def _connect(self) -> Any:
        try:
            import aioodbc
            import pyodbc
        except ImportError as exc:
            raise AuthenticationError(
                f"cannot connect to {self.where}: the ODBC driver manager is missing ({exc.name}). Install unixODBC "
                f"(Debian: apt-get install unixodbc) and {_ODBC_PACKAGES[self.backend]}") from None
        if self.driver and self.driver not in pyodbc.drivers():
            raise AuthenticationError(
                f"cannot connect to {self.where}: the ODBC driver {self.driver!r} is not installed on this host "
                f"(installed: {', '.join(pyodbc.drivers()) or 'none'}). Install {_ODBC_PACKAGES[self.backend]}")
        # One thread per ODBC connection, not the loop's shared pool: after a client-side time-out the timed-out
        # call is still running in its thread, and the cursor or connection close that follows must wait for it.
        # From another thread it would free the driver's statement under it (psqlODBC then crashes the process).
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="odbc")
        try:
            conn = await asyncio.wait_for(
                aioodbc.connect(dsn=self.dsn, autocommit=True, timeout=max(1, int(self.cfg.connect_timeout_s)),
                                executor=executor),
                self.cfg.connect_timeout_s + 5)
        except (pyodbc.Error, TimeoutError, OSError) as exc:
            executor.shutdown(wait=False)
            if "SSLMODE=verify-full" in self.dsn and "does not support SSL" in str(exc):
                raise AuthenticationError(
                    f"cannot connect to {self.where}: the server offers no TLS, and with a password (which "
                    "libpq would send in clear text if asked) TLS is required unless the datasource says "
                    "otherwise. Enable TLS on the server, or allow plain text explicitly: tls: {mode: disable}"
                ) from None
            raise  # the connector tells a refused login (fatal) from an unreachable server (retried)
        try:
            # The driver's own timeout where it has one (SQL Server's does; psqlODBC refuses the attribute and
            # relies on statement_timeout below). The client-side deadline and cancel apply in every case.
            with contextlib.suppress(pyodbc.Error):
                conn._conn.timeout = max(1, math.ceil(self.cfg.query_timeout_s))
            sess = _OdbcSession(conn, self.sa_dialect)
            for s in self.dialect.session_setup(self.cfg.query_timeout_s):
                await sess.run(s)
        except BaseException:
            await _close_odbc(conn)
            raise
        return conn

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[_Session]:
        conn = self._idle.pop() if self._idle else await self._connect()
        ok = False
        try:
            yield _OdbcSession(conn, self.sa_dialect)
            ok = True
        finally:
            if ok and not conn.closed:
                self._idle.append(conn)
            else:
                await _close_odbc(conn)

    async def close(self) -> None:
        while self._idle:
            await _close_odbc(self._idle.pop())


# ------------------------------------------------------------------------------------------------------ connector

class SqlConnector(TableConnector):
    """One SQL database: tables (and views, opt-in) filtered by the job's globs, sampled read only."""

    def __init__(self, cfg: SqlSource, coordinator: Any = None):
        # Queries are bounded twice: per worker process (``max_concurrent_queries``, the size of its pool) and
        # across workers and hosts through the coordinator's slots (``max_active_queries``).
        self.cfg = cfg
        self.datasource_id = cfg.id
        self.coordinator = coordinator
        self.url = parse_url(secret_value(cfg.url) or "")
        self.backend = self.url.get_backend_name()
        self.where = describe(self.url)
        # The server and database, never the user or password (the key names slot files and Redis keys).
        self.resource_key = (f"sql:{self.backend}:{(self.url.host or '').lower()}:{self.url.port or ''}/"
                             f"{self.url.database or ''}")
        self.dialect_cls = dialect_for(self.backend)
        self._transport: _Transport | None = None
        self._sem: asyncio.Semaphore | None = None
        # Counters: rows fetched from the server and table reads (tests and the benchmark read them).
        self.rows_fetched = 0
        self.tables_read = 0
        self.transport_kind = ""
        self.reconnect_delays: Sequence[float] = RECONNECT_DELAYS

    # ---------------------------------------------------------------------------------------------- plumbing

    def _get_transport(self) -> _Transport:
        if self._transport is None:
            t: _Transport
            if self.url.get_driver_name() == "aioodbc":
                t = _OdbcTransport(self.url, self.cfg, self.where)
            else:
                t = _SaTransport(self.url, self.cfg, self.where)
            self.dialect = t.dialect = self.dialect_cls(t.sa_dialect)
            self._transport = t
            self.transport_kind = "odbc" if isinstance(t, _OdbcTransport) else "sqlalchemy"
        return self._transport

    @contextlib.asynccontextmanager
    async def _session(self, deadline: float = math.inf) -> AsyncIterator[_Session]:
        transport = self._get_transport()
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.cfg.max_concurrent_queries)
        async with self._sem, contextlib.AsyncExitStack() as stack:
            if self.coordinator is not None:
                t0 = time.monotonic()
                await stack.enter_async_context(self.coordinator.acquire(self.resource_key,
                                                                         self.cfg.max_active_queries))
                deadline += time.monotonic() - t0  # waiting for a slot is not the query's time
            try:
                sess = await stack.enter_async_context(transport.session())
            except (AuthenticationError, ConfigError):
                raise
            except Exception as exc:  # noqa: BLE001 - every driver has its own hierarchy: classify by cause
                if in_chain(exc, UnverifiedServerCertificate):
                    raise AuthenticationError(
                        f"cannot connect to {self.where}: the server's TLS certificate could not be verified "
                        "(self-signed or unknown CA): refused. Give its CA with tls: {ca_file: ..., mode: "
                        "verify-full}, or allow an unverified connection explicitly with tls: {mode: require}"
                    ) from None
                refused = in_chain(exc, PlaintextPasswordRefused)
                if refused is not None:
                    raise AuthenticationError(f"cannot connect to {refused}") from None
                kind, message = self._connect_failure(exc)
                if kind == "unreachable":
                    raise _Lost(message) from None
                raise AuthenticationError(message) from None
            sess.deadline = deadline
            yield sess

    def _connect_failure(self, exc: BaseException) -> tuple[str, str]:
        """(kind, message) of a failed connect: ``unreachable`` (retried: the server may come back) or a kind that
        waiting cannot fix (``login``, ``database``, ``host``, ``tls``, ``other``: fatal to the job)."""
        cause = getattr(exc, "orig", None) or exc
        cause = getattr(cause, "__cause__", None) or cause
        name = type(cause).__name__
        text = _scrub(str(cause), None if self.url.password is None else str(self.url.password))
        low = text.lower()
        if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError") or "1045" in text[:10] \
                or "access denied" in low or "password authentication failed" in low or "login failed" in low:
            kind, fix = "login", "the login was refused: check the user name and password (${VAR} in the URL)"
        elif name == "InvalidCatalogNameError" or "1049" in text[:10] or "unknown database" in low \
                or ("database" in low and "does not exist" in low):
            kind, fix = "database", "the database does not exist: check its name in the URL"
        elif (isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_NONAME) \
                or "could not translate host name" in low or "name or service not known" in low:
            kind, fix = "host", "the host name does not resolve: check it in the URL"
        elif "ssl" in low or "tls" in low:
            kind, fix = "tls", "the server refused TLS as the datasource asks for it: check the tls options"
        elif isinstance(cause, (OSError, TimeoutError, asyncio.TimeoutError)) or connection_lost(exc) \
                or "connect" in low:
            kind, fix = "unreachable", ("the server is unreachable: check host and port, that the server runs and "
                                        "that this host may connect (firewall, pg_hba.conf, bind-address)")
        else:
            kind, fix = "other", "check the URL and the TLS options"
        return kind, f"cannot connect to {self.where}: {name}: {text}. {fix}"

    async def _reconnecting(self, op: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``op`` (whole: it opens its own session) again after a lost or refused connection, with the backoff
        of :data:`RECONNECT_DELAYS`; then give up with a ConnectorError (the task fails, and the runtime tries it
        again later). A refused login, a missing database or host stays fatal (AuthenticationError)."""
        for delay in (*self.reconnect_delays, None):
            try:
                return await op()
            except _Lost as lost:
                if delay is None:
                    raise ConnectorError(f"{lost} (not regained after {len(self.reconnect_delays)} retries)") from None
                log.warning("%s: connection lost or refused; reconnecting in %.2fs", self.where, delay)
                await asyncio.sleep(delay)  # backoff before reconnecting
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._transport is not None:
            await self._transport.close()
            self._transport = None

    # ---------------------------------------------------------------------------------------------- filters

    def _wants_table(self, ref: TableRef) -> bool:
        c = self.cfg
        if not _glob_any(c.schemas, ref.schema) or _glob_any(c.exclude_schemas, ref.schema):
            return False
        # Globs see the object name (quoted where a part needs it) and the plain schema.table people write.
        names = (ref.name, ref.path, ref.plain)
        if not _glob_any(c.tables, *names) or _glob_any(c.exclude_tables, *names):
            return False
        return not ref.is_view or c.include_views

    def _read_columns(self, ref: TableRef, cols: list[ColumnInfo], include_numeric: bool = True) -> list[ColumnInfo]:
        c = self.cfg
        out = []
        for col in cols:
            names = (col.name, f"{ref.path}.{col.name}", f"{ref.plain}.{col.name}")
            if not _glob_any(c.columns, *names) or _glob_any(c.exclude_columns, *names):
                continue
            if col.category is None or (col.category == "binary" and not c.include_binary):
                continue
            if col.category in ("integer", "decimal") and not include_numeric:
                continue
            out.append(col)
        return out

    # ---------------------------------------------------------------------------------------------- discovery

    async def enumerate_objects(self, batch_bytes: int, batch_objects: int) -> AsyncIterator[list[DiscoveredObject]]:
        """Tables passing the filters, with a size estimate and a change marker; no table data is read."""
        tables, by_table, stats = await self._reconnecting(self._catalog)
        batch: list[DiscoveredObject] = []
        size = 0
        for ref in tables:
            if not self._wants_table(ref):
                continue
            cols = by_table.get((ref.schema, ref.name), [])
            read = self._read_columns(ref, cols)
            obj = await self._describe_table(ref, cols, read, stats.get((ref.schema, ref.name)))
            batch.append(obj)
            size += obj.size if obj.skip_reason is None else 0
            if len(batch) >= min(batch_objects, _TABLES_PER_BATCH) or size >= batch_bytes:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    async def _catalog(self) -> tuple[list[TableRef], dict[tuple[str, str], list[ColumnInfo]],
                                      dict[tuple[str, str], tuple[int, str]]]:
        """Tables, their columns and their statistics, in one session."""
        async with self._session() as s:
            d = self.dialect
            try:
                tables = [TableRef(str(sc), str(n), "view" in str(tt).lower())
                          for sc, n, tt in await s.all(d.list_tables())]
                by_table: dict[tuple[str, str], list[ColumnInfo]] = {}
                for sc, tn, cn, ct, _pos in await s.all(d.list_columns()):
                    by_table.setdefault((str(sc), str(tn)), []).append(
                        ColumnInfo(str(cn), str(ct or ""), categorize(d.name, str(ct or ""))))
            except AuthenticationError:
                raise
            except Exception as exc:  # noqa: BLE001
                if connection_lost(exc):
                    raise _Lost(f"lost the connection to {self.where}") from None
                raise ConnectorError(f"cannot list the tables of {self.where}: {type(exc).__name__}: "
                                     f"{_scrub(str(exc), None)[:200]}") from None
            stats: dict[tuple[str, str], tuple[int, str]] = {}
            stats_q = d.table_stats()
            if stats_q is not None:
                try:
                    stats = {(str(a), str(b)): (int(r or 0), str(m)) for a, b, r, m in await s.all(stats_q)}
                except Exception as exc:  # noqa: BLE001 - markers are an optimisation: fall back to counts
                    log.warning("%s: table statistics unreadable (%s); counting rows instead", self.where,
                                type(exc).__name__)
            if isinstance(d, MssqlDialect):
                try:
                    for a, b, m in await s.all(d.usage_stats()):
                        key = (str(a), str(b))
                        if key in stats:
                            stats[key] = (stats[key][0], f"{stats[key][1]}:{m}")
                except Exception as exc:  # noqa: BLE001 - needs VIEW SERVER STATE; the row count remains
                    log.info("%s: index usage statistics unreadable (%s)", self.where, type(exc).__name__)
        return tables, by_table, stats

    async def _describe_table(self, ref: TableRef, cols: list[ColumnInfo], read: list[ColumnInfo],
                              stat: tuple[int, str] | None) -> DiscoveredObject:
        if not read:
            kinds = sorted({c.type for c in cols}) or ["none"]
            return DiscoveredObject(ref.path, 0, 0.0, skip_reason="no column of a readable type (text or number; "
                                    f"binary needs include_binary): {', '.join(kinds)[:200]}")
        c = self.cfg
        if ref.is_view:
            # A view has no cheap change marker and counting it runs it: estimate nothing, rescan every time.
            rows, marker = c.sample_rows or 100_000, f"view@{time.time()}"
        elif stat is not None:
            rows, marker = stat
        else:
            async def count() -> int:
                async with self._session(time.monotonic() + c.query_timeout_s) as s:
                    try:
                        return int((await s.all(self.dialect.count_rows(ref)))[0][0])
                    except Exception as exc:
                        if connection_lost(exc):
                            raise _Lost(f"lost the connection to {self.where}") from None
                        raise

            try:
                rows = await self._reconnecting(count)
                marker = f"count={rows}"
            except (AuthenticationError, ConnectorError):
                raise
            except Exception as exc:  # noqa: BLE001 - the table itself will report why it cannot be read
                rows, marker = c.sample_rows or 1000, f"uncounted@{time.time()}:{type(exc).__name__}"
        extra = self.dialect.extra_markers(ref, cols)
        if extra:
            try:
                async with self._session(time.monotonic() + c.query_timeout_s) as s:
                    for q in extra:
                        marker += f":{(await s.all(q))[0][0]}"
            except (AuthenticationError, ConnectorError):
                raise
            except Exception as exc:  # noqa: BLE001
                log.info("%s: extra change marker of %s unreadable (%s)", self.where, ref.path, type(exc).__name__)
        sig = "|".join(f"{x.name}:{x.type}" for x in read)
        opts = f"{c.sample_rows}|{c.sampling}|{c.include_binary}|{c.max_value_chars}"
        # The store compares (size, mtime) with the previous run: both must be exact, so mtime is a CRC-32
        # (an integer a double holds exactly) of the marker, the columns read and the sampling options.
        mtime = float(zlib.crc32(f"{rows}|{marker}|{sig}|{opts}".encode()))
        sampled = min(rows, c.sample_rows) if c.sample_rows else rows
        return DiscoveredObject(ref.path, max(1, sampled * len(read) * _EST_BYTES_PER_VALUE), mtime,
                                marker=f"rows={rows};{marker}"[:200])

    # ---------------------------------------------------------------------------------------------- reading

    async def _resolve(self, s: _Session, path: str) -> tuple[TableRef, list[ColumnInfo], list[str]] | None:
        """An object name back to its one table (:func:`~scanner.connectors.sql_dialects.object_name`), its
        columns and primary key; None when the table is gone."""
        d = self.dialect
        parts = split_object_name(path)
        if parts is None:
            return None
        ref = TableRef(*parts)
        rows = await s.all(d.table_columns(ref))
        if not rows:
            return None
        pk_rows = await s.all(d.primary_key(ref))
        cols = [ColumnInfo(str(n), str(t or ""), categorize(d.name, str(t or ""))) for n, t, _p in rows]
        return ref, cols, [str(r[0]) for r in pk_rows]

    async def read_table(self, obj: DiscoveredObject, *, include_numeric: bool = True) -> AsyncIterator[TableBlock]:
        """Sampled rows in blocks of :data:`BLOCK_ROWS`; ObjectReadError (TableTimeout) when it cannot finish."""
        c = self.cfg
        n = c.sample_rows

        async def whole() -> list[TableBlock]:
            return [b async for b in self._read(obj, time.monotonic() + c.query_timeout_s, include_numeric)]

        try:
            if 0 < n <= BLOCK_ROWS:
                # The usual case: read the whole sample, give the connection back, then hand it over. A lost
                # connection reads it again from the start, on a new one.
                for b in await self._reconnecting(whole):
                    yield b
            else:
                # Streamed: read again only while nothing was handed over; a connection lost after that fails the
                # task (the runtime tries it again), since half a table's blocks are already with the caller.
                sent = False
                for delay in (*self.reconnect_delays, None):
                    try:
                        async for b in self._read(obj, time.monotonic() + c.query_timeout_s, include_numeric):
                            sent = True
                            yield b
                        return
                    except _Lost as lost:
                        if sent or delay is None:
                            raise ConnectorError(str(lost)) from None
                        log.warning("%s: connection lost or refused; reconnecting in %.2fs", self.where, delay)
                        await asyncio.sleep(delay)
        except TimeoutError:
            raise TableTimeout(f"query timed out after {c.query_timeout_s:g}s (query_timeout_s)") from None

    async def _read(self, obj: DiscoveredObject, deadline: float, include_numeric: bool) -> AsyncIterator[TableBlock]:
        c = self.cfg
        async with self._session(deadline) as s:
            try:
                found = await self._resolve(s, obj.path)
            except TimeoutError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise self._read_error(exc) from None
            if found is None:
                raise ObjectReadError("table no longer exists")
            ref, cols, pk = found
            read = self._read_columns(ref, cols, include_numeric)
            if not read:
                raise ObjectReadError("no column of a readable type is left")
            types = {x.name: x for x in cols}
            # Integer keys name rows in findings; any other key (an e-mail, a national id) could itself be the
            # data, so rows are then named by their position in the sample.
            int_key = bool(pk) and all(types.get(k) is not None and types[k].category == "integer" for k in pk)
            keys = pk if int_key else []
            est = _rows_estimate(obj, len(read))
            stmt = self.dialect.sample(ref, read, keys, c.sample_rows, c.sampling, est, c.max_value_chars)
            self.tables_read += 1
            seen = 0
            try:
                async for rows in s.stream(stmt, BLOCK_ROWS):
                    self.rows_fetched += len(rows)
                    nk = len(read)
                    if keys:
                        row_keys = [",".join(f"{k}={r[nk + i]}" for i, k in enumerate(keys)) for r in rows]
                    else:
                        row_keys = [f"row={seen + i + 1}" for i in range(len(rows))]
                    seen += len(rows)
                    yield TableBlock(
                        columns=[ColumnSample(col.name, col.type, col.category or "text",
                                              [_cut(to_text(r[j]), c.max_value_chars) for r in rows])
                                 for j, col in enumerate(read)],
                        row_keys=row_keys, key_columns=list(keys))
            except TimeoutError:
                raise
            except ObjectReadError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise self._read_error(exc) from None

    async def exposure(self, obj: DiscoveredObject) -> Exposure:
        """Who may SELECT the table: the database's effective grants (PUBLIC, roles, owner and superusers), noting
        row-level security; for SQLite, who can read the database file. Never raises: ``unknown`` with why."""
        if self.backend == "sqlite":
            path = self.url.database or ""
            if not path or path == ":memory:":
                return unknown("an in-memory SQLite database")
            return await asyncio.to_thread(file_exposure, path)
        parts = split_object_name(obj.path)
        if parts is None:
            return unknown("not a table name")
        try:
            async with self._session(time.monotonic() + self.cfg.query_timeout_s) as s:
                d = self.dialect
                stmt = d.table_readers(TableRef(*parts))
                if stmt is None:
                    return unknown("this database has no grants to read")
                rows = await s.all(stmt)
        except AuthenticationError as exc:
            return unknown(str(exc))
        except TimeoutError:
            return unknown(f"reading the grants timed out after {self.cfg.query_timeout_s:g}s")
        except Exception as exc:  # noqa: BLE001 - any driver error: the object keeps its findings, exposure unknown
            return unknown(f"cannot read the grants ({self._read_error(exc)})")
        notes = []
        if any(bool(r[2]) for r in rows):
            notes.append("row-level security is on: each reader sees only the rows its policies allow")
        if d.name == "mysql":
            notes.append("grants as far as the scan account may see them (information_schema)")
        if not rows and d.name != "postgresql":
            return unknown("no grant is visible to the scan account")
        grantees = [(str(r[0]), d.reader_kind(str(r[0]), str(r[1]))) for r in rows]
        if any(kind == "public" for _n, kind in grantees):
            # Every role reads it through PUBLIC: listing them all would only hide that.
            grantees = [g for g in grantees if g[1] != "role"]
        return grants_exposure(grantees, "; ".join(notes) or None)

    def _read_error(self, exc: BaseException) -> ConnectorError:
        """A driver error while reading one table, without its message (it could quote a value)."""
        from sqlalchemy.exc import DBAPIError

        if (isinstance(exc, DBAPIError) and exc.connection_invalidated) or connection_lost(exc):
            return _Lost(f"lost the connection to {self.where}")
        cause: Any = getattr(exc, "orig", None) or exc
        cause = getattr(cause, "__cause__", None) or cause
        name = type(cause).__name__
        state = str(getattr(cause, "sqlstate", "") or (cause.args[0] if getattr(cause, "args", None) else ""))
        text = str(cause).lower()
        if name == "QueryCanceledError" or state in ("57014", "HYT00", "HYT01", "1969", "3024") \
                or "interrupted" in text or "canceling statement" in text or "timeout" in text:
            return TableTimeout(f"query timed out after {self.cfg.query_timeout_s:g}s (query_timeout_s)")
        if state in ("42501", "1142", "1143") or "permission denied" in text or "denied" in text:
            return ObjectReadError("permission denied (the login lacks SELECT on this table)")
        if state in ("42P01", "42S02", "1146") or "no such table" in text or "does not exist" in text:
            return ObjectReadError("table no longer exists")
        return ObjectReadError(f"query failed ({name}{', SQLSTATE ' + state if state[:5].isalnum() else ''})")


def _rows_estimate(obj: DiscoveredObject, ncols: int) -> int:
    """The table's row estimate from discovery (the marker starts ``rows=N;``), else what the size implies."""
    if obj.marker and obj.marker.startswith("rows="):
        with contextlib.suppress(ValueError):
            return int(obj.marker[5:].split(";", 1)[0])
    return int(obj.size // max(1, ncols * _EST_BYTES_PER_VALUE))


def _cut(v: str | None, n: int) -> str | None:
    return v if v is None or len(v) <= n else v[:n]
