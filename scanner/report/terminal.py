"""``datascan report`` in a terminal: rich tables per datasource, per entity, riskiest objects, objects not
scanned (per reason), failed tasks and the change since the previous run.

Every text that comes from outside (object and datasource names, reasons, errors) is handed to rich as
:class:`~rich.text.Text` (never parsed as markup: a file named ``[/]x.txt`` is just a name) with its control and
bidi characters written as escapes (:func:`scanner.names.printable`), so a name cannot drive the terminal."""

from __future__ import annotations

from collections import Counter

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from scanner.exposure import EVERYONE
from scanner.report.data import ReportData
from scanner.report.risk import EXPOSURE_LABEL
from scanner.report.summary import cell, summary_table


def report_renderable(r: ReportData, *, top: int = 20) -> Group:
    """The whole terminal report as one rich renderable."""
    parts: list[RenderableType] = [summary_table(r.summary)]
    head = Text(f"{r.total} new findings since job {r.previous_job} shown (--since-last: only what changed)"
                if r.changes_only else f"{r.total} findings shown", style="bold")
    if r.suppressed:
        head.append(f" ({r.suppressed} suppressed by triage, hidden; --include-suppressed shows them)")
    parts.append(head)

    ent = Table(title="findings per entity", title_justify="left")
    ent.add_column("entity")
    ent.add_column("findings", justify="right")
    for e, n in sorted(r.per_entity.items(), key=lambda kv: (-kv[1], kv[0])):
        ent.add_row(cell(e), str(n))
    parts.append(ent)

    ds = Table(title="findings per datasource", title_justify="left")
    ds.add_column("datasource")
    ds.add_column("findings", justify="right")
    ds.add_column("entities", overflow="fold")
    for d, c in r.per_datasource.items():
        ds.add_row(cell(d), str(sum(c.values())), cell(", ".join(f"{e} {n}" for e, n in sorted(c.items())) or "-"))
    parts.append(ds)

    if r.per_exposure:
        everyone = sum(r.per_exposure.get(EVERYONE, Counter()).values())
        parts.append(Text(f"sensitive data open to everyone: {everyone} findings in {len(r.open_to_everyone)} "
                          "objects", style="bold red" if everyone else "bold"))
        ex = Table(title="findings per exposure (who can read the object)", title_justify="left")
        ex.add_column("exposure")
        ex.add_column("findings", justify="right")
        ex.add_column("entities", overflow="fold")
        for cls, c in r.per_exposure.items():
            ex.add_row(cell(f"{cls} ({EXPOSURE_LABEL[cls]})"), str(sum(c.values())),
                       cell(", ".join(f"{e} {n}" for e, n in c.most_common())))
        parts.append(ex)

    if r.objects:
        top_t = Table(title=f"riskiest objects (top {min(top, len(r.objects))} of {r.objects_with_findings}; "
                            "risk = severity x exposure: high 9, medium 3, low 1 x everyone 30, authenticated 10, "
                            "group or unknown 3, owner 1)", title_justify="left")
        for col, just in (("risk", "right"), ("severity", "left"), ("exposure", "left"), ("findings", "right"),
                          ("datasource", "left"), ("object", "left"), ("entities", "left")):
            top_t.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
        for o in r.objects[:top]:
            top_t.add_row(str(o.risk), o.severity, o.exposure, str(o.findings), cell(o.datasource), cell(o.object),
                          cell(", ".join(f"{e} {n}" for e, n in o.entities.most_common())))
        parts.append(top_t)

    reasons: Counter[tuple[str, str]] = Counter((st, reason or st.lower()) for _d, _p, st, reason in r.not_scanned)
    if reasons:
        sk = Table(title="objects not (fully) scanned, per reason", title_justify="left")
        sk.add_column("status")
        sk.add_column("objects", justify="right")
        sk.add_column("reason", overflow="fold")
        for (st, reason), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            sk.add_row(cell(st), str(n), cell(reason))
        parts.append(sk)

    if r.summary.failed_tasks:
        ft = Table(title="failed tasks (results are partial: rerun the job)", title_justify="left")
        for col in ("task", "type", "datasource", "error"):
            ft.add_column(col, overflow="fold")
        for t in r.summary.failed_tasks:
            ft.add_row(str(t.task_id), cell(t.type), cell(t.datasource_id), cell(t.error))
        parts.append(ft)

    if r.diff is not None and r.changes_only:
        delta = r.diff.counts()
        parts.append(Text(f"since job {r.previous_job}: {delta['new']} new, {delta['resolved']} resolved findings"))
        changed = [("+", f) for f in r.diff.new] + [("-", f) for f in r.diff.resolved]
        for mark, f in changed[:top]:
            parts.append(cell(f"{mark} {f['datasource']}:{f['object']} {f['location']} {f['entity']} {f['masked']} "
                              f"{f['value_hash'][:16]}"))
        if len(changed) > top:
            parts.append(Text(f"... and {len(changed) - top} more (--top N lists more; `datascan findings "
                              f"{r.job.id} --since-last` lists all)"))
    elif r.diff is not None:
        delta = r.diff.counts()
        parts.append(Text(f"since job {r.previous_job}: {delta['new']} new, {delta['resolved']} resolved, "
                          f"{delta['unchanged']} unchanged findings"))
        for ch in r.diff.exposure_changed:
            parts.append(cell(f"exposure changed: {ch['datasource']}:{ch['object']} {ch['old_exposure']} -> "
                              f"{ch['exposure']} (readers: {', '.join(ch['readers']) or '-'})"))
    else:
        parts.append(Text("no previous complete run of this job to compare with"))
    return Group(*parts)
