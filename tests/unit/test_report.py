"""The progress line and the summary table: what a cron mail or a terminal shows."""

from __future__ import annotations

import io

from rich.console import Console

from scanner.models import JobStatus
from scanner.report.summary import ProgressReporter, progress_line, summary_table
from scanner.store.interface import DatasourceSummary, JobInfo, Progress, Summary


def test_progress_line_counts_rate_and_eta():
    p = Progress(objects=10, objects_done=3, objects_unchanged=2, objects_skipped=1, bytes_total=10 << 20,
                 bytes_done=4 << 20, findings=7)
    line = progress_line(p, 2.0)
    assert "objects 6/10" in line and "4.0/10.0 MB" in line and "2.00 MB/s" in line and "findings 7" in line
    assert "eta 00:00:03" in line
    p.discovery_open = 1
    assert "(discovering)" in progress_line(p, 2.0) and "eta ?" in progress_line(p, 2.0)


def test_plain_progress_without_a_tty_is_rate_limited():
    out = io.StringIO()
    r = ProgressReporter(Console(file=out, force_terminal=False), interval=3600)
    r(Progress(objects=1))
    r(Progress(objects=2))
    r.close()
    assert out.getvalue().count("[progress]") == 1 and "objects 0/1" in out.getvalue()


def test_live_progress_on_a_tty():
    out = io.StringIO()
    r = ProgressReporter(Console(file=out, force_terminal=True, width=160))
    r(Progress(objects=4, objects_done=2, bytes_total=100, bytes_done=50, findings=3))
    r.close()
    assert "2/4 objects" in out.getvalue() and "3 findings" in out.getvalue()


def test_summary_table_never_cuts_entity_names_or_reasons():
    job = JobInfo(id=7, name="nightly", status=JobStatus.COMPLETED, created_at=0.0, finished_at=1.0, error=None,
                  options={}, previous_job_id=None, source_text="", source_path="")
    ds = DatasourceSummary("finance-share", objects=5, bytes=1 << 20, scanned=3, unchanged=1,
                           skipped={"larger than max_file_mb": 1}, partial={"text limit reached": 1},
                           findings={"CREDIT_CARD": 2, "US_BANK_NUMBER": 1})
    out = io.StringIO()
    Console(file=out, width=60, force_terminal=False).print(summary_table(Summary(job, [ds], [])))
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 60
    for shown in ("CREDIT_CARD: 2", "US_BANK_NUMBER: 1", "1 larger than max_file_mb", "1 text limit reached",
                  "job 7 (nightly): COMPLETED, 3 findings"):
        assert shown in text
    assert "…" not in text
