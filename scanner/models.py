"""Domain types shared by every layer: statuses, work packets, discovered objects, content and findings.

These are plain dataclasses (cheap to pickle across the worker queues); nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

# Entity prefix of a *hint*: a database column whose name suggests an entity its sampled values never held. Hints
# are stored beside findings (same table, same masking rules) but never counted or exported as findings.
HINT_PREFIX = "HINT:"


class JobStatus(str, enum.Enum):
    """Life cycle of a job."""

    RUNNING = "RUNNING"
    PAUSING = "PAUSING"          # pause asked: no new leases; becomes PAUSED when nothing is leased
    PAUSED = "PAUSED"
    CANCELLING = "CANCELLING"    # cancel asked: leased work is released, then CANCELLED
    CANCELLED = "CANCELLED"
    INTERRUPTED = "INTERRUPTED"  # the process running it stopped on a signal; `scan --resume` continues
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"            # the job could not run at all (e.g. a datasource refused our credentials)

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.FAILED)


class TaskType(str, enum.Enum):
    DISCOVERY = "DISCOVERY"
    CLASSIFICATION = "CLASSIFICATION"


class TaskStatus(str, enum.Enum):
    PENDING = "PENDING"
    LEASED = "LEASED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class ObjectStatus(str, enum.Enum):
    """State of one object within one job."""

    PENDING = "PENDING"      # discovered, waiting in a classification task
    DONE = "DONE"            # read and classified in this job
    UNCHANGED = "UNCHANGED"  # same size and mtime as in the previous complete run: findings carried over
    SKIPPED = "SKIPPED"      # not read on purpose (too large, unreadable, unsupported); ``reason`` says why
    PARTIAL = "PARTIAL"      # read, but only in part (a limit hit, an encrypted member ...); ``reason`` says why
    FAILED = "FAILED"        # its task failed max_attempts times


@dataclass(slots=True)
class DiscoveredObject:
    """One object found by a connector's enumeration. ``path`` is relative to the datasource root, '/'-separated."""

    path: str
    size: int
    mtime: float
    skip_reason: str | None = None  # set when the connector already knows it will not read it
    # A connector's own change marker beside size and mtime (an SMB file id, a table's rowversion): an object is
    # unchanged for incremental runs only when size, mtime and marker all match the previous run.
    marker: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DiscoveredObject:
        return cls(path=d["path"], size=int(d["size"]), mtime=float(d["mtime"]), skip_reason=d.get("skip_reason"),
                   marker=d.get("marker"))


@dataclass(slots=True)
class FolderListing:
    """A folder listed whole: ``folder`` is its datasource-relative path ("" for the root), ``subfolders`` the
    paths of the folders in it (both in the stored, escaped form of the objects' paths)."""

    folder: str
    subfolders: list[str] = field(default_factory=list)
    # A page of a big folder: only its objects with a stored path in [page_from, page_to) were listed (None: open
    # on that side); ``subfolders`` are complete only for the page that starts the folder (page_from None).
    page_from: str | None = None
    page_to: str | None = None


@dataclass(slots=True)
class TableInfo:
    """The column structure of a component that holds a table (a CSV/TSV file, one spreadsheet sheet), so that a
    column's header is context for every value below it, however far down, and columns get verdicts.

    ``headers[i]`` is the header text of column ``i`` (0-based; ``""`` where the column has none). ``name`` names
    the table in verdicts (the sheet name; ``""`` for a delimited file). The column of a value is found one of two
    ways:

    - cells as segments (sheets): ``segment_columns[k]`` is the column of ``ContentComponent.segments[k]``;
    - delimited text (CSV/TSV): each line of the component's text is one record split by ``delimiter`` with
      ``quotechar`` quoting (as :mod:`csv` reads it); ``header_line`` is the 1-based line of the header record in
      the whole file (the component's own ``start_line`` tells where its text starts).
    """

    headers: list[str]
    name: str = ""
    segment_columns: list[int] | None = None
    delimiter: str | None = None
    quotechar: str = '"'
    header_line: int = 1


@dataclass(slots=True)
class ContentComponent:
    """A piece of text extracted from an object.

    ``location`` locates the piece inside the object (``""`` for a whole plain-text file, ``page=3``, ``sheet!B7``);
    ``member`` is the path inside an archive (``inner/file.txt``) or ``None``.

    Long text is cut into consecutive components that overlap: only detections starting in
    ``[keep_from, keep_to)`` belong to this component (``keep_to`` ``None``: to the end), so a value straddling a
    cut is reported once, by the component that holds it whole. ``start_line``/``start_col`` are the 1-based line
    and column of ``text[0]`` in the whole text the component was cut from. ``segments`` (sorted start offsets
    with their own location, e.g. one per spreadsheet cell ``Sheet1!B7``) replace line/column locations. ``table``
    is set when the text is a table (see :class:`TableInfo`).
    """

    text: str
    location: str = ""
    member: str | None = None
    keep_from: int = 0
    keep_to: int | None = None
    start_line: int = 1
    start_col: int = 1
    segments: list[tuple[int, str]] | None = None
    table: TableInfo | None = None


@dataclass(slots=True)
class WorkPacket:
    """What a worker receives for one leased task. ``fence`` is the lease's token: results carry it back."""

    task_id: int
    job_id: int
    task_type: TaskType
    datasource_id: str
    fence: int
    objects: list[DiscoveredObject] = field(default_factory=list)
    # DISCOVERY only: what to list. ``folder`` None: the datasource from its root (tables: the whole catalogue).
    # Otherwise that folder's subtree, or (``page_from``/``page_to`` set) only the folder's objects whose stored
    # path is in [page_from, page_to) (None: open on that side): one page of a big folder, subfolders not walked.
    folder: str | None = None
    page_from: str | None = None
    page_to: str | None = None


@dataclass(slots=True)
class Finding:
    """One detected value, without the raw value unless the job stores raw values.

    ``object_path`` is datasource-relative; ``member`` the path inside an archive ("" for the object itself),
    exported together as ``outer.zip!/inner/file.txt``. ``location`` is ``line=L,col=C`` (1-based), prefixed by
    the component's own location when it has one (``page=3;line=2,col=5``).
    """

    datasource_id: str
    object_path: str
    member: str
    location: str
    entity: str
    score: float
    masked: str
    value_hash: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ObjectResult:
    """Outcome of classifying one object, sent from a worker to the writer."""

    path: str
    size: int
    mtime: float
    findings: list[Finding]
    content_hash: str | None = None
    skip_reason: str | None = None      # nothing could be read or extracted: the object is SKIPPED
    bytes_read: int = 0
    partial_reason: str | None = None   # some of it was classified, some not (a limit, an encrypted member): PARTIAL
    failed_reason: str | None = None    # its extraction aborted on every one of ``attempts`` tries: FAILED
    attempts: int = 1                   # how many times it was read and extracted in this task
    # Who can read it (scanner.exposure.Exposure), read for objects with findings only; None: not read.
    exposure: Any = None
