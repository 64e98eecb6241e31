"""The classifier a worker builds once: template + job options -> prefilter -> Presidio -> masked, hashed detections.

Text is analysed in line-aligned chunks of about 64 KB (:func:`iter_chunk_spans`), so spaCy never sees a huge
document and memory stays bounded. A chunk normally ends at a newline; a line longer than a chunk is cut at
whitespace (or hard), and then the two chunks overlap by about :data:`OVERLAP_CHARS` and each finding is kept from
the chunk that owns its start, so a value crossing the cut is found once (a value longer than the overlap can
still be cut). Context words are looked for within the value's own chunk.

**Fast path and the contract.** By default (``prefilter=True``) a chunk is not given to Presidio whole: the
:class:`~scanner.classify.prefilter.Prefilter` finds candidate windows (digit runs, ``@`` pieces, IBAN and IPv6
shapes, literal anchors), each padded so that Presidio's context enhancer sees the same words, and Presidio
analyses only those windows, each with only the entities that could fire there. For every text the findings
(entity, start, end, score) equal those of ``prefilter=False``, which is plain Presidio over each whole chunk with
the same recognizers and context words. What that needs, and so what this engine assumes of a recognizer:

- context reach is Presidio's default (5 keyword tokens before the match plus its own token, 1 after), counted
  in words that are certainly keywords, not in characters; windows are cut only at whitespace;
- a recognizer's declared shape holds for every match it can return (built-in shapes for Presidio's card, SSN,
  e-mail, IBAN, IP and phone recognizers; ``prefilter:`` for template pattern rules; ``anchors`` for a job's
  custom regex); a pattern may look at the characters around its match only up to the next whitespace, and an
  anchored match lies on its anchor's line unless the rule gives a ``reach``;
- an entity with a recognizer of unknown shape is analysed on whole chunks (:attr:`Classifier.whole_chunk_entities`).

Job options applied here, identically on both paths: per-entity minimum scores (Presidio filters at the lowest,
:meth:`Classifier.detect` at each entity's own), the allow list (values compared as :func:`normalise` makes them),
dictionary and deny-list recognizers (Presidio deny lists, prefiltered by their terms), custom regexes (RE2 or a
time limit, :mod:`scanner.classify.guard`) and optional NER over prose chunks (:mod:`scanner.classify.ner`).
Windows build their spaCy artifacts lazily (:class:`LazyArtifacts`): only a window with a result is tokenized.

Overlaps: Presidio drops a result contained in another result *of the same entity* with an equal or higher
score; results of different entities over the same or overlapping spans (a 16-digit card that is also a bank
account number near "account") are all kept, as Presidio returns them. Nothing else is deduplicated here.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from scanner.classify.guard import GuardedPatternRecognizer
from scanner.classify.masking import mask, normalise, value_hash
from scanner.classify.prefilter import Prefilter, Shape, confirm_patterns, context_gate, default_shape, terms_shape
from scanner.classify.presidio_setup import LANGUAGE, build_analyzer
from scanner.classify.recognizers import (
    build_custom_recognizer,
    build_dictionary_recognizer,
    build_predefined_recognizers,
    build_rule_recognizer,
    predefined_entities,
)
from scanner.classify.templates import Template, load_template, rule_shape
from scanner.config import DEFAULT_PHONE_REGIONS, ClassificationConfig
from scanner.exceptions import ClassificationError

logger = logging.getLogger(__name__)

CHUNK_CHARS = 64 * 1024
OVERLAP_CHARS = 2048
_CUT_SPACES = (" ", "\t", "\r", "\f", "\v")
_SCORE_DIGITS = 4  # Presidio adds 0.35 for context: 0.2 + 0.35 would print as 0.5499999999999999


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
    chars_sent: int = 0     # characters given to Presidio (windows, plus whole chunks for unshaped entities)
    windows: int = 0
    chunks: int = 0
    ner_chunks: int = 0     # chunks given to the NER model (prose only)


class LazyArtifacts:
    """Presidio's ``NlpArtifacts`` for a window, built (spaCy tokens, lemmas, keywords) on first use.

    Only the context enhancer reads them, and only for a recognizer result: most windows (a year, a price, an
    order number) give no result, so their text is never tokenized. Findings are the same either way.
    """

    __slots__ = ("_build", "_real")

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._real: Any = None

    def __bool__(self) -> bool:
        return True  # Presidio builds its own artifacts when given a falsy value

    def __getattr__(self, name: str) -> Any:
        if self._real is None:
            self._real = self._build()
        return getattr(self._real, name)


class Classifier:
    """Detects the configured entities in text. Build one per worker process: building takes a few seconds."""

    def __init__(self, cfg: ClassificationConfig, hmac_key: bytes, store_raw: bool = False,
                 prefilter: bool = True):
        if not hmac_key:
            raise ClassificationError("the HMAC key is empty")
        self._key = bytes(hmac_key)
        self._store_raw = store_raw
        self.min_score = cfg.min_score
        self.template: Template = load_template(cfg.template)
        recognizers, entities, shapes = _select_recognizers(self.template, cfg)
        self._pattern_entities = list(entities)  # those Presidio's pattern recognizers detect
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
                f"(enabled: {', '.join(entities)})"
            )
        # Per entity: the lowest score reported. Presidio filters at the lowest of them; detect() the rest.
        self.min_scores = {e: cfg.min_scores.get(e, cfg.min_score) for e in entities}
        self._threshold = min([cfg.min_score, *self.min_scores.values()])
        self._allow = list(cfg.allow)
        self._allowed: dict[str, frozenset[str]] = {}
        self.custom_recognizers = [r for r in recognizers if isinstance(r, GuardedPatternRecognizer)]
        for rec, i in zip(self.custom_recognizers, range(len(cfg.custom)), strict=True):
            if rec.engine != "re2":
                logger.warning("classification.custom[%d] (%s): RE2 cannot run this regex; it runs with the regex "
                               "module, %.3g s at most per text", i, cfg.custom[i].name, rec.timeout_s)
        self._entities = entities
        self._analyzer = build_analyzer(recognizers)
        self.use_prefilter = prefilter
        self.stats = PrefilterStats()
        # Entities with a recognizer of unknown shape cannot be prefiltered: they are analysed on whole chunks.
        self.whole_chunk_entities = [e for e in self._pattern_entities if shapes.get(e) is None]
        shaped = {e: sh for e, sh in shapes.items() if sh is not None}
        nlp_engine = self._analyzer.nlp_engine
        self._prefilter = Prefilter(shaped, nlp_engine.nlp[LANGUAGE], nlp_engine)  # type: ignore[attr-defined,index]
        logger.info(
            "classifier ready: template %s, entities %s, min_score %s, prefilter %s (whole chunks: %s)",
            self.template.name, ", ".join(entities), self.min_score, "on" if prefilter else "off",
            ", ".join(self.whole_chunk_entities) or "none",
        )

    @property
    def entities(self) -> list[str]:
        """The enabled entities: the template's (or those the job named) and the job's custom recognizers."""
        return list(self._entities)

    @property
    def regex_timeouts(self) -> dict[str, int]:
        """Per custom recognizer whose regex ran out of time at least once: how many texts it gave up on."""
        return {r.supported_entities[0]: r.timeouts for r in self.custom_recognizers if r.timeouts}

    def _is_allowed(self, entity: str, value: str) -> bool:
        allowed = self._allowed.get(entity)
        if allowed is None:
            allowed = self._allowed[entity] = frozenset(normalise(entity, a).casefold() for a in self._allow)
        return normalise(entity, value).casefold() in allowed

    def detect(self, text: str) -> list[Detection]:
        """Every value of an enabled entity scoring at least its minimum score in ``text``, sorted by start;
        values of the allow list are left out."""
        return self.detect_many([text])[0]

    def detect_many(self, texts: list[str]) -> list[list[Detection]]:
        """:meth:`detect` for each of ``texts``; NER (when configured) runs over all their chunks in batches."""
        spans = [[s for s in iter_chunk_spans(text) if not text[s[0]:s[1]].isspace()] for text in texts]
        ner_found: list[list[list[tuple[int, int, str, float]]]] = [[[] for _ in sp] for sp in spans]
        if self._ner is not None:
            flat = [text[s:e] for text, sp in zip(texts, spans, strict=True) for s, e, _, _ in sp]
            before = self._ner.texts_run
            found = iter(self._ner.analyze(flat))
            ner_found = [[next(found) for _ in sp] for sp in spans]
            self.stats.ner_chunks += self._ner.texts_run - before
        return [self._detect_one(text, sp, nf) for text, sp, nf in zip(texts, spans, ner_found, strict=True)]

    def _detect_one(self, text: str, spans: list[tuple[int, int, int, int]],
                    ner_found: list[list[tuple[int, int, str, float]]]) -> list[Detection]:
        out: list[Detection] = []
        self.stats.chars += len(text)
        for (start, end, own_start, own_end), ner in zip(spans, ner_found, strict=True):
            chunk = text[start:end]
            self.stats.chunks += 1
            for r_start, r_end, entity, score in self._analyze_chunk(chunk) + ner:
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

    def _analyze_chunk(self, chunk: str) -> list[tuple[int, int, str, float]]:
        if not self.use_prefilter:
            self.stats.chars_sent += len(chunk)
            return self._presidio(chunk, self._pattern_entities)
        found: list[tuple[int, int, str, float]] = []
        if self.whole_chunk_entities:
            self.stats.chars_sent += len(chunk)
            found.extend(self._presidio(chunk, self.whole_chunk_entities))
        windows = self._prefilter.windows(chunk)
        if windows:
            chunk_state: dict[str, object] = {}
            nlp_engine = self._analyzer.nlp_engine
            for w in windows:
                wtext = chunk[w.start:w.end]
                self.stats.windows += 1
                self.stats.chars_sent += len(wtext)

                def build(wtext: str = wtext) -> Any:
                    artifacts = nlp_engine.process_text(wtext, LANGUAGE)
                    # Presidio only tests membership: a set is faster than its list. Add the lemmas that are
                    # keywords only through a ":" split elsewhere in the chunk.
                    keywords = set(artifacts.keywords)
                    keywords |= self._prefilter.extra_keywords(chunk, chunk_state, artifacts.lemmas, keywords)
                    artifacts.keywords = keywords  # type: ignore[assignment]  # Presidio only tests membership
                    return artifacts

                for r_start, r_end, entity, score in self._presidio(wtext, sorted(w.entities), LazyArtifacts(build)):
                    found.append((w.start + r_start, w.start + r_end, entity, score))
        return found

    def _presidio(self, text: str, entities: list[str], artifacts: Any = None) -> list[tuple[int, int, str, float]]:
        results = self._analyzer.analyze(
            text=text, language=LANGUAGE, entities=entities, score_threshold=self._threshold,
            nlp_artifacts=artifacts,
        )
        return [(r.start, r.end, r.entity_type, r.score) for r in results]


def _select_recognizers(
    template: Template, cfg: ClassificationConfig
) -> tuple[list[EntityRecognizer], list[str], dict[str, Shape | None]]:
    custom_names = [c.name for c in cfg.custom]
    wanted = list(template.entities) if cfg.entities is None else list(dict.fromkeys(cfg.entities))
    recognizers: list[EntityRecognizer] = []
    entities: list[str] = []
    unknown: list[str] = []
    shapes: dict[str, Shape | None] = {}

    def add_shape(entity: str, shape: Shape | None, rec: EntityRecognizer | None = None) -> None:
        if shape is not None and rec is not None:
            floor = cfg.min_scores.get(entity, cfg.min_score)
            shape = dataclasses.replace(shape, needs_context=context_gate(rec, floor),
                                        confirm=confirm_patterns(rec, floor))
        if entity in shapes and (shapes[entity] is None or shape is None):
            shapes[entity] = None
        else:
            old = shapes.get(entity)
            shapes[entity] = shape if old is None else old.merge(shape)  # type: ignore[arg-type]

    for entity in wanted:
        rules = template.rules_for(entity)
        if rules:
            for rule in rules:
                if rule.recognizer == "PhoneRecognizer" and cfg.phone_regions is not None:
                    rule = rule.model_copy(update={"options": {**rule.options,
                                                               "supported_regions": list(cfg.phone_regions)}})
                rec = build_rule_recognizer(rule)
                recognizers.append(rec)
                add_shape(entity, rule_shape(rule) if rule.prefilter is not None else default_shape(rec), rec)
        elif entity in custom_names:
            pass  # built below with the other custom recognizers
        elif entity in predefined_entities():
            # Not in the template but asked for by name: Presidio's recognizer, set up as its registry does.
            for rec in build_predefined_recognizers(entity):
                if isinstance(rec, PhoneRecognizer):
                    rec.supported_regions = list(cfg.phone_regions or DEFAULT_PHONE_REGIONS)
                recognizers.append(rec)
                add_shape(entity, default_shape(rec), rec)
        else:
            unknown.append(entity)
            continue
        entities.append(entity)
    if unknown:
        raise ClassificationError(
            f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(repr(e) for e in unknown)} in "
            f"classification.entities: not in template {template.name!r} ({', '.join(template.entities)}), "
            f"not a custom recognizer, and not one of Presidio's predefined entities "
            f"({', '.join(predefined_entities())})"
        )
    for custom in cfg.custom:
        custom_rec = build_custom_recognizer(custom, cfg.regex_timeout_s)
        recognizers.append(custom_rec)
        add_shape(custom.name, Shape(anchors=tuple(custom.anchors), anchors_ignore_case=False,
                                     reach=custom.anchor_reach) if custom.anchors else None, custom_rec)
        if custom.name not in entities:
            entities.append(custom.name)
    # Dictionaries and deny lists: Presidio deny-list recognizers, prefiltered by their terms.
    term_lists = [(d.name, d.terms, d.score, d.context, d.ignore_case, f"dictionary_{d.name}")
                  for d in cfg.dictionaries]
    term_lists += [(entity, terms, 1.0, [], True, f"deny_{entity}") for entity, terms in cfg.deny.items()]
    for entity, terms, score, context, ignore_case, name in term_lists:
        rec = build_dictionary_recognizer(entity, list(terms), score, list(context), ignore_case, name)
        recognizers.append(rec)
        add_shape(entity, terms_shape(terms, ignore_case), rec)
        if entity not in entities:
            entities.append(entity)
    if not recognizers:
        raise ClassificationError(
            "no entity to detect: classification.entities is empty and there is no custom recognizer"
        )
    return recognizers, entities, shapes
