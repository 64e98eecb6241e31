"""A deterministic synthetic corpus with a ground-truth manifest, for benchmarks and recall tests.

``generate(out_dir, total_mb, seed)`` writes a tree of plain-text business files (.txt, .csv, .log, .md,
.json, .html, .xml) of English-like prose full of benign numbers (years, prices, dates, order numbers, ids),
and plants fake but *valid* sensitive values (Luhn-valid cards, SSA-range SSNs, mod-97 IBANs, e-mails, phone
numbers, IPv4 addresses) in about ``density`` of the lines, plus decoys a correct scanner must not report
(Luhn failures, SSNs out of range, IBANs with a wrong check). Every planted value and decoy is listed with its
file and 1-based line in the returned :class:`Manifest`.

``generate(..., style="prose")`` writes .txt, .md and .html prose with hardly a number instead (the same
planted values and decoys), and ``generate_export(out_dir, total_mb, seed)`` customer CSV exports with one or
more values on every line (see its docstring).

The same seed, size, density and file count always give byte-identical files and manifest: everything is
drawn from one ``random.Random(seed)`` in a fixed order (no sets, no hashing, no clock).

Command line::

    python -m benchmarks.corpus OUT_DIR --mb 50 --seed 1 [--density 0.001] [--files N] [--manifest PATH]
                                [--style business|prose|export]

writes the manifest to ``OUT_DIR/../<OUT_DIR name>.manifest.json`` unless ``--manifest`` is given.

Sizes are binary: 1 MB is 1,048,576 bytes. Files are ASCII (hence UTF-8) with ``\\n`` line ends, except the
exports: UTF-8 names and ``\\r\\n``, as spreadsheet tools write them.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

KB = 1024
MB = 1024 * KB

ENTITIES = ("CREDIT_CARD", "US_SSN", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS")
DECOY_KINDS = ("luhn_fail", "ssn_bad_range", "iban_bad_check")

# How often each entity is planted; cards and e-mails dominate real shares, IP addresses are rarer in prose.
_ENTITY_WEIGHTS = (25, 15, 15, 20, 15, 10)
# Decoys per planted value: enough to measure false positives without swamping the ground truth.
DECOY_RATIO = 0.25

# Lognormal file sizes: median 32 KB with sigma 1.2 gives a mean of ~66 KB; the clip rarely bites.
_SIZE_MEDIAN = 32 * KB
_SIZE_SIGMA = 1.2
_SIZE_MIN, _SIZE_MAX = 1 * KB, 1 * MB

# Numbers Presidio or the SSA treat as samples / placeholders: a planted SSN must never be one of them.
_SSN_PLACEHOLDERS = ("078051120", "219099999", "123456789", "987654320")


# ----------------------------------------------------------------------------------------------------------
# Manifest


@dataclass(frozen=True, slots=True)
class Planted:
    """A valid sensitive value a correct scanner must report."""

    file: str
    entity: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Decoy:
    """A look-alike value a correct scanner must not report."""

    file: str
    kind: str
    value: str
    line: int


@dataclass(slots=True)
class Manifest:
    """Ground truth for a corpus: file paths are relative to the corpus root, with ``/`` separators."""

    seed: int | None
    files: int
    total_bytes: int
    planted: list[Planted] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """The JSON form: ``{"seed", "files", "bytes", "planted": [...], "decoys": [...]}``."""
        return {
            "seed": self.seed,
            "files": self.files,
            "bytes": self.total_bytes,
            "planted": [{"file": p.file, "entity": p.entity, "value": p.value, "line": p.line}
                        for p in self.planted],
            "decoys": [{"file": d.file, "kind": d.kind, "value": d.value, "line": d.line}
                       for d in self.decoys],
        }

    def to_json(self) -> str:
        """The manifest as JSON text, one planted value or decoy per line so diffs stay readable."""
        d = self.to_dict()
        head = ",\n".join(f"  {json.dumps(k)}: {json.dumps(d[k])}" for k in ("seed", "files", "bytes"))

        def block(key: str) -> str:
            items = d[key]
            assert isinstance(items, list)
            if not items:
                return f'  "{key}": []'
            rows = ",\n".join(f"    {json.dumps(item)}" for item in items)
            return f'  "{key}": [\n{rows}\n  ]'

        return "{\n" + head + ",\n" + block("planted") + ",\n" + block("decoys") + "\n}\n"

    def write(self, path: Path) -> None:
        """Write :meth:`to_json` to ``path`` (UTF-8)."""
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> Manifest:
        """Build a manifest from its JSON form (see :meth:`to_dict`)."""
        planted = d.get("planted", [])
        decoys = d.get("decoys", [])
        assert isinstance(planted, list) and isinstance(decoys, list)
        seed, files, total = d.get("seed"), d.get("files", 0), d.get("bytes", 0)
        assert (seed is None or isinstance(seed, int)) and isinstance(files, int) and isinstance(total, int)
        return cls(
            seed=seed,
            files=files,
            total_bytes=total,
            planted=[Planted(p["file"], p["entity"], p["value"], p["line"]) for p in planted],
            decoys=[Decoy(x["file"], x["kind"], x["value"], x["line"]) for x in decoys],
        )

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest written by :meth:`write` (or by hand in the same format)."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def read_lines(path: Path) -> list[str]:
    """The lines of a text file, decoded as its BOM says (UTF-8/UTF-16), else UTF-8, else cp1252.

    Line numbers in a manifest count these lines from 1; ``\\r\\n`` and ``\\n`` both end a line.
    """
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    elif raw.startswith(b"\xef\xbb\xbf"):
        text = raw.decode("utf-8-sig")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    # Not str.splitlines(): it also breaks at \x0b, \x1c, \u2028 ..., which no scanner counts as a new line.
    return text.replace("\r\n", "\n").split("\n")


def _is_token_edge(ch: str) -> bool:
    return not (ch.isalnum() or ch in "@_-+/")


def verify_manifest(root: Path, manifest: Manifest, one_per_line: bool = True) -> list[str]:
    """Problems with ``manifest`` against the files under ``root``; an empty list means it is accurate.

    Each entry's value must occur on its line as a separate token (not glued to letters or digits). With
    ``one_per_line`` (the generator's promise) no line may hold two entries; a hand-made corpus may relax it,
    since a real CSV row often holds an SSN and an e-mail address.
    """
    problems: list[str] = []
    cache: dict[str, list[str]] = {}
    seen: dict[tuple[str, int], str] = {}
    entries: list[Planted | Decoy] = [*manifest.planted, *manifest.decoys]
    for e in entries:
        label = f"{e.file}:{e.line} {e.value!r}"
        if e.file not in cache:
            path = root / e.file
            if not path.is_file():
                problems.append(f"{label}: no such file")
                cache[e.file] = []
                continue
            cache[e.file] = read_lines(path)
        lines = cache[e.file]
        if not 1 <= e.line <= len(lines):
            problems.append(f"{label}: line out of range (file has {len(lines)} lines)")
            continue
        text = lines[e.line - 1]
        pos = text.find(e.value)
        if pos < 0:
            problems.append(f"{label}: value not on that line")
            continue
        before = text[pos - 1] if pos else " "
        end = pos + len(e.value)
        after = text[end] if end < len(text) else " "
        # A sentence-ending "." is fine; a "." followed by more of the token ("1.2.3.4.5") is not.
        if after == "." and end + 1 < len(text) and text[end + 1].isalnum():
            after = "x"
        if not (_is_token_edge(before) and _is_token_edge(after)):
            problems.append(f"{label}: value is not a separate token")
        key = (e.file, e.line)
        if one_per_line and key in seen:
            problems.append(f"{label}: line already holds {seen[key]!r}")
        seen[key] = e.value
    return problems


# ----------------------------------------------------------------------------------------------------------
# Checksums (used to build values; the tests recompute them independently)


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn mod-10 check."""
    total = 0
    # Right to left, the body's last digit becomes second-to-last once the check digit is appended: doubled.
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str(-total % 10)


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits of the IBAN ``country + ?? + bban`` (ISO 13616 mod-97-10)."""
    rearranged = bban + country + "00"
    number = "".join(str(int(ch, 36)) for ch in rearranged)  # A=10 ... Z=35
    return f"{98 - int(number) % 97:02d}"


# ----------------------------------------------------------------------------------------------------------
# Vocabulary

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily", "Paul",
    "Donna", "Andrew", "Michelle", "Joshua", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George",
    "Deborah", "Priya", "Wei", "Amara", "Lukas", "Sofia", "Mateo", "Aisha", "Kenji", "Olga", "Rahul",
    "Fatima", "Noah", "Chloe", "Oliver", "Isla", "Hugo", "Freya", "Tomasz", "Ines", "Kwame", "Leila",
)
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Okafor",
    "Patel", "Chen", "Schmidt", "Kowalski", "Novak", "Fischer", "Tanaka", "Haddad", "Mensah", "Larsen",
)
COMPANIES = (
    "Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Wingtip Supplies", "Litware",
    "Adventure Works", "Proseware", "Alpine Ski House", "Coho Vineyard", "Woodgrove Partners",
    "Lucerne Publishing", "Humongous Insurance", "Blue Yonder Airlines", "Trey Research",
    "Wide World Importers", "Fourth Coffee", "Graphic Design Institute", "Southridge Video", "Relecloud",
    "Bellows College", "Datum Corporation", "Consolidated Messenger", "Lamna Healthcare", "VanArsdel",
)
# Lower-case, no spaces: the host part of e-mail addresses at the companies above.
EMAIL_DOMAINS = tuple(c.lower().replace(" ", "") for c in COMPANIES)
EMAIL_TLDS = ("com", "com", "org", "co.uk")
TEAMS = (
    "finance", "procurement", "logistics", "customer success", "platform", "sales", "legal", "facilities",
    "marketing", "operations", "data engineering", "treasury", "payables", "warehouse", "quality",
)
PROJECTS = (
    "Atlas", "Beacon", "Cobalt", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Ironwood", "Juniper",
    "Keystone", "Lighthouse", "Meridian", "Nimbus", "Orchard", "Pioneer", "Quartz", "Redwood", "Summit",
)
CITIES = (
    "Chicago", "Boston", "Denver", "Seattle", "Austin", "Atlanta", "Toronto", "London", "Manchester",
    "Dublin", "Rotterdam", "Hamburg", "Frankfurt", "Lyon", "Madrid", "Milan", "Warsaw", "Singapore", "Osaka",
)
PRODUCTS = (
    "office chairs", "standing desks", "laptop docks", "printer toner", "safety gloves", "packing tape",
    "shipping cartons", "LED panels", "network switches", "coffee beans", "paper towels", "label printers",
    "monitor arms", "server racks", "copper cable", "hand sanitizer", "whiteboards", "spare batteries",
)
SYSTEMS = (
    "billing portal", "VPN gateway", "payroll service", "inventory database", "order API", "CRM", "intranet",
    "reporting cluster", "backup job", "build server", "mail relay", "file share", "ticketing system",
    "warehouse scanner app", "SSO login page", "nightly export", "data warehouse", "print server",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
CURRENCIES = ("$", "EUR ", "GBP ", "USD ")
ADJECTIVES = (
    "quarterly", "annual", "revised", "preliminary", "final", "updated", "draft", "consolidated", "weekly",
    "monthly", "regional", "internal", "overdue", "pending", "approved",
)
DOCS = (
    "budget", "forecast", "report", "agenda", "proposal", "statement of work", "purchase order", "audit",
    "roadmap", "checklist", "price list", "service agreement", "risk register", "timesheet", "expense claim",
)
LOG_LEVELS = ("INFO", "INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR")
SERVICES = ("billing-api", "order-svc", "auth", "scheduler", "export-worker", "gateway", "inventory",
            "mailer", "reporting", "sync-agent")


# ----------------------------------------------------------------------------------------------------------
# Slot fillers: each takes the shared Random and returns a string. Benign numbers never take the shape of a
# planted entity (no 12-19 digit runs, no ddd-dd-dddd, no dotted quads, no "@"), so the manifest is the whole
# truth for a correct scanner.

Slot = Callable[[random.Random], str]


def _pick(options: Sequence[str]) -> Slot:
    return lambda rng: rng.choice(options)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _year(rng: random.Random) -> str:
    return str(rng.randint(2015, 2025))


def _date(rng: random.Random) -> str:
    y, m, d = rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28)
    style = rng.randrange(4)
    if style == 0:
        return f"{y}-{m:02d}-{d:02d}"
    if style == 1:
        return f"{d} {MONTHS[m - 1]} {y}"
    if style == 2:
        return f"{MONTHS[m - 1]} {d}, {y}"
    return f"{m:02d}/{d:02d}/{y}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(7, 19):02d}:{rng.choice(('00', '15', '30', '45'))}"


def _amount(rng: random.Random) -> str:
    whole = int(10 ** rng.uniform(1, 5.5))
    cents = rng.choice((0, 0, 50, 99, rng.randint(1, 99)))
    return f"{rng.choice(CURRENCIES)}{whole:,}.{cents:02d}"


def _id(rng: random.Random) -> str:
    # 4-10 digits: employee, customer and asset ids that a classifier has to see past.
    n = rng.randint(4, 10)
    return str(rng.randrange(10 ** (n - 1), 10**n))


def _invoice(rng: random.Random) -> str:
    return f"INV-{rng.randint(2019, 2025)}-{rng.randint(1, 99999):05d}"


def _order(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"PO-{rng.randint(10000, 999999)}"
    return f"#{rng.randint(100000, 99999999)}"


def _ticket(rng: random.Random) -> str:
    return f"{rng.choice(('TCK', 'SR', 'INC', 'OPS'))}-{rng.randint(1000, 99999)}"


def _version(rng: random.Random) -> str:
    return f"v{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"


def _qty(rng: random.Random) -> str:
    return str(rng.randint(2, 480))


def _pct(rng: random.Random) -> str:
    return f"{rng.randint(1, 40)}%"


def _days(rng: random.Random) -> str:
    return rng.choice(("7", "14", "15", "30", "45", "60", "90"))


def _quarter(rng: random.Random) -> str:
    return f"Q{rng.randint(1, 4)}"


def _room(rng: random.Random) -> str:
    return f"{rng.randint(1, 12)}{rng.choice('ABCDEF')}"


def _company(rng: random.Random) -> str:
    return rng.choice(COMPANIES)


SLOTS: dict[str, Slot] = {
    "person": _person,
    "first": _pick(FIRST_NAMES),
    "company": _company,
    "team": _pick(TEAMS),
    "project": _pick(PROJECTS),
    "city": _pick(CITIES),
    "product": _pick(PRODUCTS),
    "system": _pick(SYSTEMS),
    "weekday": _pick(WEEKDAYS),
    "adj": _pick(ADJECTIVES),
    "doc": _pick(DOCS),
    "year": _year,
    "date": _date,
    "time": _time,
    "amount": _amount,
    "id": _id,
    "invoice": _invoice,
    "order": _order,
    "ticket": _ticket,
    "version": _version,
    "qty": _qty,
    "pct": _pct,
    "days": _days,
    "quarter": _quarter,
    "room": _room,
}

# Benign sentences by topic: meetings, invoices, shipments, tickets and general office life. Benign ids can
# take the shape of a phone, SSN, passport or US bank number, which the pii template reports only near a
# context word, so no word here contains one (phone, mobile, cell, fax, social, security, ssn, passport,
# account, acct, bank, checking, savings, deposit): Presidio matches context words as substrings ("account" in
# "accounts payable"), and a boosted id would be a detection no manifest lists. Planted and decoy templates
# follow the same rule apart from their own context word. ("credit" and "mail" are harmless: a benign number
# never passes Luhn in a card's shape or holds an "@".)
BENIGN = (
    # meetings
    "{person} met with the {team} team on {weekday} to review the {project} roadmap for {quarter} {year}.",
    "The {adj} {doc} meeting moved to room {room} at {time} on {date}.",
    "Action items from the {date} meeting: {person} owns the {doc}, {person} follows up with {company}.",
    "Attendees agreed to revisit the {adj} {doc} once the {quarter} numbers are in.",
    "{person} presented the {project} status; spend is {pct} under plan at {amount}.",
    "Next sync is {weekday} at {time}; please read the {adj} {doc} beforehand.",
    "Minutes of the {team} review held on {date}, chaired by {person}.",
    "The steering group approved {amount} for phase two of {project}, starting {date}.",
    # invoices
    "Invoice {invoice} for {amount} was issued to {company} on {date} and is due in {days} days.",
    "{company} disputed line 3 of invoice {invoice}; the credit note for {amount} is pending.",
    "Payment run {id} cleared {qty} invoices totalling {amount} on {date}.",
    "Purchase order {order} was approved by {person} for {amount}.",
    "Late fee of {amount} waived for {company} after review by the {team} team.",
    "The {year} budget line {id} has {amount} remaining, about {pct} of the original allocation.",
    "Payables matched invoice {invoice} to purchase order {order} and goods receipt {id}.",
    "Vendor {company} raised prices by {pct} effective {date}.",
    # shipments
    "Shipment {id} left the {city} warehouse on {date} with {qty} pallets of {product}.",
    "Order {order} from {company} is back-ordered until {date}; {qty} units of {product} are missing.",
    "Carrier confirmed delivery of {qty} cartons of {product} to {city} at {time}.",
    "Tracking reference {id} shows the consignment held at customs in {city} since {date}.",
    "Returned goods: {qty} units of {product} under order {order}, restocking fee {amount}.",
    "Freight cost for the {city} route rose to {amount} per container in {year}.",
    "Inventory count on {date} found {qty} units of {product} in aisle {room}.",
    # tickets
    "Ticket {ticket} reports that the {system} is slow since the {version} upgrade; {person} is on it.",
    "{ticket} closed: the {system} was restarted at {time} and has been stable since.",
    "Users in {city} cannot reach the {system}; see {ticket}, opened {date} by {person}.",
    "Change request {ticket} schedules the {system} upgrade to {version} on {weekday} at {time}.",
    "Root cause for {ticket}: a full disk on node {id} stopped the {system}.",
    "{person} escalated {ticket} to the {team} team after {qty} failed retries.",
    "The {system} backlog is down to {qty} tickets, {pct} fewer than last week.",
    # general
    "{company} renewed its {adj} {doc} with us for {year} at {amount}.",
    "Headcount in the {team} team grew to {qty} after the {year} reorganisation.",
    "{person} joined the {team} team on {date} and sits in room {room}.",
    "The {city} office will be closed on {date} for maintenance.",
    "Please submit the {adj} {doc} for {project} by {weekday}, {date}.",
    "Survey results: {pct} of respondents rated the {system} as good or better.",
    "Asset tag {id} (laptop) was reassigned to {person} on {date}.",
    "{company} sent the {adj} {doc}; reference {id}, version {version}.",
)

# Log messages: shorter, machine-flavoured, same rules.
LOG_MESSAGES = (
    "request {id} completed in {qty} ms",
    "job {id} finished: {qty} records exported",
    "retrying upstream call to the {system} (attempt {days})",
    "cache hit ratio {pct} over the last {qty} requests",
    "order {order} status changed to shipped",
    "invoice {invoice} posted, amount {amount}",
    "user session {id} expired after {days} minutes",
    "scheduled maintenance of the {system} at {time}",
    "deployed {version} to {city} region",
    "queue depth {qty}, consumer lag {id} ms",
    "ticket {ticket} assigned to {person}",
    "slow query on table orders took {qty} ms (order {order})",
)

# Prose for the "prose" style: memos, newsletters and handbook pages in which numbers are rare (about 0.1% of
# the characters are digits, against about 16% in BENIGN). Same word rule as BENIGN: no context word of a
# number-shaped entity, not even inside another word ("excellent" holds "cell", "fax" hides in few words).
PROSE = (
    "{person} thanked the {team} team for the careful work on the {project} launch.",
    "The {adj} {doc} explains how the {team} team plans its work with {company}.",
    "Everyone is welcome to join the {team} lunch on {weekday}; {first} will bring dessert.",
    "We are moving the {system} to a new home, and {person} will guide us through the change.",
    "Feedback from {company} was warm: they liked the new {product} and the quick delivery to {city}.",
    "Please read the {adj} {doc} before the workshop, and bring your questions for {person}.",
    "Our colleagues in {city} shared their notes on the {project} pilot with the wider group.",
    "The {team} team is hiring; tell {first} if you know someone who would enjoy the work.",
    "A reminder from {person}: the {system} will be quiet over the weekend while we tidy it up.",
    "{person} wrote a short guide to the {system} for new joiners in the {team} team.",
    "The {project} group met {company} in {city} to talk about the next steps of the partnership.",
    "Thanks to {first} and the {team} team, orders of {product} now leave the warehouse faster.",
    "This week we welcome {person}, who joins the {team} team from {company}.",
    "The {adj} {doc} is ready for review; comments go to {person} by {weekday}.",
    "Our {city} office now has quiet rooms on every floor, booked through the {system}.",
    "{person} led a friendly session on writing clear notes and kind reviews.",
    "The {team} team retired the old {system} and nobody misses it.",
    "Customers asked for lighter {product}, so the {project} team is testing a new supplier.",
    "When the {system} is slow, please tell {first} rather than restarting it yourself.",
    "The summer party in {city} was a success, with music, games and food for everyone.",
    "A short survey about the {system} will arrive on {weekday}; it takes a few minutes.",
    "{company} agreed to extend the {doc} after a good year working with the {team} team.",
    "The handbook now has a chapter on travel, expenses and working from home.",
    "If you travel to {city}, {first} can recommend a hotel close to the office.",
    "We are grateful to {person} for mentoring so many people in the {team} team.",
    "The {project} newsletter collects stories from teams across the company.",
    "Please keep shared folders tidy: archive what you no longer need and label the rest.",
    "The {team} and {team} teams will share the new space on the third floor.",
    "Our supplier {company} changed its delivery days, so orders of {product} now arrive on {weekday}.",
    "{person} reminds everyone that the {adj} {doc} replaces the old one from now on.",
    "Volunteers from the {city} office spent a day planting trees along the river.",
    "The {system} has a new look; the guide from {person} shows where everything moved.",
    "Questions about the {project} roadmap can go to {person} or to the {team} team.",
    "We closed the {year} books on time thanks to the patience of the {team} team.",
    "Plans for {year} include a new office in {city} and a refresh of the {system}.",
    "Good news from {company}: the trial of our {product} went well and they want more.",
)

# Planted sentences: a context word sits within a few words before the value, and the value is followed by
# a space or by one of ( ) , . : -- never glued to another token. "{v}" is the value.
PLANTED: dict[str, tuple[str, ...]] = {
    "CREDIT_CARD": (
        "The {brand} card number {v} was charged {amount} for invoice {invoice}.",
        "{person} asked us to update the card on file to {v} before {date}.",
        "Refund of {amount} issued to credit card {v}, reference {id}.",
        "Please charge card: {v} (expires {mm}/{yy}) for order {order}.",
        "Customer paid with {brand} {v} at the {city} store on {date}.",
    ),
    "US_SSN": (
        "Employee {person} (SSN {v}) starts in the {team} team on {date}.",
        "Payroll record updated: social security number {v} for {person}.",
        "{person} provided SSN: {v} on the onboarding form.",
        "Background check requested for {person}, SSN {v}, start date {date}.",
    ),
    "IBAN_CODE": (
        "Please wire {amount} to IBAN {v}, beneficiary {company}.",
        "Vendor {company} changed its payment details; new IBAN: {v} from {date}.",
        "Refund for order {order} sent to IBAN {v} on {date}.",
        "Settlement of invoice {invoice} to IBAN {v} is confirmed.",
    ),
    "EMAIL_ADDRESS": (
        "Send the signed {doc} to {v} before {date}.",
        "For questions about invoice {invoice}, email {v} or ask the {team} team.",
        "{person} (email: {v}) will coordinate the {project} rollout.",
        "Please copy {v} on every message about ticket {ticket}.",
    ),
    # Presidio looks for context in the five keywords before a value, across line ends. A phone sentence
    # therefore ends in at least five content words after the value, or the context word would also lift a
    # 10-digit id opening the next line (a CSV record id) into a phone number no manifest lists.
    "PHONE_NUMBER": (
        "Call {person} on phone {v} if the delivery slips; the warehouse team handles weekend collections.",
        "Contact the {city} office, phone: {v}, for site access, visitor badges and parking permits.",
        "The on-call engineer is on mobile {v} for urgent production incidents affecting customers.",
        "The {company} front desk has a new telephone number, {v}, so please update shared contact lists.",
    ),
    "IP_ADDRESS": (
        "The {system} at {v} was restarted at {time} after ticket {ticket}.",
        "Login from IP address {v} was blocked by the firewall on {date}.",
        "Host {v} stopped answering health checks; see {ticket}.",
        "Please allow-list {v} for the {company} integration by {weekday}.",
    ),
}

DECOY_TEMPLATES: dict[str, tuple[str, ...]] = {
    "luhn_fail": (
        "The card number {v} on order {order} was declined as invalid.",
        "Customer read out card {v}, which the terminal rejected.",
        "Refund to credit card {v} failed validation, reference {id}.",
    ),
    "ssn_bad_range": (
        "The SSN {v} on the form for {person} is not a valid number.",
        "Payroll flagged social security number {v} as malformed.",
        "{person} entered SSN: {v} by mistake; HR asked for a correction.",
    ),
    "iban_bad_check": (
        "Payment to IBAN {v} bounced: the check digits are wrong.",
        "Vendor {company} sent IBAN {v}, which the payment system rejected.",
        "Refund to IBAN {v} could not be processed on {date}.",
    ),
}


def _compile(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split ``"a {x} b {y}"`` into literals ``("a ", " b ", "")`` and slot names ``("x", "y")``."""
    literals: list[str] = []
    names: list[str] = []
    rest = template
    while "{" in rest:
        head, _, tail = rest.partition("{")
        name, _, rest = tail.partition("}")
        literals.append(head)
        names.append(name)
    literals.append(rest)
    return tuple(literals), tuple(names)


_Compiled = tuple[tuple[str, ...], tuple[str, ...]]


def _fill(rng: random.Random, compiled: _Compiled, extra: dict[str, str] | None = None) -> str:
    literals, names = compiled
    out = [literals[0]]
    for name, lit in zip(names, literals[1:], strict=True):
        if extra is not None and name in extra:
            out.append(extra[name])
        else:
            out.append(SLOTS[name](rng))
        out.append(lit)
    text = "".join(out)
    return text[0].upper() + text[1:]  # "{person} ..." is already capitalised; "order ..." log lines too


_BENIGN = tuple(_compile(t) for t in BENIGN)
_LOG = tuple(_compile(t) for t in LOG_MESSAGES)
_PROSE = tuple(_compile(t) for t in PROSE)
_PLANTED = {k: tuple(_compile(t) for t in v) for k, v in PLANTED.items()}
_DECOYS = {k: tuple(_compile(t) for t in v) for k, v in DECOY_TEMPLATES.items()}


# ----------------------------------------------------------------------------------------------------------
# Sensitive values


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randrange(10**n)).zfill(n)


def _card_number(rng: random.Random) -> tuple[str, str, tuple[int, ...]]:
    """A Luhn-valid number: ``(digits, brand, print grouping)``."""
    groups: tuple[int, ...]
    r = rng.random()
    if r < 0.45:
        prefix, length, brand, groups = "4", 16, "Visa", (4, 4, 4, 4)
    elif r < 0.8:
        prefix, length, brand, groups = str(rng.randint(51, 55)), 16, "Mastercard", (4, 4, 4, 4)
    else:
        prefix, length, brand, groups = rng.choice(("34", "37")), 15, "Amex", (4, 6, 5)
    body = prefix + _digits(rng, length - 1 - len(prefix))
    return body + luhn_check_digit(body), brand, groups


def _format_card(rng: random.Random, digits: str, groups: tuple[int, ...]) -> str:
    r = rng.random()
    if r < 0.4:
        return digits
    sep = " " if r < 0.75 else "-"
    parts, pos = [], 0
    for g in groups:
        parts.append(digits[pos:pos + g])
        pos += g
    return sep.join(parts)


def _luhn_fail_card(rng: random.Random) -> str:
    """A 16-digit Visa/Mastercard-looking number whose check digit is wrong."""
    while True:
        digits, _, groups = _card_number(rng)
        if len(digits) == 16:
            break
    bad = str((int(digits[-1]) + rng.randint(1, 9)) % 10)
    return _format_card(rng, digits[:-1] + bad, groups)


def _ssn(rng: random.Random) -> str:
    """An SSN in the SSA's issued ranges, ``ddd-dd-dddd``, never a published sample or a repdigit."""
    while True:
        area = rng.randint(1, 898)
        area += area >= 666  # skip 666: 1..898 maps onto 001-665, 667-899
        group, serial = rng.randint(1, 99), rng.randint(1, 9999)
        digits = f"{area:03d}{group:02d}{serial:04d}"
        if digits not in _SSN_PLACEHOLDERS and digits != digits[0] * 9:
            return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def _bad_ssn(rng: random.Random) -> str:
    """An SSN-shaped number the SSA never issues: area 000, 666 or 9xx, or group 00."""
    kind = rng.randrange(4)
    area = ("000", "666", f"9{_digits(rng, 2)}", f"{rng.randint(1, 665):03d}")[kind]
    group = "00" if kind == 3 else f"{rng.randint(1, 99):02d}"
    return f"{area}-{group}-{rng.randint(1, 9999):04d}"


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _iban_parts(rng: random.Random) -> tuple[str, str]:
    """``(country, bban)``: GB (4-letter bank, 6-digit sort code, 8-digit account) or DE (18 digits)."""
    if rng.random() < 0.5:
        bank = "".join(rng.choice(_LETTERS) for _ in range(4))
        return "GB", bank + _digits(rng, 6) + _digits(rng, 8)
    return "DE", _digits(rng, 8) + _digits(rng, 10)  # Bankleitzahl + account number


def _format_iban(rng: random.Random, iban: str) -> str:
    if rng.random() < 0.5:
        return iban
    groups = [iban[i:i + 4] for i in range(0, len(iban), 4)]  # the printed form: groups of four
    # "DE89 3704 0044 0532 0130 00" holds four 4-digit groups that a card regex matches; one time in ten
    # they pass Luhn and a correct scanner would also report a card. Print those compact instead.
    if iban.startswith("DE") and luhn_check_digit("".join(groups[1:5])[:-1]) == groups[4][-1]:
        return iban
    return " ".join(groups)


def _iban(rng: random.Random) -> str:
    country, bban = _iban_parts(rng)
    return _format_iban(rng, country + iban_check_digits(country, bban) + bban)


def _bad_iban(rng: random.Random) -> str:
    """A well-formed GB/DE IBAN with wrong check digits (exactly one pair of digits 02-98 is right)."""
    country, bban = _iban_parts(rng)
    good = int(iban_check_digits(country, bban))
    bad = rng.choice([c for c in range(2, 99) if c != good])
    return _format_iban(rng, f"{country}{bad:02d}{bban}")


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    return f"{first}.{last}@{rng.choice(EMAIL_DOMAINS)}.{rng.choice(EMAIL_TLDS)}"


_US_AREAS = ("212", "646", "718", "415", "312", "617", "206", "303", "512", "404")


def _phone(rng: random.Random) -> str:
    # The ranges set aside for fiction: 555-0100..0199 in North America, 020 7946 0xxx in London.
    r = rng.random()
    if r < 0.4:
        return f"({rng.choice(_US_AREAS)}) 555-01{rng.randint(0, 99):02d}"
    if r < 0.6:
        return f"{rng.choice(_US_AREAS)}-555-01{rng.randint(0, 99):02d}"
    return f"+44 20 7946 0{rng.randint(0, 999):03d}"


def _ip(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.3:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if r < 0.5:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if r < 0.7:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    prefix = rng.choice(("192.0.2", "198.51.100", "203.0.113"))  # RFC 5737 documentation ranges
    return f"{prefix}.{rng.randint(1, 254)}"


# ----------------------------------------------------------------------------------------------------------
# File formats. Each turns a sentence into one line of its format; header/footer lines never hold a value.


class _Format:
    """How one file type wraps sentences into lines."""

    # The benign sentences a body line is made of: number-heavy business text unless a style says otherwise.
    sentences: tuple[_Compiled, ...] = _BENIGN

    def sentence(self, rng: random.Random) -> str:
        """One benign sentence."""
        return _fill(rng, rng.choice(self.sentences))

    def header(self, rng: random.Random, title: str) -> list[str]:
        return []

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        raise NotImplementedError

    def filler(self, rng: random.Random) -> str | None:
        """A structural line (heading, blank line) to put before the next body line, or None."""
        return None

    def finish(self, lines: list[str]) -> list[str]:
        return lines


class _Txt(_Format):
    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        # Paragraph-per-line prose; a planted sentence may follow a benign one, as in real notes.
        n = rng.randint(0, 1) if planted else rng.randint(0, 3)
        return " ".join([*(self.sentence(rng) for _ in range(n)), text])

    def filler(self, rng: random.Random) -> str | None:
        return "" if rng.random() < 0.15 else None


class _Md(_Txt):
    def header(self, rng: random.Random, title: str) -> list[str]:
        return [f"# {title}", ""]

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        if rng.random() < 0.35:
            return f"- {text}"
        return super().line(rng, text, planted)

    def filler(self, rng: random.Random) -> str | None:
        r = rng.random()
        if r < 0.05:
            return f"## {rng.choice(PROJECTS)} {rng.choice(DOCS)}"
        return "" if r < 0.15 else None


class _Log(_Format):
    def __init__(self, rng: random.Random) -> None:
        self.ts = rng.randint(1_672_531_200, 1_735_603_200)  # somewhere in 2023-2024

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        self.ts += rng.randint(0, 90)
        stamp = datetime.fromtimestamp(self.ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {rng.choice(LOG_LEVELS)} {rng.choice(SERVICES)}[{rng.randint(100, 32000)}]: {text}"

    def sentence(self, rng: random.Random) -> str:
        return _fill(rng, rng.choice(_LOG)) if rng.random() < 0.7 else super().sentence(rng)


class _Csv(_Format):
    def header(self, rng: random.Random, title: str) -> list[str]:
        return ["record_id,date,owner,department,amount,notes"]

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        amount = f"{rng.randint(1, 250000)}.{rng.randint(0, 99):02d}"  # no thousands separator: CSV
        note = text.replace('"', '""')
        date = _date(rng).replace(",", "")
        return f'{_id(rng)},{date},{_person(rng)},{rng.choice(TEAMS)},{amount},"{note}"'


class _Json(_Format):
    def header(self, rng: random.Random, title: str) -> list[str]:
        return ["["]

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        # One record per line, so a value's line number is its record's; the comma is fixed up in finish().
        rec = {"id": int(_id(rng)), "date": _date(rng), "owner": _person(rng), "team": rng.choice(TEAMS),
               "note": text}
        return "  " + json.dumps(rec) + ","

    def finish(self, lines: list[str]) -> list[str]:
        if len(lines) > 1:
            lines[-1] = lines[-1][:-1]
        return [*lines, "]"]


class _Html(_Format):
    def header(self, rng: random.Random, title: str) -> list[str]:
        t = html_escape(title)
        return ["<!DOCTYPE html>", '<html lang="en">',
                f'<head><meta charset="utf-8"><title>{t}</title></head>', "<body>", f"<h1>{t}</h1>"]

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        tag = "li" if rng.random() < 0.2 else "p"
        return f"<{tag}>{html_escape(text, quote=False)}</{tag}>"

    def filler(self, rng: random.Random) -> str | None:
        return f"<h2>{rng.choice(PROJECTS)} {rng.choice(DOCS)}</h2>" if rng.random() < 0.04 else None

    def finish(self, lines: list[str]) -> list[str]:
        return [*lines, "</body>", "</html>"]


class _Xml(_Format):
    def header(self, rng: random.Random, title: str) -> list[str]:
        return ['<?xml version="1.0" encoding="UTF-8"?>', f'<records title="{xml_escape(title)}">']

    def line(self, rng: random.Random, text: str, planted: bool) -> str:
        return (f'  <record id="{_id(rng)}" date="{rng.randint(2019, 2025)}-{rng.randint(1, 12):02d}">'
                f"<owner>{_person(rng)}</owner><note>{xml_escape(text)}</note></record>")

    def finish(self, lines: list[str]) -> list[str]:
        return [*lines, "</records>"]


_FORMATS = ("txt", "csv", "log", "md", "json", "html", "xml")
_FORMAT_WEIGHTS = (25, 20, 20, 10, 10, 8, 7)
# The "prose" style: the formats people write prose in.
_PROSE_FORMATS = ("txt", "md", "html")
_PROSE_WEIGHTS = (50, 25, 25)
STYLES = ("business", "prose")

_DEPARTMENTS = ("finance", "hr", "support", "it", "legal", "marketing", "sales", "operations", "shared")
_LEVEL2 = ("2021", "2022", "2023", "2024", "archive", "projects", "exports", "team", "reports", "inbox")
_LEVEL3 = ("q1", "q2", "q3", "q4", "drafts", "final", "emea", "americas", "apac", "old")
_STEMS = {
    "txt": ("notes", "memo", "minutes", "summary", "letter", "report"),
    "csv": ("export", "ledger", "orders", "payments", "roster", "inventory"),
    "log": ("app", "access", "audit", "worker", "sync", "gateway"),
    "md": ("readme", "runbook", "handbook", "plan", "retro", "faq"),
    "json": ("records", "vendors", "customers", "events", "orders", "payload"),
    "html": ("newsletter", "page", "announcement", "digest", "bulletin", "intranet"),
    "xml": ("contracts", "feed", "catalog", "batch", "statement", "config"),
}


def _make_format(ext: str, rng: random.Random) -> _Format:
    if ext == "log":
        return _Log(rng)
    return {"txt": _Txt, "csv": _Csv, "md": _Md, "json": _Json, "html": _Html, "xml": _Xml}[ext]()


# ----------------------------------------------------------------------------------------------------------
# Generator


def _file_sizes(rng: random.Random, total: int, files: int | None) -> list[int]:
    """Target byte sizes: lognormal (~1 KB to 1 MB, mean ~64 KB) until ``total``, or ``files`` of them."""
    mu = math.log(_SIZE_MEDIAN)
    if files is not None:
        if files < 1:
            raise ValueError("files must be at least 1")
        weights = [rng.lognormvariate(mu, _SIZE_SIGMA) for _ in range(files)]
        scale = total / sum(weights)
        return [max(256, round(w * scale)) for w in weights]
    sizes: list[int] = []
    left = total
    while left > 0:
        size = min(max(round(rng.lognormvariate(mu, _SIZE_SIGMA)), _SIZE_MIN), _SIZE_MAX)
        size = max(min(size, left), _SIZE_MIN)  # the last file takes what is left, but at least 1 KB
        sizes.append(size)
        left -= size
    return sizes


def _planted_value(rng: random.Random, entity: str) -> tuple[str, dict[str, str]]:
    """A value of ``entity`` and any extra template slots it brings (a card's brand and expiry)."""
    if entity == "CREDIT_CARD":
        digits, brand, groups = _card_number(rng)
        extra = {"brand": brand, "mm": f"{rng.randint(1, 12):02d}", "yy": str(rng.randint(26, 31))}
        return _format_card(rng, digits, groups), extra
    maker = {"US_SSN": _ssn, "IBAN_CODE": _iban, "EMAIL_ADDRESS": _email, "PHONE_NUMBER": _phone,
             "IP_ADDRESS": _ip}[entity]
    return maker(rng), {}


def _decoy_value(rng: random.Random, kind: str) -> str:
    return {"luhn_fail": _luhn_fail_card, "ssn_bad_range": _bad_ssn, "iban_bad_check": _bad_iban}[kind](rng)


def _write_file(
    rng: random.Random, path: Path, rel: str, ext: str, target: int, density: float, manifest: Manifest,
    sentences: tuple[_Compiled, ...] | None = None,
) -> int:
    fmt = _make_format(ext, rng)
    if sentences is not None:
        fmt.sentences = sentences
    title = f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(DOCS)} - {rng.choice(PROJECTS)}"
    lines = fmt.header(rng, title)
    size = sum(len(s) + 1 for s in lines)
    decoy_cut = density * (1 + DECOY_RATIO)
    while size < target:
        extra_line = fmt.filler(rng)
        if extra_line is not None and (extra_line or lines[-1:] != [""]):  # never two blank lines in a row
            lines.append(extra_line)
            size += len(extra_line) + 1
        r = rng.random()
        if r < density:
            entity = rng.choices(ENTITIES, _ENTITY_WEIGHTS)[0]
            value, extra = _planted_value(rng, entity)
            text = _fill(rng, rng.choice(_PLANTED[entity]), {"v": value, **extra})
            line = fmt.line(rng, text, True)
            lines.append(line)
            manifest.planted.append(Planted(rel, entity, value, len(lines)))
        elif r < decoy_cut:
            kind = rng.choice(DECOY_KINDS)
            value = _decoy_value(rng, kind)
            text = _fill(rng, rng.choice(_DECOYS[kind]), {"v": value})
            line = fmt.line(rng, text, True)
            lines.append(line)
            manifest.decoys.append(Decoy(rel, kind, value, len(lines)))
        else:
            text = fmt.sentence(rng)
            line = fmt.line(rng, text, False)
            lines.append(line)
        size += len(line) + 1
    data = ("\n".join(fmt.finish(lines)) + "\n").encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _empty_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def generate(
    out_dir: Path, total_mb: float, seed: int = 1, density: float = 0.001, files: int | None = None,
    style: str = "business",
) -> Manifest:
    """Write a corpus of about ``total_mb`` MB (1 MB = 2**20 bytes) under ``out_dir``; return its manifest.

    ``density`` is the share of body lines holding a planted value; decoys are planted on another
    ``density * DECOY_RATIO`` of them. ``files`` forces the file count (sizes then scale to the total).
    ``style`` is ``"business"`` (every format, benign text full of dates, amounts and references: about 16% of
    the characters are digits) or ``"prose"`` (.txt, .md and .html prose with hardly a number: about 0.1%).
    ``out_dir`` must be missing or empty, so a stale file from an earlier run can never join the corpus
    unlisted. The same arguments always produce byte-identical files and an equal manifest.
    """
    if total_mb <= 0:
        raise ValueError("total_mb must be positive")
    if not 0 <= density <= 0.5:
        raise ValueError("density must be between 0 and 0.5")
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}")
    out_dir = _empty_out_dir(out_dir)
    prose = style == "prose"

    rng = random.Random(seed)
    sizes = _file_sizes(rng, round(total_mb * MB), files)
    manifest = Manifest(seed=seed, files=len(sizes), total_bytes=0)
    for index, target in enumerate(sizes, start=1):
        ext = (rng.choices(_PROSE_FORMATS, _PROSE_WEIGHTS) if prose else rng.choices(_FORMATS, _FORMAT_WEIGHTS))[0]
        parts = [rng.choice(_DEPARTMENTS), rng.choice(_LEVEL2)]
        if rng.random() < 0.5:
            parts.append(rng.choice(_LEVEL3))
        folder = "/".join(parts)
        (out_dir / folder).mkdir(parents=True, exist_ok=True)
        # The running index keeps names unique however the random parts collide.
        rel = f"{folder}/{rng.choice(_STEMS[ext])}-{index:05d}.{ext}"
        manifest.total_bytes += _write_file(rng, out_dir / rel, rel, ext, target, density, manifest,
                                            _PROSE if prose else None)
    return manifest


# ----------------------------------------------------------------------------------------------------------
# Customer export: a CSV such as a CRM or a shop writes, with one or more sensitive values on every line


EXPORT_COLUMNS = (
    "customer_id", "first_name", "last_name", "email", "phone", "company", "city", "country", "created_at",
    "last_login_ip", "total_spent", "orders", "card_number", "card_expiry", "iban", "tax_id", "marketing_opt_in",
    "notes",
)
# Share of rows with a value in each optional column (the card is on every fifth row instead).
EXPORT_PHONE = 0.45
EXPORT_IP = 0.3
EXPORT_IBAN = 0.15
EXPORT_SSN = 0.08
EXPORT_SECOND_EMAIL = 0.04  # a billing contact in the notes: two e-mail addresses on one line
EXPORT_DECOY = 0.01         # per decoy kind: a card failing Luhn, an IBAN with a wrong check, an unissued SSN
EXPORT_FILE_MB = 1.0

# Real exports carry names from everywhere: some need UTF-8, an apostrophe or quoting.
_EXPORT_FIRST = (*FIRST_NAMES, "Zoë", "José", "Chloé", "Björn", "Søren", "Ana María", "Nuño", "Anaïs")
_EXPORT_LAST = (*LAST_NAMES, "Müller", "O'Brien", "García", "Núñez", "van der Berg", "D'Souza", "Łukasik")
_CITY_COUNTRY = {
    "Chicago": "US", "Boston": "US", "Denver": "US", "Seattle": "US", "Austin": "US", "Atlanta": "US",
    "Toronto": "CA", "London": "GB", "Manchester": "GB", "Dublin": "IE", "Rotterdam": "NL", "Hamburg": "DE",
    "Frankfurt": "DE", "Lyon": "FR", "Madrid": "ES", "Milan": "IT", "Warsaw": "PL", "Singapore": "SG",
    "Osaka": "JP",
}
_EXPORT_DOMAINS = (*EMAIL_DOMAINS, "example", "example", "example")
_EXPORT_TLDS = ("com", "net", "org", "co.uk")
# Free-text notes as support and sales staff type them; the same word rule as BENIGN (no context word).
_EXPORT_NOTES = (
    "VIP customer", "prefers delivery before noon", "gift order, no invoice in the parcel",
    "moved from the {city} store", "asked for a quote on {product}", "returns handled by {person}",
    "key contact: {person}", "wholesale terms agreed on {date}", "do not send catalogues",
    "disputed order {order}, resolved", "left a review for the {product}", "duplicate of an older record",
)
_EXPORT_NOTE_TEMPLATES = tuple(_compile(t) for t in _EXPORT_NOTES)
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "ß": "ss", " ": "", "'": ""})


def _ascii_name(name: str) -> str:
    """``"Søren"`` -> ``"soren"``: the part of a name that goes into an e-mail address."""
    folded = unicodedata.normalize("NFKD", name.translate(_FOLD))
    return folded.encode("ascii", "ignore").decode().lower()


def _export_email(rng: random.Random, first: str, last: str) -> str:
    f, la = _ascii_name(first), _ascii_name(last)
    local = rng.choice((f"{f}.{la}", f"{f[0]}{la}", f"{f}{la}{rng.randint(1, 99)}", f"{la}.{f}", f"{f}_{la}"))
    return f"{local}@{rng.choice(_EXPORT_DOMAINS)}.{rng.choice(_EXPORT_TLDS)}"


def _export_phone(rng: random.Random, country: str) -> str:
    # Only the ranges set aside for fiction (555-01xx, 020 7946 0xxx), written as exports write them.
    if country == "GB" or (country != "US" and country != "CA" and rng.random() < 0.5):
        n = rng.randint(0, 999)
        return rng.choice((f"+44 20 7946 0{n:03d}", f"+442079460{n:03d}", f"020 7946 0{n:03d}"))
    area, n = rng.choice(_US_AREAS), rng.randint(0, 99)
    return rng.choice((f"({area}) 555-01{n:02d}", f"{area}-555-01{n:02d}", f"+1 {area} 555 01{n:02d}",
                       f"{area}.555.01{n:02d}"))


_Pairs = list[tuple[str, str]]


def _export_row(rng: random.Random, row: int, cid: int) -> tuple[list[str], _Pairs, _Pairs]:
    """One record's fields, the (entity, value) pairs planted in it and the (kind, value) decoys."""
    planted: _Pairs = []
    decoys: _Pairs = []
    first, last = rng.choice(_EXPORT_FIRST), rng.choice(_EXPORT_LAST)
    city = rng.choice(CITIES)
    country = _CITY_COUNTRY[city]
    email = _export_email(rng, first, last)
    planted.append(("EMAIL_ADDRESS", email))
    phone = ""
    if rng.random() < EXPORT_PHONE:
        phone = _export_phone(rng, country)
        planted.append(("PHONE_NUMBER", phone))
    company = rng.choice(COMPANIES) if rng.random() < 0.6 else ""
    y, mo, d = rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28)
    created = f"{y}-{mo:02d}-{d:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    ip = ""
    if rng.random() < EXPORT_IP:
        ip = _ip(rng)
        planted.append(("IP_ADDRESS", ip))
    spent = f"{rng.randint(0, 250000) / 10 ** rng.choice((0, 2)):.2f}"
    orders = str(rng.randint(0, 180))

    def value_or_decoy(share: float, entity: str, kind: str) -> str:
        """A valid value in ``share`` of the rows, else a decoy in EXPORT_DECOY of them, else nothing."""
        if rng.random() < share:
            value = _planted_value(rng, entity)[0]
            planted.append((entity, value))
        elif rng.random() < EXPORT_DECOY:
            value = _decoy_value(rng, kind)
            decoys.append((kind, value))
        else:
            value = ""
        return value

    card = value_or_decoy(1.0 if row % 5 == 0 else 0.0, "CREDIT_CARD", "luhn_fail")
    if not card and rng.random() < 0.2:
        card = f"************{_digits(rng, 4)}"  # the masked card on file many shops export
    expiry = f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}" if card else ""
    iban = value_or_decoy(EXPORT_IBAN, "IBAN_CODE", "iban_bad_check")
    # About a third of the cities are in the US, where the tax id is an SSN.
    tax = value_or_decoy(EXPORT_SSN / 0.3 if country == "US" else 0.0, "US_SSN", "ssn_bad_range")
    note = ""
    r = rng.random()
    if r < EXPORT_SECOND_EMAIL:
        second = _export_email(rng, rng.choice(_EXPORT_FIRST), rng.choice(_EXPORT_LAST))
        if second not in email and email not in second:  # each value found at one place on its line
            note = f"billing contact: {second}"
            planted.append(("EMAIL_ADDRESS", second))
    elif r < 0.3:
        note = _fill(rng, rng.choice(_EXPORT_NOTE_TEMPLATES))
    fields = [str(cid), first, last, email, phone, company, city, country, created, ip, spent, orders, card,
              expiry, iban, tax, rng.choice(("Y", "N", "N")), note]
    return fields, planted, decoys


class _RowSink:
    """A file-like target for ``csv.writer`` that keeps each written row as one string."""

    def __init__(self, rows: list[str]) -> None:
        self.write = rows.append


def generate_export(out_dir: Path, total_mb: float, seed: int = 1, files: int | None = None) -> Manifest:
    """Write customer CSV exports of about ``total_mb`` MB under ``out_dir``; return their manifest.

    Every record holds an e-mail address, every fifth a payment card; phones, IP addresses, IBANs, SSNs and a
    second e-mail in the notes come in some records, with a few decoys (a card failing Luhn, an IBAN with a
    wrong check, an unissued SSN) and masked cards. The files are written as exports are: a header row, CRLF
    line ends, fields quoted only where needed (the ``csv`` module), UTF-8 names. One file per
    :data:`EXPORT_FILE_MB` unless ``files`` is given. A line may hold several values, so check the manifest with
    ``verify_manifest(..., one_per_line=False)``. The same arguments always give the same bytes.
    """
    if total_mb <= 0:
        raise ValueError("total_mb must be positive")
    out_dir = _empty_out_dir(out_dir)
    total = round(total_mb * MB)
    count = files if files is not None else max(1, math.ceil(total_mb / EXPORT_FILE_MB))
    if count < 1:
        raise ValueError("files must be at least 1")
    rng = random.Random(seed)
    manifest = Manifest(seed=seed, files=count, total_bytes=0)
    cid = 100_001
    for index in range(1, count + 1):
        target = total * index // count - total * (index - 1) // count
        rel = f"crm/exports/customers-{index:03d}.csv"
        (out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        rows: list[str] = []
        # csv.writer writes each row with one write() call: collecting them keeps the byte count cheap.
        writer = csv.writer(_RowSink(rows), lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        size, line, row = len(rows[0]), 1, 0
        while size < target:
            row += 1
            line += 1
            fields, planted, decoys = _export_row(rng, row, cid)
            cid += 1
            writer.writerow(fields)
            size += len(rows[-1].encode("utf-8"))
            manifest.planted.extend(Planted(rel, e, v, line) for e, v in planted)
            manifest.decoys.extend(Decoy(rel, k, v, line) for k, v in decoys)
        data = "".join(rows).encode("utf-8")
        (out_dir / rel).write_bytes(data)
        manifest.total_bytes += len(data)
    return manifest


def default_manifest_path(out_dir: Path) -> Path:
    """``OUT_DIR/../<OUT_DIR name>.manifest.json``: outside the corpus, so a scan never reads the truth."""
    out = Path(out_dir).resolve()
    return out.parent / f"{out.name}.manifest.json"


def main(argv: Iterable[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path, help="folder to create (must be missing or empty)")
    ap.add_argument("--mb", type=float, default=50.0, help="total size in MB (default 50)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--density", type=float, default=0.001, help="share of lines with a planted value")
    ap.add_argument("--files", type=int, default=None, help="force this many files")
    ap.add_argument("--style", choices=(*STYLES, "export"), default="business",
                    help="business: numbers everywhere (default); prose: hardly a number; export: customer CSVs "
                         "with values on every line (--density does not apply)")
    ap.add_argument("--manifest", type=Path, default=None,
                    help="manifest path (default OUT_DIR/../NAME.manifest.json)")
    args = ap.parse_args(None if argv is None else list(argv))
    started = time.perf_counter()
    try:
        if args.style == "export":
            manifest = generate_export(args.out_dir, args.mb, seed=args.seed, files=args.files)
        else:
            manifest = generate(args.out_dir, args.mb, seed=args.seed, density=args.density, files=args.files,
                                style=args.style)
    except (ValueError, FileExistsError) as exc:
        ap.error(str(exc))
    elapsed = time.perf_counter() - started
    path = args.manifest or default_manifest_path(args.out_dir)
    manifest.write(path)
    print(
        f"{manifest.files} files, {manifest.total_bytes:,} bytes, {len(manifest.planted)} planted, "
        f"{len(manifest.decoys)} decoys in {elapsed:.1f} s; manifest {path}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
