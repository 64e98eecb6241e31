"""What a report needs to know about a job's datasources, read back from the stored job file.

The stored text is the file as written, ``${VAR}`` unexpanded: it is parsed as plain YAML here (never interpolated,
so no secret is ever read), which is enough for each datasource's type and root.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import yaml

from scanner.store import JobInfo


@dataclass(frozen=True)
class SourceInfo:
    """A datasource's id, type and, when it is a folder or share, the file URI of its root (ending in ``/``)."""

    id: str
    type: str
    root_uri: str | None


def job_sources(job: JobInfo) -> dict[str, SourceInfo]:
    """Datasources of a stored job by id; unknown or unparsable entries are left out (callers fall back)."""
    try:
        data = yaml.safe_load(job.source_text)
    except yaml.YAMLError:
        return {}
    out: dict[str, SourceInfo] = {}
    if not isinstance(data, dict) or not isinstance(data.get("datasources"), list):
        return out
    base = Path(job.source_path).parent if job.source_path else None
    for d in data["datasources"]:
        if not isinstance(d, dict) or not isinstance(d.get("id"), str):
            continue
        kind = str(d.get("type", ""))
        out[d["id"]] = SourceInfo(d["id"], kind, _root_uri(kind, d, base))
    return out


def _root_uri(kind: str, d: dict[str, object], base: Path | None) -> str | None:
    if kind == "filesystem" and isinstance(d.get("path"), str) and "${" not in str(d["path"]):
        p = Path(str(d["path"]))
        if not p.is_absolute():
            if base is None:
                return None
            p = (base / p).resolve()
        return p.as_uri().rstrip("/") + "/"
    if kind == "smb" and all(isinstance(d.get(k), str) and "${" not in str(d[k]) for k in ("host", "share")):
        start = PurePosixPath("/") / str(d.get("path") or "/").strip("/")
        path = f"/{d['share']}{start}".rstrip("/") + "/"
        return f"file://{quote(str(d['host']))}{quote(path)}"
    return None
