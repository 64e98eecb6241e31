"""ZIP-based documents: OOXML (DOCX, XLSX, PPTX) and OpenDocument (ODT, ODS, ODP), parsed from their XML parts.

Parts are read through the same counting reader as archive members (ratio and size limits apply) and parsed with
defusedxml: a part declaring entities (billion laughs) or referring to external ones (XXE) is refused. Text is
taken straight from the XML rather than through python-docx/openpyxl/odfpy, which build whole object models
(slow and memory-hungry on big sheets) and do not all refuse entity declarations.

Locations: DOCX ``body``/``header1``/``footer2``/``comments``/``footnotes`` with ``line`` = paragraph; XLSX/ODS
``Sheet1!B7`` per cell, XLSX cell notes and threaded comments and ODS annotations ``Sheet1!B7;comment``; PPTX/ODP
``slide=N`` and ``slide=N;notes``; ODT ``body`` and ``styles`` (headers, footers).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from scanner.exceptions import ExtractionError
from scanner.extract.archives import DECOMPRESS_ERRORS, check_zip_overlap, extract_zip_archive, read_zip_member
from scanner.extract.core import Ctx, text_components
from scanner.extract.limits import LimitExceeded
from scanner.extract.tables import HeaderFinder
from scanner.models import ContentComponent, TableInfo

_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}


def local(tag: Any) -> str:
    """``{namespace}name`` -> ``name`` (comments and processing instructions have non-string tags)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _attr(el: Element, name: str) -> str | None:
    for k, v in el.attrib.items():
        if local(k) == name:
            return v
    return None


def extract_zip_family(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """A ZIP container: an office document when its parts say so, otherwise a plain archive."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExtractionError(f"damaged zip container ({exc.__class__.__name__})") from None
    with zf:
        names = set(zf.namelist())
        kind = _office_kind(zf, names, ctx)
        if kind is None:
            yield from extract_zip_archive(zf, ctx)
            return
        check_zip_overlap(zf)
        doc = _Doc(zf, names, ctx)
        if kind in ("odt", "ods", "odp") and "META-INF/manifest.xml" in names:
            # An encrypted ODF package keeps its manifest readable and says so there; its parts are ciphertext.
            if b"encryption-data" in doc.read("META-INF/manifest.xml"):
                raise ExtractionError("password-protected OpenDocument file (encrypted)")
        if kind == "docx":
            yield from _docx(doc)
        elif kind == "xlsx":
            yield from _xlsx(doc)
        elif kind == "pptx":
            yield from _pptx(doc)
        else:
            yield from _odf(doc, kind)


def _office_kind(zf: zipfile.ZipFile, names: set[str], ctx: Ctx) -> str | None:
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    if "mimetype" in names and "content.xml" in names:
        info = zf.getinfo("mimetype")
        if info.file_size < 200:
            try:
                mt = read_zip_member(zf, info, ctx).decode("ascii", "replace").strip()
            except DECOMPRESS_ERRORS:
                return None
            kind = _ODF_TYPES.get(mt)
            if kind:
                return kind
    return None


@dataclass
class _Doc:
    zf: zipfile.ZipFile
    names: set[str]
    ctx: Ctx
    failed: list[str] = field(default_factory=list)

    def read(self, name: str) -> bytes:
        try:
            return read_zip_member(self.zf, self.zf.getinfo(name), self.ctx)
        except DECOMPRESS_ERRORS as exc:
            raise ExtractionError(f"damaged document part {name} ({exc.__class__.__name__})") from None

    def parse(self, name: str) -> Element:
        """A whole part as a tree (for small parts: rels, workbook, shared strings, slides)."""
        data = self.read(name)
        try:
            return DET.fromstring(data)
        except DefusedXmlException as exc:
            raise ExtractionError(f"unsafe XML refused in {name} ({exc.__class__.__name__})") from None
        except ParseError:
            raise ExtractionError(f"malformed XML in {name}") from None

    def events(self, name: str) -> Iterator[tuple[str, Element]]:
        """start/end events of a part, parsed incrementally (big sheets never become a whole tree)."""
        data = self.read(name)
        try:
            yield from DET.iterparse(io.BytesIO(data), events=("start", "end"))
        except DefusedXmlException as exc:
            raise ExtractionError(f"unsafe XML refused in {name} ({exc.__class__.__name__})") from None
        except ParseError:
            raise ExtractionError(f"malformed XML in {name}") from None

    def optional(self, name: str, fn: Any) -> Iterator[ContentComponent]:
        """A secondary part: when it cannot be read the rest of the document still counts (noted)."""
        try:
            yield from fn(name)
        except LimitExceeded as exc:
            if str(exc).startswith(("uncompressed size limit", "text limit")):
                raise
            self.ctx.budget.note(f"{name}: {exc}")
        except ExtractionError as exc:
            self.ctx.budget.note(str(exc))

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, resolved part name) of one part."""
        d, base = posixpath.split(part)
        rel_name = posixpath.join(d, "_rels", base + ".rels")
        if rel_name not in self.names:
            return {}
        out = {}
        for r in self.parse(rel_name).iter():
            if local(r.tag) == "Relationship" and r.get("TargetMode") != "External":
                target = r.get("Target") or ""
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(d, target))
                out[r.get("Id") or ""] = (r.get("Type") or "", resolved)
        return out


# --------------------------------------------------------------------------------------------------- paragraphs

@dataclass(frozen=True)
class _Spec:
    para: frozenset[str]
    text: frozenset[str]          # elements whose .text is content (all of them when ``mixed``)
    mixed: bool                   # ODF: text and tails interleave with child elements
    skip: frozenset[str] = frozenset()


_W = _Spec(frozenset({"p"}), frozenset({"t", "delText"}), False, frozenset({"instrText"}))
_A = _Spec(frozenset({"p"}), frozenset({"t"}), False)
_ODF = _Spec(frozenset({"p", "h"}), frozenset(), True, frozenset({"annotation"}))


def _render(el: Element, spec: _Spec) -> str:
    """The text of one paragraph element (nested paragraphs were rendered and cleared already)."""
    parts: list[str] = []
    stack: list[tuple[Element, bool]] = [(el, False)]
    while stack:  # explicit stack: a hostile document may nest thousands of levels inside one paragraph
        e, after = stack.pop()
        if after:
            if spec.mixed and e.tail and e is not el:
                parts.append(e.tail)
            continue
        tag = local(e.tag)
        stack.append((e, True))
        if tag in spec.skip:
            continue
        if tag in ("tab",):
            parts.append("\t")
        elif tag in ("br", "cr", "line-break"):
            parts.append(" ")
        elif tag == "s" and spec.mixed:
            parts.append(" " * min(int(_attr(e, "c") or 1), 1000))
        elif (spec.mixed or tag in spec.text) and e.text:
            parts.append(e.text)
        for child in reversed(list(e)):
            stack.append((child, False))
    return "".join(parts)


def _clear(el: Element) -> None:
    tail = el.tail
    el.clear()
    el.tail = tail  # the enclosing paragraph still needs the text after this element


def _paragraphs(events: Iterable[tuple[str, Element]], spec: _Spec) -> Iterator[str]:
    depth = 0
    for ev, el in events:
        if local(el.tag) in spec.para:
            if ev == "start":
                depth += 1
            else:
                depth -= 1
                yield _render(el, spec)
                _clear(el)


def _lines_component(doc: _Doc, lines: Iterable[str], location: str) -> Iterator[ContentComponent]:
    text = "\n".join(lines)
    if text.strip():
        yield from text_components(text, doc.ctx, location)


# ---------------------------------------------------------------------------------------------------------- docx

_DOCX_PART = re.compile(r"^word/(header\d*|footer\d*|comments|footnotes|endnotes)\.xml$")


def _docx(doc: _Doc) -> Iterator[ContentComponent]:
    # The body is the document: when it cannot be read, the object is skipped with the reason.
    yield from _lines_component(doc, _paragraphs(doc.events("word/document.xml"), _W), "body")
    for name in sorted(n for n in doc.names if _DOCX_PART.match(n)):
        loc = _DOCX_PART.match(name).group(1)  # type: ignore[union-attr]
        yield from doc.optional(name, lambda n, loc=loc: _lines_component(doc, _paragraphs(doc.events(n), _W), loc))


# ---------------------------------------------------------------------------------------------------------- xlsx

def col_index(ref: str) -> int:
    """``B7`` -> 1 (the 0-based column of a cell reference; 0 when it has no letters)."""
    n = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            n = n * 26 + ord(ch) - 64
        elif "a" <= ch <= "z":
            n = n * 26 + ord(ch) - 96
        else:
            break
    return max(n - 1, 0)


def col_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def render_number(v: str) -> str:
    """A numeric cell as a person sees it: 4.111111111111111E+15 -> 4111111111111111."""
    v = v.strip()
    if re.fullmatch(r"-?\d+", v):
        return v
    try:
        f = float(v)
    except ValueError:
        return v
    if f.is_integer() and abs(f) < 1e18:
        return str(int(f))
    return v


_DIGIT_TEMPLATE = re.compile(r'(?:0|#|\\.|"[^"]*"|[-\s()+/])+')


def digit_template(code: str) -> str | None:
    """A number format made only of digit places and literals (Excel's "Special" formats: SSN ``000-00-0000``,
    ZIP+4, phone), as a template of ``0`` places and literal characters; None for any other format.

    Why: an SSN typed as a number and shown through such a format is stored as 536221234; rendered through its
    format it reads 536-22-1234, as the person who typed it sees it, and the SSN recognizer finds it.
    """
    code = code.split(";")[0]  # the positive-number section
    if not code or not _DIGIT_TEMPLATE.fullmatch(code) or "0" not in code:
        return None
    out, i = [], 0
    while i < len(code):
        ch = code[i]
        if ch == "\\" and i + 1 < len(code):
            out.append(code[i + 1])
            i += 2
        elif ch == '"':
            j = code.index('"', i + 1)
            out.append(code[i + 1:j])
            i = j + 1
        else:
            out.append("0" if ch in "0#" else ch)
            i += 1
    return "".join(out)


def apply_digit_template(digits: str, template: str) -> str:
    """Pour an integer's digits into a template from :func:`digit_template` (left-padded with zeros)."""
    places = template.count("0")
    if not digits.isdigit() or len(digits) > places:
        return digits
    it = iter(digits.zfill(places))
    return "".join(next(it) if ch == "0" else ch for ch in template)


def _xlsx_templates(doc: _Doc) -> dict[int, str]:
    """Cell style index -> digit template, for the styles whose number format is one (see digit_template)."""
    if "xl/styles.xml" not in doc.names:
        return {}
    codes: dict[int, str] = {}
    xf_fmt: list[int] = []
    in_xfs = False
    for ev, el in doc.events("xl/styles.xml"):
        tag = local(el.tag)
        if tag == "cellXfs":
            in_xfs = ev == "start"
        elif ev == "end" and tag == "numFmt":
            try:
                codes[int(el.get("numFmtId") or -1)] = el.get("formatCode") or ""
            except ValueError:
                pass
        elif ev == "end" and tag == "xf" and in_xfs:
            try:
                xf_fmt.append(int(el.get("numFmtId") or 0))
            except ValueError:
                xf_fmt.append(0)
    out = {}
    for i, fmt in enumerate(xf_fmt):
        if (t := digit_template(codes.get(fmt, ""))) is not None:
            out[i] = t
    return out


def sheet_ref(sheet: str, cell: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_.]+", sheet):
        return f"{sheet}!{cell}"
    return "'" + sheet.replace("'", "''") + "'!" + cell


class SheetWriter:
    """Builds sheet components: one line per row, tab-separated cells, one segment (location) per cell.

    Every component carries the sheet's :class:`TableInfo`: its header row (decided by a :class:`HeaderFinder`
    from the first rows) and the column of each segment. Components cut before the header is decided wait for it
    (at most :data:`HEADER_SCAN_ROWS` non-empty rows). A comments writer borrows the cells writer's finder
    (``finder``) so notes carry the same headers.
    """

    def __init__(self, ctx: Ctx, sheet: str, suffix: str = "", finder: HeaderFinder | None = None,
                 decides_header: bool = True):
        self.ctx, self.sheet, self.suffix = ctx, sheet, suffix
        self.prefix = sheet_ref(sheet, "")
        self.finder = finder if finder is not None else HeaderFinder()
        self._owns_finder = decides_header
        self.parts: list[str] = []
        self.segments: list[tuple[int, str]] = []
        self.columns: list[int] = []
        self.size = 0
        self.row: int | None = None
        self._row_cols: list[int] = []
        self._row_texts: list[str] = []
        self._row_all_text = True
        self._pending: list[ContentComponent] = []

    def _end_row(self) -> None:
        if self._row_cols and self._owns_finder and not self.finder.decided:
            self.finder.row(self._row_cols, self._row_texts, self._row_all_text)
        self._row_cols, self._row_texts, self._row_all_text = [], [], True

    def cell(self, row: int, col: int, ref: str, text: str, is_text: bool = True) -> Iterator[ContentComponent]:
        """One cell (``col`` 0-based; ``is_text`` False for numbers, dates and booleans)."""
        if not text:
            return
        if self.row is not None:
            sep = "\n" if row != self.row else "\t"
            self.parts.append(sep)
            self.size += 1
        if row != self.row:
            self._end_row()
        self.row = row
        if self._owns_finder and not self.finder.decided:
            self._row_cols.append(col)
            self._row_texts.append(text)
            self._row_all_text = self._row_all_text and is_text
        self.segments.append((self.size, self.prefix + ref + self.suffix))
        self.columns.append(col)
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.ctx.component_chars:
            yield from self._cut()

    def add_row(self, row: int, cols: list[int], texts: list[str], all_text: bool) -> Iterator[ContentComponent]:
        """A whole row of non-empty cells at once (the calamine path: no per-cell generator call)."""
        if not cols:
            return
        if self.row is not None:
            self.parts.append("\n")
            self.size += 1
        self._end_row()
        self.row = row
        if self._owns_finder and not self.finder.decided:
            self.finder.row(cols, texts, all_text)
        rs = str(row) + self.suffix
        prefixes = _col_prefixes(self.prefix, cols[-1] + 1)
        pos = self.size
        segs = self.segments
        for c, t in zip(cols, texts, strict=True):
            segs.append((pos, prefixes[c] + rs))
            pos += len(t) + 1
        self.size = pos - 1
        self.columns += cols
        self.parts.append("\t".join(texts))
        if self.size >= self.ctx.component_chars:
            yield from self._cut()

    def _cut(self) -> Iterator[ContentComponent]:
        if not self.parts:
            return
        text = "".join(self.parts)
        budget = self.ctx.budget
        room = budget.remaining_chars()
        if room <= 0:
            raise LimitExceeded(f"text limit reached (max_text_chars={self.ctx.cfg.max_text_chars})")
        if len(text) > room:
            text = text[:room]
            budget.note(f"text limit reached (max_text_chars={self.ctx.cfg.max_text_chars})")
        budget.chars += len(text)
        comp = ContentComponent(text, "", self.ctx.member, segments=self.segments,
                                table=TableInfo([], name=self.sheet, segment_columns=self.columns))
        self.parts, self.segments, self.columns, self.size, self.row = [], [], [], 0, None
        self._pending.append(comp)
        yield from self._release()

    def _release(self) -> Iterator[ContentComponent]:
        if self.finder.headers is None:
            return
        pending, self._pending = self._pending, []
        for comp in pending:
            comp.table.headers = self.finder.headers  # type: ignore[union-attr]
            yield comp

    def flush(self) -> Iterator[ContentComponent]:
        """The rest of the sheet (its last component), and any component still waiting for the header."""
        self._end_row()
        self.finder.finish()
        yield from self._cut()
        yield from self._release()


_PREFIX_CACHE: dict[str, list[str]] = {}


def _col_prefixes(prefix: str, width: int) -> list[str]:
    """``Sheet!A``, ``Sheet!B`` ... for the first ``width`` columns (cached per sheet prefix)."""
    cached = _PREFIX_CACHE.get(prefix)
    if cached is None or len(cached) < width:
        if len(_PREFIX_CACHE) > 64:
            _PREFIX_CACHE.clear()
        cached = [prefix + col_letters(i + 1) for i in range(max(width, 64))]
        _PREFIX_CACHE[prefix] = cached
    return cached


_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _xlsx(doc: _Doc) -> Iterator[ContentComponent]:
    shared: list[str] = []
    if "xl/sharedStrings.xml" in doc.names:
        for ev, el in doc.events("xl/sharedStrings.xml"):
            if ev == "end" and local(el.tag) == "si":
                shared.append("".join(t.text or "" for t in el.iter() if local(t.tag) == "t"))
                el.clear()
    wb = doc.parse("xl/workbook.xml")
    rels = doc.rels("xl/workbook.xml")
    sheets = []
    for el in wb.iter():
        if local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if local(k) == "id" and k.startswith("{")), None)
            target = rels.get(rid or "", ("", ""))[1]
            if target in doc.names:
                sheets.append((el.get("name") or target, target))
    templates = _xlsx_templates(doc)
    for sheet, part in sheets:
        finder = HeaderFinder()
        yield from doc.optional(part, lambda p, s=sheet, f=finder: _xlsx_sheet(doc, p, s, shared, templates, f))
        yield from _xlsx_comments(doc, part, sheet, finder)


def _xlsx_comments(doc: _Doc, part: str, sheet: str, finder: HeaderFinder) -> Iterator[ContentComponent]:
    """A sheet's threaded comments (Excel 365) and notes (the older comments), located at their cell.

    Excel stores a plain-text copy of every threaded comment as a note too, for older readers: a note at a cell
    that has a threaded comment is that copy and is not read twice.
    """
    try:
        rels = list(doc.rels(part).values())
    except ExtractionError as exc:
        doc.ctx.budget.note(str(exc))
        return
    w = SheetWriter(doc.ctx, sheet, suffix=";comment", finder=finder, decides_header=False)
    seen: set[str] = set()
    line = 0

    def read(name: str, element: str, text_tag: str) -> Iterator[ContentComponent]:
        nonlocal line
        for ev, el in doc.events(name):
            if ev != "end" or local(el.tag) != element:
                continue
            ref = el.get("ref") or "?"
            if element == "comment" and ref in seen:
                el.clear()
                continue
            seen.add(ref)
            text = "".join(t.text or "" for t in el.iter() if local(t.tag) == text_tag)
            el.clear()
            line += 1  # one line per comment: the writer separates rows with newlines
            yield from w.cell(line, col_index(ref), ref, text)

    for typ, target in rels:
        if typ.endswith("/threadedComment") and target in doc.names:
            yield from doc.optional(target, lambda n: read(n, "threadedComment", "text"))
    for typ, target in rels:
        if typ.endswith("/comments") and target in doc.names:
            yield from doc.optional(target, lambda n: read(n, "comment", "t"))
    yield from w.flush()


def _xlsx_sheet(doc: _Doc, part: str, sheet: str, shared: list[str], templates: dict[int, str],
                finder: HeaderFinder) -> Iterator[ContentComponent]:
    w = SheetWriter(doc.ctx, sheet, finder=finder)
    auto_row = 0
    for ev, el in doc.events(part):
        tag = local(el.tag)
        if ev == "start" and tag == "row":
            auto_row = int(el.get("r") or auto_row + 1)
        if ev != "end" or tag != "c":
            continue
        ref = el.get("r") or f"?{auto_row}"
        m = _CELL_REF.fullmatch(ref)
        row = int(m.group(2)) if m else auto_row
        t = el.get("t") or "n"
        v = next((c.text for c in el if local(c.tag) == "v"), None)
        text = ""
        is_text = t != "n"
        if t == "s" and v is not None:
            try:
                text = shared[int(v)]
            except (ValueError, IndexError):
                text = ""
        elif t == "inlineStr":
            text = "".join(x.text or "" for x in el.iter() if local(x.tag) == "t")
        elif t == "n" and v is not None:
            text = render_number(v)
            style = el.get("s")
            if style is not None and style.isdigit() and (tpl := templates.get(int(style))) is not None:
                text = apply_digit_template(text, tpl)
        elif t == "str" and v is not None:
            text = v
        el.clear()
        yield from w.cell(row, col_index(ref), ref, text, is_text)
    yield from w.flush()


# ---------------------------------------------------------------------------------------------------------- pptx

def _pptx(doc: _Doc) -> Iterator[ContentComponent]:
    rels = doc.rels("ppt/presentation.xml")
    order = []
    for el in doc.parse("ppt/presentation.xml").iter():
        if local(el.tag) == "sldId":
            rid = next((v for k, v in el.attrib.items() if local(k) == "id" and k.startswith("{")), None)
            target = rels.get(rid or "", ("", ""))[1]
            if target in doc.names:
                order.append(target)
    if not order:  # no usable slide list: fall back to the file numbering
        order = sorted((n for n in doc.names if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)),
                       key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[-1]) or 0))
    for i, part in enumerate(order, 1):
        yield from doc.optional(part, lambda p, i=i: _lines_component(doc, _paragraphs(doc.events(p), _A),
                                                                      f"slide={i}"))
        notes = [t for typ, t in doc.rels(part).values() if typ.endswith("/notesSlide") and t in doc.names]
        for n in notes:
            yield from doc.optional(n, lambda p, i=i: _lines_component(doc, _notes_paragraphs(doc, p),
                                                                       f"slide={i};notes"))


def _notes_paragraphs(doc: _Doc, part: str) -> Iterator[str]:
    """Notes text without the slide-number and slide-image placeholders."""
    for line in _paragraphs(doc.events(part), _A):
        if not line.strip().isdigit():
            yield line


# ----------------------------------------------------------------------------------------------------------- odf

def _odf(doc: _Doc, kind: str) -> Iterator[ContentComponent]:
    if kind == "ods":
        yield from _ods(doc)
    elif kind == "odp":
        yield from _odp(doc)
    else:
        yield from _lines_component(doc, _paragraphs(doc.events("content.xml"), _ODF), "body")
    if "styles.xml" in doc.names:  # headers and footers live with the page styles
        yield from doc.optional("styles.xml", lambda n: _lines_component(doc, _paragraphs(doc.events(n), _ODF),
                                                                         "styles"))


def _odp(doc: _Doc) -> Iterator[ContentComponent]:
    page = 0
    in_notes = 0
    slides: list[str] = []
    notes: list[str] = []
    for ev, el in doc.events("content.xml"):
        tag = local(el.tag)
        if tag == "page" and ev == "start":
            page += 1
            slides, notes = [], []
        elif tag == "notes":
            in_notes += 1 if ev == "start" else -1
        elif tag in _ODF.para and ev == "end":
            (notes if in_notes else slides).append(_render(el, _ODF))
            _clear(el)
        elif tag == "page" and ev == "end":
            yield from _lines_component(doc, slides, f"slide={page}")
            yield from _lines_component(doc, notes, f"slide={page};notes")


def _ods(doc: _Doc) -> Iterator[ContentComponent]:
    """Cells at ``Sheet!B7``; a cell's annotation (comment) at ``Sheet!B7;comment``, as XLSX notes, also on a
    number cell, whose text is its value."""
    w: SheetWriter | None = None
    notes: SheetWriter | None = None
    row = col = 0
    cell_depth = ann_depth = 0
    cell_text: list[str] = []
    ann_text: list[str] = []
    for ev, el in doc.events("content.xml"):
        tag = local(el.tag)
        if tag == "table" and ev == "start":
            name = _attr(el, "name") or "Sheet"
            w = SheetWriter(doc.ctx, name)
            notes = SheetWriter(doc.ctx, name, suffix=";comment", finder=w.finder, decides_header=False)
            row = 0
        elif tag == "table" and ev == "end" and w is not None and notes is not None:
            yield from w.flush()
            yield from notes.flush()
            w = notes = None
        elif tag == "annotation":
            ann_depth += 1 if ev == "start" else -1
            if ev == "end":
                _clear(el)
        elif tag == "table-row" and ev == "start":
            col = 0
        elif tag == "table-row" and ev == "end":
            row += min(int(_attr(el, "number-rows-repeated") or 1), 1 << 20)
            el.clear()
        elif tag in ("table-cell", "covered-table-cell"):
            if ev == "start":
                cell_depth += 1
                cell_text, ann_text = [], []
                continue
            cell_depth -= 1
            vtype = _attr(el, "value-type")
            value = _attr(el, "value")
            text = render_number(value) if vtype in ("float", "currency", "percentage") and value else \
                " ".join(t for t in cell_text if t)
            ref = f"{col_letters(col + 1)}{row + 1}"
            if w is not None and text:
                yield from w.cell(row + 1, col, ref, text, vtype in (None, "string"))
            note = " ".join(t for t in ann_text if t)
            if notes is not None and note:
                yield from notes.cell(row + 1, col, ref, note)
            col += min(int(_attr(el, "number-columns-repeated") or 1), 1 << 20)
            el.clear()
        elif tag in _ODF.para and ev == "end":
            if cell_depth:
                (ann_text if ann_depth else cell_text).append(_render(el, _ODF))
            _clear(el)
