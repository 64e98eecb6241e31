"""Presidio, built so that it never touches the network.

Presidio's defaults download a spaCy model (``spacy.cli.download``) and, on the first e-mail checked, the
public suffix list (tldextract). Neither is possible here, nor wanted on a scanner's worker. So:

- :class:`BlankSpacyNlpEngine` loads ``spacy.blank("en")`` plus a component that fills ``token.lemma_`` (a
  blank pipeline leaves lemmas empty, and Presidio's context enhancer compares context words with lemmas);
- :class:`OfflineEmailRecognizer` checks domains with a ``TLDExtract`` that only uses the snapshot bundled
  with tldextract;
- :func:`build_analyzer` puts exactly the recognizers it is given into a registry: no predefined set is
  loaded and there is no ``SpacyRecognizer`` (there is no NER model to run).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import EmailRecognizer
from spacy.language import Language
from spacy.tokens import Doc

from scanner.classify.detectors import offline_tld_extractor

logger = logging.getLogger(__name__)

LANGUAGE = "en"
LEMMA_COMPONENT = "datascan_lower_lemma"


@Language.component(LEMMA_COMPONENT)
def _lower_lemma(doc: Doc) -> Doc:
    """Use the lower-cased text as the lemma, so Presidio's context words match without a lemmatizer."""
    for token in doc:
        token.lemma_ = token.lower_
    return doc


class BlankSpacyNlpEngine(SpacyNlpEngine):
    """A ``SpacyNlpEngine`` over a blank English pipeline: tokens, stop words, lower-case lemmas, no NER."""

    def __init__(self) -> None:
        # The model name is never loaded (load() is overridden); it only labels the engine in Presidio's logs.
        super().__init__(models=[{"lang_code": LANGUAGE, "model_name": "blank:en"}])
        self._keyword_parts: dict[str, tuple[str, ...]] = {}

    def load(self) -> None:
        """Build the blank pipeline; unlike the parent this neither looks for nor downloads a model."""
        nlp = spacy.blank(LANGUAGE)
        nlp.add_pipe(LEMMA_COMPONENT)
        self.nlp = {LANGUAGE: nlp}  # type: ignore[assignment]  # Presidio annotates the attribute as None

    def get_supported_entities(self) -> list[str]:
        """No NER model, so no entities come from the NLP engine itself."""
        return []

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """What the parent returns for the blank pipeline, built faster: tokenize only (the lemma is the lower-case
        text, which is all the lemma component does) and read each lemma's keyword parts from a cache instead of
        asking the vocabulary twice per token (``NlpArtifacts.set_keywords``)."""
        nlp = self.nlp[language]  # type: ignore[index]
        doc = nlp.make_doc(text)
        lemmas = [t.lower_ for t in doc]
        artifacts = NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc], lemmas=lemmas,
                                 nlp_engine=None, language=language, scores=[])
        keywords: list[str] = []
        cache = self._keyword_parts
        for lemma in lemmas:
            parts = cache.get(lemma)
            if parts is None:
                # NlpArtifacts.set_keywords, for one lemma.
                k = lemma.lower()
                keep = (not self.is_stopword(k, language) and not self.is_punct(k, language)
                        and k != "-PRON-" and k != "be")
                parts = tuple(k.split(":")) if keep else ()
                if len(cache) > 200_000:  # bounded: a file share holds any number of distinct words
                    cache.clear()
                cache[lemma] = parts
            keywords.extend(parts)
        artifacts.keywords = keywords
        artifacts.nlp_engine = self
        return artifacts


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating the domain with the offline extractor.

    Presidio's ``validate_result`` calls the module-level ``tldextract.extract``, whose default extractor
    downloads the public suffix list on first use; this is the same check against the bundled snapshot.
    """

    def validate_result(self, pattern_text: str) -> bool:
        """True when the address ends in a known public suffix."""
        return offline_tld_extractor()(pattern_text).fqdn != ""


def _quiet_presidio_debug() -> None:
    # Presidio's DEBUG messages quote the words around each match (its context lists): with a root logger at
    # DEBUG they would write text near sensitive values to our logs. Its INFO and above never quote text.
    presidio_logger = logging.getLogger("presidio-analyzer")
    if presidio_logger.level < logging.INFO:
        presidio_logger.setLevel(logging.INFO)


def build_analyzer(recognizers: Iterable[EntityRecognizer]) -> AnalyzerEngine:
    """An ``AnalyzerEngine`` over the blank NLP engine holding exactly ``recognizers`` (at least one)."""
    recognizers = list(recognizers)
    _quiet_presidio_debug()
    if not recognizers:
        # AnalyzerEngine would quietly load every predefined recognizer into an empty registry.
        raise ValueError("build_analyzer needs at least one recognizer")
    nlp_engine = BlankSpacyNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    for recognizer in recognizers:
        registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=[LANGUAGE])
    logger.debug("Presidio analyzer built with %d recognizers", len(recognizers))
    return engine
