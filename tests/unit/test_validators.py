"""Checksum validators: one table per function, run against every implementation in scanner._fast."""

import random
import zlib
from types import ModuleType

import pytest

from scanner._fast import COMPILED, IMPLEMENTATIONS

IMPLS = pytest.mark.parametrize("impl", list(IMPLEMENTATIONS.values()), ids=list(IMPLEMENTATIONS))

LUHN_CASES = [
    ("4111111111111111", True),  # Visa
    ("4012888888881881", True),
    ("5500005555555559", True),  # Mastercard
    ("5555555555554444", True),
    ("378282246310005", True),  # Amex, 15 digits
    ("371449635398431", True),
    ("6011111111111117", True),  # Discover
    ("6011000990139424", True),
    ("4111 1111 1111 1111", True),
    ("4111-1111-1111-1111", True),
    ("3782 822463 10005", True),
    (" 4111-1111 1111-1111 ", True),
    ("411111111117", True),  # 12 digits, the minimum
    ("4111111111111111110", True),  # 19 digits, the maximum
    ("4111111111111112", False),  # check digit off by one
    ("5500005555555558", False),
    ("378282246310006", False),
    ("6011111111111171", False),  # last two digits swapped
    ("79927398713", False),  # Luhn-valid but 11 digits
    ("00004111111111111111", False),  # Luhn-valid but 20 digits
    ("", False),
    ("- -", False),
    ("4111.1111.1111.1111", False),
    ("4111\t1111\t1111\t1111", False),
    ("4111x111111111111", False),
    ("\uff14111111111111111", False),  # full-width 4 is not an ASCII digit
]

IBAN_CASES = [
    ("GB82WEST12345698765432", True),
    ("DE89370400440532013000", True),
    ("FR1420041010050500013M02606", True),
    ("NL91ABNA0417164300", True),
    ("BE68539007547034", True),
    ("NO9386011117947", True),  # 15, the shortest
    ("MT84MALT011000012345MTLCAST001S", True),
    ("GB82 WEST 1234 5698 7654 32", True),
    ("gb82west12345698765432", True),
    ("Fr14 2004 1010 0505 0001 3m02 606", True),
    ("GB82WEST12345698765433", False),  # one digit changed
    ("DE89370400440532013001", False),
    ("DE88370400440532013000", False),  # check digits changed
    ("FR1420041010050500013M02607", False),
    ("GB82-WEST-1234-5698-7654-32", False),  # dashes are not IBAN separators
    ("1B82WEST12345698765432", False),  # country code must be letters
    ("GBX2WEST12345698765432", False),  # check digits must be digits
    ("GB82WEST1234569876543\u00c9", False),
    ("GB82WEST12345698765432!", False),
    ("NO938601111794", False),  # 14, too short
    ("GB82WEST12345698765432123456789012", False),  # 34 long but the check fails
    ("GB82WEST123456987654321234567890123", False),  # 35, too long
    ("", False),
    ("GB82", False),
]

SSN_CASES = [
    ("123-45-6789", True),
    ("123 45 6789", True),
    ("123456789", True),
    ("001-01-0001", True),
    ("665-12-3456", True),
    ("667-12-3456", True),
    ("899-99-9999", True),
    ("078-05-1121", True),
    ("000-12-3456", False),  # area 000
    ("666-12-3456", False),  # area 666
    ("900-12-3456", False),  # area 900-999
    ("999-99-9998", False),
    ("123-00-6789", False),  # group 00
    ("123-45-0000", False),  # serial 0000
    ("078-05-1120", False),  # Woolworth wallet card
    ("078051120", False),
    ("219-09-9999", False),  # Social Security Administration pamphlet
    ("111-11-1111", False),
    ("555555555", False),
    ("123-45 6789", False),  # mixed separators
    ("123 45-6789", False),
    ("12-345-6789", False),  # separators in the wrong place
    ("123-456789", False),
    ("12345678", False),
    ("1234567890", False),
    (" 123456789", False),
    ("123-45-678a", False),
    ("123_45_6789", False),
    ("123--45-6789", False),
    ("\uff11\uff12\uff13456789", False),  # full-width digits
    ("", False),
]

ABA_CASES = [
    ("011000015", True),  # Federal Reserve Bank of Boston
    ("021000021", True),
    ("026009593", True),
    ("121000248", True),
    ("021000022", False),
    ("000000000", False),  # passes the checksum but is not a routing number
    ("02100002", False),
    ("0210000210", False),
    ("021-000-021", False),
    ("021 000 021", False),
    ("02100002a", False),
    ("", False),
]


@IMPLS
@pytest.mark.parametrize(("s", "expected"), LUHN_CASES)
def test_luhn_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.luhn_ok(s) is expected


@IMPLS
@pytest.mark.parametrize(("s", "expected"), IBAN_CASES)
def test_mod97_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.mod97_ok(s) is expected


@IMPLS
@pytest.mark.parametrize(("s", "expected"), SSN_CASES)
def test_us_ssn_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.us_ssn_ok(s) is expected


@IMPLS
@pytest.mark.parametrize(("s", "expected"), ABA_CASES)
def test_aba_routing_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.aba_routing_ok(s) is expected


@IMPLS
def test_all_same_digit_ssns_rejected(impl: ModuleType) -> None:
    for d in "0123456789":
        assert impl.us_ssn_ok(d * 9) is False
        assert impl.us_ssn_ok(f"{d * 3}-{d * 2}-{d * 4}") is False


def test_compiled_extension_is_built() -> None:
    # CI builds the extension; silently testing only the fallback would hide a broken build.
    assert COMPILED, "scanner._fast._validators is not built: run `python setup.py build_ext --inplace`"
    assert "compiled" in IMPLEMENTATIONS


FUNCTIONS = ("luhn_ok", "mod97_ok", "us_ssn_ok", "aba_routing_ok")
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u00e9\u0663"  # plus two non-ASCII


def _random_string(rng: random.Random) -> str:
    # Pure noise almost never passes a check, so most strings are shaped like the real thing.
    shape = rng.randrange(4)
    if shape == 0:  # card / routing-number-like digit runs, sometimes with separators
        chars = [rng.choice(_DIGITS) for _ in range(rng.randint(8, 21))]
        for _ in range(rng.choice((0, 0, 1, 3))):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(" -"))
        return "".join(chars)
    if shape == 1:  # IBAN-like
        body = "".join(rng.choice(_DIGITS * 3 + _LETTERS[:26]) for _ in range(rng.randint(9, 32)))
        country = rng.choice(_LETTERS[:52]) + rng.choice(_LETTERS[:26])
        s = country + rng.choice(_DIGITS) + rng.choice(_DIGITS) + body
        return " ".join(s[i : i + 4] for i in range(0, len(s), 4)) if rng.random() < 0.3 else s
    if shape == 2:  # SSN-like
        parts = ["".join(rng.choice(_DIGITS) for _ in range(k)) for k in (3, 2, 4)]
        return parts[0] + rng.choice(("", "-", " ")) + parts[1] + rng.choice(("", "-", " ")) + parts[2]
    return "".join(rng.choice(_DIGITS + " -" + _LETTERS) for _ in range(rng.randint(0, 40)))


def test_compiled_matches_reference_on_random_inputs() -> None:
    compiled = IMPLEMENTATIONS.get("compiled")
    assert compiled is not None, "scanner._fast._validators is not built"
    reference = IMPLEMENTATIONS["reference"]
    rng = random.Random(1234)
    mismatches: list[tuple[str, str]] = []
    accepted = dict.fromkeys(FUNCTIONS, 0)
    for _ in range(20_000):
        s = _random_string(rng)
        for name in FUNCTIONS:
            expected = getattr(reference, name)(s)
            if getattr(compiled, name)(s) is not expected:
                mismatches.append((name, s))
            accepted[name] += expected
    assert not mismatches, mismatches[:20]
    # Guard against a generator that only ever exercises the rejection paths.
    assert all(count >= 20 for count in accepted.values()), accepted


@IMPLS
@pytest.mark.parametrize(("s", "expected"), [
    ("1234567893", True), ("1245319599", True), ("1234567890", False), ("3234567893", False),
    ("123456789", False), ("12345678930", False), ("123456789a", False), ("", False),
])
def test_npi_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.npi_ok(s) is expected


@IMPLS
@pytest.mark.parametrize(("s", "expected"), [
    ("", 0.0), ("aaaa", 0.0), ("ab", 1.0), ("abcd", 2.0), ("0123456789abcdef", 4.0), ("aab", 0.9182958340544896),
])
def test_shannon_entropy(impl: ModuleType, s: str, expected: float) -> None:
    assert impl.shannon_entropy(s) == pytest.approx(expected, abs=1e-12)


def test_entropy_and_npi_compiled_match_reference() -> None:
    compiled = IMPLEMENTATIONS.get("compiled")
    assert compiled is not None, "scanner._fast._validators is not built"
    reference = IMPLEMENTATIONS["reference"]
    rng = random.Random(99)
    npi_accepted = 0
    for _ in range(5000):
        s = _random_string(rng)
        assert compiled.shannon_entropy(s) == reference.shannon_entropy(s), s
        digits = "".join(rng.choice(_DIGITS) for _ in range(9))
        npi = rng.choice("12") + digits[:8]
        npi += str(next(d for d in range(10) if reference.npi_ok(npi + str(d))))
        for candidate in (npi, npi[:-1] + rng.choice(_DIGITS), s):
            expected = reference.npi_ok(candidate)
            assert compiled.npi_ok(candidate) is expected, candidate
            npi_accepted += expected
    assert npi_accepted >= 5000


def _github_token(rng: random.Random, prefix: str = "ghp_") -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    body = "".join(rng.choice(alphabet) for _ in range(30))
    n, tail = zlib.crc32(body.encode()), ""
    for _ in range(6):
        n, r = divmod(n, 62)
        tail = alphabet[r] + tail
    return prefix + body + tail


@IMPLS
@pytest.mark.parametrize(("s", "expected"), [
    ("AB1234563", True), ("ab1234563", True), ("A91234563", True), ("AB1234567", False), ("IB1234563", False),
    ("AB123456", False), ("AB12345633", False), ("A#1234563", False), ("", False),
])
def test_dea_ok(impl: ModuleType, s: str, expected: bool) -> None:
    assert impl.dea_ok(s) is expected


@IMPLS
def test_github_token_ok(impl: ModuleType) -> None:
    rng = random.Random(5)
    for prefix in ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"):
        token = _github_token(rng, prefix)
        assert impl.github_token_ok(token) is True, token
        assert impl.github_token_ok(token[:-1] + ("0" if token[-1] != "0" else "1")) is False  # checksum
        assert impl.github_token_ok("ghx_" + token[4:]) is False
        assert impl.github_token_ok(token[:-1]) is False
    assert impl.github_token_ok("ghp_" + "x" * 36) is False
    # GitHub's documentation example is not a real token: its checksum does not hold.
    assert impl.github_token_ok("ghp_16C7e42F292c6912E7710c838347Ae178B4a") is False


@IMPLS
@pytest.mark.parametrize(("s", "n", "repeated", "sequential"), [
    ("XXXX", 4, True, False), ("abXXXc", 3, True, False), ("abcdef", 6, False, True), ("654321", 6, False, True),
    ("a1b2c3", 2, False, False), ("zyx", 3, False, True), ("aZbY", 2, False, False), ("", 2, False, False),
    ("ab-cd", 3, False, False), ("xx", 1, True, True),
])
def test_placeholder_runs(impl: ModuleType, s: str, n: int, repeated: bool, sequential: bool) -> None:
    assert impl.repeated_run(s, n) is repeated
    assert impl.sequential_run(s, n) is sequential


def test_token_checks_compiled_match_reference() -> None:
    compiled = IMPLEMENTATIONS.get("compiled")
    assert compiled is not None, "scanner._fast._validators is not built"
    reference = IMPLEMENTATIONS["reference"]
    rng = random.Random(7)
    accepted = 0
    for _ in range(3000):
        s = _random_string(rng)
        token = _github_token(rng)
        for candidate in (s, token, token[:-2] + s[:2], "ghp_" + s):
            expected = reference.github_token_ok(candidate)
            assert compiled.github_token_ok(candidate) is expected, candidate
            accepted += expected
            assert compiled.dea_ok(candidate[:9]) is reference.dea_ok(candidate[:9]), candidate
            for n in (2, 3, 4, 6):
                assert compiled.repeated_run(candidate, n) is reference.repeated_run(candidate, n), candidate
                assert compiled.sequential_run(candidate, n) is reference.sequential_run(candidate, n), candidate
    assert accepted >= 3000
