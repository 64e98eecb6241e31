"""Phone numbers: our own candidate spans, validated by libphonenumber's metadata (the ``phonenumbers`` package).

Presidio runs ``PhoneNumberMatcher`` once per region on every text and scores every valid number 0.4, below the
default minimum, so a phone number without a context word next to it is never reported. Here a number is judged
by how it is written:

- **international** (``+`` and a country code, or a region's international dialling prefix such as ``00`` or
  ``011``) and valid for its country: reported without context (``score``);
- **national** for one of the job's ``phone_regions``, valid there and grouped the way that region writes its
  numbers (the digit groups of ``phonenumbers``' national or international format: ``(404) 359-5358``,
  ``404-359-5358``, ``404.359.5358``, ``020 7946 0958``): reported without context too (``score``);
- a bare run of digits (``4043595358``) valid for a region: ``plain_score``, below the default minimum, so it needs
  a context word (or a column header) to be reported. Digits in groups no format of the regions prints (``4043
  595358``, a date ``2024-03-01``) are not a phone number.

National numbers shorter than :data:`MIN_NATIONAL_DIGITS` digits as written are not recognised: every date and most
amounts and ids have 8 digits, while the regions' numbers that short are rare service numbers (the UK's 7-digit
freephone, Canada's 7-digit UAN).

Whatever the form, a candidate glued to letters or to other digits (``ORD-2023-930073``, ``v4.0.4359.5358``, a
time ``2024-03-01 12:30``, an amount ``$404.359.5358``, an id ``#4043595358``) is not a phone number. Candidates are
maximal runs of digits and phone punctuation, split where one number ends and the next begins; extensions
(``x12``, ``ext. 12``) are left out of the span.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import phonenumbers
import regex
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberFormat

from scanner.classify.detectors import inside_iban
from scanner.classify.prefilter import Shape
from scanner.classify.rules import Found, Rule

# A run of digits and the punctuation people write inside phone numbers (a subset of the prefilter's run
# characters, so every run lies inside one of its digit runs).
_SEP = " \u00a0\u2009\u202f.\\-\u2010\u2011\u2012\u2013\u2014\u2212()/"
_RUN = regex.compile(rf"[+\uff0b(]*[0-9](?:[{_SEP}+\uff0b]*[0-9])*\)?")
_GROUP = regex.compile(r"[0-9]+")
# Between two groups: what splits two numbers rather than joining two parts of one.
_BREAK = regex.compile(r"\s{2,}|\s/|/\s|\s-\s|\s\u2013\s|[+\uff0b]")
MIN_NATIONAL_DIGITS = 9
_MAX_GROUPS = 7          # the most groups a written number has (+1 (404) 359 53 58 ...)
_MAX_DIGITS = 17         # E.164's 15 plus an international prefix
_CACHE_LIMIT = 100_000
_GLUE_BEFORE = frozenset("_-./#@$\u20ac\u00a3\u00a5%&\\'\u2019")
_GLUE_AFTER = frozenset("_@$\u20ac\u00a3\u00a5%&\\")


@functools.cache
def _region_info(region: str) -> tuple[str, str, frozenset[int]]:
    """``(national prefix, international prefix, digit counts a national number of the region can be written
    with)`` from the region's metadata."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return "", "", frozenset()
    trunk = meta.national_prefix or ""
    idd = meta.preferred_international_prefix or meta.international_prefix or ""
    if not idd.isdigit():
        idd = "00" if idd.startswith("00") else ""  # a pattern such as "0(?:0|11)": the common "00" form
    desc = meta.general_desc
    lengths = {n for n in (desc.possible_length if desc is not None else ()) if n > 0}
    written = set(lengths) | {n + len(trunk) for n in lengths}
    return trunk, idd, frozenset(written)


def phone_shape(regions: Sequence[str]) -> Shape:
    """Digit counts a recognised number needs: :data:`MIN_NATIONAL_DIGITS` (or more, as the regions' metadata
    says) for a national one, a ``+`` and the shortest number of any country for an international one."""
    def shortest(region: str) -> int:
        meta = PhoneMetadata.metadata_for_region(region)
        desc = meta.general_desc if meta else None
        lengths = [n for n in desc.possible_length if n > 0] if desc is not None else []
        return min(lengths) if lengths else 1

    anywhere = min(shortest(r) for r in phonenumbers.SUPPORTED_REGIONS)
    national = min((shortest(r) for r in regions if r in phonenumbers.SUPPORTED_REGIONS), default=anywhere)
    return Shape(digits=max(MIN_NATIONAL_DIGITS, national), plus_digits=anywhere + 1, run_native=True)


def _groups(formatted: str) -> tuple[int, ...]:
    return tuple(len(g) for g in _GROUP.findall(formatted))


def _digits(formatted: str) -> str:
    return "".join(_GROUP.findall(formatted))


def _ends(groups: tuple[int, ...]) -> set[int]:
    """Digit counts at which the groups end (``(4, 2, 4)`` -> ``{4, 6, 10}``)."""
    out, n = set(), 0
    for g in groups:
        n += g
        out.add(n)
    return out


_PATTERN_GROUP = regex.compile(r"\(\\d(?:\{(\d+)(?:,(\d+))?\})?\)")
_EXPANSION_LIMIT = 4096


def _lengths(pattern: str) -> list[tuple[int, ...]] | None:
    """Every tuple of digit-group lengths a number format's pattern (``(\\d{3})(\\d{3,4})``) can match; ``None``
    when the pattern is not made of plain digit groups."""
    groups = _PATTERN_GROUP.findall(pattern)
    if not groups or _PATTERN_GROUP.sub("", pattern):
        return None
    out: list[tuple[int, ...]] = [()]
    for low, high in groups:
        lo = int(low) if low else 1
        hi = int(high) if high else lo
        out = [t + (n,) for t in out for n in range(lo, hi + 1)]
        if len(out) > _EXPANSION_LIMIT:
            return None
    return out


@functools.cache
def format_groups(region: str) -> frozenset[tuple[int, ...]] | None:
    """Digit-group lengths the region's national and international formats can print (``(404) 359-5358`` ->
    ``(3, 3, 4)``, ``+1 404-359-5358`` -> ``(1, 3, 3, 4)``, ``020 7946 0958`` -> ``(3, 4, 4)``), read from its
    number formats; ``None`` when a format is not plain enough to read (then every grouping is tried)."""
    meta = PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return frozenset()
    cc = phonenumbers.country_code_for_region(region)
    if not meta.number_format:  # a region sharing its country code's formats (CA uses the US's)
        main = PhoneMetadata.metadata_for_region(phonenumbers.region_code_for_country_code(cc))
        if main is not None:
            meta = main
    out: set[tuple[int, ...]] = set()
    for fmt in meta.number_format or ():
        lengths = _lengths(fmt.pattern or "")
        if lengths is None:
            return None
        rule = fmt.national_prefix_formatting_rule
        for t in lengths:
            if rule:
                # "0\\1" glues the prefix to the first group, "0 \\1" makes it a group of its own.
                head = _groups(rule.replace("\\1", "9" * t[0]))
                out.add(head + t[1:])
            out.add(t)
    for fmt in meta.intl_number_format or meta.number_format or ():
        lengths = _lengths(fmt.pattern or "")
        if lengths is None:
            return None
        out.update((len(str(cc)),) + t for t in lengths)
    return frozenset(out)


# Words that make the number right after them an identifier ("PO 4759104850", "invoice no. 4043595358"), for a bare
# run of digits, which has nothing else to tell it from an id.
_ID_LABEL = regex.compile(
    r"(?<![^\W_])(?:po|order|invoice|inv|ref|reference|ticket|case|serial|sku|tracking|account|acct|iban|id|"
    r"customer|member|batch|lot|receipt|policy)(?:[ \t]*(?:no|nr|num|number|#|id)\.?)?[ \t]*[#:.]?[ \t]*\Z",
    regex.IGNORECASE)
_LABEL_LOOKBACK = 32


def _labelled_id(text: str, s: int) -> bool:
    """True when the digits at ``s`` follow an identifier's label on their line."""
    head = text[max(0, s - _LABEL_LOOKBACK):s]
    return _ID_LABEL.search(head) is not None


class _AnyShape:
    """Holds every group shape."""

    def __contains__(self, item: object) -> bool:
        return True


class PhoneRule(Rule):
    """Phone numbers of any country in international form, and of ``regions`` in national form."""

    def __init__(self, entity: str, name: str, regions: Sequence[str], context: Sequence[str] = (),
                 score: float = 0.7, plain_score: float = 0.4, bare: bool = False) -> None:
        self.entity = entity
        self.name = name
        self.regions = tuple(dict.fromkeys(regions))
        self.context = tuple(w.lower() for w in context)
        self.score = float(score)
        self.plain_score = float(plain_score)
        # Two rules share one detector: written numbers (international, or grouped as their region writes them)
        # and bare digit runs, which score plain_score; the second rule's best score is below the default minimum,
        # so the prefilter gives it no candidate in a chunk without a context word for it.
        self.bare = bare
        self.best = self.plain_score if bare else self.score
        self.shape = phone_shape(self.regions)
        # No number has fewer digits than the shape's thresholds (a national one, or a "+" one).
        self._min_digits = min(self.shape.digits or 99, self.shape.plus_digits or 99)
        self._formats = {r: format_groups(r) for r in self.regions}
        # Group shapes worth judging without a "+": those a region's formats print (every shape when a region's
        # formats cannot be read), or any shape after a region's international prefix (00, 011).
        known = list(self._formats.values())
        self._shapes: _AnyShape | frozenset[tuple[int, ...]] = (
            _AnyShape() if any(f is None for f in known) else frozenset().union(*[f for f in known if f]))
        self._idds = tuple(sorted({_region_info(r)[1] for r in self.regions} - {""}))
        self._bare_lengths = frozenset(n for r in self.regions for n in _region_info(r)[2]
                                       if n >= MIN_NATIONAL_DIGITS)
        self._cache: dict[tuple[str, tuple[int, ...], bool], float | None] = {}

    def regexes(self) -> list[tuple[str, Any]]:
        """The run, group and break regexes."""
        return [("phone_run", _RUN), ("digit_groups", _GROUP), ("number_break", _BREAK)]

    # ------------------------------------------------------------------ judging one candidate

    def _international(self, digits: str) -> bool:
        try:
            num = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_valid_number(num))

    def judge(self, digits: str, groups: tuple[int, ...], plus: bool) -> float | None:
        """The score of a candidate with these digits, digit groups and leading ``+``; ``None``: not a number."""
        key = (digits, groups, plus)
        if key in self._cache:
            return self._cache[key]
        verdict = self._judge(digits, groups, plus)
        if len(self._cache) >= _CACHE_LIMIT:  # bounded: a share holds any number of distinct numbers
            self._cache.clear()
        self._cache[key] = verdict
        return verdict

    def _judge(self, digits: str, groups: tuple[int, ...], plus: bool) -> float | None:
        if plus:
            if self.bare:
                return None
            if not 7 <= len(digits) <= 15:
                return None
            if self._international(digits):
                return self.score
            # "+36 (0)20 ...": a lone 0 after the country code is the optional trunk prefix some write for any
            # country (E.123 advises against it; people do it anyway). The number is the one without it.
            if len(groups) >= 3 and groups[1] == 1 and digits[groups[0]] == "0" and self._international(
                    digits[:groups[0]] + digits[groups[0] + 1:]):
                return self.score
            return None
        if self.bare != (len(groups) == 1):
            return None  # the other rule's candidate
        for region in self.regions:
            trunk, idd, written = _region_info(region)
            if idd and digits.startswith(idd) and len(digits) - len(idd) >= 7:
                code = self._country_code(digits[len(idd):])
                # "0049 89 2190 4410", "00 49 89 ...": the country code ends a group ("002.477.2339" is no call
                # to +247).
                if code and (self.bare or len(idd) + len(code) in _ends(groups)):
                    return self.plain_score if self.bare else self.score
            if len(digits) not in written or len(digits) < MIN_NATIONAL_DIGITS:
                continue
            allowed = self._formats[region]
            if not self.bare and allowed is not None and groups not in allowed:
                continue  # no format of the region prints these groups
            cc = phonenumbers.country_code_for_region(region)
            nsn = digits
            if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in written:
                nsn = digits[len(trunk):]
            if nsn.startswith("0"):
                continue  # no national significant number of a region we accept starts with 0 after its prefix
            num = PhoneNumber(country_code=cc, national_number=int(nsn))
            # Valid for the country code: the region's own numbers and those of regions dialled as part of it
            # (07700 ... is Jersey's, dialled from Britain as any British mobile; +1 876 is Jamaica's).
            # (The region's own check first: the country code's takes every region sharing it, 25 for +1.)
            if not (phonenumbers.is_valid_number_for_region(num, region) or phonenumbers.is_valid_number(num)):
                continue
            national = phonenumbers.format_number(num, PhoneNumberFormat.NATIONAL)
            if self.bare:
                # Written as the region writes it, separators aside: "4043595358" as "(404) 359-5358", but not
                # "800489708" for Britain's "0800 489708".
                if digits == _digits(national) or digits == _digits(
                        phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL)):
                    return self.plain_score
                continue
            if groups == _groups(national) or groups == _groups(
                    phonenumbers.format_number(num, PhoneNumberFormat.INTERNATIONAL)):
                return self.score
        return None

    @staticmethod
    def _country_code(digits: str) -> str:
        """The country code of a valid number written as ``digits`` after an international prefix, or ``""``."""
        try:
            num = phonenumbers.parse("+" + digits, None)
        except phonenumbers.NumberParseException:
            return ""
        return str(num.country_code) if phonenumbers.is_valid_number(num) else ""

    # ------------------------------------------------------------------ spans

    def find(self, text: str, lo: int, hi: int) -> list[Found]:
        """Phone numbers among the digit runs of ``text[lo:hi]``."""
        out: list[Found] = []
        for run in _RUN.finditer(text, lo, hi):
            s, e = run.span()
            if e - s < self._min_digits:
                continue
            if self.bare:
                # A bare run is the whole run of digits, or nothing.
                value = run.group()
                if value.isdigit() and (len(value) in self._bare_lengths or value.startswith(self._idds)) \
                        and self._free(text, s, e) and not _labelled_id(text, s):
                    score = self.judge(value, (len(value),), False)
                    if score is not None:
                        out.append((s, e, score))
            elif not run.group().isdigit():
                out.extend(self._numbers(text, s, e))
        return out

    def _numbers(self, text: str, start: int, end: int) -> list[Found]:
        groups = [(m.start(), m.end()) for m in _GROUP.finditer(text, start, end)]
        sizes = tuple(b - a for a, b in groups)
        if sum(sizes) < self._min_digits:
            return []
        found: list[Found] = []
        i = 0
        n = len(groups)
        while i < n:
            hit: Found | None = None
            # Where this candidate may start: after "+" (or "(+"), after an international prefix, or anywhere
            # with a group shape some region prints. Most runs (dates, amounts, cards) stop here.
            s = groups[i][0]
            p = s - 1
            while p >= start and text[p] in "(\uff08":
                p -= 1
            plus = p >= start and text[p] in "+\uff0b"
            any_shape = plus or bool(self._idds and text.startswith(self._idds, s))
            # Longest first: the candidate from group i to group k - 1.
            for k in range(min(n, i + _MAX_GROUPS), i, -1):
                shape = sizes[i:k]
                if not any_shape and (k - i == 1 or shape not in self._shapes):
                    continue  # no region of the job prints a national number in these groups
                if sum(shape) > _MAX_DIGITS or any(
                        _BREAK.search(text, groups[j - 1][1], groups[j][0]) for j in range(i + 1, k)):
                    continue
                cs, e = (p if plus else (s - 1 if s > start and text[s - 1] in "(\uff08" else s)), groups[k - 1][1]
                if e < end and text[e] in ")\uff09" and "(" not in text[groups[k - 1][0]:e]:
                    if text.rfind("(", cs, groups[k - 1][0]) > text.rfind(")", cs, groups[k - 1][0]):
                        e += 1  # a closing bracket of an area code that ends the number: keep the pair whole
                if not self._free(text, cs, e):
                    continue
                score = self.judge("".join(text[a:b] for a, b in groups[i:k]), shape, plus)
                if score is not None:
                    hit = (cs, e, score)
                    i = k
                    break
            if hit is None:
                i += 1
            else:
                found.append(hit)
        return found

    @staticmethod
    def _free(text: str, s: int, e: int) -> bool:
        """False when the span ``[s, e)`` is glued to a word, a longer number, a time, an amount or an id, or is
        one of an IBAN's digit groups."""
        if s > 0:
            c = text[s - 1]
            if c.isalnum() or c in _GLUE_BEFORE:
                return False
            if c in "-.:/" and s > 1 and text[s - 2].isdigit():
                return False
            if c == " " and inside_iban(text, s):
                return False
        if e < len(text):
            c = text[e]
            nxt = text[e + 1] if e + 1 < len(text) else ""
            if c in "xX" and nxt.isdigit():
                return True  # an extension: 404-359-5358x12
            if c.isalnum() or c in _GLUE_AFTER:
                return False
            if c in "-./:" and nxt.isdigit():
                return False
        return True
