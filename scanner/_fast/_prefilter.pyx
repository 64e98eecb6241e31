# cython: cdivision=True
"""Compiled shape scanner; must return exactly what ``prefilter_ref.scan_shapes`` returns for every text.

The text is read in place (``PyUnicode_READ`` over the string's own buffer) and the whole scan runs without the
GIL; results go to a growable C array and become Python tuples only at the end. See ``prefilter_ref`` for what
each shape is.
"""

from libc.stdlib cimport free, realloc


cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch) nogil
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch) nogil
    int PyUnicode_KIND(object o)
    void* PyUnicode_DATA(object o)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil


cdef enum:
    KIND_RUN_ = 1
    KIND_EMAIL_ = 2
    KIND_IBAN_ = 3
    KIND_IPV6_ = 4
    IBAN_REACH_ = 48

KIND_RUN = KIND_RUN_
KIND_EMAIL = KIND_EMAIL_
KIND_IBAN = KIND_IBAN_
KIND_IPV6 = KIND_IPV6_
IBAN_REACH = IBAN_REACH_


cdef struct Shape:
    int kind
    Py_ssize_t start
    Py_ssize_t end
    Py_ssize_t digits
    Py_ssize_t consecutive
    Py_ssize_t dots
    int plus


cdef struct Out:
    Shape* items
    Py_ssize_t n
    Py_ssize_t cap
    bint failed


cdef inline void _push(Out* o, int kind, Py_ssize_t s, Py_ssize_t e, Py_ssize_t d, Py_ssize_t c,
                       Py_ssize_t dots, int plus) noexcept nogil:
    cdef Shape* grown
    if o.failed:
        return
    if o.n == o.cap:
        o.cap = o.cap * 2 if o.cap else 64
        grown = <Shape*>realloc(o.items, o.cap * sizeof(Shape))
        if grown == NULL:
            o.failed = True
            return
        o.items = grown
    o.items[o.n].kind = kind
    o.items[o.n].start = s
    o.items[o.n].end = e
    o.items[o.n].digits = d
    o.items[o.n].consecutive = c
    o.items[o.n].dots = dots
    o.items[o.n].plus = plus
    o.n += 1


# Must equal prefilter_ref.RUN_PUNCT.
cdef inline bint _run_punct(Py_UCS4 c) noexcept nogil:
    if c == u' ' or c == u'\t' or c == u'-' or c == u'x' or c == u'(' or c == u')' or c == u'.' \
            or c == u'[' or c == u']' or c == u'/' or c == u'~' or c == u'+':
        return True
    if c < 0xa0:
        return False
    if c == 0xa0 or (0x2000 <= c <= 0x200b) or c == 0x202f or c == 0x205f or c == 0x3000 or c == 0x00ad:
        return True
    if (0x2010 <= c <= 0x2015) or c == 0x2212 or c == 0x30fc or c == 0xff0d or c == 0xff0f:
        return True
    return c == 0x2060 or c == 0xff08 or c == 0xff09 or c == 0xff3b or c == 0xff3d or c == 0x2053 \
        or c == 0x223c or c == 0xff5e or c == 0xff0b


cdef inline bint _ascii_digit(Py_UCS4 c) noexcept nogil:
    return u'0' <= c <= u'9'


cdef inline bint _iban_letter(Py_UCS4 c) noexcept nogil:
    return (u'a' <= c <= u'z') or (u'A' <= c <= u'Z') or c == 0x017f or c == 0x212a


cdef void _scan(int kind, void* data, Py_ssize_t n, Py_ssize_t min_digits, Py_ssize_t min_consecutive,
                Py_ssize_t plus_digits, Py_ssize_t min_dots, bint want_email, bint want_iban, bint want_ipv6,
                Out* o) noexcept nogil:
    cdef Py_ssize_t i, s, e, k, colons
    cdef Py_ssize_t run_start = -1
    cdef Py_ssize_t digits = 0, consec = 0, best = 0, dots = 0
    cdef int plus = 0
    cdef Py_ssize_t last_email_end = -1, last_colon_end = -1
    cdef Py_UCS4 c, p
    cdef bint double_colon
    for i in range(n + 1):
        c = PyUnicode_READ(kind, data, i) if i < n else u'\n'
        if Py_UNICODE_ISDECIMAL(c):
            if run_start < 0:
                run_start = i
            digits += 1
            consec += 1
            if consec > best:
                best = consec
        elif _run_punct(c):
            if run_start < 0:
                run_start = i
            consec = 0
            if c == u'.':
                dots += 1
            elif c == u'+' or c == 0xff0b:
                plus = 1
        else:
            if run_start >= 0:
                if digits and (digits >= min_digits or best >= min_consecutive
                               or (plus and digits >= plus_digits) or dots >= min_dots):
                    _push(o, KIND_RUN_, run_start, i, digits, best, dots, plus)
                run_start = -1
                digits = 0
                consec = 0
                best = 0
                dots = 0
                plus = 0
        if i == n:
            break
        if want_email and c == u'@' and i >= last_email_end:
            s = i
            while s > 0 and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s - 1)):
                s -= 1
            e = i
            while e < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e)):
                e += 1
            _push(o, KIND_EMAIL_, s, e, 0, 0, 0, 0)
            last_email_end = e
        elif want_ipv6 and c == u':' and i >= last_colon_end:
            s = i
            while s > 0 and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s - 1)):
                s -= 1
            e = i
            while e < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e)):
                e += 1
            colons = 0
            double_colon = False
            p = 0
            for k in range(s, e):
                if PyUnicode_READ(kind, data, k) == u':':
                    colons += 1
                    if p == u':':
                        double_colon = True
                p = PyUnicode_READ(kind, data, k)
            if double_colon or colons >= 6:
                _push(o, KIND_IPV6_, s, e, 0, 0, 0, 0)
            last_colon_end = e
        if want_iban and i + 3 < n and _iban_letter(c) and _iban_letter(PyUnicode_READ(kind, data, i + 1)) \
                and _ascii_digit(PyUnicode_READ(kind, data, i + 2)) \
                and _ascii_digit(PyUnicode_READ(kind, data, i + 3)):
            if i == 0 or not (_iban_letter(PyUnicode_READ(kind, data, i - 1))
                              or _ascii_digit(PyUnicode_READ(kind, data, i - 1))):
                _push(o, KIND_IBAN_, i, i + IBAN_REACH_ if i + IBAN_REACH_ < n else n, 0, 0, 0, 0)


def scan_shapes(str text not None, Py_ssize_t min_digits, Py_ssize_t min_consecutive, Py_ssize_t plus_digits,
                Py_ssize_t min_dots, bint want_email, bint want_iban, bint want_ipv6) -> list:
    """Every shape in ``text`` as ``(kind, start, end, digits, consecutive, dots, plus)``; see ``prefilter_ref``."""
    cdef Out o
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    cdef Py_ssize_t j
    o.items = NULL
    o.n = 0
    o.cap = 0
    o.failed = False
    try:
        with nogil:
            _scan(kind, data, n, min_digits, min_consecutive, plus_digits, min_dots, want_email, want_iban, want_ipv6,
                  &o)
        if o.failed:
            raise MemoryError("shape scanner: out of memory")
        out = [(o.items[j].kind, o.items[j].start, o.items[j].end, o.items[j].digits,
                o.items[j].consecutive, o.items[j].dots, o.items[j].plus) for j in range(o.n)]
    finally:
        free(o.items)
    out.sort(key=_order)
    return out


def _order(t):
    return (t[1], t[0])


def widen(str text not None, Py_ssize_t s, Py_ssize_t e):
    """Same as ``prefilter_ref.widen`` (called once per candidate: the prefilter's hottest Python-level step)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = len(text)
    s = min(max(s, 0), n)
    e = min(max(e, 0), n)
    while s > 0 and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, s - 1)):
        s -= 1
    while e < n and not Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, e)):
        e += 1
    return s, e
