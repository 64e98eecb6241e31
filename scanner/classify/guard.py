"""Custom regexes from job files, run so that no pattern can stall a worker.

A job's regex is written by a user and runs over content nobody vetted: a catastrophic pattern (``(a|aa)+$``)
on a hostile line would backtrack for hours. So a custom rule's pattern is compiled:

- with RE2 (``google-re2``, linear time in the text, no backtracking) when RE2 accepts it. RE2's ``\\d``,
  ``\\w``, ``\\s`` and ``\\b`` are ASCII-only, where the ``regex`` module's are Unicode-aware; every other
  construct RE2 accepts means the same in both;
- otherwise (look-arounds, back-references, possessive quantifiers ...) with the ``regex`` module under a time
  limit per searched span (a chunk or a window). A span that runs out of time gives no match from that rule;
  the time-out is counted (:attr:`GuardedRegex.timeouts`) and logged with the rule's name (never the text), and
  ``datascan classify`` prints it.

Both engines search with ``pos``/``endpos`` over the whole analysed text, so the fast path and
``--no-prefilter`` see the same characters around a match.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import re2
import regex

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 1.0


def re2_compile(pattern: str, flags: int) -> Any | None:
    """``pattern`` compiled by RE2 with the ``regex`` flags ``flags`` (DOTALL, MULTILINE, IGNORECASE), or
    ``None`` when RE2 cannot run it."""
    if flags & ~(regex.DOTALL | regex.MULTILINE | regex.IGNORECASE):
        return None
    prefix = "".join(f for f, bit in (("s", regex.DOTALL), ("m", regex.MULTILINE), ("i", regex.IGNORECASE))
                     if flags & bit)
    options = re2.Options()
    options.log_errors = False  # RE2 would print every rejected pattern to stderr
    try:
        return re2.compile(f"(?{prefix}){pattern}" if prefix else pattern, options)
    except re2.error:
        return None


def engine_for(pattern: str, flags: int) -> str:
    """``"re2"`` when the pattern runs in linear time, else ``"regex"`` (with a time limit)."""
    return "re2" if re2_compile(pattern, flags) is not None else "regex"


class GuardedRegex:
    """One pattern matching with RE2, or with ``regex`` under ``timeout_s`` per searched span."""

    def __init__(self, pattern: str, flags: int, timeout_s: float = DEFAULT_TIMEOUT_S, label: str = "") -> None:
        self.pattern = pattern
        self.timeout_s = timeout_s
        self.label = label
        self.timeouts = 0
        self._re2 = re2_compile(pattern, flags)
        self._regex = None if self._re2 is not None else regex.compile(pattern, flags)

    @property
    def engine(self) -> str:
        """``"re2"`` or ``"regex"``."""
        return "re2" if self._re2 is not None else "regex"

    def finditer(self, text: str, pos: int, endpos: int) -> Iterator[Any]:
        """Matches in ``text[pos:endpos]``; none at all when the time-limited engine runs out of time there."""
        if self._re2 is not None:
            yield from self._re2.finditer(text, pos, endpos)
            return
        assert self._regex is not None
        try:
            found = list(self._regex.finditer(text, pos, endpos, timeout=self.timeout_s))
        except TimeoutError:
            self.timeouts += 1
            logger.warning("custom recognizer %s: its regex ran out of time (%.3g s) on a text of %d characters; "
                           "no match of it is reported there", self.label, self.timeout_s, endpos - pos)
            return
        yield from found
