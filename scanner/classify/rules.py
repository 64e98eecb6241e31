"""The rules a classifier runs: one :class:`Rule` per template rule, custom regex, dictionary or deny list.

A rule finds raw matches in a text: ``find(text, lo, hi)`` returns ``(start, end, score)`` for every match lying
in ``text[lo:hi]``, scored before context (the engine adds context, :mod:`scanner.classify.context`). A rule may
*look* at characters outside ``[lo, hi)`` (the analysed text is always whole), so its verdict on a match never
depends on the window it was searched in; the prefilter's windows hold every match whole, which is what makes
the fast path give exactly the findings of a search over whole chunks.

Kinds of rules (the template's ``patterns`` / ``detector`` / ``recognizer`` key):

- :class:`PatternRule`: regexes with scores, optionally pruned by a checksum validator (compiled, from
  :mod:`scanner._fast`), a minimum entropy of the assigned value, and placeholder checks for secrets
  (:class:`Placeholder`). Also the job's custom regexes (RE2, or the ``regex`` module under a time limit: see
  :mod:`scanner.classify.guard`) and dictionaries/deny lists (Presidio's deny-list regex).
- our detectors (:mod:`scanner.classify.detectors`): payment cards, phone numbers, e-mail addresses, IBANs, IP
  addresses, each more than a regex (issuer ranges, libphonenumber, public suffixes, per-country formats);
- :class:`PresidioRule`: any other predefined Presidio recognizer, run through its own ``analyze`` on whole
  chunks (or on windows when the template declares its ``prefilter`` shape).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from scanner._fast import (
    aba_routing_ok,
    dea_ok,
    github_token_ok,
    luhn_ok,
    mod97_ok,
    npi_ok,
    repeated_run,
    sequential_run,
    shannon_entropy,
    us_ssn_ok,
)
from scanner.classify.guard import GuardedRegex
from scanner.classify.prefilter import Shape

logger = logging.getLogger(__name__)

Found = tuple[int, int, float]

# The flags Presidio's default registry puts on every pattern recognizer it loads
# (``global_regex_flags: 26`` in its default_recognizers.yaml); templates keep them for their regexes.
PRESIDIO_REGEX_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
CASE_SENSITIVE_REGEX_FLAGS = regex.DOTALL | regex.MULTILINE

def not_iban(value: str) -> bool:
    """False when ``value`` is shaped as an IBAN (a registry country's length and BBAN structure, any case, check
    digits right or wrong): an IBAN is the IBAN rule's to report, not a password or a token."""
    from scanner.classify.detectors import iban_registry

    compact = value.replace(" ", "").replace("-", "").rstrip(".").upper()
    entry = iban_registry().get(compact[:2])
    if entry is None or not compact[2:4].isdigit():
        return True
    length, bban = entry
    return not (len(compact) == length and bban.fullmatch(compact, 4) is not None)


VALIDATOR_FUNCTIONS: dict[str, Callable[[str], bool]] = {
    "luhn": luhn_ok,
    "mod97": mod97_ok,
    "us_ssn": us_ssn_ok,
    "aba_routing": aba_routing_ok,
    "npi": npi_ok,
    "dea": dea_ok,
    "github_token": github_token_ok,
    "not_iban": not_iban,
}


class Rule:
    """One detector of one entity. Subclasses set the attributes and implement :meth:`find`."""

    entity: str
    name: str
    context: tuple[str, ...] = ()   # lower-case context words (Presidio's substring rule)
    context_whole: tuple[str, ...] = ()  # lower-case context words that count only as a whole word
    shape: Shape | None = None      # what every match contains; None: searched on whole chunks only
    best: float = 1.0               # the highest score find() can return

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """``(start, end, score)`` of every match inside ``text[lo:hi]``."""
        raise NotImplementedError

    def regexes(self) -> list[tuple[str, Any]]:
        """``(name, compiled regex)`` of every regex the rule runs over text (the reliability suite baits them)."""
        return []


@dataclass(frozen=True, slots=True)
class Placeholder:
    """What makes a secret a placeholder rather than a secret (template data, see ``secrets.yaml``).

    ``words`` (any case) found in the value: as a substring when ``substring`` (a token's random body rarely
    holds a word), else as a whole word (split at non-alphanumerics, case changes and letter/digit changes; a
    word of one or two letters only between non-alphanumerics);
    ``repeat``: one character that many times in a row (``XXXX``, ``0000``); ``sequence``: that many characters
    in ascending or descending order (``abcdef``, ``123456``).
    """

    words: tuple[str, ...] = ()
    substring: bool = True
    repeat: int | None = None
    sequence: int | None = None

    def holds(self, value: str) -> bool:
        """True when ``value`` looks like a placeholder."""
        if self.repeat is not None and repeated_run(value, self.repeat):
            return True
        if self.sequence is not None and sequential_run(value, self.sequence):
            return True
        if not self.words:
            return False
        if self.substring:
            upper = value.upper()
            return any(w in upper for w in self.words)
        n = len(value)
        for m in _WORD_PARTS.finditer(value):
            if m.group().upper() not in self.words:
                continue
            s, e = m.span()
            # A word of one or two letters counts only standing alone ("my-password", "MY_KEY"): inside a random
            # mixed-case value "My" or "Me" turns up in one of a few dozen ("1nLdMyX6").
            if e - s > 2 or ((s == 0 or not value[s - 1].isalnum()) and (e == n or not value[e].isalnum())):
                return True
        return False


# Whole words for placeholder checks: runs of upper-case letters (an acronym, or a capitalised word), lower-case
# letters or digits; "YOUR_API_KEY" -> YOUR, API, KEY; "myTestKey" -> my, Test, Key.
_WORD_PARTS = regex.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

_ASSIGNMENT = regex.compile(r"[:=]+[ \t]*")
_QUOTES = "\"'`"


def assigned_value(text: str) -> str:
    """The value of a ``key = value`` / ``key: "value"`` match (after the first ``:`` or ``=``, unquoted);
    the whole text when it holds no assignment."""
    m = _ASSIGNMENT.search(text)
    value = text[m.end():] if m else text
    return value.strip().strip(_QUOTES)


class PatternRule(Rule):
    """Regexes with scores; matches are pruned (never lifted) by a validator, a minimum entropy of the assigned
    value and placeholder checks, so a valid match keeps its pattern's score and context still counts."""

    def __init__(self, entity: str, name: str, patterns: Sequence[tuple[str, str, float]], *, flags: int,
                 context: Sequence[str] = (), shape: Shape | None = None, validator: str | None = None,
                 min_entropy: float | None = None, placeholder: Placeholder | None = None,
                 timeout_s: float | None = None) -> None:
        self.entity = entity
        self.name = name
        self.context = tuple(w.lower() for w in context)
        self.shape = shape
        self.validator = validator
        self._validate = VALIDATOR_FUNCTIONS[validator] if validator is not None else None
        self.min_entropy = min_entropy
        self.placeholder = placeholder
        self.patterns = [(pname, regex_text, float(score)) for pname, regex_text, score in patterns]
        # Custom regexes from job files are guarded (RE2 or a time limit); template regexes are ours.
        self._guarded: list[GuardedRegex] = []
        self._compiled: list[tuple[Any, float]] = []
        for _, regex_text, score in self.patterns:
            if timeout_s is not None:
                g = GuardedRegex(regex_text, flags, timeout_s, label=entity)
                self._guarded.append(g)
                self._compiled.append((g, score))
            else:
                self._compiled.append((regex.compile(regex_text, flags), score))
        self.best = max((s for _, _, s in self.patterns), default=0.0)

    @property
    def guarded(self) -> bool:
        """True for a job's custom regex (RE2, or the time-limited engine)."""
        return bool(self._guarded)

    @property
    def timeouts(self) -> int:
        """How many texts a guarded regex of this rule gave up on."""
        return sum(g.timeouts for g in self._guarded)

    @property
    def engine(self) -> str:
        """``"re2"`` when every regex runs on RE2, ``"regex"`` when one needs the time-limited engine."""
        return "re2" if all(g.engine == "re2" for g in self._guarded) else "regex"

    def regexes(self) -> list[tuple[str, Any]]:
        """The rule's patterns (a job's guarded ones are left out: RE2 or a time limit keeps them safe)."""
        if self._guarded:
            return []
        return [(name, compiled) for (name, _, _), (compiled, _) in zip(self.patterns, self._compiled, strict=True)]

    def rejects(self, value: str) -> bool:
        """True when the checks drop a matched ``value``."""
        if self._validate is not None and not self._validate(value):
            return True
        if self.min_entropy is not None and shannon_entropy(assigned_value(value)) < self.min_entropy:
            return True
        if self.placeholder is not None:
            body = assigned_value(value) if self.min_entropy is not None else value
            if self.placeholder.holds(body):
                return True
        return False

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """Matches of each pattern in ``text[lo:hi]`` that the checks keep, with the pattern's score."""
        out: list[Found] = []
        for compiled, score in self._compiled:
            if score <= 0:
                continue  # Presidio drops zero scores
            for m in compiled.finditer(text, lo, hi):
                s, e = m.span()
                if s == e or self.rejects(text[s:e]):
                    continue
                out.append((s, e, score))
        return out


class PresidioRule(Rule):
    """A predefined Presidio recognizer we have no rule of our own for, run through its own ``analyze``; its
    scores (including its validation lifts) are Presidio's, its context is scored by the engine."""

    def __init__(self, recognizer: Any, entity: str, shape: Shape | None = None) -> None:
        self.recognizer = recognizer
        self.entity = entity
        self.name = str(getattr(recognizer, "name", type(recognizer).__name__))
        self.context = tuple(w.lower() for w in (recognizer.context or ()))
        self.shape = shape
        self.best = 1.0

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """The recognizer's results over ``text[lo:hi]``."""
        piece = text if (lo, hi) == (0, len(text)) else text[lo:hi]
        results = self.recognizer.analyze(text=piece, entities=[self.entity], nlp_artifacts=None)
        return [(lo + r.start, lo + r.end, float(r.score)) for r in results or ()
                if r.entity_type == self.entity and r.score > 0]


def deny_list_regex(terms: Sequence[str]) -> str:
    """Presidio's regex for a deny list: each term, escaped, as a whole word."""
    escaped = [regex.escape(t) for t in dict.fromkeys(terms)]
    return r"(?:^|(?<=\W))(" + "|".join(escaped) + r")(?:(?=\W)|$)"
