"""Legacy PowerPoint 97-2003 (.ppt): slide and notes text read from the ``PowerPoint Document`` record stream.

catppt (Debian's catdoc package) only reads the outline list, so it misses every text box and prints nothing at
all for presentations that keep their text in the drawings (LibreOffice writes them that way). The binary format
([MS-PPT]) is a tree of records; this module follows the current edit's persist directory to the document, its
slide list and each slide's and notes page's drawing, and takes the text atoms found there. Locations match
PPTX: ``slide=N`` and ``slide=N;notes``. Every read is bounds-checked; loops in the edit chain or the persist
directory end the walk rather than the process.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from scanner.exceptions import ExtractionError

_DOCUMENT = 0x03E8
_SLIDE = 0x03EE
_SLIDE_ATOM = 0x03EF
_NOTES = 0x03F0
_SLIDE_PERSIST = 0x03F3
_SLWT = 0x0FF0                # SlideListWithText: instance 0 slides, 2 notes
_USER_EDIT = 0x0FF5
_PERSIST_DIR = 0x1772
_TEXT_CHARS = 0x0FA0          # UTF-16LE
_TEXT_BYTES = 0x0FA8          # one byte per character (the low byte of UTF-16)
_MAX_DEPTH = 64
_MAX_EDITS = 4096


def _header(b: bytes, off: int) -> tuple[int, int, int, int] | None:
    """(version, instance, type, length) of the record at ``off``, or None past the end."""
    if off < 0 or off + 8 > len(b):
        return None
    vi, typ, length = struct.unpack_from("<HHI", b, off)
    return vi & 0xF, vi >> 4, typ, length


def _children(b: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int, int]]:
    """(offset, version, instance, type, body end) of the direct children between ``start`` and ``end``."""
    off = start
    end = min(end, len(b))
    while off + 8 <= end:
        h = _header(b, off)
        if h is None:
            return
        ver, inst, typ, length = h
        body_end = min(off + 8 + length, end)
        yield off, ver, inst, typ, body_end
        off = off + 8 + length


def _atom_text(b: bytes, typ: int, start: int, end: int) -> str:
    raw = b[start:end]
    text = raw.decode("utf-16-le", "replace") if typ == _TEXT_CHARS else raw.decode("latin-1")
    # \r ends a paragraph, \x0b is a line break inside one.
    return text.replace("\r", "\n").replace("\x0b", " ")


def _texts(b: bytes, off: int) -> list[str]:
    """Every text atom inside the container at ``off``, in stream order."""
    h = _header(b, off)
    if h is None:
        return []
    out: list[str] = []

    def walk(start: int, end: int, depth: int) -> None:
        for k_off, ver, _inst, typ, k_end in _children(b, start, end):
            if ver == 0xF and depth < _MAX_DEPTH:
                walk(k_off + 8, k_end, depth + 1)
            elif typ in (_TEXT_CHARS, _TEXT_BYTES):
                t = _atom_text(b, typ, k_off + 8, k_end)
                if t.strip() and t.strip() != "*":  # "*" is the slide-number field placeholder
                    out.append(t)

    walk(off + 8, min(off + 8 + h[3], len(b)), 0)
    return out


def _persist_directory(b: bytes, current_user: bytes) -> tuple[dict[int, int], int]:
    """persist id -> stream offset (the newest edit wins), and the document's persist id."""
    if len(current_user) < 20:
        raise ExtractionError("damaged PowerPoint file (Current User stream too short)")
    edit_off = struct.unpack_from("<I", current_user, 16)[0]
    persist: dict[int, int] = {}
    doc_ref: int | None = None
    seen: set[int] = set()
    while edit_off not in seen and len(seen) < _MAX_EDITS:
        seen.add(edit_off)
        h = _header(b, edit_off)
        if h is None or h[2] != _USER_EDIT or h[3] < 28:
            raise ExtractionError("damaged PowerPoint file (no readable edit record)")
        if h[3] >= 32 and struct.unpack_from("<I", b, edit_off + 8 + 28)[0]:
            raise ExtractionError("password-protected PowerPoint presentation (encrypted)")
        last_edit, dir_off, doc = struct.unpack_from("<III", b, edit_off + 8 + 8)
        if doc_ref is None:
            doc_ref = doc
        dh = _header(b, dir_off)
        if dh is not None and dh[2] == _PERSIST_DIR:
            pos, end = dir_off + 8, min(dir_off + 8 + dh[3], len(b))
            while pos + 4 <= end:
                word = struct.unpack_from("<I", b, pos)[0]
                first, count = word & 0xFFFFF, word >> 20
                pos += 4
                for i in range(count):
                    if pos + 4 > end:
                        break
                    persist.setdefault(first + i, struct.unpack_from("<I", b, pos)[0])
                    pos += 4
        if last_edit == 0:
            break
        edit_off = last_edit
    if doc_ref is None or doc_ref not in persist:
        raise ExtractionError("damaged PowerPoint file (document record not found)")
    return persist, doc_ref


def ppt_pages(stream: bytes, current_user: bytes) -> Iterator[tuple[str, str]]:
    """(location, text) of each slide and notes page, in slide order."""
    persist, doc_ref = _persist_directory(stream, current_user)
    doc_off = persist[doc_ref]
    h = _header(stream, doc_off)
    if h is None or h[2] != _DOCUMENT:
        raise ExtractionError("damaged PowerPoint file (document record not found)")
    slides: list[tuple[int, list[str]]] = []     # (persist id, outline texts)
    notes_by_id: dict[int, int] = {}             # notes id -> persist id
    for off, ver, inst, typ, end in _children(stream, doc_off + 8, doc_off + 8 + h[3]):
        if typ != _SLWT or ver != 0xF or inst not in (0, 2):
            continue
        for k_off, _v, _i, k_typ, k_end in _children(stream, off + 8, end):
            if k_typ == _SLIDE_PERSIST and k_end - k_off >= 8 + 16:
                ref, _flags, _ctexts, slide_id = struct.unpack_from("<IIiI", stream, k_off + 8)
                if inst == 0:
                    slides.append((ref, []))
                else:
                    notes_by_id[slide_id] = ref
            elif k_typ in (_TEXT_CHARS, _TEXT_BYTES) and inst == 0 and slides:
                t = _atom_text(stream, k_typ, k_off + 8, k_end)
                if t.strip():
                    slides[-1][1].append(t)
    for n, (ref, outline) in enumerate(slides, 1):
        texts = list(outline)
        notes_ref: int | None = None
        slide_off = persist.get(ref)
        sh = _header(stream, slide_off) if slide_off is not None else None
        if slide_off is not None and sh is not None and sh[2] == _SLIDE:
            for k_off, _v, _i, k_typ, k_end in _children(stream, slide_off + 8, slide_off + 8 + sh[3]):
                if k_typ == _SLIDE_ATOM and k_end - k_off >= 8 + 20:
                    notes_ref = notes_by_id.get(struct.unpack_from("<I", stream, k_off + 8 + 16)[0])
            texts += [t for t in _texts(stream, slide_off) if t not in texts]
        if texts:
            yield f"slide={n}", "\n".join(texts)
        noff = persist.get(notes_ref) if notes_ref is not None else None
        nh = _header(stream, noff) if noff is not None else None
        if noff is not None and nh is not None and nh[2] == _NOTES:
            ntexts = _texts(stream, noff)
            if ntexts:
                yield f"slide={n};notes", "\n".join(ntexts)
