"""Files swapped for symbolic links while they are scanned, and the modes of the files a run leaves behind.

An attacker who can write in a scanned folder swaps files for links to a file outside the root (planted with a card
number found nowhere inside). Three ways, each counting what the scanner read from outside the root (expected: 0):
the filesystem connector driven step by step (list, swap, read: the swap lands in the gap every time, with
``follow_symlinks`` off and on), the same against a real Samba that follows links out of the share, and a real
``datascan scan`` while a thread flips files between regular files and links as fast as it can. The last run's
store, WAL, SHM and run lock are then checked for modes open to other users (expected: none).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from pathlib import Path

import pytest

from scanner.config import FilesystemSource
from scanner.connectors.filesystem import LINK_NOT_FOLLOWED, LINK_OUTSIDE_ROOT, FilesystemConnector
from scanner.exceptions import ObjectReadError
from scanner.models import ObjectStatus
from scanner.runtime.runlock import lock_path
from scanner.store import DatabaseInterface
from tests.cliutil import DATASCAN, env, findings, job_file
from tests.figures import scale
from tests.integration.test_smb_hostile import SECRET as SMB_SECRET
from tests.integration.test_smb_hostile import connector, outside_secret, swap_for_link, wide  # noqa: F401

pytestmark = pytest.mark.timeout(1800)

OUTSIDE_CARD = "5555 5555 5555 4444"
OUTSIDE_MASK = "555555******4444"
INSIDE = b"inside: 4111 1111 1111 1111\n"


def _restore(path: Path, data: bytes) -> None:
    """Put a regular file back at ``path`` in one rename (whatever is there now)."""
    tmp = path.with_name(path.name + ".back")
    tmp.write_bytes(data)
    os.replace(tmp, path)


async def test_filesystem_swap_between_listing_and_reading(tmp_path, figures):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"card {OUTSIDE_CARD}\n")
    victim = root / "a.txt"
    rounds, outside_reads, refused = scale(40, 2000), 0, 0
    for i in range(rounds):
        follow = bool(i % 2)
        _restore(victim, INSIDE)
        c = FilesystemConnector(FilesystemSource(id="t", type="filesystem", path=str(root), follow_symlinks=follow))
        [obj] = [o async for batch in c.enumerate_objects(1 << 30, 10) for o in batch]
        swap_for_link(victim, secret)
        try:
            data = await c.read_object(obj, 1 << 20)
            outside_reads += OUTSIDE_CARD.encode() in data
        except ObjectReadError as exc:
            refused += str(exc) in (LINK_NOT_FOLLOWED, LINK_OUTSIDE_ROOT)
        finally:
            await c.close()
    figures("symlink swap between listing and reading (filesystem)", "files read outside the root: 0",
            swaps=rounds, files_read_outside_root=outside_reads, refused_as_links=refused)
    assert outside_reads == 0 and refused == rounds


async def test_smb_swap_between_listing_and_reading(wide, figures):  # noqa: F811 - the module's fixture
    root = wide.root / "wide"
    secret = outside_secret(wide)
    victim = root / "victim.txt"
    rounds, outside_reads, refused = scale(10, 200), 0, 0
    c = connector(wide)
    try:
        for _ in range(rounds):
            _restore(victim, INSIDE)
            victim.chmod(0o644)
            objs = [o async for batch in c.enumerate_objects(1 << 30, 100) for o in batch if o.path == "victim.txt"]
            swap_for_link(victim, secret)
            try:
                outside_reads += await c.read_object(objs[0], 1 << 20) == SMB_SECRET
            except ObjectReadError:
                refused += 1
    finally:
        await c.close()
    figures("symlink swap between listing and reading (SMB, server follows links)",
            "files read outside the share: 0", swaps=rounds, files_read_outside_share=outside_reads,
            refused=refused)
    assert outside_reads == 0 and refused == rounds


def _flipper(paths: list[Path], secret: Path, stop: threading.Event, counts: dict[str, int]) -> None:
    """Flip every file between a regular file and a link to ``secret``, as fast as renames go, until ``stop``."""
    while not stop.is_set():
        for p in paths:
            swap_for_link(p, secret)
            _restore(p, INSIDE)
            counts["swaps"] += 1


def test_swaps_racing_a_real_scan_never_read_outside_the_root(tmp_path, figures):
    """Scans alternate follow_symlinks true and false (the short form runs one scan, following links)."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(f"card {OUTSIDE_CARD}\n")
    paths = [root / f"f{i:03d}.txt" for i in range(scale(20, 200))]
    for p in paths:
        p.write_bytes(INSIDE)
    plain = job_file(tmp_path, root, name="race")
    follows = tmp_path / "race-follow.yaml"
    follows.write_text(plain.read_text().replace("type: filesystem\n", "type: filesystem\n    follow_symlinks: true\n"))
    db = tmp_path / "s.db"
    counts, stop, outside_found, refused, scans = {"swaps": 0}, threading.Event(), 0, 0, scale(1, 6)
    for i in range(scans):
        job = follows if i % 2 == 0 else plain
        flipper = threading.Thread(target=_flipper, args=(paths, secret, stop, counts), daemon=True)
        stop.clear()
        flipper.start()
        try:
            r = subprocess.run(DATASCAN + ["scan", "--job", str(job), "--workers", "2", "--db", str(db), "--full"],
                               capture_output=True, text=True, env=env(), timeout=600, umask=0o022)
        finally:
            stop.set()
            flipper.join()
        assert r.returncode in (0, 4), r.stderr
        outside_found += sum(f["masked"] == OUTSIDE_MASK for f in findings(db))
        refused += asyncio.run(_refused_as_links(db))
    figures("symlink swaps racing a scan (filesystem)", "files read outside the root: 0", scans=scans,
            follow_symlinks="true, false alternately" if scans > 1 else "true", files=len(paths),
            swaps=counts["swaps"], files_read_outside_root=outside_found, refused_as_links=refused)
    assert outside_found == 0
    _modes_figure(db, figures)


async def _refused_as_links(db: Path) -> int:
    """Objects of the latest run skipped because a link was found where a file was (listing or reading)."""
    store = await DatabaseInterface.open(str(db))
    try:
        job = await store.latest_job_id()
        rows = await store.objects_in_status(job, [ObjectStatus.SKIPPED], limit=100_000)
        return sum(1 for *_, reason in rows if reason in (LINK_NOT_FOLLOWED, LINK_OUTSIDE_ROOT))
    finally:
        await store.close()


def _modes_figure(db: Path, figures) -> None:
    """The modes of the store, its WAL and SHM (while a connection holds them) and the run lock."""
    async def held_modes() -> dict[str, str]:
        store = await DatabaseInterface.open(str(db))
        try:
            await store.claim_key_fingerprint("0" * 64)  # a write: the WAL and SHM exist while it is open
            files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"), lock_path(str(db), "race")]
            return {f.name: f"{f.stat().st_mode & 0o777:o}" for f in files}
        finally:
            await store.close()

    modes = asyncio.run(held_modes())
    open_to_others = sum(int(m, 8) & 0o077 != 0 for m in modes.values())
    figures("store, WAL, SHM and run-lock file modes (umask 022)", "files open to other users: 0",
            modes=modes, files_open_to_others=open_to_others)
    assert open_to_others == 0
