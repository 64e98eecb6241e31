"""The contract: the fast path's findings (entity, start, end, score) equal plain Presidio's over whole chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import generate
from scanner.classify.engine import CHUNK_CHARS, Classifier
from scanner.config import ClassificationConfig

KEY = b"k" * 32
VALUES = ["4111 1111 1111 1111", "536-22-1234", "212-555-0173", "+44 20 7946 0958", "john.doe@example.com",
          "GB82 WEST 1234 5698 7654 32", "gb82west12345698765432", "192.168.10.25", "2001:db8::8a2e:370:7334",
          "000123456789", "C03005988", "912345678", "(415) 555-2671 ext. 1234", "10.0.0.0/8", "4111-1111-1111-1112"]
WORDS = ["phone", "card", "ssn", "account", "passport", "iban", "ip", "mobile", "the", "note:", "the:10", "call",
         "ext", "x", "bank", "report", "2019", "1299", "and", "of", "-", ":", "(", "id:", "cannot", "e-mail"]
SEPS = [" ", " ", " ", "\n", "  ", "\t", ", ", ": "]


def _key(c: Classifier, text: str) -> list[tuple[str, int, int, float]]:
    return [(d.entity, d.start, d.end, d.score) for d in c.detect(text)]


@pytest.fixture(scope="module")
def pair() -> tuple[Classifier, Classifier]:
    cfg = ClassificationConfig()
    return Classifier(cfg, KEY), Classifier(cfg, KEY, prefilter=False)


token = st.one_of(st.sampled_from(WORDS), st.sampled_from(VALUES),
                  st.text(alphabet="0123456789-. ", min_size=1, max_size=14))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(token, st.sampled_from(SEPS)), max_size=40))
def test_property_planted_values(pair: tuple[Classifier, Classifier], parts: list[tuple[str, str]]) -> None:
    fast, plain = pair
    text = "".join(t + s for t, s in parts)
    assert _key(fast, text) == _key(plain, text)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(VALUES), st.integers(min_value=-30, max_value=10), st.booleans())
def test_property_value_at_chunk_boundary(pair: tuple[Classifier, Classifier], value: str, shift: int,
                                          newlines: bool) -> None:
    fast, plain = pair
    filler = ("lorem ipsum dolor phone sit amet\n" if newlines else "lorem ipsum dolor phone sit amet ")
    body = (filler * (CHUNK_CHARS // len(filler) + 1))[: CHUNK_CHARS + shift]
    body = body[: body.rfind(" ") + 1]
    text = body + value + " card account " + filler * 3
    found = _key(fast, text)
    assert found == _key(plain, text)
    start = text.index(value)
    if value == "4111 1111 1111 1111":
        assert ("CREDIT_CARD", start, start + len(value), 1.0) in found


SECRET_VALUES = [
    "AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A", "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "gho_16C7e42F292c6912E7710c838347Ae178B4a", "glpat-xxXXxx1234567890abcd",
    "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", "AKIASYEBANND6YZ2EMRV", "glpat-xk7Hq2LmN9pR4tV8wZ3c",
    "xoxb-2634213745-2631234567890-AbCdEfGhIjKlMnOpQrStUvWx",
    "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----", "password=Xk9mQ2vL7pW4zR",
    "api_key: \"8f3Kq9ZtLw2XbV7nR4yP\"", "secret=aaaaaaaaaaaa", "token => bA9x7Qz2Lm4Kp8Rt6Wv3", "AKIA",
    "%B4111111111111111^DOE/JOHN^2912101000000000000000000?", ";4111111111111111=29121010000000000000?",
    "MRN: 00482913", "NPI 1234567893", "DEA AB1234563", "medical record # 4829130", "1245319599",
]
SECRET_WORDS = ["password", "paſſword", "\u212aEY", "secret", "token", "=", ":", "'", '"', "ghp_", "xoxb-",
                "-----BEGIN", "PRIVATE", "KEY-----", "npi", "mrn", "dea", "card", "provider", "the", "note:",
                "a:secret"]


@pytest.fixture(scope="module", params=["secrets", "pci", "phi"])
def template_pair(request: pytest.FixtureRequest) -> tuple[Classifier, Classifier]:
    cfg = ClassificationConfig(template=request.param)
    return Classifier(cfg, KEY), Classifier(cfg, KEY, prefilter=False)


secret_token = st.one_of(st.sampled_from(SECRET_WORDS), st.sampled_from(SECRET_VALUES), st.sampled_from(VALUES),
                         st.text(alphabet="AKIghp_0123456789xob-=:", min_size=1, max_size=24))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(secret_token, st.sampled_from(SEPS + ["", "", "="])), max_size=30))
def test_property_planted_secrets(template_pair: tuple[Classifier, Classifier], parts: list[tuple[str, str]]) -> None:
    fast, plain = template_pair
    text = "".join(t + s for t, s in parts)
    assert _key(fast, text) == _key(plain, text)


OPTIONS = ClassificationConfig(
    entities=["CREDIT_CARD", "PHONE_NUMBER"],
    dictionaries=[{"name": "PROJECT", "terms": ["Falcon", "Blue Osprey"], "score": 0.3, "context": ["codename"]}],
    deny={"EMPLOYEE": ["jdoe", "J. Doe"]},
    allow=["4111 1111 1111 1111"],
    min_scores={"PHONE_NUMBER": 0.4},
    custom=[{"name": "EMPLOYEE_ID", "regex": r"\bEMP-\d{6}\b", "score": 0.4, "context": ["badge"],
             "anchors": ["EMP-"]}],
)
OPTION_WORDS = ["Falcon", "falcon", "FALCON", "Blue Osprey", "blue", "Osprey", "codename", "jdoe", "J. Doe", "J.",
                "Doe", "EMP-123456", "EMP-12345", "badge", "phone", "4111 1111 1111 1111", "5555555555554444",
                "212-555-0173", "the:10", "a:codename"]


@pytest.fixture(scope="module")
def options_pair() -> tuple[Classifier, Classifier]:
    return Classifier(OPTIONS, KEY), Classifier(OPTIONS, KEY, prefilter=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.one_of(st.sampled_from(OPTION_WORDS), st.sampled_from(WORDS)),
                          st.sampled_from(SEPS + ["", "."])), max_size=40))
def test_property_job_options(options_pair: tuple[Classifier, Classifier], parts: list[tuple[str, str]]) -> None:
    fast, plain = options_pair
    text = "".join(t + s for t, s in parts)
    assert _key(fast, text) == _key(plain, text)


def test_planted_secrets_all_templates(template_pair: tuple[Classifier, Classifier]) -> None:
    fast, plain = template_pair
    filler = "lorem ipsum dolor sit amet, the provider said\n"
    text = "".join(filler * (i % 7) + v + (" " if i % 2 else "\n") for i, v in enumerate(SECRET_VALUES * 3))
    found = _key(fast, text)
    assert found == _key(plain, text)
    assert found, "the planted values must produce findings"


def test_every_test_corpus(pair: tuple[Classifier, Classifier], tmp_path: Path) -> None:
    fast, plain = pair
    corpora = [tmp_path / "clean", tmp_path / "dense"]
    generate(corpora[0], 0.15, seed=3, density=0.01)
    generate(corpora[1], 0.1, seed=5, density=0.2)
    texts = [p.read_text(encoding="utf-8") for c in corpora for p in sorted(c.rglob("*")) if p.is_file()]
    examples = Path(__file__).parents[2] / "examples"
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(examples.rglob("*.txt"))]
    total = 0
    for text in texts:
        a = _key(fast, text)
        assert a == _key(plain, text)
        total += len(a)
    assert total > 50  # the corpora do hold values: the comparison is not between two empty lists
