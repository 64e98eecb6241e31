# cython: cdivision=True
"""Compiled checksum validators; must agree with ``validators_ref.py`` on every input.

Each function copies the characters it needs from ``s`` into a small stack buffer while holding
the GIL (reading a ``str`` needs it), then does the arithmetic in a ``noexcept nogil`` kernel.
Inputs are capped at 34 characters, so no heap allocation is ever needed.
"""

cdef enum:
    LUHN_MIN = 12  # shortest and longest payment card numbers (ISO/IEC 7812)
    LUHN_MAX = 19
    IBAN_MIN = 15  # Norway and the ISO 13616 maximum
    IBAN_MAX = 34
    SSN_LEN = 9
    ABA_LEN = 9


# Only ASCII counts: a full-width or Arabic-Indic digit is "any other character", as in the reference.
cdef inline bint _is_digit(Py_UCS4 c) noexcept nogil:
    return u'0' <= c <= u'9'


cdef inline bint _is_upper(Py_UCS4 c) noexcept nogil:
    return u'A' <= c <= u'Z'


cdef inline unsigned char _digit(Py_UCS4 c) noexcept nogil:
    return <unsigned char>(<int>c - 48)


cdef bint _luhn(const unsigned char* d, Py_ssize_t n) noexcept nogil:
    cdef int total = 0
    cdef int v
    cdef Py_ssize_t i
    for i in range(n):
        v = d[n - 1 - i]
        if i & 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


cdef bint _iban(const char* b, Py_ssize_t n) noexcept nogil:
    cdef int r = 0
    cdef Py_ssize_t j
    cdef char c
    if not (_is_upper(b[0]) and _is_upper(b[1]) and _is_digit(b[2]) and _is_digit(b[3])):
        return False
    # Digit by digit so the (up to 68-digit) number never has to exist; j + 4 rotates the country
    # code and check digits to the end without a copy.
    for j in range(n):
        c = b[(j + 4) % n]
        if _is_digit(c):
            r = (r * 10 + c - 48) % 97
        else:
            r = (r * 100 + c - 55) % 97
    return r == 1


cdef bint _ssn(const unsigned char* d) noexcept nogil:
    cdef int area = d[0] * 100 + d[1] * 10 + d[2]
    cdef int group = d[3] * 10 + d[4]
    cdef int serial = d[5] * 1000 + d[6] * 100 + d[7] * 10 + d[8]
    cdef Py_ssize_t i
    if area == 0 or area == 666 or area >= 900 or group == 0 or serial == 0:
        return False
    # Printed in advertisements / on sample cards, never validly issued.
    if (area == 78 and group == 5 and serial == 1120) or (area == 219 and group == 9 and serial == 9999):
        return False
    for i in range(1, SSN_LEN):
        if d[i] != d[0]:
            return True
    return False


cdef bint _aba(const unsigned char* d) noexcept nogil:
    cdef int total = 0
    cdef bint nonzero = False
    cdef Py_ssize_t i
    for i in range(0, ABA_LEN, 3):
        total += 3 * d[i] + 7 * d[i + 1] + d[i + 2]
        nonzero = nonzero or d[i] or d[i + 1] or d[i + 2]
    return nonzero and total % 10 == 0


def luhn_ok(str s not None) -> bool:
    """True if ``s`` is 12-19 digits (spaces and dashes ignored) passing the Luhn mod-10 check."""
    cdef unsigned char digits[LUHN_MAX]
    cdef Py_ssize_t n = 0
    cdef Py_UCS4 c
    cdef bint ok
    for c in s:
        if _is_digit(c):
            if n == LUHN_MAX:
                return False
            digits[n] = _digit(c)
            n += 1
        elif c != u' ' and c != u'-':
            return False
    if n < LUHN_MIN:
        return False
    with nogil:
        ok = _luhn(digits, n)
    return ok


def mod97_ok(str s not None) -> bool:
    """True if ``s`` (spaces ignored, any case) is a structurally valid IBAN whose mod-97 check holds."""
    cdef char buf[IBAN_MAX]
    cdef Py_ssize_t n = 0
    cdef Py_UCS4 c
    cdef bint ok
    for c in s:
        if c == u' ':
            continue
        if u'a' <= c <= u'z':
            c = <Py_UCS4>(<int>c - 32)
        elif not (_is_digit(c) or _is_upper(c)):
            return False
        if n == IBAN_MAX:
            return False
        buf[n] = <char>c
        n += 1
    if n < IBAN_MIN:
        return False
    with nogil:
        ok = _iban(buf, n)
    return ok


def us_ssn_ok(str s not None) -> bool:
    """True if ``s`` is a structurally valid US SSN: ``123-45-6789``, ``123 45 6789`` or ``123456789``."""
    cdef unsigned char digits[SSN_LEN]
    cdef Py_ssize_t length = len(s)
    cdef Py_ssize_t i = 0
    cdef Py_ssize_t n = 0
    cdef Py_UCS4 c
    cdef Py_UCS4 sep = 0
    cdef bint ok
    if length == 11:
        sep = s[3]
        if sep != u'-' and sep != u' ':
            return False
    elif length != SSN_LEN:
        return False
    for c in s:
        if sep and (i == 3 or i == 6):
            if c != sep:
                return False
        elif _is_digit(c):
            digits[n] = _digit(c)
            n += 1
        else:
            return False
        i += 1
    with nogil:
        ok = _ssn(digits)
    return ok


def aba_routing_ok(str s not None) -> bool:
    """True if ``s`` is exactly 9 digits, not all zero, passing the ABA 3-7-1 weighted mod-10 check."""
    cdef unsigned char digits[ABA_LEN]
    cdef Py_ssize_t n = 0
    cdef Py_UCS4 c
    cdef bint ok
    if len(s) != ABA_LEN:
        return False
    for c in s:
        if not _is_digit(c):
            return False
        digits[n] = _digit(c)
        n += 1
    with nogil:
        ok = _aba(digits)
    return ok


cdef extern from "math.h" nogil:
    double log2(double x)


def npi_ok(str s not None) -> bool:
    """True if ``s`` is a US National Provider Identifier: 10 digits, first 1 or 2, Luhn over ``80840`` + it."""
    cdef unsigned char digits[15]
    cdef Py_ssize_t n = 5
    cdef Py_UCS4 c
    cdef bint ok
    if len(s) != 10:
        return False
    digits[0] = 8
    digits[1] = 0
    digits[2] = 8
    digits[3] = 4
    digits[4] = 0
    for c in s:
        if not _is_digit(c):
            return False
        digits[n] = _digit(c)
        n += 1
    if digits[5] != 1 and digits[5] != 2:
        return False
    with nogil:
        ok = _luhn(digits, 15)
    return ok


cdef double _entropy_of_counts(int* counts, Py_ssize_t k, Py_ssize_t n) noexcept nogil:
    # Sorted ascending and summed in that order, as the reference does, so both give the same float.
    cdef Py_ssize_t i, j
    cdef int v
    cdef double total = 0.0
    cdef double p
    for i in range(1, k):
        v = counts[i]
        j = i - 1
        while j >= 0 and counts[j] > v:
            counts[j + 1] = counts[j]
            j -= 1
        counts[j + 1] = v
    for i in range(k):
        p = <double>counts[i] / <double>n
        total -= p * log2(p)
    return total


def shannon_entropy(str s not None) -> float:
    """Shannon entropy of ``s`` in bits per character (0.0 for an empty string)."""
    cdef int ascii_counts[128]
    cdef int packed[128]
    cdef Py_ssize_t n = len(s)
    cdef Py_ssize_t k = 0
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    cdef double total
    if n == 0:
        return 0.0
    for i in range(128):
        ascii_counts[i] = 0
    for c in s:
        if c >= 128:
            # Rare in secrets: fall back to the reference's counting.
            counts = {}
            for ch in s:
                counts[ch] = counts.get(ch, 0) + 1
            total = 0.0
            for v in sorted(counts.values()):
                total -= (v / n) * log2(<double>v / <double>n)
            return total
        ascii_counts[c] += 1
    for i in range(128):
        if ascii_counts[i]:
            packed[k] = ascii_counts[i]
            k += 1
    with nogil:
        total = _entropy_of_counts(packed, k, n)
    return total


cdef inline bint _dea_first(Py_UCS4 c) noexcept nogil:
    return c == u'A' or c == u'B' or c == u'C' or c == u'D' or c == u'E' or c == u'F' or c == u'G' \
        or c == u'H' or c == u'J' or c == u'K' or c == u'L' or c == u'M' or c == u'P' or c == u'R' \
        or c == u'S' or c == u'T' or c == u'U' or c == u'X'


def dea_ok(str s not None) -> bool:
    """True if ``s`` is a US DEA registration number: a registrant-type letter, a letter (or ``9``), 7 digits
    whose last is ``(d1 + d3 + d5 + 2 * (d2 + d4 + d6)) mod 10``."""
    cdef unsigned char d[7]
    cdef Py_UCS4 first, second, c
    cdef Py_ssize_t i
    if len(s) != 9:
        return False
    first = s[0]
    second = s[1]
    if u'a' <= first <= u'z':
        first = <Py_UCS4>(<int>first - 32)
    if u'a' <= second <= u'z':
        second = <Py_UCS4>(<int>second - 32)
    if not _dea_first(first) or not (_is_upper(second) or second == u'9'):
        return False
    for i in range(7):
        c = s[i + 2]
        if not _is_digit(c):
            return False
        d[i] = _digit(c)
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


cdef inline int _base62(Py_UCS4 c) noexcept nogil:
    if u'0' <= c <= u'9':
        return <int>c - 48
    if u'A' <= c <= u'Z':
        return <int>c - 55
    if u'a' <= c <= u'z':
        return <int>c - 61
    return -1


cdef extern from *:
    """
    #define CRC32_POLY 0xEDB88320u
    """
    unsigned int CRC32_POLY  # zlib's reflected CRC-32 polynomial (too wide for a Cython literal)


cdef unsigned int _crc32(const unsigned char* data, Py_ssize_t n) noexcept nogil:
    cdef unsigned int crc = ~(<unsigned int>0)
    cdef Py_ssize_t i
    cdef int k
    for i in range(n):
        crc ^= data[i]
        for k in range(8):
            if crc & 1:
                crc = (crc >> 1) ^ CRC32_POLY
            else:
                crc = crc >> 1
    return ~crc


def github_token_ok(str s not None) -> bool:
    """True if ``s`` is a classic GitHub token (``ghp_`` ... ``ghr_`` and 36 base62 characters) whose last 6
    characters are the base62 CRC-32 of the 30 before them, as GitHub issues them."""
    cdef unsigned char body[30]
    cdef unsigned long long value = 0
    cdef Py_UCS4 c
    cdef Py_ssize_t i
    cdef int v
    if len(s) != 40 or s[0] != u'g' or s[1] != u'h' or s[3] != u'_':
        return False
    c = s[2]
    if not (c == u'p' or c == u'o' or c == u'u' or c == u's' or c == u'r'):
        return False
    for i in range(36):
        c = s[i + 4]
        v = _base62(c)
        if v < 0:
            return False
        if i < 30:
            body[i] = <unsigned char>c
        else:
            value = value * 62 + v
    return value == _crc32(body, 30)


def repeated_run(str s not None, Py_ssize_t n) -> bool:
    """True if one character occurs ``n`` (>= 2) times in a row in ``s`` (``XXXX``, ``0000``)."""
    cdef Py_ssize_t run = 1
    cdef Py_ssize_t i, length = len(s)
    if n < 2:
        return length > 0
    for i in range(1, length):
        if s[i] == s[i - 1]:
            run += 1
            if run >= n:
                return True
        else:
            run = 1
    return False


cdef inline bint _ascii_alnum(Py_UCS4 c) noexcept nogil:
    return _is_digit(c) or _is_upper(c) or (u'a' <= c <= u'z')


def sequential_run(str s not None, Py_ssize_t n) -> bool:
    """True if ``n`` (>= 2) letters or digits in a row of ``s`` step by +1 or by -1 (``abcdef``, ``654321``)."""
    cdef Py_ssize_t up = 1, down = 1
    cdef Py_ssize_t i, length = len(s)
    cdef Py_UCS4 a, b
    cdef long step
    if n < 2:
        return length > 0
    for i in range(1, length):
        a = s[i - 1]
        b = s[i]
        if _ascii_alnum(a) and _ascii_alnum(b):
            step = <long>b - <long>a
            up = up + 1 if step == 1 else 1
            down = down + 1 if step == -1 else 1
        else:
            up = 1
            down = 1
        if up >= n or down >= n:
            return True
    return False
