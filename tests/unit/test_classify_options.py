"""Job-file classification options: dictionaries, deny and allow lists, per-entity minimum scores, phone regions,
anchored custom recognizers and the regex guard; each checked through a real Classifier, fast path against plain."""

from __future__ import annotations

import logging

import pytest

from scanner.classify import Classifier
from scanner.classify.guard import engine_for
from scanner.classify.rules import CASE_SENSITIVE_REGEX_FLAGS, PatternRule
from scanner.config import ClassificationConfig, parse_job_text
from scanner.exceptions import ClassificationError, ConfigError

KEY = bytes(range(32))


def spans(clf: Classifier, text: str) -> list[tuple[str, str, float]]:
    return [(d.entity, text[d.start:d.end], d.score) for d in clf.detect(text)]


def both(cfg: ClassificationConfig, text: str) -> list[tuple[str, str, float]]:
    """Findings of the fast path, after checking that the same rules over whole chunks give the same."""
    fast, plain = Classifier(cfg, KEY), Classifier(cfg, KEY, prefilter=False)
    found = spans(fast, text)
    assert found == spans(plain, text)
    return found


def test_dictionary_recognizer() -> None:
    cfg = ClassificationConfig(entities=[], dictionaries=[
        {"name": "PROJECT", "terms": ["Falcon", "Blue Osprey"], "score": 0.7, "context": ["codename"]},
        {"name": "DRUG", "terms": ["Xylomab"], "ignore_case": False, "score": 0.9},
    ])
    text = ("the falcon report\ncodename BLUE OSPREY is live\nFalconry is not a project\n"
            "xylomab 10 mg\nXylomab 20 mg\n")
    assert both(cfg, text) == [("PROJECT", "falcon", 0.7), ("PROJECT", "BLUE OSPREY", 1.0),
                               ("DRUG", "Xylomab", 0.9)]


def test_dictionary_folds_case_like_presidio() -> None:
    # The regex module matches "ſ" (long s) and "K" (Kelvin sign) against s and k when ignoring case: the
    # prefilter's automaton must too, or the fast path would lose these.
    cfg = ClassificationConfig(entities=[], dictionaries=[{"name": "WORD", "terms": ["secret", "kilo"]}])
    assert both(cfg, "a ſecret and a \u212ailo") == [("WORD", "ſecret", 0.8), ("WORD", "\u212ailo", 0.8)]


def test_dictionary_non_ascii_terms_run_on_whole_chunks() -> None:
    cfg = ClassificationConfig(entities=[], dictionaries=[{"name": "CLINIC", "terms": ["Ärztehaus"]}])
    fast = Classifier(cfg, KEY)
    assert fast.whole_chunk_entities == ["CLINIC"]
    assert spans(fast, "im ärztehaus Nord") == [("CLINIC", "ärztehaus", 0.8)]


def test_deny_list_always_reported() -> None:
    cfg = ClassificationConfig(template="pii", entities=["US_SSN"], min_score=0.9,
                               deny={"EMPLOYEE": ["J. Doe", "jdoe"], "US_SSN": ["123-45-6789"]})
    text = "jdoe wrote to J. Doe about 123-45-6789 and 536-22-1234"
    # The deny-listed SSN is reported although Presidio's recognizer rejects it (and scores below 0.9).
    assert both(cfg, text) == [("EMPLOYEE", "jdoe", 1.0), ("EMPLOYEE", "J. Doe", 1.0), ("US_SSN", "123-45-6789", 1.0)]


def test_allow_list() -> None:
    cfg = ClassificationConfig(allow=["4111-1111-1111-1111", "Jane@Example.org"])
    text = "card 4111 1111 1111 1111, card 5555555555554444, mail jane@example.org or john@example.org"
    assert [(e, v) for e, v, _ in both(cfg, text)] == [("CREDIT_CARD", "5555555555554444"),
                                                       ("EMAIL_ADDRESS", "john@example.org")]


def test_min_scores_per_entity() -> None:
    base = {"entities": ["PHONE_NUMBER", "US_SSN"]}
    text = "cell 2125550173\nlorem ipsum dolor sit amet consectetur 2125550199\nSSN 536-22-1234"
    default = both(ClassificationConfig(**base), text)
    assert [e for e, _, _ in default] == ["PHONE_NUMBER", "US_SSN"]  # a bare run: 0.4 without context is dropped
    lax_phone = both(ClassificationConfig(**base, min_scores={"PHONE_NUMBER": 0.4}), text)
    assert [v for e, v, _ in lax_phone if e == "PHONE_NUMBER"] == ["2125550173", "2125550199"]
    strict_ssn = both(ClassificationConfig(**base, min_scores={"US_SSN": 0.9}), text)
    assert [e for e, _, _ in strict_ssn] == ["PHONE_NUMBER"]


def test_min_scores_unknown_entity() -> None:
    with pytest.raises(ClassificationError, match="min_scores names CREDITCARD, not an enabled entity"):
        Classifier(ClassificationConfig(min_scores={"CREDITCARD": 0.4}), KEY)


def test_phone_regions() -> None:
    text = "phone 030 1234567 and phone 212-555-0173"  # a Berlin number written nationally, and a US one
    default = both(ClassificationConfig(entities=["PHONE_NUMBER"]), text)
    assert [v for _, v, _ in default] == ["212-555-0173"]
    german = both(ClassificationConfig(entities=["PHONE_NUMBER"], phone_regions=["DE"]), text)
    assert [v for _, v, _ in german] == ["030 1234567"]


@pytest.mark.parametrize(("yaml_body", "message"), [
    ("phone_regions: [us]", "classification.phone_regions: unknown phone region 'us'"),
    ("min_scores: {PHONE_NUMBER: 1.5}", "classification.min_scores.PHONE_NUMBER: input should be less than"),
    ("dictionaries: [{name: X, terms: []}]", "classification.dictionaries[0].terms"),
    ("dictionaries: [{name: x, terms: [a]}]", "classification.dictionaries[0].name"),
    ("deny: {X: ['']}", "classification.deny.X[0]"),
    ("allow: x", "classification.allow"),
    ("custom: [{name: A, regex: '(?<=a'}]", "classification.custom[0].regex: invalid regular expression"),
    ("custom: [{name: A, regex: a}]\n  dictionaries: [{name: A, terms: [b]}]",
     "custom and dictionary recognizer names must be unique: A"),
    ("nlp: {model: en_no_such_model_here}", "classification.nlp.model: spaCy model 'en_no_such_model_here' is "
     "not installed"),
    ("colour: red", "classification.colour: unknown key"),
])
def test_option_validation(yaml_body: str, message: str) -> None:
    text = f"name: j\ndatasources: [{{id: a, type: filesystem, path: /tmp}}]\nclassification:\n  {yaml_body}\n"
    with pytest.raises(ConfigError) as info:
        parse_job_text(text, {})
    assert message in str(info.value)
    assert "(line " in str(info.value)


# ---------------------------------------------------------------------------------------------- custom anchors

def test_custom_anchors_prefiltered_and_exact() -> None:
    cfg = ClassificationConfig(entities=[], custom=[
        {"name": "EMPLOYEE_ID", "regex": r"\bEMP-\d{6}\b", "score": 0.8, "anchors": ["EMP-"]},
        {"name": "TICKET", "regex": r"\bT\d{5}\b", "score": 0.7},
    ])
    fast = Classifier(cfg, KEY)
    assert fast.whole_chunk_entities == ["TICKET"]  # no anchors: analysed on whole chunks
    text = ("lorem ipsum " * 500 + "\n") * 3 + "badge EMP-123456 for T12345\nemp-654321 EMP-12345\n"
    assert both(cfg, text) == [("EMPLOYEE_ID", "EMP-123456", 0.8), ("TICKET", "T12345", 0.7)]
    fast.detect(text)
    assert fast.stats.windows >= 1
    assert fast.stats.chars_sent < 2 * len(text)  # TICKET's whole chunks plus one small window, not two passes


def test_custom_anchor_reach() -> None:
    # A match may span lines when the rule gives a reach around its anchor.
    cfg = ClassificationConfig(entities=[], custom=[
        {"name": "BLOCK", "regex": r"BEGIN-DATA\n[0-9]{4}\nEND", "anchors": ["BEGIN-DATA"], "anchor_reach": 64},
    ])
    text = "x\nBEGIN-DATA\n1234\nEND\ny"
    assert both(cfg, text) == [("BLOCK", "BEGIN-DATA\n1234\nEND", 0.6)]


# ------------------------------------------------------------------------------------------------ regex guard

def test_engine_choice() -> None:
    assert engine_for(r"(a+)+$", CASE_SENSITIVE_REGEX_FLAGS) == "re2"
    assert engine_for(r"\bEMP-\d{6}\b", CASE_SENSITIVE_REGEX_FLAGS) == "re2"
    assert engine_for(r"(?<=x)a", CASE_SENSITIVE_REGEX_FLAGS) == "regex"   # look-behind
    assert engine_for(r"(a)\1", CASE_SENSITIVE_REGEX_FLAGS) == "regex"     # back-reference


def test_catastrophic_pattern_on_re2_finishes() -> None:
    bait = "a" * 40 + "b"
    cfg = ClassificationConfig(entities=[], custom=[{"name": "BAIT", "regex": r"(a+)+$"},
                                                    {"name": "AS", "regex": r"a{3,}b"}])
    clf = Classifier(cfg, KEY)
    assert [r.engine for r in clf.custom_rules] == ["re2", "re2"]
    assert spans(clf, bait) == [("AS", bait, 0.6)]
    assert clf.regex_timeouts == {}


def test_catastrophic_pattern_times_out_and_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    # The look-behind keeps this pattern off RE2; (a|aa)+ then backtracks exponentially on "a"*40 + "b".
    bait = "a" * 40 + "b"
    cfg = ClassificationConfig(entities=["US_SSN"], regex_timeout_s=0.05, custom=[
        {"name": "BAIT", "regex": r"(a|aa)+(?<!c)$"},
        {"name": "EMPLOYEE_ID", "regex": r"\bEMP-\d{6}\b", "anchors": ["EMP-"]},
    ])
    with caplog.at_level(logging.WARNING, logger="scanner.classify"):
        clf = Classifier(cfg, KEY)
        found = spans(clf, f"{bait}\nSSN 536-22-1234 EMP-123456\n{bait}\n")
    assert [r.engine for r in clf.custom_rules] == ["regex", "re2"]
    # The scan finished, the other rules still reported, and the bad rule's time-out is counted and logged.
    assert found == [("US_SSN", "536-22-1234", 0.85), ("EMPLOYEE_ID", "EMP-123456", 0.6)]
    assert clf.regex_timeouts == {"BAIT": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert any("classification.custom[0] (BAIT): RE2 cannot run this regex" in m for m in messages)
    assert any("custom recognizer BAIT: its regex ran out of time" in m for m in messages)
    assert not any(bait in m for m in messages)  # never the text


def test_guarded_rule_keeps_scores_and_context() -> None:
    cfg = ClassificationConfig(entities=[], custom=[
        {"name": "BADGE", "regex": r"\bB-\d{4}\b", "score": 0.3, "context": ["badge"], "anchors": ["B-"]},
    ])
    clf = Classifier(cfg, KEY)
    assert isinstance(clf.custom_rules[0], PatternRule) and clf.custom_rules[0].engine == "re2"
    text = "badge B-1234, lorem ipsum dolor sit amet consectetur adipiscing item B-9999"
    assert both(cfg, text) == [("BADGE", "B-1234", 0.65)]
