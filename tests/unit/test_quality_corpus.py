"""The labelled quality corpus (benchmarks/quality_corpus.py) and the scorer of benchmarks/bench_quality.py.

The corpus is the measuring instrument of issue 14: these tests check that it is deterministic, that every value
it lists is really in the text our extractor gives for its object and member, that planted values are valid by
the real rules (python-stdnum, phonenumbers, cryptography, GitHub's checksum) and decoys are not, and that the
scorer counts hits, misses, false positives, decoys and column verdicts as its docstring says.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from pathlib import Path

import phonenumbers
import pytest
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.us import ssn as stdnum_ssn

from benchmarks.bench_quality import Found, score, split_object
from benchmarks.quality_corpus import (
    ENTITIES,
    FAMILIES,
    Entry,
    Manifest,
    generate,
    github_token_ok,
    manifest_path,
)
from scanner.config import ExtractionConfig
from scanner.extract import ContentExtractor, ExtractionReport

SCALE = 0.01


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("quality") / "corpus"
    return root, generate(root, scale=SCALE, seed=3)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_files_and_manifest(corpus, tmp_path):
    root, _ = corpus
    again = tmp_path / "corpus"
    generate(again, scale=SCALE, seed=3)
    assert _tree(again) == _tree(root)
    assert manifest_path(again).read_bytes() == manifest_path(root).read_bytes()


def test_every_family_and_entity_is_there_with_decoys(corpus):
    root, m = corpus
    assert sorted(set(m.objects.values())) == sorted(FAMILIES)
    assert set(m.objects) == set(_tree(root))
    for fam in FAMILIES:
        assert {e.entity for e in m.planted if e.family == fam} == set(ENTITIES), fam
    assert len(m.decoys) >= 0.5 * len(m.planted)
    assert Manifest.from_json(manifest_path(root).read_text()) == m


async def _texts(root: Path, objects: list[str]) -> dict[tuple[str, str], str]:
    ex = ContentExtractor(ExtractionConfig(timeout_s=120))
    parts: dict[tuple[str, str], list[str]] = defaultdict(list)
    try:
        for rel in objects:
            report = ExtractionReport()
            async for comp in ex.extract(rel, (root / rel).read_bytes(), report):
                parts[(rel, comp.member or "")].append(comp.text)
            assert not report.notes, (rel, report.notes)
    finally:
        await ex.aclose()
    return {k: "\n".join(v) for k, v in parts.items()}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_listed_value_is_in_the_extracted_text_of_its_object_and_member(corpus):
    root, m = corpus
    texts = asyncio.run(_texts(root, list(m.objects)))
    missing = []
    for e in [*m.planted, *m.decoys]:
        text = texts.get((e.object, e.member), "")
        # A key block is lines: a spreadsheet cell's paragraphs come out joined by spaces, the key still whole.
        ok = e.value in text if "\n" not in e.value else _squash(e.value) in _squash(text)
        if not ok:
            missing.append((e.object, e.member, e.entity, e.kind, e.where))
    assert not missing, missing[:10]


def test_planted_values_are_valid_by_the_real_rules(corpus):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_ssh_private_key

    _, m = corpus
    for e in m.planted:
        v = e.value
        if e.entity == "CREDIT_CARD":
            digits = re.sub(r"\D", "", v)
            assert 12 <= len(digits) <= 19 and luhn.is_valid(digits), v
        elif e.entity == "US_SSN":
            assert stdnum_ssn.is_valid(re.sub(r"\D", "", v)), v
        elif e.entity == "IBAN_CODE":
            assert stdnum_iban.is_valid(v), v
        elif e.entity == "PHONE_NUMBER":
            if v.startswith("+"):
                assert phonenumbers.is_valid_number(phonenumbers.parse(v.replace("(0)", ""))), v
            else:
                assert any(phonenumbers.is_valid_number_for_region(phonenumbers.parse(v, r), r)
                           for r in ("US", "GB", "CA")), v
        elif e.entity == "GITHUB_TOKEN" and not v.startswith("github_pat_"):
            assert github_token_ok(v), v
        elif e.entity == "AWS_ACCESS_KEY_ID":
            assert re.fullmatch(r"(AKIA|ASIA)[A-Z2-7]{16}", v), v
        elif e.entity == "PRIVATE_KEY":
            pem = v.replace("\\n", "\n").encode()
            key = load_ssh_private_key(pem, None) if b"OPENSSH" in pem else load_pem_private_key(pem, None)
            assert key is not None


def test_decoys_fail_the_rules_they_imitate(corpus):
    _, m = corpus
    kinds = {d.kind for d in m.decoys}
    assert {"card_luhn_fail", "ssn_invalid", "iban_bad_check", "phone_invalid"} <= kinds
    for d in m.decoys:
        digits = re.sub(r"\D", "", d.value)
        if d.kind == "card_luhn_fail":
            assert not luhn.is_valid(digits), d.value
        elif d.kind == "card_in_digit_run":
            assert len(digits) > 19 and any(luhn.is_valid(digits[i:i + 16]) for i in range(len(digits) - 15))
        elif d.kind == "card_in_iban":
            assert stdnum_iban.is_valid(d.value) and luhn.is_valid(re.sub(r"\s", "", d.value)[4:20])
        elif d.kind == "iban_bad_check":
            assert not stdnum_iban.is_valid(d.value), d.value
        elif d.kind == "ssn_invalid":
            assert not stdnum_ssn.is_valid(digits), d.value
        elif d.kind == "phone_invalid":
            assert not phonenumbers.is_valid_number(phonenumbers.parse(d.value, "US")), d.value
        elif d.kind == "github_bad_checksum":
            assert not github_token_ok(d.value), d.value


def _entry(obj: str, entity: str, value: str, member: str = "", kind: str = "", where: str = "") -> Entry:
    return Entry(obj, member, entity, value, where, "csv", "column", kind)


def test_scorer_counts_hits_misses_false_positives_and_decoys():
    m = Manifest(seed=0, scale=0.0, objects={"a.txt": "csv", "b.zip": "csv"})
    m.planted += [
        _entry("a.txt", "CREDIT_CARD", "4111 1111 1111 1111"),
        _entry("a.txt", "CREDIT_CARD", "4111-1111-1111-1111"),      # the same card twice: two findings needed
        _entry("a.txt", "PHONE_NUMBER", "+49 89 2190 4410"),
        _entry("b.zip", "EMAIL_ADDRESS", "Jane.Doe+x@Mail.Example.org", member="in/m.eml"),
        _entry("a.txt", "GENERIC_SECRET", "Xq7vB2pLm9zR4t"),
        _entry("a.txt", "IP_ADDRESS", "2001:0db8:0000:0000:0000:0000:0000:0001"),
    ]
    m.decoys += [_entry("a.txt", "CREDIT_CARD", "00411111111111111117", kind="card_in_digit_run"),
                 _entry("a.txt", "AWS_ACCESS_KEY_ID", "AKIAXXXXXXXXXXXXXXXX", kind="aws_placeholder")]
    found = [
        Found("a.txt", "", "CREDIT_CARD", "4111111111111111"),
        Found("a.txt", "", "PHONE_NUMBER", "49 89 2190 4410"),           # lost its "+": not the planted value
        Found("b.zip", "in/m.eml", "EMAIL_ADDRESS", "jane.doe+x@mail.example.org"),
        Found("a.txt", "", "GENERIC_SECRET", 'password = "Xq7vB2pLm9zR4t'),
        Found("a.txt", "", "IP_ADDRESS", "2001:db8::1"),
        Found("a.txt", "", "AWS_ACCESS_KEY_ID", "AKIAXXXXXXXXXXXXXXXX"),  # a placeholder reported
        Found("a.txt", "", "US_BANK_NUMBER", "1111111111111117"),        # unscored entity, but on a decoy
        Found("a.txt", "", "HINT:US_SSN", ""),
    ]
    assert split_object("b.zip!/in/m.eml!/x.csv") == ("b.zip", "in/m.eml!/x.csv")
    s = score(m, found, ENTITIES)
    card = s["entities"]["CREDIT_CARD"]
    assert (card["tp"], card["fn"], card["fp"]) == (1, 1, 0)
    assert (s["entities"]["PHONE_NUMBER"]["tp"], s["entities"]["PHONE_NUMBER"]["fp"]) == (0, 1)
    assert s["entities"]["EMAIL_ADDRESS"]["recall"] == 1.0
    assert s["entities"]["GENERIC_SECRET"]["tp"] == 1
    assert s["entities"]["IP_ADDRESS"]["tp"] == 1
    assert s["entities"]["AWS_ACCESS_KEY_ID"]["fp"] == 1
    assert s["overall"]["tp"] == 4 and s["overall"]["fn"] == 2 and s["overall"]["fp"] == 2
    assert s["decoys"]["reported"] == 2 and s["decoys"]["by_kind"]["aws_placeholder"] == [1, 1]
    assert s["other_entities"] == {"US_BANK_NUMBER": 1}
    # The planted card's digits also lie inside the digit-run decoy: finding the card reports no decoy.
    without_bank = score(m, [f for f in found if f.entity != "US_BANK_NUMBER"], ENTITIES)
    assert without_bank["decoys"]["by_kind"] == {"aws_placeholder": [1, 1], "card_in_digit_run": [0, 1]}


def test_scorer_takes_a_column_verdict_for_the_values_of_its_column():
    m = Manifest(seed=0, scale=0.0, objects={"t.csv": "csv"})
    m.planted += [_entry("t.csv", "PHONE_NUMBER", f"(404) 359-53{i:02d}", where=f"line {i + 2} (phone)")
                  for i in range(3)]
    m.planted.append(_entry("t.csv", "PHONE_NUMBER", "(404) 359-5399", where="line 9 (mobile)"))
    verdict = Found("t.csv", "", "PHONE_NUMBER", "(404) 359-5300",
                    "phone;entity_rows=4;nonempty=4;rows=6000;share=1.0000")
    s = score(m, [verdict], ["PHONE_NUMBER"])
    # Three values of the "phone" column are credited; the fourth row it claims is nobody's: a false positive.
    assert (s["overall"]["tp"], s["overall"]["fn"], s["overall"]["fp"]) == (3, 1, 1)
