"""Custom regexes from job files, run so that no pattern can stall a worker.

A job's regex is written by a user and runs over content nobody vetted: a catastrophic pattern (``(a|aa)+$``)
on a hostile line would backtrack for hours. So a custom recognizer's pattern is compiled:

- with RE2 (``google-re2``, linear time in the text, no backtracking) when RE2 accepts it. RE2's ``\\d``,
  ``\\w``, ``\\s`` and ``\\b`` are ASCII-only, where the ``regex`` module's are Unicode-aware; every other
  construct RE2 accepts means the same in both;
- otherwise (look-arounds, back-references, possessive quantifiers ...) with the ``regex`` module, Presidio's
  own engine, under a time limit per analysed text (a chunk or a window). A text that runs out of time gives
  no match from that rule; the time-out is counted per rule (:attr:`GuardedPatternRecognizer.timeouts`) and
  logged with the rule's name (never the text), and ``datascan classify`` prints it.

Scores, context words and Presidio's handling of results are unchanged: this only replaces how matches are
found, in both the fast path and ``--no-prefilter``, so the contract between them holds.
"""

from __future__ import annotations

import logging
from typing import Any

import re2
import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

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


class GuardedPatternRecognizer(PatternRecognizer):
    """A single-pattern recognizer matching with RE2, or with ``regex`` under ``timeout_s`` per text."""

    def __init__(self, *, pattern: Pattern, timeout_s: float = DEFAULT_TIMEOUT_S, **kwargs: Any) -> None:
        super().__init__(patterns=[pattern], **kwargs)
        self.timeout_s = timeout_s
        self.timeouts = 0
        self._pattern = pattern
        self._re2 = re2_compile(pattern.regex, self.global_regex_flags or 0)
        self._regex = None if self._re2 is not None else regex.compile(pattern.regex, self.global_regex_flags or 0)

    @property
    def engine(self) -> str:
        """``"re2"`` or ``"regex"``."""
        return "re2" if self._re2 is not None else "regex"

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        """Matches of the pattern, as Presidio's ``PatternRecognizer`` reports them."""
        flags = self.global_regex_flags or 0
        spans: list[tuple[int, int]] = []
        if self._re2 is not None:
            spans = [m.span() for m in self._re2.finditer(text)]
        else:
            assert self._regex is not None
            try:
                for m in self._regex.finditer(text, timeout=self.timeout_s):
                    spans.append(m.span())
            except TimeoutError:
                self.timeouts += 1
                logger.warning("custom recognizer %s: its regex ran out of time (%.3g s) on a text of %d characters; "
                               "no match of it is reported there", self.supported_entities[0], self.timeout_s,
                               len(text))
                spans = []
        results = []
        name: str = self.name  # type: ignore[has-type]  # unannotated in Presidio
        for start, end in spans:
            if start == end:
                continue
            explanation = self.build_regex_explanation(name, self._pattern.name, self._pattern.regex,
                                                       self._pattern.score, None, flags)  # type: ignore[arg-type]
            results.append(RecognizerResult(
                entity_type=self.supported_entities[0], start=start, end=end, score=self._pattern.score,
                analysis_explanation=explanation,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            ))
        return EntityRecognizer.remove_duplicates(results)
