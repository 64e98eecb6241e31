"""Integration fixtures: a real Samba server (see smb_server.py) shared by the SMB tests of one session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.smb_server import USER, SambaServer, make_server

# Share name -> (folder under the server's root, extra smb.conf options). Several shares expose one folder so
# the same files can be scanned plain, encrypted and through a one-connection share.
SHARES = {
    "corpus": ("corpus", ""),
    "enc": ("corpus", "smb encrypt = required"),
    "one": ("corpus", "max connections = 1"),
    "edge": ("edge", ""),
    "inc": ("inc", ""),
    # Exposure: NT ACLs kept by Samba's acl_xattr VFS, written through "aclw" (the test user administers it) and
    # scanned through the read-only "acl".
    "acl": ("acl", "vfs objects = acl_xattr"),
    "aclw": ("acl", f"vfs objects = acl_xattr\nread only = no\nadmin users = {USER}"),
}


@pytest.fixture(scope="session")
def samba() -> Iterator[SambaServer]:
    """smbd on a free loopback port with the shares above; stopped and removed at the end of the session."""
    yield from make_server(SHARES)
