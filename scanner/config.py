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


_INCLUDE_HELP = ("globs over paths relative to `path`: `*.csv` matches top-level files only, `**/*.csv` those of "
                 "every folder; a datasource that yields no object makes the run partial (exit 4)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class FilesystemSource(_Strict):
    """A local (or locally mounted) folder."""

    # The datasource's id in reports and exports (a name: 1 to 64 letters, digits, '_', '.' or '-', starting with a
    # letter or digit).
    id: str = Field(pattern=_ID_PATTERN)
    # `filesystem`: a local or mounted folder.
    type: Literal["filesystem"]
    path: str                            # a folder; relative to the job file's folder, ~ expanded
    include: list[str] = Field(default_factory=lambda: ["**/*"], description=_INCLUDE_HELP)
    # Globs over paths relative to `path` that are not scanned (`**/*.iso`, `**/node_modules/**`).
    exclude: list[str] = Field(default_factory=list)
    follow_symlinks: bool = Field(default=False, description="follow symbolic links (false: list them as skipped)")
    allow_outside_root: bool = Field(default=False, description="with follow_symlinks: also follow links whose "
                                     "target is outside path (false: list them as skipped)")
    # Bigger files are listed as skipped with the reason, never read.
    max_file_mb: float = Field(default=100, gt=0)

    @model_validator(mode="after")
    def _outside_needs_follow(self) -> FilesystemSource:
        if self.allow_outside_root and not self.follow_symlinks:
            raise ValueError("allow_outside_root: true needs follow_symlinks: true")
        return self


class SmbSource(_Strict):
    """An SMB2/3 file share (read only: no write access is ever requested)."""

    # The datasource's id in reports and exports (a name: 1 to 64 letters, digits, '_', '.' or '-', starting with a
    # letter or digit).
    id: str = Field(pattern=_ID_PATTERN)
    # `smb`: an SMB2/3 share, reached without mounting it.
    type: Literal["smb"]
    # The file server's host name or address.
    host: str = Field(min_length=1)
    # The server's SMB port.
    port: int = Field(default=445, ge=1, le=65535)
    # The share's name, without slashes (`finance`, not `\\server\finance`).
    share: str = Field(min_length=1, pattern=r"^[^\\/]+$")
    path: str = "/"                      # start folder inside the share, '/'-separated
    # The account that reads the share (read access is enough; nothing is ever written).
    username: str = Field(min_length=1)
    # Its password; write `${SMB_PASSWORD}` to read it from the environment.
    password: SecretStr
    # The account's domain (NetBIOS or DNS name); none for a local account of the server.
    domain: str | None = None
    encrypt: bool | None = None          # None: negotiate with the server; true: refuse an unencrypted session
    # Unsigned sessions are refused unless this is true (then the server decides; a guest logon is never signed).
    allow_unsigned: bool = False
    include: list[str] = Field(default_factory=lambda: ["**/*"], description=_INCLUDE_HELP)
    # Globs over paths relative to `path` that are not scanned.
    exclude: list[str] = Field(default_factory=list)
    # Bigger files are listed as skipped with the reason, never read.
    max_file_mb: float = Field(default=100, gt=0)
    max_sessions: int = Field(default=4, ge=1, le=256)   # per server, across every worker


class SqlTlsConfig(_Strict):
    """TLS for a SQL datasource, passed to the driver (asyncpg ``ssl``, aiomysql ``ssl``, ODBC ``Encrypt``).

    Without a mode (and without ``tls`` at all) the default holds: verified TLS, or plain text that carries no
    readable password (README, Security). ``disable`` and ``prefer`` allow plain text and any password exchange
    the server asks for; ``require`` encrypts without checking the certificate.
    """

    # disable | prefer | require | verify-ca | verify-full (PostgreSQL's names; MySQL and ODBC map them);
    # none: the default (verified TLS, or plain text without a readable password)
    mode: Literal["disable", "prefer", "require", "verify-ca", "verify-full"] | None = None
    # CA certificates (PEM) the server's certificate must chain to (default: the system's).
    ca_file: str | None = None
    # A client certificate (PEM), for servers that ask for one.
    cert_file: str | None = None
    # The client certificate's private key (PEM).
    key_file: str | None = None
    # SQL Server (ODBC): Encrypt=yes|no|strict and TrustServerCertificate=yes|no; None: Encrypt=yes when the URL
    # holds a password (FreeTDS: Encryption=require), else the driver's default.
    encrypt: Literal["yes", "no", "strict"] | None = None
    # SQL Server (ODBC): TrustServerCertificate=yes|no; none: the driver's default.
    trust_server_certificate: bool | None = None


# The SQLAlchemy URL schemes a ``type: sql`` datasource accepts. ``postgresql+aioodbc`` and ``sqlite+aioodbc``
# are not SQLAlchemy dialects: they read through aioodbc and an ODBC driver, like ``mssql+aioodbc`` does.
SQL_URL_SCHEMES = ("mssql+aioodbc", "postgresql+asyncpg", "postgresql+aioodbc", "mysql+aiomysql",
                   "mysql+asyncmy", "mariadb+aiomysql", "mariadb+asyncmy", "sqlite+aiosqlite", "sqlite+aioodbc")


class SqlSource(_Strict):
    """A SQL database, read only: sampled rows of every selected table, classified column by column."""

    # The datasource's id in reports and exports (a name: 1 to 64 letters, digits, '_', '.' or '-', starting with a
    # letter or digit).
    id: str = Field(pattern=_ID_PATTERN)
    # `sql`: a database, read only.
    type: Literal["sql"]
    url: SecretStr                       # the URL may hold a password (``${DB_PASSWORD}``): never shown unredacted
    schemas: list[str] = Field(default_factory=lambda: ["*"])          # globs on the schema name
    # Globs on the schema name that are not scanned.
    exclude_schemas: list[str] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=lambda: ["*"])           # globs on ``table`` or ``schema.table``
    # Globs on `table` or `schema.table` that are not scanned.
    exclude_tables: list[str] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=lambda: ["*"])          # globs on ``column`` or ``schema.table.column``
    # Globs on `column` or `schema.table.column` that are not read.
    exclude_columns: list[str] = Field(default_factory=list)
    sample_rows: int = Field(default=1000, ge=0)                       # per table; 0 = every row
    # `top`: the first `sample_rows` rows the database returns; `random`: a random sample (slower).
    sampling: Literal["top", "random"] = "top"
    query_timeout_s: float = Field(default=60, gt=0)                   # per table read
    # Seconds to wait for the database to accept a connection.
    connect_timeout_s: float = Field(default=15, gt=0)
    max_concurrent_queries: int = Field(default=2, ge=1, le=64)        # per worker process
    max_active_queries: int = Field(default=4, ge=1, le=1024)          # at once, all workers and hosts together
    # Also scan views (false: tables only).
    include_views: bool = False
    # Also read binary columns (false: they are left out).
    include_binary: bool = False
    max_value_chars: int = Field(default=1024, ge=16, le=1_000_000)    # longer values are cut (bounds memory)
    # TLS to the database server (see below); none: verified TLS, or plain text without a readable password.
    tls: SqlTlsConfig | None = None

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, v: SecretStr) -> SecretStr:
        from sqlalchemy.exc import ArgumentError

        from scanner.dburl import parse_url

        try:
            url = parse_url(v.get_secret_value())
        except (ArgumentError, ValueError):
            # The message never repeats the URL: it may hold a password.
            raise ValueError("not a valid database URL (expected e.g. postgresql+asyncpg://user@host/db)") from None
        if url.drivername not in SQL_URL_SCHEMES:
            raise ValueError(f"unsupported database URL scheme {url.drivername!r} "
                             f"(expected one of: {', '.join(SQL_URL_SCHEMES)})")
        if url.drivername.endswith("+aioodbc") and "driver" not in url.query and "odbc_connect" not in url.query:
            raise ValueError("an aioodbc URL needs ?driver=NAME (the ODBC driver, e.g. ODBC+Driver+18+for+SQL+Server)")
        return v


# The union grows as the SMB and SQL issues add their source types; ``type`` is the discriminator.
DatasourceConfig = Annotated[FilesystemSource | SmbSource | SqlSource, Field(discriminator="type")]
DATASOURCE_TYPES: dict[str, type[BaseModel]] = {"filesystem": FilesystemSource, "smb": SmbSource, "sql": SqlSource}


class CustomRecognizerConfig(_Strict):
    """A regex recognizer declared in the job file."""

    # The entity it reports: upper case, digits and '_' (EMPLOYEE_ID).
    name: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")
    # The pattern (Python `regex` syntax); a match is one finding.
    regex: str
    # The score of a match, before context words raise it.
    score: float = Field(default=0.6, ge=0, le=1)
    # Words that, near a match, raise its score.
    context: list[str] = Field(default_factory=list)
    # Literal strings one of which every match contains (case-sensitive, as the regex is): lets the prefilter
    # skip text without them. Without anchors the recognizer runs on whole chunks. A match must lie on its
    # anchor's line, or within anchor_reach characters of it.
    anchors: list[str] = Field(default_factory=list)
    # How many characters from its anchor a match may lie beyond the anchor's line; none: on its line only.
    anchor_reach: int | None = Field(default=None, ge=1, le=65536)

    @field_validator("anchors")
    @classmethod
    def _anchors_not_empty(cls, v: list[str]) -> list[str]:
        if any(not a for a in v):
            raise ValueError("anchors must not be empty strings")
        return v

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        # Presidio's dialect is the ``regex`` module's. A pattern RE2 also accepts runs in linear time; any
        # other runs with a per-chunk time limit (scanner.classify.guard), so no pattern can stall a worker.
        import regex as regex_module

        try:
            regex_module.compile(v)
        except regex_module.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return v


_ENTITY = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
_TERM = Annotated[str, Field(min_length=1, max_length=1000)]


class DictionaryRecognizerConfig(_Strict):
    """A list of literal terms reported as one entity (case-insensitive unless told)."""

    # The entity its terms are reported as: upper case, digits and '_'.
    name: _ENTITY
    # The literal terms to find.
    terms: list[_TERM] = Field(min_length=1)
    # The score of a match, before context words raise it.
    score: float = Field(default=0.8, ge=0, le=1)
    # Words that, near a match, raise its score.
    context: list[str] = Field(default_factory=list)
    # Match the terms whatever their case.
    ignore_case: bool = True


# Regions whose national phone numbers are recognised when a job does not say (the pii and phi templates' own
# list); numbers of any other country are still found when written with "+" or an international prefix.
DEFAULT_PHONE_REGIONS = ("US", "GB", "CA")


class NlpConfig(_Strict):
    """Optional NER: an installed spaCy pipeline (package name or folder) for PERSON, LOCATION, ORGANIZATION."""

    # An installed spaCy pipeline: its package name (en_core_web_sm) or a folder with its config.cfg.
    model: str = Field(min_length=1)
    # Which NER entities to report.
    entities: list[Literal["PERSON", "LOCATION", "ORGANIZATION"]] = Field(
        default=["PERSON", "LOCATION", "ORGANIZATION"], min_length=1)
    # Texts handed to spaCy at once.
    batch_size: int = Field(default=32, ge=1, le=4096)

    @field_validator("model")
    @classmethod
    def _installed(cls, v: str) -> str:
        # Checked without importing spaCy and never downloaded: a worker must not fetch models at run time.
        import importlib.util

        path = Path(v)
        if (path / "config.cfg").is_file():
            return v
        if v.replace("_", "").replace("-", "").isalnum() and importlib.util.find_spec(v.replace("-", "_")):
            return v
        raise ValueError(f"spaCy model {v!r} is not installed (no such package, and not a folder holding a saved "
                         f"pipeline's config.cfg); install it with pip first: datascan never downloads models")


class ClassificationConfig(_Strict):
    """What to look for."""

    # A built-in template's name or a template file's path, or a list of them whose rules run together.
    template: str | list[Annotated[str, Field(min_length=1)]] = "pii"
    # None: every entity of the template. A list may also name Presidio's noisy predefined entities
    # (US_DRIVER_LICENSE, DATE_TIME, ...) that no built-in template enables by default.
    entities: list[str] | None = None
    # Findings scored below this are not reported.
    min_score: float = Field(default=0.5, ge=0, le=1)
    # Per entity, replacing min_score for that entity: {PHONE_NUMBER: 0.6}.
    min_scores: dict[_ENTITY, Annotated[float, Field(ge=0, le=1)]] = Field(default_factory=dict)
    # Regex recognizers of your own (see below).
    custom: list[CustomRecognizerConfig] = Field(default_factory=list)
    # Lists of literal terms, each list reported as one entity (see below).
    dictionaries: list[DictionaryRecognizerConfig] = Field(default_factory=list)
    # Terms always reported (score 1.0) as the entity they are listed under: {PROJECT: [Falcon, Osprey]}.
    deny: dict[_ENTITY, list[_TERM]] = Field(default_factory=dict)
    # Values never reported, whatever entity matched them (compared as the value hash normalises them).
    allow: list[_TERM] = Field(default_factory=list)
    # Regions of national phone numbers; None: the template's own list (DEFAULT_PHONE_REGIONS in the built-in
    # templates, and for PHONE_NUMBER named in entities when the template has no phone rule).
    phone_regions: list[str] | None = Field(default=None, min_length=1)
    # Time limit per analysed text for a custom regex that RE2 cannot run (see scanner.classify.guard).
    regex_timeout_s: float = Field(default=1.0, gt=0, le=60)
    # Named-entity recognition with an installed spaCy model (see below); none: no NER.
    nlp: NlpConfig | None = None

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        import phonenumbers

        bad = [r for r in v if r not in phonenumbers.SUPPORTED_REGIONS]
        if bad:
            raise ValueError(f"unknown phone region{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} "
                             f"(two-letter ISO 3166 codes in upper case, e.g. US, GB, DE)")
        return list(dict.fromkeys(v))

    @field_validator("template")
    @classmethod
    def _template_list(cls, v: str | list[str]) -> str | list[str]:
        if isinstance(v, list):
            if not v:
                raise ValueError("the list of templates is empty")
            return list(dict.fromkeys(v))
        return v

    @property
    def templates(self) -> list[str]:
        """The template names or paths, as a list."""
        return [self.template] if isinstance(self.template, str) else list(self.template)

    @model_validator(mode="after")
    def _unique_custom(self) -> ClassificationConfig:
        names = [c.name for c in self.custom] + [d.name for d in self.dictionaries]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"custom and dictionary recognizer names must be unique: {', '.join(dupes)}")
        return self


class ExtractionConfig(_Strict):
    """Limits and features of content extraction for one object (the seed's ContentExtractionConfig).

    Every limit is per discovered object (an archive and everything inside it count as one object). The defaults
    are what a careful user would pick for an unknown file share: big enough for real documents, small enough
    that a hostile file costs at most a few seconds and a bounded amount of memory.
    """

    max_file_mb: float = Field(default=100, gt=0)                 # bytes read from the source per object
    max_archive_depth: int = Field(default=3, ge=0, le=32)        # archives inside archives (0: do not open any)
    max_total_uncompressed_mb: float = Field(default=1024, gt=0)  # bytes inflated from all members, all levels
    max_compression_ratio: float = Field(default=100, ge=2)       # per member, once it inflated more than 1 MB
    max_members: int = Field(default=10_000, ge=1)                # archive members and attachments, all levels
    max_text_chars: int = Field(default=50_000_000, ge=1000)      # characters classified per object
    timeout_s: float = Field(default=60, gt=0, le=86_400)         # wall time of parsing one object
    max_memory_mb: int = Field(default=1024, ge=64)               # memory the extraction process may add
    archives: bool = True                                         # open archives (else they are skipped)
    attachments: bool = True                                      # extract e-mail attachments
    # Where each worker's extraction process keeps its private temporary directory (default: the system's);
    # point it at a dedicated file system so untrusted files cannot fill the one the host needs.
    temp_dir: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExtractionConfig:
        """Validate a plain mapping (the ``extraction:`` section of a job file)."""
        return cls.model_validate(dict(d))


# The seed's name for the same model.
ContentExtractionConfig = ExtractionConfig


class RuntimeConfig(_Strict):
    """How tasks are cut and retried."""

    # Tries of a task (and of an object's extraction) before it is FAILED and reported.
    max_attempts: int = Field(default=3, ge=1, le=100)
    # How long a worker holds a task without a heartbeat before another may take it.
    lease_seconds: float = Field(default=120, ge=2)
    # Classification task size, by bytes or by object count, whichever comes first. Small enough that a job of a few
    # hundred files still gives every worker tasks (a task is seconds of work); big enough that the task table stays
    # small (10M files are about 160k tasks).
    batch_mb: float = Field(default=8, gt=0)
    # At most this many objects per classification task (see batch_mb).
    batch_objects: int = Field(default=64, ge=1)
    # Discovery is split so that several workers walk a big tree and a lost lease re-walks little: a discovery task
    # walks at most discovery_fanout folders and spawns a task for each folder left over; a folder of more than
    # discovery_page objects is listed in pages of that many, each its own task.
    discovery_page: int = Field(default=10_000, ge=2, description="objects per discovery task of a big folder")
    discovery_fanout: int = Field(default=64, ge=1, description=(
        "folders a discovery task walks before it hands the rest to new tasks"))


class JobConfig(_Strict):
    """A whole job file."""

    # The job's name (a name: 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit); runs of the
    # same name are compared with each other, and one runs at a time.
    name: str = Field(pattern=_ID_PATTERN)
    # What to scan: folders, SMB shares and databases (see each type below).
    datasources: list[DatasourceConfig] = Field(min_length=1)
    # What to look for (see below).
    classification: ClassificationConfig = Field(default_factory=ClassificationConfig)
    # Limits of content extraction per object (see below).
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    # How tasks are cut and retried (see below).
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)
    # Keep the raw values of findings in the store (false: masked values and keyed hashes only).
    store_raw: bool = False
    retention: int | None = Field(default=None, ge=1, description=(
        "runs of this job to keep: when a run completes, older ones are deleted as `datascan prune --keep N` "
        "does (null: keep every run)"))
    # Cross-host resource limits (redis://...; may hold a password, hence secret); None: this host's own slots.
    coordinator: SecretStr | None = None

    @field_validator("coordinator")
    @classmethod
    def _coordinator_scheme(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value().split("://", 1)[0].lower() not in ("redis", "rediss", "unix"):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return v

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
                line = key_node.start_mark.line + 1
                problems.append(f"{_fmt_path(path)}: mapping keys must be strings (line {line})")
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
    data: Any, path: _Path, env: Mapping[str, str], lines: dict[_Path, int], problems: list[str],
    unset_paths: set[_Path],
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
        elif err["type"] == "string_pattern_mismatch" and err.get("ctx", {}).get("pattern") == _ID_PATTERN:
            msg = (f"{err.get('input')!r} is not a valid name: use 1 to 64 letters, digits, '_', '.' or '-', "
                   "starting with a letter or digit (no spaces or '/')")
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


def _local_path(path: str, base: Path) -> str:
    """``~`` expanded, then made absolute relative to ``base`` (the job file's folder)."""
    p = Path(path).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


def is_template_path(name: str) -> bool:
    """True when a ``classification.template`` entry names a file (it has a folder or a YAML suffix), not a
    built-in template."""
    return "/" in name or name.startswith("~") or name.lower().endswith((".yaml", ".yml"))


def resolve_paths(job: JobConfig, base: Path) -> JobConfig:
    """Make filesystem datasource paths and template file paths absolute (``~`` expanded), relative to the job
    file's folder: a job means the same files wherever it is run from (cron starts in the home folder)."""
    sources = []
    for ds in job.datasources:
        if isinstance(ds, FilesystemSource):
            ds = ds.model_copy(update={"path": _local_path(ds.path, base)})
        sources.append(ds)
    cls = job.classification
    names = [_local_path(t, base) if is_template_path(t) else t for t in cls.templates]
    template: str | list[str] = names if isinstance(cls.template, list) else names[0]
    return job.model_copy(update={"datasources": sources,
                                  "classification": cls.model_copy(update={"template": template})})


def job_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of every YAML path of a job file's text (``{}`` when it is not valid YAML)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[_Path, int] = {}
    if node is not None:
        _construct(node, (), lines, [])
    return lines


def problem_at(path: tuple[str | int, ...], message: str, lines: Mapping[tuple[str | int, ...], int]) -> str:
    """A problem as every job-file error reads: ``classification.entities[0]: message (line 9)``."""
    return f"{_fmt_path(path)}: {message} (line {_line(dict(lines), path)})"


def secret_value(s: SecretStr | None) -> str | None:
    """The one place a secret is unwrapped (for a driver call); never log the result."""
    return None if s is None else s.get_secret_value()
