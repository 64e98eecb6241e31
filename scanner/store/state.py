"""State per datasource: listings compared with the stored state, results applied to it, and a run's view of it.

Every function here runs inside a transaction of :class:`~scanner.store.interface.DatabaseInterface` (the only
caller) and works set-based: one query per batch of objects or folders, never one round trip per object.

The model (tables.py): ``objects`` holds one current row per (source, path); ``object_versions`` what each run
changed; ``findings`` rows are valid from ``first_run`` until ``resolved_run``. A run's view of an object is its
newest version up to that run: a version of the run itself gives its status; an older DONE or UNCHANGED version
gives UNCHANGED when the run listed the source completely (``run_sources.listed``); anything else means the run
did not have the object. A finding shows in a run when its validity spans the run and its object's status in the
run is DONE, PARTIAL or UNCHANGED.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, delete, func, literal, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from scanner.models import HINT_PREFIX, DiscoveredObject, FolderListing, ObjectResult, ObjectStatus
from scanner.store.tables import FindingRow, FolderRow, ObjectRow, ObjectVersion, OutputRecord, RunSource

CHUNK = 400  # keeps IN (...) lists and multi-row statements well under SQLite's variable limit
REMOVED = "REMOVED"
BEARING = (ObjectStatus.DONE.value, ObjectStatus.PARTIAL.value, ObjectStatus.UNCHANGED.value)
_CARRIED = (ObjectStatus.DONE.value, ObjectStatus.UNCHANGED.value)
_COUNTERS = ("objects", "bytes", "bytes_done", "new", "modified", "unchanged", "removed", "pending", "done",
             "partial", "skipped", "failed", "findings")


def chunks(seq: Sequence[Any], n: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``seq`` in slices of at most ``n``."""
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def folder_of(path: str) -> str:
    """The folder a stored path is in ("" at the root); a folder object ``a/b/`` is in ``a``."""
    p = path.rstrip("/")
    return p.rsplit("/", 1)[0] if "/" in p else ""


def _under(col: Any, folder: str) -> Any:
    """SQL: ``col`` is ``folder`` or below it (compared by prefix: names are data, never LIKE patterns)."""
    if folder == "":
        return literal(True)
    prefix = folder + "/"
    return or_(col == folder, func.substr(col, 1, len(prefix)) == prefix)


async def _many(s: AsyncSession, stmt: Any, rows: list[dict[str, Any]]) -> None:
    """One UPDATE run for many rows (executemany on the connection: the ORM session would want primary keys)."""
    if rows:
        await (await s.connection()).execute(stmt, rows)


def _unique(findings: Iterable[Any]) -> list[Any]:
    """One finding per (member, location, entity, value hash): the same value at the same place once."""
    seen: dict[tuple[Any, ...], Any] = {}
    for f in findings:
        seen.setdefault((f.member, f.location, f.entity, f.value_hash), f)
    return list(seen.values())


def _counted(findings: Iterable[Any]) -> int:
    return sum(1 for f in findings if not f.entity.startswith(HINT_PREFIX))


@dataclass
class Counters:
    """Increments of one run's counters for one source, written in one UPDATE."""

    values: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, **kw: int) -> None:
        for k, v in kw.items():
            self.values[k] += v

    async def flush(self, s: AsyncSession, run_id: int, source_id: int) -> None:
        inc = {k: getattr(RunSource, k) + v for k, v in self.values.items() if v}
        if inc:
            await s.execute(update(RunSource).where(RunSource.run_id == run_id, RunSource.source_id == source_id)
                            .values(**inc))
        self.values.clear()


class Writer:
    """The statements of one transaction that are dialect-specific (INSERT ... ON CONFLICT)."""

    def __init__(self, s: AsyncSession, insert: Any):
        self.s, self.insert = s, insert

    async def upsert_versions(self, rows: list[dict[str, Any]]) -> None:
        """Versions of this run (a re-walk may find a version of the run already there: it is replaced)."""
        for part in chunks(rows):
            stmt = self.insert(ObjectVersion)
            stmt = stmt.on_conflict_do_update(
                index_elements=[ObjectVersion.object_id, ObjectVersion.run_id],
                set_={c: getattr(stmt.excluded, c) for c in ("status", "reason", "size", "mtime", "marker",
                                                             "content_hash", "findings", "task_id")})
            await self.s.execute(stmt, list(part))


async def close_findings(s: AsyncSession, run_id: int, object_ids: Sequence[int]) -> None:
    """The open findings of these objects are no longer there as of ``run_id``."""
    for part in chunks(list(object_ids)):
        await s.execute(delete(FindingRow).where(FindingRow.object_id.in_(part), FindingRow.resolved_run.is_(None),
                                                 FindingRow.first_run == run_id))
        await s.execute(update(FindingRow).where(FindingRow.object_id.in_(part), FindingRow.resolved_run.is_(None))
                        .values(resolved_run=run_id))


async def _remove(w: Writer, run_id: int, rows: Sequence[Any], counters: Counters) -> None:
    """Record that these stored objects (rows of ``objects``) are gone as of ``run_id``."""
    if not rows:
        return
    await w.upsert_versions([{"object_id": r.id, "run_id": run_id, "status": REMOVED, "reason": None,
                              "size": r.size, "mtime": r.mtime, "marker": r.marker, "content_hash": None,
                              "findings": 0, "reads": 0, "task_id": None} for r in rows])
    ids = [r.id for r in rows]
    for part in chunks(ids):
        await w.s.execute(update(ObjectRow).where(ObjectRow.id.in_(part))
                          .values(status=REMOVED, reason=None, version_run=run_id, findings=0))
    await close_findings(w.s, run_id, ids)
    counters.add(removed=len(rows))


_STATE_COLS = (ObjectRow.id, ObjectRow.path, ObjectRow.folder, ObjectRow.size, ObjectRow.mtime, ObjectRow.marker,
               ObjectRow.status, ObjectRow.version_run, ObjectRow.findings)


async def apply_listing(w: Writer, *, job_id: int, task_id: int, source_id: int, datasource_id: str,
                        baseline: bool, objects: Sequence[DiscoveredObject],
                        complete: Sequence[FolderListing]) -> tuple[int, dict[str, int]]:
    """Compare listed objects with the stored state; returns how many are to be scanned (an output record) and
    what was counted for unchanged objects (they leave no row: a re-walk of the task must take it back).

    New and changed objects get a PENDING version (and an output record for the pipeliner), skipped ones a SKIPPED
    version; unchanged ones only count. For each folder in ``complete`` (listed whole in this batch), stored
    objects that were not listed are REMOVED, and so is the subtree of a sub-folder that is no longer there.
    """
    s = w.s
    conn = await s.connection()  # Core statements: the ORM's per-row bookkeeping is not needed here
    counters = Counters()
    listed: dict[str, DiscoveredObject] = {}
    for o in objects:
        listed.setdefault(o.path, o)
    # The stored state of what was listed: whole folders by folder, a page of a big folder by its path range (never
    # the whole folder for each page), and anything listed outside a complete listing by path.
    pg = conn.dialect.name == "postgresql"
    whole = sorted({c.folder for c in complete if c.page_from is None and c.page_to is None})
    pages = [c for c in complete if c.page_from is not None or c.page_to is not None]
    stored: dict[str, Any] = {}
    for part in chunks(whole):
        for r in (await conn.execute(select(*_STATE_COLS).where(ObjectRow.source_id == source_id,
                                                                ObjectRow.folder.in_(part)))).all():
            stored[r.path] = r
    for c in pages:
        for r in (await conn.execute(select(*_STATE_COLS).where(
                ObjectRow.source_id == source_id, ObjectRow.folder == c.folder,
                *in_page(ObjectRow.path, c.page_from, c.page_to, pg)))).all():
            stored[r.path] = r
    covered = set(whole)
    ranges = defaultdict(list)
    for c in pages:
        ranges[c.folder].append((c.page_from, c.page_to))

    def in_listing(p: str) -> bool:
        f = folder_of(p)
        return f in covered or any((lo is None or p >= lo) and (hi is None or p < hi) for lo, hi in ranges.get(f, ()))

    loose = [p for p in listed if p not in stored and not in_listing(p)]
    for part in chunks(loose):
        for r in (await conn.execute(select(*_STATE_COLS).where(ObjectRow.source_id == source_id,
                                                                ObjectRow.path.in_(part)))).all():
            stored[r.path] = r
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    to_scan: list[tuple[str, DiscoveredObject]] = []  # (path, object); ids filled in once known
    closing: list[int] = []
    n_listed = n_bytes = n_unchanged = unchanged_bytes = unchanged_findings = n_skipped = n_pending = n_new = 0
    pending_status, skipped_status = ObjectStatus.PENDING.value, ObjectStatus.SKIPPED.value
    for path, o in listed.items():
        st = stored.get(path)
        if st is not None and st.version_run == job_id and st.status != REMOVED:
            continue  # this run has it already (a discovery run again after a lost lease)
        n_listed += 1
        n_bytes += o.size
        if o.skip_reason:
            status, reason = skipped_status, o.skip_reason
            n_skipped += 1
        elif baseline and st is not None and st.status in _CARRIED and st.size == o.size and st.mtime == o.mtime \
                and st.marker == o.marker:
            n_unchanged += 1
            unchanged_bytes += o.size
            unchanged_findings += st.findings
            continue
        else:
            status, reason = pending_status, None
            n_pending += 1
        if st is None or st.status == REMOVED:
            n_new += 1
        values = {"size": o.size, "mtime": o.mtime, "marker": o.marker, "status": status, "reason": reason,
                  "content_hash": None, "findings": 0, "version_run": job_id}
        if st is None:
            new_rows.append({"source_id": source_id, "folder": folder_of(path), "path": path} | values)
        else:
            changed.append({"oid": st.id} | {f"b_{k}": v for k, v in values.items()})
            if status == skipped_status:
                closing.append(st.id)
        versions.append({"path": path, "status": status, "reason": reason, "size": o.size, "mtime": o.mtime,
                         "marker": o.marker})
        if status == pending_status:
            to_scan.append((path, o))
    counters.add(objects=n_listed, bytes=n_bytes, unchanged=n_unchanged, bytes_done=unchanged_bytes,
                 findings=unchanged_findings, skipped=n_skipped, pending=n_pending, new=n_new,
                 modified=n_skipped + n_pending - n_new)
    ids = {path: st.id for path, st in stored.items()}
    for part in chunks(new_rows):
        for oid, path in (await s.execute(w.insert(ObjectRow).returning(ObjectRow.id, ObjectRow.path),
                                          list(part))).all():
            ids[path] = oid
    if changed:
        await _many(s, update(ObjectRow).where(ObjectRow.id == bindparam("oid"))
                    .values({k[2:]: bindparam(k) for k in changed[0] if k != "oid"}), changed)
    if closing:
        await close_findings(s, job_id, closing)
    await w.upsert_versions([{"object_id": ids[v.pop("path")], "run_id": job_id, "content_hash": None,
                              "findings": 0, "reads": 0, "task_id": None} | v for v in versions])
    # Removals: what a complete folder listing no longer has, and the subtrees of vanished sub-folders.
    if complete:
        by_folder: dict[str, list[Any]] = defaultdict(list)
        for p, r in stored.items():
            if p not in listed and r.status != REMOVED:
                by_folder[r.folder].append(r)
        await _remove(w, job_id, [r for c in complete for r in by_folder.get(c.folder, ())
                                  if (c.page_from is None or r.path >= c.page_from)
                                  and (c.page_to is None or r.path < c.page_to)], counters)
        # Sub-folders are known from a whole listing or from the page that starts a folder.
        await _sync_folders(w, job_id, source_id, [c for c in complete if c.page_from is None], counters)
    if to_scan:
        s.add(OutputRecord(job_id=job_id, task_id=task_id, datasource_id=datasource_id, payload=json.dumps(
            [[ids[p], p, o.size, o.mtime, o.marker] for p, o in to_scan])))
    await counters.flush(s, job_id, source_id)
    return len(to_scan), {"objects": n_unchanged, "bytes": unchanged_bytes, "unchanged": n_unchanged,
                          "bytes_done": unchanged_bytes, "findings": unchanged_findings}


def in_page(col: Any, lo: str | None, hi: str | None, pg: bool) -> list[Any]:
    """SQL: ``col`` in [lo, hi), compared by code point as Python and the workers compare (PostgreSQL: the "C"
    collation, whatever the database's is)."""
    c = col.collate("C") if pg else col
    return ([c >= lo] if lo is not None else []) + ([c < hi] if hi is not None else [])


async def take_back(s: AsyncSession, run_id: int, source_id: int, counted: dict[str, int]) -> None:
    """Subtract what a discovery task counted before (it is about to list the same objects again)."""
    c = Counters()
    c.add(**{k: -int(v) for k, v in counted.items()})
    await c.flush(s, run_id, source_id)


async def _sync_folders(w: Writer, run_id: int, source_id: int, complete: Sequence[FolderListing],
                        counters: Counters) -> None:
    s = w.s
    listed_folders = {c.folder for c in complete}
    children: dict[str, set[str]] = defaultdict(set)
    conn = await s.connection()
    for part in chunks(sorted(listed_folders)):
        for p, parent in (await conn.execute(select(FolderRow.path, FolderRow.parent).where(
                FolderRow.source_id == source_id, FolderRow.parent.in_(part)))).all():
            if p != parent:  # the root is its own parent
                children[parent].add(p)
    rows = [{"source_id": source_id, "path": c.folder, "parent": folder_of(c.folder) if c.folder else ""}
            for c in complete]
    vanished: list[str] = []
    for c in complete:
        now = set(c.subfolders)
        rows += [{"source_id": source_id, "path": f, "parent": c.folder} for f in now - children[c.folder]]
        vanished += sorted(children[c.folder] - now)
    for part in chunks(rows):
        await s.execute(w.insert(FolderRow).on_conflict_do_nothing(), list(part))
    for f in vanished:
        gone = (await s.execute(select(*_STATE_COLS).where(ObjectRow.source_id == source_id,
                                                           ObjectRow.status != REMOVED,
                                                           _under(ObjectRow.folder, f)))).all()
        await _remove(w, run_id, gone, counters)
        await s.execute(delete(FolderRow).where(FolderRow.source_id == source_id, _under(FolderRow.path, f)))


async def plan_record(s: AsyncSession, rec: OutputRecord, *, batch_bytes: int, batch_objects: int,
                      max_attempts: int, now: float, new_task: Any) -> None:
    """Cut one output record into CLASSIFICATION tasks by bytes and count; the record is then deleted."""
    entries = json.loads(rec.payload)
    batches: list[list[Any]] = []
    batch: list[Any] = []
    size = 0
    for e in entries:
        if batch and (size + e[2] > batch_bytes or len(batch) >= batch_objects):
            batches.append(batch)
            batch, size = [], 0
        batch.append(e)
        size += e[2]
    if batch:
        batches.append(batch)
    assign: list[dict[str, Any]] = []
    for b in batches:
        tid = await new_task(rec.datasource_id, sum(e[2] for e in b))
        assign += [{"oid": e[0], "b_tid": tid} for e in b]
    if assign:
        await _many(s, update(ObjectVersion).where(ObjectVersion.object_id == bindparam("oid"),
                                                   ObjectVersion.run_id == rec.job_id,
                                                   ObjectVersion.status == ObjectStatus.PENDING.value)
                    .values(task_id=bindparam("b_tid")), assign)
    await s.delete(rec)


def _outcome(r: ObjectResult) -> tuple[str, str | None]:
    if r.failed_reason:
        return ObjectStatus.FAILED.value, r.failed_reason
    if r.skip_reason:
        return ObjectStatus.SKIPPED.value, r.skip_reason
    if r.partial_reason:
        return ObjectStatus.PARTIAL.value, r.partial_reason
    return ObjectStatus.DONE.value, None


_IDENT = ("member", "location", "entity", "value_hash")


def _exposure_binds(e: Any) -> dict[str, Any]:
    """The version columns of an object's exposure (:class:`scanner.exposure.Exposure` or None: not read)."""
    if e is None:
        return {"b_exposure": None, "b_readers": None, "b_exposure_reason": None}
    return {"b_exposure": e.level, "b_readers": json.dumps(list(e.readers)), "b_exposure_reason": e.reason}


def _set_from_binds() -> dict[str, Any]:
    return {c: bindparam(f"b_{c}") for c in ("status", "reason", "content_hash", "findings", "size", "mtime")}


async def apply_results(w: Writer, *, job_id: int, task_id: int, source_id: int,
                        results: Sequence[ObjectResult]) -> int:
    """Finished objects of a task: their versions and current rows, their findings reconciled with the open ones.

    Only objects still PENDING in this task are applied, so a write repeated after a lost acknowledgement counts
    nothing twice. Returns how many objects were applied.
    """
    s = w.s
    by_path = {r.path: r for r in results}
    pending: dict[str, tuple[int, int]] = {}
    for part in chunks(list(by_path)):
        for oid, path, size in (await s.execute(
            select(ObjectRow.id, ObjectRow.path, ObjectVersion.size).join(ObjectVersion,
                                                                           ObjectVersion.object_id == ObjectRow.id)
            .where(ObjectVersion.task_id == task_id, ObjectVersion.run_id == job_id,
                   ObjectVersion.status == ObjectStatus.PENDING.value, ObjectRow.path.in_(part))
        )).all():
            pending[path] = (oid, size)
    if not pending:
        return 0
    counters = Counters()
    vrows, orows = [], []
    keep: dict[int, list[Any]] = {}
    for path, (oid, listed_size) in pending.items():
        r = by_path[path]
        status, reason = _outcome(r)
        bearing = status in (ObjectStatus.DONE.value, ObjectStatus.PARTIAL.value)
        keep[oid] = _unique(r.findings) if bearing else []
        n = _counted(keep[oid])
        row = {"oid": oid, "b_status": status, "b_reason": reason, "b_content_hash": r.content_hash,
               "b_findings": n, "b_size": r.size, "b_mtime": r.mtime}
        vrows.append(row | {"b_attempts": r.attempts} | _exposure_binds(r.exposure if bearing else None))
        orows.append(row)
        counters.add(pending=-1, bytes=r.size - listed_size, findings=n, **{status.lower(): 1})
        if bearing:
            counters.add(bytes_done=r.size)
    await _many(s, update(ObjectVersion).where(ObjectVersion.object_id == bindparam("oid"),
                                               ObjectVersion.run_id == job_id)
                .values(reads=ObjectVersion.reads + bindparam("b_attempts"),
                        exposure=bindparam("b_exposure"), readers=bindparam("b_readers"),
                        exposure_reason=bindparam("b_exposure_reason"), **_set_from_binds()), vrows)
    await _many(s, update(ObjectRow).where(ObjectRow.id == bindparam("oid"), ObjectRow.version_run == job_id)
                .values(**_set_from_binds()), orows)
    await _reconcile(w, job_id, task_id, keep)
    await counters.flush(s, job_id, source_id)
    return len(pending)


async def _reconcile(w: Writer, run_id: int, task_id: int, keep: dict[int, list[Any]]) -> None:
    """Each object's open findings become exactly ``keep[object]``: the ones no longer found are resolved in this
    run, new ones start in it, identical ones (same place, value, score and mask) stay as they are."""
    s = w.s
    open_rows: dict[int, dict[tuple[Any, ...], int]] = defaultdict(dict)
    for part in chunks(list(keep)):
        for r in (await s.execute(select(FindingRow.id, FindingRow.object_id, *[getattr(FindingRow, c) for c in _IDENT],
                                         FindingRow.score, FindingRow.masked, FindingRow.value)
                                  .where(FindingRow.object_id.in_(part), FindingRow.resolved_run.is_(None)))).all():
            open_rows[r.object_id][(r.member, r.location, r.entity, r.value_hash, r.score, r.masked, r.value)] = r.id
    close: list[int] = []
    insert: list[dict[str, Any]] = []
    for oid, found in keep.items():
        have = open_rows.get(oid, {})
        want = {(f.member, f.location, f.entity, f.value_hash, float(f.score), f.masked, f.value): f for f in found}
        close += [fid for ident, fid in have.items() if ident not in want]
        insert += [{"object_id": oid, "member": f.member, "location": f.location, "entity": f.entity,
                    "score": float(f.score), "masked": f.masked, "value_hash": f.value_hash, "value": f.value,
                    "first_run": run_id, "resolved_run": None, "task_id": task_id}
                   for ident, f in want.items() if ident not in have]
    for part in chunks(close):
        await s.execute(delete(FindingRow).where(FindingRow.id.in_(part), FindingRow.first_run == run_id))
        await s.execute(update(FindingRow).where(FindingRow.id.in_(part)).values(resolved_run=run_id))
    for part in chunks(insert):
        await s.execute(w.insert(FindingRow).on_conflict_do_nothing(), list(part))


async def fail_objects(s: AsyncSession, *, job_id: int, task_id: int, reason: str) -> None:
    """The PENDING objects of a task that failed for good become FAILED, with the reason."""
    rows = (await s.execute(select(ObjectVersion.object_id, ObjectRow.source_id).join(
        ObjectRow, ObjectRow.id == ObjectVersion.object_id).where(
        ObjectVersion.task_id == task_id, ObjectVersion.status == ObjectStatus.PENDING.value))).all()
    if not rows:
        return
    ids = [r[0] for r in rows]
    for part in chunks(ids):
        await s.execute(update(ObjectVersion).where(ObjectVersion.object_id.in_(part), ObjectVersion.run_id == job_id)
                        .values(status=ObjectStatus.FAILED.value, reason=reason))
        await s.execute(update(ObjectRow).where(ObjectRow.id.in_(part), ObjectRow.version_run == job_id)
                        .values(status=ObjectStatus.FAILED.value, reason=reason))
    await close_findings(s, job_id, ids)
    per_source: dict[int, int] = defaultdict(int)
    for _oid, sid in rows:
        per_source[sid] += 1
    for sid, n in per_source.items():
        c = Counters()
        c.add(pending=-n, failed=n)
        await c.flush(s, job_id, sid)


# ---------------------------------------------------------------------------------------------------- retention


async def prune_state(s: AsyncSession, source_ids: Sequence[int], cutoff: int) -> dict[str, int]:
    """Drop the state of a job name's sources that no run from ``cutoff`` on can show; returns rows deleted per
    table. Runs before ``cutoff`` are being deleted; every later run must answer as before.

    A later run R shows an object through its newest version up to R, and a finding while
    ``first_run <= R < resolved_run``. So, per object, only the newest version before the cutoff can still be
    shown (it stands for the object in every later run without a version of its own); a finding resolved at or
    before the cutoff is shown by no later run; an object REMOVED before the cutoff is shown by none either (if it
    comes back it is new, as it would have been). Folder rows and current object rows are the live state: kept.
    """
    out = {"object_versions": 0, "findings": 0, "objects": 0}
    if not source_ids:
        return out
    of_sources = select(ObjectRow.id).where(ObjectRow.source_id.in_(source_ids))
    newer = aliased(ObjectVersion)
    superseded = select(literal(1)).select_from(newer).where(
        newer.object_id == ObjectVersion.object_id, newer.run_id > ObjectVersion.run_id, newer.run_id < cutoff)
    out["object_versions"] += _count(await s.execute(delete(ObjectVersion).where(
        ObjectVersion.object_id.in_(of_sources), ObjectVersion.run_id < cutoff, superseded.exists())))
    out["findings"] += _count(await s.execute(delete(FindingRow).where(
        FindingRow.object_id.in_(of_sources), FindingRow.resolved_run.is_not(None),
        FindingRow.resolved_run <= cutoff)))
    gone = select(ObjectRow.id).where(ObjectRow.source_id.in_(source_ids), ObjectRow.status == REMOVED,
                                      ObjectRow.version_run < cutoff)
    # Explicit deletes, not ON DELETE CASCADE: a store opened by another tool may have SQLite's foreign keys off.
    out["findings"] += _count(await s.execute(delete(FindingRow).where(FindingRow.object_id.in_(gone))))
    out["object_versions"] += _count(await s.execute(delete(ObjectVersion).where(ObjectVersion.object_id.in_(gone))))
    out["objects"] += _count(await s.execute(delete(ObjectRow).where(
        ObjectRow.source_id.in_(source_ids), ObjectRow.status == REMOVED, ObjectRow.version_run < cutoff)))
    return out


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# ---------------------------------------------------------------------------------------------------- a run's view


def run_view(run_id: int) -> Select[Any]:
    """The objects a run had, with their status in it: oid, source_id, ds, path, status, reason, size, reads,
    version_run (the version it shows), exposure, readers, exposure_reason (as that version recorded them),
    carried."""
    v2 = aliased(ObjectVersion)
    vv = aliased(ObjectVersion)
    newest = select(func.max(v2.run_id)).where(v2.object_id == ObjectRow.id, v2.run_id <= run_id) \
        .correlate(ObjectRow).scalar_subquery()
    own = vv.run_id == run_id
    return (
        select(ObjectRow.id.label("oid"), ObjectRow.source_id, RunSource.datasource_id.label("ds"), ObjectRow.path,
               case((own, vv.status), else_=literal(ObjectStatus.UNCHANGED.value)).label("status"),
               case((own, vv.reason), else_=null()).label("reason"), vv.size.label("size"),
               vv.reads.label("reads"), vv.run_id.label("version_run"), vv.exposure.label("exposure"),
               vv.readers.label("readers"), vv.exposure_reason.label("exposure_reason"),
               or_(vv.run_id < run_id, vv.status == ObjectStatus.UNCHANGED.value).label("carried"))
        .select_from(RunSource)
        .join(ObjectRow, ObjectRow.source_id == RunSource.source_id)
        .join(vv, and_(vv.object_id == ObjectRow.id, vv.run_id == newest))
        .where(RunSource.run_id == run_id,
               or_(and_(own, vv.status != REMOVED),
                   and_(vv.run_id < run_id, vv.status.in_(_CARRIED), RunSource.listed.is_(True))))
    )


def findings_view(run_id: int, raw: bool) -> Select[Any]:
    """The findings a run shows, with their object: ds, path, member, location, entity, score, masked,
    value_hash, value (only when ``raw``), carried, id, exposure, readers, exposure_reason."""
    v = run_view(run_id).subquery()
    return (
        select(v.c.ds, v.c.path, FindingRow.member, FindingRow.location, FindingRow.entity, FindingRow.score,
               FindingRow.masked, FindingRow.value_hash, (FindingRow.value if raw else null()).label("value"),
               v.c.carried, FindingRow.id, v.c.exposure, v.c.readers, v.c.exposure_reason)
        .select_from(v).join(FindingRow, FindingRow.object_id == v.c.oid)
        .where(v.c.status.in_(BEARING), FindingRow.first_run <= run_id,
               or_(FindingRow.resolved_run.is_(None), FindingRow.resolved_run > run_id))
    )


__all__ = ["Counters", "Writer", "apply_listing", "apply_results", "chunks", "fail_objects", "findings_view",
           "folder_of", "in_page", "plan_record", "prune_state", "run_view", "take_back", "BEARING", "REMOVED"]
