"""Database URLs as users write them: SQLAlchemy's ``make_url``, after one fix to where the user part ends.

``make_url`` ends the password at its first ``@``: ``postgresql://u:Winter@Secret@db01/hr`` becomes password
``Winter`` and host ``Secret@db01``, so the scanner would send a DNS query for a piece of the password and show
pieces of it as a host name in messages, the store and lock names. A host never holds an ``@``, so, as browsers
(the WHATWG URL standard) and ``urllib.parse`` do, the user part here ends at the *last* ``@`` before the path:
the ``@`` signs before it are percent-encoded, then ``make_url`` parses the result.

Other reserved characters in a user name or password (``%`` ``:`` ``/`` ``?`` ``#``) must still be percent-encoded
by the user (``urllib.parse.quote(pw, safe="")``); the README says so.
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url


def _escape_userinfo_at(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    # The authority ends at the first "/" or "?" (WHATWG's rule); its user part at the last "@" inside it.
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority = rest[:end]
    userinfo, at, host = authority.rpartition("@")
    if not at or "@" not in userinfo:
        return text
    return f"{scheme}://{userinfo.replace('@', '%40')}@{host}{rest[end:]}"


def parse_url(text: str) -> URL:
    """``text`` as a SQLAlchemy URL, an unescaped ``@`` in the user name or password read as part of it.

    Raises what ``make_url`` raises (``ArgumentError``, ``ValueError``) for a URL it cannot read; callers must
    not repeat ``text`` in their message (it may hold a password).
    """
    return make_url(_escape_userinfo_at(text))


def url_text(url: URL) -> str:
    """The URL as a string that :func:`parse_url` / ``make_url`` read back to the same parts (password included,
    escaped): for APIs that take a string. Never for messages (:func:`redacted`)."""
    return url.render_as_string(hide_password=False)


def redacted(text: str) -> str:
    """The URL with its password hidden, for messages; a URL that cannot be read is not repeated at all."""
    try:
        return parse_url(text).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL must still never leak what it holds
        return "<unparsable database URL>"
