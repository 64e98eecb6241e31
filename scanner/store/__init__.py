"""The results store: SQLAlchemy async ORM tables, migrations and the :class:`DatabaseInterface`."""

from scanner.store.interface import DatabaseInterface, JobInfo, Progress, Summary, normalise_url, redact_url

__all__ = ["DatabaseInterface", "JobInfo", "Progress", "Summary", "normalise_url", "redact_url"]
