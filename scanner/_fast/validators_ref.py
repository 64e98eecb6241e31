"""Pure-Python reference checksum validators; ``_validators.pyx`` must agree with these on every input.

Only ASCII digits and letters count: a full-width or Arabic-Indic digit is "any other character".
"""

import math

_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")

_LUHN_MIN, _LUHN_MAX = 12, 19  # shortest and longest payment card numbers (ISO/IEC 7812)
_IBAN_MIN, _IBAN_MAX = 15, 34  # Norway and the ISO 13616 maximum
_SSN_ADVERTISING = frozenset({"078051120", "219099999"})  # printed in ads / sample cards, never issued
_ABA_WEIGHTS = (3, 7, 1)


def luhn_ok(s: str) -> bool:
    """True if ``s`` is 12-19 digits (spaces and dashes ignored) passing the Luhn mod-10 check."""
    digits: list[int] = []
    for ch in s:
        if ch in _DIGITS:
            digits.append(ord(ch) - 48)
        elif ch != " " and ch != "-":
            return False
    if not _LUHN_MIN <= len(digits) <= _LUHN_MAX:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def mod97_ok(s: str) -> bool:
    """True if ``s`` (spaces ignored, any case) is a structurally valid IBAN whose mod-97 check holds."""
    chars: list[str] = []
    for ch in s:
        if ch in _DIGITS or ch in _UPPER:
            chars.append(ch)
        elif ch in _LOWER:
            chars.append(chr(ord(ch) - 32))  # ASCII only: str.upper() would turn "ß" into "SS"
        elif ch != " ":
            return False
    n = len(chars)
    if not _IBAN_MIN <= n <= _IBAN_MAX:
        return False
    if not (chars[0] in _UPPER and chars[1] in _UPPER and chars[2] in _DIGITS and chars[3] in _DIGITS):
        return False
    # Digit by digit so the (up to 68-digit) number never has to exist.
    r = 0
    for ch in chars[4:] + chars[:4]:
        if ch in _DIGITS:
            r = (r * 10 + ord(ch) - 48) % 97
        else:
            r = (r * 100 + ord(ch) - 55) % 97
    return r == 1


def us_ssn_ok(s: str) -> bool:
    """True if ``s`` is a structurally valid US SSN: ``123-45-6789``, ``123 45 6789`` or ``123456789``."""
    if len(s) == 11:
        sep = s[3]
        if sep not in ("-", " ") or s[6] != sep:
            return False
        s = s[:3] + s[4:6] + s[7:]
    if len(s) != 9 or not all(ch in _DIGITS for ch in s):
        return False
    area, group, serial = int(s[:3]), int(s[3:5]), int(s[5:])
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    return s not in _SSN_ADVERTISING and s != s[0] * 9


def aba_routing_ok(s: str) -> bool:
    """True if ``s`` is exactly 9 digits, not all zero, passing the ABA 3-7-1 weighted mod-10 check."""
    if len(s) != 9 or not all(ch in _DIGITS for ch in s):
        return False
    if s == "000000000":
        return False
    return sum(_ABA_WEIGHTS[i % 3] * (ord(ch) - 48) for i, ch in enumerate(s)) % 10 == 0


_NPI_PREFIX = "80840"  # the card issuer prefix of US health identifiers: an NPI's Luhn runs over it too


def npi_ok(s: str) -> bool:
    """True if ``s`` is a US National Provider Identifier: 10 digits, first 1 or 2, Luhn over ``80840`` + it."""
    if len(s) != 10 or not all(ch in _DIGITS for ch in s) or s[0] not in "12":
        return False
    return luhn_ok(_NPI_PREFIX + s)


def shannon_entropy(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character (0.0 for an empty string)."""
    n = len(s)
    if n == 0:
        return 0.0
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    # Summed in order of the sorted counts so the compiled version adds the same terms in the same order.
    total = 0.0
    for c in sorted(counts.values()):
        p = c / n
        total -= p * math.log2(p)
    return total


_DEA_FIRST = frozenset("ABCDEFGHJKLMPRSTUX")  # DEA registrant types


def dea_ok(s: str) -> bool:
    """True if ``s`` is a US DEA registration number: a registrant-type letter, a letter (or ``9``), 7 digits
    whose last is ``(d1 + d3 + d5 + 2 * (d2 + d4 + d6)) mod 10``."""
    if len(s) != 9:
        return False
    first, second = s[0].upper(), s[1].upper()
    if first not in _DEA_FIRST or not (second in _UPPER or second == "9"):
        return False
    if not all(ch in _DIGITS for ch in s[2:]):
        return False
    d = [ord(ch) - 48 for ch in s[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_GITHUB_PREFIXES = frozenset({"ghp_", "gho_", "ghu_", "ghs_", "ghr_"})


def _crc32(data: bytes) -> int:
    # zlib's CRC-32 (reflected 0xEDB88320), written out so the compiled twin has a reference to agree with.
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def github_token_ok(s: str) -> bool:
    """True if ``s`` is a classic GitHub token (``ghp_`` ... ``ghr_`` and 36 base62 characters) whose last 6
    characters are the base62 CRC-32 of the 30 before them, as GitHub issues them."""
    if len(s) != 40 or s[:4] not in _GITHUB_PREFIXES:
        return False
    body = s[4:]
    if not all(ch in _BASE62 for ch in body):
        return False
    value = 0
    for ch in body[30:]:
        value = value * 62 + _BASE62.index(ch)
    return value == _crc32(body[:30].encode("ascii"))


def repeated_run(s: str, n: int) -> bool:
    """True if one character occurs ``n`` (>= 2) times in a row in ``s`` (``XXXX``, ``0000``)."""
    if n < 2:
        return bool(s)
    run = 1
    for a, b in zip(s, s[1:], strict=False):
        run = run + 1 if a == b else 1
        if run >= n:
            return True
    return False


def sequential_run(s: str, n: int) -> bool:
    """True if ``n`` (>= 2) letters or digits in a row of ``s`` step by +1 or by -1 (``abcdef``, ``654321``)."""
    if n < 2:
        return bool(s)
    up = down = 1
    for a, b in zip(s, s[1:], strict=False):
        if a.isascii() and b.isascii() and a.isalnum() and b.isalnum():
            step = ord(b) - ord(a)
            up = up + 1 if step == 1 else 1
            down = down + 1 if step == -1 else 1
        else:
            up = down = 1
        if up >= n or down >= n:
            return True
    return False
