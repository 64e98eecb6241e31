"""Format detection by content: magic bytes first, the extension only as a hint between text formats."""

from __future__ import annotations

import re

# Formats extracted in the worker itself, as a stream: decoding text is linear and cannot hang.
STREAMED = frozenset({"text"})

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),            # an empty zip
    (b"PK\x07\x08", 0, "zip"),            # a spanned zip's marker
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "ole"),
    (b"{\\rtf", 0, "rtf"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"BZh", 0, "bzip2"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!\x1a\x07", 0, "rar"),
    (b"ustar", 257, "tar"),
)

# Binary formats that hold no text we extract: named, so the skip reason says what the file is.
_OPAQUE: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\x00\x00\x01\x00", "icon"),
    (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"),
    (b"ID3", "MP3 audio"),
    (b"SQLite format 3\x00", "SQLite database"),
)

_EML_HEADER = re.compile(
    rb"^(?:Return-Path|Received|From|To|Subject|Date|Message-ID|MIME-Version|Delivered-To|Reply-To|"
    rb"X-[A-Za-z0-9-]+|Content-Type|DKIM-Signature|ARC-[A-Za-z-]+|Authentication-Results):[ \t]",
    re.IGNORECASE)
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])",
                   re.IGNORECASE | re.DOTALL)
_HTML_EXT = (".html", ".htm", ".xhtml")
_EML_EXT = (".eml", ".mht", ".mhtml")


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    dot = base.rfind(".")
    return base[dot:] if dot > 0 else ""


def sniff(name: str, head: bytes) -> str:
    """The format family of an object from its first bytes (at least 8 KB unless the object is shorter).

    Returns one of: ``empty``, ``text``, ``html``, ``eml``, ``pdf``, ``zip``, ``ole``, ``rtf``, ``gzip``,
    ``bzip2``, ``xz``, ``7z``, ``rar``, ``tar``, or ``opaque:<what>`` for binary formats without text.
    """
    if not head:
        return "empty"
    for magic, offset, fmt in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return fmt
    # PDF readers accept the header anywhere in the first KB (some generators prepend junk).
    if b"%PDF-" in head[:1024]:
        return "pdf"
    for magic, what in _OPAQUE:
        if head.startswith(magic):
            return f"opaque:{what}"
    ext = _ext(name)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _HTML.match(stripped[:2048]) or (ext in _HTML_EXT and stripped[:1] == b"<"):
        return "html"
    if ext in _EML_EXT or _looks_like_mail(stripped):
        return "eml"
    return "text"


def _looks_like_mail(head: bytes) -> bool:
    """RFC 5322 headers: at least three header lines before the first blank line, starting with a known one."""
    block = head.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    lines = block.splitlines()
    if len(lines) < 3 or not _EML_HEADER.match(lines[0]):
        return False
    known = sum(1 for ln in lines if _EML_HEADER.match(ln))
    return known >= 3
