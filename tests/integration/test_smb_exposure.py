"""Exposure on a real Samba share: NT ACLs (kept by the acl_xattr VFS) on three files, read by a scan through the
CLI and checked in `findings --format jsonl`: one file readable by Everyone, one by one user, one whose security
descriptor the scan account may not read (it may read the data: FILE_READ_DATA without READ_CONTROL). Reading the
descriptors writes nothing: the files' contents, times and stored ACLs are the same after the scan."""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from tests.integration.smb_server import USER, SambaServer, set_security_descriptor
from tests.integration.sql_servers import luhn_card
from tests.integration.test_smb import _findings, _job, _run, _smb_ds

ROOT_SID, ROOT_GROUP = "S-1-22-1-0", "S-1-22-2-0"   # Samba's SIDs of Unix uid 0 and gid 0
FULL, READ = 0x001F01FF, 0x00120089                  # FILE_ALL_ACCESS, FILE_GENERIC_READ
READ_DATA_ONLY = 0x00100001                          # FILE_READ_DATA | SYNCHRONIZE: no READ_CONTROL


def _state(p: Path) -> tuple[bytes, int, int, bytes]:
    st = p.stat()
    return p.read_bytes(), st.st_mtime_ns, st.st_ctime_ns, os.getxattr(p, "security.NTACL")


def test_share_acls_give_everyone_one_user_and_unknown(samba: SambaServer, tmp_path: Path):
    folder = samba.root / "acl"
    user_sid = f"S-1-22-1-{pwd.getpwnam(USER).pw_uid}"
    spec = {"everyone.txt": [(ROOT_SID, FULL), ("S-1-1-0", READ)],
            "one-user.txt": [(ROOT_SID, FULL), (user_sid, READ)],
            "no-descriptor.txt": [(ROOT_SID, FULL), (user_sid, READ_DATA_ONLY)]}
    for i, (name, aces) in enumerate(spec.items()):
        (folder / name).write_text(f"card {luhn_card(500 + i)} on file\n")
        (folder / name).chmod(0o644)
        set_security_descriptor(samba, "aclw", name, ROOT_SID, ROOT_GROUP, aces)
    before = {n: _state(folder / n) for n in spec}

    db = tmp_path / "smb.db"
    r = _run("scan", "--job", str(_job(tmp_path, "smbexpo", _smb_ds(samba, "acl", "acl"))), "--db", str(db),
             "--workers", "1")
    assert r.returncode == 0, r.stderr
    got = {f["object"]: f for f in _findings(db)}
    assert {o: f["entity"] for o, f in got.items()} == {n: "CREDIT_CARD" for n in spec}  # all three were read
    assert (got["everyone.txt"]["exposure"], got["everyone.txt"]["readers"][0]) == ("everyone", "Everyone")
    assert got["one-user.txt"]["exposure"] == "group"
    assert got["one-user.txt"]["readers"] == [user_sid, f"{ROOT_SID} (owner)"]
    no = got["no-descriptor.txt"]
    assert (no["exposure"], no["readers"]) == ("unknown", [])
    assert "may not read the security descriptor" in no["exposure_reason"]
    # Read only: nothing of the files changed, their stored NT ACLs included.
    assert {n: _state(folder / n) for n in spec} == before
