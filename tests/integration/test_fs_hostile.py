"""The filesystem connector against someone who can create files in the scanned folder: real files, real symlinks,
real swaps between listing and reading (the connector is driven step by step, so the swap lands exactly in the gap).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.config import FilesystemSource
from scanner.connectors.filesystem import LINK_NOT_FOLLOWED, LINK_OUTSIDE_ROOT, FilesystemConnector
from scanner.exceptions import ObjectReadError
from scanner.models import DiscoveredObject

SECRET = b"outside the root: 4111 1111 1111 1111\n"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """root/{a.txt, sub/b.txt} and, beside the root, outside/{secret.txt} the scan must never read."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (root / "a.txt").write_bytes(b"inside a\n")
    (root / "sub" / "b.txt").write_bytes(b"inside b\n")
    (outside / "secret.txt").write_bytes(SECRET)
    (outside / "b.txt").write_bytes(SECRET)
    return root, outside


def _connector(root: Path, **kw: object) -> FilesystemConnector:
    return FilesystemConnector(FilesystemSource(id="t", type="filesystem", path=str(root), **kw))


async def _list(c: FilesystemConnector) -> dict[str, DiscoveredObject]:
    return {o.path: o async for batch in c.enumerate_objects(1 << 30, 1000) for o in batch}


async def _read(c: FilesystemConnector, o: DiscoveredObject) -> bytes | str:
    try:
        return await c.read_object(o, 1 << 20)
    except ObjectReadError as exc:
        return str(exc)


def _write(raw_path: bytes, data: bytes) -> None:
    with open(raw_path, "wb") as fh:
        fh.write(data)


def _swap_for_link(path: Path, target: Path) -> None:
    """Replace ``path`` (file or folder) by a symlink to ``target`` in one rename, as an attacker would."""
    tmp = path.with_name(path.name + ".swap")
    os.symlink(target, tmp)
    if path.is_dir() and not path.is_symlink():
        path.rename(path.with_name(path.name + ".old"))
    os.replace(tmp, path)


@pytest.mark.parametrize("follow", [False, True])
async def test_a_file_swapped_for_a_link_out_of_the_root_after_listing_is_not_read(tree, follow):
    root, outside = tree
    c = _connector(root, follow_symlinks=follow)
    objs = await _list(c)
    assert set(objs) == {"a.txt", "sub/b.txt"}
    _swap_for_link(root / "a.txt", outside / "secret.txt")
    _swap_for_link(root / "sub", outside)  # the folder on the way to sub/b.txt, too
    got = {p: await _read(c, o) for p, o in objs.items()}
    await c.close()
    reason = LINK_OUTSIDE_ROOT if follow else LINK_NOT_FOLLOWED
    assert got == {"a.txt": reason, "sub/b.txt": reason}


async def test_a_file_swapped_for_a_fifo_or_a_folder_is_refused_unopened(tree):
    root, _ = tree
    c = _connector(root)
    objs = await _list(c)
    (root / "a.txt").unlink()
    os.mkfifo(root / "a.txt")  # opening a FIFO for reading would block the worker
    assert await _read(c, objs["a.txt"]) == "not a regular file"
    await c.close()


async def test_links_without_follow_are_listed_as_skipped_with_the_reason(tree):
    root, outside = tree
    os.symlink("a.txt", root / "in.txt")
    os.symlink(outside / "secret.txt", root / "out.txt")
    os.symlink("sub", root / "subdir-link")
    objs = await _list(_connector(root))
    assert {p: o.skip_reason for p, o in objs.items()} == {
        "a.txt": None, "sub/b.txt": None,
        "in.txt": LINK_NOT_FOLLOWED, "out.txt": LINK_NOT_FOLLOWED, "subdir-link": LINK_NOT_FOLLOWED}


async def test_follow_symlinks_follows_links_inside_the_root_only(tree):
    root, outside = tree
    os.symlink("a.txt", root / "rel-in.txt")
    os.symlink(root / "sub" / "b.txt", root / "abs-in.txt")
    os.symlink("sub/../a.txt", root / "dotdot-in.txt")
    os.symlink("../outside/secret.txt", root / "rel-out.txt")
    os.symlink(outside / "secret.txt", root / "abs-out.txt")
    os.symlink("sub/../../outside/secret.txt", root / "dotdot-out.txt")
    os.symlink(outside, root / "dir-out")
    os.symlink("hop2", root / "hop1")
    os.symlink("../outside/secret.txt", root / "hop2")  # a chain whose last hop leaves
    os.symlink("loop", root / "loop")
    c = _connector(root, follow_symlinks=True)
    objs = await _list(c)
    listed = {p: o.skip_reason for p, o in objs.items()}
    assert listed == {
        "a.txt": None, "sub/b.txt": None, "rel-in.txt": None, "abs-in.txt": None, "dotdot-in.txt": None,
        "rel-out.txt": LINK_OUTSIDE_ROOT, "abs-out.txt": LINK_OUTSIDE_ROOT, "dotdot-out.txt": LINK_OUTSIDE_ROOT,
        "dir-out": LINK_OUTSIDE_ROOT, "hop1": LINK_OUTSIDE_ROOT, "hop2": LINK_OUTSIDE_ROOT, "loop": "symlink loop"}
    read = {p: await _read(c, o) for p, o in objs.items() if o.skip_reason is None}
    await c.close()
    assert read == {"a.txt": b"inside a\n", "sub/b.txt": b"inside b\n", "rel-in.txt": b"inside a\n",
                    "abs-in.txt": b"inside b\n", "dotdot-in.txt": b"inside a\n"}


async def test_allow_outside_root_follows_links_out_of_the_root_when_the_job_says_so(tree):
    root, outside = tree
    os.symlink(outside / "secret.txt", root / "abs-out.txt")
    c = _connector(root, follow_symlinks=True, allow_outside_root=True)
    objs = await _list(c)
    assert objs["abs-out.txt"].skip_reason is None
    assert await _read(c, objs["abs-out.txt"]) == SECRET
    await c.close()


async def test_a_stored_path_that_climbs_out_of_the_root_is_refused(tree):
    root, _ = tree
    c = _connector(root)
    assert await _read(c, DiscoveredObject("sub/../../outside/secret.txt", 10, 0.0)) == \
        "not a path below the datasource root"
    await c.close()


async def test_a_name_that_is_not_utf8_is_listed_escaped_and_read(tree):
    root, _ = tree
    _write(os.path.join(os.fsencode(root), b"bad\xff\xfe.txt"), b"card 4111 1111 1111 1111\n")
    c = _connector(root)
    objs = await _list(c)
    stored = "bad\ufffdFF\ufffdFE.txt"
    assert stored in objs
    assert await _read(c, objs[stored]) == b"card 4111 1111 1111 1111\n"
    await c.close()
