"""Table structure of extracted text: which header names each column, so that the classifier can use a column's
header as context for every value below it (see :class:`scanner.models.TableInfo`).

Two shapes: spreadsheet sheets, whose cells arrive as rows of typed cells (:class:`HeaderFinder`), and delimited
text (CSV/TSV and the like), recognised from the head of the text (:func:`sniff_delimited`).
"""

from __future__ import annotations

import csv
import io
import re

from scanner.models import TableInfo

# Rows looked at for a sheet's header: a title block or a blank line or two above the header is common.
HEADER_SCAN_ROWS = 10
# Characters of the head of a text the delimiter is sniffed from.
SNIFF_CHARS = 65536
_DELIMITERS = ",;\t|"
_SNIFF_LINES = 30
_SNIFF_SAMPLE = 8192
_CHECK_LINES = 200
_TABULAR_EXT = (".csv", ".tsv", ".tab")
_NUMERIC = re.compile(r"[-+(]?[$€£¥]?\s*[\d.,\s%:/\-)]*\d[\d.,\s%:/\-)]*[A-Za-z]{0,3}")


class HeaderFinder:
    """Decides a sheet's header row from its first non-empty rows.

    The header is the first row, among the first :data:`HEADER_SCAN_ROWS` non-empty rows, that has at least two
    non-empty cells and whose non-empty cells are all text (not numbers, dates or booleans). Without one, every
    column's header is ``""``.
    """

    def __init__(self) -> None:
        self.headers: list[str] | None = None  # None until decided
        self._rows = 0
        self._width = 0

    @property
    def decided(self) -> bool:
        return self.headers is not None

    def row(self, cols: list[int], texts: list[str], all_text: bool) -> None:
        """One non-empty row: its cells' columns (0-based), texts, and whether every cell is text."""
        if self.headers is not None:
            return
        self._rows += 1
        self._width = max(self._width, cols[-1] + 1)
        if len(cols) >= 2 and all_text:
            headers = [""] * (cols[-1] + 1)
            for c, t in zip(cols, texts, strict=True):
                headers[c] = t.strip()
            self.headers = headers
        elif self._rows >= HEADER_SCAN_ROWS:
            self.headers = [""] * self._width

    def finish(self) -> list[str]:
        """The headers, deciding "no header" if the sheet ended before a header row was seen."""
        if self.headers is None:
            self.headers = [""] * self._width
        return self.headers


def _looks_numeric(cell: str) -> bool:
    return bool(_NUMERIC.fullmatch(cell.strip()))


def is_tabular_name(name: str | None) -> bool:
    """True for the names of delimited-text files (``.csv``, ``.tsv``, ``.tab``)."""
    return bool(name) and name.lower().endswith(_TABULAR_EXT)  # type: ignore[union-attr]


def sniff_delimited(head: str, name: str | None = None, complete: bool = False) -> TableInfo | None:
    """The table structure of delimited text starting with ``head``, or None when it does not read as a table.

    ``csv.Sniffer`` picks the delimiter among ``, ; TAB |``; the records of the head must then agree on a field
    count of at least two (all of them for text of unknown shape, most of them for a ``.csv``/``.tsv``/``.tab``
    name, whose rows may be ragged). The first record is the header when ``Sniffer.has_header`` says so or when
    its cells are all non-numeric text; without a header, ``headers`` are all ``""`` and ``header_line`` is 0.
    ``complete`` says ``head`` is the whole text (its last line is not cut).
    """
    head = head[:SNIFF_CHARS + 1]
    lines = head.splitlines()
    if len(head) > SNIFF_CHARS or (not complete and head and head[-1] not in "\r\n"):
        lines = lines[:-1]  # the last line may be cut off
    skipped = 0
    while lines and not lines[0].strip():
        lines.pop(0)
        skipped += 1
    cut = len(lines) > _CHECK_LINES or len(head) > SNIFF_CHARS or not complete
    lines = lines[:_CHECK_LINES]
    if len(lines) < 2 or not any(d in lines[0] for d in _DELIMITERS):
        return None  # prose, logs: not worth the sniffer's time
    sample = "\n".join(lines) + "\n"
    sniffer = csv.Sniffer()
    # The sniffer's cost grows with its sample: a few dozen lines tell the delimiter as well as thousands.
    short = "\n".join(lines[:_SNIFF_LINES])[:_SNIFF_SAMPLE] + "\n"
    try:
        dialect = sniffer.sniff(short, delimiters=_DELIMITERS)
    except csv.Error:
        return None
    delimiter = dialect.delimiter
    quotechar = dialect.quotechar or '"'
    try:
        records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quotechar) if r]
    except csv.Error:
        return None
    if cut and len(records) > 2:
        # The sample ends where the head was cut, possibly inside a quoted cell spanning lines (a key block):
        # its last record may be a piece of one.
        records.pop()
    if len(records) < 2:
        return None
    width = len(records[0])
    if width < 2:
        return None
    agree = sum(1 for r in records if len(r) == width)
    lenient = is_tabular_name(name)
    if agree < len(records) and not (lenient and agree >= 0.8 * len(records)):
        return None
    first = records[0]
    try:
        has_header = sniffer.has_header(short)
    except csv.Error:
        has_header = False
    all_text = all(c.strip() and not _looks_numeric(c) for c in first)
    if has_header or all_text:
        return TableInfo([c.strip() for c in first], delimiter=delimiter, quotechar=quotechar,
                         header_line=skipped + 1)
    return TableInfo([""] * width, delimiter=delimiter, quotechar=quotechar, header_line=0)
