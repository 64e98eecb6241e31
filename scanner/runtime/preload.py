"""What the worker processes' fork server (:mod:`scanner.runtime.workerprocs`) imports before it forks a worker:
the worker itself and what nearly every worker needs, with the caches that building a classifier fills (phone
number metadata, the public suffix list, compiled patterns, the built-in templates), so that every worker starts
with them instead of making them again."""

from __future__ import annotations

import atexit
import gc

from scanner.classify import engine
from scanner.config import ClassificationConfig
from scanner.runtime import worker  # noqa: F401  - imported for the forks


def _warm() -> None:
    try:
        engine.Classifier(ClassificationConfig(), b"fork server warm-up: hashes no value")
    except Exception:  # noqa: BLE001,S110 - only a warm-up: each worker builds its own classifier and reports what fails
        pass


_warm()
# The fork server ends when the command does: skip the exit's collection over every preloaded object (the command
# may be waiting for it, through a shared stdout or stderr).
atexit.register(gc.freeze)
