"""``ContentExtractor``: plain-text formats, with encoding detection that does not guess on short text.

Order of trust: a BOM; UTF-16 without BOM when every other byte is NUL; strict UTF-8; then cp1252 (which maps
almost every byte), falling back to latin-1 for the five bytes cp1252 leaves undefined. Binary content (NUL bytes
that are not UTF-16) is refused with a reason instead of producing garbage text.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionError
from scanner.models import ContentComponent

TEXT_EXTENSIONS = frozenset({
    ".txt", ".text", ".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".log", ".md", ".markdown", ".xml", ".html",
    ".htm", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".sql", ".eml", ".properties", ".env", "",
})

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes) -> str:
    """Bytes to text (see the module docstring); raises ExtractionError for binary content."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    sample = data[:4096]
    if sample and b"\x00" in sample:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return data.decode("utf-16-le", errors="replace")
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return data.decode("utf-16-be", errors="replace")
        raise ExtractionError("binary content (not a text format this version extracts)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class ContentExtractor:
    """Yields the text components of one object. The extraction issue adds office, PDF, mail and archive formats."""

    def __init__(self, cfg: ExtractionConfig):
        self.cfg = cfg

    async def extract(self, name: str, data: bytes) -> AsyncIterator[ContentComponent]:
        """Components of the object called ``name`` (its extension picks the format)."""
        dot = name.rfind(".")
        ext = name[dot:].lower() if dot > name.rfind("/") else ""
        if ext not in TEXT_EXTENSIONS:
            raise ExtractionError(f"unsupported format {ext!r}")
        text = decode_text(data)
        if len(text) > self.cfg.max_text_chars:
            text = text[: self.cfg.max_text_chars]
        yield ContentComponent(text=text, location="")
