"""The classifier a worker builds once: templates + job options -> rules -> prefilter -> context -> masked, hashed
detections.

Text is analysed in line-aligned chunks of about 64 KB (:func:`iter_chunk_spans`), so memory stays bounded. A
chunk normally ends at a newline; a line longer than a chunk is cut at whitespace (or hard), and then the two
chunks overlap by about :data:`OVERLAP_CHARS` and each finding is kept from the chunk that owns its start, so a
value crossing the cut is found once (a value longer than the overlap can still be cut). Context words are looked
for within the value's own chunk.

**Rules are ours** (:mod:`scanner.classify.rules`, :mod:`scanner.classify.build`): template rules, the job's custom
regexes, dictionaries and deny lists, and Presidio's predefined recognizers only for entities we have no rule of
our own for. Every rule finds raw matches with a score; context words then raise a score exactly as Presidio's
``LemmaContextAwareEnhancer`` would over the chunk (to ``min(max(score + 0.35, 0.4), 1.0)``), computed in time
linear in what is looked at (:mod:`scanner.classify.context`). Words given with the text (a table column's header)
count as context for the values they are given for, as Presidio's ``context`` argument does.

**Fast path and the contract.** By default (``prefilter=True``) a rule searches only the
:class:`~scanner.classify.prefilter.Prefilter`'s windows (digit runs, ``@`` pieces, IBAN and IPv6 shapes, literal
anchors) that hold its candidates; rules of unknown shape search whole chunks. For every text the findings
(entity, start, end, score) equal those of ``prefilter=False``, where every rule searches every whole chunk.

Scores and overlaps: a result below its entity's minimum score (``min_scores``, else ``min_score``) is dropped; of
results of the same entity, one contained in another with an equal or higher score is dropped (Presidio's rule,
so a value two rules find is one finding); results of different entities over the same span are all kept. Values
of the allow list (compared as :func:`normalise` makes them) are left out. Optional NER runs over prose chunks
(:mod:`scanner.classify.ner`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from scanner.classify.build import custom_rule, dictionary_rules, entity_rules, rules_from_spec
from scanner.classify.context import ContextScorer, boost, external_supports
from scanner.classify.masking import mask, normalise, value_hash
from scanner.classify.prefilter import Prefilter, mentions
from scanner.classify.rules import PatternRule, Rule
from scanner.classify.templates import Template, load_templates
from scanner.config import ClassificationConfig
from scanner.exceptions import ClassificationError

logger = logging.getLogger(__name__)

CHUNK_CHARS = 64 * 1024
OVERLAP_CHARS = 2048
_CUT_SPACES = (" ", "\t", "\r", "\f", "\v")
_SCORE_DIGITS = 4  # context adds 0.35: 0.2 + 0.35 would print as 0.5499999999999999


@dataclass(slots=True)
class Detection:
    """One detected value: offsets into the classified text, its score, mask and keyed hash.

    ``value`` is the raw value only when the classifier stores raw values; otherwise ``None``.
    """

    entity: str
    start: int
    end: int
    score: float
    masked: str
    value_hash: str
    value: str | None = None


class TextContext(Protocol):
    """Context words that hold for values of a text without being in it (a table column's header)."""

    def words_at(self, pos: int) -> Sequence[str]:
        """The words for a value starting at offset ``pos`` of the text."""

    def vocabulary(self) -> Sequence[str]:
        """Every word :meth:`words_at` can return."""


def iter_chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of consecutive chunks of at most ``size`` characters, each ending after a newline.

    A line longer than ``size`` is cut after its last whitespace within the limit, or at the limit if it has
    none.
    """
    if size < 1:
        raise ValueError("chunk size must be positive")
    n = len(text)
    pos = 0
    while pos < n:
        limit = pos + size
        if limit >= n:
            yield pos, n
            return
        cut = text.rfind("\n", pos, limit) + 1
        if cut <= pos:
            cut = max(text.rfind(ch, pos, limit) for ch in _CUT_SPACES) + 1
            if cut <= pos:
                cut = limit
        yield pos, cut
        pos = cut


def iter_chunk_spans(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
                     ) -> Iterator[tuple[int, int, int, int]]:
    """``(start, end, own_start, own_end)``: the chunks of :func:`iter_chunks` (owned parts), each widened by
    ``overlap`` characters (cut at whitespace) on a side where the cut is not after a newline."""
    for own_start, own_end in iter_chunks(text, size):
        start, end = own_start, own_end
        if own_start > 0 and text[own_start - 1] != "\n":
            start = max(0, own_start - overlap)
            while start < own_start and not text[start].isspace():
                start += 1
            start = start + 1 if start < own_start else own_start
        if own_end < len(text) and text[own_end - 1] != "\n":
            end = min(len(text), own_end + overlap)
            while end > own_end and not text[end - 1].isspace():
                end -= 1
            end = max(end, own_end)
        yield start, end, own_start, own_end


@dataclass(slots=True)
class PrefilterStats:
    """What the prefilter did since the classifier was built (for the benchmark)."""

    chars: int = 0          # characters classified
    chars_sent: int = 0     # characters searched by rules (windows, plus whole chunks for unshaped rules)
    windows: int = 0
    chunks: int = 0
    ner_chunks: int = 0     # chunks given to the NER model (prose only)


def remove_contained(found: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """Presidio's ``remove_duplicates`` over ``(start, end, entity, score)``: per entity, a result contained in a
    kept one with an equal or higher score is dropped (so is an exact duplicate)."""
    if len(found) < 2:
        return found
    out: list[tuple[int, int, str, float]] = []
    active: dict[str, list[tuple[int, int, str, float]]] = {}
    for r in sorted(found, key=lambda r: (r[2], r[0], r[0] - r[1], -r[3])):
        start, end, entity, score = r
        kept = [a for a in active.get(entity, ()) if a[1] >= start]
        if any(a[0] <= start and end <= a[1] and score <= a[3] for a in kept):
            active[entity] = kept
            continue
        kept.append(r)
        active[entity] = kept
        out.append(r)
    return out


class Classifier:
    """Detects the configured entities in text. Build one per worker process."""

    def __init__(self, cfg: ClassificationConfig, hmac_key: bytes, store_raw: bool = False,
                 prefilter: bool = True):
        if not hmac_key:
            raise ClassificationError("the HMAC key is empty")
        self._key = bytes(hmac_key)
        self._store_raw = store_raw
        self.min_score = cfg.min_score
        self.template: Template = load_templates(cfg.template)
        self.rules, entities = _select_rules(self.template, cfg)
        self._pattern_entities = list(entities)
        self._ner: Any = None
        self.ner_entities: list[str] = []
        if cfg.nlp is not None:
            from scanner.classify.ner import NerRunner

            self._ner = NerRunner(cfg.nlp.model, cfg.nlp.entities, cfg.nlp.batch_size)
            self.ner_entities = [e for e in cfg.nlp.entities if e not in entities]
            entities = entities + self.ner_entities
        unknown = sorted(set(cfg.min_scores) - set(entities))
        if unknown:
            raise ClassificationError(
                f"classification.min_scores names {', '.join(unknown)}, not an enabled entity "
                f"(enabled: {', '.join(entities)})", ("classification", "min_scores", unknown[0])
            )
        self.min_scores = {e: cfg.min_scores.get(e, cfg.min_score) for e in entities}
        self._allow = list(cfg.allow)
        self._allowed: dict[str, frozenset[str]] = {}
        self.custom_rules: list[PatternRule] = [r for r in self.rules if isinstance(r, PatternRule) and r.guarded]
        for i, custom in enumerate(self.custom_rules):
            if custom.engine != "re2":
                logger.warning("classification.custom[%d] (%s): RE2 cannot run this regex; it runs with the regex "
                               "module, %.3g s at most per searched text", i, custom.entity, cfg.regex_timeout_s)
        self._entities = entities
        self.use_prefilter = prefilter
        self.stats = PrefilterStats()
        self._scorer: ContextScorer | None = None
        # Per rule: the minimum score of its entity, and whether context can change whether/how it is reported.
        self._floor = [self.min_scores[r.entity] for r in self.rules]
        shapes = {}
        # Rules searched on whole chunks that can only be reported with a context word: skipped on chunks
        # that mention none (the prefilter does the same for shaped rules).
        self._whole_gates: dict[int, tuple[str, ...]] = {}
        for i, rule in enumerate(self.rules):
            floor = self._floor[i]
            gate: tuple[str, ...] | None = None
            if rule.best < floor:
                words = rule.context + rule.context_whole  # a whole word is a substring of the chunk too
                gate = words if words and boost(rule.best) >= floor else ()
            if rule.shape is not None:
                shapes[i] = dataclasses.replace(rule.shape, needs_context=gate)
            elif gate is not None:
                self._whole_gates[i] = gate
        self._whole = [i for i, r in enumerate(self.rules) if r.shape is None]
        self.whole_chunk_entities = list(dict.fromkeys(self.rules[i].entity for i in self._whole))
        self._prefilter = Prefilter(shapes)
        logger.info(
            "classifier ready: template %s, entities %s, min_score %s, prefilter %s (whole chunks: %s)",
            self.template.name, ", ".join(entities), self.min_score, "on" if prefilter else "off",
            ", ".join(self.whole_chunk_entities) or "none",
        )

    @property
    def entities(self) -> list[str]:
        """The enabled entities: the templates' (or those the job named) and the job's custom recognizers."""
        return list(self._entities)

    @property
    def regex_timeouts(self) -> dict[str, int]:
        """Per custom recognizer whose regex ran out of time at least once: how many texts it gave up on."""
        return {r.entity: r.timeouts for r in self.custom_rules if r.timeouts}

    @property
    def context_words(self) -> frozenset[str]:
        """Every rule's context words (lower case)."""
        return frozenset(w for r in self.rules for w in (*r.context, *r.context_whole))

    @property
    def scorer(self) -> ContextScorer:
        """The context scorer (spaCy's blank English tokenizer), built on first need: a chunk holding a context word
        of a rule whose match it may raise (spaCy takes a worker a second to import)."""
        if self._scorer is None:
            self._scorer = ContextScorer(blank_english(), self.context_words)
        return self._scorer

    def _is_allowed(self, entity: str, value: str) -> bool:
        allowed = self._allowed.get(entity)
        if allowed is None:
            allowed = self._allowed[entity] = frozenset(normalise(entity, a).casefold() for a in self._allow)
        return normalise(entity, value).casefold() in allowed

    def detect(self, text: str, context: TextContext | None = None) -> list[Detection]:
        """Every value of an enabled entity scoring at least its minimum score in ``text``, sorted by start;
        values of the allow list are left out. ``context`` gives words that count as context for the values
        at given offsets (a table column's header)."""
        return self.detect_many([text], [context])[0]

    def detect_many(self, texts: list[str], contexts: Sequence[TextContext | None] | None = None
                    ) -> list[list[Detection]]:
        """:meth:`detect` for each of ``texts``; NER (when configured) runs over all their chunks in batches."""
        ctxs = list(contexts) if contexts is not None else [None] * len(texts)
        spans = [[s for s in iter_chunk_spans(text) if not text[s[0]:s[1]].isspace()] for text in texts]
        ner_found: list[list[list[tuple[int, int, str, float]]]] = [[[] for _ in sp] for sp in spans]
        if self._ner is not None:
            flat = [text[s:e] for text, sp in zip(texts, spans, strict=True) for s, e, _, _ in sp]
            before = self._ner.texts_run
            found = iter(self._ner.analyze(flat))
            ner_found = [[next(found) for _ in sp] for sp in spans]
            self.stats.ner_chunks += self._ner.texts_run - before
        return [self._detect_one(text, sp, nf, ctx)
                for text, sp, nf, ctx in zip(texts, spans, ner_found, ctxs, strict=True)]

    def _detect_one(self, text: str, spans: list[tuple[int, int, int, int]],
                    ner_found: list[list[tuple[int, int, str, float]]], ctx: TextContext | None) -> list[Detection]:
        out: list[Detection] = []
        self.stats.chars += len(text)
        outside = tuple(ctx.vocabulary()) if ctx is not None else ()
        for (start, end, own_start, own_end), ner in zip(spans, ner_found, strict=True):
            chunk = text[start:end]
            self.stats.chunks += 1
            found = self._score_chunk(chunk, start, own_start - start, own_end - start, ctx, outside) + ner
            for r_start, r_end, entity, score in remove_contained(found):
                abs_start = start + r_start
                if not own_start <= abs_start < own_end:
                    continue  # the chunk owning this start reports it
                if score < self.min_scores.get(entity, self.min_score):
                    continue
                value = chunk[r_start:r_end]
                if self._allow and self._is_allowed(entity, value):
                    continue
                out.append(Detection(
                    entity=entity,
                    start=abs_start,
                    end=start + r_end,
                    score=round(score, _SCORE_DIGITS),
                    masked=mask(entity, value),
                    value_hash=value_hash(self._key, entity, value),
                    value=value if self._store_raw else None,
                ))
        out.sort(key=lambda d: (d.start, d.end, d.entity))
        return out

    def _raw(self, chunk: str, outside: Sequence[str]) -> list[tuple[int, int, float, int]]:
        """``(start, end, score before context, rule index)`` of every rule's matches in ``chunk``."""
        found: list[tuple[int, int, float, int]] = []
        n = len(chunk)
        if not self.use_prefilter:
            self.stats.chars_sent += n * len(self.rules)
            for i, rule in enumerate(self.rules):
                found.extend((s, e, sc, i) for s, e, sc in rule.find(chunk, 0, n))
            return found
        lowered: str | None = None
        for i in self._whole:
            gate = self._whole_gates.get(i)
            if gate is not None:
                if lowered is None:
                    lowered = chunk.lower()
                if not mentions(gate, lowered, [w.lower() for w in outside]):
                    continue
            self.stats.chars_sent += n
            found.extend((s, e, sc, i) for s, e, sc in self.rules[i].find(chunk, 0, n))
        windows, runs = self._prefilter.plan(chunk, outside)
        rules = self.rules
        for w in windows:
            self.stats.windows += 1
            self.stats.chars_sent += w.end - w.start
            for i in w.rules:
                found.extend((s, e, sc, i) for s, e, sc in rules[i].find(chunk, w.start, w.end))
        for start, end, keys in runs:
            self.stats.chars_sent += end - start
            for i in keys:
                found.extend((s, e, sc, i) for s, e, sc in rules[i].find(chunk, start, end))
        self.stats.windows += len(runs)
        return found

    def _score_chunk(self, chunk: str, offset: int, own_lo: int, own_hi: int, ctx: TextContext | None,
                     outside: Sequence[str]) -> list[tuple[int, int, str, float]]:
        """The chunk's results with context applied, ``(start, end, entity, score)``; those owned by another
        chunk or below their minimum score are dropped here already."""
        out: list[tuple[int, int, str, float]] = []
        chunk_ctx = None
        lower: str | None = None
        for s, e, score, i in self._raw(chunk, outside):
            if not own_lo <= s < own_hi:
                continue
            rule = self.rules[i]
            floor = self._floor[i]
            if score < 1.0 and (rule.context or rule.context_whole) and (score >= floor or boost(score) >= floor):
                words = ctx.words_at(offset + s) if ctx is not None else ()
                if words and external_supports(rule.context, words, rule.context_whole):
                    score = boost(score)
                else:
                    if lower is None:
                        lower = chunk.lower()
                    # What ChunkContext.supports answers first: no lemma holds a word the lower-cased chunk lacks.
                    if any(w in lower for w in rule.context) or any(w in lower for w in rule.context_whole):
                        if chunk_ctx is None:
                            chunk_ctx = self.scorer.chunk(chunk)
                        if chunk_ctx.supports(s, rule.context, rule.context_whole):
                            score = boost(score)
            if score < floor:
                continue
            out.append((s, e, rule.entity, score))
        return out


@dataclass(frozen=True, slots=True)
class BlankEnglish:
    """What the context scorer uses of ``spacy.blank("en")``: its tokenizer and vocabulary."""

    tokenizer: Any
    vocab: Any


@dataclass(frozen=True, slots=True)
class _Defaults:
    """What spaCy's tokenizer factory reads of a pipeline."""

    Defaults: Any  # noqa: N815 - the attribute spaCy's factory reads
    vocab: Any


def blank_english() -> BlankEnglish:
    """The tokenizer and vocabulary of ``spacy.blank("en")``, made by the functions it makes them with
    (``create_vocab`` over the English defaults, and the ``spacy.Tokenizer.v1`` factory) but without the pipeline
    around them, whose making loads every installed package's spaCy entry points (Presidio's, which imports all
    of Presidio) and resolves a config: a fifth of a second less for the worker that first needs context. The same
    tokens and lexeme attributes: tests/unit/test_context.py."""
    from spacy.lang.en import English
    from spacy.language import create_tokenizer
    from spacy.vocab import create_vocab

    vocab = create_vocab(English.lang, English.Defaults)
    # The factory reads only the language's defaults and vocabulary from the pipeline it is given.
    pipeline: Any = _Defaults(English.Defaults, vocab)
    return BlankEnglish(create_tokenizer()(pipeline), vocab)


def _select_rules(template: Template, cfg: ClassificationConfig) -> tuple[list[Rule], list[str]]:
    custom_names = [c.name for c in cfg.custom]
    wanted = list(template.entities) if cfg.entities is None else list(dict.fromkeys(cfg.entities))
    rules: list[Rule] = []
    entities: list[str] = []
    unknown: list[str] = []
    for entity in wanted:
        specs = template.rules_for(entity)
        if specs:
            for spec in specs:
                rules.extend(rules_from_spec(spec, cfg.phone_regions))
        elif entity in custom_names:
            pass  # built below with the other custom rules
        else:
            try:
                rules.extend(entity_rules(entity, cfg.phone_regions))
            except ClassificationError:
                unknown.append(entity)
                continue
        entities.append(entity)
    if unknown:
        import difflib

        from scanner.classify.build import predefined_entities

        known = list(template.entities) + list(predefined_entities())
        close = [m for e in unknown for m in difflib.get_close_matches(e, known, n=1)]
        raise ClassificationError(
            f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(repr(e) for e in unknown)}"
            + (f" (did you mean {', '.join(map(repr, close))}?)" if close else "") + " in "
            f"classification.entities: not in template {template.name!r} ({', '.join(template.entities)}), "
            f"not a custom recognizer, and not one of Presidio's predefined entities "
            f"({', '.join(predefined_entities())})",
            ("classification", "entities", (cfg.entities or wanted).index(unknown[0])),
        )
    for custom in cfg.custom:
        rules.append(custom_rule(custom, cfg.regex_timeout_s))
        if custom.name not in entities:
            entities.append(custom.name)
    for rule in dictionary_rules(cfg):
        rules.append(rule)
        if rule.entity not in entities:
            entities.append(rule.entity)
    if not rules:
        raise ClassificationError(
            "no entity to detect: classification.entities is empty and there is no custom recognizer",
            ("classification", "entities"),
        )
    return rules, entities
