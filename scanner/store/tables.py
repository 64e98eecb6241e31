"""ORM tables of the results store (SQLAlchemy 2 declarative, identical on SQLite and PostgreSQL).

Times are UNIX epoch seconds as doubles: the same on both dialects, and the lease arithmetic stays trivial.
JSON payloads are text columns holding JSON, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of every store table."""


class SchemaMeta(Base):
    """Key/value facts about the store itself: ``schema_version`` drives migrations, ``hmac_key_fingerprint``
    names the key every value hash in the store was made with."""

    __tablename__ = "schema_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class Job(Base):
    """One run of a job file. ``source_text`` is the file as written (``${VAR}`` not expanded: no secrets)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source_text: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: full, store_raw, workers ...
    previous_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the run it is incremental to
    created_at: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Fingerprint of the HMAC key its value hashes were made with (v4); NULL for jobs of older versions.
    key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Task(Base):
    """A unit of leased work. ``fence`` grows on every lease: results carrying an older fence are rejected."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    datasource_id: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)

    __table_args__ = (
        Index("ix_tasks_job_status", "job_id", "status"),
        Index("ix_tasks_lease", "status", "lease_expires_at"),
    )


class OutputRecord(Base):
    """A batch of discovered objects, written by a DISCOVERY task and turned into tasks by the pipeliner."""

    __tablename__ = "output_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(Integer)
    datasource_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # JSON list of DiscoveredObject dicts
    processed: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_output_pending", "job_id", "processed"),)


class ObjectRow(Base):
    """One object within one job: what it was, what happened to it (``status``/``reason``), how often it was read."""

    __tablename__ = "objects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    datasource_id: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    mtime: Mapped[float] = mapped_column(Double)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    marker: Mapped[str | None] = mapped_column(String(256), nullable=True)  # connector change marker (v2)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    reads: Mapped[int] = mapped_column(Integer, default=0)  # accepted results recorded: 1 after a clean run

    __table_args__ = (
        UniqueConstraint("job_id", "datasource_id", "path", name="uq_objects_job_ds_path"),
        Index("ix_objects_task", "task_id", "status"),
    )


class FindingRow(Base):
    """A finding: where and what, masked and hashed. ``value`` only when the job stores raw values."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    datasource_id: Mapped[str] = mapped_column(String(64))
    object_path: Mapped[str] = mapped_column(Text)  # the top-level object, datasource-relative
    member: Mapped[str] = mapped_column(Text, default="")  # path inside an archive; "" for the object itself
    location: Mapped[str] = mapped_column(String(256))
    entity: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Double)
    masked: Mapped[str] = mapped_column(String(256))
    value_hash: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    carried: Mapped[bool] = mapped_column(Boolean, default=False)  # copied from the previous run (unchanged object)

    __table_args__ = (
        UniqueConstraint(
            "job_id", "datasource_id", "object_path", "member", "location", "entity", "value_hash",
            name="uq_findings_identity",
        ),
        Index("ix_findings_job_object", "job_id", "datasource_id", "object_path"),
    )


class Suppression(Base):
    """A triage decision: findings matching it are kept but hidden from reports and exports, in every run.

    ``kind`` is ``hash`` (``pattern`` is a finding's value hash) or ``object`` (``pattern`` is a glob over the
    datasource-relative object path); ``entity`` narrows either to one entity type.
    """

    __tablename__ = "suppressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    pattern: Mapped[str] = mapped_column(Text)
    entity: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Double)
