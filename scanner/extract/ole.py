"""OLE2 compound files (XLS via xlrd, Outlook MSG via olefile, password-protected Office) and RTF (striprtf)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from scanner.exceptions import ExtractionError
from scanner.extract.core import Ctx, text_components
from scanner.extract.office import _SheetWriter, col_letters, render_number
from scanner.models import ContentComponent


def extract_ole(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """Dispatch on the streams a compound file holds."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError, IndexError, KeyError, EOFError) as exc:
        raise ExtractionError(f"damaged OLE2 compound file ({exc.__class__.__name__})") from None
    with ole:
        streams = {"/".join(s) for s in ole.listdir(streams=True, storages=False)}
        tops = {s.split("/", 1)[0] for s in streams}
        if "EncryptedPackage" in tops or "EncryptionInfo" in tops:
            raise ExtractionError("password-protected Office document (encrypted)")
        if "Workbook" in tops or "Book" in tops:
            ole.close()
            yield from _xls(data, ctx)
            return
        if any(s.startswith("__substg1.0_") for s in tops):
            from scanner.extract.mail import extract_msg

            yield from extract_msg(ole, "", ctx)
            return
        if "WordDocument" in tops:
            raise ExtractionError("unsupported format (legacy Word 97-2003 .doc)")
        if "PowerPoint Document" in tops:
            raise ExtractionError("unsupported format (legacy PowerPoint 97-2003 .ppt)")
    raise ExtractionError("unsupported format (OLE2 compound file)")


def _xls(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise ExtractionError("password-protected workbook (encrypted)") from None
        raise ExtractionError(f"damaged XLS workbook ({exc.__class__.__name__})") from None
    except Exception as exc:  # noqa: BLE001 - xlrd raises assorted errors on malformed BIFF records
        raise ExtractionError(f"damaged XLS workbook ({exc.__class__.__name__})") from None
    try:
        for si in range(book.nsheets):
            sh = book.sheet_by_index(si)
            w = _SheetWriter(ctx, sh.name)
            for r in range(sh.nrows):
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_TEXT:
                        text = cell.value
                    elif cell.ctype == xlrd.XL_CELL_NUMBER:
                        text = render_number(repr(cell.value))
                    else:
                        continue
                    yield from w.cell(r + 1, f"{col_letters(c + 1)}{r + 1}", text)
            yield from w.flush()
            book.unload_sheet(si)
    finally:
        book.release_resources()


def extract_rtf(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """RTF body text (control words, fonts and pictures dropped)."""
    from striprtf.striprtf import rtf_to_text

    # RTF is 7-bit ASCII with escapes; latin-1 maps every byte so nothing is lost before striprtf decodes them.
    text = rtf_to_text(data.decode("latin-1"), errors="ignore")
    yield from text_components(text, ctx)
