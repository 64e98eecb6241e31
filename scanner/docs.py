"""The job-file reference (docs/REFERENCE.md), generated from the pydantic models in :mod:`scanner.config` so it
cannot drift.

``python -m scanner.docs`` rewrites docs/REFERENCE.md; ``--check`` exits 1 when it is stale (the unit tests run the
same comparison, and check that every key has a description). Descriptions come from each field's
``description`` when set, else from the comment on the field's line (or the comment lines right above it) in
config.py, where they are written for the code's readers anyway.
"""

from __future__ import annotations

import inspect
import io
import json
import re
import sys
import tokenize
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from scanner import config

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "REFERENCE.md"


def _field_comments(model: type[BaseModel]) -> dict[str, str]:
    """Comments beside (or right above) each field declaration in the model's class body."""
    try:
        src = inspect.getsource(model)
    except (OSError, TypeError):
        return {}
    comments: dict[int, str] = {}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            comments[tok.start[0]] = tok.string.lstrip("#").strip()
    out: dict[str, str] = {}
    lines = src.splitlines()
    for i, line in enumerate(lines, start=1):
        m = re.match(r"^    ([a-z_][a-z0-9_]*)\s*:", line)
        if not m:
            continue
        text = comments.get(i)
        if text is None:  # a comment block on the lines just above the field
            above: list[str] = []
            j = i - 1
            while j >= 1 and lines[j - 1].strip().startswith("#"):
                above.insert(0, comments.get(j, ""))
                j -= 1
            text = " ".join(above) if above else None
        if text:
            out[m.group(1)] = text
    return out


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [a for a in args if a is not type(None)]
        kinds = [typing.get_args(a.model_fields["type"].annotation)[0] for a in parts
                 if isinstance(a, type) and issubclass(a, BaseModel) and "type" in a.model_fields]
        if len(kinds) == len(parts) > 1:
            return "mapping (by `type`: " + ", ".join(f"`{k}`" for k in kinds) + ")"
        name = " or ".join(_type_name(a) for a in parts)
        return name + (" or null" if len(parts) < len(args) else "")
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"mapping of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return "mapping"
    if tp is SecretStr:
        return "secret string"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(tp, getattr(tp, "__name__", str(tp)))


def _constraints(f: FieldInfo) -> str:
    out = []
    for m in f.metadata:
        for attr, sym in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤"), ("min_length", "min length"),
                          ("max_length", "max length"), ("pattern", "pattern")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} `{v}`" if attr == "pattern" else f"{sym} {v}")
    return ", ".join(dict.fromkeys(out))


def _default(f: FieldInfo) -> str:
    if f.is_required():
        return "**required**"
    if f.default_factory is not None:
        value = f.default_factory()  # type: ignore[call-arg]
    elif f.default is PydanticUndefined:
        return ""
    else:
        value = f.default
    if isinstance(value, BaseModel):
        return "(see below)"
    return f"`{json.dumps(value)}`"


def _nested(tp: Any) -> list[type[BaseModel]]:
    """Models reachable from an annotation (through Optional, list, unions and Annotated)."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return [m for a in typing.get_args(tp) for m in _nested(a)]


def _section(title: str, model: type[BaseModel], out: list[str], seen: set[tuple[str, type]]) -> None:
    if (title, model) in seen:
        return
    seen.add((title, model))
    comments = _field_comments(model)
    doc = inspect.cleandoc(model.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    out += [f"#### `{title}`", "", doc, "", "| key | type | default | description |", "| --- | --- | --- | --- |"]
    children: list[tuple[str, type[BaseModel]]] = []
    for name, f in model.model_fields.items():
        typ = _type_name(f.annotation)
        cons = _constraints(f)
        desc = (f.description or comments.get(name, "")).replace("|", "\\|")
        cons = cons.replace("|", "\\|")
        out.append(f"| `{name}` | {typ}{' (' + cons + ')' if cons else ''} | {_default(f)} | {desc} |")
        for m in _nested(f.annotation):
            sub = f"{title}.{name}" + ("[]" if typing.get_origin(_strip(f.annotation)) is list else "")
            if m in config.DATASOURCE_TYPES.values():
                kind = m.model_fields["type"].annotation
                sub += f" (type: {typing.get_args(kind)[0]})"
            children.append((sub, m))
    out.append("")
    for sub, m in children:
        _section(sub, m, out, seen)


def _strip(tp: Any) -> Any:
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    return tp


def render_reference() -> str:
    """The whole of docs/REFERENCE.md."""
    out = ["# Job file reference", "",
           "Every key of a job file, generated from the pydantic models in `scanner/config.py` by "
           "`python -m scanner.docs`; do not edit by hand (`make test` fails when this file is stale). Unknown keys "
           "are errors, and every error names the key's YAML path and line. `${VAR}` and `${VAR:-default}` in any "
           "string are read from the environment; `$$` is a `$`. The README shows a whole job file.", ""]
    _section("job", config.JobConfig, out, set())
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Rewrite docs/REFERENCE.md, or with ``--check`` report whether it is stale (``--out PATH``: another file)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[args.index("--out") + 1]) if "--out" in args else REFERENCE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = render_reference()
    if "--check" in args:
        if text != block:
            print(f"{path}: the job-file reference is stale; run `python -m scanner.docs`", file=sys.stderr)
            return 1
        return 0
    if block != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block, encoding="utf-8")
        print(f"{path}: job-file reference regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
