"""Classification throughput and precision: (a) Presidio's default analyzer, (b) the template without the
prefilter, (c) the fast path, side by side on the same deterministic corpora (mostly clean and dense).

    python -m benchmarks.bench_classify [--mb 20] [--template pii]      (or BENCH_CLASSIFY_MB=2)

Prints a table and merges its figures under "classify" into benchmarks/results/latest.json. Findings are
compared with the corpus manifest by (file, line, entity), for the entities the corpus plants.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import ENTITIES, generate
from benchmarks.report import merge_results
from scanner.classify.engine import Classifier, iter_chunks
from scanner.config import ClassificationConfig

KEY = b"\0" * 32
WARM_UP = ("mail jane@example.org, cell 212-555-0173, card 4111 1111 1111 1111, SSN 536-22-1234, "
           "IBAN GB82 WEST 1234 5698 7654 32, ip 10.1.2.3, account 12345678, passport 912345678\n")
RG_PATTERN = r"[0-9][0-9 ./()+-]{5,}[0-9]|@|[A-Z]{2}[0-9]{2}|::"


def presidio_default(entities: list[str]) -> Any:
    """Presidio's default AnalyzerEngine (its default registry), on the offline NLP engine, no model download."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from scanner.classify.presidio_setup import LANGUAGE, BlankSpacyNlpEngine, OfflineEmailRecognizer

    nlp = BlankSpacyNlpEngine()
    nlp.load()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.load_predefined_recognizers(languages=[LANGUAGE], nlp_engine=nlp)
    # The default e-mail recognizer downloads the public suffix list on first use: same check, offline.
    registry.remove_recognizer("EmailRecognizer")
    registry.add_recognizer(OfflineEmailRecognizer())
    engine = AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=[LANGUAGE])

    def detect(text: str) -> list[tuple[str, int, int, float]]:
        out = []
        for s, e in iter_chunks(text):
            for r in engine.analyze(text=text[s:e], language=LANGUAGE, entities=entities):
                out.append((r.entity_type, s + r.start, s + r.end, r.score))
        return out
    return detect


def run(name: str, detect: Any, files: list[tuple[str, str]]) -> tuple[float, float, dict[str, list[Any]]]:
    """Wall and CPU seconds of ``detect`` over ``files``, and its findings. CPU time is what to compare on a
    shared machine: wall time also counts the other processes' turns."""
    t0, c0 = time.perf_counter(), time.process_time()
    found = {rel: detect(text) for rel, text in files}
    return time.perf_counter() - t0, time.process_time() - c0, found


def score(found: dict[str, list[Any]], files: dict[str, str], manifest: Any) -> dict[str, float]:
    planted = {(p.file, p.line, p.entity) for p in manifest.planted}
    got = set()
    for rel, items in found.items():
        text = files[rel]
        for entity, start, _end, _score in items:
            if entity in ENTITIES:
                got.add((rel, text.count("\n", 0, start) + 1, entity))
    tp = len(got & planted)
    return {"precision": round(tp / len(got), 4) if got else 1.0,
            "recall": round(tp / len(planted), 4) if planted else 1.0}


def bench_corpus(label: str, mb: float, density: float, template: str, tmp: Path) -> dict[str, Any]:
    root = tmp / label
    manifest = generate(root, mb, seed=7, density=density)
    paths = sorted(p for p in root.rglob("*") if p.is_file())
    files = [(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8")) for p in paths]
    by_rel = dict(files)
    nbytes = sum(p.stat().st_size for p in paths)
    cfg = ClassificationConfig(template=template)
    fast = Classifier(cfg, KEY)
    plain = Classifier(cfg, KEY, prefilter=False)

    def key(c: Classifier) -> Any:
        return lambda text: [(d.entity, d.start, d.end, d.score) for d in c.detect(text)]

    default = presidio_default(list(fast.entities))
    # Each detector is built once per worker and then runs over terabytes: its one-time costs (tldextract's
    # suffix list, spaCy's first calls) are paid here, not in the timed runs.
    for warm in (default, key(plain), key(fast)):
        warm(WARM_UP)
    ta, ca, fa = run("a", default, files)
    tb, cb, fb = run("b", key(plain), files)
    tc, cc, fc = run("c", key(fast), files)
    diff = sum(len(set(fb[r]) ^ set(fc[r])) for r in fb)
    mbs = nbytes / 1048576
    row: dict[str, Any] = {
        "mb": round(mbs, 2), "density": density,
        "a_mb_per_s": round(mbs / ta, 3), "b_mb_per_s": round(mbs / tb, 3), "c_mb_per_s": round(mbs / tc, 3),
        "c_over_a": round(ta / tc, 1), "c_over_b": round(tb / tc, 1), "differing_findings_b_c": diff,
        "cpu_a_mb_per_s": round(mbs / ca, 3), "cpu_c_mb_per_s": round(mbs / cc, 3),
        "cpu_c_over_a": round(ca / cc, 1), "cpu_c_over_b": round(cb / cc, 1),
        "a": score(fa, by_rel, manifest), "c": score(fc, by_rel, manifest),
        "bytes_sent_share": round(fast.stats.chars_sent / max(1, fast.stats.chars), 4),
        "windows": fast.stats.windows, "whole_chunk_entities": fast.whole_chunk_entities,
    }
    rg = shutil.which("rg")
    if rg:
        t0 = time.perf_counter()
        subprocess.run([rg, "-c", RG_PATTERN, str(root)], stdout=subprocess.DEVNULL, check=False)
        row["ripgrep_mb_per_s"] = round(mbs / (time.perf_counter() - t0), 1)
    else:
        row["ripgrep_mb_per_s"] = None
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=float(os.environ.get("BENCH_CLASSIFY_MB", "20")))
    ap.add_argument("--template", default="pii")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = {"clean": bench_corpus("clean", args.mb, 0.001, args.template, Path(tmp)),
                "dense": bench_corpus("dense", args.mb, 0.05, args.template, Path(tmp))}
    cols = ["mb", "a_mb_per_s", "b_mb_per_s", "c_mb_per_s", "c_over_a", "c_over_b", "cpu_c_over_a", "cpu_c_over_b",
            "differing_findings_b_c",
            "bytes_sent_share", "windows", "ripgrep_mb_per_s"]
    print("corpus  " + "  ".join(cols) + "  precision/recall a  precision/recall c")
    for label, r in rows.items():
        print(f"{label:<7} " + "  ".join(str(r[c]) for c in cols)
              + f"  {r['a']['precision']}/{r['a']['recall']}  {r['c']['precision']}/{r['c']['recall']}")
    merge_results("classify", {"template": args.template, **rows})


if __name__ == "__main__":
    main()
