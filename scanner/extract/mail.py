"""E-mail: EML (stdlib ``email``) and Outlook MSG (olefile), with attachments extracted recursively.

An attachment is a member ``mail.eml!/attachment-name``; an attached message's own attachments nest further
(``mail.eml!/fwd.eml!/card.txt``). Headers that name people and addresses are classified with the body.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage, Message
from typing import Any

from scanner.extract.core import Ctx, check_depth, extract_member, text_components
from scanner.extract.text import decode_text, html_visible_text
from scanner.models import ContentComponent

_HEADERS = ("Subject", "From", "To", "Cc", "Bcc", "Reply-To", "Sender")


def extract_eml(data: bytes, ctx: Ctx) -> Iterator[ContentComponent]:
    """An RFC 5322 message: headers, body (plain text preferred over HTML), attachments."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    head = []
    for h in _HEADERS:
        for v in msg.get_all(h, []) or []:
            head.append(f"{h}: {v}")
    if head:
        yield from text_components("\n".join(head), ctx, "headers")
    attachments: list[tuple[str, bytes]] = []
    bodies: list[tuple[str, str]] = []
    _walk(msg, bodies, attachments)
    for loc, text in bodies:
        if text.strip():
            yield from text_components(text, ctx, loc)
    yield from _attachments(attachments, ctx)


def _walk(part: Message, bodies: list[tuple[str, str]], attachments: list[tuple[str, bytes]]) -> None:
    stack: list[Message] = [part]
    while stack:  # explicit stack: a hostile message may nest multiparts very deeply
        p = stack.pop()
        ctype = p.get_content_type()
        if p.get_content_maintype() == "multipart":
            raw = list(p.iter_parts()) if isinstance(p, EmailMessage) else (p.get_payload() or [])
            parts: list[Message] = [x for x in raw if isinstance(x, Message)]
            if ctype == "multipart/alternative":
                plain = [x for x in parts if x.get_content_type() == "text/plain"]
                parts = plain[:1] or parts
            stack.extend(reversed(parts))
            continue
        filename = p.get_filename()
        if ctype == "message/rfc822":
            inner = p.get_payload()
            inner_msg = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(inner_msg, Message):
                name = filename or f"attached-message-{len(attachments) + 1}.eml"
                attachments.append((name if name.lower().endswith(".eml") else name + ".eml", inner_msg.as_bytes()))
            continue
        if filename or p.get_content_disposition() == "attachment" or p.get_content_maintype() not in ("text",):
            payload = p.get_payload(decode=True)
            if isinstance(payload, bytes):
                attachments.append((filename or f"attachment-{len(attachments) + 1}", payload))
            continue
        text = _part_text(p)
        if ctype == "text/html":
            text = html_visible_text(text)
        bodies.append(("body", text))


def _part_text(p: Message) -> str:
    raw = p.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return ""
    charset = p.get_content_charset()
    if charset:
        try:
            return raw.decode(charset, errors="replace")
        except (LookupError, ValueError):
            pass  # an unknown or malformed charset name: detect instead
    try:
        return decode_text(raw)
    except Exception:  # noqa: BLE001 - a binary part labelled text holds no text
        return ""


def _may_extract_attachments(n: int, ctx: Ctx) -> bool:
    """Whether a message's ``n`` attachments are extracted (EML and MSG alike): the job allows it and the archive
    depth limit is not reached; a refusal is noted on the object."""
    if not n:
        return False
    if not ctx.cfg.attachments:
        ctx.budget.note(f"{n} attachment(s) not extracted (extraction.attachments is false)")
        return False
    return check_depth(ctx, "attachment")


def _attachments(items: list[tuple[str, bytes]], ctx: Ctx) -> Iterator[ContentComponent]:
    if not _may_extract_attachments(len(items), ctx):
        return
    for name, payload in items:
        ctx.budget.count_member()
        ctx.budget.inflate(len(payload))  # decoded base64 is bytes this object made us hold
        yield from extract_member(payload, ctx.child(name))


# ----------------------------------------------------------------------------------------------------------- msg

_ATTACH = "__attach_version1.0_#"


def extract_msg(ole: Any, prefix: str, ctx: Ctx) -> Iterator[ContentComponent]:
    """An Outlook message stored in an OLE2 file, or in one of its storages (an attached message)."""

    def stream(name: str) -> bytes | None:
        path = prefix + name
        if ole.exists(path) and ole.get_type(path) == 2:  # STGTY_STREAM
            return bytes(ole.openstream(path).read())
        return None

    def prop(tag: str, base: str = "") -> str | None:
        b = stream(f"{base}__substg1.0_{tag}001F")
        if b is not None:
            return b.decode("utf-16-le", errors="replace").rstrip("\x00")
        b = stream(f"{base}__substg1.0_{tag}001E")
        if b is not None:
            return b.decode("cp1252", errors="replace").rstrip("\x00")
        return None

    head = []
    for label, tag in (("Subject", "0037"), ("From", "0C1A"), ("From", "0C1F"), ("To", "0E04"), ("Cc", "0E03")):
        v = prop(tag)
        if v and v.strip():
            head.append(f"{label}: {v.strip()}")
    if head:
        yield from text_components("\n".join(head), ctx, "headers")
    body = prop("1000")
    if not body:
        html = stream("__substg1.0_10130102")
        if html is not None:
            body = html_visible_text(decode_text(html))
    if body and body.strip():
        yield from text_components(body, ctx, "body")

    depth = prefix.count("/")
    atts = sorted({"/".join(e[: depth + 1]) for e in ole.listdir(streams=False, storages=True)
                   if len(e) > depth and "/".join(e[:depth]) + ("/" if depth else "") == prefix
                   and e[depth].startswith(_ATTACH)})
    items: list[tuple[str, bytes | str]] = []
    for i, att in enumerate(atts, 1):
        base = att + "/"
        name = (prop("3707", base[len(prefix):]) or prop("3704", base[len(prefix):])
                or prop("3001", base[len(prefix):]) or f"attachment-{i}")
        if ole.exists(base + "__substg1.0_3701000D"):
            items.append((name if name.lower().endswith(".msg") else name + ".msg", base + "__substg1.0_3701000D/"))
            continue
        data = stream(base[len(prefix):] + "__substg1.0_37010102")
        if data is not None:
            items.append((name, data))
    if not _may_extract_attachments(len(items), ctx):
        return
    for name, payload in items:
        ctx.budget.count_member()
        child = ctx.child(name)
        if isinstance(payload, str):  # an attached message lives in a storage of the same file
            yield from extract_msg(ole, payload, child)
        else:
            ctx.budget.inflate(len(payload))
            yield from extract_member(payload, child)
