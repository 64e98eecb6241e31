"""Schema versions of the store and the steps between them.

Why not Alembic: the store is created and upgraded by the application itself on every open, on SQLite and
PostgreSQL alike, with no ini file or script folder to ship and no autogenerate at run time. An ordered list of
small functions, each run in the same transaction that bumps ``schema_meta.schema_version``, gives the same
guarantees (an older store is upgraded step by step, a newer one is refused, a failed step leaves the old version
intact) with a fraction of the machinery. If migrations ever need branching, switching to Alembic is cheap: these
functions become its revisions.

Rule for contributors: never edit a released step; append a new one and bump nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, inspect, select, text

from scanner.exceptions import SchemaVersionError
from scanner.store.tables import Base, SchemaMeta


def _v1_initial(conn: Connection) -> None:
    """Version 1: every table as declared in tables.py at the time of the first release."""
    Base.metadata.create_all(conn)


Migration = tuple[int, str, Callable[[Connection], None]]

MIGRATIONS: list[Migration] = [
    (1, "initial schema", _v1_initial),
]

LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    """The store's schema version; 0 for an empty database."""
    if not inspect(conn).has_table(SchemaMeta.__tablename__):
        return 0
    row = conn.execute(select(SchemaMeta.value).where(SchemaMeta.key == "schema_version")).scalar_one_or_none()
    return int(row) if row is not None else 0


def upgrade(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> tuple[int, int]:
    """Bring the schema to the last version in ``migrations``; returns (from, to). Runs inside the caller's transaction."""
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
        SchemaMeta.__table__.create(conn, checkfirst=True)  # type: ignore[attr-defined]
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
