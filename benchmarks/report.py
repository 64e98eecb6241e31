"""The one results file every benchmark shares: ``benchmarks/results/latest.json``, one key per benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"


def merge_results(key: str, figures: Any) -> Path:
    """Replace ``key`` in the results file, keeping the other benchmarks' figures; returns the file's path."""
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = figures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    return RESULTS
