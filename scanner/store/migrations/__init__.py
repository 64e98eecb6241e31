"""Schema versions of the store, as Alembic revisions (``versions/``), applied by the application on every open.

The store is created and upgraded by datascan itself, on SQLite and PostgreSQL alike, inside the transaction that
opens it (and, on PostgreSQL, under the schema advisory lock): there is no ini file and nobody runs ``alembic``
by hand. The revisions are numbered ``0001``, ``0002`` ...; ``schema_meta.schema_version`` mirrors the number of
the newest one applied, because that is what releases before Alembic (versions 1 to 4) read: an older datascan
opening a newer store refuses it instead of misreading it.

A new, empty store is created straight from the declarations in tables.py and stamped with the newest revision;
the revisions are only for stores that already exist, so every revision must leave the schema exactly as tables.py
declares it (the upgrade tests in tests/integration/test_store.py compare a migrated store with a fresh one, on
SQLite and PostgreSQL, with the data of a real older store in it). Never edit a released revision: add one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, inspect, select, text

from scanner.exceptions import SchemaVersionError
from scanner.store.tables import Base, SchemaMeta

_HERE = Path(__file__).parent
_REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["'](\d+)["']""", re.MULTILINE)


def _config(conn: Connection | None = None) -> Any:
    # Alembic is imported only here: every open of a current store (nearly all of them) does without it.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    if conn is not None:
        cfg.attributes["connection"] = conn  # env.py migrates on the caller's connection, in its transaction
    return cfg


def _latest() -> int:
    """The newest revision, read from the revision files' ``revision = "NNNN"`` lines: Alembic's own reading
    (``ScriptDirectory.get_current_head``, the same figure: tests/unit/test_store_revisions.py) imports Alembic and
    every revision module, which is most of the cost of opening a store."""
    found = [int(m.group(1)) for f in (_HERE / "versions").glob("v*.py")
             if (m := _REVISION.search(f.read_text(encoding="utf-8")))]
    assert found, "no store revisions found"
    return max(found)


def alembic_head() -> int:
    """The head revision as Alembic computes it from the revision graph (for the test that ``LATEST`` equals it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return int(head)


LATEST = _latest()


def current_version(conn: Connection) -> int:
    """The store's schema version; 0 for an empty database."""
    if not inspect(conn).has_table(SchemaMeta.__tablename__):
        return 0
    row = conn.execute(select(SchemaMeta.value).where(SchemaMeta.key == "schema_version")).scalar_one_or_none()
    return int(row) if row is not None else 0


def upgrade(conn: Connection) -> tuple[int, int]:
    """Bring the schema to the newest revision; returns (from, to).

    Runs inside the caller's transaction, so a failed revision leaves the store at its old version.
    """
    found = current_version(conn)
    if found > LATEST:
        raise SchemaVersionError(
            f"the store has schema version {found}, but this datascan only knows up to {LATEST}: "
            "upgrade datascan, or point --db at another store"
        )
    if found == LATEST:
        return found, found
    from alembic import command

    cfg = _config(conn)
    if found == 0:
        Base.metadata.create_all(conn)
        command.stamp(cfg, f"{LATEST:04d}")
    else:
        if not inspect(conn).has_table("alembic_version"):
            command.stamp(cfg, f"{found:04d}")  # a store of a release before Alembic: it is at that revision
        command.upgrade(cfg, f"{LATEST:04d}")
    _set_version(conn, LATEST)
    return found, LATEST


def _set_version(conn: Connection, version: int) -> None:
    updated = conn.execute(
        text("UPDATE schema_meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)}
    ).rowcount
    if not updated:
        conn.execute(text("INSERT INTO schema_meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})


__all__ = ["LATEST", "alembic_head", "current_version", "upgrade"]
