"""The exposure model: security descriptors (built with smbprotocol's own structures, an encoder independent of our
parser), DACL evaluation, POSIX modes and ACLs up a folder chain, grants, and the risk scale that ranks by them."""

from __future__ import annotations

import struct

import pytest
from smbprotocol.security_descriptor import AccessAllowedAce, AccessDeniedAce, AclPacket, SIDPacket, SMB2CreateSDBuffer

from scanner.exposure import (
    ACL_GROUP,
    ACL_GROUP_OBJ,
    ACL_MASK,
    ACL_OTHER,
    ACL_USER,
    ACL_USER_OBJ,
    Exposure,
    PosixNode,
    dacl_exposure,
    grants_exposure,
    parse_posix_acl,
    parse_security_descriptor,
    posix_exposure,
    sid_principal,
)
from scanner.report.risk import exposure_at_least, risk, sarif_level

OWNER_SID = "S-1-5-21-1-2-3-1001"
ALICE = "S-1-5-21-1-2-3-1105"
READ, FULL, READ_CONTROL_ONLY = 0x00120089, 0x001F01FF, 0x00020000
INHERIT_ONLY, OBJECT_INHERIT = 0x08, 0x01


def _sid(s: str) -> SIDPacket:
    p = SIDPacket()
    p.from_string(s)
    return p


def descriptor(aces: list[tuple[bool, int, int, str]] | None, owner: str = OWNER_SID) -> bytes:
    """A self-relative descriptor as a server sends it; ``aces`` (allow, flags, mask, sid), None: no DACL."""
    sd = SMB2CreateSDBuffer()
    sd["control"].set_flag(0x8000)
    sd.set_owner(_sid(owner))
    sd.set_group(_sid("S-1-5-21-1-2-3-513"))
    if aces is not None:
        acl = AclPacket()
        items = []
        for allow, flags, mask, sid in aces:
            a = AccessAllowedAce() if allow else AccessDeniedAce()
            a["ace_flags"] = flags
            a["mask"] = mask
            a["sid"] = _sid(sid)
            items.append(a)
        acl["aces"] = items
        sd.set_dacl(acl)
        sd["control"].set_flag(0x0004)
    return sd.pack()


@pytest.mark.parametrize(("aces", "level", "readers"), [
    ([(True, 0, READ, "S-1-1-0")], "everyone", ["Everyone"]),
    ([(True, 0, READ, "S-1-5-7")], "everyone", ["Anonymous"]),
    ([(True, 0, READ, "S-1-5-32-546")], "everyone", ["Guests"]),
    ([(True, 0, READ, "S-1-5-11")], "authenticated", ["Authenticated Users"]),
    ([(True, 0, READ, "S-1-5-32-545")], "authenticated", ["Users"]),
    ([(True, 0, READ, "S-1-5-21-1-2-3-513")], "authenticated", ["Domain Users (S-1-5-21-1-2-3-513)"]),
    ([(True, 0, FULL, OWNER_SID), (True, 0, READ, ALICE)], "group", [ALICE, f"{OWNER_SID} (owner)"]),
    ([(True, 0, FULL, OWNER_SID), (True, 0, FULL, "S-1-5-32-544")], "owner",
     [f"{OWNER_SID} (owner)", "Administrators"]),
    # A deny before the allow takes the principal out; a deny on Everyone takes everybody out.
    ([(False, 0, READ, "S-1-1-0"), (True, 0, READ, "S-1-5-11")], "owner", []),
    ([(False, 0, READ, ALICE), (True, 0, READ, ALICE), (True, 0, READ, OWNER_SID)], "owner",
     [f"{OWNER_SID} (owner)"]),
    # Inherit-only ACEs are for children, not for the object; ACEs without read access do not make readers.
    ([(True, INHERIT_ONLY | OBJECT_INHERIT, READ, "S-1-1-0"), (True, 0, READ, OWNER_SID)], "owner",
     [f"{OWNER_SID} (owner)"]),
    ([(True, 0, READ_CONTROL_ONLY, "S-1-1-0")], "owner", []),
    ([], "owner", []),
])
def test_dacl_exposure(aces, level, readers):
    e = dacl_exposure(parse_security_descriptor(descriptor(aces)))
    assert (e.level, list(e.readers)) == (level, readers)


def test_no_dacl_is_everyone_and_a_cut_descriptor_is_an_error():
    e = dacl_exposure(parse_security_descriptor(descriptor(None)))
    assert e.level == "everyone" and "no DACL" in (e.reason or "")
    data = descriptor([(True, 0, READ, "S-1-1-0")])
    sd = parse_security_descriptor(data)
    assert sd.owner == OWNER_SID and sd.group == "S-1-5-21-1-2-3-513"
    with pytest.raises(ValueError):
        parse_security_descriptor(data[:30])
    with pytest.raises(ValueError):
        parse_security_descriptor(b"\x02" + data[1:])


def test_well_known_sids_by_table():
    assert sid_principal("S-1-1-0") == ("Everyone", "everyone")
    assert sid_principal("S-1-5-21-9-9-9-514")[1] == "everyone"      # Domain Guests
    assert sid_principal("S-1-5-21-9-9-9-512")[1] == "owner"         # Domain Admins
    assert sid_principal(ALICE) == (ALICE, "group")                  # unresolved: shown as the SID


def _acl(*entries: tuple[int, int, int]) -> bytes:
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def names(kind: str):
    return lambda i: {0: "root", 1000: "alice", 1001: "bob", 50: "staff"}.get(i, str(i)) if kind else str(i)


U, G = names("u"), names("g")
DIR755, DIR700, DIR750, DIR711 = PosixNode(0, 50, 0o755), PosixNode(0, 50, 0o700), PosixNode(0, 50, 0o750), \
    PosixNode(0, 50, 0o711)


@pytest.mark.parametrize(("file", "parents", "level"), [
    (PosixNode(1000, 50, 0o644), [DIR755, DIR755], "everyone"),
    (PosixNode(1000, 50, 0o644), [DIR755, DIR711], "everyone"),     # search (x) is enough on the way
    (PosixNode(1000, 50, 0o644), [DIR755, DIR700], "owner"),        # a 0700 folder keeps others and the group out
    (PosixNode(0, 50, 0o644), [DIR755, DIR750], "group"),           # 0750: the group passes, others do not
    (PosixNode(1000, 50, 0o640), [DIR755], "group"),
    (PosixNode(1000, 50, 0o600), [DIR755], "owner"),
    (PosixNode(1000, 50, 0o000), [DIR755], "owner"),                # nobody but root: the owner class
])
def test_posix_modes_up_the_folder_chain(file, parents, level):
    assert posix_exposure(file, parents, U, G).level == level


def test_posix_acl_named_user_under_the_mask():
    acl = parse_posix_acl(_acl((ACL_USER_OBJ, 6, 0), (ACL_USER, 4, 1001), (ACL_GROUP_OBJ, 0, 0), (ACL_MASK, 4, 0),
                               (ACL_OTHER, 0, 0)))
    e = posix_exposure(PosixNode(1000, 50, 0o640, acl), [DIR755], U, G)
    assert e.level == "group" and list(e.readers) == ["user:bob", "user:alice"]
    # The mask takes read away from named entries.
    masked = parse_posix_acl(_acl((ACL_USER_OBJ, 6, 0), (ACL_USER, 4, 1001), (ACL_GROUP, 4, 50),
                                  (ACL_GROUP_OBJ, 0, 0), (ACL_MASK, 0, 0), (ACL_OTHER, 0, 0)))
    assert posix_exposure(PosixNode(1000, 50, 0o600, masked), [DIR755], U, G).level == "owner"
    with pytest.raises(ValueError):
        parse_posix_acl(b"\x01\x00\x00\x00")


def test_grants():
    assert grants_exposure([("PUBLIC", "public"), ("postgres", "admin")]).level == "everyone"
    e = grants_exposure([("postgres", "admin"), ("analysts", "role")], "row-level security is on")
    assert (e.level, list(e.readers), e.reason) == ("group", ["role:analysts", "role:postgres"],
                                                      "row-level security is on")
    assert grants_exposure([("postgres", "admin")]).level == "owner"
    assert Exposure.from_dict(e.to_dict()) == e


def test_risk_scale_severity_first_and_exposure_multiplies():
    # One card open to everyone outranks ten cards only the owner can read (ranking is per object: the top severity).
    assert risk("high", "everyone") > risk("high", "owner")
    # A file with an SSN outranks a log of IP addresses in the same place, however many.
    assert risk("high", "group") > risk("low", "group")
    assert risk("high", None) == risk("high", "unknown")
    assert [sarif_level(s) for s in ("high", "medium", "low")] == ["error", "warning", "note"]
    assert sarif_level("medium", "everyone") == "error" and sarif_level("high", "everyone") == "error"
    assert exposure_at_least("everyone", "authenticated") and not exposure_at_least("group", "authenticated")
    assert exposure_at_least("unknown", "unknown") and not exposure_at_least("unknown", "owner")


def test_entity_colours_are_stable_whatever_else_is_in_the_report():
    from scanner.report.html import _colours

    assert _colours(["CREDIT_CARD"])["CREDIT_CARD"] == _colours(["AAA", "CREDIT_CARD", "US_SSN"])["CREDIT_CARD"]
    assert _colours(["ZZ_CUSTOM"])["ZZ_CUSTOM"] == _colours(["A", "ZZ_CUSTOM"])["ZZ_CUSTOM"]
