"""Figures the reliability cases measure: each case records them; the session prints one table.

`make test` runs the short form of every case (a few repetitions, so CI keeps them honest); `make reliability` sets
DATASCAN_RELIABILITY=long (hundreds of kills, larger inputs) and also writes benchmarks/results/reliability.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

LONG = os.environ.get("DATASCAN_RELIABILITY") == "long"
FIGURES: dict[str, dict[str, object]] = {}
RESULTS = Path(__file__).parents[1] / "benchmarks" / "results" / "reliability.json"


def scale(short: int, long: int) -> int:
    """How many repetitions (or how much input) a case uses in this run."""
    return long if LONG else short


def record(case: str, expected: str, **measured: object) -> None:
    FIGURES[case] = {"expected": expected, **measured}


def summary_lines() -> list[str]:
    return [f"{case:<44} {', '.join(f'{k}={v}' for k, v in figs.items() if k != 'expected')}   "
            f"[expected: {figs['expected']}]" for case, figs in FIGURES.items()]


def write_long_form() -> Path:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"form": "long", "cases": FIGURES}, indent=2, default=str))
    return RESULTS
