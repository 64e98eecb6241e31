"""Exposure: who can read an object, as one of five classes every connector maps to, with the readers named.

Classes, widest first:

- ``everyone``: anyone at all (Everyone, Anonymous, Guests, a world-readable file, a table granted to PUBLIC);
- ``authenticated``: any logged-on user of the domain or server (Authenticated Users, Users, Domain Users);
- ``group``: named groups, roles or users other than the owner;
- ``owner``: only the owner and administrators;
- ``unknown``: the access could not be read (``reason`` says why).

This module is pure (no I/O): connectors read descriptors, modes, ACLs and grants, and hand them to the parsers and
evaluators here. ``readers`` are principal names: well-known SIDs by name (``Everyone``), other SIDs as SIDs,
local accounts as ``user:NAME`` / ``group:NAME``, database roles as ``role:NAME``.
"""

from __future__ import annotations

import stat as stat_mod
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

EVERYONE = "everyone"
AUTHENTICATED = "authenticated"
GROUP = "group"
OWNER = "owner"
UNKNOWN = "unknown"
CLASSES = (EVERYONE, AUTHENTICATED, GROUP, OWNER, UNKNOWN)
_WIDTH = {EVERYONE: 4, AUTHENTICATED: 3, GROUP: 2, OWNER: 1, UNKNOWN: 0}
_MAX_READERS = 50  # a DACL or a role list longer than this is cut: the class is what ranks, the names are a hint


@dataclass(frozen=True, slots=True)
class Exposure:
    """Who can read one object: its class, the principals that can read it and, for ``unknown`` or a note (row-level
    security, a folder that narrows access), the reason."""

    level: str
    readers: tuple[str, ...] = ()
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.level not in CLASSES:
            raise ValueError(f"unknown exposure class {self.level!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "readers": list(self.readers), "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Exposure:
        return cls(str(d["level"]), tuple(d.get("readers") or ()), d.get("reason"))


def unknown(reason: str) -> Exposure:
    """The exposure of an object whose access could not be read."""
    return Exposure(UNKNOWN, (), reason)


def wider(a: str, b: str) -> str:
    """The wider of two classes (``unknown`` is the narrowest: any known reader says more)."""
    return a if _WIDTH[a] >= _WIDTH[b] else b


def from_readers(readers: Iterable[tuple[str, str]], reason: str | None = None) -> Exposure:
    """An exposure from (principal, class) pairs: the widest class wins; no reader at all means only the owner and
    administrators (who can always change the permissions) can read it."""
    level = OWNER
    names: list[str] = []
    for name, cls in readers:
        level = wider(level, cls)
        if name not in names:
            names.append(name)
    # Widest first in the list, so a cut list still shows who matters.
    return Exposure(level, tuple(names[:_MAX_READERS]), reason)


# ------------------------------------------------------------------------------------------------ Windows SIDs

# Well-known SIDs ([MS-DTYP] 2.4.2.4) by name and class. Domain-relative ones (S-1-5-21-<domain>-RID) by RID below.
WELL_KNOWN_SIDS: dict[str, tuple[str, str]] = {
    "S-1-1-0": ("Everyone", EVERYONE),
    "S-1-5-7": ("Anonymous", EVERYONE),
    "S-1-5-32-546": ("Guests", EVERYONE),
    "S-1-5-11": ("Authenticated Users", AUTHENTICATED),
    "S-1-5-32-545": ("Users", AUTHENTICATED),
    "S-1-5-4": ("Interactive", AUTHENTICATED),
    "S-1-5-2": ("Network", AUTHENTICATED),
    "S-1-5-18": ("SYSTEM", OWNER),
    "S-1-5-32-544": ("Administrators", OWNER),
    "S-1-5-32-551": ("Backup Operators", OWNER),
    "S-1-3-0": ("CREATOR OWNER", OWNER),
    "S-1-3-4": ("OWNER RIGHTS", OWNER),
}
_DOMAIN_RIDS: dict[int, tuple[str, str]] = {
    513: ("Domain Users", AUTHENTICATED),
    514: ("Domain Guests", EVERYONE),
    501: ("Guest", EVERYONE),
    500: ("Administrator", OWNER),
    512: ("Domain Admins", OWNER),
    519: ("Enterprise Admins", OWNER),
}


def sid_principal(sid: str, owner_sid: str | None = None) -> tuple[str, str]:
    """(name, class) of a SID: a well-known SID by name, the object's owner as owner, any other SID as itself in the
    ``group`` class (a user or group we cannot resolve without LSARPC)."""
    if sid in WELL_KNOWN_SIDS:
        return WELL_KNOWN_SIDS[sid]
    parts = sid.split("-")
    if len(parts) == 8 and sid.startswith("S-1-5-21-") and int(parts[-1]) in _DOMAIN_RIDS:
        name, cls = _DOMAIN_RIDS[int(parts[-1])]
        return f"{name} ({sid})", cls
    if owner_sid is not None and sid == owner_sid:
        return f"{sid} (owner)", OWNER
    return sid, GROUP


# Access bits that let a principal read a file's content ([MS-DTYP] 2.4.3; FILE_READ_DATA is bit 0).
_FILE_READ_DATA = 0x00000001
_GENERIC_READ = 0x80000000
_GENERIC_ALL = 0x10000000
_MAXIMUM_ALLOWED = 0x02000000
_READ_BITS = _FILE_READ_DATA | _GENERIC_READ | _GENERIC_ALL | _MAXIMUM_ALLOWED
_ALLOWED, _DENIED = 0x00, 0x01
_ALLOWED_CALLBACK, _DENIED_CALLBACK = 0x09, 0x0A
_INHERIT_ONLY = 0x08
_SE_DACL_PRESENT = 0x0004


@dataclass(frozen=True, slots=True)
class Ace:
    """One access control entry: allow or deny, its flags, access mask and the SID it names."""

    allow: bool
    flags: int
    mask: int
    sid: str


@dataclass(frozen=True, slots=True)
class SecurityDescriptor:
    """The parts of a self-relative security descriptor we read. ``dacl`` None: no DACL at all (everyone has
    full access); an empty list: a DACL that grants nothing."""

    owner: str | None
    group: str | None
    dacl: list[Ace] | None = field(default=None)


def _sid_at(data: bytes, off: int) -> str:
    """A binary SID ([MS-DTYP] 2.4.2.2) at ``off`` as its string form."""
    rev, n = data[off], data[off + 1]
    auth = int.from_bytes(data[off + 2:off + 8], "big")
    subs = struct.unpack_from(f"<{n}I", data, off + 8)
    return f"S-{rev}-{auth}" + "".join(f"-{s}" for s in subs)


def parse_security_descriptor(data: bytes) -> SecurityDescriptor:
    """A self-relative SECURITY_DESCRIPTOR ([MS-DTYP] 2.4.6) as SMB QUERY_INFO returns it. Raises ValueError when
    it is cut short or malformed (the caller records the object's exposure as unknown).

    Parsed here rather than through smbprotocol's ``SMB2CreateSDBuffer``: that class reads ACE types it does not
    know (callback and object ACEs) as raw bytes and assumes a fixed header layout for SIDs; a descriptor from a
    hostile or unusual server must not crash a worker, and the few fields we need are simple to read with bounds
    checks.
    """
    try:
        rev, _sbz, control, o_owner, o_group, _o_sacl, o_dacl = struct.unpack_from("<BBHIIII", data, 0)
        if rev != 1:
            raise ValueError(f"security descriptor revision {rev}")
        owner = _sid_at(data, o_owner) if o_owner else None
        group = _sid_at(data, o_group) if o_group else None
        if not control & _SE_DACL_PRESENT:
            return SecurityDescriptor(owner, group, None)
        if not o_dacl:
            return SecurityDescriptor(owner, group, None)  # DACL_PRESENT with a NULL DACL: no protection
        _arev, _s1, acl_size, count, _s2 = struct.unpack_from("<BBHHH", data, o_dacl)
        end = o_dacl + acl_size
        if end > len(data):
            raise ValueError("ACL past the end of the descriptor")
        aces: list[Ace] = []
        off = o_dacl + 8
        for _ in range(count):
            ace_type, flags, size = struct.unpack_from("<BBH", data, off)
            if size < 8 or off + size > end:
                raise ValueError("ACE size out of bounds")
            if ace_type in (_ALLOWED, _DENIED, _ALLOWED_CALLBACK, _DENIED_CALLBACK):
                (mask,) = struct.unpack_from("<I", data, off + 4)
                aces.append(Ace(ace_type in (_ALLOWED, _ALLOWED_CALLBACK), flags, mask, _sid_at(data, off + 8)))
            # Object ACEs (directory objects) and audit/alarm ACEs do not govern reading a file: skipped.
            off += size
        return SecurityDescriptor(owner, group, aces)
    except (struct.error, IndexError) as exc:
        raise ValueError(f"malformed security descriptor ({exc})") from None


def dacl_exposure(sd: SecurityDescriptor) -> Exposure:
    """Who may read a file's data under its DACL.

    ACEs apply in order: a principal is a reader when an allow ACE grants it read access before any deny ACE
    takes read access from it or from Everyone (group memberships are not known here, so a deny on a group
    does not hide its members' own allow ACEs; it does hide the group's). Inherit-only ACEs do not apply to the
    object itself. No DACL means everyone.
    """
    if sd.dacl is None:
        return Exposure(EVERYONE, ("Everyone",), "no DACL (the object is not protected)")
    denied: set[str] = set()
    readers: list[tuple[str, str]] = []
    for ace in sd.dacl:
        if ace.flags & _INHERIT_ONLY or not ace.mask & _READ_BITS:
            continue
        if not ace.allow:
            denied.add(ace.sid)
            continue
        if ace.sid in denied or "S-1-1-0" in denied:
            continue
        readers.append(sid_principal(ace.sid, sd.owner))
    readers.sort(key=lambda r: -_WIDTH[r[1]])
    return from_readers(readers)


# ------------------------------------------------------------------------------------------------ POSIX

ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ, ACL_GROUP, ACL_MASK, ACL_OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_ACL_VERSION = 2
_R, _X = 4, 1


@dataclass(frozen=True, slots=True)
class PosixAclEntry:
    """One entry of a POSIX ACL: tag, permission bits (rwx = 4/2/1) and, for named entries, the uid or gid."""

    tag: int
    perm: int
    qualifier: int | None = None


def parse_posix_acl(data: bytes) -> list[PosixAclEntry]:
    """The ``system.posix_acl_access`` extended attribute (Linux's xattr form: a version, then (tag, perm, id)
    entries). Raises ValueError when it is not that."""
    if len(data) < 4 or (len(data) - 4) % 8:
        raise ValueError("not a POSIX ACL")
    (version,) = struct.unpack_from("<I", data, 0)
    if version != _ACL_VERSION:
        raise ValueError(f"POSIX ACL version {version}")
    out = []
    for off in range(4, len(data), 8):
        tag, perm, qid = struct.unpack_from("<HHI", data, off)
        out.append(PosixAclEntry(tag, perm, qid if tag in (ACL_USER, ACL_GROUP) else None))
    return out


@dataclass(frozen=True, slots=True)
class PosixNode:
    """A file or folder on the way: owner, group, mode and its access ACL (None when it has none)."""

    uid: int
    gid: int
    mode: int
    acl: list[PosixAclEntry] | None = None


def _can(node: PosixNode, bit: int, *, uid: int | None = None, gid: int | None = None, other: bool = False) -> bool:
    """Whether the user ``uid``, a member of group ``gid``, or anybody (``other``) has ``bit`` on ``node``."""
    mode = node.mode
    if other:
        return bool(mode & bit)  # S_IROTH/S_IXOTH are bits 2/0, as ``bit`` is
    if uid is not None and uid == node.uid:
        return bool(mode >> 6 & bit)
    mask = None
    if node.acl:
        mask = next((e.perm for e in node.acl if e.tag == ACL_MASK), None)
        for e in node.acl:
            if e.tag == ACL_USER and uid is not None and e.qualifier == uid:
                return bool(e.perm & (mask if mask is not None else 7) & bit)
            if e.tag == ACL_GROUP and gid is not None and e.qualifier == gid:
                if e.perm & (mask if mask is not None else 7) & bit:
                    return True
    if gid is not None and gid == node.gid:
        # With an ACL the group bits of the mode are the mask; the owning group's own entry is under it.
        own = next((e.perm for e in node.acl or () if e.tag == ACL_GROUP_OBJ), mode >> 3 & 7)
        return bool(own & (mask if mask is not None else 7) & bit)
    return bool(mode & bit)  # anybody else falls under "other"


def posix_exposure(file: PosixNode, parents: Sequence[PosixNode], user_name: Callable[[int], str],
                   group_name: Callable[[int], str]) -> Exposure:
    """Who can read a file: read permission on the file and search (x) permission on every folder from the
    datasource root down to it (a 0644 file inside a 0700 folder is not world-readable).

    Others (``o+r`` and ``o+x`` all the way) are everyone; the owning group and named ACL groups and users are
    named readers (``group``); the owner alone is ``owner``. Supplementary group memberships of the owner are not
    looked up: a folder that lets only its group through is judged for that group.
    """
    readers: list[tuple[str, str]] = []
    narrowed: list[str] = []
    if _can(file, _R, other=True):
        if all(_can(p, _X, other=True) for p in parents):
            readers.append(("world (others)", EVERYONE))
        else:
            narrowed.append("others")
    candidates: list[tuple[str, dict[str, int]]] = [(f"group:{group_name(file.gid)}", {"gid": file.gid})]
    for e in file.acl or ():
        if e.tag == ACL_USER and e.qualifier is not None:
            candidates.append((f"user:{user_name(e.qualifier)}", {"uid": e.qualifier}))
        elif e.tag == ACL_GROUP and e.qualifier is not None:
            candidates.append((f"group:{group_name(e.qualifier)}", {"gid": e.qualifier}))
    for name, who in candidates:
        if _can(file, _R, **who):  # type: ignore[arg-type]
            if all(_can(p, _X, **who) for p in parents):  # type: ignore[arg-type]
                readers.append((name, GROUP))
            else:
                narrowed.append(name)
    if _can(file, _R, uid=file.uid):
        readers.append((f"user:{user_name(file.uid)}", OWNER))
    reason = f"a folder on the way keeps out: {', '.join(narrowed)}" if narrowed else None
    return from_readers(readers, reason)


def posix_node(st: Any, acl: bytes | None) -> PosixNode:
    """A :class:`PosixNode` from an ``os.stat_result`` and the raw ACL attribute (None or unparsable: no ACL)."""
    entries = None
    if acl:
        try:
            entries = parse_posix_acl(acl)
        except ValueError:
            entries = None
    return PosixNode(st.st_uid, st.st_gid, stat_mod.S_IMODE(st.st_mode), entries)


# ------------------------------------------------------------------------------------------------ databases


def grants_exposure(grantees: Iterable[tuple[str, str]], note: str | None = None) -> Exposure:
    """A table's exposure from (role, kind) pairs of who may SELECT it; kind is ``public`` (PUBLIC), ``admin``
    (owner, superuser, db_owner) or ``role`` (any other role or login)."""
    cls = {"public": EVERYONE, "admin": OWNER, "role": GROUP, "authenticated": AUTHENTICATED}
    pairs = [(("PUBLIC" if kind == "public" else f"role:{name}"), cls[kind]) for name, kind in grantees]
    pairs.sort(key=lambda r: -_WIDTH[r[1]])
    return from_readers(pairs, note)


__all__ = ["AUTHENTICATED", "CLASSES", "EVERYONE", "GROUP", "OWNER", "UNKNOWN", "Ace", "Exposure", "PosixAclEntry",
           "PosixNode", "SecurityDescriptor", "WELL_KNOWN_SIDS", "dacl_exposure", "from_readers", "grants_exposure",
           "parse_posix_acl", "parse_security_descriptor", "posix_exposure", "posix_node", "sid_principal", "unknown",
           "wider"]
