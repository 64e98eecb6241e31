"""Optional NER: PERSON, LOCATION and ORGANIZATION through Presidio's ``SpacyRecognizer``.

Turned on by ``classification.nlp.model``: an installed spaCy package name or the folder of a saved pipeline.
The model is loaded with ``spacy.load`` and never downloaded (Presidio's ``SpacyNlpEngine.load`` would call
``spacy.cli.download``; the job validator already rejected a model that is not installed).

NER is by far the slowest step (~30x slower than the pattern recognizers), so it runs batched through
``nlp.pipe`` and only over chunks that read like prose (:func:`ner_eligible`): source code, CSV-like number
dumps and logs of ids are skipped, where a statistical model finds mostly noise anyway. It is not prefiltered:
no literal anchor or character shape tells where a name is, so the fast path and ``--no-prefilter`` run it
identically on the same chunks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import spacy
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from scanner.classify.presidio_setup import LANGUAGE
from scanner.exceptions import ClassificationError

logger = logging.getLogger(__name__)

NER_ENTITIES = ("PERSON", "LOCATION", "ORGANIZATION")

# A chunk is prose when at least this share of its non-space characters are letters ...
MIN_LETTER_SHARE = 0.6
# ... and at most this share are characters that dominate source code, markup and structured data.
MAX_CODE_SHARE = 0.04
_CODE_CHARS = "{}()[];=<>|\\$#"


def ner_eligible(text: str) -> bool:
    """True when ``text`` reads like prose: mostly letters, few code or markup symbols."""
    nonspace = len(text) - sum(text.count(c) for c in " \n\t\r")
    if nonspace <= 0:
        return False
    letters = sum(1 for c in text if c.isalpha())
    if letters < MIN_LETTER_SHARE * nonspace:
        return False
    code = sum(text.count(c) for c in _CODE_CHARS)
    return code <= MAX_CODE_SHARE * nonspace


class ModelSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine over one installed pipeline, loaded without any download attempt."""

    def __init__(self, model: str) -> None:
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": model}])
        self.model = model

    def load(self) -> None:
        """``spacy.load`` the configured package or folder."""
        try:
            nlp = spacy.load(self.model)
        except OSError as exc:  # spaCy's "can't find model" (E050) and unreadable folders
            raise ClassificationError(f"classification.nlp.model: cannot load spaCy model {self.model!r}: "
                                      f"{str(exc).splitlines()[0]}") from None
        if "ner" not in nlp.pipe_names and "entity_ruler" not in nlp.pipe_names and not any(
                "ner" in name or "ruler" in name for name in nlp.pipe_names):
            logger.warning("spaCy model %s has no ner or entity_ruler component: it will find no entity",
                           self.model)
        self.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]  # Presidio annotates the attribute as None


class NerRunner:
    """Runs the configured pipeline over batches of texts and returns Presidio's NER results."""

    def __init__(self, model: str, entities: Sequence[str] = NER_ENTITIES, batch_size: int = 32) -> None:
        self.entities = list(entities)
        self.batch_size = batch_size
        self.engine = ModelSpacyNlpEngine(model)
        self.engine.load()
        self.recognizer = SpacyRecognizer(supported_language=LANGUAGE, supported_entities=self.entities)
        self.texts_run = 0
        self.texts_skipped = 0

    def analyze(self, texts: Sequence[str]) -> list[list[tuple[int, int, str, float]]]:
        """Per text: ``(start, end, entity, score)`` of each named entity; ``[]`` for texts that are not prose."""
        out: list[list[tuple[int, int, str, float]]] = [[] for _ in texts]
        eligible = [i for i, t in enumerate(texts) if ner_eligible(t)]
        self.texts_run += len(eligible)
        self.texts_skipped += len(texts) - len(eligible)
        if not eligible:
            return out
        batch = self.engine.process_batch([texts[i] for i in eligible], LANGUAGE, batch_size=self.batch_size)
        for i, item in zip(eligible, batch, strict=True):
            text, artifacts = item[0], item[1]  # (text, artifacts): no context tuples are passed in
            results = self.recognizer.analyze(str(text), self.entities, artifacts)
            out[i] = [(r.start, r.end, r.entity_type, r.score) for r in results]
        return out
