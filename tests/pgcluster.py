"""A throwaway PostgreSQL 15 cluster on a free port: used by the test fixtures and by the multi-host benchmark.

No pytest in here (the benchmark imports it too). Root cannot run ``postgres`` itself, so the server runs as the
``postgres`` user (``runuser``). ``listen`` may add addresses besides 127.0.0.1 (for example the root side of a
veth pair to a network namespace); ``trusted_nets`` are the networks pg_hba.conf lets in without a password,
besides loopback, which initdb's ``--auth=trust`` already trusts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def available() -> bool:
    return (PG_BIN / "initdb").exists()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class PgCluster:
    """``start()`` creates and starts the cluster with a database ``datascan``; ``stop()`` removes everything."""

    def __init__(self, listen: Sequence[str] = ("127.0.0.1",), trusted_nets: Sequence[str] = ()):
        self.listen, self.trusted_nets = list(listen), list(trusted_nets)
        self.port = free_port()
        self.dir: Path | None = None
        self._as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, host: str = "127.0.0.1", db: str = "datascan") -> str:
        """The SQLAlchemy URL datascan takes (``--db``)."""
        return f"postgresql+asyncpg://postgres@{host}:{self.port}/{db}"

    def dsn(self, host: str = "127.0.0.1", db: str = "datascan") -> str:
        """The plain libpq/asyncpg DSN."""
        return f"postgresql://postgres@{host}:{self.port}/{db}"

    def start(self) -> PgCluster:
        d = self.dir = Path(tempfile.mkdtemp(prefix="datascan-pg-"))
        if os.geteuid() == 0:
            shutil.chown(d, "postgres")
        subprocess.run(self._as_pg + [str(PG_BIN / "initdb"), "-D", str(d / "data"), "-U", "postgres",
                                      "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                       check=True, capture_output=True)
        if self.trusted_nets:
            with open(d / "data" / "pg_hba.conf", "a") as hba:
                for net in self.trusted_nets:
                    hba.write(f"host all all {net} trust\n")
        subprocess.run(self._as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(d / "data"), "-l", str(d / "server.log"),
                                      "-w", "-o", f"-p {self.port} -c listen_addresses={','.join(self.listen)} "
                                                  f"-k {d} -c fsync=off", "start"],
                       check=True, capture_output=True)
        self.createdb("datascan")
        return self

    def createdb(self, name: str) -> None:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                        f'CREATE DATABASE "{name}"'], check=True, capture_output=True)

    def stop(self) -> None:
        if self.dir is None:
            return
        subprocess.run(self._as_pg + [str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                                      "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
