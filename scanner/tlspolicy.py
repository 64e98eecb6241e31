"""TLS to database servers when nobody said how: verified TLS, or plain text that carries no readable password.

Two rules, for the store and for SQL datasources alike:

- **Never TLS with an unchecked certificate by default.** asyncpg's own default (libpq's ``sslmode=prefer``)
  encrypts without checking the certificate, so a machine in the middle presenting a self-signed certificate is
  trusted silently. Our default asks for TLS with the certificate checked against the system's CAs (or
  ``PGSSLROOTCERT``, or the datasource's ``tls.ca_file``) and the host name. A server offering TLS with a
  certificate that does not verify is refused with a message that says how to allow it.
- **Never send a password the other side can read by default.** A server without TLS (or anyone in the middle
  answering ``N`` to the TLS request) may ask for a clear-text password and would receive it. asyncpg cannot be
  told to refuse a clear-text request, so over plain text PostgreSQL gets an *empty* password (which also keeps
  asyncpg from ``PGPASSWORD`` and ``~/.pgpass``): a server that trusts the host lets us in, one that wants a
  password refuses, and we say why. MySQL/MariaDB (aiomysql) over plain text may answer with a challenge-response
  scramble (``mysql_native_password``, ``caching_sha2_password``'s fast path) but never with the password itself,
  nor encrypted to a public key the server sends (the server could be anyone): :func:`mysql_connector`.

Explicit settings are respected as given: ``?ssl=...`` in a store URL, ``tls: {mode: ...}`` on a SQL datasource
(``disable`` and ``prefer`` allow plain text and whatever password exchange the server asks for), or
``PGSSLMODE`` in the environment.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_NO_TLS = "rejected SSL upgrade"  # asyncpg's ConnectionError when the server answers the TLS request with 'N'
STORE_ALLOW = "ssl=disable (or prefer) in the store URL"
DATASOURCE_ALLOW = "tls: {mode: disable} (or prefer) on the datasource"


class TlsRefused(ConnectionError):
    """A connection refused by this policy (it does not get better by retrying)."""


class UnverifiedServerCertificate(TlsRefused):
    """The server offered TLS with a certificate we could not verify."""


class PlaintextPasswordRefused(TlsRefused):
    """The connection would have sent a password the other side could read."""


def verified_context(cafile: str | None = None, certfile: str | None = None, keyfile: str | None = None,
                     check_hostname: bool = True) -> ssl.SSLContext:
    """A context that checks the server's certificate (against ``cafile``, else the system's CAs), with our
    client certificate when one is given."""
    ctx = ssl.create_default_context(cafile=cafile or None)
    ctx.check_hostname = check_hostname
    if certfile:
        ctx.load_cert_chain(certfile, keyfile)
    return ctx


def in_chain(exc: BaseException, kind: type[BaseException] | None = None,
             text: str | None = None) -> BaseException | None:
    """``exc`` or the first exception it wraps that is a ``kind`` or says ``text``; None if there is none."""
    cur: BaseException | None = exc
    for _ in range(6):
        if cur is None:
            return None
        if (kind is not None and isinstance(cur, kind)) or (text is not None and text in str(cur)):
            return cur
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
    return None


def chain_has(exc: BaseException, kind: type[BaseException] | None = None, text: str | None = None) -> bool:
    """Whether ``exc`` or one of the exceptions it wraps is a ``kind`` or says ``text``."""
    return in_chain(exc, kind, text) is not None


def _unverified(where: str) -> UnverifiedServerCertificate:
    return UnverifiedServerCertificate(
        f"{where}: the server's TLS certificate could not be verified (self-signed or unknown CA); refusing it. "
        "Give its CA with PGSSLROOTCERT (or the datasource's tls.ca_file), or allow an unverified connection "
        "explicitly with ssl=require in the URL / tls: {mode: require}")


def _password_wanted(exc: BaseException) -> bool:
    """The server refused the empty password: it wants a real one (SQLSTATE 28P01, or asyncpg's own check)."""
    cur: BaseException | None = exc
    for _ in range(6):
        if cur is None:
            return False
        if getattr(cur, "sqlstate", None) == "28P01" or "password" in str(cur).lower():
            return True
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
    return False


def apply_pg_tls_policy(engine: AsyncEngine, where: str, context: ssl.SSLContext | None = None,
                        allow: str = STORE_ALLOW) -> None:
    """Install the policy on an asyncpg engine; ``where`` names the server in errors (a redacted URL), ``context``
    replaces the default verifying context (a datasource's CA or client certificate), ``allow`` says how the user
    allows plain text explicitly."""
    if engine.dialect.name != "postgresql" or os.environ.get("PGSSLMODE"):
        return

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _rec: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        if "ssl" in cparams:
            return None  # the URL or the datasource said how: SQLAlchemy connects as given
        try:
            ctx = context or verified_context(os.environ.get("PGSSLROOTCERT"))
            return dialect.connect(*cargs, **(cparams | {"ssl": ctx}))
        except Exception as exc:
            if chain_has(exc, kind=ssl.SSLCertVerificationError):
                raise _unverified(where) from None
            if not chain_has(exc, text=_NO_TLS):
                raise
        # No TLS on the other side: connect without a password, so none can be read on the way or asked for in
        # clear text ("" rather than None: None would make asyncpg send PGPASSWORD or ~/.pgpass instead).
        try:
            return dialect.connect(*cargs, **(cparams | {"ssl": False, "password": ""}))
        except Exception as exc:
            if _password_wanted(exc):
                raise PlaintextPasswordRefused(
                    f"{where}: the server offers no TLS, and a password sent without it can be read (whole, if "
                    "the server or a machine in the middle asks for a clear-text password); datascan sent none and "
                    f"the server wants one. Enable TLS on the server, or allow plain text explicitly: {allow}"
                ) from None
            raise


# ---------------------------------------------------------------------------------------------------- MySQL

# Plug-ins whose answer over plain text is a scramble the server cannot read the password from.
_SCRAMBLE_PLUGINS = ("", "mysql_native_password", "caching_sha2_password")
_PUBLIC_KEY_REQUESTS = (b"\x01", b"\x02")  # sha256_password / caching_sha2_password: "send me your RSA key"


def mysql_connector(params: Mapping[str, Any], *, require_tls: bool, readable_ok: bool,
                    where: str) -> Callable[[], Awaitable[Any]]:
    """An ``async_creator`` for SQLAlchemy's aiomysql dialect: an aiomysql connection that keeps the rules above
    (and sends one statement per query: multi-statement support is switched off).

    ``params`` are aiomysql's ``connect`` arguments (``ssl`` included); ``require_tls`` refuses a server without
    TLS before anything is sent (aiomysql itself silently goes on in plain text); ``readable_ok`` (the job said
    ``disable``, ``prefer`` or ``require``) allows any password exchange the server asks for.
    """
    import aiomysql
    from pymysql.constants import CLIENT

    refusal = (f"{where}: the server asked for the password in a form it (or a machine in the middle) could read, "
               "over a connection without verified TLS; refused. Use TLS with a verified certificate (tls: "
               "{ca_file: ..., mode: verify-full}), or allow it explicitly: " + DATASOURCE_ALLOW)

    class GuardedConnection(aiomysql.Connection):  # type: ignore[misc]  # aiomysql is untyped
        """aiomysql with the password rules enforced where it answers the server's authentication requests."""

        _in_auth = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # aiomysql always asks for multi-statement support; the scanner never sends two statements in one
            # string, so a name that escaped its quoting could not append one either.
            self.client_flag &= ~CLIENT.MULTI_STATEMENTS

        def _safe(self) -> bool:
            # A verified TLS link or a local socket: the other side is the server we meant.
            ctx = self._ssl_context
            return bool(self._secure and (self._unix_socket or (ctx is not None and
                                                                 ctx.verify_mode == ssl.CERT_REQUIRED)))

        async def _request_authentication(self) -> None:
            tls_offered = bool(self.server_capabilities & CLIENT.SSL)
            if require_tls and not tls_offered and not self._unix_socket:
                raise PlaintextPasswordRefused(f"{where}: the server offers no TLS and the datasource's tls.mode "
                                               "requires it; refused before sending anything")
            ctx = self._ssl_context
            will_be_safe = bool(self._unix_socket or (ctx is not None and tls_offered and
                                                      ctx.verify_mode == ssl.CERT_REQUIRED))
            if not readable_ok and not will_be_safe and self._server_auth_plugin not in _SCRAMBLE_PLUGINS:
                # Answer the first request with a scramble; a server insisting on its plug-in must then ask
                # again (an auth switch), which _process_auth checks.
                self._client_auth_plugin = "mysql_native_password"
            self._in_auth = True
            try:
                await super()._request_authentication()
            finally:
                self._in_auth = False

        async def _process_auth(self, plugin_name: bytes, auth_packet: Any) -> Any:
            if not (readable_ok or self._safe()) and plugin_name.decode(errors="replace") not in (
                    *_SCRAMBLE_PLUGINS, "sha256_password"):
                raise PlaintextPasswordRefused(refusal)
            return await super()._process_auth(plugin_name, auth_packet)

        def write_packet(self, payload: bytes) -> None:
            if self._in_auth and not (readable_ok or self._safe()):
                password = (self._password or "").encode("latin1")
                if payload in _PUBLIC_KEY_REQUESTS or (password and payload == password + b"\0"):
                    raise PlaintextPasswordRefused(refusal)
            super().write_packet(payload)

    async def connect() -> Any:
        conn = GuardedConnection(**params)
        try:
            await conn._connect()
        except Exception as exc:
            if chain_has(exc, kind=ssl.SSLCertVerificationError):
                raise _unverified(where) from None
            refused = in_chain(exc, kind=PlaintextPasswordRefused)  # aiomysql wraps it in OperationalError
            if refused is not None:
                raise refused from None
            raise
        return conn

    return connect
