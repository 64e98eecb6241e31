"""The end-of-scan summary table and the progress display (rich on a TTY, a plain line every few seconds without)."""

from __future__ import annotations

import time

from rich.console import Console
from rich.table import Table

from scanner.store import Progress, Summary


def summary_table(s: Summary) -> Table:
    """Per-datasource objects, bytes, skips with reasons, findings per entity, failed tasks."""
    t = Table(title=f"job {s.job.id} ({s.job.name}): {s.job.status.value}")
    for col in ("datasource", "objects", "MB", "scanned", "unchanged", "skipped", "failed", "findings"):
        t.add_column(col)
    for d in s.datasources:
        skipped = "\n".join(f"{n} {r}" for r, n in sorted(d.skipped.items())) or "0"
        findings = "\n".join(f"{e}: {n}" for e, n in sorted(d.findings.items())) or "0"
        t.add_row(d.datasource_id, str(d.objects), f"{d.bytes / 1048576:.2f}", str(d.scanned), str(d.unchanged),
                  skipped, str(d.failed), findings)
    return t


class ProgressReporter:
    """Progress: a live line on a TTY; otherwise a log-style line every ``interval`` seconds."""

    def __init__(self, console: Console, interval: float = 5.0):
        self.console, self.interval = console, interval
        self.start = time.monotonic()
        self.last = 0.0
        self.status = console.status("starting workers...") if console.is_terminal else None
        if self.status:
            self.status.start()

    def __call__(self, p: Progress) -> None:
        el = time.monotonic() - self.start
        rate = p.bytes_done / 1048576 / el if el > 0 else 0.0
        left = p.bytes_total - p.bytes_done
        eta = f"{left / 1048576 / rate:.0f}s" if rate > 0 and p.discovery_open == 0 else "?"
        line = (f"objects {p.objects_done + p.objects_unchanged + p.objects_skipped}/{p.objects} "
                f"({p.objects_unchanged} unchanged, {p.objects_skipped} skipped)  "
                f"{p.bytes_done / 1048576:.1f}/{p.bytes_total / 1048576:.1f} MB  {rate:.2f} MB/s  "
                f"findings {p.findings}  eta {eta}")
        if self.status:
            self.status.update(line)
        elif time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            self.console.print(f"[progress] {line}", highlight=False)

    def close(self) -> None:
        if self.status:
            self.status.stop()
