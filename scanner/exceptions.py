"""Every error datascan raises on purpose derives from :class:`DatascanError`.

Hierarchy::

    DatascanError
    ├── ConfigError            bad job file or option (exit code 2); carries every problem found
    ├── StoreError             the results store cannot be opened, upgraded or written
    │   └── SchemaVersionError the store was written by a newer datascan than this one
    ├── ConnectorError         a datasource failed; connectors wrap their drivers' errors in these
    │   ├── AuthenticationError  credentials refused / share or database missing (fails the job, exit 2)
    │   └── ObjectReadError      one object could not be read (that object is skipped, the scan goes on)
    ├── ExtractionError        one object's content could not be turned into text (skipped with the reason)
    │   └── ExtractionAborted    the extraction process died, overran its time or its memory (retried, then FAILED)
    └── ClassificationError    the classifier could not be built from the template / job
"""

from __future__ import annotations


class DatascanError(Exception):
    """Base class of every error datascan raises deliberately."""


class ConfigError(DatascanError):
    """A job file or command-line option is invalid; ``problems`` lists every message (YAML path first)."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class StoreError(DatascanError):
    """The results store failed."""


class SchemaVersionError(StoreError):
    """The store's schema is newer than this datascan understands."""


class ConnectorError(DatascanError):
    """A datasource connector failed."""


class AuthenticationError(ConnectorError):
    """The datasource refused our credentials or does not exist; retrying will not help."""


class ObjectReadError(ConnectorError):
    """One object could not be read; the scan skips it and goes on."""


class ExtractionError(DatascanError):
    """One object's content could not be extracted; the scan skips it and goes on."""


class ExtractionAborted(ExtractionError):
    """The extraction subprocess was killed, crashed, overran ``timeout_s`` or exhausted ``max_memory_mb`` before
    giving any text. It may be the machine (memory pressure, a loaded CPU), not the object: the worker tries again
    with a fresh subprocess, up to ``runtime.max_attempts`` times, then records the object FAILED with the reason."""


class ClassificationError(DatascanError):
    """The classifier could not be built (bad template, bad custom recognizer).

    ``where`` is the job-file path of the option at fault when known (``("classification", "entities", 2)``), so
    ``datascan validate`` can name its line.
    """

    def __init__(self, message: str, where: tuple[str | int, ...] = ()):
        self.where = where
        super().__init__(message)
