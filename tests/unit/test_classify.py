"""The classifier: tables of values and decoys, options, errors, chunking and offsets, no network."""

from __future__ import annotations

import logging
import socket
from dataclasses import fields

import pytest

from scanner.classify import Classifier, Detection, value_hash
from scanner.classify.build import entity_rules, predefined_entities
from scanner.classify.detectors import CardRule, EmailRule, IbanRule, IpRule, offline_tld_extractor
from scanner.classify.engine import CHUNK_CHARS, iter_chunks
from scanner.classify.phones import PhoneRule
from scanner.classify.rules import PatternRule, PresidioRule
from scanner.config import ClassificationConfig, CustomRecognizerConfig
from scanner.exceptions import ClassificationError

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def pii() -> Classifier:
    """The default classifier (template pii, min_score 0.5), built once for the module."""
    return Classifier(ClassificationConfig(), KEY)


def spans(clf: Classifier, text: str) -> list[tuple[str, str]]:
    return [(d.entity, text[d.start:d.end]) for d in clf.detect(text)]


VALID = [
    ("Visa 4111 1111 1111 1111 exp 12/29", [("CREDIT_CARD", "4111 1111 1111 1111")]),
    ("mc 5555-5555-5555-4444 and amex 378282246310005",
     [("CREDIT_CARD", "5555-5555-5555-4444"), ("CREDIT_CARD", "378282246310005")]),
    ("SSN: 536-22-1234", [("US_SSN", "536-22-1234")]),
    ("ssn 772 10 4455.", [("US_SSN", "772 10 4455")]),
    ("Write to Jane.Roe@Example.org today", [("EMAIL_ADDRESS", "Jane.Roe@Example.org")]),
    ("phone: +44 20 7946 0958", [("PHONE_NUMBER", "+44 20 7946 0958")]),
    ("IBAN DE89 3704 0044 0532 0130 00", [("IBAN_CODE", "DE89 3704 0044 0532 0130 00")]),
    ("NL91ABNA0417164300 is the account", [("IBAN_CODE", "NL91ABNA0417164300")]),
    ("ip 10.1.2.3 and 2001:db8::1", [("IP_ADDRESS", "10.1.2.3"), ("IP_ADDRESS", "2001:db8::1")]),
    ("savings account 1234567890", [("US_BANK_NUMBER", "1234567890")]),
    ("passport A12345678", [("US_PASSPORT", "A12345678")]),
    ("SSN 536-22-1234, email jane@example.org, cell 212-555-0173",
     [("US_SSN", "536-22-1234"), ("EMAIL_ADDRESS", "jane@example.org"), ("PHONE_NUMBER", "212-555-0173")]),
    # Different entities over one span are all kept, as Presidio returns them.
    ("account 4111111111111111",
     [("CREDIT_CARD", "4111111111111111"), ("US_BANK_NUMBER", "4111111111111111")]),
]

DECOYS = [
    "order 4111 1111 1111 1112",             # Luhn fails
    "card 5555 5555 5555 4445",              # Luhn fails
    "ref 1234567812345678",                  # Luhn fails
    "SSN 000-12-3456",                       # area 000
    "SSN 666-12-3456",                       # area 666
    "SSN 900-12-3456 or 999-12-3456",        # area 9xx
    "SSN 536-00-1234",                       # group 00
    "SSN 536-22-0000",                       # serial 0000
    "SSN 111-11-1111",                       # one repeated digit
    "IBAN DE00 3704 0044 0532 0130 00",      # wrong check digits
    "IBAN GB82WEST12345698765433",           # wrong check digits
    "IBAN NL92ABNA0417164300",               # wrong check digits
    "mail me at root@localhost",             # no public suffix
    "2125550173",                            # a bare digit run without a context word: 0.4
    "version 999.1.1.1",                     # not an IP address
    "invoice 1234567890",                    # bank number without context
    "reference A12345678",                   # passport without context
    "driver license A1234567",               # not in pii
    "born 2020-01-05 at 10:30",              # DATE_TIME not in pii
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_values(pii: Classifier, text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(pii, text) == expected


@pytest.mark.parametrize("text", DECOYS)
def test_decoys(pii: Classifier, text: str) -> None:
    assert spans(pii, text) == []


def test_entities(pii: Classifier) -> None:
    assert pii.entities == [
        "CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "US_BANK_NUMBER",
        "US_PASSPORT",
    ]


def test_detection_fields(pii: Classifier) -> None:
    text = "Visa 4111 1111 1111 1111"
    [d] = pii.detect(text)
    assert (d.entity, d.start, d.end, d.score) == ("CREDIT_CARD", 5, 24, 1.0)
    assert d.masked == "411111******1111"
    assert d.value_hash == value_hash(KEY, "CREDIT_CARD", "4111111111111111")
    assert d.value is None


def test_store_raw_false_keeps_no_value(pii: Classifier) -> None:
    text = "SSN 536-22-1234 and jane@example.org"
    found = pii.detect(text)
    assert len(found) == 2
    for d in found:
        assert d.value is None
        raw = text[d.start:d.end]
        assert all(raw not in str(getattr(d, f.name)) for f in fields(d) if f.name not in ("start", "end"))
    assert not hasattr(found[0], "__dict__")  # slots: nowhere to hide the raw value
    assert all(v is not text for v in vars(pii).values())


def test_store_raw_true_keeps_value() -> None:
    clf = Classifier(ClassificationConfig(entities=["US_SSN"]), KEY, store_raw=True)
    text = "SSN 536-22-1234"
    [d] = clf.detect(text)
    assert d.value == "536-22-1234" == text[d.start:d.end]


def test_min_score() -> None:
    strict = Classifier(ClassificationConfig(entities=["US_SSN", "PHONE_NUMBER"], min_score=0.6), KEY)
    assert spans(strict, "employee 401-19-7311") == []                    # 0.5 without context
    assert spans(strict, "SSN 401-19-7311") == [("US_SSN", "401-19-7311")]  # 0.85 with context
    assert spans(strict, "tel 212-555-0173") == [("PHONE_NUMBER", "212-555-0173")]  # 0.7, 1.0 with context
    lax = Classifier(ClassificationConfig(entities=["US_SSN", "PHONE_NUMBER"], min_score=0.4), KEY)
    assert spans(lax, "2125550173") == [("PHONE_NUMBER", "2125550173")]  # a bare run: 0.4 without context
    assert all(d.score >= 0.4 for d in lax.detect("SSN 401-19-7311, 2125550173"))


def test_custom_recognizer_with_context() -> None:
    cfg = ClassificationConfig(
        entities=["EMAIL_ADDRESS"],
        min_score=0.5,
        custom=[CustomRecognizerConfig(name="EMPLOYEE_ID", regex=r"\bEMP-\d{6}\b", score=0.3,
                                       context=["employee", "staff"])],
    )
    clf = Classifier(cfg, KEY)
    assert clf.entities == ["EMAIL_ADDRESS", "EMPLOYEE_ID"]
    found = clf.detect("employee EMP-123456")
    assert [(d.entity, d.score, d.masked) for d in found] == [("EMPLOYEE_ID", 0.65, "E********6")]
    assert spans(clf, "badge EMP-123456") == []                         # 0.3 < min_score without context
    far = "staff " + "alpha bravo charlie delta echo foxtrot golf hotel " + "EMP-123456"
    assert spans(clf, far) == []                                        # context word too far back
    assert spans(clf, "staff list: EMP-654321") == [("EMPLOYEE_ID", "EMP-654321")]
    assert spans(clf, "employee emp-123456") == []                      # the job's regex, as written


def test_custom_recognizer_named_in_entities() -> None:
    cfg = ClassificationConfig(
        entities=["EMPLOYEE_ID"],
        custom=[CustomRecognizerConfig(name="EMPLOYEE_ID", regex=r"\bEMP-\d{6}\b", score=0.8)],
    )
    clf = Classifier(cfg, KEY)
    assert clf.entities == ["EMPLOYEE_ID"]
    assert spans(clf, "EMP-123456 4111111111111111") == [("EMPLOYEE_ID", "EMP-123456")]


def test_predefined_entity_on_request() -> None:
    clf = Classifier(ClassificationConfig(entities=["CREDIT_CARD", "US_DRIVER_LICENSE", "DATE_TIME"]), KEY)
    assert clf.entities == ["CREDIT_CARD", "US_DRIVER_LICENSE", "DATE_TIME"]
    assert spans(clf, "driver license A1234567") == [("US_DRIVER_LICENSE", "A1234567")]
    assert spans(clf, "born on 2020-01-05") == [("DATE_TIME", "2020-01-05")]
    assert spans(clf, "card 4111111111111111") == [("CREDIT_CARD", "4111111111111111")]


def test_entities_subset_of_template() -> None:
    clf = Classifier(ClassificationConfig(entities=["IBAN_CODE"]), KEY)
    assert clf.entities == ["IBAN_CODE"]
    text = "SSN 536-22-1234 IBAN GB82WEST12345698765432"
    assert spans(clf, text) == [("IBAN_CODE", "GB82WEST12345698765432")]


def test_unknown_entity() -> None:
    message = r"unknown entity 'NOT_AN_ENTITY'.*template 'pii'.*US_DRIVER_LICENSE"
    with pytest.raises(ClassificationError, match=message):
        Classifier(ClassificationConfig(entities=["CREDIT_CARD", "NOT_AN_ENTITY"]), KEY)


def test_unknown_template() -> None:
    with pytest.raises(ClassificationError, match=r"unknown template 'nope'"):
        Classifier(ClassificationConfig(template="nope"), KEY)


def test_nothing_to_detect() -> None:
    with pytest.raises(ClassificationError, match="no entity to detect"):
        Classifier(ClassificationConfig(entities=[]), KEY)


def test_empty_key() -> None:
    with pytest.raises(ClassificationError, match="HMAC key"):
        Classifier(ClassificationConfig(), b"")


# --- chunking ---------------------------------------------------------------------------------------------

FILLER = "The quarterly report was reviewed by the committee without further comment.\n"


def _assert_tiles(text: str, size: int) -> list[tuple[int, int]]:
    chunks = list(iter_chunks(text, size))
    assert chunks[0][0] == 0 and chunks[-1][1] == len(text)
    for (_, b), (c, _) in zip(chunks, chunks[1:], strict=False):
        assert b == c
    assert all(0 < b - a <= size for a, b in chunks)
    return chunks


def test_chunks_end_at_newlines() -> None:
    text = FILLER * 30
    chunks = _assert_tiles(text, 200)
    assert all(text[b - 1] == "\n" for _, b in chunks)
    assert all(b - a == 2 * len(FILLER) for a, b in chunks[:-1])


def test_long_line_is_cut_at_whitespace_then_hard() -> None:
    text = "word " * 100
    chunks = _assert_tiles(text, 23)
    assert all(text[b - 1] == " " for _, b in chunks)
    blob = "x" * 50
    assert list(iter_chunks(blob, 20)) == [(0, 20), (20, 40), (40, 50)]
    assert list(iter_chunks("", 20)) == []


def test_offsets_across_chunk_boundary(pii: Classifier) -> None:
    last_line = "SSN 536-22-1234 card 4111 1111 1111 1111\n"       # ends just before the limit
    next_line = "write to jane@example.org or IBAN GB82WEST12345698765432\n"  # crosses the limit
    body_len = CHUNK_CHARS - len(last_line) - 3
    body = FILLER * (body_len // len(FILLER))
    body += "x" * (body_len - len(body) - 1) + "\n"
    text = body + last_line + next_line + FILLER * 3
    assert len(text) > CHUNK_CHARS
    first_end = next(iter(iter_chunks(text)))[1]
    assert first_end == len(body) + len(last_line)  # the cut falls between the two lines
    found = [(d.entity, d.start, d.end) for d in pii.detect(text)]
    expected = []
    for entity, value in [("US_SSN", "536-22-1234"), ("CREDIT_CARD", "4111 1111 1111 1111"),
                          ("EMAIL_ADDRESS", "jane@example.org"), ("IBAN_CODE", "GB82WEST12345698765432")]:
        start = text.index(value)
        expected.append((entity, start, start + len(value)))
    assert found == expected
    assert expected[1][2] < first_end < expected[2][1]


def test_value_at_limit_of_a_long_line_is_not_cut(pii: Classifier) -> None:
    card = "4111111111111111"
    words = "lorem " * ((CHUNK_CHARS - 8) // 6)
    text = words[: CHUNK_CHARS - 8] + " card " + card + " " + "ipsum " * 100   # no newline anywhere
    start = text.index(card)
    assert start < CHUNK_CHARS < start + len(card)
    found = [(d.entity, d.start, d.end) for d in pii.detect(text)]
    assert found == [("CREDIT_CARD", start, start + len(card))]


# --- no network -------------------------------------------------------------------------------------------

class _NoNetwork(socket.socket):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("classification must not open a socket")


def _no_dns(*args: object, **kwargs: object) -> None:
    raise AssertionError("classification must not resolve names")


def test_builds_and_detects_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "socket", _NoNetwork)
    monkeypatch.setattr(socket, "create_connection", _no_dns)
    monkeypatch.setattr(socket, "getaddrinfo", _no_dns)
    offline_tld_extractor.cache_clear()  # so the suffix list is loaded under the patch, not reused
    try:
        clf = Classifier(ClassificationConfig(), KEY)
        text = "email jane.doe@example.co.uk or ping root@intranet.corpx"
        assert spans(clf, text) == [("EMAIL_ADDRESS", "jane.doe@example.co.uk")]
    finally:
        offline_tld_extractor.cache_clear()


def test_detection_is_a_slotted_dataclass() -> None:
    d = Detection("X", 0, 1, 0.5, "*", "00")
    assert d.value is None
    with pytest.raises(AttributeError):
        d.extra = 1  # type: ignore[attr-defined]


def test_every_predefined_entity_can_be_requested() -> None:
    everything = list(predefined_entities())
    assert {"US_DRIVER_LICENSE", "DATE_TIME", "UK_NINO", "ABA_ROUTING_NUMBER"} <= set(everything)
    clf = Classifier(ClassificationConfig(template="pii", entities=everything), KEY)
    assert clf.entities == everything
    found = {d.entity for d in clf.detect("card 4111111111111111 on 2020-01-05, see https://example.com/x")}
    assert {"CREDIT_CARD", "DATE_TIME", "URL"} <= found


@pytest.mark.parametrize(("entity", "classes"), [
    ("CREDIT_CARD", [CardRule]),
    ("IBAN_CODE", [IbanRule]),
    ("US_SSN", [PatternRule, PatternRule]),
    ("EMAIL_ADDRESS", [EmailRule]),
    ("IP_ADDRESS", [IpRule]),
    ("PHONE_NUMBER", [PhoneRule, PhoneRule]),
    ("US_DRIVER_LICENSE", [PresidioRule]),
])
def test_entities_asked_for_by_name_use_our_rules(entity: str, classes: list[type]) -> None:
    # Ours where we have a rule (the built-in templates'), Presidio's recognizer only where we have none.
    assert [type(r) for r in entity_rules(entity, None)] == classes


def test_presidio_debug_logging_is_off(pii: Classifier) -> None:
    # Presidio's DEBUG messages quote the text around matches.
    assert logging.getLogger("presidio-analyzer").getEffectiveLevel() >= logging.INFO
