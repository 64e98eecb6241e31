"""Local folders: async enumeration (one directory listing at a time, off the event loop) and aiofiles reads."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import stat as stat_mod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiofiles

from scanner.config import FilesystemSource
from scanner.connectors.base import FileConnector
from scanner.connectors.globs import PathFilter
from scanner.exceptions import ConnectorError, ObjectReadError
from scanner.models import DiscoveredObject

log = logging.getLogger(__name__)

_READ_CHUNK = 1 << 20


@dataclass(slots=True)
class _Entry:
    name: str
    is_dir: bool
    is_file: bool
    is_link: bool
    size: int
    mtime: float
    dev_ino: tuple[int, int]
    error: str | None = None


def _list_dir(path: str, follow: bool) -> list[_Entry]:
    """One directory's entries with their stat, read in a worker thread."""
    out = []
    with os.scandir(path) as it:
        for e in it:
            try:
                is_link = e.is_symlink()
                st = e.stat(follow_symlinks=follow)
            except OSError as exc:
                out.append(_Entry(e.name, False, False, False, 0, 0.0, (0, 0), error=_reason(exc)))
                continue
            is_dir = stat_mod.S_ISDIR(st.st_mode)
            is_file = stat_mod.S_ISREG(st.st_mode)
            out.append(_Entry(e.name, is_dir, is_file, is_link, st.st_size, st.st_mtime, (st.st_dev, st.st_ino)))
    return out


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "vanished during the scan"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return f"cannot read: {os.strerror(exc.errno) if exc.errno else exc.__class__.__name__}"


class FilesystemConnector(FileConnector):
    """A local folder tree. Symlinks are not followed unless the datasource says ``follow_symlinks: true``."""

    def __init__(self, cfg: FilesystemSource):
        self.cfg = cfg
        self.datasource_id = cfg.id
        self.root = Path(cfg.path)
        self.filter = PathFilter(cfg.include, cfg.exclude)
        self.max_bytes = int(cfg.max_file_mb * 1024 * 1024)

    async def enumerate_objects(self, batch_bytes: int, batch_objects: int) -> AsyncIterator[list[DiscoveredObject]]:
        """Depth-first walk; only one folder's listing is in memory at a time besides the pending folder stack."""
        if not self.root.is_dir():
            raise ConnectorError(f"datasource {self.datasource_id}: {self.root} is not a folder")
        follow = self.cfg.follow_symlinks
        seen_dirs: set[tuple[int, int]] = set()
        root_st = self.root.stat()
        seen_dirs.add((root_st.st_dev, root_st.st_ino))
        stack: list[str] = [""]
        batch: list[DiscoveredObject] = []
        size = 0
        while stack:
            rel_dir = stack.pop()
            try:
                entries = await asyncio.to_thread(_list_dir, str(self.root / rel_dir) if rel_dir else str(self.root),
                                                  follow)
            except OSError as exc:
                # The folder is reported as skipped with why, and the walk goes on.
                batch.append(DiscoveredObject(path=rel_dir + "/", size=0, mtime=0.0, skip_reason=_reason(exc)))
                continue
            subdirs = []
            for e in sorted(entries, key=lambda e: e.name):
                rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
                if e.error:
                    if self.filter.wants_file(rel):
                        batch.append(DiscoveredObject(rel, 0, 0.0, skip_reason=e.error))
                    continue
                if e.is_link and not follow:
                    continue
                if e.is_dir:
                    if self.filter.prunes_dir(rel) or e.dev_ino in seen_dirs:
                        continue
                    seen_dirs.add(e.dev_ino)
                    subdirs.append(rel)
                    continue
                if not self.filter.wants_file(rel):
                    continue
                reason = None
                if not e.is_file:
                    reason = "not a regular file"
                elif e.size > self.max_bytes:
                    reason = f"larger than max_file_mb ({e.size / 1048576:.1f} MB > {self.cfg.max_file_mb:g} MB)"
                batch.append(DiscoveredObject(rel, e.size, e.mtime, skip_reason=reason))
                size += e.size if reason is None else 0
                if len(batch) >= batch_objects or size >= batch_bytes:
                    yield batch
                    batch, size = [], 0
            stack.extend(reversed(subdirs))
        if batch:
            yield batch

    async def read_object(self, obj: DiscoveredObject, max_bytes: int) -> bytes:
        """The file's bytes; ObjectReadError when it is gone, unreadable, or grew past ``max_bytes``."""
        return b"".join([chunk async for chunk in self.stream_object(obj, max_bytes, _READ_CHUNK)])

    async def stream_object(self, obj: DiscoveredObject, max_bytes: int,
                            chunk_bytes: int = _READ_CHUNK) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; ObjectReadError when it is gone, unreadable, or grew past ``max_bytes``."""
        path = self.root / obj.path
        limit = min(max_bytes, self.max_bytes)
        total = 0
        try:
            async with aiofiles.open(path, "rb") as f:
                while True:
                    chunk = await f.read(min(chunk_bytes, limit + 1 - total))
                    if not chunk:
                        return
                    total += len(chunk)
                    if total > limit:
                        raise ObjectReadError(f"larger than the size limit ({limit / 1048576:g} MB)")
                    yield chunk
        except OSError as exc:
            raise ObjectReadError(_reason(exc)) from None
