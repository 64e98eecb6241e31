"""The ``datascan`` command line. Commands parse options and the job file, call down, and map outcomes to exit codes.

Exit codes: 0 done; 1 runtime failure (or the job was cancelled); 2 bad usage or job file; 3 done with findings and
``--fail-on-findings``; 4 completed but some tasks or objects failed (partial results); 75 another run of the job
holds its run lock; 130 interrupted by SIGINT, 143 by SIGTERM (state kept: ``scan --resume ID`` continues).
"""

from __future__ import annotations

import atexit
import gc
import json
import logging
import os
import sys
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource
from rich.console import Group
from rich.text import Text

from scanner.exceptions import ConfigError, DatascanError
from scanner.logsetup import cap_library_logs
from scanner.models import JobStatus
from scanner.names import printable
from scanner.output import OutputGroup, aligned, reader_may_leave, stdout_console

if TYPE_CHECKING:
    from scanner.config import LoadedJob

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3
EXIT_PARTIAL = 4   # completed, but some tasks or objects failed max_attempts times: the results are partial
EXIT_LOCKED = 75   # EX_TEMPFAIL: another run of this job holds its run lock (cron: try again next time)
DEFAULT_DB = "datascan.db"
out = stdout_console()
err = stdout_console(stderr=True)


def _run(coro: Any) -> Any:
    import uvloop

    return uvloop.run(coro)


# The job models (pydantic) take a fifth of a second to build: imported when a command reads a job, so that `scan`
# has started its workers' fork server by then (:func:`_prestart_workers`).
def load_job(path: str | Path, env: Mapping[str, str]) -> LoadedJob:
    """:func:`scanner.config.load_job`."""
    from scanner.config import load_job as load

    return load(path, env)


async def _stored_job(db: str, job_id: int) -> LoadedJob:
    """The job file of stored job ``job_id`` (for ``--resume``), parsed with today's environment."""
    from scanner.config import LoadedJob, parse_job_text, resolve_paths
    from scanner.runtime.scan import job_source

    text, path = await job_source(db, job_id)
    cfg = parse_job_text(text, os.environ, path or f"job {job_id}")
    return LoadedJob(resolve_paths(cfg, Path(path).parent), text, path)


def _fail(exc: DatascanError) -> None:
    code = EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILURE
    for line in str(exc).splitlines():
        click.echo(f"error: {line}", err=True)  # never wrapped: people grep these
    sys.exit(code)


def _hmac_key() -> bytes:
    """The HMAC key for work that writes no store (``classify``): checked for length, created if missing."""
    from scanner.runtime.keys import key_source, load_key

    key = load_key(key_source(os.environ))
    assert key is not None
    return key


def store_hmac_key(db: str) -> bytes:
    """The HMAC key for a run that writes ``db``: refused (exit 2) unless it is the key the store was hashed with."""
    from scanner.runtime.keys import key_for_store, key_source

    return _run(key_for_store(db, key_source(os.environ)))  # type: ignore[no-any-return]


COORDINATOR_ENV = "DATASCAN_COORDINATOR"


def _url_has_password(url: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        return bool(parts.password) or "password" in urllib.parse.parse_qs(parts.query)
    except ValueError:
        return False


def _coordinator_not_in_argv(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value and param.name and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE \
            and _url_has_password(value):
        # Whoever can list this host's processes could read it there (and in shell history, cron mail ...).
        raise click.BadParameter(f"the URL holds a password, which any user of this host can read in the process "
                                 f"list: give the URL in ${COORDINATOR_ENV} instead (or in the job file's "
                                 "coordinator: ${VAR})")
    return value


def coordinator_option(help_text: str) -> Callable[[Any], Any]:
    """``--coordinator URL`` (or ``$DATASCAN_COORDINATOR``); a password on the command line is refused."""
    return click.option("--coordinator", default=None, envvar=COORDINATOR_ENV, callback=_coordinator_not_in_argv,
                        help=f"{help_text} Or ${COORDINATOR_ENV}, which must hold the URL when it has a password.")


@click.group(cls=OutputGroup)
@click.version_option(package_name="datascan", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """datascan: find sensitive data in file shares, databases and folders without copying it."""
    # At exit the interpreter collects garbage over every object the libraries made (a third of a second after a
    # scan); frozen, they are skipped. Files are closed by `with`, std streams and logs flushed as usual.
    atexit.register(gc.freeze)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    cap_library_logs(level)


@main.command()
@click.argument("job_file", type=click.Path(dir_okay=False))
def validate(job_file: str) -> None:
    """Check a job file; every problem names its YAML path and line."""
    from scanner.validate import check_job

    try:
        loaded = load_job(job_file, os.environ)
        check_job(loaded)
    except ConfigError as exc:
        _fail(exc)
    out.print(f"{job_file}: OK ({len(loaded.config.datasources)} datasources)", highlight=False)


@main.command()
@click.option("--job", "job_file", type=click.Path(dir_okay=False), help="The job file.")
@click.option("--workers", type=click.IntRange(1, 512), default=None, help="Worker processes (default: CPUs).")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Store: SQLite path or postgresql+asyncpg:// URL.")
@click.option("--resume", "resume_id", type=int, default=None, help="Finish an interrupted job.")
@click.option("--full", is_flag=True, help="Scan everything, not only what changed since the last complete run.")
@click.option("--fail-on-findings", is_flag=True,
              help="Exit 3 when the job found anything that triage does not suppress (= --fail-on any).")
@click.option("--fail-on", "fail_on", type=click.Choice(["any", "new"]), default=None,
              help="Exit 3 on any visible finding, or only on findings new since the previous complete run of the "
                   "job (page on change, not on the backlog).")
@click.option("--fail-on-severity", type=click.Choice(["high", "medium", "low"]), default=None,
              help="Only findings of this severity or higher count for exit 3 (alone: --fail-on any).")
@click.option("--fail-on-exposure", type=click.Choice(["everyone", "authenticated", "group", "owner", "unknown"]),
              default=None, help="Only findings in objects exposed this widely or wider count for exit 3 (alone: "
                                 "--fail-on any).")
@coordinator_option("Resource coordinator URL (redis://...); overrides the job's.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              envvar="DATASCAN_LOG_FORMAT", help="Logs on stderr as text, or one JSON object per line.")
def scan(job_file: str | None, workers: int | None, db: str, resume_id: int | None, full: bool,
         fail_on_findings: bool, fail_on: str | None, fail_on_severity: str | None, fail_on_exposure: str | None,
         coordinator: str | None, log_format: str) -> None:
    """Run a job to completion on this host (one run per job name at a time: exit 75 if another holds it)."""
    from scanner.logjson import ENV_VAR, ProgressLogger, use_json_logging

    if log_format == "json":  # before the imports below: some libraries log while being imported
        use_json_logging()
        os.environ[ENV_VAR] = "json"  # the spawned workers read it to log JSON too
    if job_file and resume_id is None:
        _prestart_workers(job_file)

    from scanner.report.gate import fail_on_from_options
    from scanner.report.summary import ProgressReporter, summary_record, summary_table
    from scanner.runtime.runlock import RunLockedError, run_lock
    from scanner.runtime.scan import run_scan
    from scanner.runtime.workerprocs import build_classifier
    from scanner.validate import check_job

    async def locked_scan(loaded: LoadedJob, n: int, key: bytes, reporter: Any) -> Any:
        async with run_lock(db, loaded.config.name):
            return await run_scan(db, loaded, n, key, full=full, resume_id=resume_id, on_progress=reporter)

    try:
        if resume_id is not None:
            loaded = _run(_stored_job(db, resume_id))
        elif job_file:
            loaded = load_job(job_file, os.environ)
        else:
            raise ConfigError("scan: give --job FILE or --resume ID")
        check_job(loaded, build_classifier)  # before the store or any worker: a job that passes here starts
        if coordinator is not None:
            from dataclasses import replace

            from scanner.runtime.coordinator import with_coordinator

            loaded = replace(loaded, config=with_coordinator(loaded.config, coordinator))
        key = store_hmac_key(db)
        n = workers or len(os.sched_getaffinity(0))
        reporter = ProgressLogger() if log_format == "json" else ProgressReporter(err)
        try:
            outcome = _run(locked_scan(loaded, n, key, reporter))
        finally:
            reporter.close()
        gate = fail_on_from_options(fail_on_findings, fail_on, fail_on_severity, fail_on_exposure)
        summary, failing = _run(_summary(db, outcome.job_id, gate, loaded.config.classification))
    except RunLockedError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    except DatascanError as exc:
        _fail(exc)
    resume = f"datascan scan --resume {outcome.job_id} --db {db}" if outcome.signal is not None else None
    with reader_may_leave():
        if log_format == "json":  # what a log shipper reads: the summary as one JSON record on stdout
            click.echo(json.dumps(summary_record(summary) | {"resume": resume}))
        else:
            out.print(summary_table(summary))
            for t in summary.failed_tasks:
                out.print(printable(f"failed task {t.task_id} ({t.type}, {t.datasource_id}): {t.error}"),
                          highlight=False, markup=False)
            out.print(f"job id: {outcome.job_id}", highlight=False)
            if resume:
                out.print(f"interrupted; continue with: {resume}", highlight=False)
    if outcome.signal is not None:
        sys.exit(128 + outcome.signal)
    sys.exit(exit_code_for(summary, failing, gate))


def _prestart_workers(job_file: str) -> None:
    """Start the workers' fork server first thing: it imports and warms up on another CPU while this process imports
    the rest and checks the job (which reports any problem of the file)."""
    from scanner.runtime.workerprocs import job_file_kinds, prestart

    prestart(job_file_kinds(job_file))


def exit_code_for(summary: Any, failing: int = 0, gate: Any = None) -> int:
    """The exit code of a job that ended (not interrupted), with the error line that explains it, if any.
    ``failing``: how many findings the ``--fail-on`` gate ``gate`` counts (see :mod:`scanner.report.gate`).

    Shared by `scan` and `jobs show --wait`, so a job run by the multi-host roles exits like one run locally.
    """
    job = summary.job
    if job.status is JobStatus.FAILED:
        _error_line(f"job {job.id} failed: {job.error}")
        return EXIT_USAGE
    if job.status is not JobStatus.COMPLETED:
        return EXIT_FAILURE
    if summary.failed_tasks or summary.failed_objects:
        what = [f"{n} {w}" for n, w in ((len(summary.failed_tasks), "task(s)"), (summary.failed_objects, "object(s)"))
                if n]
        _error_line(f"job {job.id} completed, but {' and '.join(what)} failed: results are partial (see `datascan "
                    "report`)")
        return EXIT_PARTIAL
    from scanner.report.summary import empty_datasources

    empty = empty_datasources(summary)
    if empty:
        # Partial, not clean: an unmounted share or an include that matches nothing must not read as "no findings".
        _error_line(f"job {job.id} completed, but datasource(s) {', '.join(empty)} gave no object: results are "
                    "partial (is the share mounted? does `include` match? `*.csv` matches top-level files only, "
                    "`**/*.csv` those of every folder)")
        return EXIT_PARTIAL
    if gate is not None and failing:
        _error_line(f"job {job.id} completed with {failing} {gate.describe()}")
        return EXIT_FINDINGS
    return EXIT_OK


def _error_line(message: str) -> None:
    """The one line that explains an exit code: a JSON log record under ``--log-format json`` (every stderr line is
    JSON then), else ``error: ...``."""
    from scanner.logjson import ENV_VAR

    if os.environ.get(ENV_VAR) == "json":
        logging.getLogger("datascan.exit").error("%s", printable(message))
    else:
        click.echo(f"error: {printable(message)}", err=True)


async def _summary(db_url: str, job_id: int, gate: Any = None, cfg: Any = None) -> tuple[Any, int]:
    """The run's summary, and how many of its findings the ``--fail-on`` gate counts (0 without one)."""
    from scanner.store import DatabaseInterface

    db = await DatabaseInterface.open(db_url)
    try:
        summary = await db.summary(job_id)
        if gate is None or summary.job.status is not JobStatus.COMPLETED:
            return summary, 0
        from scanner.report.gate import failing_findings, severity_of

        return summary, await failing_findings(db, job_id, gate, severity_of(cfg))
    finally:
        await db.close()


async def open_store(db: str) -> Any:
    """The store ``db`` for a command that reads it: an SQLite file that does not exist is an error naming its path
    (a read command run in the wrong folder must not leave an empty store behind)."""
    from scanner.store import DatabaseInterface, normalise_url
    from scanner.store.files import sqlite_path

    url = normalise_url(db)
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None and not path.exists():
        raise ConfigError(f"no store at {path.absolute()}: give the --db that `datascan scan` wrote (default "
                          f"{DEFAULT_DB} in the current folder)")
    return await DatabaseInterface.open(db)


async def _resolve(db: Any, ref: str) -> int:
    """A job reference: its id, ``latest`` (the newest job of the store) or a job name (that job's newest run)."""
    if ref == "latest":
        jid = await db.latest_job_id()
        if jid is None:
            raise ConfigError("no jobs in this store yet")
        return int(jid)
    if ref.isdigit():
        return int(ref)
    jid = await db.latest_job_id(ref)
    if jid is None:
        import difflib

        names = await db.job_names()
        close = difflib.get_close_matches(ref, names, n=1)
        raise ConfigError(f"no job named {ref!r} in this store" + (f" (did you mean {close[0]!r}?)" if close else "")
                          + ": give a job id, a job name (its latest run) or 'latest'")
    return int(jid)


@main.command()
@click.argument("job_ref")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "sarif"]), default="jsonl", show_default=True)
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--include-suppressed", is_flag=True, help="Also export findings hidden by `datascan triage`.")
@click.option("--since-last", is_flag=True,
              help="Only the findings new or resolved since the previous complete run of the job (column change).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def findings(job_ref: str, fmt: str, db: str, include_suppressed: bool, since_last: bool,
             output: str | None) -> None:
    """Export a job's findings (masked; raw values only in jsonl/csv, and only if the job stored them)."""
    from scanner.report.export import export_findings

    async def go() -> None:
        store = await open_store(db)
        try:
            jid = await _job_id(store, job_ref)
            since = await _previous(store, jid) if since_last else None
            if output is None:
                with reader_may_leave():
                    await export_findings(store, jid, fmt, sys.stdout, include_suppressed=include_suppressed,
                                          since=since)
            else:
                # A local file written by this one command: blocking writes cost nothing here.
                with open(output, "w", encoding="utf-8", newline="") as fh:  # noqa: ASYNC230
                    n = await export_findings(store, jid, fmt, fh, include_suppressed=include_suppressed,
                                              since=since)
                err.print(f"{n} findings written to {output}", highlight=False, markup=False)
        finally:
            await store.close()

    try:
        _run(go())
    except DatascanError as exc:
        _fail(exc)


# --- reports, diffs and triage (logic in scanner.report) ----------------------------------------------------

async def _job_id(store: Any, ref: str) -> int:
    jid = await _resolve(store, ref)
    if await store.get_job(jid) is None:
        raise ConfigError(f"no job {jid} in this store")
    return jid


async def _previous(store: Any, jid: int) -> int:
    prev = await store.previous_run_id(jid)
    if prev is None:
        raise ConfigError(f"--since-last: job {jid} has no previous complete run of the same job to compare with")
    return int(prev)


@main.command()
@click.argument("job_ref", default="latest")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--html", "html_out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write a self-contained HTML report (charts, sortable tables) to this file.")
@click.option("--since-last", is_flag=True,
              help="Only what changed since the previous complete run of the job: new findings in the tables, new "
                   "and resolved ones listed.")
@click.option("--include-suppressed", is_flag=True, help="Count findings hidden by `datascan triage` too.")
@click.option("--top", type=click.IntRange(1, 100000), default=20, show_default=True,
              help="Riskiest objects listed in the terminal (the HTML report lists up to 200).")
def report(job_ref: str, db: str, html_out: str | None, since_last: bool, include_suppressed: bool,
           top: int) -> None:
    """A job's summary: per datasource and entity, riskiest objects, skipped and failed, change since last run."""
    from scanner.report.data import gather
    from scanner.report.html import render_html
    from scanner.report.terminal import report_renderable

    async def go() -> Any:
        store = await open_store(db)
        try:
            jid = await _job_id(store, job_ref)
            since = await _previous(store, jid) if since_last else None
            return await gather(store, jid, top=max(top, 200), since=since, include_suppressed=include_suppressed,
                                changes_only=since_last)
        finally:
            await store.close()

    try:
        data = _run(go())
        if html_out:
            try:
                Path(html_out).write_text(render_html(data), encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"--html: cannot write {html_out}: {exc.strerror}") from None
    except DatascanError as exc:
        _fail(exc)
    if html_out:
        out.print(f"HTML report written to {html_out}", highlight=False, markup=False)
    else:
        with reader_may_leave():
            out.print(report_renderable(data, top=top))


@main.command()
@click.argument("old_ref")
@click.argument("new_ref", default="latest")
@click.option("--db", default=DEFAULT_DB, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "csv"]), default="text", show_default=True)
@click.option("--include-suppressed", is_flag=True, help="Also compare findings hidden by `datascan triage`.")
@click.option("--unchanged", "show_unchanged", is_flag=True, help="List unchanged findings too (text format).")
def diff(old_ref: str, new_ref: str, db: str, fmt: str, include_suppressed: bool, show_unchanged: bool) -> None:
    """New, resolved and unchanged findings between two runs (matched by object, entity and value hash)."""
    from scanner.report.diff import diff_jobs

    async def go() -> Any:
        store = await open_store(db)
        try:
            a, b = await _job_id(store, old_ref), await _job_id(store, new_ref)
            return await diff_jobs(store, a, b, include_suppressed=include_suppressed)
        finally:
            await store.close()

    try:
        d = _run(go())
    except DatascanError as exc:
        _fail(exc)
    with reader_may_leave():
        _print_diff(d, fmt, show_unchanged)


def _print_diff(d: Any, fmt: str, show_unchanged: bool) -> None:
    import csv

    from scanner.report.export import FIELDS, csv_row

    if fmt == "text":
        c = d.counts()
        out.print(f"job {d.old_job} -> job {d.new_job}: {c['new']} new, {c['resolved']} resolved, "
                  f"{c['unchanged']} unchanged", highlight=False, markup=False)
        for row in d.rows():
            if row["change"] != "unchanged" or show_unchanged:
                mark = {"new": "+", "resolved": "-", "unchanged": "="}[row["change"]]
                # Names and masks come from the scanned data: escaped, so they cannot drive the terminal.
                out.print(printable(f"{mark} {row['datasource']}:{row['object']} {row['location']} {row['entity']} "
                                    f"{row['masked']} {row['value_hash'][:16]}"), highlight=False, markup=False)
        for ch in d.exposure_changed:
            out.print(printable(f"~ {ch['datasource']}:{ch['object']} exposure changed: {ch['old_exposure']} -> "
                                f"{ch['exposure']} (readers: {', '.join(ch['readers']) or '-'})"),
                      highlight=False, markup=False)
        return
    fields = ["change"] + FIELDS
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for row in d.rows():
        row.pop("value", None)
        if writer:
            writer.writerow(csv_row(row))
        else:
            click.echo(json.dumps(row))


@main.group()
def triage() -> None:
    """Hide false positives from reports and exports (they stay in the store)."""


@triage.command("suppress")
@click.option("--hash", "value_hash", default=None, help="A finding's value_hash (from any export).")
@click.option("--object", "object_glob", default=None,
              help="A glob over datasource-relative object paths, e.g. 'fixtures/**' (every datasource).")
@click.option("--entity", default=None, help="Only findings of this entity type (e.g. EMAIL_ADDRESS).")
@click.option("--reason", required=True, help="Why: shown in reports and exports with --include-suppressed.")
@click.option("--db", default=DEFAULT_DB, show_default=True)
def triage_suppress(value_hash: str | None, object_glob: str | None, entity: str | None, reason: str,
                    db: str) -> None:
    """Record a suppression: by value hash (full, or the 16 digits `diff` shows), or by object glob, optionally for
    one entity only. Says how many findings of the latest runs it hides."""
    from scanner.report.triage import check_entity, check_suppression, hidden_by

    async def go() -> tuple[int, int, list[str]]:
        kind, pattern = check_suppression(value_hash, object_glob, entity, reason)
        store = await open_store(db)
        try:
            await check_entity(store, entity)
            sid = await store.add_suppression(kind, pattern, entity, reason.strip())
            rule = next(r for r in await store.list_suppressions() if r.id == sid)
            return (sid, *await hidden_by(store, rule))
        finally:
            await store.close()

    try:
        sid, hidden, jobs_seen = _run(go())
    except DatascanError as exc:
        _fail(exc)
    where = f"the latest runs of {len(jobs_seen)} jobs" if len(jobs_seen) != 1 else \
        f"the latest run of job {jobs_seen[0]}"
    out.print(printable(f"suppression {sid} recorded: it hides {hidden} finding(s) of {where}"), highlight=False,
              markup=False)
    if not hidden:
        click.echo(f"warning: suppression {sid} matches no current finding (check the hash or glob against "
                   f"`datascan findings latest`; `datascan triage remove {sid}` deletes it)", err=True)


@triage.command("list")
@click.option("--db", default=DEFAULT_DB, show_default=True)
def triage_list(db: str) -> None:
    """Every suppression: id, kind, pattern, entity, reason."""

    async def go() -> list[Any]:
        store = await open_store(db)
        try:
            return await store.list_suppressions()
        finally:
            await store.close()

    try:
        for r in _run(go()):
            click.echo("\t".join(printable(str(v)) for v in (r.id, r.kind, r.pattern, r.entity or "*", r.reason)))
    except DatascanError as exc:
        _fail(exc)


@triage.command("remove")
@click.argument("suppression_id", type=int)
@click.option("--db", default=DEFAULT_DB, show_default=True)
def triage_remove(suppression_id: int, db: str) -> None:
    """Delete a suppression: its findings show again."""

    async def go() -> bool:
        store = await open_store(db)
        try:
            return await store.remove_suppression(suppression_id)
        finally:
            await store.close()

    try:
        if not _run(go()):
            raise ConfigError(f"no suppression {suppression_id} in this store")
    except DatascanError as exc:
        _fail(exc)
    out.print(f"suppression {suppression_id} removed", highlight=False)


@main.group()
def key() -> None:
    """The HMAC key that value hashes are made with (README: Keys and raw values)."""


@key.command("rotate")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Store: SQLite path or postgresql+asyncpg:// URL.")
@click.option("--yes", is_flag=True, help="Do not ask before rotating.")
def key_rotate(db: str, yes: bool) -> None:
    """Make the current key ($DATASCAN_HMAC_KEY, or the key file, created if missing) this store's key.

    Stored hashes cannot be re-made (values are not kept): earlier runs keep their hashes and are no longer
    compared with later ones, the next run of every job scans everything, and hash suppressions must be made again.
    """
    from scanner.runtime.keys import fingerprint, key_source, load_key, rotate, shown

    try:
        src = key_source(os.environ)
        new_key = load_key(src)
        assert new_key is not None
        if not yes:
            click.confirm(f"make the key from {src.where} (fingerprint {shown(fingerprint(new_key))}) the key of "
                          f"store {db}? Earlier runs will no longer be compared with later ones", abort=True)
        r = _run(rotate(db, src))
    except DatascanError as exc:
        _fail(exc)
    if r.old == r.new:
        click.echo(f"store {db}: already uses key {shown(r.new)}; nothing changed")
        return
    click.echo(f"store {db}: key {shown(r.old) if r.old else '(none recorded)'} -> {shown(r.new)}")
    if r.jobs_before:
        click.echo(f"{r.jobs_before} earlier job(s) keep hashes of the old key: reports and exports still read "
                   "them, but they are not compared with (or carried into) runs under the new key; the next run of "
                   "each job scans everything")
    if r.hash_suppressions:
        click.echo(f"{r.hash_suppressions} suppression(s) by value hash were made under the old key and match "
                   "nothing now: make them again from a new export (`datascan triage list` shows them)")


@main.command()
@click.option("--keep", type=click.IntRange(1), required=True, help="Runs to keep of each job (the newest).")
@click.option("--job", "name", default=None, help="Only the runs of this job name (default: every job).")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Store: SQLite path or postgresql+asyncpg:// URL.")
def prune(keep: int, name: str | None, db: str) -> None:
    """Delete old runs, keeping the KEEP newest of each job and what they need (README: Retention).

    The newest complete run and runs that have not ended are kept too; kept runs report, export and diff as before.
    """
    from scanner.store import DatabaseInterface

    async def go() -> Any:
        store = await DatabaseInterface.open(db)
        try:
            return await store.prune(keep, name)
        finally:
            await store.close()

    try:
        pruned = _run(go())
    except DatascanError as exc:
        _fail(exc)
    for p in pruned:
        click.echo(f"{printable(p.name)}: {len(p.runs)} run(s) deleted ({', '.join(map(str, p.runs))}); "
                   f"runs from {p.kept_from} kept")
    if not pruned:
        click.echo("nothing to prune")


@main.group()
def jobs() -> None:
    """Job control."""


def _jobs_op(ref: str, db: str, op: str) -> None:

    async def go() -> str | Group:
        store = await open_store(db)
        try:
            jid = await _resolve(store, ref)
            job = await store.get_job(jid)
            if job is None:
                raise ConfigError(f"no job {jid} in this store")
            if op == "show":
                from scanner.report.summary import summary_table

                p = await store.progress(jid)
                # Per-datasource counts with skip and partial reasons, then the live counters and the error.
                return Group(summary_table(await store.summary(jid)), Text(
                    f"objects {p.objects} (done {p.objects_done}, unchanged {p.objects_unchanged}, skipped "
                    f"{p.objects_skipped}, failed {p.objects_failed}, pending {p.objects_pending})\n"
                    f"findings {p.findings}\nerror: {printable(job.error or '-')}"))
            moves = {"pause": (JobStatus.PAUSING, [JobStatus.RUNNING]),
                     "resume": (JobStatus.RUNNING, [JobStatus.PAUSING, JobStatus.PAUSED]),
                     "cancel": (JobStatus.CANCELLING, [JobStatus.RUNNING, JobStatus.PAUSING, JobStatus.PAUSED,
                                                       JobStatus.INTERRUPTED])}
            target, allowed = moves[op]
            if job.status is JobStatus.INTERRUPTED and op == "cancel":
                target = JobStatus.CANCELLED  # nobody runs it: cancel at once
            if not await store.set_job_status(jid, target, only_from=allowed):
                # Read again: the status may have moved since the read above (the run ended meanwhile).
                now = await store.get_job(jid)
                status = now.status if now is not None else job.status
                raise ConfigError(f"job {jid} is {status.value}: cannot {op} it"
                                  + ("; use `datascan scan --resume`" if status is JobStatus.INTERRUPTED else ""))
            return f"job {jid}: {target.value}"
        finally:
            await store.close()

    try:
        out.print(_run(go()), highlight=False, markup=False)
    except DatascanError as exc:
        _fail(exc)


@jobs.command("list")
@click.option("--db", default=DEFAULT_DB, show_default=True)
def jobs_list(db: str) -> None:
    """Recent jobs, newest first: id, name, status, start and end (local time), objects and stored findings."""
    import time

    async def go() -> list[tuple[Any, Any]]:
        store = await open_store(db)
        try:
            return [(j, await store.progress(j.id)) for j in await store.list_jobs()]
        finally:
            await store.close()

    def when(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"

    try:
        jobs_seen = _run(go())
    except DatascanError as exc:
        _fail(exc)
    rows = [["id", "name", "status", "started", "finished", "objects", "findings"]]
    rows += [[str(j.id), printable(j.name), j.status.value, when(j.created_at), when(j.finished_at), str(p.objects),
              str(p.findings)] for j, p in jobs_seen]
    for line in aligned(rows, right={0, 5, 6}):
        out.print(line, highlight=False, markup=False)


for _op in ("pause", "resume", "cancel"):  # `jobs show` (with --wait) lives in cli_roles
    def _make(op: str) -> Any:
        @click.argument("job_ref")
        @click.option("--db", default=DEFAULT_DB, show_default=True)
        def cmd(job_ref: str, db: str) -> None:
            _jobs_op(job_ref, db, op)
        cmd.__doc__ = {"pause": "Pause a running job.",
                       "resume": "Resume a paused job.", "cancel": "Cancel a job."}[op]
        return jobs.command(op)(cmd)
    _make(_op)

from scanner import cli_roles  # noqa: E402,F401 - registers the multi-host commands on `main`

# --- classification: try templates on a file (logic in scanner.classify.commands) ---------------------------

def _fail_classify(exc: DatascanError) -> None:
    # A template or recognizer that cannot be built is the user's input, as a bad job file is: exit 2.
    from scanner.exceptions import ClassificationError

    _fail(ConfigError(str(exc)) if isinstance(exc, ClassificationError) else exc)


@main.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--template", "template", default=None,
              help="Built-in name or YAML path, or several joined by commas (pii,secrets)  [default: pii, or the "
                   "job's].")
@click.option("--job", "job_file", type=click.Path(dir_okay=False), default=None,
              help="Use this job file's classification section (custom recognizers, lists, scores, NER).")
@click.option("--no-prefilter", is_flag=True,
              help="Every rule over whole chunks, without the prefilter (the contract's reference).")
@click.option("--reveal", is_flag=True, help="Also print each raw value (never stored).")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def classify(file: str, template: str | None, job_file: str | None, no_prefilter: bool, reveal: bool,
             fmt: str) -> None:
    """Print the findings in FILE (or standard input) as JSON lines.

    A file goes through the same extraction as in `scan` (office files, PDFs, archives, mail), and each line
    names where the value is (``Sheet1!B2``, ``a.zip!/b.csv`` with ``line=2,col=7``); standard input is plain
    text, and each line gives the value's character offsets.
    """
    from scanner.classify.commands import classify_jsonl

    try:
        loaded = load_job(job_file, os.environ) if job_file else None
        cfg = loaded.config.classification if loaded else None
        text = None
        if file == "-":
            with click.open_file(file, "r", encoding="utf-8", errors="replace") as fh:
                text = fh.read()
    except ConfigError as exc:
        _fail(exc)
    warnings: list[str] = []
    try:
        if text is not None:
            lines = classify_jsonl(text, template, _hmac_key(), prefilter=not no_prefilter, reveal=reveal, cfg=cfg,
                                   warnings=warnings)
        else:
            lines = _classify_file(file, template, cfg, loaded, not no_prefilter, reveal, warnings)
    except OSError as exc:
        click.echo(f"error: {file}: cannot read: {exc.strerror}", err=True)
        sys.exit(EXIT_USAGE)
    except DatascanError as exc:
        _fail_classify(exc)
    for line in lines:
        click.echo(line)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)


def _classify_file(file: str, template: str | None, cfg: Any, loaded: LoadedJob | None, prefilter: bool,
                   reveal: bool, warnings: list[str]) -> list[str]:
    from scanner.classify.commands import classifier_for, findings_jsonl, regex_warnings
    from scanner.config import ExtractionConfig
    from scanner.exceptions import ExtractionError
    from scanner.runtime.findings import file_findings

    key = _hmac_key()
    classifier = classifier_for(template, key, prefilter=prefilter, reveal=reveal, cfg=cfg)
    extraction = loaded.config.extraction if loaded else ExtractionConfig()
    try:
        found, partial = _run(file_findings(file, classifier, extraction, key))
    except ExtractionError as exc:
        raise ConfigError(f"{file}: cannot be extracted (scan skips it): {exc}") from None
    if partial:
        warnings.append(f"{file}: partly classified: {partial}")
    warnings.extend(regex_warnings(classifier))
    return findings_jsonl(found, reveal)


@main.group()
def templates() -> None:
    """Built-in recognizer templates."""


@templates.command("list")
def templates_list() -> None:
    """Name, entities and description of each built-in template."""
    from scanner.classify.commands import templates_listing

    try:
        for t in templates_listing():
            click.echo(f"{t['name']}\t{','.join(t['entities'])}\t{t['description']}")
    except DatascanError as exc:
        _fail_classify(exc)


@templates.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def templates_show(name: str, fmt: str) -> None:
    """Recognizers, entities and context words of one template."""
    from scanner.classify.commands import template_summary
    from scanner.classify.templates import load_template

    try:
        summary = template_summary(load_template(name))
    except DatascanError as exc:
        _fail_classify(exc)
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['name']}: {summary['description']}")
    rows = [["entity", "severity", "recognizer", "context"]]
    for r in summary["recognizers"]:
        ctx = ", ".join(r["context"]) if r["context"] else "(class default)" if r["context"] is None else "-"
        rows.append([r["entity"], r["severity"], r["recognizer"], ctx])
    for line in aligned(rows):
        click.echo(f"  {line}")
