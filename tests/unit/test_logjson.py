"""JSON log lines: an exception's class always, its traceback only in its own field and only at debug level."""

from __future__ import annotations

import json
import logging
import sys

from scanner.logjson import JsonFormatter


def _record_with_exception() -> logging.LogRecord:
    try:
        raise ValueError("the data it choked on: 123-45-6789")
    except ValueError:
        return logging.LogRecord("scanner.x", logging.ERROR, __file__, 1, "task %d failed", (7,), sys.exc_info())


def test_no_traceback_unless_debug_and_never_in_the_message():
    root = logging.getLogger()
    old = root.level
    try:
        root.setLevel(logging.INFO)
        line = json.loads(JsonFormatter().format(_record_with_exception()))
        assert line["message"] == "task 7 failed" and line["exception"] == "ValueError" and "traceback" not in line
        root.setLevel(logging.DEBUG)
        line = json.loads(JsonFormatter().format(_record_with_exception()))
        assert line["message"] == "task 7 failed"
        assert line["traceback"].startswith("Traceback (most recent call last)")
    finally:
        root.setLevel(old)
