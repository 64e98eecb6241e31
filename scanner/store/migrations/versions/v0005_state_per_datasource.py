"""Version 5: state per datasource instead of per run (issue 17).

Before: every run held a row per object and a copy of every finding of every unchanged object. After: one current
row per (job name, datasource, path) in ``objects``; ``object_versions`` holds what each run changed (new, changed,
skipped, failed, removed objects); ``findings`` rows carry the run that first found them and the run in which they
were gone (``first_run``, ``resolved_run``); ``run_sources`` keeps each run's counters. Ids and sizes are 64-bit.

The data of every run is converted so that each run reads back exactly as it did (its objects, their statuses and
reasons, its findings and which of them were carried over): a run's view of an object is its newest version up to
that run; with no version of the run itself, an object last seen DONE or UNCHANGED counts as UNCHANGED when the run
listed its datasource completely. Where that rule would not give the old answer, an explicit version is written (an
UNCHANGED version, or a REMOVED one for an object the run did not have). Runs that had not ended are cancelled: their
pending discovery batches were in the old format (start a new run).

Revision ID: 0005
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BEARING = ("DONE", "PARTIAL", "UNCHANGED")  # statuses whose object's findings a run shows
_CLOSING = ("SKIPPED", "FAILED", "REMOVED")  # statuses after which an object has no findings
_CHUNK = 500


def _create_tables() -> None:
    op.create_table(
        "sources",
        sa.Column("id", Big, primary_key=True, autoincrement=True),
        sa.Column("job_name", sa.String(64), nullable=False),
        sa.Column("datasource_id", sa.String(64), nullable=False),
        sa.UniqueConstraint("job_name", "datasource_id", name="uq_sources_name_ds"),
    )
    op.create_table(
        "folders",
        sa.Column("id", Big, primary_key=True, autoincrement=True),
        sa.Column("source_id", Big, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("parent", sa.Text, nullable=False),
        sa.UniqueConstraint("source_id", "path", name="uq_folders_source_path"),
    )
    op.create_index("ix_folders_parent", "folders", ["source_id", "parent"])
    op.create_table(
        "objects",
        sa.Column("id", Big, primary_key=True, autoincrement=True),
        sa.Column("source_id", Big, sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
        sa.Column("folder", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size", Big, nullable=False),
        sa.Column("mtime", sa.Double, nullable=False),
        sa.Column("marker", sa.String(256), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("version_run", Big, nullable=False),
        sa.UniqueConstraint("source_id", "path", name="uq_objects_source_path"),
    )
    op.create_index("ix_objects_folder", "objects", ["source_id", "folder"])
    op.create_table(
        "object_versions",
        sa.Column("object_id", Big, sa.ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("run_id", Big, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("size", Big, nullable=False),
        sa.Column("mtime", sa.Double, nullable=False),
        sa.Column("marker", sa.String(256), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("findings", sa.Integer, nullable=False),
        sa.Column("reads", sa.Integer, nullable=False),
        sa.Column("task_id", Big, nullable=True),
    )
    op.create_index("ix_versions_task", "object_versions", ["task_id", "status"])
    op.create_index("ix_versions_run", "object_versions", ["run_id", "status"])
    op.create_table(
        "findings",
        sa.Column("id", Big, primary_key=True, autoincrement=True),
        sa.Column("object_id", Big, sa.ForeignKey("objects.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member", sa.Text, nullable=False),
        sa.Column("location", sa.String(256), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("score", sa.Double, nullable=False),
        sa.Column("masked", sa.String(256), nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("first_run", Big, nullable=False),
        sa.Column("resolved_run", Big, nullable=True),
        sa.Column("task_id", Big, nullable=True),
        sa.UniqueConstraint("object_id", "member", "location", "entity", "value_hash", "first_run",
                            name="uq_findings_identity"),
    )
    op.create_index("ix_findings_object", "findings", ["object_id", "resolved_run"])
    counters = ["objects", "bytes", "bytes_done", "new", "modified", "unchanged", "removed", "pending", "done",
                "partial", "skipped", "failed", "findings"]
    op.create_table(
        "run_sources",
        sa.Column("run_id", Big, sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("source_id", Big, sa.ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("datasource_id", sa.String(64), nullable=False),
        sa.Column("listed", sa.Boolean, nullable=False),
        *[sa.Column(c, Big, nullable=False) for c in counters],
    )


def _folder_of(path: str) -> str:
    p = path.rstrip("/")
    return p.rsplit("/", 1)[0] if "/" in p else ""


def _convert(conn: sa.Connection) -> None:
    """Old rows (``objects_v4``, ``findings_v4``) into sources, objects, versions, findings and run counters."""
    meta = sa.MetaData()
    jobs = sa.Table("jobs", meta, autoload_with=conn)
    tasks = sa.Table("tasks", meta, autoload_with=conn)
    old_obj = sa.Table("objects_v4", meta, autoload_with=conn)
    old_find = sa.Table("findings_v4", meta, autoload_with=conn)
    sources = sa.Table("sources", meta, autoload_with=conn)
    folders = sa.Table("folders", meta, autoload_with=conn)
    objects = sa.Table("objects", meta, autoload_with=conn)
    versions = sa.Table("object_versions", meta, autoload_with=conn)
    findings = sa.Table("findings", meta, autoload_with=conn)
    run_sources = sa.Table("run_sources", meta, autoload_with=conn)

    names = dict(conn.execute(sa.select(jobs.c.id, jobs.c.name)).all())
    # Which datasources each run had: from its tasks and its objects.
    run_ds: dict[int, set[str]] = defaultdict(set)
    for j, d in conn.execute(sa.select(tasks.c.job_id, tasks.c.datasource_id).distinct()).all():
        run_ds[j].add(d)
    for j, d in conn.execute(sa.select(old_obj.c.job_id, old_obj.c.datasource_id).distinct()).all():
        run_ds[j].add(d)
    # A run listed a datasource completely when its discovery tasks of it all completed.
    listed: dict[tuple[int, str], bool] = {}
    for j, d, st in conn.execute(sa.select(tasks.c.job_id, tasks.c.datasource_id, tasks.c.status)
                                 .where(tasks.c.type == "DISCOVERY")).all():
        listed[(j, d)] = listed.get((j, d), True) and st == "COMPLETED"
    source_ids: dict[tuple[str, str], int] = {}
    for j in sorted(run_ds):
        for d in sorted(run_ds[j]):
            key = (names[j], d)
            if key not in source_ids:
                source_ids[key] = conn.execute(sa.insert(sources).values(job_name=key[0], datasource_id=d)
                                               .returning(sources.c.id)).scalar_one()
    for (name, d), sid in source_ids.items():
        runs = sorted(j for j in run_ds if names[j] == name and d in run_ds[j])
        _convert_source(conn, sid, d, runs, listed, old_obj, old_find, objects, versions, findings, folders,
                        run_sources)


def _convert_source(conn: sa.Connection, sid: int, ds: str, runs: list[int], listed: dict[tuple[int, str], bool],
                    old_obj: sa.Table, old_find: sa.Table, objects: sa.Table, versions: sa.Table,
                    findings: sa.Table, folders: sa.Table, run_sources: sa.Table) -> None:
    run_set = set(runs)
    rows_by_path: dict[str, dict[int, Any]] = defaultdict(dict)
    for r in conn.execute(sa.select(old_obj).where(old_obj.c.datasource_id == ds,
                                                   old_obj.c.job_id.in_(runs))).mappings():
        rows_by_path[r["path"]][r["job_id"]] = r
    finds_by_path: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for f in conn.execute(sa.select(old_find).where(old_find.c.datasource_id == ds,
                                                    old_find.c.job_id.in_(runs))).mappings():
        finds_by_path[f["object_path"]][f["job_id"]].append(f)
    counters: dict[int, dict[str, int]] = {j: defaultdict(int) for j in runs}
    for path in sorted(rows_by_path):
        per_run = rows_by_path[path]
        first = per_run[min(per_run)]
        oid = conn.execute(sa.insert(objects).values(
            source_id=sid, folder=_folder_of(path), path=path, size=first["size"], mtime=first["mtime"],
            marker=first["marker"], content_hash=first["content_hash"], status=first["status"],
            reason=first["reason"], findings=first["findings"], version_run=min(per_run),
        ).returning(objects.c.id)).scalar_one()
        latest: dict[str, Any] | None = None  # the newest version written so far
        open_rows: dict[tuple[Any, ...], int] = {}  # finding identity -> id of its open row
        vrows: list[dict[str, Any]] = []
        for run in runs:
            old = per_run.get(run)
            status = old["status"] if old is not None else None
            inferred = "UNCHANGED" if latest is not None and latest["status"] in ("DONE", "UNCHANGED") \
                and listed.get((run, ds), False) else None
            write: str | None = None
            if status == "UNCHANGED":
                write = None if inferred == "UNCHANGED" else "UNCHANGED"
            elif status is None:
                write = "REMOVED" if inferred == "UNCHANGED" else None
            else:
                write = status
            if write is not None:
                src = old if old is not None else latest
                assert src is not None
                latest = {"object_id": oid, "run_id": run, "status": write,
                          "reason": old["reason"] if old is not None else None, "size": src["size"],
                          "mtime": src["mtime"], "marker": src["marker"], "content_hash": src["content_hash"],
                          "findings": old["findings"] if old is not None else 0,
                          "reads": old["reads"] if old is not None else 0,
                          "task_id": old["task_id"] if old is not None else None}
                vrows.append(latest)
            if old is not None:
                c = counters[run]
                c["objects"] += 1
                c["bytes"] += int(old["size"])
                c[{"UNCHANGED": "unchanged", "DONE": "done", "PARTIAL": "partial", "SKIPPED": "skipped",
                   "FAILED": "failed", "PENDING": "pending"}.get(status or "", "pending")] += 1
                if status in _BEARING:
                    c["bytes_done"] += int(old["size"])
            if status in _BEARING:
                now = {(f["member"], f["location"], f["entity"], f["value_hash"], f["score"], f["masked"],
                        f["value"]): f for f in finds_by_path.get(path, {}).get(run, [])}
                for ident in [i for i in open_rows if i not in now]:
                    conn.execute(sa.update(findings).where(findings.c.id == open_rows.pop(ident))
                                 .values(resolved_run=run))
                for ident, f in now.items():
                    if ident not in open_rows:
                        open_rows[ident] = conn.execute(sa.insert(findings).values(
                            object_id=oid, member=f["member"], location=f["location"], entity=f["entity"],
                            score=f["score"], masked=f["masked"], value_hash=f["value_hash"], value=f["value"],
                            first_run=run, resolved_run=None, task_id=f["task_id"],
                        ).returning(findings.c.id)).scalar_one()
                    if not ident[2].startswith("HINT:"):
                        counters[run]["findings"] += 1
            elif write in _CLOSING and open_rows:
                conn.execute(sa.update(findings).where(findings.c.id.in_(list(open_rows.values())))
                             .values(resolved_run=run))
                open_rows.clear()
        if vrows:
            conn.execute(sa.insert(versions), vrows)
        assert latest is not None or not vrows
        if latest is not None:
            conn.execute(sa.update(objects).where(objects.c.id == oid).values(
                size=latest["size"], mtime=latest["mtime"], marker=latest["marker"],
                content_hash=latest["content_hash"], status=latest["status"], reason=latest["reason"],
                findings=latest["findings"], version_run=latest["run_id"]))
    # Folders of what is there now (and their parents): a later listing notices a folder that vanished.
    present = {_folder_of(str(p)) for p in conn.execute(sa.select(objects.c.path).where(
        objects.c.source_id == sid, objects.c.status != "REMOVED")).scalars()}
    known: set[str] = set()
    for folder in present:
        cur = folder
        while cur not in known:
            known.add(cur)
            if cur == "":
                break
            cur = _folder_of(cur)
    if known:
        conn.execute(sa.insert(folders), [{"source_id": sid, "path": k, "parent": _folder_of(k) if k else ""}
                                          for k in sorted(known)])
    rs = []
    for run in runs:
        c = counters[run]
        rs.append({"run_id": run, "source_id": sid, "datasource_id": ds, "listed": listed.get((run, ds), False),
                   **{k: c.get(k, 0) for k in ("objects", "bytes", "bytes_done", "new", "modified", "unchanged",
                                               "removed", "pending", "done", "partial", "skipped", "failed",
                                               "findings")}})
    assert all(r in run_set for r in runs)
    conn.execute(sa.insert(run_sources), rs)


def upgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    # The old tables step aside (their constraint names are taken by the new ones on PostgreSQL).
    op.rename_table("objects", "objects_v4")
    op.rename_table("findings", "findings_v4")
    if pg:
        op.execute("ALTER TABLE findings_v4 RENAME CONSTRAINT uq_findings_identity TO uq_findings_v4_identity")
        op.execute("ALTER TABLE objects_v4 RENAME CONSTRAINT uq_objects_job_ds_path TO uq_objects_v4_job_ds_path")
        op.execute("ALTER INDEX ix_findings_job_object RENAME TO ix_findings_v4_job_object")
        op.execute("ALTER INDEX ix_objects_task RENAME TO ix_objects_v4_task")
        # 64-bit ids and sizes (on SQLite every INTEGER is 64-bit already).
        for table, cols in (("jobs", ("id", "previous_job_id")), ("tasks", ("id", "job_id", "bytes")),
                            ("output_records", ("id", "job_id", "task_id"))):
            for col in cols:
                op.execute(f"ALTER TABLE {table} ALTER COLUMN {col} TYPE BIGINT")
    op.add_column("tasks", sa.Column("ran_by", sa.String(128), nullable=True))
    _create_tables()
    _convert(conn)
    op.drop_table("findings_v4")
    op.drop_table("objects_v4")
    # Pending discovery batches were in the old format: the runs that had not ended are cancelled.
    op.execute("DELETE FROM output_records")
    op.execute("UPDATE jobs SET status = 'CANCELLED', error = 'stopped by the upgrade of the store to schema "
               "version 5: start a new run' WHERE status IN ('RUNNING', 'PAUSING', 'PAUSED', 'CANCELLING', "
               "'INTERRUPTED')")
    op.execute("UPDATE tasks SET status = 'PENDING', fence = fence + 1, lease_owner = NULL, lease_expires_at = NULL "
               "WHERE status = 'LEASED'")


def downgrade() -> None:
    raise NotImplementedError("the store is never downgraded")
