"""What ``datascan validate`` checks, and ``scan`` and ``submit`` check before they start anything.

A job that passes here starts: besides the job file's own schema (:mod:`scanner.config`), the classifier is
built exactly as each worker builds it (templates found, entities known, ``min_scores`` naming enabled entities,
custom recognizers compiled), and every local folder exists. Each problem names its YAML path and line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scanner.config import ClassificationConfig, FilesystemSource, LoadedJob, job_lines, problem_at
from scanner.exceptions import ClassificationError, ConfigError

# Any non-empty key builds the classifier; no value is hashed while checking.
_CHECK_KEY = b"datascan validate"


def build_classifier(cfg: ClassificationConfig, store_raw: bool) -> None:
    """Build the classifier of ``cfg`` in this process, raising its :class:`ClassificationError`."""
    from scanner.classify.engine import Classifier

    Classifier(cfg, _CHECK_KEY, store_raw=store_raw)


def check_job(loaded: LoadedJob, build: Callable[[ClassificationConfig, bool], None] = build_classifier) -> None:
    """Raise :class:`ConfigError` listing every problem that would stop the job once started.

    ``build`` builds the classifier (``scan`` has a fork of its warm worker fork server do it: the same build,
    without importing the classifier's libraries into the command)."""
    lines = job_lines(loaded.source_text)
    problems = []
    for i, ds in enumerate(loaded.config.datasources):
        if isinstance(ds, FilesystemSource) and not Path(ds.path).is_dir():
            problems.append(problem_at(("datasources", i, "path"), f"{ds.path} is not a folder", lines))
    try:
        build(loaded.config.classification, loaded.config.store_raw)
    except ClassificationError as exc:
        place = exc.where or ("classification",)
        # A template file's own problems come one per line: each keeps the job-file place that names the file.
        problems.extend(problem_at(place, msg, lines) for msg in str(exc).splitlines())
    if problems:
        raise ConfigError(problems)
