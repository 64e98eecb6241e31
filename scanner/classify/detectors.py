"""Our detectors for payment cards, e-mail addresses, IBANs and IP addresses (phones: :mod:`scanner.classify.phones`).

Each is a :class:`~scanner.classify.rules.Rule` a template names with ``detector:``. They replace Presidio's
recognizers where those miss valid values or report invalid ones:

- **cards**: every current issuer range and length from the template's table (Mastercard 2-series, Mir,
  19-digit Visa and UnionPay, 12-19 digit Maestro ...), Luhn (compiled), the usual groupings only, never inside a
  longer digit or alphanumeric run and never inside an IBAN;
- **e-mail**: Unicode local parts and domains, the domain's public suffix checked against the snapshot bundled
  with tldextract (no network);
- **IBAN**: any case and grouping, the country's length and BBAN structure from the registry table below,
  mod-97 (compiled);
- **IP**: IPv4 (no leading zeros, optional prefix length) not glued to a longer dotted number, and every IPv6
  form ``ipaddress`` accepts, with optional zone and prefix length.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import regex

from scanner._fast import luhn_ok, mod97_ok
from scanner.classify.prefilter import Shape
from scanner.classify.rules import Found, Rule

_CACHE_LIMIT = 100_000


# ---------------------------------------------------------------------------------------------- payment cards

class CardRule(Rule):
    """Payment card numbers: issuer range and length from ``brands``, Luhn, usual groupings, free-standing.

    ``brands`` (default: :func:`card_brands`) maps a brand name to
    ``{prefixes: ["4", "2221-2720", ...], lengths: [16, ...]}``; a prefix range
    compares the number's first digits (as many as the range's bounds have) with the bounds.
    """

    _RUN = regex.compile(r"[0-9]+(?:(?P<sep>[ .\-])[0-9]+(?:(?P=sep)[0-9]+)*)?")

    def __init__(self, entity: str, name: str, brands: Mapping[str, Mapping[str, Any]] | None = None,
                 context: Sequence[str] = (), score: float = 1.0) -> None:
        self.entity = entity
        self.name = name
        self.context = tuple(w.lower() for w in context)
        self.score = float(score)
        self.best = self.score
        self.shape = Shape(digits=12, run_native=True)
        # prefix width -> [(low, high, lengths)]
        table: dict[int, list[tuple[int, int, frozenset[int]]]] = {}
        for spec in (brands if brands is not None else card_brands()).values():
            lengths = frozenset(int(n) for n in spec["lengths"])
            for prefix in spec["prefixes"]:
                low, _, high = str(prefix).partition("-")
                high = high or low
                if len(low) != len(high) or not (low.isdigit() and high.isdigit()):
                    raise ValueError(f"card prefix {prefix!r}: bounds must be digit strings of one width")
                table.setdefault(len(low), []).append((int(low), int(high), lengths))
        self._table = sorted(table.items())

    def regexes(self) -> list[tuple[str, Any]]:
        """The digit-group regex."""
        return [("card_groups", self._RUN), ("digit_groups", _DIGITS)]

    def issued(self, digits: str) -> bool:
        """True when some issuer's range holds ``digits`` at its length."""
        n = len(digits)
        for width, ranges in self._table:
            if width > n:
                break
            head = int(digits[:width])
            for low, high, lengths in ranges:
                if low <= head <= high and n in lengths:
                    return True
        return False

    # The groupings cards are printed in, longest first (4-4-4-4-3 for 19 digits ... 4-4-4 for 12): fours with a
    # shorter or longer last group (18-digit UnionPay and Maestro as 4-4-4-6, 13-digit Visa as 4-4-5), and
    # Amex/Diners' 4-6-5 and 4-6-4. A number written in one piece is also accepted.
    GROUPINGS = ((4, 4, 4, 4, 3), (4, 4, 4, 7), (4, 4, 4, 4, 2), (4, 4, 4, 6), (4, 4, 4, 4, 1), (4, 4, 4, 5),
                 (4, 4, 4, 4), (4, 6, 5), (4, 6, 4), (4, 4, 4, 3), (4, 4, 4, 2), (4, 4, 4, 1), (4, 4, 5),
                 (4, 4, 4))

    def _valid(self, text: str, groups: list[tuple[int, int]]) -> bool:
        digits = "".join(text[a:b] for a, b in groups)
        return 12 <= len(digits) <= 19 and self.issued(digits) and luhn_ok(digits)

    @staticmethod
    def _glued_before(text: str, s: int) -> bool:
        if s == 0:
            return False
        c = text[s - 1]
        if c.isalnum() or c == "_":
            return True
        if c in "-." and s > 1 and (text[s - 2].isalnum() or text[s - 2] == "_"):
            return True
        return c == " " and inside_iban(text, s)

    @staticmethod
    def _glued_after(text: str, e: int) -> bool:
        if e >= len(text):
            return False
        c = text[e]
        if c.isalnum() or c == "_":
            return True
        return c in "-." and e + 1 < len(text) and text[e + 1].isdigit()

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """Card numbers among the digit groups of ``text[lo:hi]``.

        Groups joined by ``-`` or ``.`` form one number or none (``4111-1111-1111-1111``, never a card inside
        ``ID-2023-4111111111111111``). Groups joined by single spaces are tokens: a card is one token of 12-19
        digits, or consecutive tokens in a card grouping that do not continue a run of 4-digit groups.
        """
        out: list[Found] = []
        for m in self._RUN.finditer(text, lo, hi):
            s, e = m.span()
            if e - s < 12:
                continue
            sep = m.group("sep")
            groups = [(g.start(), g.end()) for g in _DIGITS.finditer(text, s, e)]
            if sep in ("-", "."):
                lengths = tuple(b - a for a, b in groups)
                if (lengths in self.GROUPINGS or len(groups) == 1) and self._valid(text, groups) \
                        and not self._glued_before(text, s) and not self._glued_after(text, e):
                    out.append((s, e, self.score))
                continue
            i = 0
            while i < len(groups):
                size = groups[i][1] - groups[i][0]
                hit = 0
                if 12 <= size <= 19:
                    if self._valid(text, groups[i:i + 1]):
                        hit = 1
                elif size == 4 and not (i > 0 and groups[i - 1][1] - groups[i - 1][0] == 4):
                    for grouping in self.GROUPINGS:
                        k = len(grouping)
                        cand = groups[i:i + k]
                        if tuple(b - a for a, b in cand) != grouping:
                            continue
                        if not self._valid(text, cand):
                            if self.issued("".join(text[a:b] for a, b in cand)):
                                break  # one longer number of an issued length failing Luhn: no card in it
                            continue
                        nxt = groups[i + k] if i + k < len(groups) else None
                        # 4-digit groups going on past the card: a longer number, not a card in it.
                        if nxt is None or set(grouping) != {4} or nxt[1] - nxt[0] != 4:
                            hit = k
                        break
                if hit:
                    cs, ce = groups[i][0], groups[i + hit - 1][1]
                    first, last = i == 0, i + hit == len(groups)
                    if not (first and self._glued_before(text, cs)) and not (last and self._glued_after(text, ce)) \
                            and not (not first and inside_iban(text, cs)):
                        out.append((cs, ce, self.score))
                    i += hit
                else:
                    i += 1
        return out


_DIGITS = regex.compile(r"[0-9]+")
_IBAN_START = regex.compile(r"[A-Za-z]{2}[0-9]{2}[A-Za-z0-9]*")


def inside_iban(text: str, s: int) -> bool:
    """True when the number at ``s`` follows, through single spaces, letter-and-digit groups the first of which
    starts like an IBAN (country code and check digits): ``DE65 4003 ...``, ``GB82 WEST 1234 ...``."""
    k = s
    for _ in range(9):  # an IBAN has at most 34 characters: 9 groups of 4
        if k < 2 or text[k - 1] != " " or not text[k - 2].isalnum():
            return False
        j = k - 1
        while j > 0 and text[j - 1].isalnum():
            j -= 1
        if _IBAN_START.fullmatch(text, j, k - 1):
            return True
        k = j
    return False


# ---------------------------------------------------------------------------------------------- e-mail

@functools.cache
def offline_tld_extractor() -> Any:
    """A ``TLDExtract`` using only its bundled suffix-list snapshot: no URL to fetch, no cache directory (its
    default downloads the public suffix list on first use)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


_LOCAL = r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = regex.compile(
    rf"(?<![\w.!#$%&'*+/=?^`{{|}}~-]){_LOCAL}@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})(?![\w-]|\.[^\W_])",
    regex.IGNORECASE,
)


class EmailRule(Rule):
    """E-mail addresses whose domain ends in a known public suffix (tldextract's bundled snapshot)."""

    def __init__(self, entity: str, name: str, context: Sequence[str] = (), score: float = 1.0) -> None:
        self.entity = entity
        self.name = name
        self.context = tuple(w.lower() for w in context)
        self.score = float(score)
        self.best = self.score
        self.shape = Shape(email=True)
        self._extract = offline_tld_extractor()
        self._domains: dict[str, bool] = {}

    def regexes(self) -> list[tuple[str, Any]]:
        """The address regex."""
        return [("email", _EMAIL)]

    def domain_ok(self, domain: str) -> bool:
        """True when ``domain`` has a registrable name under a known public suffix."""
        key = domain.lower()
        ok = self._domains.get(key)
        if ok is None:
            parts = self._extract(key)
            ok = bool(parts.suffix) and bool(parts.domain)
            if len(self._domains) >= _CACHE_LIMIT:
                self._domains.clear()
            self._domains[key] = ok
        return ok

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """Addresses in ``text[lo:hi]``."""
        out: list[Found] = []
        for m in _EMAIL.finditer(text, lo, hi):
            value = m.group()
            at = value.rindex("@")
            if not self.domain_ok(value[at + 1:]):
                continue
            out.append((m.start() + _key_prefix(value, at), m.end(), self.score))
        return out


_SRS = ("srs0=", "srs1=")
_LEADING_PUNCT = "'`{|}"


def _key_prefix(value: str, at: int) -> int:
    """How many leading characters of an address match are not the address: ``user=`` / ``email='`` of a
    ``key=value`` pair (``=`` and quotes are valid in a local part, but an address holding ``=`` is almost always
    a log's key and value run together; sender-rewriting addresses, SRS0=.../SRS1=..., keep theirs)."""
    cut = 0
    eq = value.rfind("=", 0, at)
    if eq >= 0 and not value[:5].lower().startswith(_SRS):
        cut = eq + 1
    while cut < at and value[cut] in _LEADING_PUNCT:
        cut += 1
    return cut if cut < at and value[cut] != "." else 0


# ---------------------------------------------------------------------------------------------- IBAN

def _data(name: str) -> Any:
    from importlib import resources

    import yaml

    return yaml.safe_load(resources.files("scanner.classify").joinpath("data", name).read_text(encoding="utf-8"))


@functools.cache
def card_brands() -> dict[str, dict[str, Any]]:
    """The default issuer table (``scanner/classify/data/card_brands.yaml``)."""
    table = _data("card_brands.yaml")
    assert isinstance(table, dict)
    return table


@functools.cache
def iban_registry() -> dict[str, tuple[int, regex.Pattern[str]]]:
    """Country -> (IBAN length, compiled BBAN structure), from ``scanner/classify/data/iban_registry.yaml``."""
    out: dict[str, tuple[int, regex.Pattern[str]]] = {}
    classes = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
    for cc, (length, spec) in _data("iban_registry.yaml").items():
        parts = regex.findall(r"([0-9]+)([nac])", spec)
        if "".join(n + k for n, k in parts) != spec or 4 + sum(int(n) for n, _ in parts) != int(length):
            raise ValueError(f"IBAN registry entry {cc}: structure {spec} does not add up to {length}")
        out[str(cc)] = (int(length), regex.compile("".join(f"{classes[k]}{{{n}}}" for n, k in parts)))
    return out


# A country code and two check digits, not preceded by a letter or digit (ASCII, as the registry's codes are).
_IBAN_HEAD = regex.compile(r"(?<![^\W_])[A-Za-z]{2}[0-9]{2}")


class IbanRule(Rule):
    """IBANs in any case and grouping: the country's length and BBAN structure, and mod-97."""

    def __init__(self, entity: str, name: str, context: Sequence[str] = (), score: float = 1.0) -> None:
        self.entity = entity
        self.name = name
        self.context = tuple(w.lower() for w in context)
        self.score = float(score)
        self.best = self.score
        self.shape = Shape(iban=True)
        self._registry = iban_registry()

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """IBANs starting in ``text[lo:hi]`` (at a country code not preceded by a letter or digit)."""
        out: list[Found] = []
        n = min(hi, len(text))
        pos = lo
        while True:
            m = _IBAN_HEAD.search(text, pos, n)
            if m is None:
                return out
            i = m.start()
            entry = self._registry.get(text[i:i + 2].upper())
            if entry is not None:
                length, bban = entry
                found = self._read(text, i, n, length)
                if found is not None:
                    end, compact = found
                    if bban.fullmatch(compact, 4) and mod97_ok(compact):
                        out.append((i, end, self.score))
                        pos = end
                        continue
            pos = i + 1

    def regexes(self) -> list[tuple[str, Any]]:
        """The country-code-and-check-digits regex."""
        return [("iban_head", _IBAN_HEAD)]

    @staticmethod
    def _read(text: str, start: int, limit: int, length: int) -> tuple[int, str] | None:
        """``(end, upper-case compact IBAN)`` of ``length`` letters and digits from ``start``, single spaces
        (or dashes) allowed between them; ``None`` when they run out first or more follow without a break."""
        chars: list[str] = []
        j = start
        sep: str | None = None
        while j < limit and len(chars) < length:
            c = text[j]
            if c.isascii() and c.isalnum():
                chars.append(c.upper())
                j += 1
            elif c in " -" and chars and j + 1 < limit and text[j + 1].isascii() and text[j + 1].isalnum():
                if sep is None:
                    sep = c
                elif c != sep:
                    return None
                j += 1
            else:
                return None
        if len(chars) < length:
            return None
        if j < len(text) and text[j].isalnum():
            return None  # the token goes on: not this IBAN
        return j, "".join(chars)


# ---------------------------------------------------------------------------------------------- IP addresses

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = regex.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/(?:3[0-2]|[12]?[0-9]))?(?![\w]|\.[0-9])")
_IPV6_PIECE = regex.compile(r"(?<![\w:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%[0-9A-Za-z]+)?(?:/[0-9]{1,3})?(?![\w:])")


class IpRule(Rule):
    """IPv4 and IPv6 addresses (with an optional prefix length), validated by ``ipaddress``."""

    def __init__(self, entity: str, name: str, context: Sequence[str] = (), score: float = 0.6) -> None:
        self.entity = entity
        self.name = name
        self.context = tuple(w.lower() for w in context)
        self.score = float(score)
        self.best = self.score
        self.shape = Shape(dots=3, ipv6=True, run_native=True)

    def regexes(self) -> list[tuple[str, Any]]:
        """The IPv4 and IPv6 regexes."""
        return [("ipv4", _IPV4), ("ipv6", _IPV6_PIECE)]

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """Addresses in ``text[lo:hi]``."""
        out: list[Found] = [(m.start(), m.end(), self.score) for m in _IPV4.finditer(text, lo, hi)]
        for m in _IPV6_PIECE.finditer(text, lo, hi):
            value, end = m.group(), m.end()
            if value.endswith("."):  # a sentence's full stop: "moved to fe80::3f71."
                value = value.rstrip(".")
                end = m.start() + len(value)
            if value.count(":") < 2 or ("::" not in value and value.count(":") < 7 and "." not in value):
                continue
            if _ipv6_ok(value):
                out.append((m.start(), end, self.score))
        return out


def _ipv6_ok(value: str) -> bool:
    address, _, prefix = value.partition("/")
    if prefix and not (prefix.isdigit() and int(prefix) <= 128):
        return False
    address = address.split("%", 1)[0]
    if address in ("::", ""):
        return False  # the unspecified address says nothing about anyone
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True
