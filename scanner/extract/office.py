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

import datetime
import gc
import io
import operator
import posixpath
import re
import zipfile
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, repeat
from typing import Any, cast
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
import python_calamine
from defusedxml import DefusedXmlException

from scanner.exceptions import ExtractionError
from scanner.extract.archives import DECOMPRESS_ERRORS, check_zip_overlap, extract_zip_archive, read_zip_member
from scanner.extract.core import Ctx, text_components
from scanner.extract.limits import LimitExceeded
from scanner.extract.tables import HeaderFinder
from scanner.extract.xmltext import declares_dtd, paragraph_text, parse_part
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
        doc = _Doc(zf, names, ctx, data)
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
    data: bytes = b""
    failed: list[str] = field(default_factory=list)

    def read(self, name: str) -> bytes:
        try:
            return read_zip_member(self.zf, self.zf.getinfo(name), self.ctx)
        except DECOMPRESS_ERRORS as exc:
            raise ExtractionError(f"damaged document part {name} ({exc.__class__.__name__})") from None

    def parse(self, name: str, data: bytes | None = None) -> Element:
        """A whole part as a tree (for small parts: rels, workbook, shared strings, slides); ``data``: its bytes,
        already read."""
        if data is None:
            data = self.read(name)
        try:
            return DET.fromstring(data)
        except DefusedXmlException as exc:
            raise ExtractionError(f"unsafe XML refused in {name} ({exc.__class__.__name__})") from None
        except ParseError:
            raise ExtractionError(f"malformed XML in {name}") from None

    def events(self, name: str, data: bytes | None = None) -> Iterator[tuple[str, Element]]:
        """start/end events of a part (``data``: its bytes, already read), parsed incrementally (big sheets never
        become a whole tree)."""
        if data is None:
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
        root: Any = None
        if self.ctx.fast:
            data = self.read(rel_name)
            root = parse_part(data)
            if root is None:  # the defused parser decides (and says why it refuses)
                root = self.parse(rel_name, data)
        else:
            root = self.parse(rel_name)
        for r in root.iter():
            if local(r.tag) == "Relationship" and r.get("TargetMode") != "External":
                target = r.get("Target") or ""
                resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(d, target))
                out[r.get("Id") or ""] = (r.get("Type") or "", resolved)
        return out


# --------------------------------------------------------------------------------------------------- paragraphs

@dataclass(frozen=True)
class ParagraphSpec:
    """Which elements (by local name) make paragraphs and their text in one document family."""

    para: frozenset[str]
    text: frozenset[str]          # elements whose .text is content (all of them when ``mixed``)
    mixed: bool                   # ODF: text and tails interleave with child elements
    skip: frozenset[str] = frozenset()


WORD_SPEC = ParagraphSpec(frozenset({"p"}), frozenset({"t", "delText"}), False, frozenset({"instrText"}))
DRAWING_SPEC = ParagraphSpec(frozenset({"p"}), frozenset({"t"}), False)
ODF_SPEC = ParagraphSpec(frozenset({"p", "h"}), frozenset(), True, frozenset({"annotation"}))


def _render(el: Element, spec: ParagraphSpec) -> str:
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


def paragraph_lines(events: Iterable[tuple[str, Element]], spec: ParagraphSpec) -> Iterator[str]:
    """The text of every paragraph of a part's start/end events, each when it closes (nested ones first); the
    pure-Python walk that :mod:`scanner.extract.xmltext` reproduces in XSLT and falls back to."""
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


def _part_text(doc: _Doc, name: str, spec: ParagraphSpec) -> str:
    """A part's paragraphs joined by newlines: through lxml + XSLT, or the ElementTree walk where that refuses."""
    data = doc.read(name)
    if doc.ctx.fast and (root := parse_part(data)) is not None:
        text = paragraph_text(data, root, spec.para, spec.text, spec.mixed, spec.skip)
        if text is not None:
            return text
    return "\n".join(paragraph_lines(doc.events(name, data), spec))


def _part_component(doc: _Doc, name: str, spec: ParagraphSpec, location: str) -> Iterator[ContentComponent]:
    text = _part_text(doc, name, spec)
    if text.strip():
        yield from text_components(text, doc.ctx, location)


# ---------------------------------------------------------------------------------------------------------- docx

_DOCX_PART = re.compile(r"^word/(header\d*|footer\d*|comments|footnotes|endnotes)\.xml$")


def _docx(doc: _Doc) -> Iterator[ContentComponent]:
    # The body is the document: when it cannot be read, the object is skipped with the reason.
    yield from _part_component(doc, "word/document.xml", WORD_SPEC, "body")
    for name in sorted(n for n in doc.names if _DOCX_PART.match(n)):
        loc = _DOCX_PART.match(name).group(1)  # type: ignore[union-attr]
        yield from doc.optional(name, lambda n, loc=loc: _part_component(doc, n, WORD_SPEC, loc))


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
        self._finder_row: int | None = None
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
        self.row = row
        if self._owns_finder and not self.finder.decided:
            if row != self._finder_row:  # not self.row: a cut in the middle of a row must not end it
                self._end_row()
                self._finder_row = row
            self._row_cols.append(col)
            self._row_texts.append(text)
            self._row_all_text = self._row_all_text and is_text
        self.segments.append((self.size, self.prefix + ref + self.suffix))
        self.columns.append(col)
        self.parts.append(text)
        self.size += len(text)
        if self.size >= self.ctx.component_chars:
            yield from self._cut()

    def _cut(self) -> Iterator[ContentComponent]:
        if not self.parts:
            return
        text, segments, columns = "".join(self.parts), self.segments, self.columns
        self.parts, self.segments, self.columns, self.size, self.row = [], [], [], 0, None
        yield from self.emit(text, segments, columns)

    def emit(self, text: str, segments: list[tuple[int, str]], columns: list[int]) -> Iterator[ContentComponent]:
        """One component of this sheet (charged to the text budget), held back until the header is known."""
        budget = self.ctx.budget
        room = budget.remaining_chars()
        if room <= 0:
            raise LimitExceeded(f"text limit reached (max_text_chars={self.ctx.cfg.max_text_chars})")
        if len(text) > room:
            text = text[:room]
            budget.note(f"text limit reached (max_text_chars={self.ctx.cfg.max_text_chars})")
        budget.chars += len(text)
        comp = ContentComponent(text, "", self.ctx.member, segments=segments,
                                table=TableInfo([], name=self.sheet, segment_columns=columns))
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
    book = calamine_book(doc) if doc.ctx.fast else None
    shared: list[str] | None = None
    for sheet, part in sheets:
        finder = HeaderFinder()
        rows = _calamine_sheet(book, doc, sheet, part, templates) if book is not None else None
        if rows is not None:
            yield from doc.optional(part, lambda p, s=sheet, f=finder, r=rows: sheet_from_rows(doc.ctx, s, r, f))
        else:
            if shared is None:
                shared = _xlsx_shared(doc)
            yield from doc.optional(part, lambda p, s=sheet, f=finder, sh=shared: _xlsx_sheet(doc, p, s, sh,
                                                                                             templates, f))
        yield from _xlsx_comments(doc, part, sheet, finder)


def _xlsx_shared(doc: _Doc) -> list[str]:
    shared: list[str] = []
    if "xl/sharedStrings.xml" in doc.names:
        for ev, el in doc.events("xl/sharedStrings.xml"):
            if ev == "end" and local(el.tag) == "si":
                shared.append("".join(t.text or "" for t in el.iter() if local(t.tag) == "t"))
                el.clear()
    return shared


# --------------------------------------------------------------------------------------- xlsx through calamine
# calamine (Rust) reads a sheet's cell values some 10x faster than our XML walk, but it gives neither number
# formats nor comments, inflates the parts itself and holds a sheet as a dense grid. So it is only asked for a
# sheet when: no part it reads declares a DTD (the defused path refuses entities and says so), the declared part
# sizes pass the object's inflation limits, the sheet's <dimension> (when it has one: streaming writers omit it)
# says the grid is small enough (a lone far cell makes it allocate rows x columns, and an allocation failure in
# Rust aborts the process: a sheet that lies about its dimension costs that object, as any parser crash does), and
# none of its cells uses a digit-template style (see digit_template). Any other sheet, and any sheet calamine
# fails on, takes the XML path.

_MAX_DENSE_CELLS = 8_000_000
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=[\"']([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?[\"']")
_CALAMINE_PARTS = ("xl/workbook.xml", "xl/sharedStrings.xml", "xl/styles.xml", "xl/_rels/workbook.xml.rels")


def _head(doc: _Doc, name: str, n: int = 4096) -> bytes:
    with doc.zf.open(name) as f:
        return f.read(n)


def calamine_book(doc: _Doc) -> Any | None:
    """The workbook opened with python-calamine, or None when it must not or cannot be."""
    try:
        for name in _CALAMINE_PARTS:
            if name not in doc.names:
                continue
            info = doc.zf.getinfo(name)
            if not doc.ctx.budget.fits(info.file_size, info.compress_size) or declares_dtd(_head(doc, name)):
                return None
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(doc.data))
    except Exception:  # noqa: BLE001 - whatever calamine refuses, the XML path reads (or explains)
        return None


def _uses_template_style(data: bytes, templates: dict[int, str]) -> bool:
    styles = "|".join(str(i) for i in templates)
    return re.search(rb"\ss\s*=\s*[\"'](?:" + styles.encode() + rb")[\"']", data) is not None


def _calamine_sheet(book: Any, doc: _Doc, sheet: str, part: str,
                    templates: dict[int, str]) -> tuple[tuple[int, int], list[list[Any]]] | None:
    """``((first row, first column), rows of values)`` of one sheet from calamine, or None for the XML path."""
    try:
        info = doc.zf.getinfo(part)
        budget = doc.ctx.budget
        if not budget.fits(info.file_size, info.compress_size):
            return None
        head = _head(doc, part)
        if declares_dtd(head):
            return None
        m = _DIMENSION.search(head)
        if m is not None:
            rows = int(m.group(4) or m.group(2))
            cols = col_index((m.group(3) or m.group(1)).decode()) + 1
            if rows * cols > _MAX_DENSE_CELLS:
                return None
        if templates and _uses_template_style(doc.read(part), templates):
            return None
        sh = book.get_sheet_by_name(sheet)
        values = sh.to_python(skip_empty_area=True)
        start = sh.start or (0, 0)
    except Exception:  # noqa: BLE001 - calamine's errors (and a damaged part) send the sheet to the XML path
        return None
    budget.inflate(info.file_size)
    return start, values


def _cell_texts(cells: list[Any]) -> list[Any]:
    """:func:`_cell_text` of every cell ("" stays "", what is not shown becomes None), with text and whole numbers
    done by C-level map/compress (no Python statement per cell) and only the rare other types one by one."""
    texts = list(cells)
    types = list(map(type, cells))
    n = len(cells)
    for kind in (float, int):
        pos = list(compress(range(n), map(operator.is_, types, repeat(kind))))
        if not pos:
            continue
        nums = list(map(cells.__getitem__, pos))
        if (kind is int or all(map(float.is_integer, nums))) and max(map(abs, nums)) < 1e18:
            deque(map(texts.__setitem__, pos, map(str, map(int, nums))), maxlen=0)
        else:
            deque(map(texts.__setitem__, pos, map(_cell_text, nums)), maxlen=0)
    odd = list(compress(range(n), map(operator.not_, map(operator.contains, repeat(_PLAIN), types))))
    deque(map(texts.__setitem__, odd, map(_cell_text, map(cells.__getitem__, odd))), maxlen=0)
    return texts


_PLAIN = frozenset({str, float, int})


def _cell_text(v: Any) -> str | None:
    """A calamine value as the XML path shows it; None for what it does not show (booleans, errors)."""
    cls = v.__class__
    if cls is float:
        return str(int(v)) if v.is_integer() and -1e18 < v < 1e18 else repr(v)
    if cls is int:
        return str(v)
    if cls is datetime.datetime:
        return v.isoformat(" ")
    if cls in (datetime.date, datetime.time):
        return v.isoformat()  # type: ignore[no-any-return]
    return None


def sheet_from_rows(ctx: Ctx, sheet: str, rows: tuple[tuple[int, int], list[list[Any]]],
                    finder: HeaderFinder | None = None) -> Iterator[ContentComponent]:
    """Sheet components from calamine's grid of typed values (``(first row, first column)`` 0-based, rows), laid
    out as :class:`SheetWriter` lays out cells (a row per line, cells separated by tabs, a segment per cell).

    Everything per cell runs in C-level map/zip/accumulate: a Python statement per cell costs more than calamine
    spends reading the sheet.
    """
    (r0, c0), grid = rows
    w = SheetWriter(ctx, sheet, finder=finder)
    width = max(map(len, grid), default=0)
    if not width:
        yield from w.flush()
        return
    if len(set(map(len, grid))) > 1:
        grid = [r + [""] * (width - len(r)) for r in grid]
    gc_was_on = gc.isenabled()
    # The bulk lists below are hundreds of thousands of tuples and strings with no reference cycles: a cyclic
    # collection cannot free any of them, yet each one walks the growing heap (about a fifth of the build time).
    gc.disable()
    try:
        laid = _lay_out(w, r0, c0, width, grid)
    finally:
        if gc_was_on:
            gc.enable()
    if laid is None:
        yield from w.flush()
        return
    text, starts, ends, refs, cols = laid
    size = ctx.component_chars
    a, n = 0, len(starts)
    while a < n:
        base = starts[a]
        b = min(bisect_left(ends, base + size) + 1, n)
        segs = list(zip(map(base.__rsub__, starts[a:b]), refs[a:b], strict=True))
        yield from w.emit(text[base:ends[b - 1]], segs, cols[a:b])
        a = b
    yield from w.flush()


def _lay_out(w: SheetWriter, r0: int, c0: int, width: int, grid: list[list[Any]]
             ) -> tuple[str, list[int], list[int], list[str], list[int]] | None:
    """The sheet's text with each non-empty cell's start, end, name and column; None when no cell shows."""
    cells = list(chain.from_iterable(grid))
    flat = _cell_texts(cells)
    idx = list(compress(range(len(flat)), flat))  # the cells that show something ("" and None do not)
    values = list(map(cells.__getitem__, idx))
    del cells
    texts = cast(list[str], list(map(flat.__getitem__, idx)))
    del flat
    if not idx:
        return None
    row_of = list(map(width.__rfloordiv__, idx))
    cols = list(map(c0.__add__, map(width.__rmod__, idx)))
    _find_header(w.finder, row_of, cols, texts, values)
    prefixes = _col_prefixes(w.prefix, max(cols) + 1)
    row_names = list(map(str, range(r0 + 1, r0 + 2 + row_of[-1])))
    refs = list(map(operator.add, map(prefixes.__getitem__, cols), map(row_names.__getitem__, row_of)))
    seps = ["", *map(_SEPARATOR.__getitem__, map(operator.ne, row_of[1:], row_of[:-1]))]
    # Cell i starts after the i cells before it and their i separators (one character each).
    starts = list(map(operator.add, accumulate(map(len, texts[:-1]), initial=0), range(len(texts))))
    ends = list(map(operator.add, starts, map(len, texts)))
    text = "".join(chain.from_iterable(zip(seps, texts, strict=True)))
    return text, starts, ends, refs, cols


_SEPARATOR = ("\t", "\n")


def _find_header(finder: HeaderFinder, row_of: list[int], cols: list[int], texts: list[str],
                 values: list[Any]) -> None:
    """Feed the sheet's first rows (at most the ones the header is looked for in) to ``finder``."""
    i, n = 0, len(row_of)
    while i < n and not finder.decided:
        j = i
        while j < n and row_of[j] == row_of[i]:
            j += 1
        finder.row(cols[i:j], texts[i:j], all(v.__class__ is str for v in values[i:j]))
        i = j


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
        yield from doc.optional(part, lambda p, i=i: _part_component(doc, p, DRAWING_SPEC, f"slide={i}"))
        notes = [t for typ, t in doc.rels(part).values() if typ.endswith("/notesSlide") and t in doc.names]
        for n in notes:
            yield from doc.optional(n, lambda p, i=i: _lines_component(doc, _notes_paragraphs(doc, p),
                                                                       f"slide={i};notes"))


def _notes_paragraphs(doc: _Doc, part: str) -> Iterator[str]:
    """Notes text without the slide-number and slide-image placeholders."""
    for line in _part_text(doc, part, DRAWING_SPEC).split("\n"):
        if not line.strip().isdigit():
            yield line


# ----------------------------------------------------------------------------------------------------------- odf

def _odf(doc: _Doc, kind: str) -> Iterator[ContentComponent]:
    if kind == "ods":
        yield from _ods(doc)
    elif kind == "odp":
        yield from _odp(doc)
    else:
        yield from _part_component(doc, "content.xml", ODF_SPEC, "body")
    if "styles.xml" in doc.names:  # headers and footers live with the page styles
        yield from doc.optional("styles.xml", lambda n: _part_component(doc, n, ODF_SPEC, "styles"))


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
        elif tag in ODF_SPEC.para and ev == "end":
            (notes if in_notes else slides).append(_render(el, ODF_SPEC))
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
        elif tag in ODF_SPEC.para and ev == "end":
            if cell_depth:
                (ann_text if ann_depth else cell_text).append(_render(el, ODF_SPEC))
            _clear(el)
