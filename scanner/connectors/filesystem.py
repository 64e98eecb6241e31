"""Local folders: async enumeration (one directory listing at a time, off the event loop) and aiofiles reads.

Nothing below the datasource root is opened by path. The root is opened once; every folder listed and every file
read is reached from it one name at a time (``openat`` with ``O_PATH|O_NOFOLLOW`` on descriptors we hold), so the
kernel never follows a symbolic link for us. That closes the gap between listing and reading: a file swapped for
a link after it was listed is refused when read (not followed), and so is a folder on the way to it. With
``follow_symlinks: true`` a link is followed by reading it and resolving its target here, component by component,
and a target outside the root is refused unless the datasource says ``allow_outside_root: true``.

Names that are not valid UTF-8 are kept losslessly in the escaped form of :mod:`scanner.names`.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import grp
import logging
import os
import pwd
import stat as stat_mod
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import aiofiles

from scanner.config import FilesystemSource
from scanner.connectors.base import FileConnector, FolderPage
from scanner.connectors.globs import PathFilter
from scanner.exceptions import ConnectorError, ObjectReadError
from scanner.exposure import Exposure, posix_exposure, posix_node, unknown
from scanner.models import DiscoveredObject
from scanner.names import escape_name, unescape_name

log = logging.getLogger(__name__)

_READ_CHUNK = 1 << 20
_MAX_LINKS = 40  # symbolic links resolved for one path, as the kernel's own limit
_PATH_FLAGS = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC

_MARKER_PREFIX = "ctime:"
_ACL_XATTR = "system.posix_acl_access"

LINK_NOT_FOLLOWED = "symbolic link, not followed (follow_symlinks: false)"
LINK_OUTSIDE_ROOT = "symbolic link leading outside the datasource root (allow_outside_root: false)"


class _Refused(Exception):
    """A path that may not be opened, with the reason recorded for its object."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


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
    ctime_ns: int = 0


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOENT:
        return "vanished during the scan"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return f"cannot read: {os.strerror(exc.errno) if exc.errno else exc.__class__.__name__}"


def _parts(stored: str) -> list[str]:
    """The names of a stored datasource-relative path; a part that could climb out of the root is refused."""
    parts = [p for p in unescape_name(stored).split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise _Refused("not a path below the datasource root")
    return parts


def _posix_acl(fd: int) -> bytes | None:
    """The access ACL of what an ``O_PATH`` descriptor names (through /proc: fgetxattr refuses O_PATH), or None."""
    try:
        return os.getxattr(f"/proc/self/fd/{fd}", _ACL_XATTR)
    except OSError as exc:
        if exc.errno in (errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP):
            return None
        raise


@functools.lru_cache(maxsize=1024)
def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


@functools.lru_cache(maxsize=1024)
def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def file_exposure(name: str) -> Exposure:
    """Who can read a local file by its absolute path (its mode and ACL, and search permission on every folder from
    ``/`` down): for files outside any datasource tree, such as an SQLite database. Blocking; never raises."""
    path = Path(os.path.abspath(name))
    try:
        chain = [*reversed(path.parents), path]
        nodes = []
        for p in chain:
            st = os.stat(p)
            try:
                acl = os.getxattr(p, _ACL_XATTR)
            except OSError:
                acl = None
            nodes.append(posix_node(st, acl))
    except OSError as exc:
        return unknown(_reason(exc))
    return posix_exposure(nodes[-1], nodes[:-1], _user_name, _group_name)


class _Tree:
    """The datasource root as a descriptor, and race-free resolution of paths below it. Blocking (threads)."""

    def __init__(self, root: Path, follow: bool, allow_outside: bool):
        self.root = root
        self.follow = follow
        self.allow_outside = allow_outside
        # An absolute link target is below the root when it starts with the root's path, as written or resolved.
        self.root_prefixes = {Path(os.path.abspath(root)).parts[1:], Path(os.path.realpath(root)).parts[1:]}
        self._fd: int | None = None
        self._lock = threading.Lock()  # reads are prefetched on several threads

    def root_fd(self) -> int:
        with self._lock:
            if self._fd is None:
                # The root itself may be a link: the job named it.
                self._fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            return self._fd

    def close(self) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def resolve(self, parts: list[str]) -> tuple[int, os.stat_result]:
        """An ``O_PATH`` descriptor (the caller closes it) of what ``parts`` names below the root, and its stat.

        Never a symbolic link: without ``follow`` a link anywhere on the way is refused; with it, the link's
        target is resolved here and refused if it leaves the root (unless ``allow_outside``).
        """
        try:
            return self._resolve(parts)
        except _Refused as exc:
            if exc.reason != LINK_OUTSIDE_ROOT or not self.allow_outside:
                raise
        # The job allows links out of the root: the kernel resolves the whole path, following every link.
        fd = os.open(os.path.join(self.root, *parts), os.O_PATH | os.O_CLOEXEC)
        return fd, os.fstat(fd)

    def _resolve(self, parts: list[str]) -> tuple[int, os.stat_result]:
        stack = [os.dup(self.root_fd())]  # descriptors of the folders from the root down to the current one
        todo = list(reversed(parts))
        links = 0
        try:
            while todo:
                name = todo.pop()
                if name in ("", "."):
                    continue
                if name == "..":
                    if len(stack) == 1:
                        raise _Refused(LINK_OUTSIDE_ROOT)
                    os.close(stack.pop())
                    continue
                fd = os.open(name, _PATH_FLAGS, dir_fd=stack[-1])
                st = os.fstat(fd)
                if stat_mod.S_ISLNK(st.st_mode):
                    try:
                        target = os.readlink("", dir_fd=fd)
                    finally:
                        os.close(fd)
                    if not self.follow:
                        raise _Refused(LINK_NOT_FOLLOWED)
                    links += 1
                    if links > _MAX_LINKS:
                        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP))
                    todo.extend(reversed(self._target_parts(target, stack)))
                    continue
                if todo:
                    if not stat_mod.S_ISDIR(st.st_mode):
                        os.close(fd)
                        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
                    stack.append(fd)
                    continue
                return fd, st
            fd = stack.pop()
            return fd, os.fstat(fd)
        finally:
            for f in stack:
                os.close(f)

    def _target_parts(self, target: str, stack: list[int]) -> list[str]:
        """A link target's names, relative to the current folder (relative target) or the root (absolute)."""
        if not target.startswith("/"):
            return target.split("/")
        names = [p for p in target.split("/") if p not in ("", ".")]
        for prefix in self.root_prefixes:
            if tuple(names[:len(prefix)]) == prefix:
                while len(stack) > 1:
                    os.close(stack.pop())
                return names[len(prefix):]
        raise _Refused(LINK_OUTSIDE_ROOT)

    def open_dir(self, parts: list[str]) -> int:
        """A readable descriptor of the folder ``parts`` names (for ``os.scandir``)."""
        fd, st = self.resolve(parts)
        try:
            if not stat_mod.S_ISDIR(st.st_mode):
                raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
            return os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=fd)
        finally:
            os.close(fd)

    def open_file(self, parts: list[str]) -> int:
        """A readable descriptor of the regular file ``parts`` names; anything else is refused unopened."""
        fd, st = self.resolve(parts)
        try:
            if not stat_mod.S_ISREG(st.st_mode):
                raise _Refused("not a regular file")
            # Reopening the O_PATH descriptor through /proc reaches exactly the file it names, never a path.
            rfd = os.open(f"/proc/self/fd/{fd}", os.O_RDONLY | os.O_CLOEXEC)
        finally:
            os.close(fd)
        rst = os.fstat(rfd)
        if (rst.st_dev, rst.st_ino) != (st.st_dev, st.st_ino):  # defensive: the reopen is of the same inode
            os.close(rfd)
            raise _Refused("replaced while being opened")
        return rfd

    def list_dir(self, parts: list[str], wanted: Callable[[os.DirEntry[str]], bool] | None = None) -> list[_Entry]:
        """One folder's entries with their stat (links resolved when followed, else marked); only those
        ``wanted`` says yes to, when given (asked before the stat: a page of a big folder stats only itself)."""
        out = []
        dfd = self.open_dir(parts)
        try:
            with os.scandir(dfd) as it:
                for e in it:
                    if wanted is None or wanted(e):
                        out.append(self._entry(dfd, parts, e.name))
        finally:
            os.close(dfd)
        return out

    def _entry(self, dfd: int, parts: list[str], name: str) -> _Entry:
        try:
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            is_link = stat_mod.S_ISLNK(st.st_mode)
            if is_link:
                if not self.follow:
                    return _Entry(name, False, False, True, 0, 0.0, (0, 0), error=LINK_NOT_FOLLOWED)
                fd, st = self.resolve([*parts, name])
                os.close(fd)
        except _Refused as exc:
            return _Entry(name, False, False, True, 0, 0.0, (0, 0), error=exc.reason)
        except OSError as exc:
            return _Entry(name, False, False, False, 0, 0.0, (0, 0), error=_reason(exc))
        return _Entry(name, stat_mod.S_ISDIR(st.st_mode), stat_mod.S_ISREG(st.st_mode), is_link, st.st_size,
                      st.st_mtime, (st.st_dev, st.st_ino), ctime_ns=st.st_ctime_ns)


class FilesystemConnector(FileConnector):
    """A local folder tree. Symlinks are not followed unless the datasource says ``follow_symlinks: true``, and
    never out of the root unless it also says ``allow_outside_root: true``."""

    def __init__(self, cfg: FilesystemSource):
        self.cfg = cfg
        self.datasource_id = cfg.id
        self.root = Path(cfg.path)
        self.filter = PathFilter(cfg.include, cfg.exclude)
        self.max_bytes = int(cfg.max_file_mb * 1024 * 1024)
        self.tree = _Tree(self.root, cfg.follow_symlinks, cfg.allow_outside_root)

    async def list_folder(self, folder: str, page_from: str | None = None,
                          page_to: str | None = None) -> AsyncIterator[FolderPage]:
        """One folder's entries, sorted by name, in one page (a local listing is read whole anyway)."""
        if folder == "" and not self.root.is_dir():
            raise ConnectorError(f"datasource {self.datasource_id}: {self.root} is not a folder")
        rel_dir = unescape_name(folder).strip("/")
        wanted = None
        if page_from is not None or page_to is not None:
            def wanted(e: os.DirEntry[str]) -> bool:
                if e.is_dir(follow_symlinks=False):
                    return False  # a page lists objects; the folder's first page has its sub-folders
                p = escape_name(f"{rel_dir}/{e.name}" if rel_dir else e.name)
                return (page_from is None or p >= page_from) and (page_to is None or p < page_to)
        try:
            parts = _parts(folder)
            entries = await asyncio.to_thread(self.tree.list_dir, parts, wanted)
        except _Refused as exc:
            yield FolderPage([DiscoveredObject(escape_name(rel_dir) + "/", 0, 0.0, skip_reason=exc.reason)], [])
            return
        except OSError as exc:
            # The folder is reported as skipped with why, and the walk goes on.
            yield FolderPage([DiscoveredObject(escape_name(rel_dir) + "/", 0, 0.0, skip_reason=_reason(exc))], [])
            return
        objects: list[DiscoveredObject] = []
        subfolders: list[str] = []
        ancestors: set[tuple[int, int]] | None = None
        for e in sorted(entries, key=lambda e: e.name):
            rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
            if e.error:
                if self.filter.wants_file(rel):
                    objects.append(DiscoveredObject(escape_name(rel), 0, 0.0, skip_reason=e.error))
                continue
            if e.is_dir:
                if self.filter.prunes_dir(rel):
                    continue
                if e.is_link:
                    # A followed link back to a folder above this one would walk forever.
                    if ancestors is None:
                        ancestors = await asyncio.to_thread(self._ancestors, parts)
                    if e.dev_ino in ancestors:
                        continue
                subfolders.append(escape_name(rel))
                continue
            if not self.filter.wants_file(rel):
                continue
            reason = None
            if not e.is_file:
                reason = "not a regular file"
            elif e.size > self.max_bytes:
                reason = f"larger than max_file_mb ({e.size / 1048576:.1f} MB > {self.cfg.max_file_mb:g} MB)"
            # The change time joins size and mtime: a chmod, chown or ACL change alone moves it, so a file whose
            # permissions changed is read again and its new exposure recorded (the folders on the way are not
            # watched: a chmod of a folder shows on the next change of its files, or with --full).
            objects.append(DiscoveredObject(escape_name(rel), e.size, e.mtime, skip_reason=reason,
                                            marker=f"{_MARKER_PREFIX}{e.ctime_ns}" if reason is None else None))
        yield FolderPage(objects, subfolders)

    def _ancestors(self, parts: list[str]) -> set[tuple[int, int]]:
        """(device, inode) of the root and of every folder from it down to ``parts``. Blocking."""
        out = set()
        for i in range(len(parts) + 1):
            try:
                fd, st = self.tree.resolve(parts[:i])
            except (OSError, _Refused):
                continue
            os.close(fd)
            out.add((st.st_dev, st.st_ino))
        return out

    async def exposure(self, obj: DiscoveredObject) -> Exposure:
        """Owner, group, mode and POSIX ACL of the file and of every folder from the datasource root down to it."""
        try:
            return await asyncio.to_thread(self._exposure, _parts(obj.path))
        except _Refused as exc:
            return unknown(exc.reason)
        except OSError as exc:
            return unknown(_reason(exc))

    def _exposure(self, parts: list[str]) -> Exposure:
        nodes = []
        for i in range(len(parts) + 1):  # the root, each folder on the way, the file itself
            fd, st = self.tree.resolve(parts[:i])
            try:
                nodes.append(posix_node(st, _posix_acl(fd)))
            finally:
                os.close(fd)
        return posix_exposure(nodes[-1], nodes[:-1], _user_name, _group_name)

    async def read_object(self, obj: DiscoveredObject, max_bytes: int) -> bytes:
        """The file's bytes; ObjectReadError when it is gone, unreadable, or grew past ``max_bytes``."""
        return b"".join([chunk async for chunk in self.stream_object(obj, max_bytes, _READ_CHUNK)])

    async def stream_object(self, obj: DiscoveredObject, max_bytes: int,
                            chunk_bytes: int = _READ_CHUNK) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; ObjectReadError when it is gone, unreadable, no longer a regular file below
        the root (a link swapped in since the listing), or grew past ``max_bytes``."""
        limit = min(max_bytes, self.max_bytes)
        total = 0
        try:
            fd = await asyncio.to_thread(self.tree.open_file, _parts(obj.path))
            async with aiofiles.open(fd, "rb") as f:
                while True:
                    chunk = await f.read(min(chunk_bytes, limit + 1 - total))
                    if not chunk:
                        return
                    total += len(chunk)
                    if total > limit:
                        raise ObjectReadError(f"larger than the size limit ({limit / 1048576:g} MB)")
                    yield chunk
        except _Refused as exc:
            raise ObjectReadError(exc.reason) from None
        except OSError as exc:
            raise ObjectReadError(_reason(exc)) from None

    async def close(self) -> None:
        """Close the root's descriptor."""
        self.tree.close()
