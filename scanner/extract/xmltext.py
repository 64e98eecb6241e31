"""Paragraph text of OOXML and ODF parts with lxml and one XSLT pass (libxml2/libxslt, no Python per node).

The pure-Python walk in :mod:`scanner.extract.office` (defusedxml's ElementTree, one Python step per element)
spends most of a document's time in Python; the same walk written as an XSLT stylesheet runs in C and gives the
same lines. Parts are parsed with a parser that resolves no entities, loads no DTD and never touches the network;
a part whose prolog declares a DTD is not parsed here at all (:func:`parse_part` returns None) so the defused
path decides about it (it refuses entity declarations, billion laughs and XXE, and says so).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)
_DENY = etree.XSLTAccessControl.DENY_ALL
_HEAD = 4096
_MAX_NAMESPACES = 200  # a stylesheet is compiled (and cached) per set of declared namespaces


def declares_dtd(head: bytes) -> bool:
    """True when an XML part's prolog declares a DTD, or cannot be told apart from one in ``head`` (UTF-16, an
    unterminated prolog): such parts go to the defused parser, which refuses entity declarations."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:64]:
        return True
    i = 0
    n = len(head)
    while True:
        j = head.find(b"<", i)
        if j < 0 or j + 1 >= n:
            return True  # no element start in the head: not something to hand to a fast parser
        nxt = head[j + 1:j + 4]
        if nxt.startswith(b"?"):
            end = head.find(b"?>", j)
        elif nxt == b"!--":
            end = head.find(b"-->", j)
        elif nxt.startswith(b"!"):
            return True  # <!DOCTYPE (or anything else declared before the root)
        else:
            return False
        if end < 0:
            return True
        i = end + 2


def parse_part(data: bytes) -> etree._Element | None:
    """The root of a part, or None when the fast parser must not or cannot read it (the caller falls back)."""
    if declares_dtd(data[:_HEAD]):
        return None
    try:
        return etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


_XMLNS = re.compile(rb"""xmlns(?::[^\s=/>]+)?\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def _namespaces(data: bytes) -> frozenset[str] | None:
    """Every namespace URI the part declares (an element can only be in one of them, or in none), as written
    (still XML-escaped); None when one is not UTF-8."""
    try:
        return frozenset((a or b).decode() for a, b in _XMLNS.findall(data))
    except UnicodeDecodeError:
        return None


@lru_cache(maxsize=32)
def _stylesheet(para: frozenset[str], text: frozenset[str], mixed: bool, skip: frozenset[str],
                namespaces: frozenset[str]) -> etree.XSLT:
    """The XSLT equivalent of ``office.paragraph_lines`` for one paragraph spec.

    Paragraphs come out in the order the old walk closes them (a nested paragraph, e.g. in a text box or an
    annotation, before the one holding it), each followed by a newline; inside a paragraph a nested one adds
    nothing but its tail, ``tab`` is a tab, ``br``/``cr``/``line-break`` a space, ODF's ``s`` its count of
    spaces (at most 1000), skipped elements nothing. Mixed specs (ODF) take every text node; the others only
    the text that leads ``t``-like elements (ElementTree's ``.text``).

    The old walk matches names in any namespace; so do these patterns, spelled out for every namespace the part
    declares (``namespaces``) and for none. Patterns by name are hashed by libxslt; ``*[local-name()=...]``
    patterns were tested on every element and, having a predicate, recomputed its position among its siblings:
    quadratic on a 40,000-paragraph body.
    """
    uris = sorted(namespaces)
    decl = " ".join(f"xmlns:n{i}='{u}'" if '"' in u else f'xmlns:n{i}="{u}"' for i, u in enumerate(uris))

    def pat(names: frozenset[str] | set[str]) -> str:
        return "|".join(f"{pre}{n}" for n in sorted(names) for pre in ["", *(f"n{i}:" for i in range(len(uris)))])

    lead = "node()[self::* or preceding-sibling::*]"  # an element's children without its leading text
    children = "node()" if mixed else "*"  # only mixed specs take text outside t-like elements
    rules = [
        f'<xsl:template match="{pat(para)}" mode="own" priority="4"/>',
        f'<xsl:template match="{pat({"tab"})}" mode="own" priority="2"><xsl:text>&#9;</xsl:text>'
        f'<xsl:apply-templates select="{lead}" mode="own"/></xsl:template>',
        f'<xsl:template match="{pat({"br", "cr", "line-break"})}" mode="own" priority="2"><xsl:text> </xsl:text>'
        f'<xsl:apply-templates select="{lead}" mode="own"/></xsl:template>',
    ]
    if skip:
        rules.append(f'<xsl:template match="{pat(skip)}" mode="own" priority="3"/>')
    if mixed:
        rules.append(
            f'<xsl:template match="{pat({"s"})}" mode="own" priority="1">'
            '<xsl:variable name="c" select="@*[local-name()=\'c\']"/>'
            '<xsl:variable name="n"><xsl:choose><xsl:when test="$c">'
            '<xsl:value-of select="floor(number($c))"/></xsl:when><xsl:otherwise>1</xsl:otherwise></xsl:choose>'
            '</xsl:variable>'
            f'<xsl:value-of select="substring($blanks, 1, $n)"/><xsl:apply-templates select="{lead}" mode="own"/>'
            '</xsl:template>')
        rules.append('<xsl:template match="text()" mode="own"><xsl:value-of select="."/></xsl:template>')
    else:
        rules.append(
            f'<xsl:template match="{pat(text)}" mode="own" priority="1">'
            '<xsl:for-each select="text()[not(preceding-sibling::*)]"><xsl:value-of select="."/></xsl:for-each>'
            '<xsl:apply-templates select="*" mode="own"/></xsl:template>')
        rules.append('<xsl:template match="text()" mode="own"/>')
    src = f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" {decl}>
<xsl:output method="text" encoding="utf-8"/>
<xsl:variable name="blanks" select="'{' ' * 1000}'"/>
<xsl:template match="/"><xsl:apply-templates select="*" mode="find"/></xsl:template>
<xsl:template match="*" mode="find"><xsl:apply-templates select="*" mode="find"/></xsl:template>
<xsl:template match="{pat(para)}" mode="find">
  <xsl:apply-templates select="*" mode="find"/><xsl:apply-templates select="{children}" mode="own"/>
  <xsl:text>&#10;</xsl:text>
</xsl:template>
<xsl:template match="*" mode="own"><xsl:apply-templates select="{children}" mode="own"/></xsl:template>
{"".join(rules)}
</xsl:stylesheet>"""
    return etree.XSLT(etree.XML(src.encode()), access_control=_DENY)


def paragraph_text(data: bytes, root: etree._Element, para: frozenset[str], text: frozenset[str], mixed: bool,
                   skip: frozenset[str]) -> str | None:
    """The paragraphs of a part (its bytes and parsed root), joined by newlines (as ``"\\n".join`` of the old
    walk's lines); None when this path cannot tell (the caller falls back)."""
    namespaces = _namespaces(data)
    if namespaces is None or len(namespaces) > _MAX_NAMESPACES:
        return None
    try:
        out = str(_stylesheet(para, text, mixed, skip, namespaces)(root))
    except (etree.XSLTParseError, etree.XMLSyntaxError, etree.XSLTApplyError):
        return None
    return out[:-1] if out.endswith("\n") else out
