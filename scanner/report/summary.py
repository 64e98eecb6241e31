"""The end-of-scan summary table and the progress display (rich on a TTY, a plain line every few seconds without)."""

from __future__ import annotations

import time

from rich.console import Console, Group
from rich.progress import BarColumn, SpinnerColumn, TaskProgressColumn, TextColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from scanner.names import printable
from scanner.store import Progress, Summary


def cell(text: str) -> Text:
    """Outside text for a rich table or line: never parsed as markup, control characters escaped."""
    return Text(printable(text))


def summary_table(s: Summary) -> Group:
    """Per datasource: objects, bytes, scanned, unchanged, skipped and partial with reasons, failed, findings per
    entity.

    One narrow two-column table per datasource rather than one wide table: a wide table on an 80-column cron mail
    squeezes every cell until entity names and reasons are cut or interleaved; this layout fits in 60 columns and
    long reasons fold onto the next line instead of being truncated.
    """
    tables = []
    for d in s.datasources:
        t = Table(title=cell(d.datasource_id), show_header=False, title_justify="left")
        t.add_column("what", no_wrap=True)
        t.add_column("value", overflow="fold")
        t.add_row("objects", str(d.objects))
        t.add_row("MB", f"{d.bytes / 1048576:.2f}")
        t.add_row("scanned", str(d.scanned))
        t.add_row("unchanged", str(d.unchanged))
        for what, counts in (("skipped", d.skipped), ("partial", d.partial), ("failed", d.failed)):
            t.add_row(what, Text("\n").join(cell(f"{n} {r}") for r, n in sorted(counts.items())) or "0")
        t.add_row("findings", Text("\n").join(cell(f"{e}: {n}") for e, n in sorted(d.findings.items())) or "0")
        if d.hints:
            t.add_row("hints", Text("\n").join(cell(f"{e}: {n}") for e, n in sorted(d.hints.items())))
        tables.append(t)
    title = Text(printable(f"job {s.job.id} ({s.job.name}): {s.job.status.value}, {s.total_findings} findings"),
                 style="bold")
    return Group(title, *tables)


def summary_record(s: Summary) -> dict[str, object]:
    """The end-of-scan summary as plain data (``scan --log-format json`` prints it as one JSON record)."""
    from dataclasses import asdict

    return {"job_id": s.job.id, "name": s.job.name, "status": s.job.status.value, "error": s.job.error,
            "findings": s.total_findings, "failed_objects": s.failed_objects,
            "datasources": [asdict(d) for d in s.datasources], "failed_tasks": [asdict(t) for t in s.failed_tasks],
            "empty_datasources": empty_datasources(s)}


def empty_datasources(s: Summary) -> list[str]:
    """The job's datasources that gave no object at all (an unmounted share, an include that matches nothing)."""
    import yaml

    try:  # the ids as the job file lists them; the summary only knows datasources that gave something
        ids = [str(d["id"]) for d in yaml.safe_load(s.job.source_text)["datasources"]]
    except (yaml.YAMLError, TypeError, KeyError):
        ids = [d.datasource_id for d in s.datasources]
    seen = {d.datasource_id for d in s.datasources if d.objects}
    return [i for i in ids if i not in seen]


def _eta(p: Progress, rate: float) -> str:
    if p.discovery_open or rate <= 0:
        return "?"  # the total is still growing while discovery runs
    left = (p.bytes_total - p.bytes_done) / rate
    return time.strftime("%H:%M:%S", time.gmtime(left)) if left < 86400 else f"{left / 86400:.1f}d"


def progress_line(p: Progress, elapsed: float) -> str:
    """One line of counters: objects (done/known, unchanged, skipped, failed), bytes, rate, findings, ETA."""
    rate = p.bytes_done / elapsed if elapsed > 0 else 0.0
    done = p.objects_done + p.objects_unchanged + p.objects_skipped + p.objects_failed
    discovering = " (discovering)" if p.discovery_open else ""
    return (f"objects {done}/{p.objects}{discovering} ({p.objects_unchanged} unchanged, {p.objects_skipped} skipped, "
            f"{p.objects_failed} failed)  {p.bytes_done / 1048576:.1f}/{p.bytes_total / 1048576:.1f} MB  "
            f"{rate / 1048576:.2f} MB/s  findings {p.findings}  eta {_eta(p, rate)}")


class ProgressReporter:
    """Progress: on a TTY a live rich display (a bar over bytes plus the counters); otherwise a plain line every
    ``interval`` seconds, so cron logs show the job moving without drowning in redraws."""

    def __init__(self, console: Console, interval: float = 5.0):
        self.console, self.interval = console, interval
        self.start = time.monotonic()
        self.last = float("-inf")  # the first call prints (monotonic() may be small after a boot)
        self.live: RichProgress | None = None
        if console.is_terminal:
            self.live = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[counters]}"), console=console, transient=False, refresh_per_second=4,
            )
            self.task = self.live.add_task("starting workers", total=None, counters="")
            self.live.start()

    def __call__(self, p: Progress) -> None:
        elapsed = time.monotonic() - self.start
        if self.live is not None:
            rate = p.bytes_done / elapsed if elapsed > 0 else 0.0
            done = p.objects_done + p.objects_unchanged + p.objects_skipped + p.objects_failed
            self.live.update(
                self.task, description="discovering" if p.discovery_open else "scanning",
                total=p.bytes_total or None, completed=p.bytes_done,
                counters=(f"{done}/{p.objects} objects  {p.bytes_done / 1048576:.1f}/{p.bytes_total / 1048576:.1f} MB"
                          f"  {rate / 1048576:.2f} MB/s  {p.findings} findings  eta {_eta(p, rate)}"),
            )
        elif time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            self.console.print(f"[progress] {progress_line(p, elapsed)}", highlight=False, markup=False,
                               soft_wrap=True)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
