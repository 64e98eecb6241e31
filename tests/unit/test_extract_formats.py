"""Every format's planted values found at the right member and location (extraction in-process, no subprocess:
the subprocess path is covered by tests/integration/test_extract_hostile.py and the e2e scan)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ClassificationConfig, ExtractionConfig  # noqa: E402
from scanner.extract.core import Ctx, extract_bytes  # noqa: E402
from scanner.extract.detect import sniff  # noqa: E402
from scanner.extract.limits import Budget, safe_member_name  # noqa: E402
from scanner.extract.office import col_letters, render_number  # noqa: E402
from scanner.extract.text import TextChunker, decode_text, html_visible_text  # noqa: E402
from scanner.runtime.findings import component_findings  # noqa: E402


@pytest.fixture(scope="module")
def classifier():
    from scanner.classify import Classifier

    return Classifier(ClassificationConfig(), b"k" * 32, store_raw=True)


def findings_of(path: Path, classifier, cfg: ExtractionConfig | None = None):
    """(entity, member, location, value) of every finding, plus the notes, as the worker would record them."""
    budget = Budget(cfg or ExtractionConfig())
    out = []
    for comp in extract_bytes(path.read_bytes(), Ctx(budget, path.name)):
        for f, _ in component_findings("ds", path.name, comp, classifier.detect(comp.text)):
            out.append((f.entity, f.member, f.location, f.value))
    return out, budget.notes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("formats")
    return root, fx.build_formats(root)


def test_every_planted_value_found_at_its_place(corpus, classifier):
    root, planted = corpus
    by_file: dict[str, list[fx.Planted]] = {}
    for p in planted:
        by_file.setdefault(p.file, []).append(p)
    problems = []
    for file, expected in sorted(by_file.items()):
        found, notes = findings_of(root / file, classifier)
        for p in expected:
            hits = [f for f in found if f[3] == p.value and f[0] == p.entity]
            if len(hits) != 1 or not p.matches(hits[0][1], hits[0][2]):
                problems.append(f"{file}: {p.entity} at {p.member!r} {p.location!r}: got {[h[1:3] for h in hits]}"
                                f" notes={notes}")
        assert not notes or file in (), f"{file}: unexpected notes {notes}"
    assert not problems, "\n".join(problems)
    assert len({p.file for p in planted}) >= 27  # one file per format family member


def test_formats_are_detected_by_content_not_extension(corpus):
    root, _ = corpus
    expect = {"report.docx": "zip", "statement.pdf": "pdf", "old.xls": "ole", "outlook.msg": "ole",
              "letter.rtf": "rtf", "backup.tar.gz": "gzip", "backup.tar.bz2": "bzip2", "backup.tar.xz": "xz",
              "archive.7z": "7z", "plain.tar": "tar", "mail.eml": "eml", "page.html": "html", "notes.txt": "text"}
    for name, fmt in expect.items():
        data = (root / name).read_bytes()[:65536]
        assert sniff(name, data) == fmt, name
        assert sniff("renamed.bin", data) == fmt or fmt in ("eml", "html"), name  # the name is only a hint


def test_pdf_renamed_txt_is_still_a_pdf(corpus, classifier, tmp_path):
    root, planted = corpus
    dst = tmp_path / "statement.txt"
    dst.write_bytes((root / "statement.pdf").read_bytes())
    found, _ = findings_of(dst, classifier)
    value = next(p.value for p in planted if p.file == "statement.pdf")
    assert [f[2].split(";")[0] for f in found if f[3] == value] == ["page=2"]


def test_value_straddling_a_component_cut_is_found_once_with_its_column(classifier):
    value = fx.card(77)
    size, overlap = 5000, 64
    text = "-" * (size - 8) + value + "-" * 3000 + "\nsecond line card " + fx.card(78) + "\n"
    ch = TextChunker(size=size, overlap=overlap)
    comps = list(ch.feed(text[:7000])) + list(ch.feed(text[7000:])) + list(ch.finish())
    assert len(comps) >= 2
    assert comps[0].keep_to == size  # no whitespace near the limit: the cut falls inside the value
    found = [f for c in comps for f, _ in component_findings("ds", "x.txt", c, classifier.detect(c.text))]
    locs = sorted((f.value, f.location) for f in found)
    assert locs == [(value, f"line=1,col={size - 8 + 1}"), (fx.card(78), "line=2,col=18")]


def test_chunker_positions_across_many_cuts():
    text = "".join(f"line {i} " + "x" * (i % 50) + "\n" for i in range(3000))
    ch = TextChunker(size=1000, overlap=100)
    comps = list(ch.feed(text)) + list(ch.finish())
    own = "".join(c.text[c.keep_from:c.keep_to] for c in comps)
    assert own == text  # the own parts tile the text exactly
    for c in comps:
        before = text[: text.index(c.text)] if c.text else ""
        assert c.start_line == before.count("\n") + 1


def test_decode_text_encodings():
    assert decode_text("héllo".encode("utf-16")) == "héllo"
    assert decode_text("héllo wörld".encode("utf-16-le")) == "héllo wörld"
    assert decode_text("crème".encode("cp1252")) == "crème"
    assert decode_text(b"\x81\x8d ok") == "\x81\x8d ok"  # cp1252's undefined bytes fall back to latin-1
    assert decode_text("naïve".encode()) == "naïve"


def test_html_visible_text_keeps_lines_and_drops_scripts():
    html = "<html><head><title>T</title><script>var card='4111111111111111';</script></head>\n<body>\n<p>a &amp; b</p>"
    text = html_visible_text(html)
    assert "4111" not in text and "T" in text
    assert text.split("\n")[2].strip() == "a & b"


def test_numbers_and_cell_names():
    assert render_number("4.739201007919E+15") == "4739201007919000"
    assert render_number("4739201007919001") == "4739201007919001"
    assert render_number("12.5") == "12.5"
    assert [col_letters(n) for n in (1, 26, 27, 702, 703)] == ["A", "Z", "AA", "ZZ", "AAA"]


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd", "etc/passwd"), ("/abs/path.txt", "abs/path.txt"), ("C:\\win\\..\\x.txt", "C:/win/x.txt"),
    ("a/\x00b", "a/?b"), ("..", "(unnamed)"),
])
def test_member_names_are_sanitised(name, expected):
    assert safe_member_name(name) == expected


def test_hand_built_rar_is_read_by_another_rar_reader_too(tmp_path):
    """The RAR fixture is written from the specification; libarchive (bsdtar) must agree it is a RAR5 archive."""
    import subprocess

    path = tmp_path / "t.rar"
    path.write_bytes(fx.make_rar5({"a/b.txt": b"hello rar\n", "c.txt": b"second\n"}))
    listing = subprocess.run(["bsdtar", "-tf", str(path)], capture_output=True, text=True, check=True)
    assert listing.stdout.split() == ["a/b.txt", "c.txt"]
    out = subprocess.run(["bsdtar", "-xOf", str(path), "a/b.txt"], capture_output=True, check=True)
    assert out.stdout == b"hello rar\n"


def test_ssn_stored_as_a_number_is_found_through_its_cell_format(classifier, tmp_path):
    """Excel's "Special: Social Security Number" format shows 536221234 as 536-22-1234: so do we, so it is found.
    Numbers in other formats keep their plain digits (no invented dashes)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Staff"
    ws["A1"], ws["B1"], ws["C1"] = "name", "ssn", "amount"
    ws["A2"], ws["B2"], ws["C2"] = "Ann", 536221234, 5
    ws["B2"].number_format = "000-00-0000"
    ws["C2"].number_format = "0.00"
    ws["B3"] = 536221235  # same digits shape, no special format: not an SSN to a reader, not rendered as one
    wb.save(tmp_path / "staff.xlsx")
    found, _ = findings_of(tmp_path / "staff.xlsx", classifier)
    ssn = [f for f in found if f[0] == "US_SSN"]
    assert [(f[2].split(";")[0], f[3]) for f in ssn] == [("Staff!B2", "536-22-1234")]


def test_digit_templates():
    from scanner.extract.office import apply_digit_template, digit_template

    assert apply_digit_template("536221234", digit_template("000\\-00\\-0000")) == "536-22-1234"
    assert apply_digit_template("1234", digit_template("00000")) == "01234"
    assert digit_template("0.00") is None and digit_template("General") is None
    assert apply_digit_template("12345678901", digit_template("000-00-0000")) == "12345678901"  # too long: as is


@pytest.mark.parametrize("name", ["report.docx", "book.xlsx", "deck.pptx", "memo.odt", "slides.odp", "ledger.ods",
                                  "bundle.zip", "statement.pdf"])
def test_compiled_parsers_give_the_pure_python_paths_text(corpus, name):
    """PDFium, calamine and lxml/XSLT (Ctx.fast) against the paths they fall back to: same components, text and
    segments (PDFium's page text may differ from pypdf's in trailing whitespace only)."""
    root, _ = corpus
    data = (root / name).read_bytes()
    runs = []
    for fast in (True, False):
        budget = Budget(ExtractionConfig())
        comps = list(extract_bytes(data, Ctx(budget, name, fast=fast)))
        runs.append(([(c.member, c.location, c.text.rstrip() if name.endswith(".pdf") else c.text, c.segments,
                       c.table) for c in comps], budget.notes))
    assert runs[0] == runs[1]
