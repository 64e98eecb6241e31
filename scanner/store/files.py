"""The SQLite store's files on disk: created private (0600), and checked when found.

SQLite creates the ``-wal``, ``-shm`` and ``-journal`` files of a database with the database file's own mode, so
creating the database file 0600 ourselves (before SQLite opens it) makes all of them private, whatever the umask.
A store found readable by other users, or in a folder others may write to, is warned about; a companion file that
is a symbolic link or belongs to another user (planted, to receive the WAL's pages) is refused.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from scanner.exceptions import StoreError

log = logging.getLogger(__name__)

PRIVATE_MODE = 0o600
COMPANIONS = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for an in-memory database)."""
    db = make_url(url).database or ""
    if not db or db == ":memory:" or db.startswith("file:"):
        return None
    return Path(db)


def folder_problem(folder: Path) -> str | None:
    """Why a folder is unsafe for the store's (or the run lock's) files, or None."""
    try:
        st = folder.stat()
    except OSError:
        return None  # the open that follows reports a missing folder in its own words
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (f"folder {folder} is writable by other users (mode {stat.S_IMODE(st.st_mode):04o}): they could "
                "replace the store or plant its lock or WAL file; keep the store in a private folder")
    return None


def prepare_sqlite_file(path: Path) -> None:
    """Create the store file 0600 if it does not exist; warn about a readable one; refuse planted companions."""
    problem = folder_problem(path.parent if str(path.parent) else Path("."))
    if problem:
        log.warning("store %s: %s", path, problem)
    for suffix in COMPANIONS:
        companion = path.with_name(path.name + suffix)
        try:
            st = companion.lstat()
        except FileNotFoundError:
            continue
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid():
            raise StoreError(f"store {path}: {companion} is not a regular file of this user (a symbolic link, or "
                             "planted by someone else): refusing to write the store's pages into it; remove it if "
                             "the store is not in use")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_MODE)
    except FileExistsError:
        pass
    except OSError:
        return  # a missing folder or no right to create: SQLite's own open reports it
    else:
        os.close(fd)
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    if mode & 0o077:
        log.warning("store %s is open to other users (mode %04o): it holds where sensitive data is (and the "
                    "raw values of jobs with store_raw: true); make it private with chmod 600", path, mode)


__all__ = ["COMPANIONS", "PRIVATE_MODE", "folder_problem", "prepare_sqlite_file", "sqlite_path"]
