"""The classifier a worker builds once: template + job options -> Presidio -> masked, hashed detections.

Text is analysed in line-aligned chunks of about 64 KB (:func:`iter_chunks`), so spaCy never sees a huge
document and memory stays bounded. Consequences worth knowing:

- a value is found only if it lies inside one chunk: chunks end at a newline, so only a value inside a single
  line longer than a chunk can be cut (such a line is cut at whitespace, or hard at the limit if it has none);
- context words are looked for within the value's own chunk, so a context word at the end of the previous
  chunk (lines before the value) does not count.

Overlaps: Presidio drops a result contained in another result *of the same entity* with an equal or higher
score; results of different entities over the same or overlapping spans (a 16-digit card that is also a bank
account number near "account") are all kept, as Presidio returns them. Nothing else is deduplicated here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

from presidio_analyzer import EntityRecognizer

from scanner.classify.masking import mask, value_hash
from scanner.classify.presidio_setup import LANGUAGE, build_analyzer
from scanner.classify.recognizers import (
    build_custom_recognizer,
    build_predefined_recognizers,
    build_rule_recognizer,
    predefined_entities,
)
from scanner.classify.templates import Template, load_template
from scanner.config import ClassificationConfig
from scanner.exceptions import ClassificationError

logger = logging.getLogger(__name__)

CHUNK_CHARS = 64 * 1024
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


class Classifier:
    """Detects the configured entities in text. Build one per worker process: building takes a few seconds."""

    def __init__(self, cfg: ClassificationConfig, hmac_key: bytes, store_raw: bool = False):
        if not hmac_key:
            raise ClassificationError("the HMAC key is empty")
        self._key = bytes(hmac_key)
        self._store_raw = store_raw
        self.min_score = cfg.min_score
        self.template: Template = load_template(cfg.template)
        recognizers, entities = _select_recognizers(self.template, cfg)
        self._entities = entities
        self._analyzer = build_analyzer(recognizers)
        logger.info(
            "classifier ready: template %s, entities %s, min_score %s",
            self.template.name, ", ".join(entities), self.min_score,
        )

    @property
    def entities(self) -> list[str]:
        """The enabled entities: the template's (or those the job named) and the job's custom recognizers."""
        return list(self._entities)

    def detect(self, text: str) -> list[Detection]:
        """Every value of an enabled entity scoring at least ``min_score`` in ``text``, sorted by start."""
        out: list[Detection] = []
        for start, end in iter_chunks(text):
            chunk = text[start:end]
            if chunk.isspace():
                continue
            results = self._analyzer.analyze(
                text=chunk, language=LANGUAGE, entities=self._entities, score_threshold=self.min_score
            )
            for r in results:
                value = chunk[r.start:r.end]
                out.append(Detection(
                    entity=r.entity_type,
                    start=start + r.start,
                    end=start + r.end,
                    score=round(r.score, _SCORE_DIGITS),
                    masked=mask(r.entity_type, value),
                    value_hash=value_hash(self._key, r.entity_type, value),
                    value=value if self._store_raw else None,
                ))
        out.sort(key=lambda d: (d.start, d.end, d.entity))
        return out


def _select_recognizers(
    template: Template, cfg: ClassificationConfig
) -> tuple[list[EntityRecognizer], list[str]]:
    custom_names = [c.name for c in cfg.custom]
    wanted = list(template.entities) if cfg.entities is None else list(dict.fromkeys(cfg.entities))
    recognizers: list[EntityRecognizer] = []
    entities: list[str] = []
    unknown: list[str] = []
    for entity in wanted:
        rules = template.rules_for(entity)
        if rules:
            recognizers.extend(build_rule_recognizer(rule) for rule in rules)
        elif entity in custom_names:
            pass  # built below with the other custom recognizers
        elif entity in predefined_entities():
            # Not in the template but asked for by name: Presidio's recognizer, set up as its registry does.
            recognizers.extend(build_predefined_recognizers(entity))
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
        recognizers.append(build_custom_recognizer(custom))
        if custom.name not in entities:
            entities.append(custom.name)
    if not recognizers:
        raise ClassificationError(
            "no entity to detect: classification.entities is empty and there is no custom recognizer"
        )
    return recognizers, entities
