"""Plain text: encoding detection, incremental decoding, and cutting long text into overlapping components.

Order of trust for encodings: a BOM; UTF-16 without BOM when every other byte is NUL; strict UTF-8; then
cp1252 (bytes it leaves undefined map as latin-1). charset-normalizer is consulted only as a last resort, when a
large share of the bytes is non-ASCII and not UTF-8 (a legacy non-Latin code page): it guesses badly on short or
mostly-ASCII text. Binary content (NUL bytes that are not UTF-16) is refused instead of producing garbage.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from html.parser import HTMLParser

from scanner.exceptions import ExtractionError
from scanner.extract.tables import SNIFF_CHARS, sniff_delimited
from scanner.models import ContentComponent, TableInfo

# Components of long text hold this many characters of their own, plus OVERLAP_CHARS of the neighbours on each
# side: a value (or the context words of one) up to OVERLAP_CHARS long that straddles a cut is whole in one piece.
COMPONENT_CHARS = 1_000_000
OVERLAP_CHARS = 4096

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _cp1252_or_latin1(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the five bytes cp1252 leaves undefined decode as latin-1."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start:exc.end].decode("latin-1"), exc.end


codecs.register_error("datascan-latin1", _cp1252_or_latin1)


def looks_binary(sample: bytes) -> bool:
    """True for content that is neither text nor UTF-16 text (NUL bytes, or many control bytes)."""
    if not sample:
        return False
    if b"\x00" in sample:
        return _utf16_variant(sample) is None
    controls = sum(sample.count(bytes([c])) for c in (*range(1, 8), *range(14, 27), *range(28, 32)))
    return controls > 0.05 * len(sample)


def _utf16_variant(sample: bytes) -> str | None:
    even, odd = sample[0::2], sample[1::2]
    if odd and odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even and even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def detect_encoding(head: bytes, complete: bool) -> tuple[str, int]:
    """``(encoding, bom_length)`` for text starting with ``head``; ``complete`` when ``head`` is all of it.

    Raises ExtractionError for binary content.
    """
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc, len(bom)
    sample = head[:65536]
    if b"\x00" in sample[:4096]:
        enc16 = _utf16_variant(sample[:4096])
        if enc16:
            return enc16, 0
        raise ExtractionError("binary content (not a known format)")
    if looks_binary(sample[:4096]):
        raise ExtractionError("binary content (not a known format)")
    try:
        if complete:
            head.decode("utf-8")
        else:
            # A multi-byte character may be cut at the end of the head: a final incomplete sequence is fine.
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    high = sum(1 for b in sample if b >= 0x80)
    if len(sample) >= 256 and high > 0.3 * len(sample):
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        if best is not None and best.encoding:
            return best.encoding, 0
    return "cp1252", 0


def decode_text(data: bytes) -> str:
    """Bytes to text (see the module docstring); raises ExtractionError for binary content."""
    enc, skip = detect_encoding(data, complete=True)
    return data[skip:].decode(enc, errors=_errors(enc))


def _errors(enc: str) -> str:
    return "datascan-latin1" if enc == "cp1252" else "replace"


class StreamDecoder:
    """Decodes a byte stream chunk by chunk once the encoding is known from the first chunk."""

    def __init__(self, head: bytes, complete: bool):
        enc, self._skip = detect_encoding(head, complete)
        self.encoding = enc
        self._dec = codecs.getincrementaldecoder(enc)(errors=_errors(enc))

    def decode(self, chunk: bytes, final: bool = False) -> str:
        if self._skip:
            chunk, self._skip = chunk[self._skip:], 0
        return self._dec.decode(chunk, final)


class TextChunker:
    """Cuts a stream of text into overlapping :class:`ContentComponent` pieces (see ``keep_from``/``keep_to``).

    Memory stays bounded by about ``size + 2 * overlap`` characters plus one fed piece, whatever the length of
    the whole text or of its lines.

    With ``tables`` (a whole text file), the head of the text is sniffed for a delimited shape (CSV/TSV, see
    :func:`scanner.extract.tables.sniff_delimited`; ``name`` is the file name, a hint) before the first
    component is cut, and every component then carries the same :class:`TableInfo`.
    """

    def __init__(self, location: str = "", member: str | None = None, size: int = COMPONENT_CHARS,
                 overlap: int = OVERLAP_CHARS, name: str | None = None, tables: bool = True):
        if size < 1 or overlap < 0:
            raise ValueError("component size must be positive and overlap not negative")
        self.location, self.member, self.size, self.overlap = location, member, size, overlap
        self.name = name
        self.table: TableInfo | None = None
        self._sniffed = not tables
        self._buf = ""
        self._own_from = 0          # where the characters not yet owned by an emitted component start
        self._line, self._col = 1, 1  # position of _buf[0] in the whole text
        self.emitted = 0

    def _sniff(self, complete: bool) -> None:
        self._sniffed = True
        self.table = sniff_delimited(self._buf[:SNIFF_CHARS + 1], self.name, complete=complete)

    def feed(self, text: str) -> Iterator[ContentComponent]:
        self._buf += text
        if not self._sniffed and (len(self._buf) > SNIFF_CHARS or len(self._buf) >= self.size + self.overlap):
            self._sniff(complete=False)
        while len(self._buf) - self._own_from >= self.size + self.overlap:
            yield self._cut()

    def finish(self) -> Iterator[ContentComponent]:
        if not self._sniffed:
            self._sniff(complete=True)
        if len(self._buf) > self._own_from or self.emitted == 0:
            self.emitted += 1
            yield ContentComponent(self._buf, self.location, self.member, keep_from=self._own_from, keep_to=None,
                                   start_line=self._line, start_col=self._col, table=self.table)
        self._buf = ""

    def _cut(self) -> ContentComponent:
        buf, own_from = self._buf, self._own_from
        cut = own_from + self.size
        # Prefer to cut after whitespace near the limit: nicer pieces, and Presidio sees whole tokens anyway.
        ws = max(buf.rfind(" ", cut - 2048, cut), buf.rfind("\n", cut - 2048, cut))
        if ws > own_from:
            cut = ws + 1
        comp = ContentComponent(buf[:cut + self.overlap], self.location, self.member, keep_from=own_from,
                                keep_to=cut, start_line=self._line, start_col=self._col, table=self.table)
        drop = max(0, cut - self.overlap)
        dropped = buf[:drop]
        nl = dropped.count("\n")
        if nl:
            self._line += nl
            self._col = drop - dropped.rfind("\n")
        else:
            self._col += drop
        self._buf = buf[drop:]
        self._own_from = cut - drop
        self.emitted += 1
        return comp


def chunk_text(text: str, location: str = "", member: str | None = None,
               size: int = COMPONENT_CHARS) -> Iterator[ContentComponent]:
    """A whole text as one component, or as overlapping pieces when it is long."""
    if len(text) <= size + OVERLAP_CHARS:
        yield ContentComponent(text, location, member)
        return
    ch = TextChunker(location, member, size, tables=False)
    yield from ch.feed(text)
    yield from ch.finish()


class _Visible(HTMLParser):
    """Collects the visible text of an HTML page, each piece on the line it has in the source."""

    _HIDDEN = frozenset({"script", "style", "template", "noscript", "head"})
    _KEEP_IN_HEAD = frozenset({"title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.line = 1
        self.hidden = 0
        self.title = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._KEEP_IN_HEAD:
            self.title += 1
        # Form values and image descriptions are shown to a person too.
        for k, v in attrs:
            if v and k in ("alt", "title", "value", "placeholder"):
                self._add(v)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag in self._KEEP_IN_HEAD and self.title:
            self.title -= 1
        elif tag in ("p", "div", "td", "th", "li", "br", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.hidden and not self.title:
            return
        self._add(data)

    def _add(self, data: str) -> None:
        line = self.getpos()[0]
        if line > self.line:
            self.parts.append("\n" * (line - self.line))
            self.line = line
        self.parts.append(data)
        self.line += data.count("\n")


def html_visible_text(html: str) -> str:
    """The text a browser would show, with each piece on its source line (so ``line=N`` points into the file)."""
    p = _Visible()
    p.feed(html)
    p.close()
    return "".join(p.parts)
