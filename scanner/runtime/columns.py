"""Column verdicts: what a table column holds, judged from its sampled values, its name and its type.

A column's sampled values are classified as one text, one value per line, with the column name's words
(``card_no`` -> ``card``, ``no``) as context for every value, as a label printed before it would be. Detections
are mapped back to rows by line; per entity the verdict keeps the rows that hold it, the share of the sampled
non-empty values that hold it and a confidence:

    confidence = mean detection score x (0.5 + 0.5 x min(1, share / 0.5))      # a rare entity halves it
                 + 0.25 x (1 - that) when the name suggests the entity         # ssn, card_no, iban, email ...
                 x 0.95 when the type is numeric or binary                     # digits alone are weaker evidence

A name that suggests an enabled entity whose values never hold it gives a *hint* (entity ``HINT:<ENTITY>``,
score :data:`HINT_SCORE`), never a finding of the entity itself.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.classify.masking import value_hash
from scanner.models import HINT_PREFIX, ContentComponent, Finding

HINT_SCORE = 0.1
MAX_EXAMPLE_KEYS = 3
_LOCATION_MAX = 256  # the store's location column
# Entities that can be written as a bare number, so an integer or decimal column may hold them.
DIGIT_ENTITIES = frozenset({"CREDIT_CARD", "US_SSN", "PHONE_NUMBER", "US_BANK_NUMBER", "US_PASSPORT", "US_ITIN",
                            "ABA_ROUTING_NUMBER", "UK_NHS", "US_DRIVER_LICENSE", "AU_TFN", "AU_MEDICARE",
                            "IN_AADHAAR", "SG_NRIC_FIN"})

# Column names that suggest an entity (matched on the name split into lower-case words joined by "_").
NAME_HINTS: dict[str, re.Pattern[str]] = {
    "US_SSN": re.compile(r"(^|_)(ssn|ssns|social_security(_number|_no)?|soc_sec(_no)?|sozialversicherungs\w*)($|_)"),
    "CREDIT_CARD": re.compile(r"(^|_)(card_(no|num|number|nr)|cc_(no|num|number)|credit_card(_\w+)?|pan|"
                              r"cardnumber|ccnum|creditcard)($|_)"),
    "IBAN_CODE": re.compile(r"(^|_)iban($|_)"),
    "EMAIL_ADDRESS": re.compile(r"(^|_)(e_?mail|email_address|mail_address|mail)($|_)"),
    "PHONE_NUMBER": re.compile(r"(^|_)(phone|telephone|tel|mobile|cell|cellphone|fax)($|_)"),
    "IP_ADDRESS": re.compile(r"(^|_)(ip|ip_addr(ess)?|ipv4|ipv6|client_ip|remote_addr)($|_)"),
    "US_BANK_NUMBER": re.compile(r"(^|_)(account_(no|num|number|nr)|acct(_no|_num)?|bank_account)($|_)"),
    "US_PASSPORT": re.compile(r"(^|_)passport(_no|_num|_number)?($|_)"),
    "US_ITIN": re.compile(r"(^|_)itin($|_)"),
    "US_DRIVER_LICENSE": re.compile(r"(^|_)(driver_?s?_licen[cs]e(_no|_number)?|dl_(no|num|number))($|_)"),
}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")


def name_words(name: str) -> list[str]:
    """``customerEmail_2`` -> ``["customer", "email", "2"]``."""
    return [w.lower() for w in _NON_WORD.split(_CAMEL.sub(" ", name)) if w]


def name_hints(name: str, entities: Iterable[str]) -> list[str]:
    """The enabled entities a column name suggests."""
    key = "_".join(name_words(name))
    return [e for e in entities if e in NAME_HINTS and NAME_HINTS[e].search(key)]


def column_text(values: Sequence[str | None]) -> tuple[str, list[int]]:
    """The text to classify for one column: ``(text, row of each line)``; its name is context for every line
    (:class:`ColumnContext`).

    Empty values are left out; line breaks inside a value become spaces so one line is one value.
    """
    lines: list[str] = []
    rows: list[int] = []
    for i, v in enumerate(values):
        if v is None:
            continue
        v = v.replace("\r", " ").replace("\n", " ")
        if not v.strip():
            continue
        lines.append(v)
        rows.append(i)
    return "\n".join(lines), rows


@dataclass
class _EntityHits:
    rows: int = 0
    score_sum: float = 0.0
    keys: list[str] = field(default_factory=list)
    example: object | None = None   # the best Detection (masked, hashed; raw only with store_raw)
    example_score: float = -1.0


@dataclass
class ColumnVerdict:
    """What one column holds, accumulated over the blocks of a table."""

    name: str
    type: str
    category: str
    rows: int = 0            # rows sampled
    nonempty: int = 0        # of which non-empty
    entities: dict[str, _EntityHits] = field(default_factory=dict)

    def add(self, values: Sequence[str | None], row_keys: Sequence[str], detections: Sequence[object],
            text: str, line_rows: Sequence[int]) -> None:
        """Fold one block's detections (from ``column_text``'s text) into the verdict."""
        self.rows += len(values)
        self.nonempty += len(line_rows)
        line, pos = 0, 0
        seen: dict[str, set[int]] = {}
        best: dict[tuple[str, int], float] = {}
        for d in sorted(detections, key=lambda d: d.start):  # type: ignore[attr-defined]
            start = d.start  # type: ignore[attr-defined]
            line += text.count("\n", pos, start)
            pos = start
            row = line_rows[line]
            ent = d.entity  # type: ignore[attr-defined]
            score = float(d.score)  # type: ignore[attr-defined]
            hits = self.entities.setdefault(ent, _EntityHits())
            if row not in seen.setdefault(ent, set()):
                seen[ent].add(row)
                hits.rows += 1
                best[(ent, row)] = score
                hits.score_sum += score
                if len(hits.keys) < MAX_EXAMPLE_KEYS:
                    hits.keys.append(row_keys[row])
            elif score > best[(ent, row)]:
                hits.score_sum += score - best[(ent, row)]
                best[(ent, row)] = score
            if score > hits.example_score:
                hits.example, hits.example_score = d, score

    def confidence(self, entity: str, enabled: Iterable[str]) -> float:
        hits = self.entities[entity]
        share = hits.rows / self.nonempty if self.nonempty else 0.0
        conf = (hits.score_sum / hits.rows) * (0.5 + 0.5 * min(1.0, share / 0.5))
        if entity in name_hints(self.name, enabled):
            conf += 0.25 * (1.0 - conf)
        if self.category != "text":
            conf *= 0.95
        return round(min(1.0, max(0.01, conf)), 4)


def _location(col_path: str, fields: str, keys: list[str]) -> str:
    loc = f"{col_path};{fields}"
    if keys:
        with_keys = f"{loc};keys={'|'.join(k[:40] for k in keys)}"
        if len(with_keys) <= _LOCATION_MAX:
            return with_keys
    if len(loc) > _LOCATION_MAX:  # very long identifiers (SQL Server allows 128 characters each)
        import zlib

        tag = f"~{zlib.crc32(col_path.encode()):08x}"
        loc = f"{col_path[: _LOCATION_MAX - len(fields) - len(tag) - 1]}{tag};{fields}"
    return loc


# A key value is shown only when it is an integer of at most this many digits: no entity a bare number can be
# (DIGIT_ENTITIES: phone numbers, licences, SSNs, cards ...) is that short, and the classifier does not vouch for
# a longer one (an SSN stored as an integer key matches no rule with enough confidence to be a finding).
_SHOWN_KEY_DIGITS = 6


def _key_parts(row_key: str, key_columns: Sequence[str]) -> list[tuple[str, str]] | None:
    """``k1=v1,k2=v2`` (how the SQL connector names a row by its integer key) read back with the known column
    names; None when it is not such a key."""
    out, pos = [], 0
    for i, k in enumerate(key_columns):
        if not row_key.startswith(f"{k}=", pos):
            return None
        pos += len(k) + 1
        end = row_key.find(",", pos) if i < len(key_columns) - 1 else len(row_key)
        if end < 0:
            return None
        out.append((k, row_key[pos:end]))
        pos = end + 1
    return out if out and pos >= len(row_key) else None


def _shown_keys(keys: Sequence[str], key_columns: Sequence[str], verdicts: Sequence[ColumnVerdict],
                hmac_key: bytes) -> list[str]:
    """Example row keys as findings may show them: a key value whose column is known to hold no entity and
    that is too short to be one as it is; any other value as a keyed hash (``id=#3fa2c1d09e4b``), like a value."""
    if not key_columns:
        return list(keys)  # positions in the sample (row=N): no data in them
    held = {v.name for v in verdicts if v.entities}
    clean = {k for k in key_columns if k not in held and not name_hints(k, NAME_HINTS)}
    out = []
    for rk in keys:
        parts = _key_parts(rk, key_columns)
        if parts is None:
            out.append(f"key=#{value_hash(hmac_key, 'ROW_KEY', rk)[:12]}")
            continue
        out.append(",".join(
            f"{k}={v}" if k in clean and v.lstrip("-").isdigit() and len(v.lstrip("-")) <= _SHOWN_KEY_DIGITS
            else f"{k}=#{value_hash(hmac_key, 'ROW_KEY', v)[:12]}" for k, v in parts))
    return out


def table_findings(datasource_id: str, object_path: str, verdicts: Iterable[ColumnVerdict],
                   enabled: Sequence[str], hmac_key: bytes, key_columns: Sequence[str] = ()) -> list[Finding]:
    """One finding per (column, entity) held, one hint per (column, suggested entity) never held."""
    verdicts = list(verdicts)
    out: list[Finding] = []
    for v in verdicts:
        col_path = f"{object_path}.{v.name}"
        for ent in sorted(v.entities):
            hits = v.entities[ent]
            share = hits.rows / v.nonempty if v.nonempty else 0.0
            d = hits.example
            keys = _shown_keys(hits.keys, key_columns, verdicts, hmac_key)
            fields = f"entity_rows={hits.rows};nonempty={v.nonempty};rows={v.rows};share={share:.4f}"
            out.append(Finding(
                datasource_id=datasource_id, object_path=object_path, member="",
                location=_location(col_path, fields, keys), entity=ent, score=v.confidence(ent, enabled),
                masked=d.masked, value_hash=d.value_hash, value=d.value,  # type: ignore[attr-defined]
            ))
        for ent in name_hints(v.name, enabled):
            if ent in v.entities:
                continue
            hint = f"{HINT_PREFIX}{ent}"
            out.append(Finding(
                datasource_id=datasource_id, object_path=object_path, member="",
                location=_location(col_path, f"nonempty={v.nonempty};rows={v.rows};share=0.0000", []),
                entity=hint, score=HINT_SCORE, masked="",
                # A stable identity for the hint (no value exists): the keyed hash of where it is.
                value_hash=value_hash(hmac_key, hint, col_path),
            ))
    return out


# ---------------------------------------------------------------------------------------------- tables in files

class ColumnContext:
    """The classifier's context for one column of values: its name's words hold for every value."""

    def __init__(self, name: str) -> None:
        self._words = tuple(name_words(name))

    def words_at(self, pos: int) -> tuple[str, ...]:
        """The column name's words, wherever the value is."""
        return self._words

    def vocabulary(self) -> tuple[str, ...]:
        """The column name's words."""
        return self._words


class ComponentColumns:
    """Where the columns of a tabular component (a CSV/TSV text, a sheet's cells) are: the column a text offset
    falls in, that column's header words as the classifier's context for it, and the component's own cells."""

    def __init__(self, comp: ContentComponent) -> None:
        table = comp.table
        assert table is not None
        self.comp = comp
        self.table = table
        self.header_words = [tuple(name_words(h)) for h in table.headers]
        self._vocabulary = tuple(dict.fromkeys(w for ws in self.header_words for w in ws))
        self._seg_starts = [s for s, _ in comp.segments] if comp.segments and table.segment_columns else None
        self._line_cuts: dict[int, list[int]] = {}

    def vocabulary(self) -> tuple[str, ...]:
        """Every header word of the table."""
        return self._vocabulary

    def words_at(self, pos: int) -> tuple[str, ...]:
        """The header words of the column holding offset ``pos``."""
        col = self.column_at(pos)
        return self.header_words[col] if col is not None and col < len(self.header_words) else ()

    def cell_at(self, pos: int) -> tuple[int, int] | None:
        """``(cell key, column)`` of offset ``pos``: the segment's index for sheets, the line start for delimited
        text (one record per line), with the column index."""
        if self._seg_starts is not None:
            k = bisect.bisect_right(self._seg_starts, pos) - 1
            cols = self.table.segment_columns or []
            return (k, cols[k]) if 0 <= k < len(cols) else None
        if self.table.delimiter is None:
            return None
        text = self.comp.text
        line_start = text.rfind("\n", 0, pos) + 1
        cuts = self._line_cuts.get(line_start)
        if cuts is None:
            cuts = self._line_cuts[line_start] = self._delimiters(line_start)
        return line_start, bisect.bisect_right(cuts, pos)

    def column_at(self, pos: int) -> int | None:
        """The column of offset ``pos`` (0-based), or None when it is not in a cell."""
        cell = self.cell_at(pos)
        return None if cell is None else cell[1]

    def _delimiters(self, line_start: int) -> list[int]:
        """Offsets of the delimiters of the record starting at ``line_start`` (those outside quotes)."""
        text, table = self.comp.text, self.table
        end = text.find("\n", line_start)
        end = len(text) if end < 0 else end
        delim, quote = table.delimiter or ",", table.quotechar
        line = text[line_start:end]
        if quote not in line:
            out, i = [], line.find(delim)
            while i >= 0:
                out.append(line_start + i)
                i = line.find(delim, i + 1)
            return out
        out, quoted = [], False
        for i, ch in enumerate(line):
            if ch == quote:
                quoted = not quoted
            elif ch == delim and not quoted:
                out.append(line_start + i)
        return out

    def label(self, col: int) -> str:
        """A column's name in locations: its header, else its letter (sheets) or its 1-based number."""
        header = self.table.headers[col] if col < len(self.table.headers) else ""
        if header.strip():
            return _clean_label(header)
        if self._seg_starts is not None:
            from scanner.extract.office import col_letters

            return col_letters(col + 1)
        return f"#{col + 1}"

    def cells(self) -> tuple[int, dict[int, int]]:
        """``(records, non-empty cells per column)`` of the component's own part, the header row left out."""
        comp, table = self.comp, self.table
        hi = len(comp.text) if comp.keep_to is None else comp.keep_to
        nonempty: dict[int, int] = {}
        if self._seg_starts is not None:
            cols = table.segment_columns or []
            rows: set[str] = set()
            starts = self._seg_starts + [len(comp.text)]
            for k, (start, loc) in enumerate(comp.segments or ()):
                if not comp.keep_from <= start < hi or k >= len(cols):
                    continue
                value = comp.text[start:starts[k + 1]].strip()
                col = cols[k]
                header = table.headers[col] if col < len(table.headers) else ""
                if value and value != header.strip():
                    nonempty[col] = nonempty.get(col, 0) + 1
                    rows.add("".join(ch for ch in loc.rsplit("!", 1)[-1].split(";", 1)[0] if ch.isdigit()))
            return len(rows), nonempty
        own = comp.text[comp.keep_from:hi]
        first_line = comp.start_line + comp.text.count("\n", 0, comp.keep_from)
        records = 0
        reader = csv.reader(io.StringIO(own), delimiter=table.delimiter or ",", quotechar=table.quotechar)
        try:
            for row in reader:
                if table.header_line and first_line + reader.line_num - 1 == table.header_line:
                    continue
                if not any(c.strip() for c in row):
                    continue
                records += 1
                for i, cell in enumerate(row):
                    if cell.strip():
                        nonempty[i] = nonempty.get(i, 0) + 1
        except csv.Error:
            pass  # a damaged record ends the count; the findings stand
        return records, nonempty


_LABEL_MAX = 40
_LABEL_BAD = re.compile(r"[;=\x00-\x1f\x7f]+")


def _clean_label(header: str) -> str:
    # A header is data from the file: one line, no ";" or "=" (location separators), bounded.
    return _LABEL_BAD.sub(" ", header).strip()[:_LABEL_MAX]


@dataclass
class _TableTally:
    records: int = 0
    nonempty: dict[int, int] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    hits: dict[tuple[int, str], set[object]] = field(default_factory=dict)  # (column, entity) -> cells


class FileTables:
    """Column verdicts of the tables in one object (CSV/TSV files, sheets), built component by component.

    A finding in a table keeps its cell's location and gains its column's verdict:
    ``;column=phone;share=998/1000`` (cells of the column holding the entity, of its non-empty cells). A column
    whose header suggests an enabled entity none of its cells holds gives a hint, as a SQL column does.
    """

    def __init__(self) -> None:
        self._tables: dict[tuple[str, str], _TableTally] = {}
        self._marked: list[tuple[Finding, tuple[str, str], int]] = []

    def add(self, cols: ComponentColumns, found: Sequence[tuple[Finding, int]]) -> None:
        """One component's own cells and its findings, each with its text offset."""
        key = (cols.comp.member or "", cols.table.name)
        tally = self._tables.setdefault(key, _TableTally())
        records, nonempty = cols.cells()
        tally.records += records
        for col, n in nonempty.items():
            tally.nonempty[col] = tally.nonempty.get(col, 0) + n
            tally.labels.setdefault(col, cols.label(col))
        for col in range(len(cols.table.headers)):
            tally.labels.setdefault(col, cols.label(col))
        for finding, pos in found:
            cell = cols.cell_at(pos)
            if cell is None:
                continue
            cell_key, col = cell
            tally.labels.setdefault(col, cols.label(col))
            tally.hits.setdefault((col, finding.entity), set()).add((id(cols), cell_key))
            self._marked.append((finding, key, col))

    def finish(self, datasource_id: str, object_path: str, enabled: Sequence[str], hmac_key: bytes) -> list[Finding]:
        """Write each table finding's column verdict into its location; return the hints."""
        for finding, key, col in self._marked:
            tally = self._tables[key]
            held = len(tally.hits.get((col, finding.entity), ()))
            verdict = f";column={tally.labels.get(col, '')};share={held}/{tally.nonempty.get(col, held)}"
            finding.location = (finding.location + verdict)[:_LOCATION_MAX]
        hints: list[Finding] = []
        for (member, name), tally in self._tables.items():
            held_cols = {col for col, _ in tally.hits}
            for col, label in sorted(tally.labels.items()):
                if not label or label.startswith("#") or col in held_cols:
                    continue
                for ent in name_hints(label, enabled):
                    where = f"{name + '!' if name else ''}column={label};nonempty={tally.nonempty.get(col, 0)};" \
                            f"rows={tally.records}"
                    hint = f"{HINT_PREFIX}{ent}"
                    hints.append(Finding(
                        datasource_id=datasource_id, object_path=object_path, member=member,
                        location=where[:_LOCATION_MAX], entity=hint, score=HINT_SCORE, masked="",
                        value_hash=value_hash(hmac_key, hint, f"{object_path}!{member}!{where}"),
                    ))
        return hints


# ------------------------------------------------------------------------------------------- tables in running text

# A line that may be a row of a table written in text: cells between pipes (Markdown, ASCII art), split by tabs,
# or aligned with two or more spaces.
_ROW_LINE = re.compile(r"^[^\n]*(?:\||\t|\S {2,}\S)[^\n]*$", re.MULTILINE)
_PIPE_RULE = re.compile(r"\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*")  # |---|:--:|
_ALIGN_GAP = re.compile(r" {2,}")
_HEADER_CELL_MAX = 40   # characters: a header cell is a label, not a sentence
_HEADER_CELL_WORDS = 4  # words in a header cell of a table aligned with spaces (prose has double spaces too)


def _row_cells(line: str) -> tuple[str, list[tuple[int, int]]] | None:
    """``(kind, [(start, end) of each cell])`` of one line (offsets in the line, cells stripped), or None when it
    reads as no kind of table row."""
    if "\t" in line:
        kind, cuts = "tab", [i for i, c in enumerate(line) if c == "\t"]
        bounds = [(a + 1, b) for a, b in zip([-1, *cuts], [*cuts, len(line)], strict=True)]
    elif "|" in line:
        stripped = line.strip()
        if stripped.count("|") < 2 and not stripped.startswith("|"):
            return None
        kind, cuts = "pipe", [i for i, c in enumerate(line) if c == "|"]
        bounds = [(a + 1, b) for a, b in zip([-1, *cuts], [*cuts, len(line)], strict=True)]
        if stripped.startswith("|"):
            bounds = bounds[1:]
        if stripped.endswith("|"):
            bounds = bounds[:-1]
    else:
        kind, bounds, pos = "space", [], 0
        for gap in _ALIGN_GAP.finditer(line):
            bounds.append((pos, gap.start()))
            pos = gap.end()
        bounds.append((pos, len(line)))
    cells = []
    for a, b in bounds:
        while a < b and line[a].isspace():
            a += 1
        while b > a and line[b - 1].isspace():
            b -= 1
        cells.append((a, b))
    if kind == "space":
        cells = [c for c in cells if c[1] > c[0]]
    return (kind, cells) if len(cells) >= 2 else None


def _header_ok(kind: str, line: str, cells: Sequence[tuple[int, int]]) -> bool:
    labels = [line[a:b] for a, b in cells]
    if not any(any(ch.isalpha() for ch in label) for label in labels):
        return False
    if any(len(label) > _HEADER_CELL_MAX for label in labels):
        return False
    return kind != "space" or all(len(label.split()) <= _HEADER_CELL_WORDS for label in labels)


def _repeats_header(text: str, header_start: int, header: Sequence[tuple[int, int]], start: int,
                    cells: Sequence[tuple[int, int]]) -> bool:
    """True when a row has a header's label in that header's column: a new table's header ("Name")."""
    for (ha, hb), (a, b) in zip(header, cells, strict=True):
        label = text[header_start + ha:header_start + hb]
        if any(ch.isalpha() for ch in label) and label.casefold() == text[start + a:start + b].casefold():
            return True
    return False


# A table whose columns the text no longer shows (a PDF's single spaces, a document's table read one cell per
# line) still starts with its labels: short lines of a few words without digits, then short lines of values.
_LABEL_LINE = re.compile(r"^[ \t]*[^\W\d_][^\d\n]{0,39}?[ \t]*$", re.MULTILINE)
_LABEL_WORDS = 6         # words in a label line
_VALUE_LINE_MAX = 80     # characters in a line of values (prose lines are longer, or end a sentence)
_SENTENCE_END = ".!?;:,"


# Abbreviations a label may end with ("Passport no.", "Tel."), where a full stop otherwise ends a sentence.
_LABEL_ABBREVIATIONS = frozenset({"no.", "nr.", "num.", "tel.", "ref.", "acct."})


def _label_line(line: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped.split()) > _LABEL_WORDS or any(ch.isdigit() for ch in stripped):
        return False
    return stripped[-1] not in _SENTENCE_END or stripped.split()[-1].lower() in _LABEL_ABBREVIATIONS


class TextTables:
    """Tables written in running text (a .txt or .md file, a mail body, a document's text): rows of cells between
    pipes, split by tabs or aligned with two or more spaces, under a header row. As in a CSV file, a header cell's
    words are context for every cell below it, however many rows down (a label's words reach only 8 words).
    Where the columns are not shown (single spaces, one cell per line), short value lines under short label lines
    get every label's words.

    A table is two or more consecutive lines of one kind with the same number of cells (at least two), the first
    of which reads as a header (short labels, a letter in one of them); a Markdown rule line (``|---|---|``) under
    the header is skipped. Found on first use, so the work happens where the classifier runs.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._rows: dict[int, tuple[list[int], list[tuple[str, ...]]]] | None = None
        self._vocabulary: tuple[str, ...] = ()
        self._blocks: list[tuple[int, int, tuple[str, ...]]] = []
        self._block_starts: list[int] = []
        self._row_starts: list[int] = []

    def _parse(self) -> dict[int, tuple[list[int], list[tuple[str, ...]]]]:
        rows: dict[int, tuple[list[int], list[tuple[str, ...]]]] = {}
        text = self.text
        block: list[tuple[int, str, list[tuple[int, int]]]] = []  # (line start, kind, cells)
        words: list[str] = []
        last_end = -2

        def close() -> None:
            if len(block) >= 2:
                start, _, cells = block[0]
                header = [tuple(name_words(text[start + a:start + b])) for a, b in cells]
                for line_start, _, row in block[1:]:
                    rows[line_start] = ([line_start + a for a, _ in row], header)
                words.extend(w for ws in header for w in ws)
            block.clear()

        for m in _ROW_LINE.finditer(text):
            start, end = m.span()
            line = m.group()
            contiguous = start == last_end + 1
            last_end = end
            if block and contiguous and block[0][1] == "pipe" and _PIPE_RULE.fullmatch(line):
                continue  # the rule under a Markdown header
            row = _row_cells(line)
            if row is None:
                close()
                continue
            kind, cells = row
            if block and not (contiguous and kind == block[0][1] and len(cells) == len(block[0][2])):
                close()
            elif block and _repeats_header(text, block[0][0], block[0][2], start, cells):
                close()  # the header of the next table right under this one
            if not block and not _header_ok(kind, line, cells):
                continue
            block.append((start, kind, cells))
        close()
        self._row_starts = sorted(rows)
        self._blocks = self._label_blocks(rows, words)
        self._block_starts = [b[0] for b in self._blocks]
        self._vocabulary = tuple(dict.fromkeys(words))
        return rows

    def _label_blocks(self, rows: dict[int, Any], words: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """``(start, end, words)`` of each run of short value lines under label lines (see :data:`_LABEL_LINE`):
        the labels' words hold for every value of the run, their columns unknown."""
        text = self.text
        n = len(text)
        blocks: list[tuple[int, int, tuple[str, ...]]] = []
        reached = -1
        for m in _LABEL_LINE.finditer(text):
            start = m.start()
            if start < reached or start in rows or not _label_line(m.group()):
                continue
            pos, labels = start, []
            while pos < n:  # the label lines
                end = text.find("\n", pos)
                end = n if end < 0 else end
                line = text[pos:end]
                if not _label_line(line) or pos in rows:
                    break
                labels.append(line)
                pos = end + 1
            first_value = pos
            while pos < n:  # the value lines, up to a blank, long or sentence-ending line
                end = text.find("\n", pos)
                end = n if end < 0 else end
                line = text[pos:end].strip()
                if not line or len(line) > _VALUE_LINE_MAX or line[-1] in ".!?" or pos in rows:
                    break
                if labels and _label_line(line) and line.split()[0].casefold() == labels[0].split()[0].casefold():
                    break  # the labels of the next table ("Name ...")
                pos = end + 1
            reached = pos
            if pos > first_value:
                label_words = tuple(dict.fromkeys(w for label in labels for w in name_words(label)))
                blocks.append((first_value, pos, label_words))
                words.extend(label_words)
        return blocks

    @property
    def rows(self) -> dict[int, tuple[list[int], list[tuple[str, ...]]]]:
        """Line start of each data row -> (start of each of its cells, its table's header words per column)."""
        if self._rows is None:
            self._rows = self._parse()
        return self._rows

    def vocabulary(self) -> tuple[str, ...]:
        """Every header word of the text's tables."""
        _ = self.rows
        return self._vocabulary

    def words_at(self, pos: int) -> tuple[str, ...]:
        """The header words of the column holding offset ``pos``; none outside a table's data rows."""
        rows = self.rows
        row = None
        k = bisect.bisect_right(self._row_starts, pos) - 1
        if k >= 0 and self.text.find("\n", self._row_starts[k], pos) < 0:  # the row's line holds pos
            row = rows[self._row_starts[k]]
        if row is None:
            k = bisect.bisect_right(self._block_starts, pos) - 1
            if k >= 0 and pos < self._blocks[k][1]:
                return self._blocks[k][2]
            return ()
        starts, header = row
        col = bisect.bisect_right(starts, pos) - 1
        return header[col] if 0 <= col < len(header) else ()
