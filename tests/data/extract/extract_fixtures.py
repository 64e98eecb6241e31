"""Builders of the extraction fixtures: one file per format with planted values at awkward places, and the
hostile set. Shared by the unit, integration, fuzz and end-to-end tests (imported by path: tests is no package).

Every planted value is one the classifier really reports: Luhn-valid card numbers (made by :func:`card`) and
SSNs in the SSA's valid ranges, each unique so a finding identifies its place.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from benchmarks.corpus import luhn_check_digit


def card(n: int) -> str:
    """A distinct Luhn-valid 16-digit Visa-shaped number (never a published test number)."""
    body = "4" + f"{739_201_000_000 + n * 7919:014d}"
    return body + luhn_check_digit(body)


def ssn(n: int) -> str:
    return f"{536 + n % 100:03d}-{22 + n % 70:02d}-{8734 + n:04d}"


@dataclass(frozen=True)
class Planted:
    """A value planted in ``file`` at ``member`` (``""`` for the file itself); ``location`` is the expected
    finding location, or its prefix when it ends with ``;`` (then a line/column follows)."""

    file: str
    member: str
    location: str
    entity: str
    value: str

    def matches(self, member: str, location: str) -> bool:
        if member != self.member:
            return False
        if self.location.endswith((";", ",", "=")):
            return location.startswith(self.location) or (self.location == ";" and location.startswith("line="))
        # A finding in a table (CSV, sheet) also carries its column's verdict after the cell's location.
        return location == self.location or location.startswith(self.location + ";column=")


def lc(text: str, value: str) -> str:
    """The ``line=L,col=C`` of the first occurrence of ``value`` in ``text`` (1-based)."""
    i = text.index(value)
    return f"line={text.count(chr(10), 0, i) + 1},col={i - text.rfind(chr(10), 0, i)}"


class _Counter:
    def __init__(self) -> None:
        self.n = 0

    def card(self) -> str:
        self.n += 1
        return card(self.n)


# ------------------------------------------------------------------------------------------------------- PDF

def make_pdf(pages: list[list[str]], loop_xref: bool = False) -> bytes:
    """A minimal valid PDF: one Helvetica text line per string, one page per list."""
    objs: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "72 740 Td", "14 TL"]
        for ln in lines:
            esc = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        # A looping file points every entry at the xref itself and chains the trailer to itself.
        out += f"{(xref_at if loop_xref else off):010d} 00000 n \n".encode()
    prev = f" /Prev {xref_at}" if loop_xref else ""
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{prev} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


# ---------------------------------------------------------------------------------------------- OLE2 (MSG)

_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def make_cfb(tree: dict) -> bytes:
    """A minimal OLE2 compound file (version 3). ``tree`` maps names to bytes (streams) or dicts (storages).

    Every stream is padded to at least 4096 bytes so it lives in the regular FAT (no mini stream needed).
    """
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "kids": []}]
    data_sectors: list[bytes] = []

    def add(node: dict, parent: int) -> None:
        for name, val in node.items():
            idx = len(entries)
            entries[parent]["kids"].append(idx)
            if isinstance(val, dict):
                entries.append({"name": name, "type": 1, "kids": []})
                add(val, idx)
            else:
                val = bytes(val)
                if len(val) < 4096:
                    val = val + b"\x00" * (4096 - len(val))
                start = len(data_sectors)
                for i in range(0, len(val), 512):
                    data_sectors.append(val[i:i + 512].ljust(512, b"\x00"))
                entries.append({"name": name, "type": 2, "kids": [], "start": start, "size": len(val),
                                "nsec": (len(val) + 511) // 512})

    add(tree, 0)
    n_dir = (len(entries) + 3) // 4
    n_fat = 1
    while (len(data_sectors) + n_dir + n_fat) > n_fat * 128:
        n_fat += 1
    fat = [_FREE] * (n_fat * 128)
    for e in entries:
        if e["type"] == 2:
            for k in range(e["nsec"]):
                fat[e["start"] + k] = e["start"] + k + 1 if k + 1 < e["nsec"] else _END
    dir_start = len(data_sectors)
    for k in range(n_dir):
        fat[dir_start + k] = dir_start + k + 1 if k + 1 < n_dir else _END
    fat_start = dir_start + n_dir
    for k in range(n_fat):
        fat[fat_start + k] = _FATSECT
    # Siblings as a right-leaning chain: a valid (if unbalanced) tree for readers.
    right = {}
    child = {}
    for i, e in enumerate(entries):
        kids = e["kids"]
        if kids:
            child[i] = kids[0]
            for a, b in zip(kids, kids[1:], strict=False):
                right[a] = b
    dir_bytes = bytearray()
    for i, e in enumerate(entries):
        name = e["name"].encode("utf-16-le") + b"\x00\x00"
        dir_bytes += name.ljust(64, b"\x00")
        dir_bytes += struct.pack("<HBB", len(name), e["type"], 1)
        dir_bytes += struct.pack("<III", _NOSTREAM, right.get(i, _NOSTREAM), child.get(i, _NOSTREAM))
        dir_bytes += b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
        start = e.get("start", _END if e["type"] == 5 else 0)
        dir_bytes += struct.pack("<IQ", start, e.get("size", 0))
    dir_bytes = dir_bytes.ljust(n_dir * 512, b"\x00")
    # Unused directory slots must be empty entries with NOSTREAM links.
    used = len(entries) * 128
    for off in range(used, n_dir * 512, 128):
        dir_bytes[off + 68:off + 80] = struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM)
    difat = [fat_start + k for k in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, 0x1000, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == 512
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(data_sectors) + bytes(dir_bytes) + fat_bytes


def _u(s: str) -> bytes:
    return s.encode("utf-16-le")


def make_msg(subject: str, body: str, attachments: list[tuple[str, bytes]]) -> bytes:
    tree: dict = {"__substg1.0_0037001F": _u(subject), "__substg1.0_1000001F": _u(body),
                  "__substg1.0_0C1A001F": _u("Payroll Office")}
    for i, (name, data) in enumerate(attachments):
        # The compound-file writer pads streams with NULs; pad text attachments with newlines first instead.
        tree[f"__attach_version1.0_#{i:08X}"] = {"__substg1.0_3707001F": _u(name),
                                                 "__substg1.0_37010102": data.ljust(4096, b"\n")}
    return make_cfb(tree)


# ----------------------------------------------------------------------------------------------------- formats

def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return b.getvalue()


def _tar(members: dict[str, bytes], mode: str) -> bytes:
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode=mode) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()


def _eml(subject: str, body: str, attachments: list[tuple[str, bytes, str]]) -> bytes:
    m = EmailMessage()
    m["From"] = "Payroll <payroll@corp.example>"
    m["To"] = "hr@corp.example"
    m["Subject"] = subject
    m.set_content(body)
    for name, data, ctype in attachments:
        if ctype == "message/rfc822":
            m.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
        else:
            maintype, subtype = ctype.split("/")
            m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


def build_formats(root: Path) -> list[Planted]:
    """Write one file per format under ``root``; return every planted value with its expected place."""
    root.mkdir(parents=True, exist_ok=True)
    c = _Counter()
    out: list[Planted] = []

    def plant(file: str, member: str, location: str, value: str, entity: str = "CREDIT_CARD") -> str:
        out.append(Planted(file, member, location, entity, value))
        return value

    # Plain-text family: the expected line/column is computed from the text written.
    def text_file(name: str, make, value: str, entity: str = "CREDIT_CARD", encoding: str = "utf-8") -> None:
        text = make(value)
        plant(name, "", lc(text, value), value, entity)
        (root / name).write_bytes(text.encode(encoding))

    text_file("notes.txt", lambda v: f"Notes\n\nCard on file {v} until June.\n", c.card())
    text_file("utf16.txt", lambda v: f"hello\ncard {v}\n", c.card(), encoding="utf-16")
    text_file("legacy.txt", lambda v: f"caf\xe9 cr\xe8me card: {v}\n", c.card(), encoding="cp1252")
    text_file("people.csv", lambda v: f"name,ssn\nann,x\nbob,SSN {v}\n", ssn(1), "US_SSN")
    text_file("people.tsv", lambda v: f"name\tcard\nann\t{v}\n", c.card())
    text_file("data.json", lambda v: '{"customer": {"card": ["x", "' + v + '"]}}\n', c.card())
    text_file("data.xml", lambda v: f"<?xml version='1.0'?>\n<card>{v}</card>\n", c.card())
    text_file("readme.md", lambda v: f"# Title\n\n* card {v}\n", c.card())
    text_file("app.log", lambda v: f"2024-01-01 INFO start\n2024-01-01 WARN payment with card {v} declined\n",
              c.card())
    v = plant("page.html", "", "line=4,", c.card())
    (root / "page.html").write_text("<!DOCTYPE html>\n<html><head><title>t</title>\n<script>var x = 1;</script>"
                                    f"</head>\n<body><p>Card <b>{v}</b></p></body></html>\n")

    # RTF.
    v = plant("letter.rtf", "", ";", c.card())
    (root / "letter.rtf").write_text(r"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}\f0\pard Dear customer, your card "
                                     + v + r" was charged.\par}")

    # PDF: value on page 2.
    v = plant("statement.pdf", "", "page=2;", c.card())
    (root / "statement.pdf").write_bytes(make_pdf([["Statement page one"], ["Summary", f"Card {v} charged"]]))

    # DOCX: body, table cell, header, footer, comment.
    import docx

    d = docx.Document()
    p = d.add_paragraph("Intro paragraph.")
    d.add_paragraph("Body card " + plant("report.docx", "", "body;", c.card()))
    t = d.add_table(rows=2, cols=2)
    t.cell(1, 1).text = plant("report.docx", "", "body;", c.card())
    d.sections[0].header.paragraphs[0].text = "Header card " + plant("report.docx", "", "header1;", c.card())
    d.sections[0].footer.paragraphs[0].text = "Footer card " + plant("report.docx", "", "footer1;", c.card())
    d.add_comment(p.runs, text="Comment card " + plant("report.docx", "", "comments;", c.card()), author="x")
    d.save(str(root / "report.docx"))

    # XLSX: a card stored as a number, an SSN as text on a second sheet.
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cards"
    ws["A1"] = "card"
    ws["B7"] = int(plant("book.xlsx", "", "Cards!B7", c.card()))
    ws2 = wb.create_sheet("Payroll")
    ws2["A1"] = "ssn"
    ws2["C3"] = "SSN " + plant("book.xlsx", "", "Payroll!C3", ssn(2), "US_SSN")
    # A cell note (legacy comment) and, added by hand below, a threaded comment: both at their cell.
    from openpyxl.comments import Comment

    ws["D9"] = "see note"
    ws["D9"].comment = Comment("Auditor note: card " + plant("book.xlsx", "", "Cards!D9;comment", c.card()),
                               "auditor")
    threaded = plant("book.xlsx", "", "Payroll!E4;comment", c.card())
    # Excel keeps a plain copy of each threaded comment as a note on the same cell: it must not count twice.
    ws2["E4"].comment = Comment(f"[Threaded comment]\nReply: charge card {threaded} again", "tc")
    xb = io.BytesIO()
    wb.save(xb)
    (root / "book.xlsx").write_bytes(add_threaded_comment(xb.getvalue(), "xl/worksheets/sheet2.xml", "E4",
                                                          f"Reply: charge card {threaded} again"))

    # XLS (BIFF8) via xlwt: a number cell.
    import xlwt

    xb = xlwt.Workbook()
    xs = xb.add_sheet("Legacy")
    xs.write(0, 0, "card")
    xs.write(4, 2, float(plant("old.xls", "", "Legacy!C5", c.card())))
    xb.save(str(root / "old.xls"))

    # PPTX: slide text, a table cell on slide 2, and speaker notes.
    import pptx
    from pptx.util import Inches

    pr = pptx.Presentation()
    s1 = pr.slides.add_slide(pr.slide_layouts[5])
    s1.shapes.title.text = "Quarter review"
    tb = s1.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
    tb.text_frame.text = "Slide card " + plant("deck.pptx", "", "slide=1;", c.card())
    s1.notes_slide.notes_text_frame.text = "Notes card " + plant("deck.pptx", "", "slide=1;notes;", c.card())
    s2 = pr.slides.add_slide(pr.slide_layouts[5])
    tbl = s2.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(6), Inches(1)).table
    tbl.cell(1, 1).text = plant("deck.pptx", "", "slide=2;", c.card())
    pr.save(str(root / "deck.pptx"))

    # OpenDocument.
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    odt = OpenDocumentText()
    odt.text.addElement(P(text="First paragraph"))
    odt.text.addElement(P(text="Card " + plant("memo.odt", "", "body;line=2,col=6", c.card())))
    odt.save(str(root / "memo.odt"))

    ods = OpenDocumentSpreadsheet()
    tab = Table(name="Ledger")
    for r in range(4):
        row = TableRow()
        for col in range(3):
            if (r, col) == (3, 1):
                cell = TableCell(valuetype="float", value=plant("ledger.ods", "", "Ledger!B4", c.card()))
                # A comment on a number cell: its own text, located like an XLSX note.
                note = Annotation()
                note.addElement(P(text="Checked card " + plant("ledger.ods", "", "Ledger!B4;comment", c.card())))
                cell.addElement(note)
            elif (r, col) == (1, 2):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text="SSN " + plant("ledger.ods", "", "Ledger!C2", ssn(3), "US_SSN")))
            else:
                cell = TableCell()
            row.addElement(cell)
        tab.addElement(row)
    ods.spreadsheet.addElement(tab)
    ods.save(str(root / "ledger.ods"))

    odp = _odp(plant("slides.odp", "", "slide=1;", c.card()), plant("slides.odp", "", "slide=1;notes;", c.card()))
    odp.save(str(root / "slides.odp"))

    # EML with an attachment, and an attached message that has its own attachment (attachment of an attachment).
    v_body = plant("mail.eml", "", "body;", c.card())
    v_att = plant("mail.eml", "invoice.txt", "line=1,col=6", c.card())
    v_inner = plant("mail.eml", "fwd.eml!/card.txt", "line=1,col=1", c.card())
    inner = _eml("inner", "see attached", [("card.txt", v_inner.encode() + b"\n", "text/plain")])
    (root / "mail.eml").write_bytes(_eml("Payment", f"Hello,\nyour card {v_body} is on file.\n",
                                         [("invoice.txt", f"Card {v_att}\n".encode(), "text/plain"),
                                          ("fwd.eml", inner, "message/rfc822")]))

    # MSG with a body and an attachment.
    v_mb = plant("outlook.msg", "", "body;", c.card())
    v_ma = plant("outlook.msg", "scan.txt", "line=1,col=6", c.card())
    (root / "outlook.msg").write_bytes(make_msg("Payment", f"Please charge {v_mb} today.",
                                                [("scan.txt", f"Card {v_ma}\n".encode())]))

    # Archives: zip with a nested zip, tar.gz, tar.bz2, tar.xz, plain .gz, 7z.
    v1 = plant("bundle.zip", "docs/a.txt", "line=1,col=6", c.card())
    v2 = plant("bundle.zip", "inner.zip!/x/deep.txt", "line=2,col=1", c.card())
    v3 = plant("bundle.zip", "inner.zip!/sheet.xlsx", "S!A2", c.card())
    (root / "bundle.zip").write_bytes(_zip({
        "docs/a.txt": f"Card {v1}\n".encode(),
        "inner.zip": _zip({"x/deep.txt": f"deep\n{v2}\n".encode(), "sheet.xlsx": _xlsx_bytes("S", "A2", v3)}),
    }))
    for ext, mode in (("tar.gz", "w:gz"), ("tar.bz2", "w:bz2"), ("tar.xz", "w:xz")):
        vv = plant(f"backup.{ext}", "dir/file.txt", "line=1,col=6", c.card())
        (root / f"backup.{ext}").write_bytes(_tar({"dir/file.txt": f"Card {vv}\n".encode()}, mode))
    vv = plant("plain.tar", "f.txt", "line=1,col=6", c.card())
    (root / "plain.tar").write_bytes(_tar({"f.txt": f"Card {vv}\n".encode()}, "w"))
    vv = plant("export.csv.gz", "export.csv", "line=2,col=3", c.card())
    (root / "export.csv.gz").write_bytes(gzip.compress(f"id,card\n1,{vv}\n".encode()))

    import py7zr

    vv = plant("archive.7z", "notes/n.txt", "line=1,col=6", c.card())
    with py7zr.SevenZipFile(root / "archive.7z", "w") as z:
        z.writestr(f"Card {vv}\n".encode(), "notes/n.txt")

    # RAR (no RAR writer exists on Debian: a stored RAR5 archive built by hand), with a zip inside.
    vr = plant("archive.rar", "notes/r.txt", "line=2,col=6", c.card())
    vz = plant("archive.rar", "inner.zip!/z.txt", "line=1,col=1", c.card())
    (root / "archive.rar").write_bytes(make_rar5({"notes/r.txt": f"notes\nCard {vr}\n".encode(),
                                                  "inner.zip": _zip({"z.txt": f"{vz}\n".encode()})}))

    # Legacy Word and PowerPoint 97-2003, committed (see make_legacy_office).
    for name, values in LEGACY_VALUES.items():
        (root / name).write_bytes((LEGACY_DIR / name).read_bytes())
        for location, entity, value in values:
            plant(name, "", location, value, entity)
    return out


# ------------------------------------------------------------------------------------------ legacy Office files

LEGACY_DIR = Path(__file__).parent / "legacy"
# What make_legacy_office planted, with the expected locations (catdoc prints one paragraph per line).
LEGACY_VALUES: dict[str, list[tuple[str, str, str]]] = {
    "memo.doc": [("body;line=2,col=11", "CREDIT_CARD", card(701)), ("body;line=5,col=5", "US_SSN", ssn(71)),
                 ("body;line=6,col=24", "CREDIT_CARD", card(702))],
    "deck.ppt": [("slide=1;line=2,col=12", "CREDIT_CARD", card(703)),
                 ("slide=1;notes;line=1,col=12", "CREDIT_CARD", card(704)),
                 ("slide=2;line=2,col=19", "CREDIT_CARD", card(705))],
}


def make_legacy_office(out: Path) -> None:  # pragma: no cover - run once by hand; its outputs are committed
    """Write legacy/memo.doc and legacy/deck.ppt with LibreOffice (not a test dependency: it is huge).

    ``python tests/data/extract/extract_fixtures.py`` with ``libreoffice`` on the PATH. The .ppt is rebuilt as a
    minimal compound file holding only the two streams a reader needs (LibreOffice adds a 580 KB thumbnail).
    """
    import subprocess
    import tempfile

    import docx
    import olefile
    import pptx
    from pptx.util import Inches

    with tempfile.TemporaryDirectory() as tmp:
        d = docx.Document()
        d.add_paragraph("Legacy memo.")
        d.add_paragraph("Body card " + card(701) + " on file.")
        t = d.add_table(rows=2, cols=2)
        t.cell(1, 1).text = "SSN " + ssn(71)
        d.add_paragraph("Closing line with card " + card(702))
        d.save(f"{tmp}/memo.docx")
        pr = pptx.Presentation()
        s1 = pr.slides.add_slide(pr.slide_layouts[5])
        s1.shapes.title.text = "Quarter review"
        tb = s1.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
        tb.text_frame.text = "Slide card " + card(703)
        s1.notes_slide.notes_text_frame.text = "Notes card " + card(704)
        s2 = pr.slides.add_slide(pr.slide_layouts[5])
        s2.shapes.title.text = "Second"
        tb = s2.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
        tb.text_frame.text = "Second slide card " + card(705)
        pr.save(f"{tmp}/deck.pptx")
        for src, fmt in (("memo.docx", "doc"), ("deck.pptx", "ppt")):
            subprocess.run(["libreoffice", "--headless", "--convert-to", fmt, "--outdir", tmp, f"{tmp}/{src}"],
                           check=True, capture_output=True)
        out.mkdir(parents=True, exist_ok=True)
        (out / "memo.doc").write_bytes(Path(f"{tmp}/memo.doc").read_bytes())
        with olefile.OleFileIO(f"{tmp}/deck.ppt") as o:
            streams = {n: o.openstream(n).read() for n in ("Current User", "PowerPoint Document")}
        (out / "deck.ppt").write_bytes(make_cfb(streams))


# --------------------------------------------------------------------------------------------------------- RAR

def _vint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _rar5_block(fields: bytes, data: bytes = b"") -> bytes:
    size = _vint(len(fields))
    return struct.pack("<I", zlib.crc32(size + fields)) + size + fields + data


def make_rar5(members: dict[str, bytes]) -> bytes:
    """A RAR5 archive of stored (uncompressed) members, written from the format's specification."""
    out = bytearray(b"Rar!\x1a\x07\x01\x00")
    out += _rar5_block(_vint(1) + _vint(0) + _vint(0))             # main header: no flags
    for name, data in members.items():
        nb = name.encode()
        out += _rar5_block(
            _vint(2) + _vint(0x0002) + _vint(len(data))              # file header with a data area
            + _vint(0x0004) + _vint(len(data)) + _vint(0o100644)     # CRC32 present; size; Unix mode
            + struct.pack("<I", zlib.crc32(data))
            + _vint(0) + _vint(1)                                    # method 0 (store), host OS Unix
            + _vint(len(nb)) + nb, data)
    out += _rar5_block(_vint(5) + _vint(0) + _vint(0))             # end of archive
    return bytes(out)


# ------------------------------------------------------------------------------------------- XLSX comments

def add_threaded_comment(xlsx: bytes, sheet_part: str, ref: str, text: str) -> bytes:
    """Add an Excel 365 threaded comment to one sheet (openpyxl writes only the older notes)."""
    d, base = sheet_part.rsplit("/", 1)
    rels_name = f"{d}/_rels/{base}.rels"
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    names = set(src.namelist())
    part = "xl/threadedComments/threadedComment1.xml"
    body = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
            f'<threadedComment ref="{ref}" dT="2024-01-01T00:00:00.00" personId="{{0}}" id="{{1}}">'
            f"<text>{text}</text></threadedComment></ThreadedComments>")
    rel = ('<Relationship Id="rIdThreaded" Type="http://schemas.microsoft.com/office/2017/10/relationships/'
           'threadedComment" Target="../threadedComments/threadedComment1.xml"/>')
    rels = (src.read(rels_name).decode() if rels_name in names else
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
    rels = rels.replace("</Relationships>", rel + "</Relationships>")
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != rels_name:
                z.writestr(info.filename, src.read(info.filename))
        z.writestr(rels_name, rels)
        z.writestr(part, body)
    return b.getvalue()


def _xlsx_bytes(sheet: str, cell: str, value: str) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws[cell] = int(value)
    b = io.BytesIO()
    wb.save(b)
    return b.getvalue()


def _odp(slide_value: str, notes_value: str):  # type: ignore[no-untyped-def]
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout, PageLayoutProperties
    from odf.text import P

    doc = OpenDocumentPresentation()
    pl = PageLayout(name="PL")
    pl.addElement(PageLayoutProperties(margin="0cm", pagewidth="28cm", pageheight="21cm", printorientation="landscape"))
    doc.automaticstyles.addElement(pl)
    mp = MasterPage(name="Default", pagelayoutname=pl)
    doc.masterstyles.addElement(mp)
    page = Page(masterpagename=mp)
    frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    tb = TextBox()
    tb.addElement(P(text="Title"))
    tb.addElement(P(text="Card " + slide_value))
    frame.addElement(tb)
    page.addElement(frame)
    notes = Notes()
    nf = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
    ntb = TextBox()
    ntb.addElement(P(text="Speaker card " + notes_value))
    nf.addElement(ntb)
    notes.addElement(nf)
    page.addElement(notes)
    doc.presentation.addElement(page)
    return doc


# ---------------------------------------------------------------------------------------------------- encrypted

PASSWORD = "correct horse"


def build_encrypted(root: Path) -> tuple[dict[str, tuple[str, str]], list[Planted]]:
    """Password-protected files made with the real tools (pypdf, zip -P, py7zr, msoffcrypto-tool) where one
    exists, and by setting the format's own encryption marker where none does (XLS, DOC, ODT).

    Returns the expected (outcome, words in the reason) per file, and the values that must still be found (in the
    readable parts).
    """
    import shutil
    import subprocess
    import tempfile

    import pypdf
    from msoffcrypto.format.ooxml import OOXMLFile

    root.mkdir(parents=True, exist_ok=True)
    expect: dict[str, tuple[str, str]] = {}
    planted: list[Planted] = []

    def pdf(name: str, user: str) -> None:
        w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(make_pdf([["Card " + card(801)]]))))
        w.encrypt(user_password=user, owner_password=PASSWORD, algorithm="AES-256")
        b = io.BytesIO()
        w.write(b)
        (root / name).write_bytes(b.getvalue())

    pdf("secret.pdf", PASSWORD)
    expect["secret.pdf"] = ("skipped", "password-protected PDF (encrypted)")
    # Owner password only (printing restricted): anyone can open it, so its text is read.
    pdf("restricted.pdf", "")
    expect["restricted.pdf"] = ("done", "")
    planted.append(Planted("restricted.pdf", "", "page=1;", "CREDIT_CARD", card(801)))

    zip_tool = shutil.which("zip")
    if zip_tool is None:
        raise RuntimeError("the encrypted-zip fixture needs Debian's zip (make system-packages installs it)")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "secret.txt").write_text(f"Card {card(802)}\n")
        (Path(tmp) / "plain.txt").write_text(f"Card {card(803)}\n")
        for args in (["-P", PASSWORD, "all.zip", "secret.txt", "plain.txt"],
                     ["-P", PASSWORD, "mixed.zip", "secret.txt"], ["mixed.zip", "plain.txt"]):
            subprocess.run([zip_tool, "-q", *args], cwd=tmp, check=True)
        shutil.copy(Path(tmp) / "all.zip", root / "secret.zip")
        shutil.copy(Path(tmp) / "mixed.zip", root / "mixed.zip")
    expect["secret.zip"] = ("skipped", "password-protected archive (every member is encrypted)")
    expect["mixed.zip"] = ("partial", "encrypted member skipped: secret.txt")
    planted.append(Planted("mixed.zip", "plain.txt", "line=1,col=6", "CREDIT_CARD", card(803)))

    import py7zr

    for name, header in (("secret.7z", False), ("secret-names.7z", True)):
        with py7zr.SevenZipFile(root / name, "w", password=PASSWORD, header_encryption=header) as z:
            z.writestr(f"Card {card(804)}\n".encode(), "secret.txt")
        expect[name] = ("skipped", "password-protected archive (encrypted)")

    # OOXML encrypted by msoffcrypto-tool (ECMA-376 agile encryption, what Office writes).
    import docx
    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        d = docx.Document()
        d.add_paragraph("Card " + card(805))
        d.save(f"{tmp}/plain.docx")
        wb = openpyxl.Workbook()
        wb.active["A1"] = int(card(806))
        wb.save(f"{tmp}/plain.xlsx")
        for ext in ("docx", "xlsx"):
            with open(f"{tmp}/plain.{ext}", "rb") as src, open(root / f"secret.{ext}", "wb") as dst:
                OOXMLFile(src).encrypt(PASSWORD, dst)
            expect[f"secret.{ext}"] = ("skipped", "password-protected Office document (encrypted)")

    # XLS: no writer here encrypts BIFF8; a FILEPASS record right after the workbook's BOF is how Excel marks it.
    import olefile
    import xlwt

    xb = xlwt.Workbook()
    xb.add_sheet("S").write(0, 0, float(card(807)))
    b = io.BytesIO()
    xb.save(b)
    with olefile.OleFileIO(b.getvalue()) as ole:
        wbs = bytearray(ole.openstream("Workbook").read())
    bof_len = struct.unpack_from("<H", wbs, 2)[0]
    at = 4 + bof_len
    # FILEPASS, RC4 CryptoAPI header (wEncryptionType=1, version 4.2): xlrd stops reading there.
    wbs[at:at + 10] = struct.pack("<HHHHH", 0x002F, 6, 1, 4, 2)
    (root / "secret.xls").write_bytes(make_cfb({"Workbook": bytes(wbs)}))
    expect["secret.xls"] = ("skipped", "password-protected workbook (encrypted)")

    # DOC: the committed memo.doc with Word's fEncrypted flag set in its FIB.
    doc = root / "secret.doc"
    doc.write_bytes((LEGACY_DIR / "memo.doc").read_bytes())
    with olefile.OleFileIO(str(doc), write_mode=True) as ole:
        wd = bytearray(ole.openstream("WordDocument").read())
        flags = struct.unpack_from("<H", wd, 10)[0] | 0x0100
        struct.pack_into("<H", wd, 10, flags)
        ole.write_stream("WordDocument", bytes(wd))
    expect["secret.doc"] = ("skipped", "password-protected Word document (encrypted)")

    # ODT: an encrypted package keeps a readable manifest with encryption-data; content.xml is ciphertext.
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml" manifest:size="1024"><manifest:encryption-data '
                'manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" '
                'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name='
                '"http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>'
                '</manifest:encryption-data></manifest:file-entry></manifest:manifest>')
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        z.writestr("content.xml", os.urandom(1024))
        z.writestr("META-INF/manifest.xml", manifest)
    (root / "secret.odt").write_bytes(b.getvalue())
    expect["secret.odt"] = ("skipped", "password-protected OpenDocument file (encrypted)")
    return expect, planted


# ------------------------------------------------------------------------------------------------------ hostile

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                             .encode() for i in range(1, 10))
                  + b']>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                  b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
XXE = (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
       b'<c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>')


def _replace_member(data: bytes, name: str, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, new if info.filename == name else src.read(info.filename))
    return b.getvalue()


def nested_zip_bomb(levels: int = 4, fanout: int = 10, leaf_mb: int = 50) -> bytes:
    """42.zip in miniature: each level holds ``fanout`` copies of the level below; leaves are zeros."""
    data = _zip({"0.bin": b"\x00" * (leaf_mb << 20)})
    for lvl in range(levels):
        method = zipfile.ZIP_STORED if lvl else zipfile.ZIP_DEFLATED
        data = _zip({f"{lvl}-{i}.zip": data for i in range(fanout)}, method)
    return data


def overlapping_zip(entries: int = 2000, kernel_mb: int = 20) -> bytes:
    """Fifield's "better zip bomb": many central-directory entries all pointing at one compressed kernel."""
    kernel = _zip({"k": b"\x00" * (kernel_mb << 20)})
    z = zipfile.ZipFile(io.BytesIO(kernel))
    info = z.infolist()[0]
    local_end = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    local = kernel[:local_end + info.compress_size]
    cd = bytearray()
    for i in range(entries):
        name = f"f{i:05d}".encode()
        cd += struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, info.CRC, info.compress_size,
                          info.file_size, len(name), 0, 0, 0, 0, 0, 0) + name
    eocd = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, entries, entries, len(cd), len(local), 0)
    return bytes(local) + bytes(cd) + eocd


def symlink_zip(target: str = "/etc/passwd") -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        info = zipfile.ZipInfo("link-to-passwd")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        z.writestr(info, target)
        z.writestr("ok.txt", "nothing here\n")
    return b.getvalue()


def symlink_tar() -> bytes:
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for name, kind in (("evil-link", tarfile.SYMTYPE), ("hard-link", tarfile.LNKTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else "../../etc/shadow"
            t.addfile(info)
        data = b"nothing here\n"
        info = tarfile.TarInfo("plain.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return b.getvalue()


def build_hostile(root: Path, big_mb: int = 200) -> tuple[dict[str, str], list[Planted]]:
    """Write the hostile set. Returns the expected outcome per file ("skipped"/"partial"/"found"/"done")
    and the values planted in the hostile files that must still be found."""
    root.mkdir(parents=True, exist_ok=True)
    planted: list[Planted] = []
    expect: dict[str, str] = {}
    (root / "bomb-nested.zip").write_bytes(nested_zip_bomb())
    expect["bomb-nested.zip"] = "limited"
    (root / "bomb-overlap.zip").write_bytes(overlapping_zip())
    expect["bomb-overlap.zip"] = "limited"
    (root / "zeros-1gb.zip").write_bytes(_zip({"zeros.bin": b"\x00" * (1 << 30)}) if big_mb >= 200 else
                                         _zip({"zeros.bin": b"\x00" * (64 << 20)}))
    expect["zeros-1gb.zip"] = "limited"
    v = card(900)
    planted.append(Planted("slip.zip", "etc/evil.txt", "line=1,col=6", "CREDIT_CARD", v))
    planted.append(Planted("slip.zip", "tmp/abs.txt", "line=1,col=6", "CREDIT_CARD", card(901)))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("../../../etc/evil.txt", f"Card {v}\n")
        z.writestr("/tmp/abs.txt", f"Card {card(901)}\n")
    (root / "slip.zip").write_bytes(b.getvalue())
    expect["slip.zip"] = "found"
    (root / "symlink.zip").write_bytes(symlink_zip())
    expect["symlink.zip"] = "partial"
    (root / "symlink.tar").write_bytes(symlink_tar())
    expect["symlink.tar"] = "partial"
    base_docx = (root.parent / "_docx_base.docx")
    import docx

    docx.Document().save(str(base_docx))
    (root / "laughs.docx").write_bytes(_replace_member(base_docx.read_bytes(), "word/document.xml", BILLION_LAUGHS))
    expect["laughs.docx"] = "skipped"
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    xb = io.BytesIO()
    wb.save(xb)
    (root / "xxe.xlsx").write_bytes(_replace_member(xb.getvalue(), "xl/worksheets/sheet1.xml", XXE))
    expect["xxe.xlsx"] = "skipped_or_partial"
    base_docx.unlink()
    pdf = make_pdf([["Truncated " + card(902)], ["page two"]])
    (root / "truncated.pdf").write_bytes(pdf[: len(pdf) * 2 // 3])
    expect["truncated.pdf"] = "any"
    (root / "loop-xref.pdf").write_bytes(make_pdf([["Loop"]], loop_xref=True))
    expect["loop-xref.pdf"] = "any"
    rnd = os.urandom(64 * 1024)
    for name in ("random.docx", "random.pdf", "random.xlsx"):
        (root / name).write_bytes(rnd)
        expect[name] = "skipped"
    (root / "empty.txt").write_bytes(b"")
    expect["empty.txt"] = "skipped"
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    expect["deep.json"] = "done"
    if big_mb:
        values = [card(903), card(904), card(905)]
        _big_line(root / "big-line.txt", big_mb, values)
        for vv in values:
            planted.append(Planted("big-line.txt", "", "line=1,col=", "CREDIT_CARD", vv))
        expect["big-line.txt"] = "found"
    return expect, planted


def _big_line(path: Path, mb: int, values: list[str]) -> None:
    """One line of ``mb`` MB of words with values at the start, straddling the 1 M-character component cut, and
    at the end."""
    filler = b"lorem ipsum dolor sit amet "
    total = mb << 20
    with path.open("wb") as f:
        f.write(f"card {values[0]} ".encode())
        # The component cut falls near 1,000,000 characters: put a value across it.
        pos = len(values[0]) + 6
        pre = 1_000_000 - pos - 8
        f.write((filler * (pre // len(filler) + 1))[:pre])
        f.write(f" {values[1]} ".encode())
        written = pos + pre + len(values[1]) + 2
        block = filler * ((1 << 20) // len(filler))
        while written + len(block) < total - 64:
            f.write(block)
            written += len(block)
        f.write(f" card {values[2]}".encode())


if __name__ == "__main__":  # pragma: no cover
    make_legacy_office(LEGACY_DIR)
