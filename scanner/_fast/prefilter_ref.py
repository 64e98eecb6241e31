"""Pure-Python reference of the shape scanner in ``_prefilter.pyx``; both must return the same list for every text.

:func:`scan_shapes` finds the character shapes that the prefiltered recognizers need and returns them as
``(kind, start, end, digits, consecutive, dots, plus)`` tuples in order of ``start`` (then kind):

- ``KIND_RUN``: a maximal run of decimal digits (Unicode ``Nd``, as ``\\d`` sees them) and number punctuation
  (:data:`RUN_PUNCT`: spaces, dashes, dots, slashes, brackets, ``+`` ...), holding at least one digit; reported
  when it has at least ``min_digits`` digits in all, or ``min_consecutive`` digits in a row, or a ``+`` and at
  least ``plus_digits`` digits, or at least ``min_dots`` dots. ``digits``, ``consecutive``, ``dots`` (count of
  ``.``) and ``plus`` (0/1) let the caller decide which recognizers the run can feed.
- ``KIND_EMAIL``: a whitespace-delimited piece holding ``@`` (one per piece).
- ``KIND_IBAN``: two letters (ASCII, or the two non-ASCII letters ``ſ`` and the Kelvin sign that fold to ASCII
  letters under ``IGNORECASE``) then two ASCII digits, not preceded by a letter or digit; ``end`` is ``start``
  plus :data:`IBAN_REACH` (clipped to the text).
- ``KIND_IPV6``: a whitespace-delimited piece holding ``::`` or at least six ``:`` (every IPv6 alternative of
  Presidio's ``IpRecognizer`` does).

For the last four fields of the non-run kinds the value is 0. Pure function: no I/O, no state.
"""

from __future__ import annotations

KIND_RUN = 1
KIND_EMAIL = 2
KIND_IBAN = 3
KIND_IPV6 = 4

# Longest possible match of Presidio's generic IBAN pattern: 2 letters, 2 digits, 7 groups of "-XXXX", "-XXX".
IBAN_REACH = 48

# Separators a digit run may contain: what phonenumbers accepts as punctuation in a number (plus "+" and the
# full-width plus), the separators of the card/SSN/IP patterns, and the ordinary horizontal spaces.
RUN_PUNCT = frozenset(
    " \t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
    "-x\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\uff0f\u00ad\u200b\u2060()\uff08\uff09"
    "\uff3b\uff3d.[]/~\u2053\u223c\uff5e+\uff0b"
)
_FOLDING_LETTERS = frozenset("\u017f\u212a")


def _is_ascii_alpha(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


def _iban_letter(c: str) -> bool:
    return _is_ascii_alpha(c) or c in _FOLDING_LETTERS


def _piece_bounds(text: str, i: int) -> tuple[int, int]:
    s = i
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    e = i
    n = len(text)
    while e < n and not text[e].isspace():
        e += 1
    return s, e


def scan_shapes(
    text: str, min_digits: int, min_consecutive: int, plus_digits: int, min_dots: int, want_email: bool,
    want_iban: bool, want_ipv6: bool,
) -> list[tuple[int, int, int, int, int, int, int]]:
    """Every shape in ``text``, as described in the module docstring."""
    out: list[tuple[int, int, int, int, int, int, int]] = []
    n = len(text)
    i = 0
    # digit runs
    run_start = -1
    digits = consec = best = dots = plus = 0
    last_email_piece_end = -1
    last_colon_piece_end = -1
    while i <= n:
        c = text[i] if i < n else "\n"
        if c.isdecimal():
            if run_start < 0:
                run_start = i
            digits += 1
            consec += 1
            if consec > best:
                best = consec
        elif c in RUN_PUNCT:
            if run_start < 0:
                run_start = i
            consec = 0
            if c == ".":
                dots += 1
            elif c in "+\uff0b":
                plus = 1
        else:
            if run_start >= 0:
                if digits and (digits >= min_digits or best >= min_consecutive
                               or (plus and digits >= plus_digits) or dots >= min_dots):
                    out.append((KIND_RUN, run_start, i, digits, best, dots, plus))
                run_start = -1
                digits = consec = best = dots = plus = 0
        if i < n:
            if want_email and c == "@" and i >= last_email_piece_end:
                s, e = _piece_bounds(text, i)
                out.append((KIND_EMAIL, s, e, 0, 0, 0, 0))
                last_email_piece_end = e
            elif want_ipv6 and c == ":" and i >= last_colon_piece_end:
                s, e = _piece_bounds(text, i)
                piece = text[s:e]
                if "::" in piece or piece.count(":") >= 6:
                    out.append((KIND_IPV6, s, e, 0, 0, 0, 0))
                last_colon_piece_end = e
            if (want_iban and i + 3 < n and _iban_letter(c) and _iban_letter(text[i + 1])
                    and "0" <= text[i + 2] <= "9" and "0" <= text[i + 3] <= "9"
                    and not (i > 0 and (_iban_letter(text[i - 1]) or "0" <= text[i - 1] <= "9"))):
                out.append((KIND_IBAN, i, min(n, i + IBAN_REACH), 0, 0, 0, 0))
        i += 1
    out.sort(key=lambda t: (t[1], t[0]))
    return out


def widen(text: str, s: int, e: int) -> tuple[int, int]:
    """``s`` back and ``e`` forward to the nearest whitespace (or the text's ends): the whole pieces around."""
    s, e = min(max(s, 0), len(text)), min(max(e, 0), len(text))
    while s > 0 and not text[s - 1].isspace():
        s -= 1
    n = len(text)
    while e < n and not text[e].isspace():
        e += 1
    return s, e
