"""SMB2/3 file shares through smbprotocol's low-level API, off the event loop.

smbprotocol blocks, so every network call runs on a small bounded thread pool owned by the connector; the
worker's event loop only awaits. One connector holds at most one SMB session (one TCP connection, one tree
connect) and a slot of the resource coordinator while that session is open, so ``max_sessions`` bounds the
sessions to one server across every worker. The session is closed (and its slot given back) once the connector
has been idle for a moment, so a worker with nothing more for the server never keeps another one waiting.

What is read: directory listings (``FileIdFullDirectoryInformation``: size, mtime and file id come with the
listing, no extra round trip per file) and the bytes of wanted files. Files are opened for reading only,
sharing read, write and delete with other users, so a scan never locks anyone out of their documents.

Reparse points (symbolic links, junctions) are listed as skipped, never followed. A file is opened with
``FILE_OPEN_REPARSE_POINT`` (a reparse point swapped in since the listing is opened itself, and refused) and asks
for its on-disk id in the same request (the ``QFid`` create context): an id other than the one listed means the
name now leads somewhere else (a file replaced by a link the server follows, as Samba does with ``wide links``),
and the file is refused unread. Names that are not valid UTF-16 are kept in the escaped form of
:mod:`scanner.names`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from smbprotocol.connection import Connection
from smbprotocol.create_contexts import CreateContextName, SMB2CreateContextRequest
from smbprotocol.exceptions import (
    AccessDenied,
    BadNetworkName,
    EndOfFile,
    LogonFailure,
    NoMoreFiles,
    NoSuchFile,
    PasswordExpired,
    SMBAuthenticationError,
    SMBException,
    SMBResponseException,
    WrongPassword,
)
from smbprotocol.file_info import FileAttributes, FileInformationClass, InfoType
from smbprotocol.open import (
    CreateDisposition,
    CreateOptions,
    DirectoryAccessMask,
    FilePipePrinterAccessMask,
    ImpersonationLevel,
    InfoAdditionalInformation,
    Open,
    QueryDirectoryFlags,
    ShareAccess,
    SMB2QueryInfoRequest,
    SMB2QueryInfoResponse,
)
from smbprotocol.session import Session
from smbprotocol.tree import TreeConnect

from scanner.config import SmbSource, secret_value
from scanner.connectors.base import FileConnector, FolderPage
from scanner.connectors.globs import PathFilter
from scanner.exceptions import AuthenticationError, ConnectorError, ObjectReadError
from scanner.exposure import Exposure, dacl_exposure, parse_security_descriptor, unknown
from scanner.models import DiscoveredObject
from scanner.names import escape_name, needs_escape, unescape_name

log = logging.getLogger(__name__)

# smbprotocol and pyspnego log every message structure at DEBUG (session setup tokens included): keep them
# out of `datascan -v` output; their warnings and errors still show.
for _name in ("smbprotocol", "smbclient", "spnego"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_CHUNK = 1 << 20                 # read size per request (capped by the server's max read size)
_THREADS = 2                     # per connector: one request in flight, the next one queued behind it
_LINGER_S = 1.0                  # an idle session is closed (and its coordinator slot freed) after this long
_RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)   # reconnect backoff after a dropped connection
_CONNECT_TIMEOUT_S = 15

# NTSTATUS values meaning the server forgot our session: reconnect, do not blame the object.
# USER_SESSION_DELETED, NETWORK_SESSION_EXPIRED, FILE_CLOSED
_SESSION_GONE = {0xC0000203, 0xC000035C, 0xC0000128}

_READ_ACCESS = (FilePipePrinterAccessMask.FILE_READ_DATA | FilePipePrinterAccessMask.FILE_READ_ATTRIBUTES
                | FilePipePrinterAccessMask.SYNCHRONIZE)
_LIST_ACCESS = (DirectoryAccessMask.FILE_LIST_DIRECTORY | DirectoryAccessMask.FILE_READ_ATTRIBUTES
                | DirectoryAccessMask.SYNCHRONIZE)
# Reading a security descriptor needs READ_CONTROL and nothing else: never WRITE_DAC, never data access.
_SECURITY_ACCESS = FilePipePrinterAccessMask.READ_CONTROL | FilePipePrinterAccessMask.SYNCHRONIZE
_SECURITY_INFO = (InfoAdditionalInformation.OWNER_SECURTIY_INFORMATION
                  | InfoAdditionalInformation.GROUP_SECURITY_INFORMATION
                  | InfoAdditionalInformation.DACL_SECURITY_INFORMATION)
_SD_MAX = 64 * 1024  # a descriptor larger than this is not one a file server hands out
_SHARE_ALL = ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE | ShareAccess.FILE_SHARE_DELETE
_MARKER_PREFIX = "fileid:"
REPARSE_NOT_FOLLOWED = "reparse point (symbolic link or junction), not followed"
REPLACED_SINCE_LISTED = "replaced since it was listed (the name now leads to another file): not read"
# smbprotocol encodes names as strict UTF-16: a name with an unpaired surrogate can be listed but not opened.
_UNSENDABLE = "name holds an unpaired UTF-16 surrogate, which this SMB client cannot send back to the server"

T = TypeVar("T")


def _status_reason(exc: SMBResponseException) -> str:
    """A short reason for one object's failure, from the server's NTSTATUS."""
    status = exc.status
    if status in (0xC0000022,):
        return "permission denied"
    if status in (0xC0000034, 0xC000003A, 0xC000000F, 0xC0000056):
        return "vanished during the scan"
    if status == 0xC0000043:
        return "locked by another user (sharing violation)"
    if status == 0xC0000054:
        return "locked by another user (file lock conflict)"
    return f"cannot read: NTSTATUS 0x{status:08X} ({exc.__class__.__name__})"


class _Lost(Exception):
    """The connection or session is gone; the operation can be retried on a new session."""


class _SmbSession:
    """One TCP connection + session + tree connect. Blocking: only ever used on the connector's threads."""

    def __init__(self, cfg: SmbSource, generation: int):
        self.cfg = cfg
        self.generation = generation
        self.conn: Connection | None = None
        self.tree: TreeConnect | None = None
        # smbprotocol's credit window is not meant to be raced by large concurrent reads: one request at a
        # time per session.
        self.io_lock = threading.Lock()

    def open(self) -> None:
        cfg = self.cfg
        # Signed by default: an unsigned SMB2 session can be altered in transit (and a guest logon cannot be signed,
        # so a server that maps a rejected user to guest is refused rather than scanned as nobody).
        conn = Connection(uuid.uuid4(), cfg.host, cfg.port, require_signing=not cfg.allow_unsigned)
        self.conn = conn
        conn.connect(timeout=_CONNECT_TIMEOUT_S)
        user = f"{cfg.domain}\\{cfg.username}" if cfg.domain else cfg.username
        sess = Session(conn, username=user, password=secret_value(cfg.password),
                       require_encryption=cfg.encrypt is True)
        sess.connect()
        tree = TreeConnect(sess, rf"\\{cfg.host}\{cfg.share}")
        # Secure negotiate (the SMB 3.0 downgrade check) needs the session's signing key, which an unsigned guest
        # session has not got: skipped for that case only, and only when the job allowed unsigned sessions.
        tree.connect(require_secure_negotiate=not (cfg.allow_unsigned and sess.signing_key is None))
        if cfg.encrypt and not (sess.encrypt_data or tree.encrypt_data):
            raise _NoEncryption
        self.tree = tree

    def alive(self) -> bool:
        c = self.conn
        return c is not None and self.tree is not None and c.transport.connected and c._t_exc is None

    def close(self) -> None:
        c, self.conn, self.tree = self.conn, None, None
        if c is None:
            return
        try:
            c.disconnect(True, timeout=5)
        except Exception as exc:  # noqa: BLE001 - a dead server cannot be logged off politely; the socket still goes
            log.debug("closing SMB connection: %s", exc.__class__.__name__)
            try:
                c.disconnect(False)
            except Exception:  # noqa: BLE001,S110 - nothing more can be done about a broken socket
                pass


def _connect_failure(exc: Exception) -> str:
    """A connect failure in words: the socket error when there is one (smbprotocol wraps it in ValueError)."""
    cause = exc.__cause__
    if isinstance(cause, OSError):
        return f"cannot connect: {cause.strerror or cause.__class__.__name__}"
    return exc.__class__.__name__


class _NoEncryption(Exception):
    """``encrypt: true`` but the server would not encrypt the session."""


def _close_quietly(o: Open | None) -> None:
    if o is None:
        return
    try:
        o.close(get_attributes=False)
    except Exception as exc:  # noqa: BLE001 - a handle of a dead session is gone anyway
        log.debug("closing SMB handle: %s", exc.__class__.__name__)


@dataclass(slots=True)
class _DirCursor:
    """Where the listing of one folder stands; survives a reconnect (the folder is reopened and replayed)."""

    smb_path: str
    handle: Open | None = None
    generation: int = -1
    consumed: int = 0
    done: bool = False


@dataclass(slots=True)
class _Entry:
    name: str
    is_dir: bool
    is_link: bool
    size: int
    mtime: float
    file_id: int


@dataclass(slots=True)
class _ReadState:
    smb_path: str
    limit: int
    file_id: int | None = None  # the id the listing saw; the opened file must have it
    handle: Open | None = None
    generation: int = -1
    offset: int = 0
    eof: int = 0
    done: bool = False


def _list_page(sess: _SmbSession, cur: _DirCursor) -> list[_Entry]:
    """The next page of a folder's listing ([] and ``done`` at the end). Blocking."""
    assert sess.tree is not None
    flags = 0
    skip = 0
    if cur.handle is None or cur.generation != sess.generation:
        h = Open(sess.tree, cur.smb_path)
        h.create(ImpersonationLevel.Impersonation, _LIST_ACCESS, FileAttributes.FILE_ATTRIBUTE_DIRECTORY,
                 _SHARE_ALL, CreateDisposition.FILE_OPEN, CreateOptions.FILE_DIRECTORY_FILE)
        cur.handle, cur.generation = h, sess.generation
        flags = QueryDirectoryFlags.SMB2_RESTART_SCANS
        skip = cur.consumed  # a reopened folder replays from the start: skip what was already handed out
    while True:
        try:
            raw = cur.handle.query_directory("*", FileInformationClass.FILE_ID_FULL_DIRECTORY_INFORMATION,
                                             flags=flags)
        except (NoMoreFiles, NoSuchFile):
            _close_quietly(cur.handle)
            cur.handle, cur.done = None, True
            return []
        flags = 0
        out = []
        for info in raw:
            # surrogatepass: NTFS allows names with an unpaired surrogate, which must not stop the walk.
            name = info["file_name"].get_value().decode("utf-16-le", "surrogatepass")
            if name in (".", ".."):
                continue
            if skip:
                skip -= 1
                continue
            attrs = info["file_attributes"].get_value()
            out.append(_Entry(
                name=name,
                is_dir=bool(attrs & FileAttributes.FILE_ATTRIBUTE_DIRECTORY),
                is_link=bool(attrs & FileAttributes.FILE_ATTRIBUTE_REPARSE_POINT),
                size=info["end_of_file"].get_value(),
                mtime=info["last_write_time"].get_value().timestamp(),
                file_id=info["file_id"].get_value(),
            ))
        cur.consumed += len(out)
        if out:
            return out


def _qfid_request() -> SMB2CreateContextRequest:
    ctx = SMB2CreateContextRequest()
    ctx["buffer_name"] = CreateContextName.SMB2_CREATE_QUERY_ON_DISK_ID
    ctx["buffer_data"] = b""
    return ctx


def _disk_file_id(contexts: list[Any] | None) -> int | None:
    """The on-disk file id from a create response's QFid context (None when the server sent none)."""
    for c in contexts or []:
        if getattr(c, "NAME", None) == CreateContextName.SMB2_CREATE_QUERY_ON_DISK_ID:
            return int(c["disk_file_id"].get_value())
    return None


def _listed_file_id(marker: str | None) -> int | None:
    if marker and marker.startswith(_MARKER_PREFIX):
        try:
            return int(marker[len(_MARKER_PREFIX):])
        except ValueError:
            return None
    return None


def _read_step(sess: _SmbSession, st: _ReadState, chunk: int) -> bytes:
    """Open the file if this session has no handle for it yet, then read the next chunk. Blocking."""
    assert sess.tree is not None and sess.conn is not None
    if st.handle is None or st.generation != sess.generation:
        h = Open(sess.tree, st.smb_path)
        contexts = h.create(ImpersonationLevel.Impersonation, _READ_ACCESS, FileAttributes.FILE_ATTRIBUTE_NORMAL,
                            _SHARE_ALL, CreateDisposition.FILE_OPEN,
                            CreateOptions.FILE_NON_DIRECTORY_FILE | CreateOptions.FILE_SEQUENTIAL_ONLY
                            | CreateOptions.FILE_OPEN_REPARSE_POINT, [_qfid_request()])
        st.handle, st.generation = h, sess.generation
        refused = None
        if h.file_attributes & FileAttributes.FILE_ATTRIBUTE_REPARSE_POINT:
            refused = f"{REPARSE_NOT_FOLLOWED} (swapped in since it was listed)"
        elif st.file_id is not None and (disk_id := _disk_file_id(contexts)) is not None and disk_id != st.file_id:
            refused = REPLACED_SINCE_LISTED
        if refused:
            _close_quietly(h)
            st.handle, st.done = None, True
            raise ObjectReadError(refused)
        # The size when opened is what is read: a file growing meanwhile is read as it was.
        st.eof = int(h.end_of_file)
        if st.eof > st.limit:
            _close_quietly(h)
            st.handle, st.done = None, True
            raise ObjectReadError(f"larger than the size limit ({st.limit / 1048576:g} MB)")
    if st.offset >= st.eof:
        data = b""
    else:
        n = min(chunk, sess.conn.max_read_size, st.eof - st.offset)
        try:
            data = st.handle.read(st.offset, n)
        except EndOfFile:  # truncated since it was opened
            data = b""
    st.offset += len(data)
    if not data or st.offset >= st.eof:
        _close_quietly(st.handle)
        st.handle, st.done = None, True
    return data


def _security_descriptor(sess: _SmbSession, smb_path: str) -> bytes:
    """A file's security descriptor (owner, group, DACL) in one round trip: CREATE (READ_CONTROL only), QUERY_INFO
    and CLOSE sent as one related compound. Raises SMBResponseException (access denied ...). Blocking."""
    assert sess.tree is not None and sess.conn is not None
    h = Open(sess.tree, smb_path)
    create, create_done = h.create(ImpersonationLevel.Impersonation, _SECURITY_ACCESS,
                                   FileAttributes.FILE_ATTRIBUTE_NORMAL, _SHARE_ALL, CreateDisposition.FILE_OPEN,
                                   CreateOptions.FILE_NON_DIRECTORY_FILE | CreateOptions.FILE_OPEN_REPARSE_POINT,
                                   send=False)
    query = SMB2QueryInfoRequest()
    query["info_type"] = InfoType.SMB2_0_INFO_SECURITY
    query["output_buffer_length"] = _SD_MAX
    query["additional_information"] = _SECURITY_INFO
    query["file_id"] = b"\xff" * 16  # related compound: the handle the CREATE before it opens
    close, close_done = h.close(get_attributes=False, send=False)
    tree = sess.tree
    requests = sess.conn.send_compound([create, query, close], tree.session.session_id, tree.tree_connect_id,
                                       related=True)
    # Every response must be received (smbprotocol matches them by message id), even when the first failed.
    errors: list[Exception] = []
    data = b""
    for i, req in enumerate(requests):
        try:
            if i == 0:
                create_done(req)
            elif i == 1:
                resp = SMB2QueryInfoResponse()
                resp.unpack(sess.conn.receive(req)["data"].get_value())
                data = resp["buffer"].get_value()
            else:
                close_done(req)
        except SMBResponseException as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    return data


class SmbConnector(FileConnector):
    """One SMB share (``type: smb``). Read-only; sessions bounded per server by the resource coordinator."""

    def __init__(self, cfg: SmbSource, coordinator: Any = None):
        if coordinator is None:
            from scanner.runtime.coordinator import LocalCoordinator

            coordinator = LocalCoordinator()
        self.cfg = cfg
        self.datasource_id = cfg.id
        self.coordinator = coordinator
        self.filter = PathFilter(cfg.include, cfg.exclude)
        self.max_bytes = int(cfg.max_file_mb * 1024 * 1024)
        self.where = f"SMB share \\\\{cfg.host}\\{cfg.share} (port {cfg.port})"
        self.resource_key = f"smb:{cfg.host.lower()}:{cfg.port}"
        self._base = "\\".join(p for p in cfg.path.replace("\\", "/").split("/") if p)
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="smb")
        self._sess: _SmbSession | None = None
        self._lease: Any = None
        self._generation = 0
        self._lock: asyncio.Lock | None = None
        self._busy = 0
        self._idle: asyncio.TimerHandle | None = None
        self._closing: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # ------------------------------------------------------------------------------------ session life cycle

    def _smb_path(self, rel: str) -> str:
        parts = [self._base] if self._base else []
        if rel:
            parts.append(rel.replace("/", "\\"))
        return "\\".join(parts)

    async def _ensure_session(self) -> _SmbSession:
        assert self._lock is not None
        async with self._lock:
            if self._sess is not None and self._sess.alive():
                return self._sess
            if self._sess is not None:  # dropped: tear down what is left, keep the slot for the reconnect
                old, self._sess = self._sess, None
                await asyncio.wrap_future(self._pool.submit(old.close))
            if self._lease is None:
                self._lease = await self.coordinator.acquire(self.resource_key, self.cfg.max_sessions)
            self._generation += 1
            sess = _SmbSession(self.cfg, self._generation)
            try:
                await asyncio.wrap_future(self._pool.submit(sess.open))
            except BaseException as exc:
                await asyncio.wrap_future(self._pool.submit(sess.close))
                if not isinstance(exc, Exception):
                    raise
                fatal = self._fatal(exc)
                if fatal is not None:
                    await self._release_lease()
                    raise AuthenticationError(fatal) from None
                raise _Lost(_connect_failure(exc)) from None
            self._sess = sess
            log.debug("%s: session %d open", self.where, sess.generation)
            return sess

    def _fatal(self, exc: Exception) -> str | None:
        """The message for a connect failure that retrying cannot fix (never includes the password)."""
        cfg = self.cfg
        if isinstance(exc, (LogonFailure, WrongPassword, SMBAuthenticationError)):
            return f"{self.where}: logon failure for user {cfg.username!r} (wrong user name or password)"
        if isinstance(exc, ValueError) and isinstance(exc.__cause__, socket.gaierror) \
                and exc.__cause__.errno == socket.EAI_NONAME:  # EAI_AGAIN (a DNS blip) is retried
            return f"{self.where}: host {cfg.host!r} not found (name resolution failed)"
        if isinstance(exc, PasswordExpired):
            return f"{self.where}: the password of user {cfg.username!r} has expired"
        if isinstance(exc, BadNetworkName):
            return f"{self.where}: the share {cfg.share!r} does not exist on {cfg.host}"
        if isinstance(exc, AccessDenied):
            return f"{self.where}: user {cfg.username!r} may not access share {cfg.share!r}"
        if isinstance(exc, SMBException) and "authenticated as a guest" in str(exc):
            return (f"{self.where}: the server logged user {cfg.username!r} on as a guest (it did not accept the "
                    "credentials), and a guest session cannot be signed or encrypted: refused. Set allow_unsigned: "
                    "true on this datasource only to scan such a share on purpose")
        if isinstance(exc, _NoEncryption) or (
                cfg.encrypt and isinstance(exc, SMBException) and "encryption" in str(exc).lower()):
            return f"{self.where}: encrypt: true, but the server does not encrypt this session"
        # Anything else (a refused TCP connect, a server at its connection limit, a reset) may pass: retried.
        return None

    async def _release_lease(self) -> None:
        lease, self._lease = self._lease, None
        if lease is not None:
            await lease.release()

    def _mark_idle(self) -> None:
        self._busy -= 1
        loop = self._loop
        held = self._sess is not None or self._lease is not None
        if self._busy == 0 and held and loop is not None and not loop.is_closed():
            if self._idle is not None:
                self._idle.cancel()
            self._idle = loop.call_later(_LINGER_S, self._on_idle)

    def _on_idle(self) -> None:
        self._idle = None
        if self._busy == 0 and (self._sess is not None or self._lease is not None) and self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close_if_idle())

    async def _close_if_idle(self) -> None:
        try:
            assert self._lock is not None
            async with self._lock:
                if self._busy:
                    return
                await self._close_session()
        finally:
            self._closing = None

    async def _close_session(self) -> None:
        sess, self._sess = self._sess, None
        if sess is not None:
            await asyncio.wrap_future(self._pool.submit(sess.close))
            log.debug("%s: session %d closed", self.where, sess.generation)
        await self._release_lease()

    async def _call(self, fn: Callable[[_SmbSession], T]) -> T:
        """Run ``fn(session)`` on the pool; a dropped connection is reopened with backoff and ``fn`` rerun."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._lock = asyncio.Lock()
        self._busy += 1
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        handed_off = False
        try:
            for attempt in range(len(_RETRY_DELAYS) + 1):
                try:
                    sess = await self._ensure_session()

                    def run(s: _SmbSession = sess) -> T:
                        with s.io_lock:
                            return fn(s)

                    cf = self._pool.submit(run)
                    try:
                        return await asyncio.wrap_future(cf)
                    except asyncio.CancelledError:
                        if not cf.done():
                            # The thread still uses the session: it stays busy until the thread is done.
                            handed_off = True
                            cf.add_done_callback(self._done_from_thread)
                        raise
                    except SMBResponseException as exc:
                        if exc.status in _SESSION_GONE:
                            raise _Lost(exc.__class__.__name__) from None
                        raise
                    except (SMBException, OSError, ValueError, EOFError) as exc:
                        raise _Lost(exc.__class__.__name__) from None
                    except Exception as exc:
                        if sess.alive():
                            raise
                        # smbprotocol fails in odd ways (None responses) when the socket dies under a request.
                        raise _Lost(exc.__class__.__name__) from None
                except _Lost as lost:
                    if attempt == len(_RETRY_DELAYS):
                        # Give the slot back too: a server we cannot reach must not starve other workers.
                        assert self._lock is not None
                        async with self._lock:
                            await self._close_session()
                        raise ConnectorError(f"{self.where}: connection lost ({lost}) and not regained after "
                                             f"{len(_RETRY_DELAYS)} retries") from None
                    log.warning("%s: connection lost (%s); reconnecting in %.2fs", self.where, lost,
                                _RETRY_DELAYS[attempt])
                    await self._drop()
                    await asyncio.sleep(_RETRY_DELAYS[attempt])  # backoff before reconnecting
            raise AssertionError("unreachable")
        finally:
            if not handed_off:
                self._mark_idle()

    def _done_from_thread(self, _f: concurrent.futures.Future[Any]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._mark_idle)
            except RuntimeError:  # the loop closed between the check and the call
                pass

    async def _drop(self) -> None:
        """Forget a broken session (the slot is kept: the next call reconnects)."""
        assert self._lock is not None
        async with self._lock:
            sess, self._sess = self._sess, None
            if sess is not None:
                await asyncio.wrap_future(self._pool.submit(sess.close))

    # ------------------------------------------------------------------------------------------ enumeration

    async def list_folder(self, folder: str, page_from: str | None = None,
                          page_to: str | None = None) -> AsyncIterator[FolderPage]:
        """One folder's listing, one page of the server's answer at a time; a denied folder is reported. With a
        page range, only the objects in it (the server lists the whole folder anyway: the rest is dropped here)."""
        paged = page_from is not None or page_to is not None
        rel_dir = unescape_name(folder).strip("/")
        if needs_escape(rel_dir):
            yield FolderPage([DiscoveredObject(path=escape_name(rel_dir) + "/", size=0, mtime=0.0,
                                               skip_reason=_UNSENDABLE)], [])
            return
        cur = _DirCursor(self._smb_path(rel_dir))
        try:
            while not cur.done:
                try:
                    page = await self._call(lambda s, c=cur: _list_page(s, c))  # type: ignore[misc]
                except SMBResponseException as exc:
                    if not rel_dir:
                        raise AuthenticationError(f"{self.where}: cannot list the start folder "
                                                  f"{self.cfg.path!r}: {_status_reason(exc)}") from None
                    # The folder is reported as skipped with why, and the walk goes on.
                    yield FolderPage([DiscoveredObject(path=escape_name(rel_dir) + "/", size=0, mtime=0.0,
                                                       skip_reason=_status_reason(exc))], [])
                    return
                objects: list[DiscoveredObject] = []
                subfolders: list[str] = []
                for e in page:
                    rel = f"{rel_dir}/{e.name}" if rel_dir else e.name
                    if paged:
                        p = escape_name(rel)
                        if e.is_dir or (page_from is not None and p < page_from) \
                                or (page_to is not None and p >= page_to):
                            continue
                    if e.is_link:
                        if self.filter.wants_file(rel):
                            objects.append(DiscoveredObject(escape_name(rel), 0, 0.0, skip_reason=REPARSE_NOT_FOLLOWED))
                        continue
                    if e.is_dir:
                        if not self.filter.prunes_dir(rel):
                            subfolders.append(escape_name(rel))
                        continue
                    if not self.filter.wants_file(rel):
                        continue
                    reason = None
                    if e.size > self.max_bytes:
                        reason = f"larger than max_file_mb ({e.size / 1048576:.1f} MB > {self.cfg.max_file_mb:g} MB)"
                    # The file id joins size and mtime for incremental runs: a file replaced by another with the
                    # same size and timestamp (a restore, a rename over it) is rescanned.
                    objects.append(DiscoveredObject(escape_name(rel), e.size, e.mtime, skip_reason=reason,
                                                    marker=f"{_MARKER_PREFIX}{e.file_id}"))
                yield FolderPage(objects, subfolders)
        finally:
            if cur.handle is not None:
                self._pool.submit(_close_quietly, cur.handle)

    # ---------------------------------------------------------------------------------------------- reading

    async def read_object(self, obj: DiscoveredObject, max_bytes: int) -> bytes:
        """The file's bytes; ObjectReadError when it is gone, unreadable, or larger than the limit."""
        return b"".join([chunk async for chunk in self.stream_object(obj, max_bytes, _CHUNK)])

    async def stream_object(self, obj: DiscoveredObject, max_bytes: int,
                            chunk_bytes: int = _CHUNK) -> AsyncIterator[bytes]:
        """The file's bytes in chunks; a dropped connection resumes at the same offset on a new session."""
        name = unescape_name(obj.path)
        if needs_escape(name):
            raise ObjectReadError(_UNSENDABLE)
        st = _ReadState(self._smb_path(name), min(max_bytes, self.max_bytes), _listed_file_id(obj.marker))
        try:
            while not st.done:
                data = await self._call(lambda s: _read_step(s, st, chunk_bytes))
                if data:
                    yield data
        except SMBResponseException as exc:
            raise ObjectReadError(_status_reason(exc)) from None
        finally:
            if st.handle is not None:  # abandoned half-way: do not leave the handle open on the server
                self._pool.submit(_close_quietly, st.handle)

    async def exposure(self, obj: DiscoveredObject) -> Exposure:
        """Who may read the file, from its DACL (owner, group and DACL read with READ_CONTROL only).

        The file's own DACL decides: it already holds what it inherited from the folders above, and Windows lets
        a user open a file by path without rights on the folders on the way (bypass traverse checking, granted to
        Everyone by default). Share-level permissions are not read (smbprotocol has no SRVSVC client). A
        descriptor the scan account may not read is ``unknown`` with the reason; the object itself is unaffected.
        """
        name = unescape_name(obj.path)
        if needs_escape(name):
            return unknown(_UNSENDABLE)
        try:
            data = await self._call(lambda s: _security_descriptor(s, self._smb_path(name)))
        except SMBResponseException as exc:
            reason = _status_reason(exc)
            if reason == "permission denied":
                reason = "the scan account may not read the security descriptor (READ_CONTROL denied)"
            return unknown(reason)
        except ConnectorError as exc:
            return unknown(str(exc))
        try:
            return dacl_exposure(parse_security_descriptor(data))
        except ValueError as exc:
            return unknown(str(exc))

    async def close(self) -> None:
        """Close the session, give the coordinator slot back and stop the threads."""
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if self._lock is not None:
            async with self._lock:
                await self._close_session()
        self._pool.shutdown(wait=False, cancel_futures=True)
