"""PDF text per page (pypdf), location ``page=N``.

Encrypted PDFs are tried with the empty user password (many "protected" PDFs only restrict printing); a PDF that
needs a real password is skipped with that reason. Damaged files are read as far as pypdf can recover them; a
page that fails is noted and the others still count. A cross-reference chain that loops, or any parse that
does not end, is stopped by the extraction subprocess's wall-time limit.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

from scanner.exceptions import ExtractionError
from scanner.extract.core import Ctx, text_components
from scanner.models import ContentComponent


def extract_pdf(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
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
    if n == 0:
        raise ExtractionError("damaged PDF (no pages found)")
    failed = 0
    for i in range(n):
        try:
            text = pages[i].extract_text() or ""
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
