"""Insecure transports are refused unless the job explicitly allows them.

TLS to PostgreSQL with a self-signed certificate: refused by default, for the store and for a SQL datasource,
accepted when the job or URL explicitly allows it, and verified when its CA is given. TLS downgraded: impostor
PostgreSQL and MySQL servers on loopback (tests/reliability/fake_servers.py) refuse TLS and ask for the password
in a form they can read; by default no client path gives it to them, and each does when the job allows plain
text explicitly (so the impostors demonstrably catch it). SMB without signing: a real
Samba that maps a rejected user name to guest gives a session that cannot be signed (Samba always offers signing
over SMB2 otherwise, so this is the unsigned session a scanner meets in the field); refused unless the datasource
says ``allow_unsigned: true``."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from scanner.connectors.sql import SqlConnector
from scanner.exceptions import AuthenticationError
from tests.cliutil import env as _env
from tests.cliutil import run as _run
from tests.figures import LONG
from tests.integration.smb_server import make_server
from tests.integration.sql_servers import job_for
from tests.pgcluster import PgCluster, available
from tests.reliability.fake_servers import FakeMysql, FakePostgres, running

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    if not available():
        pytest.fail("PostgreSQL is not installed (make test installs it)")
    certs = tmp_path_factory.mktemp("certs")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(certs / "server.key"),
                    "-out", str(certs / "server.crt")], check=True, capture_output=True)
    cluster = PgCluster().start()
    try:
        data = cluster.dir / "data"
        for name in ("server.crt", "server.key"):
            (data / name).write_bytes((certs / name).read_bytes())
            subprocess.run(["chown", "postgres", str(data / name)], check=True)
            (data / name).chmod(0o600)
        for sql in ("ALTER SYSTEM SET ssl = on", "SELECT pg_reload_conf()"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "datascan",
                            "-c", sql], check=True, capture_output=True)
        # The server now offers TLS with a certificate no system CA vouches for.
        out = subprocess.run(["psql", f"{cluster.dsn()}?sslmode=require", "-Atc", "SELECT ssl FROM pg_stat_ssl "
                              "WHERE pid = pg_backend_pid()"], check=True, capture_output=True, text=True).stdout
        assert out.strip() == "t"
        yield cluster, certs / "server.crt"
    finally:
        cluster.stop()


def test_store_refuses_an_unverified_certificate_by_default(tls_cluster, figures):
    cluster, crt = tls_cluster
    refused = _run("jobs", "list", "--db", cluster.url())
    allowed = _run("jobs", "list", "--db", cluster.url() + "?ssl=require")
    verified = _run("jobs", "list", "--db", cluster.url(), env=_env(PGSSLROOTCERT=str(crt)))
    figures("TLS to PostgreSQL (store), self-signed certificate", "refused unless explicitly allowed",
            accepted_by_default=int(refused.returncode == 0), explicit_allow_works=int(allowed.returncode == 0),
            verified_with_its_ca=int(verified.returncode == 0))
    assert refused.returncode != 0 and "could not be verified" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    assert verified.returncode == 0, verified.stderr


def _sql_job(tmp: Path, cluster: PgCluster, tls: str) -> Path:
    job = tmp / "sql.yaml"
    job.write_text(f"name: tls\ndatasources:\n  - id: db\n    type: sql\n    url: {cluster.url()}\n{tls}")
    return job


def test_sql_datasource_refuses_an_unverified_certificate_by_default(tls_cluster, tmp_path, figures):
    cluster, _ = tls_cluster
    store = str(tmp_path / "s.db")
    refused = _run("scan", "--job", str(_sql_job(tmp_path, cluster, "")), "--workers", "1", "--db", store)
    allowed = _run("scan", "--job", str(_sql_job(tmp_path, cluster, "    tls: {mode: require}\n")), "--workers",
                   "1", "--db", store)
    figures("TLS to PostgreSQL (SQL datasource), self-signed", "refused unless the job allows it",
            accepted_by_default=int(refused.returncode == 0), explicit_allow_works=int(allowed.returncode == 0))
    assert refused.returncode == 2 and "could not be verified" in refused.stderr, refused.stderr
    assert allowed.returncode == 0, allowed.stderr


# An "@" in the password, unescaped, as ${VAR} puts it into a URL: it must reach nobody either way.
PASSWORD = "Winter@Secret-7"

# (client path, URL with {port}, impostor, the datasource's explicit allowance of plain text)
_DOWNGRADES = [
    ("PostgreSQL asyncpg, clear-text request", "postgresql+asyncpg://scan:{pw}@127.0.0.1:{port}/hr",
     lambda: FakePostgres("cleartext"), {"mode": "prefer"}),
    ("PostgreSQL asyncpg, MD5 request", "postgresql+asyncpg://scan:{pw}@127.0.0.1:{port}/hr",
     lambda: FakePostgres("md5"), {"mode": "disable"}),
    ("PostgreSQL psqlODBC, clear-text request",
     "postgresql+aioodbc://scan:{pw}@127.0.0.1:{port}/hr?driver=PostgreSQL+Unicode",
     lambda: FakePostgres("cleartext"), {"mode": "prefer"}),
    ("MySQL aiomysql, switch to mysql_clear_password", "mysql+aiomysql://scan:{pw}@127.0.0.1:{port}/hr",
     lambda: FakeMysql("clear"), {"mode": "disable"}),
    ("MySQL aiomysql, caching_sha2 full auth with the impostor's RSA key",
     "mysql+aiomysql://scan:{pw}@127.0.0.1:{port}/hr", lambda: FakeMysql("rsa"), {"mode": "prefer"}),
]


async def _connect(url: str, tls: dict | None) -> str:
    conn = SqlConnector(job_for({"url": url, **({"tls": tls} if tls else {})}).datasources[0])
    try:
        with pytest.raises(AuthenticationError) as ei:
            async for _ in conn.enumerate_objects(1 << 20, 10):
                pass
    finally:
        await conn.close()
    return str(ei.value)


def test_a_downgraded_connection_never_gets_the_password(tmp_path, figures):
    readable_default = readable_allowed = attempts = 0
    for what, url, fake, allow in _DOWNGRADES:
        with running(fake()) as server:
            msg = asyncio.run(_connect(url.format(pw=PASSWORD, port=server.port), None))
            assert PASSWORD not in msg and "Secret" not in msg, msg
            assert "tls" in msg.lower() and "explicitly" in msg, (what, msg)
            readable_default += server.readable(PASSWORD)
            attempts += server.connections
        with running(fake()) as server:
            asyncio.run(_connect(url.format(pw=PASSWORD, port=server.port), allow))
            readable_allowed += server.readable(PASSWORD)
        # A job that requires TLS is not talked out of it either (aiomysql alone goes on in plain text).
        with running(fake()) as server:
            asyncio.run(_connect(url.format(pw=PASSWORD, port=server.port), {"mode": "require"}))
            readable_default += server.readable(PASSWORD)
            attempts += server.connections
    # The store, through the CLI: its URL on the command line, plain text refused with how to allow it.
    cli = [("store (datascan jobs list --db)", None)] + ([("SQL datasource (datascan scan)", "job")] if LONG else [])
    for what, kind in cli:
        with running(FakePostgres("cleartext")) as server:
            url = f"postgresql://scan:{PASSWORD}@127.0.0.1:{server.port}/hr"
            if kind is None:
                r = _run("jobs", "list", "--db", url)
            else:
                job = tmp_path / "job.yaml"
                job.write_text("name: downgrade\ndatasources:\n  - id: db\n    type: sql\n"
                               f"    url: postgresql+asyncpg://scan:${{DB_PW}}@127.0.0.1:{server.port}/hr\n")
                r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db"),
                         env=_env(DB_PW=PASSWORD))
            assert r.returncode != 0 and "offers no TLS" in r.stderr, (what, r.stderr[-2000:])
            assert PASSWORD not in r.stdout + r.stderr and "Secret" not in r.stderr, what
            readable_default += server.readable(PASSWORD)
            attempts += server.connections
    figures("TLS downgrade: impostor refuses TLS, asks for a readable password", "passwords sent readable: 0",
            client_paths=len(_DOWNGRADES) + len(cli), connections=attempts, passwords_sent_readable=readable_default,
            sent_when_the_job_allows_plain_text=readable_allowed)
    assert readable_default == 0
    assert readable_allowed == len(_DOWNGRADES)  # the impostors do catch a password that is sent


@pytest.fixture(scope="module")
def guest_share():
    yield from make_server({"open": ("open", "guest ok = yes")}, guest=True)


def test_smb_session_without_signing_is_refused_by_default(guest_share, tmp_path, figures):
    folder = guest_share.root / "open"
    (folder / "card.txt").write_text("card 4111 1111 1111 1111\n")
    (folder / "card.txt").chmod(0o644)
    store = str(tmp_path / "s.db")

    def scan(extra: str) -> subprocess.CompletedProcess[str]:
        job = tmp_path / "smb.yaml"
        # "nosuchuser" is not a Samba account: the server logs it on as guest instead of refusing it.
        job.write_text(f"name: unsigned\ndatasources:\n  - {{id: open, type: smb, host: 127.0.0.1, "
                       f"port: {guest_share.port}, share: open, username: nosuchuser, password: x{extra}}}\n")
        return _run("scan", "--job", str(job), "--workers", "1", "--db", store)

    refused = scan("")
    allowed = scan(", allow_unsigned: true")
    figures("SMB session without signing (guest logon)", "refused unless the job allows it",
            accepted_by_default=int(refused.returncode == 0), explicit_allow_works=int(allowed.returncode == 0))
    assert refused.returncode == 2, refused.stderr
    assert "guest" in refused.stderr and "allow_unsigned" in refused.stderr, refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    rows = [json.loads(line) for line in _run("findings", "latest", "--db", store).stdout.splitlines()]
    assert [(r["object"], r["entity"]) for r in rows] == [("card.txt", "CREDIT_CARD")]
