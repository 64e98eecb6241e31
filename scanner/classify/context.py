"""Context scoring in linear time, giving exactly the scores of Presidio's ``LemmaContextAwareEnhancer``.

Presidio's enhancer, for each result of a recognizer that has context words, finds the token the result starts
in by walking every token of the analysed text (``_find_index_of_match_token``: quadratic in results per call),
then collects the lemmas of the 6 nearest *keyword* tokens at or before it (5 words plus the value's own token)
and of the 1 nearest at or after it, and raises the score to ``min(max(score + 0.35, 0.4), 1.0)`` when one of the
recognizer's context words (lower case) is a substring of one of those lemmas, or of a context word given with
the call. This module computes the same answer for one result in time proportional to the tokens it looks at:

- **Tokens, piece by piece.** spaCy's tokenizer splits the text at whitespace first and tokenizes each
  whitespace-delimited piece on its own, so the tokens of a piece do not depend on the text around it: they are
  computed once per distinct piece (a bounded cache) and placed at the piece's offset. The whitespace between
  pieces becomes a token of its own the way spaCy makes one: the run minus its first character when that is a
  plain space following a token, the whole run at the very start of the text (:func:`whitespace_token`).
- **Keywords** are the lemmas (lower-case token text, :mod:`scanner.classify.presidio_setup`) that are neither a
  stop word nor punctuation nor ``be``, where the rules' own context words are never stop words (our one
  departure from Presidio, whose spaCy stop list holds ``call``; the tests give Presidio the same stop list);
  a lemma holding ``:`` is never one itself but gives its ``:``-separated parts to the keyword list of the
  *whole* text, so ``the:10`` anywhere makes every ``the`` a keyword there (:meth:`ChunkContext.is_keyword`,
  which looks for such parts only when ``q:`` or ``:q`` occurs at all).
- **Cheap exits.** A context word can only be a substring of a lemma if it is a substring of the lower-cased text:
  a text without any of a rule's words is never tokenized for it.

``tests/unit/test_context.py`` holds this module to Presidio's own enhancer on random texts and on the benchmark
corpora (every result of every rule with context words).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from scanner._fast import widen

FACTOR = 0.35            # LemmaContextAwareEnhancer defaults: context_similarity_factor
MIN_WITH_CONTEXT = 0.4   # min_score_with_context_similarity
# The enhancer's window, widened from its 5 words before to 8: a label and its value are often further apart than
# 5 tokens ("Passport no. Office" above a table row puts "passport" 6 tokens back; "card number (Visa):" 6).
PREFIX_WORDS = 8         # context_prefix_count (plus the value's own token)
SUFFIX_WORDS = 0         # context_suffix_count (plus the value's own token)

_PIECE = re.compile(r"\S+")  # \S is the complement of str.isspace, which is what spaCy splits at
_CACHE_LIMIT = 200_000


def boost(score: float) -> float:
    """The score a result gets when a context word supports it."""
    return min(max(score + FACTOR, MIN_WITH_CONTEXT), 1.0)


def whitespace_token(run: str, after_token: bool) -> str:
    """The token spaCy makes of a whitespace ``run`` between pieces ("" for none): a plain space right after a
    token belongs to that token; everything else of the run is one token."""
    if after_token and run[:1] == " ":
        return run[1:]
    return run


class ContextScorer:
    """Per-process state for context scoring: the tokenizer and the caches of piece tokens and keyword verdicts."""

    def __init__(self, nlp: Any, kept: frozenset[str] = frozenset()) -> None:
        from spacy.attrs import IS_PUNCT, IS_STOP

        # Lemmas that count as keywords although spaCy lists them as stop words: the rules' own context words
        # ("call": Presidio never lets "call 404-359-5358" support a phone, since spaCy calls "call" a stop word).
        self._kept = kept
        self._tokenizer = nlp.tokenizer
        # The functions spaCy computes a new lexeme's flags with: asking them directly gives the same answers as
        # ``vocab[word].is_stop`` without adding every number and word of a share to the vocabulary.
        self._is_stop = nlp.vocab.lex_attr_getters[IS_STOP]
        self._is_punct = nlp.vocab.lex_attr_getters[IS_PUNCT]
        self._pieces: dict[str, tuple[tuple[int, int, str], ...]] = {}
        self._keep: dict[str, bool] = {}

    def piece_tokens(self, piece: str) -> tuple[tuple[int, int, str], ...]:
        """``(offset in piece, length, lemma)`` of each token of a whitespace-free ``piece``."""
        toks = self._pieces.get(piece)
        if toks is None:
            toks = tuple((t.idx, len(t.text), t.lower_.lower()) for t in self._tokenizer(piece))
            if len(self._pieces) >= _CACHE_LIMIT:  # bounded: a share holds any number of distinct words
                self._pieces.clear()
            self._pieces[piece] = toks
        return toks

    def keeps(self, lemma: str) -> bool:
        """Presidio's keyword filter on a lemma (before its ``:`` split): not a stop word, not punctuation, not
        ``be`` (its ``-PRON-`` test never holds for a lower-case lemma)."""
        ok = self._keep.get(lemma)
        if ok is None:
            ok = ((lemma in self._kept or not self._is_stop(lemma)) and not self._is_punct(lemma)
                  and lemma != "-PRON-" and lemma != "be")
            if len(self._keep) >= _CACHE_LIMIT:
                self._keep.clear()
            self._keep[lemma] = ok
        return ok

    def chunk(self, text: str) -> ChunkContext:
        """The scoring state of one analysed text (a chunk)."""
        return ChunkContext(self, text)


class ChunkContext:
    """Context scoring over one analysed text; everything is computed on first need and kept for the text."""

    __slots__ = ("_colon_pieces", "_colon_verdicts", "_lower", "_present", "_scorer", "text")

    def __init__(self, scorer: ContextScorer, text: str) -> None:
        self._scorer = scorer
        self.text = text
        self._lower: str | None = None
        self._present: dict[tuple[str, ...], bool] = {}
        self._colon_pieces: list[str] | None = None
        self._colon_verdicts: dict[str, bool] = {}

    @property
    def lower(self) -> str:
        """The lower-cased text."""
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def may_support(self, words: tuple[str, ...]) -> bool:
        """False when no lemma of this text can hold one of ``words`` (lower case): none occurs in the text."""
        present = self._present.get(words)
        if present is None:
            lower = self.lower
            present = self._present[words] = any(w in lower for w in words)
        return present

    # ------------------------------------------------------------------ tokens
    #
    # A "sequence" is the whitespace token before a piece (if any) followed by the piece's tokens; the text's
    # tokens are its sequences in order, then the whitespace token after its last piece. Sequences are found
    # from a position outwards (compiled ``widen``), so a result costs what its walk passes, not the whole text.

    def _piece_from(self, pos: int, step: int) -> tuple[int, int] | None:
        """The piece at ``pos``, or the first one after (``step`` 1) or before (``step`` -1) the whitespace
        there; ``None`` past the text's end or start."""
        text, n = self.text, len(self.text)
        if step > 0:
            while pos < n and text[pos].isspace():
                pos += 1
            if pos >= n:
                return None
            return widen(text, pos, pos + 1)
        while pos > 0 and text[pos - 1].isspace():
            pos -= 1
        if pos <= 0:
            return None
        return widen(text, pos - 1, pos)

    def _seq(self, piece: tuple[int, int] | None) -> list[tuple[int, int, str]]:
        """Tokens of a piece with absolute offsets, after the whitespace token before it; ``None``: the whitespace
        token after the last piece."""
        text = self.text
        if piece is None:
            last = self._piece_from(len(text), -1)
            end = last[1] if last is not None else 0
            ws = whitespace_token(text[end:], after_token=last is not None) if end < len(text) else ""
            return [(len(text) - len(ws), len(ws), ws.lower())] if ws else []
        s, e = piece
        out: list[tuple[int, int, str]] = []
        prev = self._piece_from(s, -1)
        prev_end = prev[1] if prev is not None else 0
        if s > prev_end:
            ws = whitespace_token(text[prev_end:s], after_token=prev is not None)
            if ws:
                out.append((s - len(ws), len(ws), ws.lower()))
        out.extend((s + off, n, lemma) for off, n, lemma in self._scorer.piece_tokens(text[s:e]))
        return out

    def _neighbour(self, piece: tuple[int, int] | None, step: int) -> tuple[bool, tuple[int, int] | None]:
        """``(exists, piece)`` of the sequence before or after ``piece``'s (``None`` piece: the tail)."""
        if piece is None:
            if step > 0:
                return False, None
            prev = self._piece_from(len(self.text), -1)
            return prev is not None, prev
        if step < 0:
            prev = self._piece_from(piece[0], -1)
            return prev is not None, prev
        nxt = self._piece_from(piece[1], 1)
        return True, nxt  # after the last piece comes the tail

    def is_keyword(self, lemma: str) -> bool:
        """True when ``lemma`` is in Presidio's keyword list of this whole text."""
        if ":" in lemma:
            return False  # only its parts enter the list, and no part holds ":"
        if self._scorer.keeps(lemma):
            return True
        known = self._colon_verdicts.get(lemma)
        if known is None:
            known = self._colon_verdicts[lemma] = self._colon_part(lemma)
        return known

    def _colon_part(self, lemma: str) -> bool:
        """True when a kept lemma holding ``:`` somewhere in the text has ``lemma`` as one of its parts. Only the
        pieces holding ``lemma:`` or ``:lemma`` (lower-cased) can give it, so only those are tokenized."""
        lower = self.lower
        if (lemma + ":") not in lower and (":" + lemma) not in lower:
            return False
        if self._colon_pieces is None:
            self._colon_pieces = [m.group() for m in _PIECE.finditer(self.text) if ":" in m.group()]
        for piece in self._colon_pieces:
            low = piece.lower()
            if (lemma + ":") not in low and (":" + lemma) not in low:
                continue
            for _, _, tok in self._scorer.piece_tokens(piece):
                if ":" in tok and self._scorer.keeps(tok) and lemma in tok.split(":"):
                    return True
        return False

    # ------------------------------------------------------------------ the enhancer's walk

    def _locate(self, start: int) -> tuple[tuple[int, int] | None, list[tuple[int, int, str]], int] | None:
        """``(piece, its token sequence, token index)`` of the token Presidio's enhancer takes for a result
        starting at ``start``: the first with ``idx == start`` or ``start < idx + len``; ``None`` when there is
        none (Presidio raises there; no result starts past the last token)."""
        if not 0 <= start < len(self.text):
            return None
        piece = widen(self.text, start, start + 1) if not self.text[start].isspace() else \
            self._piece_from(start, 1)
        while True:
            seq = self._seq(piece)
            i = next((j for j, (idx, n, _) in enumerate(seq) if idx == start or start < idx + n), None)
            if i is not None:
                return piece, seq, i
            exists, nxt = self._neighbour(piece, 1)
            if not exists:
                return None
            piece = nxt

    def _collect(self, where: tuple[tuple[int, int] | None, list[tuple[int, int, str]], int],
                 keyword: Callable[[str], bool], visited: list[str] | None = None) -> list[str]:
        """The enhancer's walk from ``where`` with ``keyword`` deciding what counts: PREFIX_WORDS + 1 keyword
        lemmas at or before the token, SUFFIX_WORDS + 1 at or after it. Every lemma passed goes to ``visited``."""
        piece, seq, i = where
        found: list[str] = []
        for step, want in ((-1, PREFIX_WORDS + 1), (1, SUFFIX_WORDS + 1)):
            pp, pseq, pi = piece, seq, i
            while want > 0:
                if pi < 0 or pi >= len(pseq):
                    exists, pp = self._neighbour(pp, step)
                    if not exists:
                        break
                    pseq = self._seq(pp)
                    pi = len(pseq) - 1 if step < 0 else 0
                    continue
                lemma = pseq[pi][2]
                if visited is not None:
                    visited.append(lemma)
                if keyword(lemma):
                    found.append(lemma)
                    want -= 1
                pi += step
        return found

    def surrounding(self, start: int) -> list[str]:
        """The lemmas Presidio's enhancer collects around a result starting at ``start``: the 6 nearest keyword
        tokens at or before the token holding ``start``, and the nearest one at or after it."""
        where = self._locate(start)
        return [] if where is None else self._collect(where, self.is_keyword)

    def supports(self, start: int, words: tuple[str, ...], whole: tuple[str, ...] = ()) -> bool:
        """True when one of ``words`` (lower case) is a substring of a lemma the enhancer collects for a result
        starting at ``start``, or one of ``whole`` is such a lemma (dots and colons aside: ``tel.``).

        Whether a stop word or punctuation is a keyword depends on ``:`` pieces anywhere in the text, which are
        costly to find out. The real walk reaches no further than one counting only certain keywords, and no
        less far than one counting every lemma without ``:``; so the answer is known without that work when no
        lemma in the longer reach holds a word, or a certain keyword in the shorter one does.
        """
        if not (words or whole) or not self.may_support(words + whole):
            return False
        where = self._locate(start)
        if where is None:
            return False
        keeps = self._scorer.keeps

        def certain(lemma: str) -> bool:
            return ":" not in lemma and keeps(lemma)

        visited: list[str] = []
        self._collect(where, certain, visited)
        if not _holds(words, [lemma for lemma in visited if ":" not in lemma], whole):
            return False
        if _holds(words, [lemma for lemma in self._collect(where, lambda lemma: ":" not in lemma) if certain(lemma)],
                  whole):
            return True
        return _holds(words, self._collect(where, self.is_keyword), whole)


def _holds(words: tuple[str, ...], lemmas: list[str], whole: tuple[str, ...] = ()) -> bool:
    """True when one of ``words`` is a substring of one of ``lemmas`` (tested once against the lemmas joined by a
    character no context word holds: a word cannot match across two lemmas), or one of ``whole`` is one of them."""
    if not lemmas:
        return False
    joined = "\x00".join(lemmas)
    if any(w in joined for w in words):
        return True
    return bool(whole) and any(lemma.strip(".:") in whole for lemma in lemmas)


def external_supports(words: tuple[str, ...], external: Sequence[str], whole: tuple[str, ...] = ()) -> bool:
    """True when one of ``words`` is a substring of one of the context words given with the call (lower-cased,
    as Presidio lower-cases them), or one of ``whole`` is one of them."""
    return any(w in e.lower() for e in external for w in words) or \
        any(e.lower().strip(".:") in whole for e in external)
