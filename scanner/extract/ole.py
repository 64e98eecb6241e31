"""OLE2 compound files and RTF.

XLS via xlrd, Outlook MSG via olefile, legacy Word .doc via catdoc (Debian package ``catdoc``, run as a child of
the extraction subprocess, so the same wall-time and memory limits hold), legacy PowerPoint .ppt via
:mod:`scanner.extract.ppt`, and RTF via striprtf. Encrypted documents (OOXML inside an encrypted OLE2 package,
Word's and PowerPoint's own encryption, an XLS FILEPASS record) are skipped with a reason naming encryption.
"""

from __future__ import annotations

import contextlib
import io
import os
import selectors
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator

from scanner.exceptions import ExtractionError
from scanner.extract.core import Ctx, text_components
from scanner.extract.office import SheetWriter, col_letters, render_number
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
            fib = ole.openstream("WordDocument").read(12)
            # FibBase flags: fEncrypted (0x0100) and fObfuscated (0x8000, XOR obfuscation) both need a password.
            if len(fib) >= 12 and struct.unpack_from("<H", fib, 10)[0] & 0x8100:
                raise ExtractionError("password-protected Word document (encrypted)")
            ole.close()
            yield from _doc(data, ctx)
            return
        if "PowerPoint Document" in tops:
            if "EncryptedSummary" in tops:
                raise ExtractionError("password-protected PowerPoint presentation (encrypted)")
            if "Current User" not in tops:
                raise ExtractionError("damaged PowerPoint file (no Current User stream)")
            from scanner.extract.ppt import ppt_pages

            stream = ole.openstream("PowerPoint Document").read()
            user = ole.openstream("Current User").read()
            ole.close()
            for location, text in ppt_pages(stream, user):
                yield from text_components(text, ctx, location)
            return
    raise ExtractionError("unsupported format (OLE2 compound file)")


def _die_with_parent() -> None:
    """In the catdoc child, before exec: SIGKILL it when the extraction process that started it is killed."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _doc(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """Legacy Word: catdoc prints one paragraph per line (``-w``), table cells separated by tabs."""
    exe = shutil.which("catdoc")
    if exe is None:
        raise ExtractionError("legacy Word .doc needs catdoc (Debian package catdoc)")
    # catdoc reads a file (it seeks): the copy lives in a private directory, inside the extraction process's own
    # private temp directory when run there, and is always removed.
    with tempfile.TemporaryDirectory(prefix="datascan-doc-") as tmp:
        path = os.path.join(tmp, "in.doc")
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as exc:
            raise ExtractionError(f"no room for the temporary copy catdoc reads ({exc.strerror})") from None
        del data
        text = _run_tool([exe, "-w", "-d", "utf-8", path], tmp, ctx)
    if text.strip():
        yield from text_components(text, ctx, "body")


def _run_tool(args: list[str], cwd: str, ctx: Ctx) -> str:
    """stdout of a text-extraction tool, bounded in time (timeout_s) and size (what max_text_chars can use)."""
    cap = ctx.budget.remaining_chars() * 4 + 4096
    deadline = time.monotonic() + ctx.cfg.timeout_s
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,  # diagnostics may quote document content
                            cwd=cwd, env={"PATH": os.defpath, "LC_ALL": "C.UTF-8"},
                            preexec_fn=_die_with_parent)  # noqa: PLW1509 - the extraction process has no threads
    assert proc.stdout is not None
    out = bytearray()
    truncated = False
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ExtractionError(f"{os.path.basename(args[0])} timed out after {ctx.cfg.timeout_s:g} s")
                if not sel.select(left):
                    continue
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:
                    truncated = True
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
    if proc.returncode and not truncated and not out:
        raise ExtractionError(f"damaged document ({os.path.basename(args[0])} exit code {proc.returncode})")
    if truncated:
        ctx.budget.note(f"text limit reached (max_text_chars={ctx.cfg.max_text_chars})")
    return out.decode("utf-8", "replace")


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
            w = SheetWriter(ctx, sh.name)
            for r in range(sh.nrows):
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_TEXT:
                        text = cell.value
                    elif cell.ctype == xlrd.XL_CELL_NUMBER:
                        text = render_number(repr(cell.value))
                    else:
                        continue
                    yield from w.cell(r + 1, c, f"{col_letters(c + 1)}{r + 1}", text,
                                      cell.ctype == xlrd.XL_CELL_TEXT)
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
