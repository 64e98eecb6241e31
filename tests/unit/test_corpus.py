"""The synthetic corpus generator (benchmarks.corpus) and the hand-made demo corpus in examples/.

Checksums are recomputed here from their definitions rather than with the generator's helpers, so a bug in
those helpers cannot hide itself.
"""

import csv
import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from benchmarks.corpus import (
    BENIGN,
    DECOY_KINDS,
    ENTITIES,
    EXPORT_COLUMNS,
    PROSE,
    Decoy,
    Manifest,
    Planted,
    default_manifest_path,
    generate,
    generate_export,
    main,
    read_lines,
    verify_manifest,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DEMO_ROOT = EXAMPLES / "corpus"
DEMO_MANIFEST = EXAMPLES / "corpus.manifest.json"

SIZE_MB = 0.5
DENSITY = 0.02  # far above the default, so half a megabyte still holds a hundred-odd values


# ----------------------------------------------------------------------------------------------------------
# Independent checks


def luhn(s: str) -> bool:
    digits = [int(c) for c in s if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mod97(s: str) -> bool:
    compact = s.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def ssn_in_range(s: str) -> bool:
    area, group, serial = (int(p) for p in s.split("-"))
    return 1 <= area <= 899 and area != 666 and group >= 1 and serial >= 1


SSN_SHAPE = re.compile(r"\d{3}-\d{2}-\d{4}")
IBAN_SHAPE = {
    "GB": re.compile(r"GB\d{2}[A-Z]{4}\d{14}"),
    "DE": re.compile(r"DE\d{20}"),
}
CARD_SHAPES = (
    re.compile(r"\d{15,16}"),
    re.compile(r"\d{4} \d{4} \d{4} \d{4}|\d{4} \d{6} \d{5}"),
    re.compile(r"\d{4}-\d{4}-\d{4}-\d{4}|\d{4}-\d{6}-\d{5}"),
)
EMAIL_SHAPE = re.compile(r"[a-z]+\.[a-z]+@[a-z]+\.(com|org|co\.uk)")
PHONE_SHAPE = re.compile(r"\(\d{3}\) 555-01\d\d|\d{3}-555-01\d\d|\+44 20 7946 0\d{3}")
IPV4_SHAPE = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")


def entries(m: Manifest) -> list[Planted | Decoy]:
    return [*m.planted, *m.decoys]


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("gen") / "corpus"
    return root, generate(root, SIZE_MB, seed=5, density=DENSITY)


# ----------------------------------------------------------------------------------------------------------
# Generator


def test_same_seed_gives_identical_bytes(corpus: tuple[Path, Manifest], tmp_path: Path) -> None:
    root, manifest = corpus
    again = generate(tmp_path / "again", SIZE_MB, seed=5, density=DENSITY)
    assert tree_bytes(tmp_path / "again") == tree_bytes(root)
    assert again.to_json() == manifest.to_json()


def test_other_seed_gives_other_corpus(corpus: tuple[Path, Manifest], tmp_path: Path) -> None:
    root, manifest = corpus
    other = generate(tmp_path / "other", SIZE_MB, seed=6, density=DENSITY)
    assert tree_bytes(tmp_path / "other") != tree_bytes(root)
    assert other.to_json() != manifest.to_json()


def test_size_files_and_layout(corpus: tuple[Path, Manifest]) -> None:
    root, manifest = corpus
    files = tree_bytes(root)
    assert manifest.files == len(files)
    assert manifest.total_bytes == sum(len(b) for b in files.values())
    target = SIZE_MB * 1024 * 1024
    assert target <= manifest.total_bytes < target * 1.1
    for rel, data in files.items():
        assert rel.count("/") in (2, 3), rel  # two or three folder levels
        assert rel.rsplit(".", 1)[1] in {"txt", "csv", "log", "md", "json", "html", "xml"}
        assert data.endswith(b"\n")
        data.decode("ascii")


def test_forced_file_count(tmp_path: Path) -> None:
    m = generate(tmp_path / "c", 0.2, seed=2, files=7)
    assert m.files == 7 == len(tree_bytes(tmp_path / "c"))


def test_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "stale.txt").write_text("old\n")
    with pytest.raises(FileExistsError):
        generate(tmp_path, 0.1)


def test_default_corpus_bytes_are_pinned(tmp_path: Path) -> None:
    # Tests and benchmarks compare figures across commits on this output: a new style must not change it.
    root = tmp_path / "c"
    manifest = generate(root, 0.1, seed=3, density=0.01)
    h = hashlib.sha256()
    for rel, data in tree_bytes(root).items():
        h.update(rel.encode() + b"\0" + data + b"\0")
    h.update(manifest.to_json().encode())
    assert h.hexdigest() == "e6385db732dda979409339d4db3b9b1af85648f05d99c7f694caac9404b1dc94"


# Context words of the number-shaped entities (see the comment above corpus.BENIGN): benign text holds none.
CONTEXT_WORDS = ("phone", "mobile", "cell", "fax", "social", "security", "ssn", "passport", "account", "acct",
                 "bank", "checking", "savings", "deposit")


def digit_share(root: Path) -> float:
    data = b"".join(tree_bytes(root).values())
    return sum(data.count(d) for d in b"0123456789") / len(data)


def test_prose_style_has_hardly_a_number(tmp_path: Path) -> None:
    root = tmp_path / "prose"
    manifest = generate(root, 0.3, seed=4, density=0.02, style="prose")
    assert verify_manifest(root, manifest) == []
    assert {rel.rsplit(".", 1)[1] for rel in tree_bytes(root)} <= {"txt", "md", "html"}
    assert digit_share(root) < 0.01
    generate(tmp_path / "business", 0.3, seed=4)  # the default style: number-heavy business text
    assert digit_share(tmp_path / "business") > 0.12
    assert not [t for t in PROSE for w in CONTEXT_WORDS if w in t.lower()]
    assert not [t for t in BENIGN for w in CONTEXT_WORDS if w in t.lower()]
    with pytest.raises(ValueError):
        generate(tmp_path / "x", 0.1, style="poetry")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    root = tmp_path_factory.mktemp("export") / "corpus"
    return root, generate_export(root, 0.3, seed=5, files=2)


def test_export_manifest_is_accurate(export: tuple[Path, Manifest]) -> None:
    root, manifest = export
    assert verify_manifest(root, manifest, one_per_line=False) == []
    assert manifest.files == 2 == len(tree_bytes(root))
    assert manifest.total_bytes == sum(len(b) for b in tree_bytes(root).values())
    assert {p.entity for p in manifest.planted} == set(ENTITIES)
    assert {d.kind for d in manifest.decoys} == set(DECOY_KINDS)


def test_export_is_a_csv_with_a_value_on_every_row(export: tuple[Path, Manifest]) -> None:
    root, manifest = export
    for rel, data in tree_bytes(root).items():
        assert data.count(b"\r\n") == data.count(b"\n")  # CRLF throughout
        rows = list(csv.reader(data.decode("utf-8").splitlines()))
        assert rows[0] == list(EXPORT_COLUMNS)
        assert all(len(r) == len(EXPORT_COLUMNS) for r in rows[1:])
        per_line: dict[int, list[Planted]] = {}
        for p in manifest.planted:
            if p.file == rel:
                per_line.setdefault(p.line, []).append(p)
        body = range(2, len(rows) + 1)
        assert sorted(per_line) == list(body)  # one or more values on every data row
        for line in body:
            row = rows[line - 1]
            emails = [p.value for p in per_line[line] if p.entity == "EMAIL_ADDRESS"]
            assert row[3] in emails
            cards = [p.value for p in per_line[line] if p.entity == "CREDIT_CARD"]
            assert cards == ([row[12]] if (line - 1) % 5 == 0 else []), (rel, line)


def test_export_values_are_valid_and_decoys_are_not(export: tuple[Path, Manifest]) -> None:
    _, manifest = export
    by: dict[str, list[str]] = {}
    for p in manifest.planted:
        by.setdefault(p.entity, []).append(p.value)
    assert all(luhn(v) for v in by["CREDIT_CARD"])
    assert all(mod97(v) for v in by["IBAN_CODE"])
    assert all(SSN_SHAPE.fullmatch(v) and ssn_in_range(v) for v in by["US_SSN"])
    assert all(re.fullmatch(r"[a-z0-9._]+@[a-z]+\.(com|net|org|co\.uk)", v) for v in by["EMAIL_ADDRESS"])
    for d in manifest.decoys:
        ok = {"luhn_fail": luhn, "iban_bad_check": mod97, "ssn_bad_range": ssn_in_range}[d.kind]
        assert not ok(d.value), d


def test_export_same_seed_same_bytes(export: tuple[Path, Manifest], tmp_path: Path) -> None:
    root, manifest = export
    again = generate_export(tmp_path / "again", 0.3, seed=5, files=2)
    assert tree_bytes(tmp_path / "again") == tree_bytes(root)
    assert again.to_json() == manifest.to_json()


def test_structured_files_stay_valid(corpus: tuple[Path, Manifest]) -> None:
    root, _ = corpus

    class Strict(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag != "meta":
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack.pop() == tag

    for path in sorted(root.rglob("*")):
        if path.suffix == ".json":
            assert isinstance(json.loads(path.read_text()), list)
        elif path.suffix == ".xml":
            ET.parse(path)
        elif path.suffix == ".html":
            parser = Strict()
            parser.feed(path.read_text())
            parser.close()
            assert parser.stack == []
        elif path.suffix == ".csv":
            lines = path.read_text().splitlines()
            assert lines[0] == "record_id,date,owner,department,amount,notes"
            assert all(line.endswith('"') and line.count('"') == 2 for line in lines[1:])


def test_manifest_lines_hold_their_values(corpus: tuple[Path, Manifest]) -> None:
    root, manifest = corpus
    assert verify_manifest(root, manifest) == []
    # The generator's stricter promise: only a space or ( ) , . : next to a value.
    for e in entries(manifest):
        line = read_lines(root / e.file)[e.line - 1]
        i = line.index(e.value)
        before, after = line[i - 1], line[i + len(e.value):i + len(e.value) + 1]
        assert before in " (:", (e, line)
        assert after in " (),.:", (e, line)


def test_phone_context_cannot_reach_the_next_line(corpus: tuple[Path, Manifest]) -> None:
    # Presidio's context window is the five keywords before a value, and it spans line ends.
    root, manifest = corpus
    for p in manifest.planted:
        if p.entity == "PHONE_NUMBER":
            line = read_lines(root / p.file)[p.line - 1]
            tail = line[line.index(p.value) + len(p.value):]
            assert len(re.findall(r"[A-Za-z]{4,}", tail)) >= 5, line


def test_every_entity_and_decoy_kind_is_planted(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    assert set(Counter(p.entity for p in manifest.planted)) == set(ENTITIES)
    assert set(Counter(d.kind for d in manifest.decoys)) == set(DECOY_KINDS)
    # About DENSITY of the lines: 0.5 MB is some 3,500 lines.
    assert 30 <= len(manifest.planted) <= 200
    assert len(manifest.decoys) < len(manifest.planted)


def test_no_line_holds_two_values(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    where = [(e.file, e.line) for e in entries(manifest)]
    assert len(where) == len(set(where))


def test_planted_cards_pass_luhn_and_decoys_fail(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    cards = [p.value for p in manifest.planted if p.entity == "CREDIT_CARD"]
    assert cards
    for v in cards:
        assert any(s.fullmatch(v) for s in CARD_SHAPES), v
        digits = re.sub(r"\D", "", v)
        assert luhn(v), v
        assert (len(digits), digits[0]) in {(16, "4"), (16, "5"), (15, "3")}, v
    fails = [d.value for d in manifest.decoys if d.kind == "luhn_fail"]
    assert fails
    for v in fails:
        assert len(re.sub(r"\D", "", v)) == 16 and not luhn(v), v


def test_planted_ibans_pass_mod97_and_decoys_fail(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    ibans = [p.value for p in manifest.planted if p.entity == "IBAN_CODE"]
    bad = [d.value for d in manifest.decoys if d.kind == "iban_bad_check"]
    assert ibans and bad
    for v in ibans + bad:
        compact = v.replace(" ", "")
        assert IBAN_SHAPE[compact[:2]].fullmatch(compact), v
        assert v == compact or v == " ".join(compact[i:i + 4] for i in range(0, len(compact), 4)), v
    assert all(mod97(v) for v in ibans)
    assert not any(mod97(v) for v in bad)


def test_ssn_ranges(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    good = [p.value for p in manifest.planted if p.entity == "US_SSN"]
    bad = [d.value for d in manifest.decoys if d.kind == "ssn_bad_range"]
    assert good and bad
    assert all(SSN_SHAPE.fullmatch(v) for v in good + bad)
    assert all(ssn_in_range(v) for v in good)
    assert not any(ssn_in_range(v) for v in bad)


def test_emails_phones_and_ips_look_right(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    by_entity: dict[str, list[str]] = {}
    for p in manifest.planted:
        by_entity.setdefault(p.entity, []).append(p.value)
    assert all(EMAIL_SHAPE.fullmatch(v) for v in by_entity["EMAIL_ADDRESS"])
    assert all(PHONE_SHAPE.fullmatch(v) for v in by_entity["PHONE_NUMBER"])
    for v in by_entity["IP_ADDRESS"]:
        m = IPV4_SHAPE.fullmatch(v)
        assert m and all(0 <= int(x) <= 255 for x in m.groups()), v


def test_command_line_writes_manifest_beside_corpus(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    assert main([str(out), "--mb", "0.1", "--seed", "3", "--density", "0.01"]) == 0
    path = default_manifest_path(out)
    assert path == tmp_path / "cli.manifest.json"
    loaded = Manifest.load(path)
    assert loaded.to_json() == generate(tmp_path / "lib", 0.1, seed=3, density=0.01).to_json()
    assert loaded.seed == 3 and loaded.files == len(tree_bytes(out))
    assert "planted" in capsys.readouterr().err


def test_manifest_json_round_trips(corpus: tuple[Path, Manifest]) -> None:
    _, manifest = corpus
    text = manifest.to_json()
    data = json.loads(text)
    assert list(data) == ["seed", "files", "bytes", "planted", "decoys"]
    assert set(data["planted"][0]) == {"file", "entity", "value", "line"}
    assert set(data["decoys"][0]) == {"file", "kind", "value", "line"}
    assert Manifest.from_dict(data).to_json() == text


# ----------------------------------------------------------------------------------------------------------
# Demo corpus


@pytest.fixture(scope="module")
def demo() -> Manifest:
    return Manifest.load(DEMO_MANIFEST)


def test_demo_manifest_matches_the_files(demo: Manifest) -> None:
    assert verify_manifest(DEMO_ROOT, demo, one_per_line=False) == []
    files = tree_bytes(DEMO_ROOT)
    assert demo.files == len(files)
    assert demo.total_bytes == sum(len(b) for b in files.values())


def test_demo_values_are_valid_and_decoys_are_not(demo: Manifest) -> None:
    assert {p.entity for p in demo.planted} == set(ENTITIES)
    assert {d.kind for d in demo.decoys} == set(DECOY_KINDS)
    for p in demo.planted:
        if p.entity == "CREDIT_CARD":
            assert luhn(p.value), p
        elif p.entity == "IBAN_CODE":
            assert mod97(p.value), p
        elif p.entity == "US_SSN":
            assert ssn_in_range(p.value), p
        elif p.entity == "EMAIL_ADDRESS":
            assert p.value.endswith(("@example.com", "@example.org")), p
        elif p.entity == "PHONE_NUMBER":
            assert re.search(r"555-01\d\d$|^\+44 20 7946 0\d{3}$", p.value), p
        elif p.entity == "IP_ADDRESS":
            assert p.value.startswith(("192.0.2.", "198.51.100.", "203.0.113.")), p  # RFC 5737
    for d in demo.decoys:
        if d.kind == "luhn_fail":
            assert not luhn(d.value), d
        elif d.kind == "iban_bad_check":
            assert not mod97(d.value), d
        else:
            assert not ssn_in_range(d.value), d


def test_demo_has_a_clean_file_and_legacy_encodings(demo: Manifest) -> None:
    listed = {e.file for e in entries(demo)}
    assert (DEMO_ROOT / "notes/clean.txt").is_file() and "notes/clean.txt" not in listed

    utf16 = (DEMO_ROOT / "hr/legacy-export-utf16.txt").read_bytes()
    assert utf16.startswith(b"\xff\xfe")
    assert "José" in utf16.decode("utf-16")

    cp1252 = (DEMO_ROOT / "finance/cp1252-ledger.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")
    text = cp1252.decode("cp1252")
    assert "é" in text and "€" in text
    assert "hr/legacy-export-utf16.txt" in listed and "finance/cp1252-ledger.txt" in listed


def test_demo_structured_files_parse() -> None:
    json.loads((DEMO_ROOT / "finance/vendors.json").read_text(encoding="utf-8"))
    ET.parse(DEMO_ROOT / "legal/contracts.xml")


def test_demo_job_file_points_at_the_corpus() -> None:
    from scanner.config import load_job

    job = load_job(EXAMPLES / "demo.yaml", {}).config
    assert job.name == "demo"
    (source,) = job.datasources
    assert Path(source.path) == DEMO_ROOT.resolve()
    assert job.classification.template == "pii" and job.classification.min_score == 0.5
