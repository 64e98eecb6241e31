"""What Presidio's rules missed, found through a real `datascan scan` (one scan, 2 workers, SQLite store): phones
without a hotword, current card ranges and lengths, no card inside an IBAN, tabular headers far above their values
(CSV, TSV, XLSX), placeholder secrets left silent, several templates in one job, a value two rules find reported
once."""

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
]
# Things that must stay silent (any entity).
SILENT = ["order ORD-2023-930073 shipped", "call 123-456-7890 now", "at 2024-03-01 12:30:45 UTC",
          "ref 94111111111111111", "AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = AKIAXXXXXXXXXXXXXXXX",
          "token ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "api_key = YOUR_API_KEY_GOES_HERE",
          "ghp_16C7e42F292c6912E7710c838347Ae178B4a"]


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
