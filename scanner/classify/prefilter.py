"""The prefilter: which parts of a chunk Presidio must see, and with which entities, so that findings do not change.

From the enabled recognizers it builds one :class:`Shape` per entity: the character shapes (digit runs with enough
digits, ``@`` pieces, IBAN starts, IPv6 colon pieces; scanned by :func:`scanner._fast.scan_shapes`, compiled) and
the literal anchors (one pyahocorasick automaton) that every match of that entity's recognizers contains. An
entity whose recognizers have no known shape is analysed on whole chunks (:attr:`Prefilter.unshaped`).

For each candidate it makes a window that Presidio then analyses with the candidate's entities only. A window
gives the same findings as the whole chunk because (see ``/work/shared/FASTPATH-NOTES.md``):

1. it covers the whole possible match: the candidate (digit run, piece, IBAN reach, anchor line or reach) widened
   to whitespace, and overlapping windows are merged, so no edge cuts a match of any recognizer run there;
2. it is cut only at whitespace, where spaCy's tokens of the window equal those of the chunk;
3. it reaches back over :data:`BACK_KEYWORDS` and forward over :data:`FORWARD_KEYWORDS` words that are certainly
   Presidio context keywords (ASCII letters, one token, not a stop word, not a phone-extension label), which is
   as far as Presidio's ``LemmaContextAwareEnhancer`` walks (5 words before plus the match's own token, and 1
   after); and it is widened to the start and end of its lines when they are within :data:`LINE_SNAP` characters,
   so ``^`` and ``$`` see the same line ends;
4. keyword parts Presidio gets by splitting tokens on ``:`` anywhere in the chunk (``the:10`` makes every "the" a
   keyword) are added to each window's keywords.

Rules written in templates or job files declare their shape (``prefilter:`` in a template rule, ``anchors`` in a
custom recognizer); a declared shape must hold for every match (the contract tests check the built-in ones).
An anchored match is assumed to lie on the anchor's line unless the rule gives a ``reach`` in characters.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
import regex
from presidio_analyzer import EntityRecognizer, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsSsnRecognizer,
)
from spacy.language import Language

from scanner._fast import KIND_EMAIL, KIND_IBAN, KIND_IPV6, KIND_RUN, pad_back, pad_forward, scan_shapes, widen

BACK_KEYWORDS = 6
FORWARD_KEYWORDS = 1
LINE_SNAP = 256
_NEVER = 1 << 30

# Words phonenumbers reads as an extension label: a window must not end right after one (the extension's
# digits that follow belong to the match).
_EXTENSION_LABELS = frozenset({"x", "ext", "extn", "extension", "xtn", "anexo", "int", "ramal", "dob", "tel"})


@dataclass(frozen=True, slots=True)
class Shape:
    """What every match of a recognizer contains; ``None`` thresholds are off."""

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
    # Set when the entity can only be reported with one of these context words (lower case) near it: a
    # candidate whose window holds none of them as a substring is dropped (Presidio matches context words as
    # substrings of the window's lemmas, which are the window's lower-cased tokens). () = never reportable.
    needs_context: tuple[str, ...] | None = None
    # Regexes one of which must match inside the (whitespace-widened) candidate: the recognizer's own patterns.
    confirm: tuple[regex.Pattern[str], ...] | None = None

    def merge(self, other: Shape) -> Shape:
        """A shape accepting what either accepts (an entity with several recognizers)."""
        def lo(a: int | None, b: int | None) -> int | None:
            return b if a is None else a if b is None else min(a, b)

        if self.anchors and other.anchors and self.anchors_ignore_case != other.anchors_ignore_case:
            ignore_case = True
        else:
            ignore_case = self.anchors_ignore_case if self.anchors else other.anchors_ignore_case
        reach = None if (self.reach is None and self.anchors) or (other.reach is None and other.anchors) \
            else max(self.reach or 0, other.reach or 0)
        return Shape(lo(self.digits, other.digits), lo(self.consecutive, other.consecutive),
                     lo(self.plus_digits, other.plus_digits), lo(self.dots, other.dots),
                     self.email or other.email, self.iban or other.iban, self.ipv6 or other.ipv6,
                     tuple(dict.fromkeys(self.anchors + other.anchors)), ignore_case, reach,
                     None if self.needs_context is None or other.needs_context is None
                     else tuple(dict.fromkeys(self.needs_context + other.needs_context)),
                     None if self.confirm is None or other.confirm is None else self.confirm + other.confirm)

    def accepts_run(self, digits: int, consecutive: int, dots: int, plus: int) -> bool:
        """True when a digit run with these counts can hold a match."""
        return ((self.digits is not None and digits >= self.digits)
                or (self.consecutive is not None and consecutive >= self.consecutive)
                or (self.plus_digits is not None and plus and digits >= self.plus_digits)
                or (self.dots is not None and dots >= self.dots))


def phone_shape(regions: Iterable[str]) -> Shape:
    """Digit counts a valid number of ``regions`` (or any ``+`` number) needs, from phonenumbers' metadata."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    def shortest(region: str) -> int:
        meta = PhoneMetadata.metadata_for_region(region)
        desc = meta.general_desc if meta else None
        lengths = [n for n in desc.possible_length if n > 0] if desc is not None else []
        return min(lengths) if lengths else 1

    anywhere = min(shortest(r) for r in phonenumbers.SUPPORTED_REGIONS)
    national = min((shortest(r) for r in regions if r in phonenumbers.SUPPORTED_REGIONS), default=anywhere)
    # A number dialled with an international prefix (00, 011 ...) has at least 2 + 1 digits before its
    # national number; one written with "+" at least a 1-digit country code.
    return Shape(digits=min(national, anywhere + 3), plus_digits=anywhere + 1)


def context_gate(recognizer: EntityRecognizer, min_score: float) -> tuple[str, ...] | None:
    """The context words a result of ``recognizer`` needs to reach ``min_score``; ``None`` if it may not need one.

    Presidio's context enhancer raises a score to ``max(score + 0.35, 0.4)``. Known only for recognizers whose
    best score is fixed: pattern recognizers that do not lift valid matches (``validate_result`` not
    overridden) and the phone recognizer.
    """
    if isinstance(recognizer, PhoneRecognizer):
        best = float(recognizer.SCORE)
    elif isinstance(recognizer, PatternRecognizer) and \
            type(recognizer).validate_result is PatternRecognizer.validate_result and _patterns(recognizer):
        best = max(float(p.score) for p in _patterns(recognizer))
    else:
        return None
    if best >= min_score:
        return None
    if not recognizer.context or min(max(best + 0.35, 0.4), 1.0) < min_score:
        return ()
    return tuple(w.lower() for w in recognizer.context)


def _patterns(recognizer: EntityRecognizer) -> list[Any]:
    # Presidio leaves the attribute unannotated; read it as the list of ``Pattern`` it is.
    return list(getattr(recognizer, "patterns", None) or [])


def confirm_patterns(recognizer: EntityRecognizer, min_score: float) -> tuple[regex.Pattern[str], ...] | None:
    """The patterns whose matches can be reported at ``min_score`` (every result of a pattern recognizer is a
    match of one of its patterns; one that cannot reach ``min_score`` even with context can be left out unless
    the recognizer may lift a valid match with ``validate_result``)."""
    if not isinstance(recognizer, PatternRecognizer) or not _patterns(recognizer):
        return None
    lifts = type(recognizer).validate_result is not PatternRecognizer.validate_result
    flags = recognizer.global_regex_flags or 0
    return tuple(regex.compile(p.regex, flags) for p in _patterns(recognizer)
                 if lifts or min(max(p.score + 0.35, 0.4), 1.0) >= min_score or p.score >= min_score)


def default_shape(recognizer: EntityRecognizer) -> Shape | None:
    """The shape of Presidio's predefined recognizers we know (and of our subclasses of them)."""
    if isinstance(recognizer, CreditCardRecognizer):
        return Shape(digits=12)
    if isinstance(recognizer, UsSsnRecognizer):
        return Shape(digits=9)
    if isinstance(recognizer, EmailRecognizer):
        return Shape(email=True)
    if isinstance(recognizer, IbanRecognizer):
        return Shape(iban=True)
    if isinstance(recognizer, IpRecognizer):
        return Shape(dots=3, ipv6=True)
    if isinstance(recognizer, PhoneRecognizer):
        return phone_shape(recognizer.supported_regions)
    return None


def terms_shape(terms: Iterable[str], ignore_case: bool) -> Shape | None:
    """The shape of a dictionary (deny-list) recognizer: its terms are its anchors.

    ``None`` (whole chunks) when a term spans lines, or when matching ignores case and a term has a non-ASCII
    character: the automaton folds ASCII case only, while the regex module folds every letter.
    """
    terms = tuple(terms)
    if any("\n" in t or "\r" in t for t in terms) or (ignore_case and not all(t.isascii() for t in terms)):
        return None
    return Shape(anchors=terms, anchors_ignore_case=ignore_case)


@dataclass(slots=True)
class Window:
    """A part of a chunk to analyse, with the entities whose candidates it holds."""

    start: int
    end: int
    entities: set[str] = field(default_factory=set)


# ASCII case folding plus the three non-ASCII letters the regex module's IGNORECASE equates with an ASCII one
# (Kelvin sign, dotted capital I, long s): one character each, so offsets in the folded text stay the same.
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(65, 91)}
                             | {"\u212a": "k", "\u0130": "i", "\u017f": "s"})
_COLON_PIECE = regex.compile(r"\S*:\S*")


class Prefilter:
    """Candidate windows for one set of shaped entities; built once per classifier."""

    def __init__(self, shapes: dict[str, Shape], nlp: Language, nlp_engine: Any) -> None:
        self.shapes = dict(shapes)
        self._nlp = nlp
        self._nlp_engine = nlp_engine
        self._entities = list(self.shapes)
        runs = [s for s in self.shapes.values() if s.digits or s.consecutive or s.plus_digits or s.dots]
        self._min_digits = min((s.digits for s in runs if s.digits is not None), default=_NEVER)
        self._min_consecutive = min((s.consecutive for s in runs if s.consecutive is not None), default=_NEVER)
        self._plus_digits = min((s.plus_digits for s in runs if s.plus_digits is not None), default=_NEVER)
        self._min_dots = min((s.dots for s in runs if s.dots is not None), default=_NEVER)
        self._run_entities = [(e, s) for e, s in self.shapes.items() if s in runs]
        self._email = [e for e, s in self.shapes.items() if s.email]
        self._iban = [e for e, s in self.shapes.items() if s.iban]
        self._ipv6 = [e for e, s in self.shapes.items() if s.ipv6]
        self._automata: list[tuple[bool, ahocorasick.Automaton]] = []
        for ignore_case in (False, True):
            words: dict[str, list[tuple[str, int | None]]] = {}
            for entity, shape in self.shapes.items():
                if shape.anchors and shape.anchors_ignore_case == ignore_case:
                    for a in shape.anchors:
                        key = a.translate(_ASCII_LOWER) if ignore_case else a
                        words.setdefault(key, []).append((entity, shape.reach))
            if words:
                auto = ahocorasick.Automaton()
                for key, targets in words.items():
                    auto.add_word(key, (len(key), tuple(targets)))
                auto.make_automaton()
                self._automata.append((ignore_case, auto))
        self._keyword_cache: dict[str, bool] = {}
        self._colon_cache: dict[str, tuple[str, ...]] = {}
        # Which entities a digit run can feed depends only on its four counts, which take few distinct values.
        self._run_cache: dict[tuple[int, int, int, int], frozenset[str]] = {}
        self._confirmed = frozenset(e for e, sh in self.shapes.items() if sh.confirm is not None)

    # ------------------------------------------------------------------ candidates

    def candidates(self, chunk: str) -> list[Window]:
        """Unpadded candidate spans (widened to whitespace) with the entities each can feed."""
        out: list[Window] = []
        if self._run_entities or self._email or self._iban or self._ipv6:
            shapes = scan_shapes(chunk, self._min_digits, self._min_consecutive, self._plus_digits,
                                 self._min_dots, bool(self._email), bool(self._iban), bool(self._ipv6))
            for kind, s, e, digits, consecutive, dots, plus in shapes:
                if kind == KIND_RUN:
                    counts = (digits, consecutive, dots, plus)
                    accepted = self._run_cache.get(counts)
                    if accepted is None:
                        accepted = self._run_cache[counts] = frozenset(
                            ent for ent, sh in self._run_entities if sh.accepts_run(digits, consecutive, dots, plus))
                    ents = set(accepted)
                elif kind == KIND_EMAIL:
                    ents = set(self._email)
                elif kind == KIND_IBAN:
                    ents = set(self._iban)
                elif kind == KIND_IPV6:
                    ents = set(self._ipv6)
                else:  # pragma: no cover - the scanner has no other kinds
                    continue
                if ents:
                    out.append(Window(s, e, ents))
        for w in out:
            w.start, w.end = widen(chunk, w.start, w.end)
            confirmed = w.entities & self._confirmed
            if confirmed:
                piece = chunk[w.start:w.end]
                for ent in confirmed:
                    if not any(p.search(piece) for p in self.shapes[ent].confirm or ()):
                        w.entities.discard(ent)
        out = [w for w in out if w.entities]
        for ignore_case, auto in self._automata:
            hay = chunk.translate(_ASCII_LOWER) if ignore_case else chunk
            for end_idx, (length, targets) in auto.iter(hay):
                start = end_idx + 1 - length
                for entity, reach in targets:
                    if reach is None:
                        s = chunk.rfind("\n", 0, start) + 1
                        e = chunk.find("\n", end_idx + 1)
                        e = len(chunk) if e < 0 else e
                    else:
                        s, e = max(0, start - reach), min(len(chunk), end_idx + 1 + reach)
                    s, e = widen(chunk, s, e)
                    out.append(Window(s, e, {entity}))
        return out

    def windows(self, chunk: str) -> list[Window]:
        """Padded, merged windows for ``chunk``, in order."""
        cands = self.candidates(chunk)
        if not cands:
            return []
        kept: list[Window] = []
        lowered_chunk: str | None = None
        present: dict[str, bool] = {}
        for w in cands:
            for e in [e for e in w.entities if self.shapes[e].needs_context is not None]:
                if e not in present:  # no context word anywhere in the chunk: no need to pad
                    lowered_chunk = chunk.lower() if lowered_chunk is None else lowered_chunk
                    present[e] = any(word in lowered_chunk for word in self.shapes[e].needs_context or ())
                if not present[e]:
                    w.entities.discard(e)
            if not w.entities:
                continue
            w.start = self._pad_back(chunk, w.start)
            w.end = self._pad_forward(chunk, w.end)
            gated = [e for e in w.entities if self.shapes[e].needs_context is not None]
            if gated:
                lowered = chunk[w.start:w.end].lower()
                for e in gated:
                    if not any(word in lowered for word in self.shapes[e].needs_context or ()):
                        w.entities.discard(e)
                if not w.entities:
                    continue
            nl = chunk.rfind("\n", 0, w.start) + 1
            if w.start - nl <= LINE_SNAP:
                w.start = nl
            nl = chunk.find("\n", w.end)
            nl = len(chunk) if nl < 0 else nl
            if nl - w.end <= LINE_SNAP:
                w.end = nl
            kept.append(w)
        if not kept:
            return []
        cands = kept
        cands.sort(key=lambda w: w.start)
        merged = [cands[0]]
        for w in cands[1:]:
            last = merged[-1]
            if w.start <= last.end:
                last.end = max(last.end, w.end)
                last.entities |= w.entities
            else:
                merged.append(w)
        return merged

    # ------------------------------------------------------------------ context reach

    def certain_keyword(self, piece: str) -> bool:
        """True when ``piece`` is one token whose lemma is certainly one of Presidio's context keywords."""
        known = self._keyword_cache.get(piece)
        if known is not None:
            return known
        ok = False
        if piece.isascii() and piece.isalpha():
            lower = piece.lower()
            ok = (lower not in _EXTENSION_LABELS and lower != "be"
                  and not self._nlp.vocab[lower].is_stop and not self._nlp.vocab[lower].is_punct
                  and len(self._nlp.tokenizer(piece)) == 1)
        if len(self._keyword_cache) > 200_000:  # bounded: pieces are words, but a share can hold any text
            self._keyword_cache.clear()
        self._keyword_cache[piece] = ok
        return ok

    def _pad_back(self, chunk: str, pos: int) -> int:
        return int(pad_back(chunk, pos, BACK_KEYWORDS, self.certain_keyword))

    def _pad_forward(self, chunk: str, pos: int) -> int:
        return int(pad_forward(chunk, pos, FORWARD_KEYWORDS, self.certain_keyword))

    # ------------------------------------------------------------------ chunk-wide keyword parts

    def extra_keywords(self, chunk: str, state: dict[str, object], lemmas: Iterable[str],
                       keywords: set[str]) -> set[str]:
        """Those of ``lemmas`` that are not keywords by themselves but are one by a ``:`` split elsewhere in
        ``chunk`` (``state`` is a per-chunk cache). A part ``q`` needs ``q:`` or ``:q`` in the lower-cased chunk,
        so the chunk's ``:`` pieces are tokenized only when that cheap test passes."""
        out: set[str] = set()
        colon_text = state.get("colon_text")
        if colon_text is None:
            pieces = state["pieces"] = [m.group() for m in _COLON_PIECE.finditer(chunk)]
            # Only pieces holding ":" can give a part; testing lemmas against them (not the whole chunk) keeps
            # this cheap in chunks with many windows. Joined with "\n", which no piece holds.
            colon_text = state["colon_text"] = "\n".join(pieces).lower()
        assert isinstance(colon_text, str)
        if not colon_text:
            return out
        # Windows of one chunk share most of their words: the verdict per word is kept for the chunk.
        verdicts = state.setdefault("verdicts", {})
        assert isinstance(verdicts, dict)
        for q in set(lemmas):
            q = q.lower()
            if q in keywords or not q:
                continue
            known = verdicts.get(q)
            if known is None:
                known = False
                if (q + ":") in colon_text or (":" + q) in colon_text:
                    chunk_pieces = state["pieces"]
                    assert isinstance(chunk_pieces, list)
                    known = q in self.colon_keywords(
                        p for p in chunk_pieces if (q + ":") in p.lower() or (":" + q) in p.lower())
                verdicts[q] = known
            if known:
                out.add(q)
        return out

    def colon_keywords(self, pieces: Iterable[str]) -> set[str]:
        """Keyword parts Presidio gets by splitting, on ``:``, the tokens of ``pieces`` that hold one."""
        pieces = list(pieces)
        missing = [p for p in dict.fromkeys(pieces) if p not in self._colon_cache]
        if missing:
            # One tokenizer call for all of them: spaCy tokenizes each space-separated piece on its own, and a
            # piece holds no whitespace, so the tokens are those of each piece alone (one call per piece costs
            # far more in a log file with hundreds of "12:30:45" pieces per chunk).
            starts: list[int] = []
            pos = 0
            for p in missing:
                starts.append(pos)
                pos += len(p) + 1
            found: dict[int, list[str]] = {}
            for tok in self._nlp.tokenizer(" ".join(missing)):
                lemma = tok.text.lower()
                if ":" in lemma and not self._nlp_engine.is_stopword(lemma, "en") \
                        and not self._nlp_engine.is_punct(lemma, "en"):
                    found.setdefault(bisect_right(starts, tok.idx) - 1, []).extend(lemma.split(":"))
            if len(self._colon_cache) + len(missing) > 100_000:
                self._colon_cache.clear()
            for i, p in enumerate(missing):
                self._colon_cache[p] = tuple(found.get(i, ()))
        out: set[str] = set()
        for piece in pieces:
            out.update(self._colon_cache[piece])
        return out
