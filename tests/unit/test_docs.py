"""The README's job-file reference is generated from the pydantic models: a stale block fails here."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from scanner import config
from scanner.docs import README, main, readme_block, render_reference, splice


def test_readme_reference_is_current():
    text = README.read_text(encoding="utf-8")
    assert readme_block(text) == render_reference(), \
        "README.md's job-file reference is stale: run `python -m scanner.docs` and commit the result"


def _models(tp: typing.Any) -> list[type[BaseModel]]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in typing.get_args(tp) for m in _models(a)]


def test_every_key_of_every_model_is_documented():
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


def test_check_mode_detects_a_stale_block(tmp_path):
    stale = tmp_path / "README.md"
    stale.write_text(splice("# x\n<!-- job-reference:start -->\n<!-- job-reference:end -->\n", "old\n"))
    assert main(["--check", "--readme", str(stale)]) == 1
    assert main(["--readme", str(stale)]) == 0
    assert main(["--check", "--readme", str(stale)]) == 0
    assert readme_block(stale.read_text()) == render_reference()
