"""Logging set-up shared by the command line and the worker processes."""

from __future__ import annotations

import logging

# Libraries that log every statement, recognizer or packet at DEBUG/INFO: -v/-vv are for datascan's own messages,
# and a debug run over a big job must not produce gigabytes of their chatter.
NOISY_LOGGERS = ("aiosqlite", "asyncio", "presidio-analyzer", "sqlalchemy.engine", "smbprotocol", "spnego",
                 "urllib3", "pypdf", "charset_normalizer")


def cap_library_logs(level: int) -> None:
    """Keep the noisy libraries at WARNING or above, whatever level datascan itself logs at."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
