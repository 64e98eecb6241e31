"""The job-file reference (docs/REFERENCE.md) is generated from the pydantic models: a stale file, or a key without a
description, fails here."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from scanner import config
from scanner.docs import REFERENCE, main, render_reference


def test_reference_is_current():
    assert REFERENCE.read_text(encoding="utf-8") == render_reference(), \
        "docs/REFERENCE.md is stale: run `python -m scanner.docs` and commit the result"


def _models(tp: typing.Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in typing.get_args(tp) for m in _models(a)]


def test_every_key_of_every_model_is_documented_and_described():
    ref = render_reference()
    todo, seen = [config.JobConfig], set()
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        for name, f in m.model_fields.items():
            assert f"| `{name}` |" in ref, f"{m.__name__}.{name} missing from the reference"
            todo.extend(_models(f.annotation))
    assert len(seen) >= 6  # job, three datasource types, classification, custom, extraction, runtime ...
    undescribed = [line for line in ref.splitlines() if line.startswith("| `") and line.endswith("|  |")]
    assert not undescribed, f"keys without a description (a comment on or above the field in config.py): {undescribed}"


def test_check_mode_detects_a_stale_file(tmp_path):
    stale = tmp_path / "REFERENCE.md"
    stale.write_text("# old\n")
    assert main(["--check", "--out", str(stale)]) == 1
    assert main(["--out", str(stale)]) == 0
    assert main(["--check", "--out", str(stale)]) == 0
    assert stale.read_text() == render_reference()
