"""TLS to PostgreSQL when nobody said how: verified TLS, or no TLS at all; never TLS with an unchecked certificate.

asyncpg's own default (libpq's ``sslmode=prefer``) encrypts without checking the certificate, so a machine in the
middle presenting a self-signed certificate is trusted silently. Our default instead asks for TLS with the
certificate checked against the system's CAs (or ``PGSSLROOTCERT``) and the host name; only a server that has no
TLS at all is then reached in plain text (what ``prefer`` does too). A server offering TLS with a certificate that
does not verify is refused with a message that says how to allow it.

Explicit settings are respected as given: ``?ssl=require`` (or any ``ssl``) in a store URL, ``tls:`` on a SQL
datasource, or ``PGSSLMODE`` in the environment.
"""

from __future__ import annotations

import os
import ssl
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_NO_TLS = "rejected SSL upgrade"  # asyncpg's ConnectionError when the server answers the TLS request with 'N'


class UnverifiedServerCertificate(ConnectionError):
    """The server offered TLS with a certificate we could not verify."""


def verified_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=os.environ.get("PGSSLROOTCERT") or None)


def chain_has(exc: BaseException, kind: type[BaseException] | None = None, text: str | None = None) -> bool:
    cur: BaseException | None = exc
    for _ in range(6):
        if cur is None:
            return False
        if (kind is not None and isinstance(cur, kind)) or (text is not None and text in str(cur)):
            return True
        cur = getattr(cur, "orig", None) or cur.__cause__ or cur.__context__
    return False


def apply_pg_tls_policy(engine: AsyncEngine, where: str) -> None:
    """Install the policy on an asyncpg engine; ``where`` names the server in errors (a redacted URL)."""
    if engine.dialect.name != "postgresql" or os.environ.get("PGSSLMODE"):
        return

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _rec: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        if "ssl" in cparams:
            return None  # the URL or the datasource said how: SQLAlchemy connects as given
        try:
            return dialect.connect(*cargs, **(cparams | {"ssl": verified_context()}))
        except Exception as exc:
            if chain_has(exc, text=_NO_TLS):
                return dialect.connect(*cargs, **(cparams | {"ssl": False}))
            if chain_has(exc, kind=ssl.SSLCertVerificationError):
                raise UnverifiedServerCertificate(
                    f"{where}: the server's TLS certificate could not be verified (self-signed or unknown CA); "
                    "refusing it. Give its CA with PGSSLROOTCERT (or the datasource's tls.ca_file), or allow an "
                    "unverified connection explicitly with ssl=require in the URL / tls: {mode: require}"
                ) from None
            raise
