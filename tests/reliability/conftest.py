"""The reliability suite's figures: each case records what it measured; the session prints one table.

`make test` runs the short form (a few repetitions of each case, so CI keeps them honest); `make reliability`
sets DATASCAN_RELIABILITY=long (hundreds of kills, larger corpora) and also writes
benchmarks/results/reliability.json.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

LONG = os.environ.get("DATASCAN_RELIABILITY") == "long"
FIGURES: dict[str, dict[str, object]] = {}
RESULTS = Path(__file__).parents[2] / "benchmarks" / "results" / "reliability.json"


def scale(short: int, long: int) -> int:
    """How many repetitions of a case this run does."""
    return long if LONG else short


@pytest.fixture
def figures(request):
    """``figures(case, expected, **measured)``: record one case's figures for the table."""
    def record(case: str, expected: str, **measured: object) -> None:
        FIGURES[case] = {"expected": expected, **measured}
    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest hook signature
    if not FIGURES:
        return
    tr = terminalreporter
    tr.section(f"reliability figures ({'long' if LONG else 'short'} form)")
    for case, figs in FIGURES.items():
        measured = ", ".join(f"{k}={v}" for k, v in figs.items() if k != "expected")
        tr.write_line(f"{case:<44} {measured}   [expected: {figs['expected']}]")
    if LONG:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"form": "long", "cases": FIGURES}, indent=2, default=str))
        tr.write_line(f"written to {RESULTS}")
