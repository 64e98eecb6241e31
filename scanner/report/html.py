"""The self-contained HTML report: one file, no network (inline CSS, SVG charts drawn here, a few lines of inline
JavaScript to sort tables). A Content-Security-Policy forbids every external load, so a report mailed around or
opened offline looks the same, and a browser would refuse (and log) any request that slipped in.

Only masked values and value hashes appear; every string from the store is HTML-escaped (object names are data
from the scanned estate, and may be hostile).
"""

from __future__ import annotations

import time
import zlib
from collections import Counter
from html import escape
from typing import Any

from scanner.report.data import ReportData
from scanner.report.risk import EXPOSURE_LABEL, EXPOSURE_WEIGHT, SEVERITY_WEIGHT

_PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
            "#bab0ac"]
_MAX_ROWS = 500  # per table: beyond that a report stops being readable; the exports have everything

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d2b3a;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
header .meta{opacity:.8;font-size:13px}main{padding:20px 28px;max-width:1200px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 18px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:22px}.card span{font-size:12px;color:#5b6570}
.card.bad b{color:#c0392b}.card.good b{color:#27864a}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;
border-bottom:1px solid #eceff2;vertical-align:top}th{background:#f0f2f5;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" \\2195";color:#9aa3ad}
th.asc:after{content:" \\2191"!important}th.desc:after{content:" \\2193"!important}
td.num,th.num{text-align:right}td.path{word-break:break-all;font-family:ui-monospace,Menlo,Consolas,monospace}
.legend span{display:inline-block;margin:0 12px 4px 0;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.empty{color:#5b6570;font-style:italic}p.bad b{color:#c0392b}.exp-everyone,.sev-high{color:#c0392b;font-weight:600}
h3{font-size:15px;margin:14px 0 6px}.new{color:#c0392b}.resolved{color:#27864a}
svg text{font:12px system-ui,sans-serif;fill:#1d232a}
"""

_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var numeric = th.classList.contains("num");
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v") || a.cells[col].textContent;
        var y = b.cells[col].getAttribute("data-v") || b.cells[col].textContent;
        var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


# Fixed colours for the usual entities, so a card is the same colour in every report whatever else was found.
_FIXED = {"CREDIT_CARD": "#e15759", "US_SSN": "#4e79a7", "EMAIL_ADDRESS": "#f28e2b", "PHONE_NUMBER": "#76b7b2",
          "IBAN_CODE": "#59a14f", "IP_ADDRESS": "#bab0ac", "US_BANK_NUMBER": "#edc948", "US_PASSPORT": "#b07aa1",
          "GENERIC_SECRET": "#9c755f", "PRIVATE_KEY": "#ff9da7", "AWS_ACCESS_KEY_ID": "#86bcb6",
          "GITHUB_TOKEN": "#8cd17d", "SLACK_TOKEN": "#f1ce63", "MEDICAL_RECORD_NUMBER": "#a0cbe8",
          "CARD_TRACK_DATA": "#ffbe7d", "US_NPI": "#499894", "MEDICAL_LICENSE": "#d37295"}
_EXTRA = ["#79706e", "#d4a6c8", "#fabfd2", "#b6992d", "#9d7660", "#d7b5a6", "#8f8f8f", "#6b6ecf"]
_EXPOSURE_COLOURS = {"everyone": "#c0392b", "authenticated": "#e67e22", "group": "#f1c40f", "owner": "#27864a",
                     "unknown": "#95a5a6"}


def entity_colour(entity: str) -> str:
    """An entity's colour: fixed for the usual ones, else picked by a hash of its name (stable across reports)."""
    return _FIXED.get(entity) or _EXTRA[zlib.crc32(entity.encode()) % len(_EXTRA)]


def _colours(entities: list[str]) -> dict[str, str]:
    return {e: entity_colour(e) for e in sorted(entities)}


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, Counter[str]]], colours: dict[str, str]) -> str:
    """A horizontal bar chart as inline SVG: one bar per row, stacked by entity."""
    if not rows or not any(sum(c.values()) for _l, c in rows):
        return f'<p class="empty" id="{chart_id}">No findings.</p>'
    label_w, bar_w, row_h, pad = 230, 560, 26, 6
    peak = max(sum(c.values()) for _l, c in rows) or 1
    height = row_h * len(rows) + pad
    out = [f'<svg class="chart" id="{chart_id}" role="img" aria-label="{escape(title)}" '
           f'width="{label_w + bar_w + 80}" height="{height}" viewBox="0 0 {label_w + bar_w + 80} {height}" '
           'xmlns="http://www.w3.org/2000/svg">']
    for i, (label, counts) in enumerate(rows):
        y = pad + i * row_h
        short = label if len(label) <= 34 else label[:31] + "..."
        out.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end"><title>{escape(label)}</title>'
                   f"{escape(short)}</text>")
        x = float(label_w)
        for ent, n in sorted(counts.items()):
            if not n:
                continue
            w = max(bar_w * n / peak, 1.0)
            out.append(f'<rect class="bar" data-entity="{escape(ent)}" data-value="{n}" x="{x:.1f}" y="{y}" '
                       f'width="{w:.1f}" height="{row_h - 8}" fill="{colours.get(ent, "#888")}" rx="2">'
                       f"<title>{escape(label)}: {escape(ent)} {n}</title></rect>")
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{sum(counts.values())}</text>')
    out.append("</svg>")
    return "".join(out)


def _legend(colours: dict[str, str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{escape(e)}</span>' for e, c in colours.items()) + "</div>"


def _table(table_id: str, headers: list[tuple[str, bool]], rows: list[list[tuple[Any, str]]], empty: str) -> str:
    """A sortable table; ``headers`` are (name, numeric); each cell is (value, css class)."""
    if not rows:
        return f'<p class="empty" id="{table_id}">{escape(empty)}</p>'
    th = "".join(f'<th class="num">{escape(h)}</th>' if num else f"<th>{escape(h)}</th>" for h, num in headers)
    body = []
    for r in rows[:_MAX_ROWS]:
        cells = []
        for v, cls in r:
            attr = f' data-v="{v}"' if isinstance(v, int | float) else ""
            text = f"{v:.2f}" if isinstance(v, float) else str(v)
            cells.append(f'<td class="{cls}"{attr}>{escape(text)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="empty">{len(rows) - _MAX_ROWS} more rows not shown: see the exports.</p>' \
        if len(rows) > _MAX_ROWS else ""
    return (f'<table class="sortable" id="{table_id}"><thead><tr>{th}</tr></thead><tbody>'
            + "".join(body) + "</tbody></table>" + more)


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


def render_html(r: ReportData) -> str:
    """The report as one self-contained HTML document."""
    job = r.job
    s = r.summary
    colours = _colours(list(r.per_entity))
    scanned = sum(d.scanned for d in s.datasources)
    unchanged = sum(d.unchanged for d in s.datasources)
    skipped = sum(sum(d.skipped.values()) for d in s.datasources)
    cards = [("findings", r.total, "bad" if r.total else "good"), ("objects", sum(d.objects for d in s.datasources),
             ""), ("scanned", scanned, ""), ("unchanged", unchanged, ""), ("skipped", skipped, ""),
             ("failed tasks", len(s.failed_tasks), "bad" if s.failed_tasks else ""),
             ("suppressed", r.suppressed, "")]
    if r.diff is not None:
        c = r.diff.counts()
        cards += [("new since last run", c["new"], "bad" if c["new"] else "good"),
                  ("resolved since last run", c["resolved"], "good" if c["resolved"] else "")]
    cards_html = "".join(f'<div class="card {cls}" data-card="{escape(name)}"><b>{n}</b><span>{escape(name)}'
                         "</span></div>" for name, n, cls in cards)

    ent_rows = [(e, Counter({e: n})) for e, n in sorted(r.per_entity.items(), key=lambda kv: (-kv[1], kv[0]))]
    ds_rows = list(r.per_datasource.items())
    def orow(o: Any) -> list[tuple[Any, str]]:
        return [(o.risk, "num"), (o.severity, f"sev-{o.severity}"), (o.exposure, f"exp-{o.exposure}"),
                (o.findings, "num"), (o.max_score, "num"), (o.datasource, ""), (o.object, "path"),
                (", ".join(f"{e} {n}" for e, n in o.entities.most_common()), ""),
                (", ".join(o.readers[:8]) + (" ..." if len(o.readers) > 8 else "") or o.exposure_reason or "-", "")]

    risky = [orow(o) for o in r.objects]
    open_rows = [orow(o) for o in r.open_to_everyone]
    obj_cols = [("risk", True), ("severity", False), ("exposure", False), ("findings", True), ("best score", True),
                ("datasource", False), ("object", False), ("entities", False), ("readers", False)]
    exp_rows = [(f"{c} ({EXPOSURE_LABEL[c]})", n) for c, n in r.per_exposure.items()]
    exp_colours = {f"{c} ({EXPOSURE_LABEL[c]})": col for c, col in _EXPOSURE_COLOURS.items()}
    exposure_chart = bar_chart("chart-exposure", "findings per exposure class",
                               [(label, Counter({label: sum(n.values())})) for label, n in exp_rows], exp_colours)
    everyone_n = sum(r.per_exposure.get("everyone", Counter()).values())
    scale = (f"Risk = severity x exposure: severity high {SEVERITY_WEIGHT['high']}, medium "
             f"{SEVERITY_WEIGHT['medium']}, low {SEVERITY_WEIGHT['low']} (of the object's most severe entity), "
             f"times exposure everyone {EXPOSURE_WEIGHT['everyone']}, authenticated {EXPOSURE_WEIGHT['authenticated']}"
             f", group {EXPOSURE_WEIGHT['group']}, unknown {EXPOSURE_WEIGHT['unknown']}, owner "
             f"{EXPOSURE_WEIGHT['owner']}; equal risks are ranked by how many findings of that severity, then by all.")
    not_scanned = [[(st, ""), (d, ""), (p, "path"), (reason or "-", "")] for d, p, st, reason in r.not_scanned]
    failed = [[(t.task_id, "num"), (t.type, ""), (t.datasource_id, ""), (t.error, "")] for t in s.failed_tasks]
    finding_cols = [("change", False), ("datasource", False), ("object", False), ("location", False),
                    ("entity", False), ("masked value", False), ("score", True)]

    def frow(change: str, f: dict[str, Any]) -> list[tuple[Any, str]]:
        return [(change, change), (f["datasource"], ""), (f["object"], "path"), (f["location"], ""),
                (f["entity"], ""), (f["masked"], ""), (float(f["score"]), "num")]

    if r.diff is None:
        change_html = '<p class="empty" id="changes">No previous complete run of this job to compare with.</p>'
    else:
        c = r.diff.counts()
        change_rows = [frow("new", f) for f in r.diff.new] + [frow("resolved", f) for f in r.diff.resolved]
        change_html = (f'<p id="change-counts">Compared with job {r.previous_job}: <b class="new">{c["new"]} new'
                       f'</b>, <b class="resolved">{c["resolved"]} resolved</b>, {c["unchanged"]} unchanged '
                       "findings (matched by object, entity and value hash).</p>"
                       + _table("changes", finding_cols, change_rows, "Nothing changed."))
        if r.diff.exposure_changed:
            change_html += "<h3>Exposure changed</h3>" + _table(
                "exposure-changes", [("datasource", False), ("object", False), ("was", False), ("now", False),
                                     ("readers now", False)],
                [[(x["datasource"], ""), (x["object"], "path"), (x["old_exposure"], f"exp-{x['old_exposure']}"),
                  (x["exposure"], f"exp-{x['exposure']}"), (", ".join(x["readers"]) or "-", "")]
                 for x in r.diff.exposure_changed], "")
    title = f"datascan report: {job.name} (job {job.id})"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_CSS}</style></head>
<body><header><h1>{escape(title)}</h1><div class="meta">status {escape(job.status.value)} &middot; started
{_when(job.created_at)} &middot; finished {_when(job.finished_at)} &middot; report generated {_when(r.generated_at)}
&middot; values are masked</div></header>
<main><section id="everyone"><h2>Sensitive data open to everyone</h2>
<p id="everyone-count" class="{"bad" if everyone_n else "good"}"><b>{everyone_n}</b> findings in
<b>{len(r.open_to_everyone)}</b> objects anyone can read (Everyone, anonymous, world-readable, PUBLIC).</p>
{_table("everyone-objects", obj_cols, open_rows, "No finding is in an object open to everyone.")}
<h3>Findings per exposure class</h3>{exposure_chart}</section>
<div class="cards">{cards_html}</div>
<section><h2>Findings per entity</h2>{bar_chart("chart-entity", "findings per entity", ent_rows, colours)}</section>
<section><h2>Findings per datasource</h2>{_legend(colours)}
{bar_chart("chart-datasource", "findings per datasource", ds_rows, colours)}</section>
<section><h2>Riskiest objects</h2><p>{escape(scale)} {r.objects_with_findings} objects have findings. Click a
column to sort.</p>{_table("objects", obj_cols, risky, "No object has findings.")}</section>
<section><h2>Change since the previous run</h2>{change_html}</section>
<section><h2>Skipped, partial and failed objects</h2>{_table("not-scanned", [("status", False),
    ("datasource", False), ("object", False), ("reason", False)], not_scanned,
    "Every object was scanned in full.")}</section>
<section><h2>Failed tasks</h2>{_table("failed-tasks", [("task", True), ("type", False), ("datasource", False),
    ("error", False)], failed, "No task failed.")}</section>
</main><script>{_JS}</script></body></html>
"""
