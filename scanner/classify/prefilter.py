"""The prefilter: which parts of a chunk each rule must search so that findings do not change.

Every rule declares a :class:`Shape`: the character shapes (digit runs with enough digits, ``@`` pieces, IBAN
starts, IPv6 colon pieces; scanned by :func:`scanner._fast.scan_shapes`, compiled) and the literal anchors (one
pyahocorasick automaton) that every one of its matches contains. A rule without a shape is searched on whole
chunks. For each candidate the prefilter makes a window that the candidate's rules then search. A window gives
the same matches as the whole chunk because (see ``/work/shared/FASTPATH-NOTES.md``):

1. it covers the whole possible match: the candidate (digit run, piece, IBAN reach, anchor line or reach)
   widened to whitespace, and overlapping windows are merged, so no edge cuts a match;
2. a rule searches its window with ``pos``/``endpos`` over the whole chunk, so look-behinds see the same
   characters, and a window ends just after the whitespace that ends it, where a look-ahead of a match that never
   crosses whitespace gives the same answer; the windows of a rule whose regexes use ``^`` or ``$`` reach the line's
   ends when they are within :data:`LINE_SNAP` characters, so those see the same line ends;
3. a rule whose matches lie within one digit run (``run_native``: cards, phones, SSNs ...) searches that run
   (and the character after it) instead of a window, since the run is maximal: no match crosses its ends;
4. context is not the window's business: the engine scores it over the whole chunk
   (:mod:`scanner.classify.context`), so windows stay as small as their candidates.

A rule that can only be reported with a context word (its best score is below the minimum) declares those words
(``needs_context``): its candidates are dropped from a chunk none of whose text holds one of them and whose
table context (column headers) holds none either, which cannot change a finding.

Rules written in templates or job files declare their shape (``prefilter:`` in a template rule, ``anchors`` in a
custom recognizer); a declared shape must hold for every match (the contract tests check the built-in ones).
An anchored match is assumed to lie on the anchor's line unless the rule gives a ``reach`` in characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from scanner._fast import KIND_EMAIL, KIND_IBAN, KIND_IPV6, KIND_RUN, scan_shapes, widen

LINE_SNAP = 256
_NEVER = 1 << 30


@dataclass(frozen=True, slots=True)
class Shape:
    """What every match of a rule contains; ``None`` thresholds are off."""

    digits: int | None = None        # a digit run with at least this many digits in all
    consecutive: int | None = None   # ... or this many in a row
    plus_digits: int | None = None   # ... or a "+" and this many digits
    dots: int | None = None          # ... or this many dots
    email: bool = False
    iban: bool = False
    ipv6: bool = False
    anchors: tuple[str, ...] = ()
    anchors_ignore_case: bool = True
    reach: int | None = None         # anchored: characters around the anchor; None = the anchor's line
    # Set when the rule can only be reported with one of these context words (lower case) near it (in the
    # chunk's text, or in its table context): a chunk holding none of them gives it no candidate.
    needs_context: tuple[str, ...] | None = None
    # Set when the rule's regexes anchor at line starts or ends (^, $): its windows reach the line's ends.
    line: bool = False
    # Set when every match found from a digit-run candidate lies within that run (digits and number punctuation)
    # and looks at most one character past it: the rule searches the run itself, not a window around it.
    run_native: bool = False

    def accepts_run(self, digits: int, consecutive: int, dots: int, plus: int) -> bool:
        """True when a digit run with these counts can hold a match."""
        return ((self.digits is not None and digits >= self.digits)
                or (self.consecutive is not None and consecutive >= self.consecutive)
                or (self.plus_digits is not None and plus and digits >= self.plus_digits)
                or (self.dots is not None and dots >= self.dots))

    @property
    def has_run(self) -> bool:
        """True when digit runs are candidates of this shape."""
        return bool(self.digits or self.consecutive or self.plus_digits or self.dots)


def terms_shape(terms: Iterable[str], ignore_case: bool) -> Shape | None:
    """The shape of a dictionary (deny-list) rule: its terms are its anchors.

    ``None`` (whole chunks) when a term spans lines, or when matching ignores case and a term has a non-ASCII
    character: the automaton folds ASCII case only, while the regex module folds every letter.
    """
    terms = tuple(terms)
    if any("\n" in t or "\r" in t for t in terms) or (ignore_case and not all(t.isascii() for t in terms)):
        return None
    return Shape(anchors=terms, anchors_ignore_case=ignore_case)


# A digit run [start, end) and the indexes of the run-native rules whose shapes it can hold.
RunSpan = tuple[int, int, frozenset[int]]


@dataclass(slots=True)
class Window:
    """A part of a chunk to search, with the rules (their indexes) whose candidates it holds."""

    start: int
    end: int
    rules: set[int] = field(default_factory=set)
    line: bool = False  # widen to the line's ends (within LINE_SNAP characters) for a rule anchored at them


# ASCII case folding plus the three non-ASCII letters the regex module's IGNORECASE equates with an ASCII one
# (Kelvin sign, dotted capital I, long s): one character each, so offsets in the folded text stay the same.
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)}
                             | {"\u212a": "k", "\u0130": "i", "\u017f": "s"})


class Prefilter:
    """Candidate windows for a list of shaped rules (keys are the rules' indexes); built once per classifier."""

    def __init__(self, shapes: dict[int, Shape]) -> None:
        self.shapes = dict(shapes)
        runs = [s for s in self.shapes.values() if s.has_run]
        self._min_digits = min((s.digits for s in runs if s.digits is not None), default=_NEVER)
        self._min_consecutive = min((s.consecutive for s in runs if s.consecutive is not None), default=_NEVER)
        self._plus_digits = min((s.plus_digits for s in runs if s.plus_digits is not None), default=_NEVER)
        self._min_dots = min((s.dots for s in runs if s.dots is not None), default=_NEVER)
        self._run_rules = [(k, s) for k, s in self.shapes.items() if s.has_run]
        self._email = frozenset(k for k, s in self.shapes.items() if s.email)
        self._iban = frozenset(k for k, s in self.shapes.items() if s.iban)
        self._ipv6 = frozenset(k for k, s in self.shapes.items() if s.ipv6)
        self._gated = {k: s.needs_context for k, s in self.shapes.items() if s.needs_context is not None}
        self._line = frozenset(k for k, s in self.shapes.items() if s.line)
        self._automata: list[tuple[bool, ahocorasick.Automaton]] = []
        for ignore_case in (False, True):
            words: dict[str, list[tuple[int, int | None]]] = {}
            for key, shape in self.shapes.items():
                if shape.anchors and shape.anchors_ignore_case == ignore_case:
                    for a in shape.anchors:
                        folded = a.translate(_ASCII_LOWER) if ignore_case else a
                        words.setdefault(folded, []).append((key, shape.reach))
            if words:
                auto = ahocorasick.Automaton()
                for folded, targets in words.items():
                    auto.add_word(folded, (len(folded), tuple(targets)))
                auto.make_automaton()
                self._automata.append((ignore_case, auto))
        # Which rules a digit run can feed depends only on its four counts, which take few distinct values.
        self._run_cache: dict[tuple[int, int, int, int], tuple[frozenset[int], frozenset[int]]] = {}
        self._native = frozenset(k for k, s in self.shapes.items() if s.run_native)
        self._scan_runs = bool(self._run_rules or self._email or self._iban or self._ipv6)

    def _dropped(self, chunk: str, outside: Iterable[str]) -> frozenset[int]:
        """Rules that need a context word of which neither the chunk nor ``outside`` holds one."""
        if not self._gated:
            return frozenset()
        lowered = chunk.lower()
        outside_lower = [w.lower() for w in outside]
        return frozenset(k for k, words in self._gated.items()
                         if not any(w in lowered for w in words)
                         and not any(w in o for o in outside_lower for w in words))

    def plan(self, chunk: str, outside: Iterable[str] = ()) -> tuple[list[Window], list[RunSpan]]:
        """What each rule searches in ``chunk``: merged windows in order, and the digit runs (``end`` one past the
        run, so a one-character look-ahead sees what follows it) of rules whose matches lie within one run.
        ``outside`` are context words that hold for values of this chunk without being in it (table headers): a
        rule that needs context keeps its candidates when one of its words is in one of them."""
        dropped = self._dropped(chunk, outside)
        cands: list[Window] = []
        runs: list[RunSpan] = []
        n = len(chunk)
        if self._scan_runs:
            shapes = scan_shapes(chunk, self._min_digits, self._min_consecutive, self._plus_digits,
                                 self._min_dots, bool(self._email), bool(self._iban), bool(self._ipv6))
            run_cache = self._run_cache
            for kind, s, e, digits, consecutive, dots, plus in shapes:
                if kind == KIND_RUN:
                    counts = (digits, consecutive, dots, plus)
                    split = run_cache.get(counts)
                    if split is None:
                        keys = frozenset(k for k, sh in self._run_rules
                                         if sh.accepts_run(digits, consecutive, dots, plus))
                        split = run_cache[counts] = (keys & self._native, keys - self._native)
                    native, keys = split
                    if dropped:
                        native, keys = native - dropped, keys - dropped
                    if native:
                        runs.append((s, min(n, e + 1), native))
                elif kind == KIND_EMAIL:
                    keys = self._email
                elif kind == KIND_IBAN:
                    keys = self._iban
                elif kind == KIND_IPV6:
                    keys = self._ipv6
                else:  # pragma: no cover - the scanner has no other kinds
                    continue
                if dropped and keys:
                    keys = keys - dropped
                if keys:
                    ws, we = widen(chunk, s, e)
                    cands.append(Window(ws, we, set(keys), bool(self._line and keys & self._line)))
        for ignore_case, auto in self._automata:
            hay = chunk.translate(_ASCII_LOWER) if ignore_case else chunk
            for end_idx, (length, targets) in auto.iter(hay):
                start = end_idx + 1 - length
                for key, reach in targets:
                    if key in dropped:
                        continue
                    if reach is None:
                        s = chunk.rfind("\n", 0, start) + 1
                        e = chunk.find("\n", end_idx + 1)
                        e = n if e < 0 else e
                    else:
                        s, e = max(0, start - reach), min(n, end_idx + 1 + reach)
                    s, e = widen(chunk, s, e)
                    cands.append(Window(s, e, {key}, key in self._line))
        if not cands:
            return [], runs
        for w in cands:
            if w.line:
                nl = chunk.rfind("\n", 0, w.start) + 1
                if w.start - nl <= LINE_SNAP:
                    w.start = nl
                nl = chunk.find("\n", w.end)
                nl = n if nl < 0 else nl
                if nl - w.end <= LINE_SNAP:
                    w.end = nl
            # The whitespace (or line end) after the window belongs to it: a look-ahead at the window's end then
            # sees the character it sees in the whole chunk.
            if w.end < n:
                w.end += 1
        cands.sort(key=lambda w: w.start)
        merged = [cands[0]]
        for w in cands[1:]:
            last = merged[-1]
            if w.start <= last.end:
                if w.end > last.end:
                    last.end = w.end
                last.rules |= w.rules
                last.line = last.line or w.line
            else:
                merged.append(w)
        return merged, runs
