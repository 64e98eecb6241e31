"""Optional NER through Presidio's SpacyRecognizer, with a spaCy pipeline built here (entity_ruler), no download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy

from scanner.classify import Classifier
from scanner.classify.ner import NerRunner, ner_eligible
from scanner.config import ClassificationConfig
from scanner.exceptions import ClassificationError

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved pipeline whose entity_ruler knows a few names, like a trained NER model would find them."""
    nlp = spacy.blank("en")
    ruler: Any = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": "Jane Roe"},
        {"label": "PERSON", "pattern": [{"LOWER": "john"}, {"LOWER": "smith"}]},
        {"label": "GPE", "pattern": "Paris"},
        {"label": "ORG", "pattern": "Acme Corp"},
    ])
    path = tmp_path_factory.mktemp("ner") / "tiny_ner"
    nlp.to_disk(path)
    return path


@pytest.fixture(autouse=True)
def no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any model download attempt fails the test (the scanner must never fetch a model)."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a spaCy model download was attempted")

    monkeypatch.setattr(spacy.cli, "download", refuse)


def test_ner_finds_people_places_organisations(model_dir: Path) -> None:
    cfg = ClassificationConfig(nlp={"model": str(model_dir)})
    clf = Classifier(cfg, KEY)
    assert set(clf.entities) >= {"PERSON", "LOCATION", "ORGANIZATION", "CREDIT_CARD"}
    text = "Jane Roe moved to Paris to work for Acme Corp; john smith paid with card 4111 1111 1111 1111."
    found = [(d.entity, text[d.start:d.end], d.score, d.masked) for d in clf.detect(text)]
    assert found == [
        ("PERSON", "Jane Roe", 0.85, "J******e"),
        ("LOCATION", "Paris", 0.85, "P***s"),
        ("ORGANIZATION", "Acme Corp", 0.85, "A*******p"),
        ("PERSON", "john smith", 0.85, "j********h"),
        ("CREDIT_CARD", "4111 1111 1111 1111", 1.0, "411111******1111"),
    ]
    assert clf.stats.ner_chunks == 1
    # The contract still holds: NER runs the same way with and without the prefilter.
    plain = Classifier(cfg, KEY, prefilter=False)
    assert [(d.entity, d.start, d.end, d.score) for d in plain.detect(text)] == \
        [(d.entity, d.start, d.end, d.score) for d in clf.detect(text)]


def test_ner_entities_and_min_scores(model_dir: Path) -> None:
    cfg = ClassificationConfig(entities=["EMAIL_ADDRESS"], min_scores={"LOCATION": 0.9},
                               nlp={"model": str(model_dir), "entities": ["PERSON", "LOCATION"]})
    clf = Classifier(cfg, KEY)
    text = "Jane Roe from Paris at Acme Corp, jane@example.org"
    assert [(d.entity, text[d.start:d.end]) for d in clf.detect(text)] == [
        ("PERSON", "Jane Roe"), ("EMAIL_ADDRESS", "jane@example.org"),
    ]


def test_ner_skips_code_and_numbers(model_dir: Path) -> None:
    clf = Classifier(ClassificationConfig(nlp={"model": str(model_dir)}), KEY)
    code = "def f(x):\n    return {'name': 'Jane Roe', 'city': 'Paris'}[x];\n" * 20
    numbers = "2024-01-05;1234;5678;Jane Roe;99.50\n" * 40
    assert clf.detect(code) == [] and clf.detect(numbers) == []
    assert clf.stats.ner_chunks == 0
    prose = "Our colleague Jane Roe will visit the Paris office next week."
    assert [d.entity for d in clf.detect(prose)] == ["PERSON", "LOCATION"]
    assert clf.stats.ner_chunks == 1


def test_ner_batches_chunks(model_dir: Path) -> None:
    runner = NerRunner(str(model_dir), batch_size=2)
    texts = ["Jane Roe is here.", "x = {1: 2}; y = [3];", "We met in Paris.", "", "Acme Corp hired john smith."]
    found = runner.analyze(texts)
    assert [[(t[s:e], ent) for s, e, ent, _ in f] for t, f in zip(texts, found, strict=True)] == [
        [("Jane Roe", "PERSON")], [], [("Paris", "LOCATION")], [],
        [("Acme Corp", "ORGANIZATION"), ("john smith", "PERSON")],
    ]
    assert (runner.texts_run, runner.texts_skipped) == (3, 2)


@pytest.mark.parametrize(("text", "prose"), [
    ("The patient was seen by the doctor on Monday.", True),
    ("12, 45.5, 99, 1003, 2024-05-01", False),
    ("if (a) { b = c[d]; } else { return <e>; }", False),
    ("   \n  ", False),
])
def test_ner_eligible(text: str, prose: bool) -> None:
    assert ner_eligible(text) is prose


def test_model_not_loadable_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ClassificationError, match="cannot load spaCy model"):
        NerRunner(str(tmp_path / "missing_model"))


def test_detect_many_batches_ner_across_texts(model_dir: Path) -> None:
    clf = Classifier(ClassificationConfig(nlp={"model": str(model_dir)}), KEY)
    texts = ["Jane Roe wrote this letter.", "x = {1: 2};", "The office in Paris is open.", "SSN 536-22-1234"]
    many = clf.detect_many(texts)
    assert [[(d.entity, t[d.start:d.end]) for d in ds] for t, ds in zip(texts, many, strict=True)] == [
        [("PERSON", "Jane Roe")], [], [("LOCATION", "Paris")], [("US_SSN", "536-22-1234")],
    ]
    assert [[(d.entity, d.start, d.end) for d in clf.detect(t)] for t in texts] == \
        [[(d.entity, d.start, d.end) for d in ds] for ds in many]
