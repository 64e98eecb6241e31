"""The job file: pydantic models, YAML loading with line numbers, and ``${VAR}`` interpolation.

The job file is parsed once, in the CLI, and the parsed models are passed down. Nothing here reads
``os.environ`` itself: the caller hands in the environment mapping, so the rest of the code never does.
Every problem is reported with its YAML path and line, e.g. ``datasources[1].path: field required (line 7)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from scanner.exceptions import ConfigError

_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilesystemSource(_Strict):
    """A local (or locally mounted) folder."""

    id: str = Field(pattern=_ID_PATTERN)
    type: Literal["filesystem"]
    path: str
    include: list[str] = Field(default_factory=lambda: ["**/*"])
    exclude: list[str] = Field(default_factory=list)
    follow_symlinks: bool = False
    max_file_mb: float = Field(default=100, gt=0)


# The union grows as the SMB and SQL issues add their source types; ``type`` is the discriminator.
DatasourceConfig = Annotated[FilesystemSource, Field(discriminator="type")]
DATASOURCE_TYPES: dict[str, type[BaseModel]] = {"filesystem": FilesystemSource}


class CustomRecognizerConfig(_Strict):
    """A regex recognizer declared in the job file."""

    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    regex: str
    score: float = Field(default=0.6, ge=0, le=1)
    context: list[str] = Field(default_factory=list)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return v


class ClassificationConfig(_Strict):
    """What to look for."""

    template: str = "pii"
    # None: every entity of the template. A list may also name Presidio's noisy predefined entities
    # (US_DRIVER_LICENSE, DATE_TIME, ...) that no built-in template enables by default.
    entities: list[str] | None = None
    min_score: float = Field(default=0.5, ge=0, le=1)
    custom: list[CustomRecognizerConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_custom(self) -> ClassificationConfig:
        names = [c.name for c in self.custom]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"custom recognizer names must be unique: {', '.join(dupes)}")
        return self


class ExtractionConfig(_Strict):
    """Limits on what is read from one object (the seed's ContentExtractionConfig)."""

    max_file_mb: float = Field(default=100, gt=0)
    max_archive_depth: int = Field(default=3, ge=0)
    max_total_uncompressed_mb: float = Field(default=1024, gt=0)
    max_text_chars: int = Field(default=50_000_000, gt=0)
    timeout_s: float = Field(default=60, gt=0)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExtractionConfig:
        return cls.model_validate(dict(d))


class RuntimeConfig(_Strict):
    """How tasks are cut and retried."""

    max_attempts: int = Field(default=3, ge=1, le=100)
    lease_seconds: float = Field(default=120, ge=2)
    batch_mb: float = Field(default=32, gt=0)          # classification task size, by bytes ...
    batch_objects: int = Field(default=256, ge=1)      # ... or by object count, whichever comes first


class JobConfig(_Strict):
    """A whole job file."""

    name: str = Field(pattern=_ID_PATTERN)
    datasources: list[DatasourceConfig] = Field(min_length=1)
    classification: ClassificationConfig = Field(default_factory=ClassificationConfig)
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    store_raw: bool = False

    @model_validator(mode="after")
    def _unique_ids(self) -> JobConfig:
        ids = [d.id for d in self.datasources]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"datasource ids must be unique: {', '.join(dupes)}")
        return self

    def datasource(self, ds_id: str) -> DatasourceConfig:
        for d in self.datasources:
            if d.id == ds_id:
                return d
        raise KeyError(ds_id)


@dataclass(frozen=True)
class LoadedJob:
    """A parsed job with the text it came from (the text, never the interpolated secrets, goes in the store)."""

    config: JobConfig
    source_text: str
    source_path: str


# --------------------------------------------------------------------------------------------------------------
# YAML with positions

_Path = tuple[str | int, ...]


def _fmt_path(path: _Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _construct(node: yaml.Node, path: _Path, lines: dict[_Path, int], problems: list[str]) -> Any:
    """Turn a composed YAML node into Python data, recording the 1-based line of every path."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                problems.append(f"{_fmt_path(path)}: mapping keys must be strings (line {key_node.start_mark.line + 1})")
                continue
            if key in out:
                problems.append(f"{_fmt_path(path + (key,))}: duplicate key (line {key_node.start_mark.line + 1})")
            out[key] = _construct(value_node, path + (key,), lines, problems)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(v, path + (i,), lines, problems) for i, v in enumerate(node.value)]
    # Scalars: let the safe constructor resolve ints, bools, nulls ... exactly as yaml.safe_load would.
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _interpolate(
    data: Any, path: _Path, env: Mapping[str, str], lines: dict[_Path, int], problems: list[str], unset_paths: set[_Path]
) -> Any:
    """Replace ``${VAR}`` (and ``${VAR:-default}``) in every string; ``$$`` is a literal ``$``."""
    if isinstance(data, dict):
        return {k: _interpolate(v, path + (k,), env, lines, problems, unset_paths) for k, v in data.items()}
    if isinstance(data, list):
        return [_interpolate(v, path + (i,), env, lines, problems, unset_paths) for i, v in enumerate(data)]
    if not isinstance(data, str) or "$" not in data:
        return data

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        problems.append(f"{_fmt_path(path)}: environment variable {name} is not set (line {_line(lines, path)})")
        unset_paths.add(path)
        return ""

    return _VAR.sub(repl, data)


def _line(lines: dict[_Path, int], path: _Path) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _pydantic_problems(exc: ValidationError, data: Any, lines: dict[_Path, int], skip: set[_Path]) -> list[str]:
    problems = []
    for err in exc.errors(include_url=False):
        path: list[str | int] = []
        cursor = data
        for part in err["loc"]:
            # Discriminated unions insert the tag into the location: drop it when the data has no such key.
            if isinstance(part, str) and isinstance(cursor, dict) and part not in cursor and cursor.get("type") == part:
                continue
            path.append(part)
            if isinstance(cursor, dict) and isinstance(part, str):
                cursor = cursor.get(part)
            elif isinstance(cursor, list) and isinstance(part, int) and part < len(cursor):
                cursor = cursor[part]
            else:
                cursor = None
        msg = err["msg"]
        if err["type"] == "union_tag_invalid":
            tag = err.get("ctx", {}).get("tag")
            msg = f"unknown datasource type {tag!r} (expected one of: {', '.join(sorted(DATASOURCE_TYPES))})"
            path.append("type")
        elif err["type"] == "union_tag_not_found":
            msg = f"missing 'type' (one of: {', '.join(sorted(DATASOURCE_TYPES))})"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        msg = msg[:1].lower() + msg[1:]
        tpath = tuple(path)
        if tpath in skip:  # already reported as an unset variable; its empty value would only add noise
            continue
        problems.append(f"{_fmt_path(tpath)}: {msg} (line {_line(lines, tpath)})")
    return problems


def parse_job_text(text: str, env: Mapping[str, str], source: str = "<job>") -> JobConfig:
    """Parse and validate a job file's text. Raises :class:`ConfigError` listing every problem found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"{source}: not valid YAML: {getattr(exc, 'problem', exc)}{where}") from None
    if node is None:
        raise ConfigError(f"{source}: the job file is empty")
    lines: dict[_Path, int] = {}
    problems: list[str] = []
    data = _construct(node, (), lines, problems)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the job file must be a mapping (line 1)")
    unset: set[_Path] = set()
    data = _interpolate(data, (), env, lines, problems, unset)
    try:
        job = JobConfig.model_validate(data)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, data, lines, unset))
        job = None
    if problems or job is None:
        raise ConfigError(problems)
    return job


def load_job(path: str | Path, env: Mapping[str, str]) -> LoadedJob:
    """Read and validate a job file; relative datasource paths are resolved against the file's folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read job file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: job file is not UTF-8 text") from None
    job = parse_job_text(text, env, str(path))
    return LoadedJob(config=resolve_paths(job, p.parent), source_text=text, source_path=str(p.resolve()))


def resolve_paths(job: JobConfig, base: Path) -> JobConfig:
    """Make filesystem datasource paths absolute, relative to the job file's folder."""
    sources = []
    for ds in job.datasources:
        if isinstance(ds, FilesystemSource) and not Path(ds.path).is_absolute():
            ds = ds.model_copy(update={"path": str((base / ds.path).resolve())})
        sources.append(ds)
    return job.model_copy(update={"datasources": sources})


def secret_value(s: SecretStr | None) -> str | None:
    """The one place a secret is unwrapped (for a driver call); never log the result."""
    return None if s is None else s.get_secret_value()
