"""What Presidio's rules missed, found through a real `datascan scan` (one scan, 2 workers, SQLite store): phones
without a hotword, current card ranges and lengths, no card inside an IBAN, tabular headers far above their values
(CSV, TSV, XLSX, and tables written in text: pipes, tabs, aligned, one cell per line, single spaces), placeholder
secrets left silent, several templates in one job, a value two rules find reported once; IPv6 before a full stop,
no phone in an IBAN's groups, no secret that is an IBAN, a commit or a UUID."""

from __future__ import annotations

import random
import zlib

import pytest

from tests.cliutil import findings, run

# Each line: a value that must be found (entity, text as written).
PROSE = [
    ("PHONE_NUMBER", "Our Munich office: ", "+49 89 2190 4410", "."),
    ("PHONE_NUMBER", "Ask for Dana on ", "404-359-5358", " after five."),
    ("PHONE_NUMBER", "Tel. ", "+81 3-4035-1666", ""),
    ("PHONE_NUMBER", "The London desk is on ", "020 7946 0958", " most days."),
    ("CREDIT_CARD", "Mastercard ", "2221 0000 0000 0009", " was charged."),
    ("CREDIT_CARD", "Renewed with ", "2720 9912 3400 0003", "."),
    ("CREDIT_CARD", "Mir ", "2200 1234 5600 0003", ""),
    ("CREDIT_CARD", "visa ", "4111 1111 1111 1000 008", ""),
    ("CREDIT_CARD", "UnionPay ", "6212 3456 7800 0000 002", ""),
    ("CREDIT_CARD", "maestro ", "6759 6498 0006", ""),
    ("IBAN_CODE", "wire to ", "DE65 4003 8407 9556 5918 61", " by Friday"),
    ("IBAN_CODE", "iban ", "gb82west12345698765432", ""),
    ("US_SSN", "SSN ", "536221234", ""),
    ("EMAIL_ADDRESS", "write to ", "Jane.Roe+hr@mail.example.co.uk", ""),
    ("PHONE_NUMBER", "Joseph can be reached on ", "07700 372654", " until 16:30."),
    ("PHONE_NUMBER", "From Germany dial ", "0049 89 2190 4410", "."),
    ("IP_ADDRESS", "Lisa moved the billing portal to ", "fe80::3f71", "."),
    ("IP_ADDRESS", "The database moved to ", "2001:db8:51a7::40.199.242.194", "."),
    ("SLACK_TOKEN", "SLACK_BOT_TOKEN=", "xoxb-840351311810-3333377214362-RKQ4lq9imdjotI7j6sSZ7hkC", ""),
    ("GENERIC_SECRET", "", "API_TOKEN = sV*A7K2S*1nLdMyX6TPIPPZ4C", ""),
]
# Things that must stay silent (any entity).
SILENT = ["order ORD-2023-930073 shipped", "call 123-456-7890 now", "at 2024-03-01 12:30:45 UTC",
          "ref 94111111111111111", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
          "token ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "api_key = YOUR_API_KEY_GOES_HERE",
          "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
          # Phone-like digits in an IBAN's groups are the IBAN's (one finding, IBAN_CODE, counted apart below).
          "audit ref 002.477.2339 closed", "Joshua Patel 800489708 Milan",
          "Call the desk if the mobile app fails.", "Order PO 4759104850 shipped.",
          # Near a password label, but an IBAN, a commit, a UUID: no secret.
          "Reset your password first. IBAN IT48M733831193711T82L027332 (check digits wrong)",
          "Reset your password, then commit 95d14072ad4adcff927d3e0370ae4fc796d47073 went in.",
          "Authorization: token rotated. Tenant C85BA68E-867E-4C57-BD69-618ADA21AB48 was migrated."]
IBAN_LINE = "New IBAN for Lamna: PT77 7995 4615 0065 9372 9475 2 from today"

# Tables written in text: the header names the column of values without context on their own lines. Each
# (entity, value) is planted as the last row of its table, far from its header's word.
TEXT_TABLES = {
    "pipes.md": ("| Name | Passport no. | Office |\n|---|---|---|\n{rows}| Richard King | {v} | Atlanta |\n",
                 "| {name} | {filler} | {city} |\n", "US_PASSPORT", "651466244"),
    "tabs.txt": ("Name\tSSN\tOffice\n{rows}Anthony Hall\t{v}\tMadrid\n", "{name}\t{filler}\t{city}\n", "US_SSN",
                 "490210673"),
    "aligned.txt": ("Name              Phone         Office\n{rows}Barbara Thompson  {v}    Boston\n",
                    "{name}  {filler}    {city}\n", "PHONE_NUMBER", "2155392549"),
    "cells.txt": ("Name\nPassword\nOffice\n{rows}Sandra Walker\n{v}\nDublin\n", "{name}\n{filler}\n{city}\n",
                  "GENERIC_SECRET", "L1s6%JvGZtVlXNNCU~ZBre"),
    "spaced.txt": ("Name Passport no. Office\n{rows}Michael Jones {v} Singapore\n", "{name} {filler} {city}\n",
                   "US_PASSPORT", "K54559410"),
}


def _github_token(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    body = "".join(rng.choice(alphabet) for _ in range(30))
    n, tail = zlib.crc32(body.encode()), ""
    for _ in range(6):
        n, r = divmod(n, 62)
        tail = alphabet[r] + tail
    return "ghp_" + body + tail


def _table(rng: random.Random, rows: int) -> tuple[list[str], list[list[str]], dict[str, list[str]]]:
    """A customer table whose phone, ssn and aws_key columns hold bare values (no context on their lines)."""
    header = ["id", "name", "phone", "ssn", "aws_key", "amount"]
    body, planted = [], {"PHONE_NUMBER": [], "US_SSN": [], "AWS_ACCESS_KEY_ID": []}
    b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for i in range(rows):
        phone = f"{rng.choice([212, 404, 415, 617])}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
        ssn = f"{rng.randint(100, 665):03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
        key = "AKIA" + "".join(rng.choice(b32) for _ in range(16))
        row = [str(i), f"Customer {i}", "", "", "", f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}"]
        if i % 50 == 49:  # a few, far below the header
            row[2], row[3], row[4] = phone, ssn, key
            planted["PHONE_NUMBER"].append(phone)
            planted["US_SSN"].append(ssn)
            planted["AWS_ACCESS_KEY_ID"].append(key)
        body.append(row)
    return header, body, planted


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], dict[str, dict[str, list[str]]], str]:
    import openpyxl

    tmp = tmp_path_factory.mktemp("detect")
    share = tmp / "share"
    share.mkdir()
    rng = random.Random(11)
    token = _github_token(rng)
    lines = [f"{pre}{value}{post}" for _, pre, value, post in PROSE] + SILENT + [f"GITHUB_TOKEN={token}"]
    (share / "notes.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (share / "iban.txt").write_text(IBAN_LINE + "\n", encoding="utf-8")
    for name, (table, row, _, value) in TEXT_TABLES.items():
        # Rows of values of no entity (a word and a short number) between the header and the planted value.
        rows = "".join(row.format(name=f"Person {i}", filler=f"n/a {i}", city="Lyon") for i in range(6))
        (share / name).write_text("Minutes of the review, with the table below.\n" + table.format(rows=rows, v=value)
                                  + "\nThe meeting closed at noon after a long discussion of the budget.\n",
                                  encoding="utf-8")
    # A CSV export whose key column holds multi-line key blocks: the sniffed head (200 lines) ends inside one.
    key_block = '"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oYDuU7M6Sbm/oAoGCCqGSM49\n' \
                'AwEHoUQDQgAE6dABwb9V41NAPaO6Rs5r5NcwvVX63fBVhRW8KuqCAsTKTKalEyk5\n-----END EC PRIVATE KEY-----"'
    creds = ["service,username,password,private_key,note"]
    creds += [f"wiki,user{i},,{key_block if i == 197 else ''},n/a" for i in range(200)]
    creds += ["grafana,mary_admin,8OpEvJp4MHDuK9aWKW1Ef_5e,,n/a"]
    (share / "credentials.csv").write_text("\n".join(creds) + "\n", encoding="utf-8")
    planted: dict[str, dict[str, list[str]]] = {}
    header, body, planted["export.csv"] = _table(rng, 3000)
    (share / "export.csv").write_text("\n".join(",".join(r) for r in [header, *body]) + "\n", encoding="utf-8")
    header, body, planted["export.tsv"] = _table(rng, 3000)
    (share / "export.tsv").write_text("\n".join("\t".join(r) for r in [header, *body]) + "\n", encoding="utf-8")
    header, body, planted["book.xlsx"] = _table(rng, 3000)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    for row in [header, *body]:
        ws.append(row)
    wb.save(share / "book.xlsx")
    job = tmp / "job.yaml"
    job.write_text(f"name: detect\ndatasources:\n  - id: share\n    type: filesystem\n    path: {share}\n"
                   "classification:\n  template: [pii, secrets]\n")
    db = tmp / "d.db"
    r = run("scan", "--job", str(job), "--workers", "2", "--db", str(db))
    assert r.returncode == 0, r.stderr[-3000:]
    return findings(db), planted, token


def _digits(s: str) -> str:
    return "".join(c for c in s if c.isalnum()).upper()


def test_prose_values_found(scanned: tuple[list[dict], dict, str]) -> None:
    rows, _, token = scanned
    notes = [(f["entity"], f["masked"], f["value_hash"]) for f in rows if f["object"] == "notes.txt"]
    got = {(e) for e, _, _ in notes}
    for entity, _, _, _ in PROSE:
        assert entity in got
    # One finding per planted value (and per secret), nothing for the silent lines.
    assert len(notes) == len(PROSE) + 1, notes
    assert sorted(e for e, _, _ in notes) == sorted([e for e, _, _, _ in PROSE] + ["GITHUB_TOKEN"])


def test_no_card_inside_an_iban(scanned: tuple[list[dict], dict, str]) -> None:
    rows, _, _ = scanned
    from scanner.classify.masking import key_from_env_value, value_hash
    from tests.cliutil import KEY

    card_in_iban = value_hash(key_from_env_value(KEY), "CREDIT_CARD", "4003840795565918")
    assert not [f for f in rows if f["value_hash"] == card_in_iban]


def test_phone_digits_in_an_iban_are_the_iban(scanned: tuple[list[dict], dict, str]) -> None:
    rows, _, _ = scanned
    assert [f["entity"] for f in rows if f["object"] == "iban.txt"] == ["IBAN_CODE"]


@pytest.mark.parametrize("name", sorted(TEXT_TABLES))
def test_tables_written_in_text(scanned: tuple[list[dict], dict, str], name: str) -> None:
    from scanner.classify.masking import key_from_env_value, value_hash
    from tests.cliutil import KEY

    rows, _, _ = scanned
    _, _, entity, value = TEXT_TABLES[name]
    mine = [(f["entity"], f["value_hash"]) for f in rows if f["object"] == name]
    assert mine == [(entity, value_hash(key_from_env_value(KEY), entity, value))], mine


def test_csv_with_key_blocks_keeps_its_header(scanned: tuple[list[dict], dict, str]) -> None:
    from scanner.classify.masking import key_from_env_value, value_hash
    from tests.cliutil import KEY

    rows, _, _ = scanned
    mine = [f for f in rows if f["object"] == "credentials.csv"]
    secret = value_hash(key_from_env_value(KEY), "GENERIC_SECRET", "8OpEvJp4MHDuK9aWKW1Ef_5e")
    assert [f["value_hash"] for f in mine if f["entity"] == "GENERIC_SECRET"] == [secret]
    assert all("column=" in f["location"] for f in mine), mine


@pytest.mark.parametrize("name", ["export.csv", "export.tsv", "book.xlsx"])
def test_columns_far_below_their_header(scanned: tuple[list[dict], dict, str], name: str) -> None:
    from scanner.classify.masking import key_from_env_value, value_hash
    from tests.cliutil import KEY

    rows, planted, _ = scanned
    key = key_from_env_value(KEY)
    mine = [f for f in rows if f["object"] == name]
    for entity, values in planted[name].items():
        hashes = {f["value_hash"] for f in mine if f["entity"] == entity}
        expected = {value_hash(key, entity, v) for v in values}
        assert expected <= hashes, (entity, len(expected - hashes))
        # Each finding carries its column's verdict: the column and the share of its non-empty cells.
        share = f"share={len(values)}/{len(values)}"
        assert all(share in f["location"] and "column=" in f["location"]
                   for f in mine if f["entity"] == entity), entity
    # The amount column (numbers) and the name column hold nothing.
    assert {f["entity"] for f in mine} == set(planted[name])
