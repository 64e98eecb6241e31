"""The SQLite store's run-lock file against someone who can write to the store's folder: a planted symbolic link is
refused (its target is never truncated), a file planted by another user is refused, and the lock is private."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanner.exceptions import StoreError
from scanner.runtime.runlock import lock_path, run_lock

NOBODY = 65534


async def test_the_run_lock_is_created_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        async with run_lock(str(tmp_path / "s.db"), "job"):
            path = lock_path(str(tmp_path / "s.db"), "job")
            assert path.stat().st_mode & 0o777 == 0o600
            assert f"pid {os.getpid()}" in path.read_text()
    finally:
        os.umask(old)


async def test_a_symlink_planted_at_the_lock_path_is_refused_and_its_target_left_alone(tmp_path):
    victim = tmp_path / "victim.conf"
    victim.write_text("precious\n")
    path = lock_path(str(tmp_path / "s.db"), "job")
    path.symlink_to(victim)
    with pytest.raises(StoreError, match="symbolic link: refusing to follow it"):
        async with run_lock(str(tmp_path / "s.db"), "job"):
            pass
    assert victim.read_text() == "precious\n"


async def test_a_lock_file_planted_by_another_user_is_refused(tmp_path):
    path = lock_path(str(tmp_path / "s.db"), "job")
    path.write_text("")
    os.chown(path, NOBODY, NOBODY)
    if os.geteuid() != 0 and path.stat().st_uid != NOBODY:
        pytest.skip("chown needs root")
    with pytest.raises(StoreError, match="not a regular file of this user"):
        async with run_lock(str(tmp_path / "s.db"), "job"):
            pass


async def test_an_older_lock_file_open_to_others_is_made_private(tmp_path):
    path = lock_path(str(tmp_path / "s.db"), "job")
    path.write_text("pid 1 since then\n")
    path.chmod(0o644)
    async with run_lock(str(tmp_path / "s.db"), "job"):
        assert path.stat().st_mode & 0o777 == 0o600


def test_an_in_memory_store_locks_in_a_private_folder_of_this_user(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    path = lock_path("sqlite+aiosqlite:///:memory:", "job")
    assert path.parent == Path(tmp_path) / f"datascan-{os.getuid()}"
    assert path.parent.stat().st_mode & 0o777 == 0o700
