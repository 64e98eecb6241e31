"""Schema versions of the store and the steps between them.

Why not Alembic: the store is created and upgraded by the application itself on every open, on SQLite and
PostgreSQL alike, with no ini file or script folder to ship and no autogenerate at run time. An ordered list of
small functions, each run in the same transaction that bumps ``schema_meta.schema_version``, gives the same
guarantees (an older store is upgraded step by step, a newer one is refused, a failed step leaves the old version
intact) with a fraction of the machinery. If migrations ever need branching, switching to Alembic is cheap: these
functions become its revisions.

Rule for contributors: never edit a released step; append a new one and bump nothing else. A new, empty store is
created straight from the declarations in tables.py and stamped with the latest version (the steps are only for
stores that already exist), so every step must leave the schema exactly as tables.py declares it: the upgrade test
(tests/integration/test_store.py) compares a migrated store with a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Column, Connection, Double, Integer, MetaData, String, Table, Text, inspect, select, text

from scanner.exceptions import SchemaVersionError
from scanner.store.tables import Base, SchemaMeta


def _v1_initial(conn: Connection) -> None:
    """Version 1: the first release's tables (stores at version 0 are always empty and created from tables.py)."""
    Base.metadata.create_all(conn)


def _v2_object_marker(conn: Connection) -> None:
    """Version 2: ``objects.marker``, a connector's change marker (SMB file id, table rowversion)."""
    conn.execute(text("ALTER TABLE objects ADD COLUMN marker VARCHAR(256)"))


def _v3_suppressions(conn: Connection) -> None:
    """Version 3: ``suppressions``, triage decisions that hide findings by value hash or object glob.

    The table is declared here as it was when this step was written, on its own MetaData, so later edits of
    tables.py never change what this step creates.
    """
    frozen = MetaData()
    Table(
        "suppressions", frozen,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("kind", String(16), nullable=False),
        Column("pattern", Text, nullable=False),
        Column("entity", String(64), nullable=True),
        Column("reason", Text, nullable=False),
        Column("created_at", Double, nullable=False),
    )
    frozen.create_all(conn)


def _v4_job_key_fingerprint(conn: Connection) -> None:
    """Version 4: ``jobs.key_fingerprint``, the HMAC key a job's value hashes were made with."""
    conn.execute(text("ALTER TABLE jobs ADD COLUMN key_fingerprint VARCHAR(64)"))


Migration = tuple[int, str, Callable[[Connection], None]]

MIGRATIONS: list[Migration] = [
    (1, "initial schema", _v1_initial),
    (2, "objects.marker", _v2_object_marker),
    (3, "suppressions", _v3_suppressions),
    (4, "jobs.key_fingerprint", _v4_job_key_fingerprint),
]

LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    """The store's schema version; 0 for an empty database."""
    if not inspect(conn).has_table(SchemaMeta.__tablename__):
        return 0
    row = conn.execute(select(SchemaMeta.value).where(SchemaMeta.key == "schema_version")).scalar_one_or_none()
    return int(row) if row is not None else 0


def upgrade(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> tuple[int, int]:
    """Bring the schema to the last version in ``migrations``; returns (from, to).

    Runs inside the caller's transaction, so a failed step leaves the store at its old version.
    """
    latest = migrations[-1][0]
    found = current_version(conn)
    if found > latest:
        raise SchemaVersionError(
            f"the store has schema version {found}, but this datascan only knows up to {latest}: "
            "upgrade datascan, or point --db at another store"
        )
    if found == latest:
        return found, found
    if found == 0:
        Base.metadata.create_all(conn)
        _set_version(conn, latest)
        return found, latest
    for version, _desc, step in migrations:
        if version > found:
            step(conn)
            _set_version(conn, version)
    return found, latest


def _set_version(conn: Connection, version: int) -> None:
    updated = conn.execute(
        text("UPDATE schema_meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)}
    ).rowcount
    if not updated:
        conn.execute(text("INSERT INTO schema_meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})
