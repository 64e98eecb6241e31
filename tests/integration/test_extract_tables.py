"""Tables carry their header (TableInfo): CSV/TSV through the worker's streamed text path, and XLSX/XLS/ODS sheets
in the extraction code (both the calamine and the XML path), with the header far above the value: every component
of the table gets the same headers, and the value's column names the right header."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "data" / "extract"))

import extract_fixtures as fx  # noqa: E402

from scanner.config import ExtractionConfig  # noqa: E402
from scanner.extract import ContentExtractor, ExtractionReport  # noqa: E402
from scanner.extract.core import Ctx, extract_bytes  # noqa: E402
from scanner.extract.limits import Budget  # noqa: E402
from scanner.models import ContentComponent  # noqa: E402

HEADERS = ["id", "name", "card_number", "city"]
ROWS = 1200
PLANT_AT = 1000  # data row of the planted value: many components below the header


def _rows(value: str) -> list[list[str]]:
    rows = [[str(i), f"Customer {i}", "", "Lyon, FR" if i % 3 else "Berlin"] for i in range(ROWS)]
    rows[PLANT_AT][2] = value
    return rows


async def _streamed(name: str, data: bytes, component_chars: int) -> list[ContentComponent]:
    """Components as the worker gets them (plain text is decoded and cut in the worker itself)."""
    ex = ContentExtractor(ExtractionConfig(), component_chars=component_chars)
    try:
        return [c async for c in ex.extract(name, data, ExtractionReport())]
    finally:
        await ex.aclose()


def _delimited_column_of(comps: list[ContentComponent], value: str) -> tuple[int, str]:
    """(1-based line in the file, header of its column) of ``value``, read the way TableInfo says to."""
    for c in comps:
        i = c.text.find(value, c.keep_from, c.keep_to if c.keep_to is not None else len(c.text))
        if i < 0:
            continue
        t = c.table
        assert t is not None and t.delimiter is not None
        line_start = c.text.rfind("\n", 0, i) + 1
        line_end = c.text.find("\n", i)
        record = next(csv.reader([c.text[line_start:line_end]], delimiter=t.delimiter, quotechar=t.quotechar))
        return c.start_line + c.text.count("\n", 0, i), t.headers[record.index(value)]
    raise AssertionError("value not found in any component")


@pytest.mark.parametrize("name,delimiter", [("customers.csv", ","), ("customers.tsv", "\t")])
async def test_delimited_file_components_carry_the_header(name, delimiter):
    value = fx.card(901)
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(HEADERS)
    w.writerows(_rows(value))
    comps = await _streamed(name, out.getvalue().encode(), component_chars=4000)
    assert len(comps) > 5
    for c in comps:
        assert c.table is not None
        assert (c.table.headers, c.table.delimiter, c.table.header_line) == (HEADERS, delimiter, 1)
    assert _delimited_column_of(comps, value) == (PLANT_AT + 2, "card_number")


async def test_delimited_file_without_header_has_empty_headers():
    text = "".join(f"{i};{i * 7};{i * 13}\n" for i in range(300))
    comps = await _streamed("numbers.txt", text.encode(), component_chars=1000)
    assert all(c.table is not None and c.table.headers == ["", "", ""] and c.table.delimiter == ";"
               and c.table.header_line == 0 for c in comps)


async def test_prose_is_not_a_table():
    text = ("The quarterly review, held in Lyon, covered staffing; budgets were discussed at length.\n"
            "Nobody objected, although several people asked for the figures again.\n") * 200
    comps = await _streamed("notes.txt", text.encode(), component_chars=2000)
    assert len(comps) > 1 and all(c.table is None for c in comps)


def _sheet_components(name: str, data: bytes, fast: bool) -> list[ContentComponent]:
    ctx = Ctx(Budget(ExtractionConfig()), name, fast=fast, component_chars=2000)
    return list(extract_bytes(data, ctx))


def _sheet_column_of(comps: list[ContentComponent], value: str) -> tuple[str, str]:
    """(cell location, header of its column) of ``value``."""
    for c in comps:
        i = c.text.find(value)
        if i < 0:
            continue
        assert c.segments is not None and c.table is not None and c.table.segment_columns is not None
        k = max(j for j, (off, _) in enumerate(c.segments) if off <= i)
        return c.segments[k][1], c.table.headers[c.table.segment_columns[k]]
    raise AssertionError("value not found in any component")


def _check_sheet(comps: list[ContentComponent], sheet: str, value: str, cell: str) -> None:
    cells = [c for c in comps if c.segments and not c.segments[0][1].endswith(";comment")]
    assert len(cells) > 5  # the header is many components above the value
    for c in comps:
        assert c.table is not None and c.table.name == sheet
        assert c.table.headers == HEADERS
        assert len(c.table.segment_columns or []) == len(c.segments or [])
    assert _sheet_column_of(comps, value) == (cell, "card_number")


def _title_then_table(value: str) -> list[list[str]]:
    """A title line and a blank row above the header (so the header is the sheet's third row)."""
    return [["Customer export, March"], [], HEADERS, *_rows(value)]


@pytest.mark.parametrize("fast", [True, False], ids=["calamine", "xml"])
def test_xlsx_components_carry_the_header(fast):
    import openpyxl

    value = fx.card(902)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    for r, row in enumerate(_title_then_table(value), 1):
        for c, v in enumerate(row, 1):
            ws.cell(r, c, int(v) if v.isdigit() and c == 1 else v)  # ids are numbers: not a header row
    b = io.BytesIO()
    wb.save(b)
    comps = _sheet_components("book.xlsx", b.getvalue(), fast)
    _check_sheet(comps, "Customers", value, f"Customers!C{PLANT_AT + 4}")


def test_xlsx_sheet_of_numbers_has_no_header():
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "N"
    for r in range(1, 30):
        ws.append([r, r * 2.5, r * 3])
    b = io.BytesIO()
    wb.save(b)
    for fast in (True, False):
        comps = _sheet_components("n.xlsx", b.getvalue(), fast)
        assert comps and all(c.table is not None and c.table.headers == ["", "", ""] for c in comps)


def test_xls_components_carry_the_header():
    import xlwt

    value = fx.card(903)
    book = xlwt.Workbook()
    sh = book.add_sheet("Customers")
    for r, row in enumerate(_title_then_table(value)):
        for c, v in enumerate(row):
            sh.write(r, c, float(v) if v.isdigit() and c == 0 else v)
    b = io.BytesIO()
    book.save(b)
    comps = _sheet_components("old.xls", b.getvalue(), fast=True)
    _check_sheet(comps, "Customers", value, f"Customers!C{PLANT_AT + 4}")


def test_ods_components_carry_the_header():
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    value = fx.card(904)
    ods = OpenDocumentSpreadsheet()
    tab = Table(name="Customers")
    for row in _title_then_table(value):
        tr = TableRow()
        for c, v in enumerate(row):
            if v.isdigit() and c == 0:
                cell = TableCell(valuetype="float", value=v)
            else:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=v))
            tr.addElement(cell)
        tab.addElement(tr)
    ods.spreadsheet.addElement(tab)
    b = io.BytesIO()
    ods.write(b)
    comps = _sheet_components("ledger.ods", b.getvalue(), fast=True)
    _check_sheet(comps, "Customers", value, f"Customers!C{PLANT_AT + 4}")


@pytest.mark.parametrize("fast", [True, False], ids=["calamine", "xml"])
def test_header_row_cut_across_components_is_still_one_row(fast):
    """Components so small that the header row itself is cut: its cells still count as one row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["customer_name", "card_number"])
    ws.append([1, fx.card(905)])
    b = io.BytesIO()
    wb.save(b)
    ctx = Ctx(Budget(ExtractionConfig()), "s.xlsx", fast=fast, component_chars=10)
    comps = list(extract_bytes(b.getvalue(), ctx))
    assert len(comps) >= 3
    assert all(c.table is not None and c.table.headers == ["customer_name", "card_number"] for c in comps)
