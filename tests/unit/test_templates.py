"""Every example and negative example of every rule of every built-in template, through a real Classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.classify import Classifier, list_templates, load_template
from scanner.config import ClassificationConfig
from scanner.exceptions import ClassificationError

KEY = bytes(range(32))


def _example_cases() -> list:
    cases = []
    for name in list_templates():
        for i, rule in enumerate(load_template(name).rules):
            prefix = f"{name}-{i}-{rule.entity}"
            for j, text in enumerate(rule.examples):
                cases.append(pytest.param(name, rule.entity, text, True, id=f"{prefix}-ex{j}"))
            for j, text in enumerate(rule.negative_examples):
                cases.append(pytest.param(name, rule.entity, text, False, id=f"{prefix}-neg{j}"))
    return cases


@pytest.fixture(scope="module")
def classifiers() -> dict[str, Classifier]:
    """One classifier per built-in template, with the job defaults (all its entities, min_score 0.5)."""
    return {name: Classifier(ClassificationConfig(template=name), KEY) for name in list_templates()}


@pytest.mark.parametrize(("template", "entity", "text", "positive"), _example_cases())
def test_rule_examples(classifiers: dict[str, Classifier], template: str, entity: str, text: str,
                       positive: bool) -> None:
    found = [(d.entity, text[d.start:d.end], d.score) for d in classifiers[template].detect(text)]
    hits = [f for f in found if f[0] == entity]
    if positive:
        assert hits, f"{entity} not found in {text!r}; found {found}"
    else:
        assert not hits, f"{entity} must not be found in {text!r}; found {hits}"


def test_builtin_templates_are_listed() -> None:
    assert "pii" in list_templates()


def test_pii_entities() -> None:
    pii = load_template("pii")
    assert pii.builtin and pii.name == "pii"
    assert set(pii.entities) >= {
        "CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "US_BANK_NUMBER",
        "US_PASSPORT",
    }
    # Noisy patterns stay out of the default template (they can still be requested by name).
    assert not set(pii.entities) & {"US_DRIVER_LICENSE", "DATE_TIME", "URL", "CRYPTO", "UUID"}


def test_every_rule_has_examples() -> None:
    for name in list_templates():
        for rule in load_template(name).rules:
            assert rule.examples, f"{name}: {rule.entity} has no examples"


def test_unknown_template_name() -> None:
    with pytest.raises(ClassificationError, match=r"unknown template 'nope'.*pii"):
        load_template("nope")


def test_missing_template_file(tmp_path: Path) -> None:
    with pytest.raises(ClassificationError, match="template file not found"):
        load_template(tmp_path / "missing.yaml")


GOOD_FILE = """
name: mine
recognizers:
  - entity: EMPLOYEE_ID
    patterns:
      - {name: emp, regex: '\\bEMP-\\d{6}\\b', score: 0.8}
    ignore_case: false
    context: [employee]
    examples: ["badge EMP-123456"]
    negative_examples: ["badge emp-123456"]
  - entity: CREDIT_CARD
    recognizer: CreditCardRecognizer
    examples: ["4111111111111111"]
"""


def test_template_from_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD_FILE, encoding="utf-8")
    tpl = load_template(str(path))
    assert not tpl.builtin and tpl.name == "mine" and tpl.entities == ("EMPLOYEE_ID", "CREDIT_CARD")
    clf = Classifier(ClassificationConfig(template=str(path)), KEY)
    text = "badge EMP-123456 and emp-654321, card 4111 1111 1111 1111"
    assert [(d.entity, text[d.start:d.end]) for d in clf.detect(text)] == [
        ("EMPLOYEE_ID", "EMP-123456"), ("CREDIT_CARD", "4111 1111 1111 1111"),
    ]


def test_validator_prunes_pattern_matches(tmp_path: Path) -> None:
    path = tmp_path / "aba.yaml"
    path.write_text("""
name: aba
recognizers:
  - entity: ROUTING
    patterns: [{name: aba, regex: '\\b[0-9]{9}\\b', score: 0.6}]
    validator: aba_routing
    examples: ["routing 011000015"]
""", encoding="utf-8")
    clf = Classifier(ClassificationConfig(template=str(path)), KEY)
    found = [(d.entity, d.score) for d in clf.detect("routing 011000015 or 011000016")]
    assert found == [("ROUTING", 0.6)]  # a passing validator keeps the pattern's score


@pytest.mark.parametrize(("body", "message"), [
    ("name: x\nrecognizers:\n  - {entity: A, examples: [a]}\n", "exactly one of 'detector'"),
    ("name: x\nrecognizers:\n  - {entity: A, recognizer: CreditCardRecognizer, "
     "patterns: [{name: a, regex: a, score: 0.5}], examples: [a]}\n", "exactly one of 'detector'"),
    ("name: x\nrecognizers:\n  - {entity: CREDIT_CARD, recognizer: NoSuchRecognizer, examples: [a]}\n",
     "'NoSuchRecognizer' is not one of Presidio's predefined recognizers"),
    ("name: x\nrecognizers:\n  - {entity: US_SSN, recognizer: CreditCardRecognizer, examples: [a]}\n",
     "detects CREDIT_CARD, not US_SSN"),
    ("name: x\nrecognizers:\n  - {entity: A, patterns: [{name: a, regex: '(', score: 0.5}], examples: [a]}\n",
     "invalid regular expression"),
    ("name: x\nrecognizers:\n  - {entity: A, patterns: [{name: a, regex: a, score: 2}], examples: [a]}\n",
     "recognizers.0.patterns.0.score"),
    ("name: x\nrecognizers:\n  - {entity: A, patterns: [{name: a, regex: a, score: 0.5}], examples: [a], "
     "colour: red}\n", "recognizers.0.colour: unknown key"),
    ("name: x\nrecognizers:\n  - {entity: A, patterns: [{name: a, regex: a, score: 0.5}]}\n",
     "recognizers.0.examples"),
    ("name: x\nrecognizers:\n  - {entity: A, patterns: [{name: a, regex: a, score: 0.5}], validator: crc, "
     "examples: [a]}\n", "unknown validator 'crc'"),
    ("name: x\nrecognizers:\n  - {entity: PHONE_NUMBER, recognizer: PhoneRecognizer, options: {colour: 1}, "
     "examples: [a]}\n", "bad options"),
    ("name: x\nrecognizers:\n  - {entity: PERSON, recognizer: SpacyRecognizer, examples: [a]}\n",
     "needs an NLP model"),
    ("name: x\nrecognizers: [\n", "not valid YAML"),
    ("- a list\n", "must be a mapping"),
])
def test_bad_template_files(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ClassificationError, match=message) as info:
        load_template(path)
    assert str(path) in str(info.value)
