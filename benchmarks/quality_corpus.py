"""A labelled quality corpus: realistic files of every format family the extractor reads, with valid sensitive
values planted in the situations where scanners miss them, and decoys a correct scanner must stay silent on.

``generate(out_dir, scale=1.0, seed=...)`` writes the tree and returns (and writes beside it, as
``<out_dir>.manifest.json``) a :class:`Manifest`: every object with its format family, every planted value and
every decoy with its object, member (inside an archive or a mail, ``!/``-joined as the scanner names members),
entity, exact text as written in the file, a location hint for humans, and the situation it was planted in.
About 31 MB at scale 1.0; scale 0.02 is a tiny corpus for tests. Everything is drawn from one
``random.Random(seed)`` in a fixed order: the same arguments give byte-identical files and manifest.

What a correct scanner can know is the rule for what is planted where: a value is planted without a context word
only when its own shape says what it is (a Luhn-valid card of a current IIN range, a mod-97 IBAN, a dashed or
spaced SSN in the SSA's ranges, a phone number in international form or in the national format of the US, GB or
CA, an e-mail, an IP address, a key or token with its fixed prefix). A bare digit run (a 9-digit SSN or
passport, a 10-digit phone number) is planted only next to a context word or under a column header that names
it. Every value is checked with the real rules where a library has them (``phonenumbers``, ``python-stdnum``,
``ipaddress``, ``cryptography`` for the private keys); nothing here was shaped by reading any detector's rules.

Decoys (``Entry.kind`` says which) imitate an entity (``Entry.entity``, ``""`` for look-alikes of no entity in
particular): Luhn-failing card numbers, card digits inside longer digit runs and inside IBANs, IBANs with a bad
mod-97, SSNs with area 000/666/9xx, group 00 or serial 0000, NANP-invalid phone-like serials, order and invoice
numbers, versions, OIDs, UUIDs, ISBN-13s, epoch timestamps, amounts, dates, hex ids, MAC addresses, placeholder
keys, tokens and passwords, GitHub tokens with a wrong checksum, public keys and redacted private keys.

Benign filler never holds anything a correct scanner would report: ids have at most 7 digits, and no word near
a filler number is a context word of the entity that number could be.

    python -m benchmarks.quality_corpus OUT_DIR [--scale 1.0] [--seed 14]
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import ipaddress
import json
import random
import string
import struct
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from html import escape as html_escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import phonenumbers

from benchmarks.corpus import (
    BENIGN,
    CITIES,
    COMPANIES,
    DOCS,
    FIRST_NAMES,
    LAST_NAMES,
    LOG_LEVELS,
    LOG_MESSAGES,
    PROJECTS,
    SERVICES,
    SLOTS,
    TEAMS,
    iban_check_digits,
    luhn_check_digit,
)

KB = 1024
MB = KB * KB
DEFAULT_SEED = 14

PII = ("CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "IP_ADDRESS", "US_PASSPORT")
SECRETS = ("AWS_ACCESS_KEY_ID", "GITHUB_TOKEN", "SLACK_TOKEN", "PRIVATE_KEY", "GENERIC_SECRET")
ENTITIES = PII + SECRETS
FAMILIES = ("prose", "log", "csv", "tsv", "json", "xml", "html", "docx", "xlsx", "xls", "ods", "odt", "pptx",
            "pdf", "rtf", "eml", "archive")
# The classifier's chunk (64 KB, cut at a newline) and the extractor's component (1,000,000 characters): values
# are planted across these offsets in the boundary files.
CHUNK = 65536
COMPONENT = 1_000_000

# Planted values per entity and format family at scale 1.0 (private keys are long: fewer of them).
PER_FAMILY = 30
PER_FAMILY_KEYS = 12
# Bytes per family at scale 1.0 (filler makes up what the values do not); about 31 MB of files in all.
FAMILY_BYTES = {"prose": 4.0, "log": 4.5, "csv": 3.5, "tsv": 2.0, "json": 3.0, "xml": 2.0, "html": 2.0,
                "docx": 1.5, "xlsx": 2.5, "xls": 2.0, "ods": 1.2, "odt": 1.0, "pptx": 1.2, "pdf": 1.5, "rtf": 1.2,
                "eml": 2.0, "archive": 3.0}


# ----------------------------------------------------------------------------------------------------- manifest

@dataclass(frozen=True, slots=True)
class Entry:
    """One planted value or decoy. ``entity`` of a decoy is the entity it imitates (``""``: none in particular);
    ``kind`` is ``""`` for a planted value and names the decoy otherwise. ``value`` is the exact text in the
    file (the extracted text holds it verbatim); ``where`` is a hint for humans (line, cell, page, slide)."""

    object: str
    member: str
    entity: str
    value: str
    where: str
    family: str
    situation: str
    kind: str = ""

    def to_dict(self) -> dict[str, str]:
        """The JSON form (every field)."""
        return {"object": self.object, "member": self.member, "entity": self.entity, "value": self.value,
                "where": self.where, "family": self.family, "situation": self.situation, "kind": self.kind}


@dataclass(slots=True)
class Manifest:
    """Ground truth of a generated corpus: ``objects`` maps each file (relative, ``/``) to its family."""

    seed: int
    scale: float
    objects: dict[str, str] = field(default_factory=dict)
    bytes: int = 0
    planted: list[Entry] = field(default_factory=list)
    decoys: list[Entry] = field(default_factory=list)

    def to_json(self) -> str:
        """One entry per line, keys in a fixed order: byte-identical for the same corpus."""
        head = json.dumps({"seed": self.seed, "scale": self.scale, "bytes": self.bytes})[1:-1]
        objs = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in self.objects.items())
        planted = ",\n".join(f"    {json.dumps(e.to_dict())}" for e in self.planted)
        decoys = ",\n".join(f"    {json.dumps(e.to_dict())}" for e in self.decoys)
        return (f"{{{head},\n  \"objects\": {{\n{objs}\n  }},\n  \"planted\": [\n{planted}\n  ],\n"
                f"  \"decoys\": [\n{decoys}\n  ]\n}}\n")

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read what :meth:`to_json` wrote."""
        d = json.loads(text)
        return cls(seed=d["seed"], scale=d["scale"], objects=d["objects"], bytes=d["bytes"],
                   planted=[Entry(**e) for e in d["planted"]], decoys=[Entry(**e) for e in d["decoys"]])


def manifest_path(out_dir: Path) -> Path:
    """``<out_dir>.manifest.json`` beside the tree, so a scan of the tree never reads the truth."""
    out = Path(out_dir)
    return out.parent / f"{out.name}.manifest.json"


# ---------------------------------------------------------------------------------------------- checks and codes

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_B32 = string.ascii_uppercase + "234567"
_ALNUM = string.ascii_letters + string.digits
# No character that any of the formats escapes (& < > " ' \ ( ) { }), so a value reads the same in every file.
_SECRET_CHARS = string.ascii_letters + string.digits + "!#$%*+-_.~^"


def luhn_ok(digits: str) -> bool:
    """The Luhn mod-10 check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def github_checksum(body: str) -> str:
    """The 6 base62 characters GitHub appends to a token's random part: its CRC32, zero-padded."""
    n = binascii.crc32(body.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(6, "0")


def github_token_ok(token: str) -> bool:
    """A classic ``gh?_`` token whose last 6 characters are the checksum of the 30 before them."""
    return len(token) == 40 and token[3] == "_" and github_checksum(token[4:-6]) == token[-6:]


# ------------------------------------------------------------------------------------------------------ values

@dataclass(slots=True)
class Item:
    """A value to place: planted (``kind == ""``) or a decoy. ``form`` says how it is written (``bare`` values need
    a context word or a column header); ``extra`` holds slots its sentences use (a card's brand ...)."""

    entity: str
    value: str
    kind: str = ""
    form: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def decoy(self) -> bool:
        return bool(self.kind)

    @property
    def needs_context(self) -> bool:
        return self.form == "bare" or self.entity == "US_PASSPORT"


# (brand, prefixes, lengths): every current IIN range and length the card networks publish.
_CARD_BRANDS: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("Visa", ("4",), (16, 16, 16, 13, 19)),
    ("Mastercard", ("51", "52", "53", "54", "55"), (16,)),
    ("Mastercard", tuple(str(p) for p in range(2221, 2721, 7)), (16,)),
    ("Amex", ("34", "37"), (15,)),
    ("Discover", ("6011", "644", "645", "646", "647", "648", "649", "65"), (16, 16, 19)),
    ("JCB", tuple(str(p) for p in range(3528, 3590, 3)), (16, 16, 19)),
    ("Diners Club", ("36", "300", "301", "302", "303", "304", "305"), (14,)),
    ("Diners Club", ("38", "39"), (14, 16)),
    ("UnionPay", ("62",), (16, 17, 18, 19)),
    ("Maestro", ("5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"),
     (12, 13, 15, 16, 17, 18, 19)),
    ("Mir", ("2200", "2201", "2202", "2203", "2204"), (16,)),
)
_CARD_GROUPS = {12: (4, 4, 4), 13: (4, 4, 5), 14: (4, 6, 4), 15: (4, 6, 5), 16: (4, 4, 4, 4), 17: (4, 4, 4, 5),
                18: (4, 4, 4, 6), 19: (4, 4, 4, 4, 3)}

# ISO 13616 BBAN structures: n digits, a upper-case letters, c alphanumerics.
_IBAN_BBAN = {
    "DE": "18n", "GB": "4a14n", "FR": "10n11c2n", "ES": "20n", "IT": "1a10n12c", "NL": "4a10n", "BE": "12n",
    "CH": "5n12c", "AT": "16n", "PL": "24n", "SE": "20n", "DK": "14n", "NO": "11n", "FI": "14n", "IE": "4a14n",
    "PT": "21n", "LU": "3n13c", "CZ": "20n", "SK": "20n", "HU": "24n", "RO": "4a16c", "GR": "7n16c", "HR": "17n",
    "SI": "15n", "LT": "16n", "LV": "4a13c", "EE": "16n", "BG": "4a6n8c", "SA": "2n18c", "AE": "19n", "IL": "19n",
    "MT": "4a5n18c", "CY": "8n16c", "IS": "22n", "LI": "5n12c",
}
_IBAN_COUNTRIES = tuple(_IBAN_BBAN)

_US_AREAS = ("201", "202", "205", "206", "212", "213", "214", "215", "303", "305", "312", "404", "415", "503",
             "512", "602", "617", "646", "702", "713", "718", "773", "801", "818", "917", "919")
_CA_AREAS = ("204", "306", "403", "416", "506", "514", "604", "613", "647", "780", "902")
# GB national numbers by their national significant prefix and length.
_GB_STARTS = (("20", 10), ("121", 10), ("161", 10), ("131", 10), ("113", 10), ("117", 10), ("1632", 10),
              ("7700", 10), ("7911", 10), ("7400", 10), ("7507", 10), ("7825", 10))
_INTL_REGIONS = ("DE", "FR", "GB", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "NO", "DK", "FI", "PL", "IE", "PT",
                 "JP", "AU", "IN", "BR", "MX", "SG", "ZA", "KR", "IL", "AE", "NZ", "US", "CA", "CZ", "HU", "TR")
_TLDS = ("com", "com", "com", "org", "net", "io", "co.uk", "de", "fr", "com.au", "ca", "photography",
         "international", "consulting", "technology", "museum", "email", "solutions")
_DOMAINS = tuple(c.lower().replace(" ", "") for c in COMPANIES) + ("mailbox", "fastpost", "corpmail", "inbox")


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def group(text: str, sizes: Sequence[int], sep: str) -> str:
    """``text`` cut into groups of ``sizes`` joined by ``sep`` (the rest, if any, as one more group)."""
    out, pos = [], 0
    for s in sizes:
        if pos >= len(text):
            break
        out.append(text[pos:pos + s])
        pos += s
    if pos < len(text):
        out.append(text[pos:])
    return sep.join(out)


class Values:
    """Makers of valid values and of decoys, all from one Random; values never repeat within a corpus."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._seen: set[str] = set()  # membership only, never iterated

    def _fresh(self, make: Callable[[], str]) -> str:
        while True:
            v = make()
            if v not in self._seen:
                self._seen.add(v)
                return v

    # -- cards
    def card_digits(self, luhn: bool = True, length: int | None = None) -> tuple[str, str]:
        rng = self.rng
        while True:
            brand, prefixes, lengths = rng.choice(_CARD_BRANDS)
            n = length or rng.choice(lengths)
            prefix = rng.choice(prefixes)
            body = prefix + _digits(rng, n - 1 - len(prefix))
            check = luhn_check_digit(body)
            if not luhn:
                check = str((int(check) + rng.randint(1, 9)) % 10)
            digits = body + check
            if digits not in self._seen and len(set(digits[len(prefix):])) > 3:
                self._seen.add(digits)
                return digits, brand

    def format_card(self, digits: str) -> str:
        r = self.rng.random()
        if r < 0.4:
            return digits
        sep = " " if r < 0.75 else "-" if r < 0.92 else "."
        return group(digits, _CARD_GROUPS[len(digits)], sep)

    def card(self) -> Item:
        digits, brand = self.card_digits()
        mm, yy = f"{self.rng.randint(1, 12):02d}", str(self.rng.randint(26, 32))
        return Item("CREDIT_CARD", self.format_card(digits), extra={"brand": brand, "mm": mm, "yy": yy})

    # -- SSN
    def ssn_digits(self) -> str:
        rng = self.rng

        def make() -> str:
            while True:
                area = rng.randint(1, 899)
                d = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
                if area != 666 and _ssn_valid(d):
                    return d
        return self._fresh(make)

    def ssn(self, bare_ok: bool) -> Item:
        d = self.ssn_digits()
        r = self.rng.random()
        if bare_ok and r < 0.25:
            return Item("US_SSN", d, form="bare")
        sep = " " if r < 0.45 else "-"
        return Item("US_SSN", f"{d[:3]}{sep}{d[3:5]}{sep}{d[5:]}")

    # -- e-mail
    def email(self) -> Item:
        rng = self.rng

        def make() -> str:
            first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
            local = rng.choice((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", f"{first}",
                                f"{first}.{last}{rng.randint(1, 99)}", f"{last}{rng.randint(1950, 2005)}",
                                f"{first}-{last}"))
            if rng.random() < 0.2:
                local += "+" + rng.choice(("news", "billing", "hr", "test", "2024", "shop"))
            domain = rng.choice(_DOMAINS)
            if rng.random() < 0.25:
                domain = rng.choice(("mail", "eu", "corp", "hr", "us.mail", "dept")) + "." + domain
            addr = f"{local}@{domain}.{rng.choice(_TLDS)}"
            r = rng.random()
            if r < 0.08:
                addr = addr.upper()
            elif r < 0.25:
                addr = local.title() + addr[len(local):]
            return addr
        return Item("EMAIL_ADDRESS", self._fresh(make))

    # -- phones
    def _nanp(self, areas: Sequence[str], region: str) -> phonenumbers.PhoneNumber:
        rng = self.rng
        while True:
            text = f"{rng.choice(areas)}{rng.randint(2, 9)}{_digits(rng, 2)}{_digits(rng, 4)}"
            n = phonenumbers.parse(text, region)
            if phonenumbers.is_valid_number_for_region(n, region) and text[3:6] != "555" and text not in self._seen:
                self._seen.add(text)
                return n

    def _gb(self) -> phonenumbers.PhoneNumber:
        rng = self.rng
        while True:
            start, length = rng.choice(_GB_STARTS)
            text = "0" + start + _digits(rng, length - len(start))
            n = phonenumbers.parse(text, "GB")
            if phonenumbers.is_valid_number(n) and text not in self._seen:
                self._seen.add(text)
                return n

    def _intl(self) -> phonenumbers.PhoneNumber:
        rng = self.rng
        while True:
            region = rng.choice(_INTL_REGIONS)
            kind = rng.choice((phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE))
            ex = phonenumbers.example_number_for_type(region, kind)
            if ex is None:
                continue
            nsn = phonenumbers.national_significant_number(ex)
            keep = max(1, len(nsn) - 5)
            cand = nsn[:keep] + _digits(rng, len(nsn) - keep)
            n = phonenumbers.parse(f"+{ex.country_code}{cand}")
            key = f"+{ex.country_code}{cand}"
            if phonenumbers.is_valid_number(n) and key not in self._seen:
                self._seen.add(key)
                return n

    def phone(self, bare_ok: bool) -> Item:
        rng = self.rng
        fmt = phonenumbers.PhoneNumberFormat
        r = rng.random()
        if r < 0.45:  # international form, as people write it
            n = self._intl()
            intl = phonenumbers.format_number(n, fmt.INTERNATIONAL)
            e164 = phonenumbers.format_number(n, fmt.E164)
            s = rng.random()
            if s < 0.45:
                text = intl
            elif s < 0.6:
                text = e164
            elif s < 0.75:
                text = intl.replace(" ", "-").replace("--", "-")
            elif s < 0.85 and n.country_code != 1:
                nat = phonenumbers.format_number(n, fmt.NATIONAL)
                # "+44 (0)20 7946 0958": the trunk zero in brackets, common in European signatures.
                text = intl if not nat.startswith("0") else f"+{n.country_code} (0){intl.split(' ', 1)[1]}"
            elif n.country_code == 1:
                nsn = phonenumbers.national_significant_number(n)
                text = rng.choice((f"+1 ({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}", f"+1.{nsn[:3]}.{nsn[3:6]}.{nsn[6:]}"))
            else:
                text = intl.replace(" ", ".")
            return Item("PHONE_NUMBER", text, form="intl")
        if r < 0.85 or not bare_ok:  # national form of a default region, as that region writes it
            if rng.random() < 0.65:
                n = self._nanp(_US_AREAS, "US") if rng.random() < 0.7 else self._nanp(_CA_AREAS, "CA")
                nsn = phonenumbers.national_significant_number(n)
                a, b, c = nsn[:3], nsn[3:6], nsn[6:]
                text = rng.choice((f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"({a}) {b}-{c}",
                                   f"{a}-{b}-{c}", f"1-{a}-{b}-{c}", f"{a} {b} {c}"))
            else:
                text = phonenumbers.format_number(self._gb(), fmt.NATIONAL)
            return Item("PHONE_NUMBER", text, form="national")
        n = self._nanp(_US_AREAS, "US")
        return Item("PHONE_NUMBER", phonenumbers.national_significant_number(n), form="bare")

    # -- IBAN
    def _bban(self, country: str) -> str:
        rng = self.rng
        out = []
        spec = _IBAN_BBAN[country]
        num = ""
        for ch in spec:
            if ch.isdigit():
                num += ch
                continue
            n = int(num)
            num = ""
            if ch == "n":
                out.append(_digits(rng, n))
            elif ch == "a":
                out.append(_chars(rng, string.ascii_uppercase, n))
            else:  # mostly digits, as real account numbers are
                out.append("".join(rng.choice(string.ascii_uppercase) if rng.random() < 0.15 else
                                   rng.choice(string.digits) for _ in range(n)))
        return "".join(out)

    def iban_compact(self, country: str | None = None, bban: str | None = None, bad: bool = False) -> str:
        rng = self.rng
        while True:
            cc = country or rng.choice(_IBAN_COUNTRIES)
            b = bban or self._bban(cc)
            check = iban_check_digits(cc, b)
            if bad:
                check = rng.choice([f"{c:02d}" for c in range(2, 99) if f"{c:02d}" != check])
            iban = cc + check + b
            if iban in self._seen:
                continue
            # A bad one differs from a valid IBAN in its check digits only (its BBAN passes the national rules).
            good = not bad and _iban_valid(iban)
            if good or (bad and not _iban_valid(iban) and _iban_valid(cc + iban_check_digits(cc, b) + b)):
                self._seen.add(iban)
                return iban
            if bban is not None:
                raise ValueError("the given BBAN cannot make a valid IBAN")

    def format_iban(self, iban: str) -> str:
        r = self.rng.random()
        text = iban if r < 0.4 else group(iban, [4] * 9, " ")
        return text.lower() if self.rng.random() < 0.1 else text

    def iban(self) -> Item:
        return Item("IBAN_CODE", self.format_iban(self.iban_compact()))

    # -- IP addresses
    def ip(self) -> Item:
        rng = self.rng

        def make() -> str:
            r = rng.random()
            if r < 0.55:
                first = rng.choice((10, 172, 192, rng.randint(11, 223), rng.randint(11, 223)))
                a = ipaddress.IPv4Address(f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
                return str(a)
            groups = [rng.randrange(0x10000) for _ in range(8)]
            groups[0] = rng.choice((0x2001, 0x2a02, 0x2600, 0x2804, 0xfd12, 0xfe80))
            if groups[0] == 0xfe80:
                groups[1:4] = [0, 0, 0]
            a6 = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
            s = rng.random()
            if s < 0.3:
                text = a6.exploded
            elif s < 0.75:
                if rng.random() < 0.6:  # a run of zero groups, so "::" appears
                    k = rng.randint(2, 4)
                    groups[3:3 + k] = [0] * k
                    a6 = ipaddress.IPv6Address(":".join(f"{g:x}" for g in groups))
                text = a6.compressed
            else:
                v4 = f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                text = rng.choice((f"::ffff:{v4}", f"64:ff9b::{v4}", f"2001:db8:{rng.randrange(0x10000):x}::{v4}"))
            ipaddress.ip_address(text)  # must parse
            return text.upper() if rng.random() < 0.1 else text
        return Item("IP_ADDRESS", self._fresh(make))

    # -- passports
    def passport(self) -> Item:
        rng = self.rng
        if rng.random() < 0.7:
            v = self._fresh(lambda: str(rng.randint(1, 9)) + _digits(rng, 8))
        else:  # the next-generation book: a letter and 8 digits
            v = self._fresh(lambda: rng.choice("ACEFHKLMNPX") + _digits(rng, 8))
        return Item("US_PASSPORT", v, form="bare")

    # -- secrets
    def aws_key(self) -> Item:
        rng = self.rng

        def make() -> str:
            while True:
                body = _chars(rng, _B32, 16)
                if len(set(body)) >= 10:
                    return rng.choice(("AKIA", "AKIA", "AKIA", "ASIA")) + body
        return Item("AWS_ACCESS_KEY_ID", self._fresh(make))

    def github_token(self) -> Item:
        rng = self.rng

        def make() -> str:
            if rng.random() < 0.25:
                return f"github_pat_{_chars(rng, _B62, 22)}_{_chars(rng, _ALNUM, 59)}"
            body = _chars(rng, _B62, 30)
            return rng.choice(("ghp_", "ghp_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_")) + body + github_checksum(body)
        return Item("GITHUB_TOKEN", self._fresh(make))

    def slack_token(self) -> Item:
        rng = self.rng

        def make() -> str:
            r = rng.random()
            if r < 0.45:
                return f"xoxb-{_digits(rng, 12)}-{_digits(rng, 13)}-{_chars(rng, _ALNUM, 24)}"
            if r < 0.8:
                return (f"xoxp-{_digits(rng, 12)}-{_digits(rng, 12)}-{_digits(rng, 13)}-"
                        f"{_chars(rng, '0123456789abcdef', 32)}")
            return f"xapp-1-A{_chars(rng, string.ascii_uppercase + string.digits, 10)}-{_digits(rng, 13)}-" \
                   f"{_chars(rng, '0123456789abcdef', 64)}"
        return Item("SLACK_TOKEN", self._fresh(make))

    def secret_value(self) -> str:
        rng = self.rng

        def make() -> str:
            r = rng.random()
            if r < 0.5:
                while True:
                    v = _chars(rng, _SECRET_CHARS, rng.randint(14, 32))
                    if (any(c.isdigit() for c in v) and any(c.isupper() for c in v) and any(c.islower() for c in v)
                            and v[0].isalnum() and v[-1].isalnum()):
                        return v
            if r < 0.75:
                return _chars(rng, "0123456789abcdef", rng.choice((32, 40, 64)))
            return base64.urlsafe_b64encode(rng.randbytes(rng.choice((18, 24, 30)))).decode().rstrip("=")
        return self._fresh(make)

    def generic_secret(self) -> Item:
        key = self.rng.choice(("password", "passwd", "pwd", "db_password", "DB_PASSWORD", "secret", "client_secret",
                               "api_key", "apiKey", "API_TOKEN", "auth_token", "SECRET_KEY", "smtp_password",
                               "Password", "access_token"))
        return Item("GENERIC_SECRET", self.secret_value(), extra={"key": key})

    def private_key(self, keys: PrivateKeys) -> Item:
        label, pem = keys.next()
        return Item("PRIVATE_KEY", pem, extra={"label": label})

    # -- decoys
    def decoy(self, kind: str) -> Item:
        """A decoy of ``kind`` (see :data:`DECOY_KINDS`)."""
        rng = self.rng
        entity = DECOY_KINDS[kind]
        if kind == "card_luhn_fail":
            digits, brand = self.card_digits(luhn=False)
            return Item(entity, self.format_card(digits), kind, extra={"brand": brand, "mm": "08", "yy": "29"})
        if kind == "card_in_digit_run":
            digits, _ = self.card_digits(length=16)
            run = _digits(rng, rng.randint(2, 5)) + digits + _digits(rng, rng.randint(2, 5))
            return Item(entity, run, kind)
        if kind == "card_in_iban":
            return Item(entity, self.format_iban(self.card_iban()), kind)
        if kind == "iban_bad_check":
            return Item(entity, self.format_iban(self.iban_compact(bad=True)), kind)
        if kind == "ssn_invalid":
            area, grp, serial = f"{rng.randint(1, 899):03d}", f"{rng.randint(1, 99):02d}", f"{rng.randint(1, 9999):04d}"
            which = rng.randrange(5)
            if which == 0:
                area = "000"
            elif which == 1:
                area = "666"
            elif which == 2:
                area = f"9{_digits(rng, 2)}"
            elif which == 3:
                grp = "00"
            else:
                serial = "0000"
            sep = rng.choice(("-", "-", " "))
            return Item(entity, self._fresh(lambda: f"{area}{sep}{grp}{sep}{serial}"), kind)
        if kind == "phone_invalid":
            r = rng.random()
            if r < 0.25:
                v = rng.choice(("123-456-7890", "(123) 456-7890", "123.456.7890", "000-000-0000", "987-654-3210"))
                return Item(entity, v, kind)
            area = f"{rng.choice('01')}{_digits(rng, 2)}" if r < 0.7 else rng.choice(_US_AREAS)
            exch = f"{rng.randint(2, 9)}{_digits(rng, 2)}" if r < 0.7 else f"{rng.choice('01')}{_digits(rng, 2)}"
            line = _digits(rng, 4)
            v = rng.choice((f"({area}) {exch}-{line}", f"{area}-{exch}-{line}", f"{area}.{exch}.{line}"))
            assert not phonenumbers.is_valid_number(phonenumbers.parse(v, "US"))
            return Item(entity, self._fresh(lambda: v), kind)
        maker = _DECOY_MAKERS[kind]
        if kind in _REPEATING_DECOYS:  # a few well-known placeholders: they recur, as in real files
            return Item(entity, maker(rng), kind)
        return Item(entity, self._fresh(lambda: maker(rng)), kind)

    def card_iban(self) -> str:
        """A valid IBAN whose first 16 BBAN digits are a Luhn-valid card number of a current brand."""
        while True:
            cc = self.rng.choice(("DE", "ES", "PL", "HU", "CZ", "SE", "AT", "PT"))
            digits, _ = self.card_digits(length=16)
            n = int(_IBAN_BBAN[cc][:-1])
            bban = digits + _digits(self.rng, n - 16)
            try:
                return self.iban_compact(cc, bban)
            except ValueError:
                continue


def _ssn_valid(digits: str) -> bool:
    from stdnum.us import ssn

    return bool(ssn.is_valid(digits))


def _iban_valid(iban: str) -> bool:
    from stdnum import iban as stdnum_iban

    return bool(stdnum_iban.is_valid(iban))


def _order(rng: random.Random) -> str:
    return rng.choice((f"ORD-{rng.randint(2019, 2025)}-{_digits(rng, 6)}",
                       f"INV-{rng.randint(2019, 2025)}-{_digits(rng, 7)}",
                       f"PO {rng.choice(('45', '47'))}{_digits(rng, 8)}", f"TICKET #{rng.randint(10**7, 10**9)}",
                       f"SO-{_digits(rng, 3)}-{_digits(rng, 3)}-{_digits(rng, 4)}", f"RMA{_digits(rng, 10)}"))


def _version(rng: random.Random) -> str:
    return rng.choice((f"v{rng.randint(1, 20)}.{rng.randint(0, 40)}.{rng.randint(0, 30)}",
                       f"10.0.{rng.randint(10240, 22631)}.{rng.randint(1, 4000)}",
                       f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}-rc{rng.randint(1, 5)}",
                       f"{rng.randint(2019, 2025)}.{rng.randint(1, 12)}.{rng.randint(300, 9999)}"))


def _oid(rng: random.Random) -> str:
    return rng.choice(("1.3.6.1.4.1.311", "1.3.6.1.4.1.311.21.8", "1.2.840.113549.1.1.11", "2.5.4.3",
                       "1.3.6.1.2.1.1.3.0", "2.16.840.1.101.3.4.2.1", "1.3.6.1.4.1.9.9.42.1.2",
                       "1.3.6.1.5.5.7.3.1")) + f".{rng.randint(1, 500)}"


def _uuid(rng: random.Random) -> str:
    h = rng.randbytes(16).hex()
    text = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"
    return text.upper() if rng.random() < 0.2 else text


def _isbn13(rng: random.Random) -> str:
    from stdnum import ean, isbn

    body = rng.choice(("978", "979")) + _digits(rng, 9)
    digits = body + ean.calc_check_digit(body)
    assert isbn.is_valid(digits)
    return digits if rng.random() < 0.4 else f"{digits[:3]}-{digits[3]}-{digits[4:7]}-{digits[7:12]}-{digits[12]}"


def _epoch(rng: random.Random) -> str:
    s = rng.randint(1_500_000_000, 1_800_000_000)
    return str(s) if rng.random() < 0.5 else f"{s}{_digits(rng, 3)}"


def _amount(rng: random.Random) -> str:
    whole = rng.randint(10**5, 10**10)
    return rng.choice((f"${whole:,}.{rng.randint(0, 99):02d}", f"USD {whole:,}.{rng.randint(0, 99):02d}",
                       f"EUR {whole:,}.{rng.randint(0, 99):02d}".replace(",", "X").replace(".", ",").replace("X", "."),
                       f"{whole:,} GBP", f"{whole}.{rng.randint(0, 99):02d}"))


def _datetime(rng: random.Random) -> str:
    y, m, d = rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)
    hh, mi, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    return rng.choice((f"{y}-{m:02d}-{d:02d}T{hh:02d}:{mi:02d}:{ss:02d}Z", f"{d:02d}/{m:02d}/{y} {hh:02d}:{mi:02d}",
                       f"{y}{m:02d}{d:02d}{hh:02d}{mi:02d}{ss:02d}",
                       f"{y}-{m:02d}-{d:02d} {hh:02d}:{mi:02d}:{ss:02d}.{_digits(rng, 6)}",
                       f"{m:02d}-{d:02d}-{y}"))


def _hex_id(rng: random.Random) -> str:
    return rng.choice((f"0x{rng.randbytes(6).hex()}", rng.randbytes(8).hex(), rng.randbytes(20).hex(),
                       f"sha256:{rng.randbytes(32).hex()}"))


def _mac(rng: random.Random) -> str:
    b = rng.randbytes(6)
    sep = rng.choice((":", "-"))
    text = sep.join(f"{x:02x}" for x in b)
    return text.upper() if rng.random() < 0.5 else text


def _ip_bad(rng: random.Random) -> str:
    return rng.choice((f"{rng.randint(256, 999)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                       f"{rng.randint(1, 223)}.{rng.randint(256, 999)}.{rng.randint(0, 300)}.{rng.randint(256, 999)}",
                       "999.999.999.999"))


def _email_like(rng: random.Random) -> str:
    return rng.choice((f"{rng.choice(('logo', 'icon', 'hero', 'banner'))}@{rng.choice('23')}x.png",
                       f"lodash@4.17.{rng.randint(10, 21)}", f"react@18.{rng.randint(0, 3)}.{rng.randint(0, 9)}",
                       f"@types/node@20.{rng.randint(0, 14)}.{rng.randint(0, 9)}"))


def _aws_placeholder(rng: random.Random) -> str:
    return rng.choice(("AKIAXXXXXXXXXXXXXXXX", "AKIAIOSFODNN7EXAMPLE", "AKIAYOURACCESSKEYHER", "AKIA0000000000000000",
                       "AKIAEXAMPLEEXAMPLE12", "AKIA1234567890ABCDEF", "ASIAXXXXXXXXXXXXXXXX", "AKIAAAAAAAAAAAAAAAAA",
                       "AKIA" + "X" * 16, "AKIAIOSFODNN7EXAMPLE"))


def _github_placeholder(rng: random.Random) -> str:
    return rng.choice(("ghp_" + "x" * 36, "ghp_" + "X" * 36, "ghp_" + "0" * 36, "ghp_your_token_here",
                       "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "github_pat_" + "X" * 22 + "_" + "X" * 59,
                       "ghp_1234567890abcdefghijklmnopqrstuvwxyz", "ghp_" + "abcd" * 9))


def _github_bad_checksum(rng: random.Random) -> str:
    body = _chars(rng, _B62, 30)
    good = github_checksum(body)
    while True:
        bad = _chars(rng, _B62, 6)
        if bad != good:
            return "ghp_" + body + bad


def _slack_placeholder(rng: random.Random) -> str:
    return rng.choice(("xoxb-your-bot-token", "xoxb-XXXXXXXXXXXX-XXXXXXXXXXXXX-XXXXXXXXXXXXXXXXXXXXXXXX",
                       "xoxp-0000000000-0000000000-0000000000-00000000000000000000000000000000",
                       "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx", "xoxb-...", "xoxb-<token>"))


def _secret_placeholder(rng: random.Random) -> str:
    return rng.choice(("<your-password>", "YOUR_API_KEY", "changeme", "${SECRET}", "${DB_PASSWORD}", "********",
                       "{{ vault_db_password }}", "<API_KEY>", "xxxxxxxxxxxxxxxx", "password", "REPLACE_ME",
                       "%(DB_PASS)s", "<redacted>", "dummy", "your-secret-here", "os.environ['DB_PASSWORD']"))


_DECOY_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "order_number": _order, "version": _version, "oid": _oid, "uuid": _uuid, "isbn13": _isbn13, "epoch": _epoch,
    "amount": _amount, "datetime": _datetime, "hex_id": _hex_id, "mac_address": _mac, "ip_out_of_range": _ip_bad,
    "email_like": _email_like, "aws_placeholder": _aws_placeholder, "github_placeholder": _github_placeholder,
    "github_bad_checksum": _github_bad_checksum, "slack_placeholder": _slack_placeholder,
    "secret_placeholder": _secret_placeholder,
}
_REPEATING_DECOYS = frozenset({"aws_placeholder", "github_placeholder", "slack_placeholder", "secret_placeholder",
                               "email_like", "ip_out_of_range"})
# Decoy kind -> the entity it imitates ("" for none in particular).
DECOY_KINDS: dict[str, str] = {
    "card_luhn_fail": "CREDIT_CARD", "card_in_digit_run": "CREDIT_CARD", "card_in_iban": "CREDIT_CARD",
    "iban_bad_check": "IBAN_CODE", "ssn_invalid": "US_SSN", "phone_invalid": "PHONE_NUMBER",
    "order_number": "PHONE_NUMBER", "version": "IP_ADDRESS", "oid": "IP_ADDRESS", "uuid": "", "isbn13": "",
    "epoch": "", "amount": "", "datetime": "", "hex_id": "", "mac_address": "IP_ADDRESS",
    "ip_out_of_range": "IP_ADDRESS", "email_like": "EMAIL_ADDRESS", "aws_placeholder": "AWS_ACCESS_KEY_ID",
    "github_placeholder": "GITHUB_TOKEN", "github_bad_checksum": "GITHUB_TOKEN", "slack_placeholder": "SLACK_TOKEN",
    "secret_placeholder": "GENERIC_SECRET", "pem_public": "PRIVATE_KEY", "pem_placeholder": "PRIVATE_KEY",
}
# How often each kind is drawn: the hard look-alikes of the checked entities most.
_DECOY_WEIGHTS: dict[str, int] = {
    "card_luhn_fail": 10, "card_in_digit_run": 6, "card_in_iban": 6, "iban_bad_check": 8, "ssn_invalid": 10,
    "phone_invalid": 10, "order_number": 6, "version": 5, "oid": 3, "uuid": 3, "isbn13": 3, "epoch": 4,
    "amount": 3, "datetime": 3, "hex_id": 3, "mac_address": 3, "ip_out_of_range": 2, "email_like": 3,
    "aws_placeholder": 5, "github_placeholder": 4, "github_bad_checksum": 5, "slack_placeholder": 3,
    "secret_placeholder": 7, "pem_public": 2, "pem_placeholder": 2,
}


# ------------------------------------------------------------------------------------------------ private keys

class PrivateKeys:
    """Real private keys (parsed back by ``cryptography``), made deterministically from the corpus Random: EC and
    Ed25519 keys from drawn scalars, RSA from drawn primes; PEM as PKCS#1, SEC1, PKCS#8 and OpenSSH."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _prime(self, bits: int) -> int:
        rng = self.rng
        small = [q for q in range(3, 2000, 2) if all(q % d for d in range(3, int(q**0.5) + 1, 2))]
        while True:
            p = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
            if any(p % q == 0 for q in small):
                continue
            d, s = p - 1, 0
            while d % 2 == 0:
                d, s = d // 2, s + 1
            for _ in range(16):
                x = pow(rng.randrange(2, p - 1), d, p)
                if x in (1, p - 1):
                    continue
                for _ in range(s - 1):
                    x = pow(x, 2, p)
                    if x == p - 1:
                        break
                else:
                    break
            else:
                return p

    def _rsa(self, bits: int) -> Any:
        from cryptography.hazmat.primitives.asymmetric import rsa

        e = 65537
        while True:
            p, q = self._prime(bits // 2), self._prime(bits // 2)
            phi = (p - 1) * (q - 1)
            if p != q and phi % e and (p * q).bit_length() == bits:
                break
        d = pow(e, -1, phi)
        nums = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                     rsa.RSAPublicNumbers(e, p * q))
        return nums.private_key()

    def next(self) -> tuple[str, str]:
        """``(label, PEM text)`` of a new key."""
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519

        rng = self.rng
        r = rng.random()
        if r < 0.3:
            key = self._rsa(rng.choice((1024, 2048)))
            fmt = ser.PrivateFormat.TraditionalOpenSSL if rng.random() < 0.6 else ser.PrivateFormat.PKCS8
            label = "RSA"
        elif r < 0.6:
            curve = rng.choice((ec.SECP256R1(), ec.SECP384R1()))
            key = ec.derive_private_key(rng.getrandbits(190) + 1, curve)
            fmt = ser.PrivateFormat.TraditionalOpenSSL if rng.random() < 0.5 else ser.PrivateFormat.PKCS8
            label = "EC"
        elif r < 0.8:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
            return "OPENSSH", openssh_ed25519(key, rng.randbytes(4), f"{rng.choice(FIRST_NAMES).lower()}@build-01")
        else:
            key = ed25519.Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
            fmt, label = ser.PrivateFormat.PKCS8, "ED25519"
        pem = key.private_bytes(ser.Encoding.PEM, fmt, ser.NoEncryption()).decode()
        return label, pem.rstrip("\n")

    def public_pem(self) -> str:
        """A public key (a decoy: public keys are not secrets)."""
        from cryptography.hazmat.primitives import serialization as ser
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.derive_private_key(self.rng.getrandbits(190) + 1, ec.SECP256R1())
        return key.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo).decode().rstrip()


def openssh_ed25519(key: Any, check: bytes, comment: str) -> str:
    """An unencrypted OpenSSH private key file (PROTOCOL.key) for an Ed25519 key; ``cryptography`` writes one too,
    but with a random check word, and this corpus must be byte-identical for a seed."""
    from cryptography.hazmat.primitives import serialization as ser

    def s(b: bytes) -> bytes:
        return struct.pack(">I", len(b)) + b

    seed = key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
    pub = key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    pub_blob = s(b"ssh-ed25519") + s(pub)
    priv = check + check + s(b"ssh-ed25519") + s(pub) + s(seed + pub) + s(comment.encode())
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = b"openssh-key-v1\0" + s(b"none") + s(b"none") + s(b"") + struct.pack(">I", 1) + s(pub_blob) + s(priv)
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
    return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----", *lines, "-----END OPENSSH PRIVATE KEY-----"])


# ------------------------------------------------------------------------------------------------------- text

def _safe_id(rng: random.Random) -> str:
    # At most 7 digits: never a card, an SSN, a passport or a phone number, whatever words sit near it.
    return str(rng.randint(1000, 9_999_999))


_SLOTS: dict[str, Callable[[random.Random], str]] = {
    **SLOTS, "id": _safe_id,
    "dob": lambda rng: f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    "bic": lambda rng: _chars(rng, string.ascii_uppercase, 6) + _chars(rng, string.ascii_uppercase + "2345", 2),
    "host": lambda rng: f"{rng.choice(('web', 'db', 'app', 'cache', 'edge'))}-{rng.randint(1, 40):02d}",
    "path": lambda rng: rng.choice(("/api/v1/orders", "/login", "/health", "/api/v2/users/me", "/static/app.js",
                                    "/export.csv", "/graphql")),
}


class _Fill(dict[str, str]):
    """``str.format_map`` slots: ``{name}`` draws from :data:`_SLOTS` (in the template's order), unless given."""

    def __init__(self, rng: random.Random, given: dict[str, str]) -> None:
        super().__init__(given)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        return _SLOTS[key](self.rng)


def fill(rng: random.Random, template: str, **given: str) -> str:
    """``template`` with its ``{slots}`` filled; a sentence starts with a capital."""
    text = template.format_map(_Fill(rng, given))
    return text[:1].upper() + text[1:]


# Sentences that hold context words but no value: real documents talk about cards, phones and passwords too.
_TALK = (
    "Please keep your phone number and mailing address up to date in the HR portal.",
    "Card payments are settled by the acquirer two working days after capture.",
    "Reset your password through the self-service portal, never by e-mail.",
    "The passport office asked for a recent photograph and the renewal form.",
    "Social security paperwork goes to payroll in a sealed envelope.",
    "Bank transfers above the approval limit need a second signature.",
    "Rotate access keys every ninety days and never commit tokens to the repository.",
    "Call the service desk if the mobile app will not sync.",
    "The IP allow list is maintained by the network team.",
    "Our IBAN and BIC are printed on every invoice footer.",
)

# Prose sentences per entity: {v} is the value. "cold" ones hold no context word of the entity (nor of any other
# entity whose shape the value could take); "hot" ones put one near it.
_COLD: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": ("{person} paid the {amount} deposit with {v} on {date}.",
                    "Charged {v} for order {order}, approved by {person}.",
                    "Refund of {amount} goes back to {v} within {days} days.",
                    "Details on file for {person}: {v}, exp {mm}/{yy}."),
    "US_SSN": ("Background check for {person} ({v}) came back clear on {date}.",
               "New starter {person}, {v}, joins the {team} team on {date}.",
               "{person} {v} {city}"),
    "EMAIL_ADDRESS": ("Send the signed {doc} to {v} before {date}.", "Questions? Write to {v} any time.",
                      "{person} <{v}> joined the thread on {date}.", "Minutes go to {v} and the {team} team."),
    "PHONE_NUMBER": ("Ask for {first} on {v} after five.", "Our {city} office: {v}.",
                     "{person} | {company} | {v}", "{first} can be reached on {v} until {time}.",
                     "If the courier is late, {v} is the depot in {city}."),
    "IBAN_CODE": ("Please wire {amount} to {v}, beneficiary {company}.", "Remit to {company}, {v}, by {date}.",
                  "Refund for order {order} goes to {v}."),
    "IP_ADDRESS": ("The {system} at {v} was restarted at {time}.", "Host {v} stopped answering health checks.",
                   "Traffic from {v} was throttled after {qty} failed logins.", "{person} moved the {system} to {v}."),
    "AWS_ACCESS_KEY_ID": ("The deploy script still uses {v} for the uploads bucket.",
                          "{person} rotated {v} on {date} after the audit.", "Found {v} hard-coded in the {system}."),
    "GITHUB_TOKEN": ("{person} pasted {v} into the channel by mistake.", "The release job pushes with {v}.",
                     "Revoke {v} once the migration is done."),
    "SLACK_TOKEN": ("{person} pasted {v} into the wiki page.", "The alert bot posts with {v} since {date}.",
                    "Do not reuse {v} outside the {project} workspace."),
}
_HOT: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": ("The {brand} card number {v} was charged {amount}.", "Card: {v} (exp {mm}/{yy})",
                    "Please update the credit card on file to {v} before {date}.", "{brand} {v}, expires {mm}/{yy}."),
    "US_SSN": ("SSN {v} belongs to {person}.", "{person} provided social security number {v} on the onboarding form.",
               "SSN: {v}", "Payroll verified the SSN {v} for {person}."),
    "EMAIL_ADDRESS": ("email: {v}", "Contact e-mail {v} for the {project} rollout.", "Mail {v} with questions."),
    "PHONE_NUMBER": ("Tel. {v}", "call {first} on {v} for access.", "mobile: {v}", "Phone {v}", "Fax {v}",
                     "cell {v} (after hours)", "Please call {v} to confirm."),
    "IBAN_CODE": ("IBAN {v}", "Bank details: IBAN: {v} (BIC {bic})", "New IBAN for {company}: {v}"),
    "IP_ADDRESS": ("IP address {v}", "ip: {v}", "Login from IP {v} was blocked on {date}."),
    "US_PASSPORT": ("Passport No. {v}", "{person}'s passport number is {v}, issued {date}.", "passport: {v}",
                    "US passport {v} expires in {year}."),
    "AWS_ACCESS_KEY_ID": ("aws_access_key_id = {v}", "AWS access key {v}", "export AWS_ACCESS_KEY_ID={v}"),
    "GITHUB_TOKEN": ("GITHUB_TOKEN={v}", "Authorization: token {v}", "github token: {v}"),
    "SLACK_TOKEN": ("SLACK_BOT_TOKEN={v}", "slack token {v}", "Slack token: {v}"),
}
_ASSIGN = ("{key} = {v}", "{key}: {v}", "{key}={v}", "{key} = \"{v}\"", "{key}: '{v}'", "\"{key}\": \"{v}\"")
_SECRET_LEADS = ("Staging credentials:", "For the {system} use", "Temporary access for {person}:", "Config:",
                 "The old box still has", "Until {date}:")
# Decoy sentences by kind (the {v} slot); hot ones use the imitated entity's context word on purpose.
_DECOY_SENT: dict[str, tuple[str, ...]] = {
    "card_luhn_fail": ("The card number {v} was declined as invalid.", "Charged {v} for order {order}.",
                       "Card: {v} (exp {mm}/{yy})"),
    "card_in_digit_run": ("Transaction reference {v} settled on {date}.", "Tracking {v} shows the parcel in {city}.",
                          "Payment ref {v} card settlement batch {id}."),
    "iban_bad_check": ("IBAN {v} bounced: the check digits are wrong.", "Please wire {amount} to {v}."),
    "ssn_invalid": ("SSN {v} on the form for {person} is not valid.", "{person} entered SSN: {v} by mistake.",
                    "Background check for {person} ({v}) failed."),
    "phone_invalid": ("call {first} on {v} for access.", "Phone {v}", "Ask for {first} on {v} after five."),
    "order_number": ("Order {v} shipped on {date}.", "See {v} for the refund.", "Please quote {v} when you call."),
    "version": ("Upgraded the {system} to {v} on {date}.", "Build {v} fixed the login loop."),
    "oid": ("The certificate policy OID {v} is required.", "SNMP walk returned {v} for the uptime counter."),
    "uuid": ("Request id {v} timed out.", "Tenant {v} was migrated on {date}."),
    "isbn13": ("Ordered ISBN {v} for the library.", "The handbook (ISBN {v}) is out of print."),
    "epoch": ("Last sync at {v} according to the agent.", "ts={v} event=export"),
    "amount": ("Total due: {v}.", "The contract is worth {v} over three years."),
    "datetime": ("Backup finished at {v}.", "Window opens {v} and lasts two hours."),
    "hex_id": ("Commit {v} introduced the regression.", "Object {v} was evicted from the cache."),
    "mac_address": ("The printer's MAC address is {v}.", "DHCP lease for {v} renewed."),
    "ip_out_of_range": ("Invalid address {v} rejected by the parser.", "Set the gateway to {v} as a placeholder."),
    "email_like": ("The build pulled {v} from the cache.", "Use {v} on retina screens."),
    "aws_placeholder": ("aws_access_key_id = {v}", "Example: export AWS_ACCESS_KEY_ID={v}"),
    "github_placeholder": ("GITHUB_TOKEN={v}", "Set the token to {v} in your local config."),
    "github_bad_checksum": ("GITHUB_TOKEN={v}", "The runner pushes with {v}."),
    "slack_placeholder": ("SLACK_BOT_TOKEN={v}", "slack token {v}"),
}


def _hot_ratio(item: Item) -> float:
    return 1.0 if item.needs_context else 0.4


def sentence(rng: random.Random, item: Item) -> tuple[str, str]:
    """A prose sentence holding ``item.value`` and its situation (``prose_hot``: a context word is near,
    ``prose_cold``: none is). One line; private keys are blocks, see :func:`key_block`."""
    v = item.value
    if item.decoy:
        if item.kind == "card_in_iban":
            return fill(rng, rng.choice(_COLD["IBAN_CODE"] + _HOT["IBAN_CODE"]), v=v), "prose"
        if item.kind == "secret_placeholder":
            return fill(rng, rng.choice(_SECRET_LEADS) + " " + rng.choice(_ASSIGN), v=v,
                        key=rng.choice(("password", "api_key", "secret", "DB_PASSWORD", "token"))), "prose"
        return fill(rng, rng.choice(_DECOY_SENT[item.kind]), v=v, **item.extra), "prose"
    if item.entity == "GENERIC_SECRET":
        return fill(rng, rng.choice(_SECRET_LEADS) + " " + rng.choice(_ASSIGN), v=v, key=item.extra["key"]), \
            "prose_hot"
    hot = rng.random() < _hot_ratio(item) or item.entity not in _COLD
    text = fill(rng, rng.choice((_HOT if hot else _COLD)[item.entity]), v=v, **item.extra)
    return text, "prose_hot" if hot else "prose_cold"


def key_block(rng: random.Random, item: Item) -> list[str]:
    """Lines holding a PEM block (planted key, public key or redacted key)."""
    intro = fill(rng, rng.choice(("Deploy key for the {system}:", "{person} attached the key below.",
                                  "Key material (do not share):", "Here is the key for {host}:")))
    return [intro, *item.value.split("\n")]


def benign(rng: random.Random) -> str:
    """A sentence with no value: business prose, now and then one that talks about the entities."""
    if rng.random() < 0.04:
        return rng.choice(_TALK)
    return fill(rng, rng.choice(BENIGN))


def benign_log(rng: random.Random) -> str:
    """A log message with no value."""
    return fill(rng, rng.choice(LOG_MESSAGES)) if rng.random() < 0.75 else benign(rng)


# ------------------------------------------------------------------------------------------------------ marks

@dataclass(slots=True)
class Mark:
    """Where a builder put an item: ``text`` is the value as written (``None``: ``item.value``), ``member`` the
    path inside the object (``""``: the object itself)."""

    item: Item
    where: str
    situation: str
    text: str | None = None
    member: str = ""

    @property
    def written(self) -> str:
        return self.item.value if self.text is None else self.text


def _line_hints(text: str, marks: list[Mark], lead: str = "line ") -> None:
    """Set each mark's hint to the line of its value, searching forward (marks are in document order)."""
    pos = 0
    for m in marks:
        i = text.find(m.written, pos)
        if i < 0:
            i = text.find(m.written)
        if i < 0:
            raise AssertionError(f"value of a {m.item.entity or m.item.kind} mark is not in the text")
        m.where = f"{lead}{text.count(chr(10), 0, i) + 1}"
        pos = i + 1


# ----------------------------------------------------------------------------------------- documents (prose)

_TABLE_HEADERS = {"CREDIT_CARD": "Card number", "US_SSN": "SSN", "EMAIL_ADDRESS": "Email", "PHONE_NUMBER": "Phone",
                  "IBAN_CODE": "IBAN", "IP_ADDRESS": "IP address", "US_PASSPORT": "Passport no.",
                  "AWS_ACCESS_KEY_ID": "AWS access key id", "GITHUB_TOKEN": "GitHub token",
                  "SLACK_TOKEN": "Slack token", "GENERIC_SECRET": "Password", "": "Reference"}


@dataclass(slots=True)
class Doc:
    """Prose as blocks: ``("h", text)``, ``("p", text)``, ``("pre", lines)``, ``("table", header, rows)``;
    ``marks[i]`` are the marks of block ``i`` (table marks carry their row in ``where``)."""

    title: str
    blocks: list[tuple[Any, ...]] = field(default_factory=list)
    marks: dict[int, list[Mark]] = field(default_factory=dict)

    def add(self, block: tuple[Any, ...], marks: Iterable[Mark] = ()) -> None:
        self.marks[len(self.blocks)] = list(marks)
        self.blocks.append(block)

    def all_marks(self) -> list[Mark]:
        return [m for i in range(len(self.blocks)) for m in self.marks[i]]


def _table_header(item: Item) -> str:
    return _TABLE_HEADERS.get(item.entity if item.entity in _TABLE_HEADERS and item.kind not in _GENERIC_TABLE
                              else "", "Reference")


# Decoys that sit in a "Reference" column in tables, whatever they imitate.
_GENERIC_TABLE = frozenset({"order_number", "version", "oid", "uuid", "isbn13", "epoch", "amount", "datetime",
                            "hex_id", "mac_address", "ip_out_of_range", "email_like"})


def make_doc(rng: random.Random, items: list[Item], target: int, tables: bool = True) -> Doc:
    """A document of about ``target`` characters of prose holding ``items``: sentences in paragraphs, keys as
    blocks, and (with ``tables``) some values in small tables under a header that names them."""
    doc = Doc(fill(rng, "{adj} {doc} - {project}").title())
    doc.add(("h", doc.title))
    queue = list(items)
    size = 0
    while queue or size < target:
        r = rng.random()
        if queue and tables and r < 0.12:
            head = queue[0]
            if head.entity != "PRIVATE_KEY" and head.kind not in ("pem_public", "pem_placeholder"):
                col = _table_header(head)
                rows: list[list[str]] = []
                marks: list[Mark] = []
                while queue and len(rows) < 6 and _table_header(queue[0]) == col and queue[0].entity != "PRIVATE_KEY":
                    it = queue.pop(0)
                    rows.append([fill(rng, "{person}"), it.value, fill(rng, "{city}")])
                    marks.append(Mark(it, f"row {len(rows) + 1}", "office_table"))
                doc.add(("table", ["Name", col, "Office"], rows), marks)
                size += sum(len(" ".join(r)) for r in rows)
                continue
        if queue and (queue[0].entity == "PRIVATE_KEY" and not queue[0].decoy or
                      queue[0].kind in ("pem_public", "pem_placeholder")):
            it = queue.pop(0)
            lines = key_block(rng, it)
            doc.add(("pre", lines), [Mark(it, "", "key_block" if not it.decoy else "prose")])
            size += sum(len(x) for x in lines)
            continue
        if rng.random() < 0.06:
            doc.add(("h", fill(rng, "{project} {doc}").title()))
        sents, marks = [], []
        for _ in range(rng.randint(1, 5)):
            # Spread the values over the document: the chance is what is left over the sentences still to come.
            share = len(queue) / max(1.0, (target - size) / 90)
            if queue and rng.random() < share and queue[0].entity != "PRIVATE_KEY" \
                    and queue[0].kind not in ("pem_public", "pem_placeholder"):
                it = queue.pop(0)
                text, sit = sentence(rng, it)
                sents.append(text)
                marks.append(Mark(it, "", sit))
            else:
                sents.append(benign(rng))
        para = " ".join(sents)
        doc.add(("p", para), marks)
        size += len(para)
    return doc


def _protect(text: str, marks: list[Mark]) -> str:
    for m in marks:
        text = text.replace(m.written, m.written.replace(" ", "\x00").replace("-", "\x01"))
    return text


def _wrap(text: str, marks: list[Mark], width: int) -> list[str]:
    """``text`` wrapped at ``width`` without ever cutting a value."""
    import textwrap

    lines = textwrap.wrap(_protect(text, marks), width, break_long_words=False, break_on_hyphens=False)
    return [ln.replace("\x00", " ").replace("\x01", "-") for ln in lines]


def render_text(doc: Doc, md: bool, wrap: int | None) -> str:
    """Plain text or Markdown."""
    out: list[str] = []
    for i, b in enumerate(doc.blocks):
        marks = doc.marks[i]
        if b[0] == "h":
            out += [("# " if i == 0 else "## ") + b[1] if md else b[1], ""]
        elif b[0] == "p":
            out += [*(_wrap(b[1], marks, wrap) if wrap else [b[1]]), ""]
        elif b[0] == "pre":
            out += [b[1][0], *(["```"] if md else []), *b[1][1:], *(["```"] if md else []), ""]
        else:
            header, rows = b[1], b[2]
            if md:
                out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                out += ["| " + " | ".join(r) + " |" for r in rows]
            else:
                out += ["  ".join(header), *("  ".join(r) for r in rows)]
            out.append("")
    text = "\n".join(out)
    _line_hints(text, doc.all_marks())
    return text


def render_html(doc: Doc) -> str:
    """An HTML page: headings, paragraphs, tables, <pre> blocks (all visible text)."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html_escape(doc.title)}</title>", "<style>td{padding:2px 8px}</style></head><body>"]
    for i, b in enumerate(doc.blocks):
        for m in doc.marks[i]:
            m.where = f"block {i + 1}" + (f" {m.where}" if m.where else "")
        if b[0] == "h":
            out.append(f"<h{1 if i == 0 else 2}>{html_escape(b[1])}</h{1 if i == 0 else 2}>")
        elif b[0] == "p":
            out.append(f"<p>{html_escape(b[1], quote=False)}</p>")
        elif b[0] == "pre":
            out += [f"<p>{html_escape(b[1][0])}</p>", "<pre>" + "\n".join(b[1][1:]) + "</pre>"]
        else:
            out.append("<table><tr>" + "".join(f"<th>{html_escape(h)}</th>" for h in b[1]) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{html_escape(c, quote=False)}</td>" for c in r) + "</tr>" for r in b[2]]
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_docx(doc: Doc) -> bytes:
    """A Word document: headings, paragraphs, tables, key blocks one line per paragraph."""
    import docx

    d = docx.Document()
    for i, b in enumerate(doc.blocks):
        for m in doc.marks[i]:
            m.where = f"paragraph/table block {i + 1}" + (f" {m.where}" if m.where else "")
        if b[0] == "h":
            d.add_heading(b[1], level=0 if i == 0 else 2)
        elif b[0] == "p":
            d.add_paragraph(b[1])
        elif b[0] == "pre":
            for ln in b[1]:
                d.add_paragraph(ln)
        else:
            t = d.add_table(rows=len(b[2]) + 1, cols=len(b[1]))
            for c, h in enumerate(b[1]):
                t.cell(0, c).text = h
            for r, row in enumerate(b[2], 1):
                for c, val in enumerate(row):
                    t.cell(r, c).text = val
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip_times(buf.getvalue())


def _fixed_zip_times(data: bytes, odf: bool = False) -> bytes:
    """The same zip with every member dated 1980-01-01 and the clock taken out of the document properties
    (python-docx, python-pptx, openpyxl and odfpy stamp it); for OpenDocument (``odf``) the ``mimetype`` member
    stays first and stored, and the XML parts' namespace declarations are made canonical."""
    import re

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            if odf and info.filename.endswith(".xml"):
                body = _sorted_namespaces(body)
            if odf and info.filename == "meta.xml":
                body = re.sub(rb"(<(meta:creation-date|dc:date)>)[^<]*", rb"\g<1>2024-01-01T00:00:00", body)
                body = re.sub(rb"<meta:generator>[^<]*", b"<meta:generator>quality-corpus", body)
            z.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), body,
                       zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def render_odt(doc: Doc) -> bytes:
    """An OpenDocument text: paragraphs, headings, tables."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    odt = OpenDocumentText()
    for i, b in enumerate(doc.blocks):
        for m in doc.marks[i]:
            m.where = f"block {i + 1}" + (f" {m.where}" if m.where else "")
        if b[0] == "h":
            odt.text.addElement(H(outlinelevel=1 if i == 0 else 2, text=b[1]))
        elif b[0] == "p":
            odt.text.addElement(P(text=b[1]))
        elif b[0] == "pre":
            for ln in b[1]:
                odt.text.addElement(P(text=ln))
        else:
            t = Table(name=f"Table{i}")
            t.addElement(TableColumn(numbercolumnsrepeated=len(b[1])))
            for row in [b[1], *b[2]]:
                tr = TableRow()
                for val in row:
                    tc = TableCell(valuetype="string")
                    tc.addElement(P(text=val))
                    tr.addElement(tc)
                t.addElement(tr)
            odt.text.addElement(t)
    return _odf_bytes(odt)


def _odf_bytes(doc: Any) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip_times(buf.getvalue(), odf=True)


def _sorted_namespaces(xml: bytes) -> bytes:
    """The root element's ``xmlns:`` declarations that the document uses, sorted (odfpy declares every namespace
    the process has used so far, in no fixed order)."""
    import re

    m = re.search(rb"<[A-Za-z:-]+((?:\s+xmlns:[A-Za-z0-9-]+=\"[^\"]*\")+)", xml)
    if not m:
        return xml
    rest = xml[:m.start(1)] + xml[m.end(1):]
    used = set(re.findall(rb"[<\s/]([A-Za-z0-9-]+):[A-Za-z]", rest))
    decls = sorted(d for d in re.findall(rb'xmlns:([A-Za-z0-9-]+)(="[^"]*")', m.group(1)) if d[0] in used)
    return xml[:m.start(1)] + b"".join(b" xmlns:" + p + v for p, v in decls) + xml[m.end(1):]


def _pdf_lines(doc: Doc, width: int = 95) -> tuple[list[str], list[tuple[int, Mark]]]:
    lines: list[str] = []
    at: list[tuple[int, Mark]] = []
    for i, b in enumerate(doc.blocks):
        start = len(lines)
        if b[0] == "h":
            lines += [b[1], ""]
        elif b[0] == "p":
            lines += [*_wrap(b[1], doc.marks[i], width), ""]
        elif b[0] == "pre":
            lines += [*b[1], ""]
        else:
            lines += ["    ".join(b[1]), *("    ".join(r) for r in b[2]), ""]
        for m in doc.marks[i]:
            k = next(j for j in range(start, len(lines)) if m.written.split("\n")[0] in lines[j])
            at.append((k, m))
    return lines, at


def render_pdf(doc: Doc) -> bytes:
    """A PDF of Helvetica text lines, 48 lines a page (written like the extraction fixtures' PDFs)."""
    make_pdf = _fixtures().make_pdf
    lines, at = _pdf_lines(doc)
    per = 48
    for k, m in at:
        m.where = f"page {k // per + 1} line {k % per + 1}"
    return make_pdf([lines[i:i + per] for i in range(0, len(lines), per)] or [[""]])


def _fixtures() -> Any:
    # The extraction tests' builders (a minimal PDF writer, ...): imported by path, tests is no package.
    here = Path(__file__).resolve().parents[1] / "tests" / "data" / "extract"
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    import extract_fixtures

    return extract_fixtures


def _rtf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")


def render_rtf(doc: Doc) -> str:
    """An RTF document: one \\par per paragraph and per key or table line, table cells split by \\tab."""
    out = [r"{\rtf1\ansi\deff0{\fonttbl{\f0\fswiss Helvetica;}}\f0\fs22"]
    for i, b in enumerate(doc.blocks):
        for m in doc.marks[i]:
            m.where = f"paragraph {i + 1}" + (f" {m.where}" if m.where else "")
        if b[0] in ("h", "p"):
            out.append((r"{\b " + _rtf_escape(b[1]) + "}" if b[0] == "h" else _rtf_escape(b[1])) + r"\par")
        elif b[0] == "pre":
            out += [_rtf_escape(ln) + r"\par" for ln in b[1]]
        else:
            out += [r"\tab ".join(_rtf_escape(c) for c in r) + r"\par" for r in [b[1], *b[2]]]
    out.append("}")
    return "\n".join(out) + "\n"


def render_pptx(rng: random.Random, doc: Doc) -> bytes:
    """Slides of a few blocks each: text boxes, tables, and now and then the speaker notes."""
    import pptx
    from pptx.util import Inches, Pt

    pr = pptx.Presentation()
    slide = None
    n = 0
    for i, b in enumerate(doc.blocks):
        if slide is None or b[0] in ("h", "table", "pre") or rng.random() < 0.3:
            slide = pr.slides.add_slide(pr.slide_layouts[5])
            n += 1
            slide.shapes.title.text = b[1] if b[0] == "h" else doc.title
            box = slide.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(5)).text_frame
            box.word_wrap = True
            first = True
        if b[0] == "h":
            continue
        if b[0] == "table":
            tbl = slide.shapes.add_table(len(b[2]) + 1, len(b[1]), Inches(0.5), Inches(1.5), Inches(9),
                                         Inches(0.4 * (len(b[2]) + 1))).table
            for r, row in enumerate([b[1], *b[2]]):
                for c, val in enumerate(row):
                    tbl.cell(r, c).text = val
            where = f"slide {n} table"
        elif b[0] == "p" and rng.random() < 0.2:
            notes = slide.notes_slide.notes_text_frame
            if notes.text:  # a slide's second note goes below its first (setting .text would replace it)
                notes.add_paragraph().text = b[1]
            else:
                notes.text = b[1]
            where = f"slide {n} notes"
        else:
            for ln in ([b[1]] if b[0] == "p" else b[1]):
                p = box.paragraphs[0] if first else box.add_paragraph()
                p.text = ln
                p.font.size = Pt(12)
                first = False
            where = f"slide {n}"
        for m in doc.marks[i]:
            m.where = where + (f" {m.where}" if m.where else "")
    buf = io.BytesIO()
    pr.save(buf)
    return _fixed_zip_times(buf.getvalue())


# ------------------------------------------------------------------------------------------------------ tables

# Column header -> the entity whose values it holds, or a filler kind. "reference" takes the look-alikes.
_SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("customer_id", "seq"), ("first_name", "first"), ("last_name", "last"),
                  ("email", "EMAIL_ADDRESS"), ("phone", "PHONE_NUMBER"), ("city", "city"), ("signup_date", "date"),
                  ("reference", "")),
    "payments": (("payment_id", "seq"), ("date", "date"), ("customer", "person"), ("card_number", "CREDIT_CARD"),
                 ("exp", "exp"), ("amount", "amount"), ("status", "status"), ("iban", "IBAN_CODE"),
                 ("reference", "")),
    "employees": (("emp_id", "seq"), ("name", "person"), ("ssn", "US_SSN"), ("passport_no", "US_PASSPORT"),
                  ("department", "team"), ("start_date", "date"), ("mobile", "PHONE_NUMBER"), ("reference", "")),
    "network": (("seen_at", "stamp"), ("host", "host"), ("src_ip", "IP_ADDRESS"), ("dst_port", "port"),
                ("bytes", "qty"), ("action", "action"), ("reference", "")),
    "credentials": (("service", "system"), ("username", "user"), ("password", "GENERIC_SECRET"),
                    ("aws_access_key_id", "AWS_ACCESS_KEY_ID"), ("api_token", "TOKEN"),
                    ("private_key", "PRIVATE_KEY"), ("reference", "")),
}
_ENTITY_SCHEMA = {"EMAIL_ADDRESS": "customers", "PHONE_NUMBER": "customers", "CREDIT_CARD": "payments",
                  "IBAN_CODE": "payments", "US_SSN": "employees", "US_PASSPORT": "employees",
                  "IP_ADDRESS": "network", "AWS_ACCESS_KEY_ID": "credentials", "GITHUB_TOKEN": "credentials",
                  "SLACK_TOKEN": "credentials", "GENERIC_SECRET": "credentials", "PRIVATE_KEY": "credentials"}
_COLUMN_OF = {"GITHUB_TOKEN": "TOKEN", "SLACK_TOKEN": "TOKEN"}
_FILLERS: dict[str, Callable[[random.Random], str]] = {
    "first": lambda rng: rng.choice(FIRST_NAMES), "last": lambda rng: rng.choice(LAST_NAMES),
    "person": lambda rng: fill(rng, "{person}"), "city": lambda rng: rng.choice(CITIES),
    "date": lambda rng: f"{rng.randint(2015, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    "exp": lambda rng: f"{rng.randint(1, 12):02d}/{rng.randint(26, 32)}",
    "amount": lambda rng: f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}",
    "status": lambda rng: rng.choice(("settled", "pending", "refunded", "declined", "settled")),
    "team": lambda rng: rng.choice(TEAMS), "host": lambda rng: fill(rng, "{host}"),
    "stamp": lambda rng: f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
                         f"{rng.randint(0, 59):02d}",
    "port": lambda rng: str(rng.choice((22, 80, 443, 3306, 5432, 8080, 8443))),
    "qty": lambda rng: str(rng.randint(40, 990000)),
    "action": lambda rng: rng.choice(("allow", "allow", "deny", "reset")),
    "system": lambda rng: rng.choice(("jenkins", "grafana", "billing-db", "sftp", "crm", "vpn", "wiki", "smtp")),
    "user": lambda rng: rng.choice(FIRST_NAMES).lower() + rng.choice(("", ".svc", "_admin", "")),
}


def _schema_of(item: Item) -> str:
    if item.kind in ("pem_public", "pem_placeholder"):
        return "credentials"
    if item.kind in ("aws_placeholder", "github_placeholder", "github_bad_checksum", "slack_placeholder",
                     "secret_placeholder"):
        return "credentials"
    if item.entity in _ENTITY_SCHEMA and item.kind not in _GENERIC_TABLE:
        return _ENTITY_SCHEMA[item.entity]
    return ("customers", "payments", "employees", "network")[sum(map(ord, item.kind)) % 4]


def _column_of(schema: str, item: Item) -> int:
    cols = _SCHEMAS[schema]
    want = "" if item.kind in _GENERIC_TABLE or item.entity not in _ENTITY_SCHEMA else _COLUMN_OF.get(item.entity,
                                                                                                      item.entity)
    if item.kind == "secret_placeholder":
        want = "GENERIC_SECRET"
    if item.kind == "card_in_iban":  # it is an IBAN: it sits in the IBAN column
        want = "IBAN_CODE"
    if item.entity == "PHONE_NUMBER" and schema == "employees":
        want = "PHONE_NUMBER"
    return next(i for i, (_, k) in enumerate(cols) if k == want)


@dataclass(slots=True)
class Sheet:
    """A table: ``cells[(row, col)]`` hold the items (row 0 is the header); the other cells are filler."""

    name: str
    schema: str
    rows: int
    cells: dict[tuple[int, int], Item] = field(default_factory=dict)

    def header(self) -> list[str]:
        return [h for h, _ in _SCHEMAS[self.schema]]

    def row(self, rng: random.Random, r: int) -> list[str | int | None]:
        out: list[str | int | None] = []
        for c, (_, kind) in enumerate(_SCHEMAS[self.schema]):
            it = self.cells.get((r, c))
            if it is not None:
                out.append(it.value)
            elif kind == "seq":
                out.append(str(1000 + r))
            elif kind in _FILLERS:
                out.append(_FILLERS[kind](rng))
            else:
                out.append(None)
        return out


def make_sheets(rng: random.Random, items: list[Item], big_rows: int, name_prefix: str = "") -> list[Sheet]:
    """Tables holding ``items`` in the columns that name them, one per schema; the first ones are big, so many
    values sit thousands of rows below their header."""
    by_schema: dict[str, list[Item]] = {}
    for it in items:
        by_schema.setdefault(_schema_of(it), []).append(it)
    sheets = []
    for k, schema in enumerate(s for s in _SCHEMAS if s in by_schema):
        its = by_schema[schema]
        rows = big_rows if k < 2 and big_rows else max(20, len(its) * rng.randint(2, 12))
        sheet = Sheet(f"{name_prefix}{schema.title()}", schema, rows)
        for it in its:
            c = _column_of(schema, it)
            while True:
                r = rng.randint(1, rows)
                if (r, c) not in sheet.cells:
                    sheet.cells[(r, c)] = it
                    break
        sheets.append(sheet)
    return sheets


def _situation(r: int) -> str:
    return "column_far" if r > 1000 else "column"


def render_delimited(rng: random.Random, sheet: Sheet, delimiter: str) -> tuple[str, list[Mark]]:
    """CSV/TSV text of one table (quoted where needed, multi-line keys in quoted fields)."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(sheet.header())
    marks = []
    for r in range(1, sheet.rows + 1):
        w.writerow(["" if v is None else v for v in sheet.row(rng, r)])
    cols = []
    for (r, c), it in sorted(sheet.cells.items()):
        marks.append(Mark(it, "", _situation(r)))
        cols.append(c)
    text = buf.getvalue()
    _line_hints(text, marks)
    for m, c in zip(marks, cols, strict=True):  # the column's header ends the hint: scoring of column verdicts
        m.where += f" ({sheet.header()[c]})"
    return text, marks


def _cell_value(it: Item) -> str | int:
    v = it.value
    # Spreadsheets keep digit-only ids as numbers (what Excel does with a typed phone or SSN): up to 15 digits.
    if it.form == "bare" and v.isdigit() and v[0] != "0" and len(v) <= 15 and it.entity != "US_PASSPORT":
        return int(v)
    return v


def _cell_ref(r: int, c: int) -> str:
    col = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        col = chr(65 + rem) + col
    return f"{col}{r + 1}"


def render_xlsx(rng: random.Random, sheets: list[Sheet]) -> tuple[bytes, list[Mark]]:
    """An XLSX workbook, one sheet per table (written streaming, as big exports are)."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    marks = []
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        ws.append(sh.header())
        for r in range(1, sh.rows + 1):
            row = sh.row(rng, r)
            for c in range(len(row)):
                it = sh.cells.get((r, c))
                if it is not None:
                    row[c] = _cell_value(it)
            ws.append(row)
        for (r, c), it in sorted(sh.cells.items()):
            marks.append(Mark(it, f"{sh.name}!{_cell_ref(r, c)} ({sh.header()[c]})", _situation(r)))
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue()), marks


def render_xls(rng: random.Random, sheets: list[Sheet]) -> tuple[bytes, list[Mark]]:
    """A BIFF8 workbook (xlwt)."""
    import xlwt

    wb = xlwt.Workbook()
    marks = []
    for sh in sheets:
        ws = wb.add_sheet(sh.name)
        for c, h in enumerate(sh.header()):
            ws.write(0, c, h)
        for r in range(1, sh.rows + 1):
            row = sh.row(rng, r)
            for c, v in enumerate(row):
                it = sh.cells.get((r, c))
                if it is not None:
                    v = _cell_value(it)
                if v is not None:
                    ws.write(r, c, v)
        for (r, c), it in sorted(sh.cells.items()):
            marks.append(Mark(it, f"{sh.name}!{_cell_ref(r, c)} ({sh.header()[c]})", _situation(r)))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), marks


def render_ods(rng: random.Random, sheets: list[Sheet]) -> tuple[bytes, list[Mark]]:
    """An OpenDocument spreadsheet (odfpy)."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    ods = OpenDocumentSpreadsheet()
    marks = []
    for sh in sheets:
        t = Table(name=sh.name)
        for r in range(sh.rows + 1):
            row = sh.header() if r == 0 else sh.row(rng, r)
            tr = TableRow()
            for c, v in enumerate(row):
                it = sh.cells.get((r, c))
                if it is not None:
                    v = _cell_value(it)
                if v is None:
                    tr.addElement(TableCell())
                elif isinstance(v, int):
                    tc = TableCell(valuetype="float", value=v)
                    tc.addElement(P(text=str(v)))
                    tr.addElement(tc)
                else:
                    tc = TableCell(valuetype="string")
                    for ln in v.split("\n"):
                        tc.addElement(P(text=ln))
                    tr.addElement(tc)
            t.addElement(tr)
        ods.spreadsheet.addElement(t)
        for (r, c), it in sorted(sh.cells.items()):
            marks.append(Mark(it, f"{sh.name}!{_cell_ref(r, c)} ({sh.header()[c]})", _situation(r)))
    return _odf_bytes(ods), marks


# -------------------------------------------------------------------------------------------------------- logs

_LOG_COLD: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": ("retrying authorisation for {v} (attempt {days})", "charge ok {v} amount={amount}"),
    "US_SSN": ("profile updated for {person} {v}",),
    "EMAIL_ADDRESS": ("login ok user={v} from {host}", "invitation accepted by {v}", "bounce from <{v}>"),
    "PHONE_NUMBER": ("sms sent to {v} status=delivered", "voice callback queued for {v}"),
    "IBAN_CODE": ("sepa credit transfer to {v} queued", "payout {id} beneficiary {v}"),
    "IP_ADDRESS": ("connection from {v} port {id} closed", "upstream {v} marked down after {qty} errors"),
    "AWS_ACCESS_KEY_ID": ("using credentials {v} from environment", "s3 upload signed with {v}"),
    "GITHUB_TOKEN": ("cloning with {v}", "webhook secret rotated, deploy uses {v}"),
    "SLACK_TOKEN": ("posting to #alerts with {v}", "bot started with {v}"),
}
_LOG_HOT: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": ("payment declined card_number={v} reason=do_not_honor", "DEBUG request body card={v}"),
    "US_SSN": ("kyc check ssn={v} result=match", "validation failed for SSN {v}"),
    "EMAIL_ADDRESS": ("password reset mail sent to {v}", "verified email={v}"),
    "PHONE_NUMBER": ("callback requested tel={v}", "mobile={v} verified by otp", "phone: {v} updated"),
    "IBAN_CODE": ("iban={v} validated", "IBAN {v} added to payee list"),
    "IP_ADDRESS": ("client_ip={v} rate limited", "blocked ip {v}"),
    "US_PASSPORT": ("document check passport_number={v} ok", "passport {v} expired, asked for renewal"),
    "AWS_ACCESS_KEY_ID": ("aws_access_key_id={v}", "AWS_ACCESS_KEY_ID={v} loaded"),
    "GITHUB_TOKEN": ("Authorization: token {v}", "GITHUB_TOKEN={v}"),
    "SLACK_TOKEN": ("slack_token={v}", "SLACK_BOT_TOKEN={v}"),
}
_LOG_SECRET = ("config loaded: db.password={v}", "env {key}={v}", "auth failed for user=app {key}={v}",
               "settings: {key}: {v}")


class LogWriter:
    """Lines of an application log (ISO time, level, service, pid) or of an nginx access log."""

    def __init__(self, rng: random.Random, access: bool) -> None:
        self.rng = rng
        self.access = access
        self.ts = rng.randint(1_700_000_000, 1_730_000_000)

    def _stamp(self) -> str:
        import time

        self.ts += self.rng.randint(0, 40)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.ts))

    def line(self, msg: str) -> str:
        rng = self.rng
        return f"{self._stamp()} {rng.choice(LOG_LEVELS)} {rng.choice(SERVICES)}[{rng.randint(100, 32000)}]: {msg}"

    def access_line(self, ip: str) -> str:
        import time

        rng = self.rng
        self.ts += rng.randint(0, 5)
        when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.ts))
        return (f'{ip} - - [{when}] "GET {fill(rng, "{path}")} HTTP/1.1" {rng.choice((200, 200, 304, 404, 500))} '
                f'{rng.randint(200, 90000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"')

    def benign(self) -> str:
        rng = self.rng
        if self.access:
            ip = f"{rng.choice((10, 172, 192))}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            return self.access_line(ip)  # an IP address: planted by the caller, see lines()
        return self.line(benign_log(rng))

    def lines_for(self, item: Item) -> tuple[list[str], str]:
        """The log line(s) holding ``item`` and its situation."""
        rng = self.rng
        if item.entity == "PRIVATE_KEY" and not item.decoy or item.kind in ("pem_public", "pem_placeholder"):
            return [self.line("DEBUG loaded signing key:"), *item.value.split("\n")], "log"
        if item.decoy:
            if item.kind == "secret_placeholder":
                return [self.line(fill(rng, rng.choice(_LOG_SECRET), v=item.value, key="password"))], "log"
            text, _ = sentence(rng, item)
            return [self.line(text)], "log"
        if item.entity == "IP_ADDRESS" and self.access:
            return [self.access_line(item.value)], "log"
        if item.entity == "GENERIC_SECRET":
            return [self.line(fill(rng, rng.choice(_LOG_SECRET), v=item.value, key=item.extra["key"]))], "log"
        hot = item.needs_context or rng.random() < 0.4 or item.entity not in _LOG_COLD
        tpl = rng.choice((_LOG_HOT if hot else _LOG_COLD)[item.entity])
        return [self.line(fill(rng, tpl, v=item.value, **item.extra))], "log"


def render_log(rng: random.Random, items: list[Item], target: int, access: bool) -> tuple[str, list[Mark]]:
    """A log of about ``target`` characters holding ``items``. An access log's every line starts with a client
    IP: those are planted values too (listed), so a scanner is scored on each of them."""
    w = LogWriter(rng, access)
    out: list[str] = []
    marks: list[Mark] = []
    queue = list(items)
    size = 0
    vals = Values(rng) if access else None
    while queue or size < target:
        share = len(queue) / max(1.0, (target - size) / 110)
        if queue and rng.random() < share:
            it = queue.pop(0)
            lines, sit = w.lines_for(it)
            marks.append(Mark(it, "", sit))
        elif vals is not None:
            ip = vals.ip().value if rng.random() < 0.02 else None
            if ip is None:
                lines = [w.access_line(f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}")]
            else:
                lines = [w.access_line(ip)]
            ip_item = Item("IP_ADDRESS", lines[0].split(" ", 1)[0])
            marks.append(Mark(ip_item, "", "log"))
        else:
            lines = [w.benign()]
        out += lines
        size += sum(len(x) + 1 for x in lines)
    text = "\n".join(out) + "\n"
    _line_hints(text, marks)
    return text, marks


# ------------------------------------------------------------------------------------------------- JSON and XML

_FIELD = {"CREDIT_CARD": "card_number", "US_SSN": "ssn", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone",
          "IBAN_CODE": "iban", "IP_ADDRESS": "last_login_ip", "US_PASSPORT": "passport_number",
          "AWS_ACCESS_KEY_ID": "aws_access_key_id", "GITHUB_TOKEN": "github_token", "SLACK_TOKEN": "slack_token",
          "PRIVATE_KEY": "private_key"}
_DECOY_FIELD = {"order_number": "order_ref", "version": "version", "oid": "policy_oid", "uuid": "request_id",
                "isbn13": "isbn", "epoch": "ts", "amount": "amount", "datetime": "updated_at", "hex_id": "etag",
                "mac_address": "mac", "ip_out_of_range": "gateway", "email_like": "asset",
                "secret_placeholder": "password", "pem_public": "public_key", "pem_placeholder": "private_key"}


def _field_name(rng: random.Random, it: Item) -> str:
    if it.kind in _DECOY_FIELD:
        return _DECOY_FIELD[it.kind]
    if it.entity == "GENERIC_SECRET":
        return it.extra["key"]
    name = _FIELD[it.entity]
    if it.entity == "PHONE_NUMBER":
        name = rng.choice(("phone", "mobile", "tel", "contact_phone"))
    return name


def render_json(rng: random.Random, items: list[Item], target: int) -> tuple[str, list[Mark]]:
    """Pretty-printed records (``indent=2``): values in fields named for them, or in a free-text ``note``."""
    recs: list[dict[str, Any]] = []
    marks: list[Mark] = []
    queue = list(items)
    size = 0
    while queue or size < target:
        rec: dict[str, Any] = {"id": int(_safe_id(rng)), "name": fill(rng, "{person}"), "team": rng.choice(TEAMS),
                               "created": _FILLERS["date"](rng)}
        for _ in range(rng.randint(0, 3)):
            share = len(queue) / max(1.0, (target - size) / 60)
            if not queue or rng.random() >= share:
                continue
            it = queue.pop(0)
            if rng.random() < 0.25 and it.entity != "PRIVATE_KEY" and it.kind not in ("pem_public", "pem_placeholder"):
                text, sit = sentence(rng, it)
                rec["note"] = rec["note"] + " " + text if "note" in rec else text
                marks.append(Mark(it, "", sit, json.dumps(it.value)[1:-1]))
                continue
            key = _field_name(rng, it)
            if key in rec:
                key += f"_{len(rec)}"
            val: Any = int(it.value) if it.form == "bare" and it.value.isdigit() and it.value[0] != "0" and \
                rng.random() < 0.3 else it.value
            if it.entity == "CREDIT_CARD" and not it.decoy and "payment" not in rec and rng.random() < 0.5:
                rec["payment"] = {"method": "card", key: val, "exp": f"{it.extra['mm']}/{it.extra['yy']}"}
            else:
                rec[key] = val
            marks.append(Mark(it, "", "field", json.dumps(it.value)[1:-1]))
        line = json.dumps(rec, indent=2)
        recs.append(rec)
        size += len(line)
    text = json.dumps(recs, indent=2) + "\n"
    _line_hints(text, marks)
    return text, marks


def service_account_json(rng: random.Random, key: Item) -> tuple[str, list[Mark]]:
    """A cloud service-account key file: the PEM key with ``\\n`` escapes, and its account's e-mail address."""
    project = f"{rng.choice(PROJECTS).lower()}-{rng.randint(100000, 999999)}"
    addr = f"{rng.choice(SERVICES)}-{rng.randint(1, 99)}@{project}.iam.gserviceaccount.com"
    email = Item("EMAIL_ADDRESS", addr)
    doc = {"type": "service_account", "project_id": project, "private_key_id": rng.randbytes(20).hex(),
           "private_key": key.value + "\n", "client_email": addr, "client_id": _digits(rng, 21),
           "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token"}
    text = json.dumps(doc, indent=2) + "\n"
    marks = [Mark(key, "", "field", json.dumps(key.value)[1:-1]), Mark(email, "", "field")]
    _line_hints(text, marks)
    return text, marks


def _xml_text(v: str) -> str:
    return xml_escape(v)


def render_xml(rng: random.Random, items: list[Item], target: int) -> tuple[str, list[Mark]]:
    """Records as elements (a value as element text or as an attribute), and config-style ``<add key value>``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<export>"]
    marks: list[Mark] = []
    queue = list(items)
    size = 0
    while queue or size < target:
        share = len(queue) / max(1.0, (target - size) / 150)
        if queue and rng.random() < share:
            it = queue.pop(0)
            key = _field_name(rng, it)
            r = rng.random()
            if it.decoy or it.entity in ("PRIVATE_KEY",) or r < 0.5:
                body = f"<{key}>{_xml_text(it.value)}</{key}>"
                sit = "field"
            elif it.entity in SECRETS and r < 0.8:
                body = f"<add key={quoteattr(key)} value={quoteattr(it.value)}/>"
                sit = "field"
            elif it.entity == "GENERIC_SECRET":
                body = (f'<add name="db" connectionString="Server={fill(rng, "{host}")};Database=orders;'
                        f'User Id=app;Password={_xml_text(it.value)};"/>')
                sit = "field"
            elif r < 0.8:
                body = f"<{key} value={quoteattr(it.value)}/>"
                sit = "field"
            else:
                text, sit = sentence(rng, it)
                body = f"<note>{_xml_text(text)}</note>"
            marks.append(Mark(it, "", sit, _xml_text(it.value)))
        else:
            body = f"<note>{_xml_text(benign(rng))}</note>"
        rec = (f'  <record id="{_safe_id(rng)}" created="{_FILLERS["date"](rng)}">'
               f"<owner>{fill(rng, '{person}')}</owner>{body}</record>")
        out.append(rec)
        size += len(rec) + 1
    out.append("</export>")
    text = "\n".join(out) + "\n"
    _line_hints(text, marks)
    return text, marks


# -------------------------------------------------------------------------------------------- chunk boundaries

def _exact(rng: random.Random, n: int) -> str:
    """Benign words of exactly ``n`` characters (space-padded)."""
    words: list[str] = []
    size = 0
    while True:
        w = benign(rng).split()
        for x in w:
            if size + len(x) + 1 > n:
                return (" ".join(words)).ljust(n)
            words.append(x)
            size += len(x) + 1


def render_boundary(rng: random.Random, items: list[Item], offsets: list[int], kind: str) -> tuple[str, list[Mark]]:
    """A file whose ``items`` straddle ``offsets`` (each value covers a character within 20 of its offset).
    ``kind``: ``line`` (one line of prose), ``json`` (one line of minified JSON), ``log`` (a multi-line log)."""
    log = LogWriter(rng, access=False)
    pieces: list[str] = ["["] if kind == "json" else []
    size = len(pieces[0]) if pieces else 0
    marks: list[Mark] = []

    def unit(text: str) -> str:
        if kind == "json":
            return json.dumps({"id": int(_safe_id(rng)), "note": text}, separators=(",", ":")) + ","
        if kind == "log":
            return log.line(text) + "\n"
        return text + " "

    def pad(n: int) -> str:
        if kind == "json":
            return '{"n":"' + _exact(rng, n - 9) + '"},'
        if kind == "log":
            head = log.line("")
            return head + _exact(rng, n - len(head) - 1) + "\n"
        return _exact(rng, n - 1) + " "

    for it, off in zip(items, offsets, strict=True):
        text, sit = sentence(rng, it) if kind != "log" else (log.lines_for(it)[0][0].split(": ", 1)[1], "log")
        u = unit(text)
        written = json.dumps(it.value)[1:-1] if kind == "json" else it.value
        i = u.find(written)
        c = off + rng.randint(-20, 20)
        start = c - rng.randint(0, len(written) - 1) - i
        while start - size > 400:
            f = unit(benign(rng) if kind != "log" else benign_log(rng))
            if size + len(f) > start - 120:
                break
            pieces.append(f)
            size += len(f)
        p = pad(start - size)
        pieces += [p, u]
        size += len(p) + len(u)
        marks.append(Mark(it, f"offset {start + i}", "boundary", written))
    for _ in range(20):
        f = unit(benign(rng))
        pieces.append(f)
    text = "".join(pieces)
    text = text + '{"end":true}]\n' if kind == "json" else text.rstrip(" ") + "\n"
    for m in marks:  # the promise of this file: each value straddles its offset
        at = int(m.where.split()[1])
        assert text[at:at + len(m.written)] == m.written
    return text, marks


# --------------------------------------------------------------------------------------------- mail and archives

_ATTACH_KINDS = (("txt", "text/plain"), ("csv", "text/csv"), ("docx", "application/vnd.openxmlformats-officedocument."
                                                                      "wordprocessingml.document"),
                 ("pdf", "application/pdf"), ("xlsx", "application/vnd.openxmlformats-officedocument."
                                                      "spreadsheetml.sheet"),
                 ("json", "application/json"), ("log", "text/plain"))
_MEMBER_STEMS = {"txt": "notes", "csv": "export", "docx": "report", "pdf": "statement", "xlsx": "workbook",
                 "json": "records", "log": "app", "eml": "forwarded", "xml": "feed", "zip": "bundle"}


def _split(items: list[Item], k: int) -> list[list[Item]]:
    return [items[i::k] for i in range(k)]


class Builder:
    """Writes each family's files; ``marks`` come back with their member paths."""

    def __init__(self, rng: random.Random, vals: Values, keys: PrivateKeys, scale: float) -> None:
        self.rng = rng
        self.vals = vals
        self.keys = keys
        self.scale = scale

    def member(self, ext: str, items: list[Item], target: int, depth: int) -> tuple[bytes, list[Mark]]:
        """A file of format ``ext`` holding ``items``, to go inside a mail or an archive."""
        rng = self.rng
        if ext in ("txt", "md"):
            doc = make_doc(rng, items, target)
            text = render_text(doc, ext == "md", 78 if rng.random() < 0.5 else None)
            return text.encode(), doc.all_marks()
        if ext == "csv":
            sheets = make_sheets(rng, items, max(50, target // 80)) or [Sheet("Customers", "customers", 50)]
            parts, marks = [], []
            for sh in sheets[:1]:
                t, m = render_delimited(rng, sh, ",")
                parts.append(t)
                marks += m
            rest = [it for sh in sheets[1:] for it in sh.cells.values()]
            if rest:  # one CSV holds one table: the rest go into a text note beside it
                doc = make_doc(rng, rest, 0, tables=False)
                t = render_text(doc, False, None)
                return (parts[0] + "\n" + t).encode(), marks + doc.all_marks()
            return parts[0].encode(), marks
        if ext == "xlsx":
            return render_xlsx(rng, make_sheets(rng, items, max(40, target // 100)) or [Sheet("Data", "network", 40)])
        if ext == "json":
            t, m = render_json(rng, items, target)
            return t.encode(), m
        if ext == "xml":
            t, m = render_xml(rng, items, target)
            return t.encode(), m
        if ext == "log":
            t, m = render_log(rng, items, target, access=False)
            return t.encode(), m
        if ext == "docx":
            doc = make_doc(rng, items, target)
            return render_docx(doc), doc.all_marks()
        if ext == "pdf":
            doc = make_doc(rng, items, target)
            return render_pdf(doc), doc.all_marks()
        if ext == "eml":
            return self.eml(items, target, depth + 1)
        if ext == "zip":
            return self.archive("zip", items, target, depth + 1)
        raise ValueError(ext)

    def eml(self, items: list[Item], target: int, depth: int = 0) -> tuple[bytes, list[Mark]]:
        """A message: headers with addresses, a plain or HTML body, attachments of other families (and at the
        top level now and then a forwarded message or a zip with its own members)."""
        rng = self.rng
        marks: list[Mark] = []
        sender, to = self.vals.email(), [self.vals.email() for _ in range(rng.randint(1, 2))]
        m = EmailMessage()
        m["From"] = f"{fill(rng, '{person}')} <{sender.value}>"
        m["To"] = ", ".join(t.value for t in to)
        m["Subject"] = fill(rng, "{adj} {doc} for {project}")
        m["Date"] = "Mon, 15 Jan 2024 09:30:00 +0000"
        m["Message-ID"] = f"<{rng.randbytes(8).hex()}@mail.{rng.choice(_DOMAINS)}.com>"
        for it in (sender, *to):
            marks.append(Mark(it, "headers", "mail_header"))
        n_att = rng.randint(0, 3) if items else 0
        groups = _split(items, n_att + 1)
        doc = make_doc(rng, groups[0], min(target, 6000), tables=False)
        if rng.random() < 0.25:
            m.set_content(render_html(doc), subtype="html")
            for mk in doc.all_marks():
                mk.where = "body (html) " + mk.where
        else:
            body = render_text(doc, False, 76)
            m.set_content(body)
            for mk in doc.all_marks():
                mk.where = "body " + mk.where
        marks += doc.all_marks()
        choices = [k for k in _ATTACH_KINDS]
        for g in groups[1:]:
            if depth == 0 and rng.random() < 0.15:
                ext, ctype = rng.choice((("eml", "message/rfc822"), ("zip", "application/zip")))
            else:
                ext, ctype = rng.choice(choices)
            name = f"{_MEMBER_STEMS[ext]}-{rng.randint(1, 999)}.{ext}"
            data, inner = self.member(ext, g, max(2000, target // (n_att + 1)), depth)
            if ext == "eml":
                m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
            else:
                maintype, subtype = ctype.split("/", 1)
                m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
            for mk in inner:
                mk.member = name + ("!/" + mk.member if mk.member else "")
            marks += inner
        if m.is_multipart():  # the email package draws boundaries from the global random module
            m.set_boundary(f"==={rng.randbytes(12).hex()}===")
        return m.as_bytes(), marks

    def archive(self, kind: str, items: list[Item], target: int, depth: int = 0) -> tuple[bytes, list[Mark]]:
        """A zip, tar.gz or 7z of files of other families; at the top level one of them is a nested zip."""
        rng = self.rng
        n = rng.randint(2, 5)
        groups = _split(items, n)
        members: list[tuple[str, bytes]] = []
        marks: list[Mark] = []
        folders = ("docs", "exports", "mail", "logs", "data", "2024/q3")
        for k, g in enumerate(groups):
            if depth == 0 and k == 0:
                ext = "zip"
            else:
                ext = rng.choice(("txt", "csv", "docx", "xlsx", "json", "log", "pdf", "eml", "xml"))
            name = f"{rng.choice(folders)}/{_MEMBER_STEMS.get(ext, 'file')}-{k + 1}.{ext}"
            data, inner = self.member(ext, g, max(2000, target // n), depth)
            members.append((name, data))
            for mk in inner:
                mk.member = name + ("!/" + mk.member if mk.member else "")
            marks += inner
        return pack(kind, members), marks


def pack(kind: str, members: list[tuple[str, bytes]]) -> bytes:
    """``members`` as a zip, tar.gz or 7z archive, with fixed dates (byte-identical for the same members)."""
    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                z.writestr(zipfile.ZipInfo(name, (2024, 1, 15, 9, 30, 0)), data, zipfile.ZIP_DEFLATED)
        return buf.getvalue()
    if kind == "tar.gz":
        import gzip

        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), 1705311000, 0o644
                t.addfile(info, io.BytesIO(data))
        return gzip.compress(buf.getvalue(), mtime=0)
    import py7zr

    with py7zr.SevenZipFile(buf, "w") as z:
        for name, data in members:
            z.writestr(data, name)
    return buf.getvalue()


# ----------------------------------------------------------------------------------------------------- planning

_PEM_PLACEHOLDERS = (
    "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----\n<your private key here>\n-----END PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY-----\nREDACTED\n-----END OPENSSH PRIVATE KEY-----",
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE...\n-----END EC PRIVATE KEY-----",
)


class Planner:
    """Draws the values and decoys of each family: ``PER_FAMILY`` per entity (scaled), as many decoys."""

    def __init__(self, rng: random.Random, vals: Values, keys: PrivateKeys, scale: float) -> None:
        self.rng, self.vals, self.keys, self.scale = rng, vals, keys, scale

    def planted(self, entity: str) -> Item:
        v = self.vals
        makers: dict[str, Callable[[], Item]] = {
            "CREDIT_CARD": v.card, "US_SSN": lambda: v.ssn(True), "EMAIL_ADDRESS": v.email,
            "PHONE_NUMBER": lambda: v.phone(True), "IBAN_CODE": v.iban, "IP_ADDRESS": v.ip,
            "US_PASSPORT": v.passport, "AWS_ACCESS_KEY_ID": v.aws_key, "GITHUB_TOKEN": v.github_token,
            "SLACK_TOKEN": v.slack_token, "GENERIC_SECRET": v.generic_secret,
            "PRIVATE_KEY": lambda: v.private_key(self.keys)}
        return makers[entity]()

    def decoy(self) -> Item:
        kinds = list(_DECOY_WEIGHTS)
        kind = self.rng.choices(kinds, [_DECOY_WEIGHTS[k] for k in kinds])[0]
        if kind == "pem_public":
            return Item("PRIVATE_KEY", self.keys.public_pem(), kind)
        if kind == "pem_placeholder":
            return Item("PRIVATE_KEY", self.rng.choice(_PEM_PLACEHOLDERS), kind)
        return self.vals.decoy(kind)

    def items(self) -> list[Item]:
        """One family's items, shuffled."""
        out: list[Item] = []
        for e in ENTITIES:
            n = PER_FAMILY_KEYS if e == "PRIVATE_KEY" else PER_FAMILY
            out += [self.planted(e) for _ in range(max(1, round(n * self.scale)))]
        out += [self.decoy() for _ in range(len(out))]
        self.rng.shuffle(out)
        return out


def _no_keys(items: list[Item]) -> tuple[list[Item], list[Item]]:
    """``items`` split into (single-line values, PEM blocks)."""
    pem = [it for it in items if it.entity == "PRIVATE_KEY"]
    return [it for it in items if it.entity != "PRIVATE_KEY"], pem


def _write_family(b: Builder, fam: str, items: list[Item], budget: int) -> list[tuple[str, bytes, list[Mark]]]:
    """The files of family ``fam``: ``(relative path, bytes, marks)``."""
    rng, scale = b.rng, b.scale
    out: list[tuple[str, bytes, list[Mark]]] = []
    n_files = max(1, round(budget / (120 * KB)))
    if fam in ("prose", "log", "json"):
        # Values across the classifier's 64 KB chunk cuts (and the extractor's 1,000,000-character component).
        plain, pem = _no_keys(items)
        k = max(1, round(6 * scale))
        offsets = [CHUNK * (i + 1) for i in range(k)]
        if scale >= 0.5 and fam != "log":
            offsets.append(COMPONENT)
        edge, items = plain[:len(offsets)], plain[len(offsets):] + pem
        kind = {"prose": "line", "json": "json", "log": "log"}[fam]
        text, marks = render_boundary(rng, edge, offsets[:len(edge)], kind)
        ext = {"prose": "txt", "json": "json", "log": "log"}[fam]
        out.append((f"boundary/{'single-line' if kind != 'log' else 'multi-line'}-{fam}.{ext}", text.encode(), marks))
        budget -= len(text)
        n_files = max(1, round(budget / (120 * KB)))
    tabular = fam in ("csv", "tsv", "xlsx", "xls", "ods")
    if tabular:  # a few files of big tables (their size comes from rows, see below), not many small ones
        n_files = max(1, round(4 * min(1.0, scale)))
    groups = _split(items, n_files)
    per = max(4 * KB, budget // n_files)
    for i, g in enumerate(groups, 1):
        size = int(per * rng.uniform(0.4, 1.6))
        if fam == "prose":
            md = i % 2 == 0
            doc = make_doc(rng, g, size)
            text = render_text(doc, md, 78 if i % 3 == 0 else None)
            stem = rng.choice(("memo", "minutes", "handover", "readme"))
            out.append((f"notes/{stem}-{i:03d}.{'md' if md else 'txt'}", text.encode(), doc.all_marks()))
        elif fam == "log":
            access = i == 1
            text, marks = render_log(rng, g, min(size, 12 * KB) if access else size, access)
            out.append((f"logs/{'access' if access else rng.choice(SERVICES)}-{i:03d}.log", text.encode(), marks))
        elif fam in ("csv", "tsv"):
            # The first two files hold tables of thousands of rows: most of their values sit far below the header.
            big = max(200, round((8000 if fam == "csv" else 6000) * min(1.0, scale))) if i <= 2 else 0
            for j, sh in enumerate(make_sheets(rng, g, big)):
                delim = "\t" if fam == "tsv" else (";" if (i + j) % 4 == 3 else ",")
                text, marks = render_delimited(rng, sh, delim)
                out.append((f"exports/{sh.schema}-{i:02d}{j}.{fam}", text.encode(), marks))
        elif fam in ("xlsx", "xls", "ods"):
            # odfpy is slow: one ODS file of big tables is enough.
            big = max(200, round({"xlsx": 6000, "xls": 5000, "ods": 5000}[fam] * min(1.0, scale))) \
                if i <= (1 if fam == "ods" else 2) else 0
            sheets = make_sheets(rng, g, big)
            render = {"xlsx": render_xlsx, "xls": render_xls, "ods": render_ods}[fam]
            for j in range(0, len(sheets), 2):
                data, marks = render(rng, sheets[j:j + 2])
                out.append((f"sheets/book-{i:02d}{j // 2}.{fam}", data, marks))
        elif fam == "json":
            plain, pem = _no_keys(g)
            for k2, key in enumerate(pem[: (len(pem) + 1) // 2]):
                text, marks = service_account_json(rng, key)
                out.append((f"keys/service-account-{i:02d}{k2}.json", text.encode(), marks))
            text, marks = render_json(rng, plain + pem[(len(pem) + 1) // 2:], size)
            out.append((f"api/records-{i:03d}.json", text.encode(), marks))
        elif fam == "xml":
            text, marks = render_xml(rng, g, size)
            out.append((f"feeds/export-{i:03d}.xml", text.encode(), marks))
        elif fam == "html":
            doc = make_doc(rng, g, size)
            out.append((f"intranet/page-{i:03d}.html", render_html(doc).encode(), doc.all_marks()))
        elif fam in ("docx", "odt", "pdf", "rtf", "pptx"):
            doc = make_doc(rng, g, size // 2 if fam in ("docx", "odt", "pptx") else size)
            if fam == "docx":
                data = render_docx(doc)
            elif fam == "odt":
                data = render_odt(doc)
            elif fam == "pdf":
                data = render_pdf(doc)
            elif fam == "rtf":
                data = render_rtf(doc).encode()
            else:
                data = render_pptx(rng, doc)
            out.append((f"documents/{rng.choice(DOCS).replace(' ', '-')}-{i:03d}.{fam}", data, doc.all_marks()))
        elif fam == "eml":
            data, marks = b.eml(g, size)
            out.append((f"mail/message-{i:03d}.eml", data, marks))
        elif fam == "archive":
            kind = ("zip", "tar.gz", "7z")[i % 3]
            data, marks = b.archive(kind, g, size)
            out.append((f"archives/backup-{i:03d}.{kind}", data, marks))
    return out


def generate(out_dir: Path, *, scale: float = 1.0, seed: int = DEFAULT_SEED) -> Manifest:
    """Write the corpus under ``out_dir`` (missing or empty) and its manifest beside it; return the manifest."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    rng = random.Random(seed)
    vals = Values(rng)
    keys = PrivateKeys(rng)
    planner = Planner(rng, vals, keys, scale)
    builder = Builder(rng, vals, keys, scale)
    manifest = Manifest(seed=seed, scale=scale)
    for fam in FAMILIES:
        items = planner.items()
        for rel, data, marks in _write_family(builder, fam, items, int(FAMILY_BYTES[fam] * MB * scale)):
            path = out_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            manifest.objects[rel] = fam
            manifest.bytes += len(data)
            for m in marks:
                it = m.item
                e = Entry(rel, m.member, it.entity, m.written, m.where, fam, m.situation, it.kind)
                if it.decoy:
                    manifest.decoys.append(e)
                    if it.kind == "card_in_iban":  # the IBAN itself is valid: a value to report
                        manifest.planted.append(Entry(rel, m.member, "IBAN_CODE", m.written, m.where, fam,
                                                      m.situation))
                else:
                    manifest.planted.append(e)
    manifest_path(out_dir).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: write a corpus and print its counts."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.quality_corpus", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(None if argv is None else list(argv))
    m = generate(args.out_dir, scale=args.scale, seed=args.seed)
    print(f"{len(m.objects)} files, {m.bytes / MB:.1f} MB, {len(m.planted)} planted values, {len(m.decoys)} decoys; "
          f"manifest {manifest_path(args.out_dir)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
