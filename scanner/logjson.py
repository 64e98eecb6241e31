"""``--log-format json``: one JSON object per log line on stderr (time, level, logger, message) for log shippers.

A record's message is formatted as usual (our messages never hold raw values) and is never a traceback: an
exception's text may quote the data it choked on, so only its class name goes in ``exception``, and the traceback
goes in a separate ``traceback`` field only when logging at debug level (``-vv``), where the operator asked for
it. Progress is logged through the ``datascan.progress`` logger as a record with the counters in ``progress``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.store.interface import Progress

ENV_VAR = "DATASCAN_LOG_FORMAT"  # read by the spawned worker processes, so their lines are JSON too


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON."""

    def __init__(self, process_name: str | None = None):
        super().__init__()
        self.process_name = process_name

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.process_name:
            out["process"] = self.process_name
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                out["traceback"] = self.formatException(record.exc_info)
        extra = getattr(record, "progress", None)
        if extra is not None:
            out["progress"] = extra
        return json.dumps(out, ensure_ascii=False)


def use_json_logging(process_name: str | None = None) -> None:
    """Switch every root handler (or a new stderr handler) to JSON lines."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for h in root.handlers:
        h.setFormatter(JsonFormatter(process_name))


class ProgressLogger:
    """The no-TTY progress display for ``--log-format json``: an INFO record every ``interval`` seconds."""

    def __init__(self, interval: float = 5.0):
        self.interval = interval
        self.start = time.monotonic()
        self.last = float("-inf")  # the first call prints (monotonic() may be small after a boot)
        self.log = logging.getLogger("datascan.progress")
        self.log.setLevel(logging.INFO)  # shown without -v, as the plain progress lines are

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            elapsed = now - self.start
            counters = asdict(p) | {"elapsed_s": round(elapsed, 1)}
            self.log.info("progress: %d/%d objects, %d findings", p.objects_done + p.objects_unchanged
                             + p.objects_skipped + p.objects_failed, p.objects, p.findings,
                             extra={"progress": counters})

    def close(self) -> None:
        """Nothing to tear down (same interface as the rich reporter)."""
