"""PDF text per page, location ``page=N``: PDFium (pypdfium2) first, pypdf where PDFium refuses the file.

PDFium (Chromium's PDF engine, C++) reads a text page several times faster than pypdf's pure-Python content
stream walk. It opens PDFs encrypted with an empty user password itself; a file it refuses (a real password,
damage it cannot repair) goes to pypdf, which repairs more and names the reason when it cannot: a PDF that
needs a real password is skipped with that reason. A page that fails is noted and the others still count. A
cross-reference chain that loops, or any parse that does not end, is stopped by the extraction subprocess's
wall-time limit.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pypdfium2

from scanner.exceptions import ExtractionError
from scanner.extract.core import Ctx, text_components
from scanner.models import ContentComponent

# PDFium ends lines with CRLF and marks a hyphen it kept at a line end with U+0002 (U+FFFE in some builds).
_PDFIUM_TEXT = str.maketrans({"\x02": "-", "\ufffe": "-"})


def extract_pdf(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """Components of a PDF, one per page with text (``page=N``)."""
    if ctx.fast:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except (pypdfium2.PdfiumError, ValueError, OSError):
            pdf = None  # pypdf decides (and says why it cannot)
        if pdf is not None:
            given = 0
            try:
                for comp in _pdfium_pages(pdf, ctx):
                    given += 1
                    yield comp
                return
            except ExtractionError:
                if given:
                    raise
                # PDFium opened the file but could read no page of it: pypdf may still (or will say why not).
            finally:
                pdf.close()
    yield from _pypdf_pages(data, ctx)


def _pdfium_pages(pdf: pypdfium2.PdfDocument, ctx: Ctx) -> Iterator[ContentComponent]:
    def read(i: int) -> str:
        page = pdf[i]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
        finally:
            page.close()
        return text.replace("\r\n", "\n").replace("\r", "\n").translate(_PDFIUM_TEXT)

    yield from _pages(len(pdf), read, ctx)


def _pages(n: int, read: Callable[[int], str], ctx: Ctx) -> Iterator[ContentComponent]:
    """Components of pages ``0 .. n-1`` read by ``read``; a page that fails is counted and noted, all failing is
    an error."""
    if n == 0:
        raise ExtractionError("damaged PDF (no pages found)")
    failed = 0
    for i in range(n):
        try:
            text = read(i)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - one bad page costs that page
            failed += 1
            continue
        if text.strip():
            yield from text_components(text, ctx, f"page={i + 1}")
    if failed:
        if failed == n:
            raise ExtractionError(f"damaged PDF (no page could be read, {n} page(s))")
        ctx.budget.note(f"{failed} of {n} PDF page(s) could not be read")


def _pypdf_pages(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    import pypdf
    from pypdf.errors import PyPdfError

    # pypdf logs every repaired oddity at WARNING; the outcome is reported as a reason instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))
            except Exception:  # noqa: BLE001 - unsupported cipher (no crypto library) or damaged encryption
                ok = False
            if not ok:
                raise ExtractionError("password-protected PDF (encrypted)")
        pages = reader.pages
        n = len(pages)
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError, ZeroDivisionError) as exc:
        raise ExtractionError(f"damaged PDF ({exc.__class__.__name__})") from None
    yield from _pages(n, lambda i: pages[i].extract_text() or "", ctx)
