"""The SMB connector against someone who can create files in the share, on a real Samba configured to follow links
out of the share (``wide links = yes``): the server hides a link as the file it leads to, so only the file id tells
that a listed file was swapped for a link to something else."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from scanner.config import SmbSource
from scanner.connectors.smb import REPLACED_SINCE_LISTED, SmbConnector
from scanner.exceptions import ObjectReadError
from scanner.models import DiscoveredObject
from tests.integration.smb_server import PASSWORD, USER, SambaServer, make_server

SECRET = b"outside the share: 4111 1111 1111 1111\n"


@pytest.fixture(scope="module")
def wide() -> Iterator[SambaServer]:
    """A share whose server follows symbolic links wherever they lead (what a careless admin sets)."""
    yield from make_server({"wide": ("wide", "wide links = yes")}, global_options="allow insecure wide links = yes")


def connector(server: SambaServer) -> SmbConnector:
    """A connector to the ``wide`` share of ``server``."""
    return SmbConnector(SmbSource(id="w", type="smb", host="127.0.0.1", port=server.port, share="wide",
                                  username=USER, password=SecretStr(PASSWORD)))


def swap_for_link(path: Path, target: Path) -> None:
    """Replace ``path`` by a symlink to ``target`` in one rename."""
    tmp = path.with_name(path.name + ".swap")
    os.symlink(target, tmp)
    os.replace(tmp, path)


def outside_secret(server: SambaServer) -> Path:
    """A file beside the share (readable by the share's user) that no scan of the share may read."""
    p = server.root / "outside.txt"
    p.write_bytes(SECRET)
    p.chmod(0o644)
    return p


async def test_a_file_swapped_for_a_link_after_listing_is_not_read(wide, tmp_path):
    root = wide.root / "wide"
    (root / "a.txt").write_bytes(b"inside a\n")
    (root / "b.txt").write_bytes(b"inside b\n")
    for p in root.iterdir():
        p.chmod(0o644)
    secret = outside_secret(wide)
    c = connector(wide)
    try:
        objs: dict[str, DiscoveredObject] = {o.path: o async for batch in c.enumerate_objects(1 << 30, 100)
                                             for o in batch}
        assert set(objs) >= {"a.txt", "b.txt"}
        swap_for_link(root / "a.txt", secret)
        with pytest.raises(ObjectReadError, match=re.escape(REPLACED_SINCE_LISTED)):
            await c.read_object(objs["a.txt"], 1 << 20)
        assert await c.read_object(objs["b.txt"], 1 << 20) == b"inside b\n"
    finally:
        await c.close()
