"""Catastrophic-backtracking bait for every regex a scan runs: the job's custom regexes and the templates' own.

Job-file regexes are written by users: classic catastrophic shapes, each fed the input that makes a backtracking
engine explode, through a real `datascan scan`. RE2 takes those it accepts (linear time); the others run under
``regex_timeout_s``. Template regexes ship with datascan and run on Presidio's backtracking engine, so each one is
fed bait built from its own examples (near-matches glued together, a match whose last run goes on for the whole
text, one cut in the middle and stretched) and timed on one 64 KB analysed text, the size of a chunk.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from scanner.classify.build import rules_from_spec
from scanner.classify.guard import engine_for
from scanner.classify.templates import list_templates, load_template
from tests.cliutil import findings as _findings
from tests.cliutil import run as _run
from tests.figures import scale

pytestmark = pytest.mark.timeout(1800)

CHUNK = 64 * 1024

# name, regex, one bait line: the classic exponential and polynomial shapes, and two that RE2 refuses. Each shape
# has its own letter, so no bait line is a match of another shape (the rules run MULTILINE and DOTALL, as Presidio's).
CUSTOM = [
    ("NESTED_PLUS", r"(a+)+$", "a" * 40 + "!"),
    ("ALTERNATION", r"(c|cc)+$", "c" * 60 + "!"),
    ("WORDS", r"^(\w+\s?)+$", "word " * 30 + "!"),
    ("STARS", r"(x+x+)+y", "x" * 60 + "!"),
    ("COUNTED_DOTS", r"(.*q){20}", "q" * 19 + "!" * 60),
    ("EMAILISH", r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}"
                 r"[a-z]{2,3}))$", "e" * 60 + "!"),
    ("LOOKBEHIND", r"(?<=%)(g+)+$", "%" + "g" * 40 + "!"),             # RE2: no look-behind
    ("BACKREF", r"^(b+)+\1z", "b" * 40 + "!"),                         # RE2: no back-reference
]


def test_custom_regex_bait_cannot_stall_a_scan(tmp_path, figures):
    """Every custom shape with its bait in one file, a card beside them: the scan finishes and finds the card."""
    root = tmp_path / "bait"
    root.mkdir()
    # COUNTED_DOTS runs over the whole text (DOTALL): its bait is the text's only q's, so it appears once.
    lines = [bait for n, _, bait in CUSTOM for _ in range(1 if n == "COUNTED_DOTS" else scale(2, 20))]
    (root / "bait.txt").write_text("\n".join(lines) + "\ncard: 4111111111111111.\n")
    job = tmp_path / "bait.yaml"
    custom = "".join(f"    - {{name: {n}, regex: '{r}', score: 0.9}}\n" for n, r, _ in CUSTOM)
    job.write_text(f"name: bait\ndatasources:\n  - {{id: b, type: filesystem, path: {root}}}\n"
                   f"classification:\n  regex_timeout_s: 0.5\n  custom:\n{custom}")
    t0 = time.monotonic()
    r = _run("scan", "--job", str(job), "--workers", "1", "--db", str(tmp_path / "s.db"), timeout=900)
    scan_s = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    ents = Counter(f["entity"] for f in _findings(tmp_path / "s.db"))
    engines = {n: engine_for(rx, 0) for n, rx, _ in CUSTOM}
    guarded = [n for n, e in engines.items() if e == "regex"]
    figures("catastrophic-backtracking bait, job custom regexes", "scan finishes; other values found",
            regexes=len(CUSTOM), on_re2=len(CUSTOM) - len(guarded), guarded=",".join(guarded), bait_lines=len(lines),
            scan_s=round(scan_s, 1), regex_timeout_s=0.5,
            timeouts_logged={n: r.stderr.count(n) for n in guarded}, card_found=ents["CREDIT_CARD"])
    assert guarded == ["LOOKBEHIND", "BACKREF"]
    assert ents["CREDIT_CARD"] == 1 and not any(ents[n] for n, _, _ in CUSTOM), ents


def _baits(example: str) -> list[str]:
    """Inputs built from one matching example that make a backtracking matcher work hardest, each CHUNK long."""
    e = example
    mid = len(e) // 2
    out = [
        (e[:-1] * (CHUNK // max(1, len(e) - 1) + 1))[:CHUNK - 1] + "\x00",   # near-matches glued together
        (e + e[-1] * CHUNK)[:CHUNK],                                          # the last run never ends
        (e[:mid] + e[mid] * CHUNK)[:CHUNK - 1] + "\x00",                      # cut in the middle and stretched
        ((e + " ") * (CHUNK // (len(e) + 1) + 1))[:CHUNK],                    # many real matches
    ]
    return out


def _template_regexes() -> list[tuple[str, Any, list[str]]]:
    """(template/entity/regex name, compiled regex, examples) for every regex the built-in templates' rules run,
    our detectors' included."""
    out = []
    for name in list_templates():
        for spec in load_template(name).rules:
            for rule in rules_from_spec(spec):
                for label, compiled in rule.regexes():
                    out.append((f"{name}/{spec.entity}/{label}", compiled, list(spec.examples)))
    return out


def test_template_regexes_on_their_worst_bait(figures):
    rows = _template_regexes()
    assert len(rows) >= 20  # every template contributes (a template loader regression would empty this)
    worst: dict[str, float] = {}
    for label, compiled, examples in rows:
        t_max = 0.0
        for ex in examples:
            for bait in _baits(ex):
                t0 = time.perf_counter()
                for _ in compiled.finditer(bait):
                    pass
                t_max = max(t_max, time.perf_counter() - t0)
        worst[label] = t_max
    top = sorted(worst.items(), key=lambda kv: -kv[1])[:3]
    figures("catastrophic-backtracking bait, template regexes", "no stall (worst 64 KB text under 2 s)",
            regexes=len(rows), baits=sum(4 * len(r[2]) for r in rows), text_kb=CHUNK // 1024,
            worst_s={k: round(v, 3) for k, v in top})
    # A stall is seconds to hours per text; a linear regex over 64 KB takes milliseconds.
    assert top[0][1] < 2.0, top
