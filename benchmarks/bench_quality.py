"""Detection quality on the labelled corpus of :mod:`benchmarks.quality_corpus`: precision, recall and F1 per
entity and per format family, decoys reported, for ``datascan scan`` and, beside it, plain Presidio.

    python -m benchmarks.bench_quality [--scale 1.0] [--template pii,secrets] [--seed 14]

The corpus is generated into a temporary folder and scanned by the real product (a filesystem job with
``store_raw: true``, ``--workers 2``, then ``datascan findings latest --format jsonl``). Plain Presidio is its
default ``AnalyzerEngine`` (offline NLP engine and e-mail recognizer, see ``bench_classify.presidio_default``) on
the text our extractor gives for each object and member, kept at the job's ``min_score``.

Scoring: a planted value is found by a finding of its entity in the same object and member whose normalised
value is the same (:func:`normalise`; :func:`same_value` for secrets and keys); each planted occurrence needs its
own finding, except that a column verdict (a finding whose location says ``entity_rows=N``) stands for up to N
values of its column. A finding that finds nothing is a false positive; one whose value lies within a decoy's
text is also a reported decoy. Prints one table per view and merges the figures under ``"quality"`` into
``benchmarks/results/latest.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.quality_corpus import ENTITIES, FAMILIES, PII, SECRETS, Entry, Manifest, generate
from benchmarks.report import merge_results

DATASCAN = str(Path(sys.executable).parent / "datascan")
MIN_SCORE = 0.5  # the job's default, applied to plain Presidio too
TEMPLATE_ENTITIES = {"pii": PII, "secrets": SECRETS}
_ENV = dict(os.environ, DATASCAN_HMAC_KEY="00" * 32)  # a fixed key, never the user's


@dataclass(frozen=True, slots=True)
class Found:
    """One finding, reduced to what scoring needs."""

    object: str
    member: str
    entity: str
    value: str
    location: str = ""


# ------------------------------------------------------------------------------------------------- matching

_ASSIGN_END = ("=", ":", ">", "=>", ":=")


def normalise(entity: str, value: str) -> str:
    """The form two values of ``entity`` are compared in: digits for cards and SSNs, digits with a leading ``+``
    for phones, IBANs upper case without spaces, e-mails case-folded, IP addresses as ``ipaddress`` prints them,
    keys without whitespace or ``\\n`` escapes; other values as written (stripped)."""
    v = value.strip()
    if entity in ("CREDIT_CARD", "US_SSN"):
        return re.sub(r"\D", "", v)
    if entity == "PHONE_NUMBER":
        return ("+" if v.startswith("+") else "") + re.sub(r"\D", "", v)
    if entity == "IBAN_CODE":
        return re.sub(r"\s", "", v).upper()
    if entity == "EMAIL_ADDRESS":
        return v.casefold()
    if entity == "IP_ADDRESS":
        try:
            return str(ipaddress.ip_address(v.strip("[]")))
        except ValueError:
            return v.lower()
    if entity == "PRIVATE_KEY":
        return re.sub(r"\s+", "", v.replace("\\n", "").replace("\\r", ""))
    if entity == "US_PASSPORT":
        return v.upper()
    return v


def _unquote(v: str) -> str:
    return v.strip().strip("\"'").strip()


def same_value(entity: str, found: str, truth: str) -> bool:
    """Whether a finding's value is the true value ``truth`` (planted or decoy) of ``entity``.

    A secret may be reported with its assignment (``password = "x"``) or alone; a private key by its whole
    block or by a leading part holding at least its ``BEGIN`` line."""
    if entity == "GENERIC_SECRET":
        f, t = _unquote(found), _unquote(truth)
        if not t:
            return False
        if f == t:
            return True
        if f.endswith(t):
            head = f[: -len(t)].rstrip().rstrip("\"'\\").rstrip()  # quotes, escaped ones too
            return head.endswith(_ASSIGN_END)
        return False
    f, t = normalise(entity, found), normalise(entity, truth)
    if entity == "PRIVATE_KEY":
        m = re.match(r"-----BEGIN[A-Z ]*PRIVATE KEY-----", re.sub(r"\s+", " ", found.strip()))
        return f == t or (m is not None and len(f) >= len(m.group(0).replace(" ", "")) and t.startswith(f))
    return bool(f) and f == t


def hits_decoy(entity: str, found: str, decoy: str) -> bool:
    """Whether a finding of ``entity`` reports (part of) the decoy text ``decoy``."""
    if entity in ("GENERIC_SECRET", "PRIVATE_KEY"):
        return same_value(entity, found, decoy)
    f, d = normalise(entity, found), normalise(entity, decoy)
    if entity == "PHONE_NUMBER":
        f, d = f.lstrip("+"), d.lstrip("+")
    return len(f) >= 6 and f in d if entity in ("CREDIT_CARD", "US_SSN", "PHONE_NUMBER") else bool(f) and f in d


def split_object(path: str) -> tuple[str, str]:
    """``a.zip!/b/c.txt`` -> ``("a.zip", "b/c.txt")`` (the product names members this way)."""
    obj, _, member = path.partition("!/")
    return obj, member


_VERDICT = re.compile(r"entity_rows=(\d+)")


def _column_of(where: str) -> str | None:
    m = re.search(r"\(([^()]+)\)$", where)
    return m.group(1) if m else None


# ------------------------------------------------------------------------------------------------- scoring

@dataclass
class Tally:
    """Counts for one view (an entity, a family, a situation ...)."""

    tp: int = 0
    fn: int = 0
    fp: int = 0

    def figures(self) -> dict[str, float | int]:
        """Precision, recall, F1 and the counts (an empty denominator gives 1.0)."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "tp": self.tp, "fn": self.fn,
                "fp": self.fp}


def score(manifest: Manifest, findings: Iterable[Found], entities: Iterable[str],
          details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Figures of ``findings`` against ``manifest`` for the scored ``entities`` (other entities' findings are
    counted apart, and in the decoys they hit). ``details``, when given, receives one record per missed value,
    false positive and reported decoy (for tuning: the corpus is synthetic)."""
    scored = set(entities)
    planted: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
    for e in manifest.planted:
        if e.entity in scored:
            planted[(e.object, e.member, e.entity)].append(e)
    decoys: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for d in manifest.decoys:
        decoys[(d.object, d.member)].append(d)
    matched: set[int] = set()  # ids of planted entries found
    hit: set[int] = set()  # ids of decoys reported
    fps: list[tuple[Found, str]] = []  # (finding, family)
    other: Counter[str] = Counter()
    verdicts: list[Found] = []
    for f in findings:
        if f.entity.startswith("HINT:"):
            continue
        if f.entity not in scored:
            other[f.entity] += 1
        elif _VERDICT.search(f.location):
            verdicts.append(f)
            continue
        else:
            hit_planted = False
            for p in planted.get((f.object, f.member, f.entity), ()):
                if id(p) not in matched and same_value(f.entity, f.value, p.value):
                    matched.add(id(p))
                    hit_planted = True
                    break
            if hit_planted:
                continue  # a planted value found reports no decoy
            fps.append((f, manifest.objects.get(f.object, "?")))
        for d in decoys.get((f.object, f.member), ()):
            if id(d) not in hit and hits_decoy(f.entity, f.value, d.value):
                hit.add(id(d))
                break
    verdict_fp: list[tuple[str, str, int]] = []
    for f in verdicts:  # a column verdict stands for up to entity_rows values of its column
        rows = int(_VERDICT.search(f.location).group(1))  # type: ignore[union-attr]
        col = re.split(r"[.!/]", f.location.split(";", 1)[0])[-1].strip()
        cells = [p for p in planted.get((f.object, f.member, f.entity), ()) if _column_of(p.where) == col]
        for p in cells:
            if rows and id(p) not in matched:
                matched.add(id(p))
                rows -= 1
        extra = max(0, int(_VERDICT.search(f.location).group(1)) - len(cells))  # type: ignore[union-attr]
        if extra:
            verdict_fp.append((f.entity, manifest.objects.get(f.object, "?"), extra))

    by_entity: dict[str, Tally] = defaultdict(Tally)
    by_family: dict[str, Tally] = defaultdict(Tally)
    by_cell: dict[tuple[str, str], Tally] = defaultdict(Tally)
    by_situation: dict[str, Tally] = defaultdict(Tally)
    for group in planted.values():
        for p in group:
            found = id(p) in matched
            for t in (by_entity[p.entity], by_family[p.family], by_cell[(p.entity, p.family)],
                      by_situation[p.situation]):
                if found:
                    t.tp += 1
                else:
                    t.fn += 1
    for f, fam in fps:
        by_entity[f.entity].fp += 1
        by_family[fam].fp += 1
        by_cell[(f.entity, fam)].fp += 1
    for ent, fam, n in verdict_fp:
        by_entity[ent].fp += n
        by_family[fam].fp += n
        by_cell[(ent, fam)].fp += n
    overall = Tally(sum(t.tp for t in by_entity.values()), sum(t.fn for t in by_entity.values()),
                    sum(t.fp for t in by_entity.values()))
    kinds_total = Counter(d.kind for d in manifest.decoys)
    kinds_hit = Counter(d.kind for d in manifest.decoys if id(d) in hit)
    missed = Counter(p.entity + " " + p.situation for g in planted.values() for p in g if id(p) not in matched)
    if details is not None:
        details.extend({"kind": "miss", "entity": p.entity, "object": p.object, "member": p.member,
                        "value": p.value, "where": p.where, "family": p.family, "situation": p.situation}
                       for g in planted.values() for p in g if id(p) not in matched)
        details.extend({"kind": "fp", "entity": f.entity, "object": f.object, "member": f.member, "value": f.value,
                        "where": f.location, "family": fam} for f, fam in fps)
        details.extend({"kind": "verdict_fp", "entity": ent, "family": fam, "value": str(n)}
                       for ent, fam, n in verdict_fp)
        details.extend({"kind": "decoy", "entity": d.entity, "object": d.object, "member": d.member,
                        "value": d.value, "where": d.where, "family": d.family, "situation": d.kind}
                       for d in manifest.decoys if id(d) in hit)
    return {
        "overall": overall.figures(),
        "entities": {e: by_entity[e].figures() for e in ENTITIES if e in scored},
        "families": {fam: by_family[fam].figures() for fam in FAMILIES},
        "entity_family": {e: {fam: by_cell[(e, fam)].figures() for fam in FAMILIES} for e in ENTITIES if e in scored},
        "situations": {s: by_situation[s].figures() for s in sorted(by_situation)},
        "decoys": {"total": len(manifest.decoys), "reported": len(hit),
                   "share": round(len(hit) / max(1, len(manifest.decoys)), 5),
                   "by_kind": {k: [kinds_hit[k], kinds_total[k]] for k in sorted(kinds_total)}},
        "other_entities": dict(sorted(other.items())),
        "misses_by_situation": dict(missed.most_common(25)),
    }


# ---------------------------------------------------------------------------------------------- the product

def template_list_supported() -> bool:
    """Whether ``classification.template`` takes a list yet (issue 14, point 3): ``datascan validate`` says."""
    with tempfile.TemporaryDirectory() as d:
        job = Path(d) / "probe.yaml"
        job.write_text(f"name: probe\ndatasources:\n  - {{id: c, type: filesystem, path: {d}}}\n"
                       "classification:\n  template: [pii, secrets]\n")
        r = subprocess.run([DATASCAN, "validate", str(job)], capture_output=True, text=True, env=_ENV)
        return r.returncode == 0


def _scan(corpus: Path, template: str, tmp: Path, tag: str) -> tuple[list[Found], dict[str, Any]]:
    job = tmp / f"quality-{tag}.yaml"
    job.write_text(f"name: quality-{tag}\ndatasources:\n  - id: corpus\n    type: filesystem\n    path: {corpus}\n"
                   f"classification:\n  template: {template}\nstore_raw: true\n")
    db = tmp / f"quality-{tag}.db"
    t0, c0 = time.perf_counter(), os.times()
    r = subprocess.run([DATASCAN, "scan", "--job", str(job), "--workers", "2", "--db", str(db), "--full"],
                       capture_output=True, text=True, env=_ENV)
    c1 = os.times()
    info = {"seconds": round(time.perf_counter() - t0, 1),
            "cpu_seconds": round(c1.children_user + c1.children_system - c0.children_user - c0.children_system, 1),
            "exit": r.returncode}
    if r.returncode not in (0, 3, 4):  # 4: some objects failed; their values count as missed
        raise SystemExit(f"scan ({template}) failed ({r.returncode}): {r.stderr[-2000:]}")
    out = subprocess.run([DATASCAN, "findings", "latest", "--format", "jsonl", "--db", str(db)],
                         capture_output=True, text=True, env=_ENV, check=True).stdout
    found = []
    for line in out.splitlines():
        if line.strip():
            d = json.loads(line)
            obj, member = split_object(d["object"])
            found.append(Found(obj, member, d["entity"], d.get("value") or "", d.get("location") or ""))
    return found, info


def scan_findings(corpus: Path, templates: list[str], tmp: Path) -> tuple[list[Found], dict[str, Any]]:
    """Every finding of the product on ``corpus`` for ``templates``: one scan with the template list where the
    job file takes one, else one scan per template, findings merged."""
    if len(templates) > 1 and template_list_supported():
        found, info = _scan(corpus, "[" + ", ".join(templates) + "]", tmp, "all")
        return found, {"scans": {"all": info}}
    found, infos = [], {}
    for t in templates:
        f, info = _scan(corpus, t, tmp, t)
        found += f
        infos[t] = info
    return found, {"scans": infos}


# --------------------------------------------------------------------------------------------- plain Presidio

async def _extract(corpus: Path, objects: Iterable[str]) -> dict[tuple[str, str], list[Any]]:
    from scanner.config import ExtractionConfig
    from scanner.extract import ContentExtractor, ExtractionReport

    ex = ContentExtractor(ExtractionConfig(timeout_s=600))
    out: dict[tuple[str, str], list[Any]] = defaultdict(list)
    try:
        for rel in objects:
            async for comp in ex.extract(rel, (corpus / rel).read_bytes(), ExtractionReport()):
                out[(rel, comp.member or "")].append(comp)
    finally:
        await ex.aclose()
    return out


def extract_components(corpus: Path, objects: Iterable[str]) -> dict[tuple[str, str], list[Any]]:
    """The components our extractor gives for each (object, member) of ``corpus``."""
    return asyncio.run(_extract(corpus, list(objects)))


_DETECT: Any = None


def _presidio_init() -> None:
    global _DETECT
    from benchmarks.bench_classify import presidio_default

    _DETECT = presidio_default([e for e in PII])


def _presidio_one(job: tuple[str, str, str, int, int | None]) -> list[Found]:
    obj, member, text, keep_from, keep_to = job
    out = []
    for entity, start, end, sc in _DETECT(text):
        if sc >= MIN_SCORE and start >= keep_from and (keep_to is None or start < keep_to):
            out.append(Found(obj, member, entity, text[start:end]))
    return out


def presidio_findings(components: dict[tuple[str, str], list[Any]], workers: int = 2) -> list[Found]:
    """Plain Presidio's findings on the extracted text (each component's own range), in ``workers`` processes."""
    import multiprocessing

    jobs = [(obj, member, c.text, c.keep_from, c.keep_to) for (obj, member), comps in components.items()
            for c in comps]
    jobs.sort(key=lambda j: -len(j[2]))  # longest first: the pool ends together
    with multiprocessing.get_context("spawn").Pool(workers, initializer=_presidio_init) as pool:
        return [f for part in pool.imap(_presidio_one, jobs, chunksize=1) for f in part]


# -------------------------------------------------------------------------------------------------- printing

def _pct(x: float) -> str:
    return f"{x:.3f}"


def print_tables(ours: dict[str, Any], theirs: dict[str, Any], entities: list[str]) -> None:
    """The per-entity, per-family, entity x family, situation and decoy tables."""
    print("\nper entity            datascan: prec  recall  f1      tp    fn    fp  | presidio f1")
    for e in entities:
        o, t = ours["entities"][e], theirs.get("entities", {}).get(e, {"f1": 0.0})
        print(f"{e:<22}           {_pct(o['precision'])}  {_pct(o['recall'])}  {_pct(o['f1'])} {o['tp']:>6} "
              f"{o['fn']:>5} {o['fp']:>5}  | {_pct(t['f1'])}")
    o, t = ours["overall"], theirs.get("overall", {"f1": 0.0})
    print(f"{'overall':<22}           {_pct(o['precision'])}  {_pct(o['recall'])}  {_pct(o['f1'])} {o['tp']:>6} "
          f"{o['fn']:>5} {o['fp']:>5}  | {_pct(t['f1'])}")
    print("\nper family            datascan: prec  recall  f1    worst entity recall          | presidio f1")
    for fam in FAMILIES:
        o = ours["families"][fam]
        worst = min(entities, key=lambda e: ours["entity_family"][e][fam]["recall"])
        w = ours["entity_family"][worst][fam]["recall"]
        print(f"{fam:<22}           {_pct(o['precision'])}  {_pct(o['recall'])}  {_pct(o['f1'])}  "
              f"{worst:<18} {_pct(w)}  | {_pct(theirs.get('families', {}).get(fam, {'f1': 0.0})['f1'])}")
    print("\nrecall, entity x family (datascan)")
    print(" " * 18 + " ".join(f"{f[:6]:>6}" for f in FAMILIES))
    for e in entities:
        cells = ours["entity_family"][e]
        print(f"{e[:17]:<18}" + " ".join(f"{cells[f]['recall']:>6.2f}" if cells[f]["tp"] + cells[f]["fn"] else
                                         "     -" for f in FAMILIES))
    print("\nrecall by situation   datascan  presidio")
    for s, o in ours["situations"].items():
        their = theirs.get("situations", {}).get(s, {"recall": 0.0})
        print(f"{s:<22}   {_pct(o['recall'])}     {_pct(their['recall'])}")
    d, dt = ours["decoys"], theirs.get("decoys", {"reported": 0, "total": 0, "share": 0.0})
    print(f"\ndecoys reported: datascan {d['reported']}/{d['total']} ({d['share']:.2%}), "
          f"presidio {dt['reported']}/{dt['total']} ({dt['share']:.2%})")
    print("  by kind (datascan): " + ", ".join(f"{k} {h}/{n}" for k, (h, n) in d["by_kind"].items() if h))
    if ours["other_entities"]:
        print("  findings of unscored entities (datascan): " + ", ".join(f"{k} {v}" for k, v in
                                                                        ours["other_entities"].items()))


def run(scale: float, seed: int, templates: list[str], presidio: bool = True, dump: str | None = None,
        keep: str | None = None) -> dict[str, Any]:
    """Generate, scan, score; returns the figures merged under ``quality``. ``dump`` names a JSON-lines file for
    our misses, false positives and reported decoys; ``keep`` a folder to keep the corpus in."""
    entities = [e for t in templates for e in TEMPLATE_ENTITIES.get(t, ())]
    with tempfile.TemporaryDirectory(prefix="datascan-quality-") as d:
        tmp = Path(d)
        t0 = time.process_time()
        manifest = generate(tmp / "corpus", scale=scale, seed=seed)
        gen_s = round(time.process_time() - t0, 1)
        found, info = scan_findings(tmp / "corpus", templates, tmp)
        details: list[dict[str, str]] = []
        ours = score(manifest, found, entities, details)
        if dump:
            Path(dump).write_text("".join(json.dumps(r) + "\n" for r in details), encoding="utf-8")
        if keep:
            import shutil

            shutil.rmtree(keep, ignore_errors=True)
            shutil.copytree(tmp / "corpus", keep)
        theirs: dict[str, Any] = {}
        if presidio:
            c0 = time.process_time()
            comps = extract_components(tmp / "corpus", manifest.objects)
            w0 = time.perf_counter()
            theirs = score(manifest, presidio_findings(comps), entities)
            info["presidio_seconds"] = round(time.perf_counter() - w0, 1)
            info["extract_cpu_seconds"] = round(time.process_time() - c0, 1)
    counts = Counter(p.entity for p in manifest.planted)
    figures = {"scale": scale, "seed": seed, "templates": templates, "files": len(manifest.objects),
               "mb": round(manifest.bytes / 1048576, 2), "planted": dict(sorted(counts.items())),
               "decoys": len(manifest.decoys), "generate_cpu_seconds": gen_s, **info,
               "datascan": ours, "presidio": theirs}
    print(f"quality corpus: {len(manifest.objects)} files, {figures['mb']} MB, {len(manifest.planted)} planted values, "
          f"{len(manifest.decoys)} decoys (scale {scale}, seed {seed}); templates {','.join(templates)}")
    print_tables(ours, theirs, entities)  # with --no-presidio its columns read 0
    return figures


def main() -> None:
    """Command line: see the module docstring."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--template", default="pii,secrets")
    ap.add_argument("--no-presidio", action="store_true",
                    help="skip plain Presidio's side (minutes on the full corpus) while tuning")
    ap.add_argument("--dump", metavar="FILE", help="write our misses, false positives and reported decoys there "
                    "(JSON lines; the corpus is synthetic) while tuning")
    ap.add_argument("--keep", metavar="DIR", help="keep the generated corpus in DIR")
    args = ap.parse_args()
    figures = run(args.scale, args.seed, [t.strip() for t in args.template.split(",") if t.strip()],
                  presidio=not args.no_presidio, dump=args.dump, keep=args.keep)
    path = merge_results("quality", figures)
    print(f'\nmerged under "quality" into {path}')


if __name__ == "__main__":
    main()
