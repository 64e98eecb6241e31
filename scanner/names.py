"""Names from outside (file and folder names, object paths): stored losslessly, shown safely.

**Stored form.** A name is text, but a POSIX file name is bytes and need not be UTF-8, and an SMB name is UTF-16
and may hold a lone surrogate. Python decodes the first with ``surrogateescape`` (a byte 0xHH that is not UTF-8
becomes U+DC00+HH) and the second with ``surrogatepass``; neither can be written to the store (or to JSON, CSV,
SARIF). :func:`escape_name` turns such a name into plain text with one stated, reversible scheme, U+FFFD (the
replacement character) being the escape character:

- a byte 0xHH that is not UTF-8 (U+DC80..U+DCFF) is written ``U+FFFD`` followed by ``HH`` (two upper-case hex
  digits): ``bad\\xff.txt`` is stored as ``bad\ufffdFF.txt``;
- any other lone surrogate U+DHHH is written ``U+FFFD`` ``u`` and four upper-case hex digits;
- a U+FFFD that is part of the name is doubled.

A name with none of these characters is stored exactly as it is, so valid names never change form.
:func:`unescape_name` gives the original back (the connector then encodes it to bytes or UTF-16 to open it).

**Shown form.** :func:`printable` is for terminals: control characters (C0, DEL, C1) and the Unicode
bidirectional controls, which could move the cursor, recolour the screen or reorder what is shown, are written as
``\\xHH`` or ``\\uHHHH``; callers hand the result to rich as :class:`rich.text.Text`, never as markup.
"""

from __future__ import annotations

import re

ESCAPE = "\ufffd"
_NEEDS_ESCAPE = re.compile("[\ufffd\ud800-\udfff]")
_ESCAPED = re.compile("\ufffd(?:(\ufffd)|([0-9A-F]{2})|u([0-9A-F]{4}))")
# C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate marks (Trojan Source), plus surrogates,
# which a terminal cannot show at all.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape_one(m: re.Match[str]) -> str:
    c = m.group()
    if c == ESCAPE:
        return ESCAPE + ESCAPE
    cp = ord(c)
    if 0xDC80 <= cp <= 0xDCFF:
        return f"{ESCAPE}{cp - 0xDC00:02X}"
    return f"{ESCAPE}u{cp:04X}"


def escape_name(name: str) -> str:
    """The stored form of a decoded name (unchanged unless it holds a surrogate or U+FFFD)."""
    if not _NEEDS_ESCAPE.search(name):
        return name
    return _NEEDS_ESCAPE.sub(_escape_one, name)


def _unescape_one(m: re.Match[str]) -> str:
    if m.group(1):
        return ESCAPE
    if m.group(2):
        return chr(0xDC00 + int(m.group(2), 16))
    return chr(int(m.group(3), 16))


def unescape_name(stored: str) -> str:
    """The decoded name a stored form came from (the inverse of :func:`escape_name`)."""
    if ESCAPE not in stored:
        return stored
    return _ESCAPED.sub(_unescape_one, stored)


def needs_escape(name: str) -> bool:
    """True when ``name`` holds a character the store cannot take as it is (a surrogate)."""
    return any("\ud800" <= c <= "\udfff" for c in name)


def _show_one(m: re.Match[str]) -> str:
    cp = ord(m.group())
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}"


def printable(text: str) -> str:
    """``text`` with control and bidi characters written as visible escapes (for a terminal)."""
    return _UNPRINTABLE.sub(_show_one, text)


__all__ = ["ESCAPE", "escape_name", "needs_escape", "printable", "unescape_name"]
