"""Figures the reliability cases measure: each case records them; the session prints one table.

`make test` runs the short form of every case (a few repetitions, so CI keeps them honest); `make reliability` sets
DATASCAN_RELIABILITY=long (hundreds of kills, larger inputs) and also writes benchmarks/results/reliability.json.
A long-form run of some of the cases (``make reliability`` with pytest's ``-k``) updates only their rows there, each
row saying when it was measured; ``python -m tests.figures`` prints the file's table again.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

LONG = os.environ.get("DATASCAN_RELIABILITY") == "long"
FIGURES: dict[str, dict[str, object]] = {}
RESULTS = Path(__file__).parents[1] / "benchmarks" / "results" / "reliability.json"


def scale(short: int, long: int) -> int:
    """How many repetitions (or how much input) a case uses in this run."""
    return long if LONG else short


def record(case: str, expected: str, **measured: object) -> None:
    FIGURES[case] = {"expected": expected, **measured,
                     "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _cell(v: object) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {x}" for k, x in v.items())
    return str(v)


def table_lines(cases: dict[str, dict[str, object]]) -> list[str]:
    """One Markdown table: case, figures, expected (pasteable as it is)."""
    out = ["| case | figures | expected |", "| --- | --- | --- |"]
    for case, figs in cases.items():
        shown = ", ".join(f"{k}={_cell(v)}" for k, v in figs.items() if k not in ("expected", "measured_at"))
        out.append(f"| {case} | {shown.replace('|', '/')} | {figs['expected']} |")
    return out


def write_long_form() -> Path:
    """Merge this session's rows into the long-form results (rows of cases not run this time are kept)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    cases: dict[str, object] = {}
    if RESULTS.exists():
        try:
            cases = json.loads(RESULTS.read_text()).get("cases", {})
        except ValueError:
            cases = {}
    cases.update(FIGURES)
    RESULTS.write_text(json.dumps({"form": "long", "cases": cases}, indent=2, default=str))
    return RESULTS


if __name__ == "__main__":
    for line in table_lines(json.loads(RESULTS.read_text())["cases"]):
        print(line)
