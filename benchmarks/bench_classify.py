"""Classification throughput, memory and precision, side by side in one run on four deterministic corpora:

- ``prose``: .txt/.md/.html prose with hardly a number (about 0.3% of the characters are digits), values on
  0.1% of the lines;
- ``business``: number-heavy business text of every format (dates, amounts, order, invoice and ticket numbers,
  ids, times, percentages: about 16% digits), values on 0.1% of the lines (the corpus this bench called
  "clean" before: the same generator and seed);
- ``dense``: the same text with values on 5% of the lines;
- ``export``: customer CSV exports with one or more values on every line (an e-mail on each, a card on every
  fifth, phones, IPs, IBANs and SSNs in some rows).

Sides, each in a fresh child process (so its peak RSS is its own), timed with ``time.process_time`` around the
in-process call only (detectors built and warmed first, as a worker does once):

- (a) plain Presidio: its default analyzer with the template's entities, over 64 KB chunks;
- (b) the template without the prefilter (``Classifier(prefilter=False)``: the contract's reference);
- (c) the fast path (``Classifier``);
- (d) ``datafog-core`` (a bench-only dependency; Rust regex) with the entities it shares with the template;
- ripgrep (``rg -j1 --count-matches``) over the corpus files for the prefilter's anchors (:data:`RG_PATTERN`).

(a) and (b) are slow: they run on a slice of each corpus (the first files, the last one cut at a line end,
``--slice`` of its bytes); (c), (d) and ripgrep run on the whole corpus. MB/s is bytes per CPU second, so a
slice's figure compares with a whole corpus's. b == c exactness is counted on the slice, where (c) also runs.
Precision and recall are counted by span against the corpus manifest: a finding is right when it overlaps a
planted value of its entity; a planted value is found when a finding of its entity overlaps it. (a) and (c) are
scored on the corpus's six planted entities, (d) on the five it supports (``d ent``; (c) is also scored there
for a like-for-like figure); datafog's labels are mapped onto ours (:data:`DATAFOG_ENTITIES`).

    python -m benchmarks.bench_classify [--mb 20] [--export-mb 5] [--slice 0.05] [--template pii]
                                        [--corpora prose,business,dense,export]     (or BENCH_CLASSIFY_MB=2)

Prints the table, how long each part took, and merges the figures under "classify" into
benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks.corpus import ENTITIES, Manifest, generate, generate_export
from benchmarks.report import MeasuredRun, merge_results, run_measured

KEY = b"\0" * 32
WARM_UP = ("mail jane@example.org, cell 212-555-0173, card 4111 1111 1111 1111, SSN 536-22-1234, "
           "IBAN GB82 WEST 1234 5698 7654 32, ip 10.1.2.3, account 12345678, passport 912345678\n")
# The pii template's prefilter anchors as one regex: a run of 7+ digits through phone punctuation (the shortest
# phone of the template's regions; cards, SSNs, bank and passport numbers are longer), "+" and 5+ digits, a
# dotted quad, "@", an IBAN start, an IPv6 "::".
RG_PATTERN = (r"[0-9](?:[ ()./+x-]*[0-9]){6,}|\+[0-9](?:[ ()./x-]*[0-9]){4,}|[0-9]+(?:\.[0-9]+){3}|@"
              r"|\b[A-Za-z]{2}[0-9]{2}|::")
# datafog-core's label -> ours, for the entities both detect (its IBAN needs its "de" locale, which also turns
# on German postal codes and ids: left out).
DATAFOG_ENTITIES = {"EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER", "CREDIT_CARD": "CREDIT_CARD",
                    "SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS"}
SIDES = ("a", "b", "c", "d")
SIDE_NAMES = {"a": "Presidio", "b": "no prefilter", "c": "fast path", "d": "datafog-core"}
SLICED = ("a", "b")
MIB = 1 << 20

Finding = tuple[str, int, int, float]


# ----------------------------------------------------------------------------------------------------------
# Detectors (built in the child process)


def presidio_default(entities: list[str]) -> Callable[[str], list[Finding]]:
    """Presidio's default AnalyzerEngine (its default registry), on the offline NLP engine, no model download."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from scanner.classify.engine import iter_chunks
    from scanner.classify.presidio_setup import LANGUAGE, BlankSpacyNlpEngine, OfflineEmailRecognizer

    nlp = BlankSpacyNlpEngine()
    nlp.load()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.load_predefined_recognizers(languages=[LANGUAGE], nlp_engine=nlp)
    # The default e-mail recognizer downloads the public suffix list on first use: same check, offline.
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    engine = AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=[LANGUAGE])

    def detect(text: str) -> list[Finding]:
        out = []
        for s, e in iter_chunks(text):
            for r in engine.analyze(text=text[s:e], language=LANGUAGE, entities=entities):
                out.append((r.entity_type, s + r.start, s + r.end, r.score))
        return out
    return detect


def _classifier(template: str, prefilter: bool) -> Any:
    from scanner.classify.engine import Classifier
    from scanner.config import ClassificationConfig

    return Classifier(ClassificationConfig(template=template), KEY, prefilter=prefilter)


def _datafog() -> Callable[[str], list[Finding]]:
    import datafog_core

    config: Any = {"entities": list(DATAFOG_ENTITIES)}

    def detect(text: str) -> list[Finding]:
        return [(DATAFOG_ENTITIES[f.entity_type], f.codepoint_range.start, f.codepoint_range.end,
                 f.confidence if f.confidence is not None else 1.0) for f in datafog_core.scan(text, config)]
    return detect


def _time_side(call: Callable[[str], Any], convert: Callable[[Any], list[Finding]],
               texts: list[tuple[str, str]]) -> tuple[float, float, dict[str, list[Finding]]]:
    """CPU and wall seconds of ``call`` over ``texts`` (the call alone, not the conversion of its results)."""
    cpu = wall = 0.0
    found: dict[str, list[Finding]] = {}
    for rel, text in texts:
        t0, c0 = time.perf_counter(), time.process_time()
        raw = call(text)
        cpu += time.process_time() - c0
        wall += time.perf_counter() - t0
        found[rel] = convert(raw)
    return cpu, wall, found


def child(side: str, spec_path: Path, out_path: Path) -> None:
    """Run one side over the texts ``spec_path`` names; write its timings and findings to ``out_path``."""
    spec = json.loads(spec_path.read_text())
    root = Path(spec["root"])
    texts = [(rel, (root / rel).read_bytes().decode("utf-8")) for rel in spec["files"]]
    cut = dict(spec["slice"])
    sliced = [(rel, text[:cut[rel]]) for rel, text in texts if rel in cut]
    t0 = time.process_time()
    stats: dict[str, Any] = {}
    call: Callable[[str], Any]
    convert: Callable[[Any], list[Finding]] = list
    if side == "a":
        entities = list(_classifier(spec["template"], True).entities)
        call = presidio_default(entities)
    elif side in ("b", "c"):
        clf = _classifier(spec["template"], side == "c")
        call = clf.detect

        def convert(ds: Any) -> list[Finding]:
            return [(d.entity, d.start, d.end, d.score) for d in ds]
    else:
        call = _datafog()
    # Each detector is built once per worker and then runs over terabytes: its one-time costs (tldextract's
    # suffix list, spaCy's first calls) are paid here, not in the timed runs.
    call(WARM_UP)
    build_s = time.process_time() - t0
    timed = sliced if side in SLICED else texts
    cpu, wall, found = _time_side(call, convert, timed)
    result: dict[str, Any] = {"cpu_s": cpu, "wall_s": wall, "build_s": build_s, "found": found,
                              "chars": sum(len(t) for _, t in timed),
                              "bytes": sum(len(t.encode("utf-8")) for _, t in timed)}
    if side == "c":
        s = clf.stats
        stats = {"windows": s.windows, "bytes_sent_share": round(s.chars_sent / max(1, s.chars), 4),
                 "whole_chunk_entities": list(clf.whole_chunk_entities)}
        # The exactness check needs (c) on the very texts (b) ran on; untimed.
        result["slice_found"] = {rel: convert(call(text)) for rel, text in sliced}
    result["stats"] = stats
    out_path.write_text(json.dumps(result))


# ----------------------------------------------------------------------------------------------------------
# Scoring


def planted_spans(texts: dict[str, str], manifest: Manifest) -> dict[str, list[tuple[str, int, int]]]:
    """Per file, the (entity, start, end) character span of each planted value (found on its manifest line)."""
    starts: dict[str, list[int]] = {}
    taken: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    out: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for p in manifest.planted:
        text = texts[p.file]
        if p.file not in starts:
            offs, pos = [0], text.find("\n")
            while pos >= 0:
                offs.append(pos + 1)
                pos = text.find("\n", pos + 1)
            starts[p.file] = offs
        offs = starts[p.file]
        line_start = offs[p.line - 1]
        line_end = offs[p.line] if p.line < len(offs) else len(text)
        pos = text.find(p.value, line_start, line_end)
        # Two values of one line never overlap: skip a place an earlier value of the line already holds.
        while pos >= 0 and any(s < pos + len(p.value) and pos < e for s, e in taken[(p.file, p.line)]):
            pos = text.find(p.value, pos + 1, line_end)
        if pos < 0:
            raise SystemExit(f"manifest out of step with {p.file}:{p.line}")
        taken[(p.file, p.line)].append((pos, pos + len(p.value)))
        out[p.file].append((p.entity, pos, pos + len(p.value)))
    return out


def score(found: dict[str, list[Any]], planted: dict[str, list[tuple[str, int, int]]],
          limits: dict[str, int] | None, entities: Iterable[str]) -> dict[str, Any]:
    """Precision and recall by span overlap, for ``entities``; ``limits`` keeps only planted values that end
    within the first ``limits[file]`` characters of the files it names (a slice)."""
    ents = frozenset(entities)
    index: dict[tuple[str, str], tuple[list[int], list[int]]] = {}
    total = 0
    per_entity: dict[str, list[int]] = {e: [0, 0] for e in sorted(ents)}  # found, planted
    hit: set[tuple[str, str, int]] = set()
    for rel, spans in planted.items():
        if limits is not None and rel not in limits:
            continue
        for entity, s, e in sorted(spans, key=lambda x: x[1]):
            if entity not in ents or (limits is not None and e > limits[rel]):
                continue
            starts, ends = index.setdefault((rel, entity), ([], []))
            starts.append(s)
            ends.append(e)
            per_entity[entity][1] += 1
            total += 1
    right = reported = 0
    for rel, items in found.items():
        for entity, start, end in {(f[0], f[1], f[2]) for f in items if f[0] in ents}:
            reported += 1
            starts, ends = index.get((rel, entity), ([], []))
            # Planted spans of one entity and file do not overlap: the candidates are the one starting last
            # before ``end`` and its predecessor.
            i = bisect_left(starts, end) - 1
            matched = False
            for j in (i, i - 1):
                if 0 <= j < len(starts) and starts[j] < end and start < ends[j]:
                    matched = True
                    hit.add((rel, entity, starts[j]))
            right += matched
    for _rel, entity, _s in hit:
        per_entity[entity][0] += 1
    return {"precision": round(right / reported, 4) if reported else 1.0,
            "recall": round(len(hit) / total, 4) if total else 1.0,
            "reported": reported, "planted": total,
            "recall_per_entity": {e: round(f / p, 4) for e, (f, p) in per_entity.items() if p}}


def differing(b: dict[str, list[Any]], c: dict[str, list[Any]]) -> int:
    """Findings (entity, start, end, score) in one of ``b`` and ``c`` and not the other."""
    return sum(len({tuple(x) for x in b.get(r, [])} ^ {tuple(x) for x in c.get(r, [])}) for r in set(b) | set(c))


# ----------------------------------------------------------------------------------------------------------
# Parent


def make_corpus(name: str, root: Path, mb: float) -> Manifest:
    """Generate corpus ``name`` (seeded) under ``root``."""
    if name == "prose":
        return generate(root, mb, seed=7, density=0.001, style="prose")
    if name == "business":
        return generate(root, mb, seed=7, density=0.001)
    if name == "dense":
        return generate(root, mb, seed=7, density=0.05)
    if name == "export":
        return generate_export(root, mb, seed=7)
    raise SystemExit(f"unknown corpus {name!r}")


def make_slice(files: list[tuple[str, str]], fraction: float) -> dict[str, int]:
    """The first files, in order, up to ``fraction`` of the bytes; the last one cut at a line end."""
    want = max(1, round(sum(len(t.encode("utf-8")) for _, t in files) * fraction))
    out: dict[str, int] = {}
    have = 0
    for rel, text in files:
        size = len(text.encode("utf-8"))
        if have + size <= want:
            out[rel] = len(text)
            have += size
            continue
        cut = text.rfind("\n", 0, want - have) + 1  # characters ~ bytes: the corpora are nearly all ASCII
        if cut > 0:
            out[rel] = cut
        break
    if not out:  # a first line longer than the slice: take that file up to its first line end
        rel, text = files[0]
        out[rel] = (text.find("\n") + 1) or len(text)
    return out


def ripgrep(root: Path, nbytes: int) -> dict[str, Any]:
    """ripgrep's CPU MB/s over the corpus for :data:`RG_PATTERN`, one thread, best of three."""
    rg = shutil.which("rg")
    if rg is None:
        return {"mb_per_s": None, "note": "rg not installed (make bench installs it)"}
    runs = [run_measured([rg, "--no-config", "-j1", "--count-matches", "--no-ignore", "--hidden", "--no-messages",
                          "-e", RG_PATTERN, str(root)]) for _ in range(3)]
    best = min(runs, key=lambda r: r.cpu_s)
    if best.returncode not in (0, 1):
        raise SystemExit(f"rg failed ({best.returncode}): {best.stderr.decode(errors='replace')[-500:]}")
    matches = sum(int(line.rsplit(b":", 1)[1]) for line in best.stdout.splitlines() if b":" in line)
    return {"mb_per_s": round(nbytes / MIB / max(best.cpu_s, 1e-6), 1), "cpu_s": round(best.cpu_s, 4),
            "matches": matches, "peak_rss_mb": best.peak_mb()}


def sides() -> tuple[str, ...]:
    """The sides to run: (d) only where datafog-core is installed (``make bench`` installs it)."""
    return SIDES if importlib.util.find_spec("datafog_core") else tuple(s for s in SIDES if s != "d")


def run_side(side: str, spec: Path, work: Path) -> tuple[MeasuredRun, dict[str, Any]]:
    """One side in a fresh child process; its measurement and its result."""
    out = work / f"{side}.json"
    run = run_measured([sys.executable, "-m", "benchmarks.bench_classify", "--side", side, "--spec", str(spec),
                        "--out", str(out)], cwd=Path(__file__).resolve().parents[1])
    if run.returncode != 0:
        raise SystemExit(f"side {side} failed ({run.returncode}): {run.stderr.decode(errors='replace')[-3000:]}")
    return run, json.loads(out.read_text())


def bench_corpus(name: str, mb: float, fraction: float, template: str, tmp: Path,
                 clock: Callable[[str], None]) -> dict[str, Any]:
    """Every side on corpus ``name``; its row of figures."""
    root = tmp / name
    manifest = make_corpus(name, root, mb)
    files = [(p.relative_to(root).as_posix(), p.read_bytes().decode("utf-8"))
             for p in sorted(root.rglob("*")) if p.is_file()]
    texts = dict(files)
    raw = b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())
    nbytes = len(raw)
    cut = make_slice(files, fraction)
    spec = tmp / f"{name}.spec.json"
    spec.write_text(json.dumps({"root": str(root), "files": [r for r, _ in files], "slice": sorted(cut.items()),
                                "template": template}))
    planted = planted_spans(texts, manifest)
    clock(f"{name}: corpus generated ({nbytes / MIB:.1f} MB, {len(manifest.planted):,} planted values)")
    row: dict[str, Any] = {"mb": round(nbytes / MIB, 2), "digit_share": round(sum(raw.count(d) for d in b"0123456789")
                                                                            / max(1, nbytes), 4),
                           "planted": len(manifest.planted), "slice_mb": None, "sides": {}}
    results: dict[str, dict[str, Any]] = {}
    for side in sides():
        run, res = run_side(side, spec, tmp)
        results[side] = res
        sides_mb = res["bytes"] / MIB
        limits = cut if side in SLICED else None
        fig: dict[str, Any] = {
            "name": SIDE_NAMES[side], "mb": round(sides_mb, 2), "cpu_s": round(res["cpu_s"], 3),
            "mb_per_s": round(sides_mb / max(res["cpu_s"], 1e-9), 3),
            "wall_mb_per_s": round(sides_mb / max(res["wall_s"], 1e-9), 3),
            "build_cpu_s": round(res["build_s"], 2), "peak_rss_mb": run.peak_mb(),
            "findings": sum(len(v) for v in res["found"].values()),
        }
        if side != "d":
            fig["all"] = score(res["found"], planted, limits, ENTITIES)
        if side in ("c", "d"):
            fig["d_entities"] = score(res["found"], planted, limits, DATAFOG_ENTITIES.values())
        fig.update(res["stats"])
        row["sides"][side] = fig
        if side in SLICED:
            row["slice_mb"] = fig["mb"]
        clock(f"{name}: {side} ({SIDE_NAMES[side]}) done, {run.wall_s:.1f} s in its process")
    row["differing_findings_b_c"] = differing(results["b"]["found"], results["c"]["slice_found"])
    row["ripgrep"] = ripgrep(root, nbytes)
    clock(f"{name}: ripgrep done")
    s = row["sides"]

    def ratio(x: float | None, y: float | None) -> float | None:
        return float(f"{x / y:.3g}") if x and y else None  # three significant digits: 0.00213 stays readable
    row["c_over_a"] = ratio(s["c"]["mb_per_s"], s["a"]["mb_per_s"])
    row["c_over_b"] = ratio(s["c"]["mb_per_s"], s["b"]["mb_per_s"])
    row["c_over_d"] = ratio(s["c"]["mb_per_s"], s["d"]["mb_per_s"]) if "d" in s else None
    row["ripgrep_over_c"] = ratio(row["ripgrep"]["mb_per_s"], s["c"]["mb_per_s"])
    return row


def _pr(score_: dict[str, Any] | None) -> str:
    return f"{score_['precision']:.3f}/{score_['recall']:.3f}" if score_ else "-"


def print_table(rows: dict[str, dict[str, Any]]) -> None:
    """The figures as one table per corpus, then the ratios."""
    print("\nCPU MB/s per core (bytes / process_time of the in-process call); peak RSS of the side's own process.")
    print(f"(a) and (b) run on a slice of each corpus (column MB); (c), (d), ripgrep on the whole corpus. "
          f"P/R: precision/recall by span\nagainst the manifest, over the six planted entities (\"all\") and over "
          f"datafog-core's five (\"d ent\": {', '.join(DATAFOG_ENTITIES.values())}).")
    print(f"ripgrep: rg -j1 --count-matches -e '{RG_PATTERN}'")
    head = (f"{'corpus':<9}{'side':<16}{'MB':>7}{'CPU s':>9}{'MB/s':>10}{'peak RSS MB':>13}{'findings':>10}"
            f"{'P/R all':>15}{'P/R d ent':>15}")
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        for side, f in r["sides"].items():
            print(f"{name:<9}{side + ' ' + f['name']:<16}{f['mb']:>7}{f['cpu_s']:>9}{f['mb_per_s']:>10}"
                  f"{f['peak_rss_mb']:>13}{f['findings']:>10}{_pr(f.get('all')):>15}{_pr(f.get('d_entities')):>15}")
        rg = r["ripgrep"]
        print(f"{name:<9}{'ripgrep':<16}{r['mb']:>7}{rg.get('cpu_s', '-'):>9}{rg['mb_per_s'] or '-':>10}"
              f"{rg.get('peak_rss_mb', '-'):>13}{rg.get('matches', '-'):>10}")
    print()
    head = (f"{'corpus':<9}{'MB':>7}{'digits':>8}{'planted':>9}{'c/a':>10}{'c/b':>10}{'c/d':>10}{'rg/c':>10}"
            f"{'b==c differing':>16}{'windows':>9}{'sent':>7}")
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        c = r["sides"]["c"]
        print(f"{name:<9}{r['mb']:>7}{r['digit_share']:>8.1%}{r['planted']:>9}{r['c_over_a'] or '-':>10}"
              f"{r['c_over_b'] or '-':>10}{r['c_over_d'] or '-':>10}{r['ripgrep_over_c'] or '-':>10}"
              f"{r['differing_findings_b_c']:>16}{c.get('windows', '-'):>9}{c.get('bytes_sent_share', 0):>7.1%}")


def main() -> None:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--mb", type=float, default=float(os.environ.get("BENCH_CLASSIFY_MB", "20")),
                    help="size of the prose, business and dense corpora (default 20, or BENCH_CLASSIFY_MB)")
    ap.add_argument("--export-mb", type=float, default=None, help="size of the export corpus (default mb / 4)")
    ap.add_argument("--slice", type=float, default=0.05, help="share of each corpus (a) and (b) run on")
    ap.add_argument("--template", default="pii")
    ap.add_argument("--corpora", default="prose,business,dense,export")
    ap.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)  # the child process
    ap.add_argument("--spec", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        child(args.side, args.spec, args.out)
        return
    started = time.perf_counter()

    def clock(what: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {what}", flush=True)

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="datascan-bench-classify-") as tmp:
        for name in args.corpora.split(","):
            mb = (args.export_mb or args.mb / 4) if name == "export" else args.mb
            rows[name] = bench_corpus(name, mb, args.slice, args.template, Path(tmp), clock)
    print_table(rows)
    if "d" not in sides():
        print("datafog-core is not installed: no (d) rows (make bench installs it)")
    path = merge_results("classify", {"template": args.template, "slice": args.slice, "rg_pattern": RG_PATTERN,
                                      "corpora": rows, "seconds": round(time.perf_counter() - started, 1)})
    print(f"\nbench_classify took {time.perf_counter() - started:.0f} s; merged under \"classify\" into {path}")


if __name__ == "__main__":
    main()
