"""The ``datascan`` command line. Commands parse options and the job file, call down, and map outcomes to exit codes.

Exit codes: 0 done; 1 runtime failure (or the job was cancelled); 2 bad usage or job file; 3 done with findings and
``--fail-on-findings``; 130 interrupted by SIGINT, 143 by SIGTERM (state kept: ``scan --resume ID`` continues).
"""

from __future__ import annotations

import asyncio
import logging
import os

import sys
from pathlib import Path
from typing import Any

import click
import uvloop
from rich.console import Console, Group
from rich.text import Text

from scanner.config import LoadedJob, load_job, parse_job_text, resolve_paths
from scanner.exceptions import ConfigError, DatascanError
from scanner.models import JobStatus

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_FINDINGS = 0, 1, 2, 3
DEFAULT_DB = "datascan.db"
out = Console()
err = Console(stderr=True)


def _run(coro: Any) -> Any:
    return uvloop.run(coro)


def _fail(exc: DatascanError) -> None:
    code = EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILURE
    for line in str(exc).splitlines():
        click.echo(f"error: {line}", err=True)  # never wrapped: people grep these
    sys.exit(code)


def _hmac_key() -> bytes:
    from scanner.classify.masking import key_from_env_value, load_or_create_key

    if os.environ.get("DATASCAN_HMAC_KEY"):
        return key_from_env_value(os.environ["DATASCAN_HMAC_KEY"])
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "datascan"
    return load_or_create_key(base / "hmac.key")


@click.group()
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """datascan: find sensitive data in file shares, databases and folders without copying it."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)


@main.command()
@click.argument("job_file", type=click.Path(dir_okay=False))
def validate(job_file: str) -> None:
    """Check a job file; every problem names its YAML path and line."""
    try:
        loaded = load_job(job_file, os.environ)
        _preflight(loaded)
    except ConfigError as exc:
        _fail(exc)
    out.print(f"{job_file}: OK ({len(loaded.config.datasources)} datasources)", highlight=False)


def _preflight(loaded: LoadedJob) -> None:
    problems = []
    for i, ds in enumerate(loaded.config.datasources):
        if ds.type == "filesystem" and not Path(ds.path).is_dir():
            problems.append(f"datasources[{i}].path: {ds.path} is not a folder")
    if problems:
        raise ConfigError(problems)


@main.command()
@click.option("--job", "job_file", type=click.Path(dir_okay=False), help="The job file.")
@click.option("--workers", type=click.IntRange(1, 512), default=None, help="Worker processes (default: CPUs).")
@click.option("--db", default=DEFAULT_DB, show_default=True, help="Store: SQLite path or postgresql+asyncpg:// URL.")
@click.option("--resume", "resume_id", type=int, default=None, help="Finish an interrupted job.")
@click.option("--full", is_flag=True, help="Scan everything, not only what changed since the last complete run.")
@click.option("--fail-on-findings", is_flag=True, help="Exit 3 when the job found anything.")
def scan(job_file: str | None, workers: int | None, db: str, resume_id: int | None, full: bool,
         fail_on_findings: bool) -> None:
    """Run a job to completion on this host."""
    from scanner.runtime.scan import job_source, run_scan
    from scanner.report.summary import ProgressReporter, summary_table

    try:
        if resume_id is not None:
            text, path = _run(job_source(db, resume_id))
            cfg = parse_job_text(text, os.environ, path or f"job {resume_id}")
            loaded = LoadedJob(resolve_paths(cfg, Path(path).parent), text, path)
        elif job_file:
            loaded = load_job(job_file, os.environ)
        else:
            raise ConfigError("scan: give --job FILE or --resume ID")
        _preflight(loaded)
        key = _hmac_key()
        n = workers or len(os.sched_getaffinity(0))
        reporter = ProgressReporter(err)
        try:
            outcome = _run(run_scan(db, loaded, n, key, full=full, resume_id=resume_id, on_progress=reporter))
        finally:
            reporter.close()
        summary = _run(_summary(db, outcome.job_id))
    except DatascanError as exc:
        _fail(exc)
    out.print(summary_table(summary))
    for t in summary.failed_tasks:
        out.print(f"failed task {t.task_id} ({t.type}, {t.datasource_id}): {t.error}", highlight=False, markup=False)
    out.print(f"job id: {outcome.job_id}", highlight=False)
    if outcome.signal is not None:
        out.print(f"interrupted; continue with: datascan scan --resume {outcome.job_id} --db {db}", highlight=False)
        sys.exit(128 + outcome.signal)
    if outcome.status is JobStatus.FAILED:
        click.echo(f"error: job {outcome.job_id} failed: {summary.job.error}", err=True)
        sys.exit(EXIT_USAGE)
    if outcome.status is not JobStatus.COMPLETED:
        sys.exit(EXIT_FAILURE)
    if fail_on_findings and summary.total_findings:
        sys.exit(EXIT_FINDINGS)


async def _summary(db_url: str, job_id: int) -> Any:
    from scanner.store import DatabaseInterface

    db = await DatabaseInterface.open(db_url)
    try:
        return await db.summary(job_id)
    finally:
        await db.close()


async def _resolve(db: Any, ref: str) -> int:
    if ref == "latest":
        jid = await db.latest_job_id()
        if jid is None:
            raise ConfigError("no jobs in this store yet")
        return int(jid)
    if not ref.isdigit():
        raise ConfigError(f"job reference must be a number or 'latest', not {ref!r}")
    return int(ref)


@main.command()
@click.argument("job_ref")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--db", default=DEFAULT_DB, show_default=True)
def findings(job_ref: str, fmt: str, db: str) -> None:
    """Export a job's findings (masked; raw values only if the job stored them)."""
    from scanner.report.export import export_findings
    from scanner.store import DatabaseInterface

    async def go() -> None:
        store = await DatabaseInterface.open(db)
        try:
            jid = await _resolve(store, job_ref)
            if await store.get_job(jid) is None:
                raise ConfigError(f"no job {jid} in this store")
            await export_findings(store, jid, fmt, sys.stdout)
        finally:
            await store.close()

    try:
        _run(go())
    except DatascanError as exc:
        _fail(exc)


@main.group()
def jobs() -> None:
    """Job control."""


def _jobs_op(ref: str, db: str, op: str) -> None:
    from scanner.store import DatabaseInterface

    async def go() -> str | Group:
        store = await DatabaseInterface.open(db)
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
                    f"findings {p.findings}\nerror: {job.error or '-'}"))
            moves = {"pause": (JobStatus.PAUSING, [JobStatus.RUNNING]),
                     "resume": (JobStatus.RUNNING, [JobStatus.PAUSING, JobStatus.PAUSED]),
                     "cancel": (JobStatus.CANCELLING, [JobStatus.RUNNING, JobStatus.PAUSING, JobStatus.PAUSED,
                                                       JobStatus.INTERRUPTED])}
            target, allowed = moves[op]
            if job.status is JobStatus.INTERRUPTED and op == "cancel":
                target = JobStatus.CANCELLED  # nobody runs it: cancel at once
            if not await store.set_job_status(jid, target, only_from=allowed):
                raise ConfigError(f"job {jid} is {job.status.value}: cannot {op} it"
                                  + ("; use `datascan scan --resume`" if job.status is JobStatus.INTERRUPTED else ""))
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
    """Recent jobs, newest first."""
    from scanner.store import DatabaseInterface

    async def go() -> list[Any]:
        store = await DatabaseInterface.open(db)
        try:
            return await store.list_jobs()
        finally:
            await store.close()

    try:
        for j in _run(go()):
            out.print(f"{j.id}\t{j.name}\t{j.status.value}", highlight=False, markup=False)
    except DatascanError as exc:
        _fail(exc)


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

@main.command()
@click.argument("file", default="-", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--template", "template", default="pii", show_default=True, help="Built-in name or YAML path.")
@click.option("--no-prefilter", is_flag=True, help="Plain Presidio over whole chunks (the contract's reference).")
@click.option("--reveal", is_flag=True, help="Also print each raw value (never stored).")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
def classify(file: str, template: str, no_prefilter: bool, reveal: bool, fmt: str) -> None:
    """Print the findings in FILE (or standard input) as JSON lines."""
    from scanner.classify.commands import classify_jsonl

    with click.open_file(file, "r", encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    try:
        for line in classify_jsonl(text, template, _hmac_key(), prefilter=not no_prefilter, reveal=reveal):
            click.echo(line)
    except DatascanError as exc:
        _fail(exc)


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
        _fail(exc)


@templates.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def templates_show(name: str, fmt: str) -> None:
    """Recognizers, entities and context words of one template."""
    import json as _json

    from scanner.classify.commands import template_summary, template_text
    from scanner.classify.templates import load_template

    try:
        summary = template_summary(load_template(name))
    except DatascanError as exc:
        _fail(exc)
    click.echo(_json.dumps(summary, indent=2) if fmt == "json" else template_text(summary))
