"""The synchronous extraction of one object's bytes: format dispatch and recursion into members.

This runs inside the extraction subprocess (see :mod:`scanner.extract.sandbox`), never in the worker itself, so a
parser that loops in C or allocates without bound costs one object. Every format module takes the object's bytes
and a :class:`Ctx` and yields :class:`ContentComponent` s; members (archive entries, attachments) go back through
:func:`extract_member`.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionError
from scanner.extract.detect import sniff
from scanner.extract.limits import Budget, LimitExceeded, join_member, safe_member_name
from scanner.extract.tables import sniff_delimited
from scanner.extract.text import COMPONENT_CHARS, chunk_text, decode_text, html_visible_text
from scanner.models import ContentComponent, TableInfo

log = logging.getLogger(__name__)

ARCHIVES = frozenset({"zip", "tar", "gzip", "bzip2", "xz", "7z", "rar"})


@dataclass
class Ctx:
    """Where the bytes being extracted sit: the object's budget, nesting depth and member label.

    ``fast`` selects the compiled parsers (PDFium, calamine, lxml); False runs the pure-Python path they fall back
    to, which ``bench_extract`` also times side by side. ``component_chars`` is the size sheets are cut at.
    """

    budget: Budget
    name: str
    member: str | None = None
    depth: int = 0
    fast: bool = True
    component_chars: int = COMPONENT_CHARS

    @property
    def cfg(self) -> ExtractionConfig:
        return self.budget.cfg

    def label(self) -> str:
        return self.member or self.name.rsplit("/", 1)[-1]

    def child(self, name: str) -> Ctx:
        clean = safe_member_name(name)
        return Ctx(self.budget, clean, join_member(self.member, clean), self.depth + 1, self.fast,
                   self.component_chars)


def text_components(text: str, ctx: Ctx, location: str = "", table: TableInfo | None = None
                    ) -> Iterator[ContentComponent]:
    """Components of one piece of text, charged to the object's character budget; ``table`` goes on each."""
    room = ctx.budget.remaining_chars()
    if room <= 0:
        raise LimitExceeded(f"text limit reached (max_text_chars={ctx.cfg.max_text_chars})")
    if len(text) > room:
        text = text[:room]
        ctx.budget.note(f"text limit reached (max_text_chars={ctx.cfg.max_text_chars})")
    ctx.budget.chars += len(text)
    for comp in chunk_text(text, location, ctx.member):
        comp.table = table
        yield comp


def _extract_text(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    text = decode_text(data)
    yield from text_components(text, ctx, table=sniff_delimited(text, ctx.name, complete=True))


def _extract_html(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    yield from text_components(html_visible_text(decode_text(data)), ctx)


def _handler(fmt: str) -> Callable[[bytes, Ctx], Iterator[ContentComponent]]:
    # Imported on use so a broken optional library disables one format, not all of them.
    if fmt == "text":
        return _extract_text
    if fmt == "html":
        return _extract_html
    if fmt == "pdf":
        from scanner.extract.pdf import extract_pdf
        return extract_pdf
    if fmt == "zip":
        from scanner.extract.office import extract_zip_family
        return extract_zip_family
    if fmt == "ole":
        from scanner.extract.ole import extract_ole
        return extract_ole
    if fmt == "rtf":
        from scanner.extract.ole import extract_rtf
        return extract_rtf
    if fmt == "eml":
        from scanner.extract.mail import extract_eml
        return extract_eml
    if fmt in ("gzip", "bzip2", "xz"):
        from scanner.extract.archives import extract_compressed
        return extract_compressed
    if fmt == "tar":
        from scanner.extract.archives import extract_tar
        return extract_tar
    if fmt == "7z":
        from scanner.extract.archives import extract_7z
        return extract_7z
    if fmt == "rar":
        from scanner.extract.archives import extract_rar
        return extract_rar
    raise ExtractionError(f"unsupported format ({fmt.split(':', 1)[-1]})")


def extract_bytes(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """Components of ``data`` whatever its format; raises ExtractionError when nothing can be extracted."""
    fmt = sniff(ctx.name, data[:65536])
    if fmt == "empty":
        raise ExtractionError("empty (0 bytes)")
    if fmt.startswith("opaque:"):
        raise ExtractionError(f"no text to extract ({fmt[7:]})")
    if fmt in ARCHIVES and not ctx.cfg.archives:
        raise ExtractionError("archive not opened (extraction.archives is false)")
    handler = _handler(fmt)
    with warnings.catch_warnings():
        # Parsers warn about every oddity of a malformed file; the outcome is reported as a skip reason instead.
        warnings.simplefilter("ignore")
        yield from handler(data, ctx)


def check_depth(ctx: Ctx, what: str = "archive") -> bool:
    """False (with a note) when the members of this container would be nested deeper than allowed."""
    if ctx.depth >= ctx.cfg.max_archive_depth:
        ctx.budget.note(f"nesting depth limit exceeded (max_archive_depth={ctx.cfg.max_archive_depth}): "
                        f"{what} {ctx.label()} not opened")
        return False
    return True


def extract_member(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """A member's components; a member that cannot be extracted is noted and the container goes on.

    Object-wide limits (total inflated bytes, member count, text characters) propagate and end the container.
    """
    if not data:
        return  # an empty member holds nothing to miss
    try:
        yield from extract_bytes(data, ctx)
    except LimitExceeded as exc:
        if _object_wide(exc):
            raise
        ctx.budget.note(f"{ctx.member}: {exc}")
    except ExtractionError as exc:
        ctx.budget.note(f"{ctx.member}: {exc}")
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed member costs that member, not its container
        ctx.budget.note(f"{ctx.member}: cannot extract ({exc.__class__.__name__})")


def _object_wide(exc: LimitExceeded) -> bool:
    msg = str(exc)
    return msg.startswith(("uncompressed size limit", "member count limit", "text limit"))
