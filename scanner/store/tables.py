"""ORM tables of the results store (SQLAlchemy 2 declarative, identical on SQLite and PostgreSQL).

Times are UNIX epoch seconds as doubles: the same on both dialects, and the lease arithmetic stays trivial.
JSON payloads are text columns holding JSON, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

# 64-bit ids, sizes and counters. On SQLite every INTEGER is 64-bit already, and an INTEGER PRIMARY KEY (the rowid)
# must stay INTEGER to autoincrement: the SQLite variant keeps the type stores of earlier versions have.
Big = BigInteger().with_variant(Integer(), "sqlite")


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
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    source_text: Mapped[str] = mapped_column(Text)
    source_path: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: full, store_raw, workers ...
    previous_job_id: Mapped[int | None] = mapped_column(Big, nullable=True)  # the run it is incremental to
    created_at: Mapped[float] = mapped_column(Double)
    finished_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Fingerprint of the HMAC key its value hashes were made with (v4); NULL for jobs of older versions.
    key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The caller's key of the create_job request that made it (v6): the same request sent again (its answer was
    # lost) finds this job instead of creating a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (Index("uq_jobs_idempotency_key", "idempotency_key", unique=True),)


class Task(Base):
    """A unit of leased work. ``fence`` grows on every lease: results carrying an older fence are rejected."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(Big, ForeignKey("jobs.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    datasource_id: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    lease_owner: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_expires_at: Mapped[float | None] = mapped_column(Double, nullable=True)
    fence: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Big, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Double)
    updated_at: Mapped[float] = mapped_column(Double)
    ran_by: Mapped[str | None] = mapped_column(String(128), nullable=True)  # the last lease owner (kept after it ends)
    # The key of the last request (lease or fenced write) applied to the task (v6): a request re-sent because its
    # answer was lost finds its own key and is not applied twice.
    last_request: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # DISCOVERY scope (v7): a folder's subtree, or one page of a big folder (WorkPacket.folder/page_*); NULL folder:
    # the datasource from its root. ``spawn_key`` names a child task in its job, so a parent that runs again (its
    # lease lost) cannot spawn it twice. ``counted``: JSON of what this task's listings added to the run's counters
    # for unchanged objects (they leave no row): taken back when the task is leased again and re-walks.
    scope_folder: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_from: Mapped[str | None] = mapped_column(Text, nullable=True)
    page_to: Mapped[str | None] = mapped_column(Text, nullable=True)
    spawn_key: Mapped[str | None] = mapped_column(Text, nullable=True)
    counted: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_tasks_job_status", "job_id", "status"),
        Index("ix_tasks_lease", "status", "lease_expires_at"),
        Index("uq_tasks_spawn_key", "job_id", "spawn_key", unique=True),
    )


class OutputRecord(Base):
    """A batch of new or changed objects of one discovery, turned into CLASSIFICATION tasks by the pipeliner."""

    __tablename__ = "output_records"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(Big, ForeignKey("jobs.id", ondelete="CASCADE"))
    task_id: Mapped[int] = mapped_column(Big)
    datasource_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # JSON list of [object id, path, size, mtime, marker]
    processed: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_output_pending", "job_id", "processed"),)


class Source(Base):
    """A datasource of a job name: state is kept per (``job_name``, ``datasource_id``), across its runs."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    job_name: Mapped[str] = mapped_column(String(64))
    datasource_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("job_name", "datasource_id", name="uq_sources_name_ds"),)


class FolderRow(Base):
    """A folder of a source as last listed (so a folder that vanished takes its whole subtree with it)."""

    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(Big, ForeignKey("sources.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(Text)  # datasource-relative, stored (escaped) form; "" is the root
    parent: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("source_id", "path", name="uq_folders_source_path"),
        Index("ix_folders_parent", "source_id", "parent"),
    )


class ObjectRow(Base):
    """The current state of one object of a source: its latest version (``version_run``) and last outcome.

    A removed object keeps its row with ``status`` REMOVED; what each run did to it is in ``object_versions``.
    """

    __tablename__ = "objects"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(Big, ForeignKey("sources.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(Text)  # the parent folder of ``path`` ("" at the root)
    path: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Big)
    mtime: Mapped[float] = mapped_column(Double)
    marker: Mapped[str | None] = mapped_column(String(256), nullable=True)  # connector change marker
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    version_run: Mapped[int] = mapped_column(Big)

    __table_args__ = (
        UniqueConstraint("source_id", "path", name="uq_objects_source_path"),
        Index("ix_objects_folder", "source_id", "folder"),
    )


class ObjectVersion(Base):
    """What one run did to one object: found it new or changed (PENDING, then DONE/PARTIAL/SKIPPED/FAILED), skipped
    it, or noticed it REMOVED. An object a run found unchanged has no row of that run (the run's counters count it).
    ``reads``: accepted results recorded (1 after a clean run)."""

    __tablename__ = "object_versions"
    object_id: Mapped[int] = mapped_column(Big, ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[int] = mapped_column(Big, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    size: Mapped[int] = mapped_column(Big)
    mtime: Mapped[float] = mapped_column(Double)
    marker: Mapped[str | None] = mapped_column(String(256), nullable=True)
    content_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    reads: Mapped[int] = mapped_column(Integer, default=0)
    task_id: Mapped[int | None] = mapped_column(Big, nullable=True)
    # Who could read the object when this run read it (scanner.exposure; v6): its class, the readers as a JSON
    # list and a reason or note. NULL where it was not read (no findings, or a run of an older release).
    exposure: Mapped[str | None] = mapped_column(String(16), nullable=True)
    readers: Mapped[str | None] = mapped_column(Text, nullable=True)
    exposure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_versions_task", "task_id", "status"),
        Index("ix_versions_run", "run_id", "status"),
    )


class FindingRow(Base):
    """A finding of one object, valid from the run that first found it (``first_run``) until the run in which it
    was no longer there (``resolved_run``, NULL while it still is). ``value`` only when the run stored raw values."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Big, primary_key=True, autoincrement=True)
    object_id: Mapped[int] = mapped_column(Big, ForeignKey("objects.id", ondelete="CASCADE"))
    member: Mapped[str] = mapped_column(Text, default="")  # path inside an archive; "" for the object itself
    location: Mapped[str] = mapped_column(String(256))
    entity: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Double)
    masked: Mapped[str] = mapped_column(String(256))
    value_hash: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    first_run: Mapped[int] = mapped_column(Big)
    resolved_run: Mapped[int | None] = mapped_column(Big, nullable=True)
    task_id: Mapped[int | None] = mapped_column(Big, nullable=True)

    __table_args__ = (
        UniqueConstraint("object_id", "member", "location", "entity", "value_hash", "first_run",
                         name="uq_findings_identity"),
        Index("ix_findings_object", "object_id", "resolved_run"),
    )


class RunSource(Base):
    """One run's view of one source: its counters, kept by the writer as it goes, and whether its listing ended
    without a failure (``listed``: then every object it has no version of was listed unchanged)."""

    __tablename__ = "run_sources"
    run_id: Mapped[int] = mapped_column(Big, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(Big, ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    datasource_id: Mapped[str] = mapped_column(String(64))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    objects: Mapped[int] = mapped_column(Big, default=0)
    bytes: Mapped[int] = mapped_column(Big, default=0)
    bytes_done: Mapped[int] = mapped_column(Big, default=0)
    new: Mapped[int] = mapped_column(Big, default=0)
    modified: Mapped[int] = mapped_column(Big, default=0)
    unchanged: Mapped[int] = mapped_column(Big, default=0)
    removed: Mapped[int] = mapped_column(Big, default=0)
    pending: Mapped[int] = mapped_column(Big, default=0)
    done: Mapped[int] = mapped_column(Big, default=0)
    partial: Mapped[int] = mapped_column(Big, default=0)
    skipped: Mapped[int] = mapped_column(Big, default=0)
    failed: Mapped[int] = mapped_column(Big, default=0)
    findings: Mapped[int] = mapped_column(Big, default=0)


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
