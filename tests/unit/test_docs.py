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


def test_readme_meets_the_user_in_order():
    """Issue 18: what it does and how to start, a first job, results, nightly runs, datasources, then the reference
    and the inside; the generated tables live in docs/REFERENCE.md, not in the README."""
    readme = (REFERENCE.parent.parent / "README.md").read_text(encoding="utf-8")
    heads = [line[3:] for line in readme.splitlines() if line.startswith("## ")]
    wanted = ["A first job", "Reading results", "Nightly runs", "Datasources", "Reference", "How it works inside"]
    at = [next(i for i, h in enumerate(heads) if h.startswith(w)) for w in wanted]
    assert at == sorted(at), heads
    assert readme.index("make demo") < readme.index("## A first job")
    assert "| key | type | default | description |" not in readme and "docs/REFERENCE.md" in readme
