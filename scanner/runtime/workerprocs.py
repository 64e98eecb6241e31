"""How worker processes start: as forks of a fork server that imported what a worker needs, once per run.

With ``spawn`` every worker was a fresh interpreter that imported the command line, the job models, connectors,
the extractor and the classifier's libraries, and filled the classifier's caches (phone metadata, the public suffix
list, the built-in templates) again: most of what a tiny job cost. The fork server (multiprocessing's
``forkserver`` start method) is one fresh, single-threaded interpreter that does that work once
(:mod:`scanner.runtime.preload`), started by :func:`prestart` as soon as the job file is read, so it runs on
another CPU while the command checks the job and opens the store; each worker is then a fork of it. Unlike
``fork`` from the command itself, no thread, lock or store connection of the command is copied into a worker.

A forked worker has the fork server's environment, which is the command's as it was when the server started: the
orchestrator hands each worker the command's current environment (:func:`scanner.runtime.worker.worker_main`), so
a worker sees what a spawned one would have seen.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from collections.abc import Iterable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from scanner.config import ClassificationConfig, JobConfig

log = logging.getLogger(__name__)

START_METHOD: Final = "forkserver"
# "__main__" is multiprocessing's own default (the command's main script, which each worker would import anyway).
# "scanner.cli" too: the forks import the main script again (``datascan``, which imports scanner.cli), and
# Python 3.11's fork server does not import "__main__" itself (it looks for a preparation key spawn never sets).
_PRELOAD = ["__main__", "scanner.cli", "scanner.runtime.preload"]


_connectors: list[str] = []  # connector modules the fork server preloads too (see prestart)


def context() -> ForkServerContext:
    """The multiprocessing context worker processes are started with (its fork server, started by whichever
    process comes first, preloads what workers need)."""
    ctx = mp.get_context(START_METHOD)
    ctx.set_forkserver_preload([*_PRELOAD, *_connectors])  # no effect once the server runs
    return ctx


def prestart(kinds: Iterable[str] = ()) -> None:
    """Start the fork server now, preloading the connectors of the datasource types ``kinds`` too, so the workers
    started later are forked from a warm interpreter. Does nothing if the server already runs (its preloaded
    modules are then those of its first job: a worker imports what else it needs)."""
    from multiprocessing import forkserver

    from scanner.connectors.registry import BUILTIN

    _connectors.extend(m for k in dict.fromkeys(kinds) if k in BUILTIN and (m := BUILTIN[k][0]) not in _connectors)
    context()
    forkserver.ensure_running()


def datasource_kinds(job: JobConfig) -> list[str]:
    """The datasource types of a parsed job."""
    return [ds.type for ds in job.datasources]


def job_file_kinds(path: str) -> list[str]:
    """The datasource types a job file names, read without validating it (the job models take a fifth of a second
    to build): only which connectors to preload depends on it, and a file it cannot read gives none."""
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
        return [str(ds["type"]) for ds in data["datasources"] if isinstance(ds, dict) and "type" in ds]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError):
        return []


def run_worker(*args: Any) -> None:
    """A worker process's entry point: :func:`scanner.runtime.worker.worker_main`, named here so that the command,
    which only starts workers, does not import the worker's modules (the extractor, connectors ...)."""
    from scanner.runtime.worker import worker_main

    worker_main(*args)


def build_classifier(cfg: ClassificationConfig, store_raw: bool) -> None:
    """Build the job's classifier as a worker will, raising its :class:`ClassificationError`: in a fork of the fork
    server, whose caches (templates, phone metadata, public suffixes) make that a matter of milliseconds, instead
    of in this process, which would import and fill them all for one check. Built here after all if the fork server
    cannot run it (the same error is raised either way)."""
    ctx = context()
    try:
        got, give = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_build_in_fork, args=(cfg, store_raw, give), name="datascan-check", daemon=True)
        proc.start()
        give.close()
        try:
            outcome = got.recv()
        finally:
            got.close()
            proc.join()
    except (OSError, EOFError) as exc:  # the fork server or its child died: nothing was checked
        log.debug("classifier check in the fork server failed (%s): building it here", exc.__class__.__name__)
        outcome = None
    if outcome is not None and outcome[0] == "ok":
        return
    if outcome is not None and outcome[0] == "error":
        from scanner.exceptions import ClassificationError

        raise ClassificationError(outcome[1], outcome[2])
    _build_here(cfg, store_raw)  # any other failure: raised here as it is, with its own traceback


_CHECK_KEY = b"datascan check"  # any non-empty key builds the classifier; no value is hashed while checking


def _build_here(cfg: ClassificationConfig, store_raw: bool) -> None:
    from scanner.classify.engine import Classifier

    Classifier(cfg, _CHECK_KEY, store_raw=store_raw)


def _build_in_fork(cfg: ClassificationConfig, store_raw: bool, out: Connection) -> None:
    from scanner.exceptions import ClassificationError

    try:
        _build_here(cfg, store_raw)
    except ClassificationError as exc:
        out.send(("error", str(exc), exc.where))
    except Exception as exc:  # noqa: BLE001 - reported by building again in the command, traceback and all
        out.send(("other", exc.__class__.__name__))
    else:
        out.send(("ok",))
    out.close()


__all__ = ["START_METHOD", "build_classifier", "context", "prestart", "run_worker"]
