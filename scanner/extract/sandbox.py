"""The extraction subprocess: parsing of untrusted non-text formats happens here, never in the worker.

A pure-Python timer cannot stop C code stuck in a loop, and a parser that allocates without bound would take the
worker down with it. So each worker keeps one long-lived child process (``python -P -m scanner.extract.sandbox``,
a fresh interpreter like the ``spawn`` start method: the worker is a daemonic multiprocessing child and may not
use multiprocessing to start children of its own) with an address-space limit (``RLIMIT_AS``). The parent
pulls components one batch at a time and only for as long as the object's wall-time budget lasts; when the
budget runs out it SIGKILLs the child and starts a new one on the next object. A killed extraction costs one
object, never the worker. The child also dies with its parent (``PR_SET_PDEATHSIG`` and EOF on its socket).

The child is treated as compromised by the files it parses, so it gets as few rights as the OS allows
(:func:`confine`): an environment holding only locale, PATH and its own temp dir (no credentials, no
``DATASCAN_HMAC_KEY``); ``PR_SET_NO_NEW_PRIVS``; its own network namespace (no network at all); its own mount
namespace where ``/tmp``, ``/var/tmp`` and ``/dev/shm`` are its private temp dir; and, when the worker runs as
root, the unprivileged ``nobody`` uid/gid with no supplementary groups. What cannot be applied is reported in the
child's first message and logged once at INFO by the worker; it never stops a scan.

Protocol: length-prefixed MessagePack frames (an 8-byte big-endian length, then one message) over a socketpair,
encoded and decoded by msgspec into the typed messages below; no pickle anywhere, so a compromised child cannot
get code run in the worker. Every reply is validated against its type (components decode into the dataclasses of
:mod:`scanner.models`); anything else ends the object with a reason and the child is replaced.

    parent ``Start(name, data, cfg)`` -> child ``More(comps)`` | ``End(comps, notes, inflated)`` |
                                         ``Failed(comps, reason, restart, inflated)``
    parent ``Next()``                 -> the same replies, for the next batch of the current object

``Start`` answers with the object's first batch, so a small object costs one round trip. ``cfg`` (the
extraction limits) is sent with the first object a child sees and kept by it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import re
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import msgspec

from scanner.config import ExtractionConfig
from scanner.exceptions import ExtractionError
from scanner.models import ContentComponent

log = logging.getLogger(__name__)

_BATCH_CHARS = 1 << 20
_BATCH_ITEMS = 256
_START_TIMEOUT_S = 120.0
# A reply holds at most about _BATCH_CHARS characters plus one component (with its cell segments): a few tens of
# MB at worst. Anything announcing more is refused before it is read, so a hostile child cannot exhaust the worker.
MAX_REPLY_BYTES = 256 << 20
_HEADER = struct.Struct("!Q")
# The user the child runs as when the worker is root (it owns nothing, by convention).
SANDBOX_USER = "nobody"
# The worker's own variables the child keeps: how to find programs and libraries and which locale to use. Nothing
# else (credentials, DATASCAN_HMAC_KEY, SMB and database passwords) ever reaches it.
_ENV_KEEP = frozenset({"PATH", "LANG", "LANGUAGE", "TZ", "PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH"})


# ------------------------------------------------------------------------------------------------------ messages

class _Msg(msgspec.Struct, tag=True, array_like=True, forbid_unknown_fields=True):
    """Base of the wire messages: tagged with the class name, encoded as an array, nothing more accepted."""


class Start(_Msg):
    """Parent -> child: extract this object; the reply is its first batch. ``cfg`` on a child's first object."""

    name: str
    data: bytes
    cfg: dict[str, Any] | None = None


class Next(_Msg):
    """Parent -> child: the next batch of the current object."""


class Ready(_Msg):
    """Child -> parent, once: started; ``unconfined`` lists each restriction it could not apply, with why."""

    pid: int
    unconfined: list[str]


class More(_Msg):
    """Child -> parent: a batch of components; more follow."""

    comps: list[ContentComponent]


class End(_Msg):
    """Child -> parent: the last batch, what was left out (``notes``) and the bytes inflated."""

    comps: list[ContentComponent]
    notes: list[str]
    inflated: int


class Failed(_Msg):
    """Child -> parent: the object failed after ``comps``; ``restart``: the child is unusable (it exits)."""

    comps: list[ContentComponent]
    reason: str
    restart: bool
    inflated: int


Reply = More | End | Failed
Request = Start | Next


class SandboxTimeout(Exception):
    """The child did not answer within the object's remaining wall time."""


class SandboxDied(Exception):
    """The child exited or was killed while working."""


class SandboxProtocolError(Exception):
    """The child sent something that is not a valid message (it may be compromised); the text is value-free."""


_SAFE_PATH = re.compile(r"\$(?:\[\d+\]|\.[A-Za-z_]\w*)*")


def describe_invalid(exc: msgspec.DecodeError) -> str:
    """What was wrong with a message, in words that cannot quote its content.

    msgspec's own messages may repeat a value (``Invalid value 'x'``, an unknown field's name): only the kind of
    error and a path made of our own field names and indices are kept.
    """
    msg = str(exc)
    if not isinstance(exc, msgspec.ValidationError):
        return "not a valid message"
    head, _, where = msg.partition(" - at `")
    where = where[:-1] if where.endswith("`") else where
    if head.startswith("Expected"):
        kind = "wrong type or length"
    elif head.startswith("Object missing required field"):
        kind = "missing field"
    elif head.startswith("Object contains unknown field"):
        kind = "unknown field"
    else:
        kind = "invalid value"
    return f"{kind} at {where}" if _SAFE_PATH.fullmatch(where) else kind


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(value: Any) -> Any:
    """``value`` with lone surrogates replaced one for one by U+FFFD (offsets keep): UTF-8 cannot carry them.

    They come from file names that are not valid UTF-8 and from text a broken document maps to surrogates.
    """
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list | tuple):
        return type(value)(scrub_surrogates(v) for v in value)
    if isinstance(value, msgspec.Struct):
        fields = value.__struct_fields__
        return msgspec.structs.replace(value, **{f: scrub_surrogates(getattr(value, f)) for f in fields})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
        return dataclasses.replace(value, **{n: scrub_surrogates(getattr(value, n)) for n in names})
    return value


def encode_frame(enc: msgspec.msgpack.Encoder, msg: msgspec.Struct) -> bytearray:
    """One message as a frame: its length (8 bytes, big-endian), then its MessagePack encoding."""
    buf = bytearray(_HEADER.size)
    try:
        enc.encode_into(msg, buf, _HEADER.size)
    except UnicodeEncodeError:
        enc.encode_into(scrub_surrogates(msg), buf, _HEADER.size)
    _HEADER.pack_into(buf, 0, len(buf) - _HEADER.size)
    return buf


class SandboxProcess:
    """Parent-side handle of one extraction child; its requests run on the worker's event loop."""

    def __init__(self, cfg: ExtractionConfig, child_module: str = __name__):
        self.cfg = cfg
        self._cfg_sent = False
        try:
            self._tmp = tempfile.TemporaryDirectory(prefix="datascan-extract-", dir=cfg.temp_dir)
        except OSError as exc:  # a full or missing temp file system costs the objects that need it
            where = cfg.temp_dir or tempfile.gettempdir()
            raise ExtractionError(f"cannot create the extraction temp directory in {where}: {exc.strerror}") from None
        ids = sandbox_ids()
        argv = [sys.executable, "-P", "-m", child_module, "", str(cfg.max_memory_mb)]
        if ids is not None:
            try:
                os.chown(self._tmp.name, *ids)  # the child's only writable place, under its own uid
                argv += [str(ids[0]), str(ids[1])]
            except OSError as exc:
                log_once(f"separate uid not used: cannot give it the temp dir ({exc.strerror})")
        parent_sock, child_sock = socket.socketpair()
        argv[4] = str(child_sock.fileno())
        try:
            self.proc = subprocess.Popen(
                argv, pass_fds=(child_sock.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                # Parser libraries print diagnostics that may quote document content: never let them out.
                stderr=subprocess.DEVNULL, cwd=self._tmp.name, close_fds=True, env=child_env(self._tmp.name),
            )
        except OSError as exc:
            parent_sock.close()
            self._tmp.cleanup()
            raise ExtractionError(f"extraction subprocess could not start: {exc.strerror}") from None
        finally:
            child_sock.close()
        parent_sock.setblocking(False)
        self.sock = parent_sock
        self._enc = msgspec.msgpack.Encoder()
        self._replies = msgspec.msgpack.Decoder(Reply)
        self._ready = msgspec.msgpack.Decoder(Ready)

    async def wait_ready(self) -> None:
        """Wait for the child's first message; logs (once each) the restrictions it could not apply."""
        try:
            async with asyncio.timeout(_START_TIMEOUT_S):
                ready = await self._recv(self._ready)
        except TimeoutError:
            self.kill()
            raise ExtractionError("extraction subprocess did not start in time") from None
        except (SandboxDied, SandboxProtocolError, OSError):
            code = self.kill()
            raise ExtractionError(f"extraction subprocess failed to start (exit code {code})") from None
        for why in ready.unconfined:
            log_once(why)

    async def request(self, msg: Request, left: float) -> tuple[Reply, float]:
        """Send one message and wait at most ``left`` seconds for the reply; returns it with the time it took.

        Raises SandboxTimeout, SandboxDied, or SandboxProtocolError for a reply that is not a valid message.
        """
        if isinstance(msg, Start) and not self._cfg_sent:
            msg.cfg = self.cfg.model_dump()
        t0 = time.monotonic()
        try:
            async with asyncio.timeout(max(0.0, left)):
                await self._send(msg)
                self._cfg_sent = True
                reply = await self._recv(self._replies)
        except TimeoutError:
            raise SandboxTimeout from None
        except OSError as exc:
            raise SandboxDied from exc
        return reply, time.monotonic() - t0

    async def _send(self, msg: Request) -> None:
        await asyncio.get_running_loop().sock_sendall(self.sock, encode_frame(self._enc, msg))

    async def _recv(self, decoder: msgspec.msgpack.Decoder[Any]) -> Any:
        (size,) = _HEADER.unpack(await self._read_exact(_HEADER.size))
        if size > MAX_REPLY_BYTES:
            raise SandboxProtocolError(f"reply larger than {MAX_REPLY_BYTES >> 20} MB")
        body = await self._read_exact(size)
        try:
            return decoder.decode(body)
        except msgspec.DecodeError as exc:
            raise SandboxProtocolError(describe_invalid(exc)) from None

    async def _read_exact(self, n: int) -> bytearray:
        loop = asyncio.get_running_loop()
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = await loop.sock_recv_into(self.sock, view[got:])
            if not k:
                raise SandboxDied
            got += k
        return buf

    def alive(self) -> bool:
        """True while the child has not exited."""
        return self.proc.poll() is None

    def kill(self) -> int | None:
        """SIGKILL the child (it may be stuck in C code) and reap it; returns its exit status."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = None
        with contextlib.suppress(OSError):
            self.sock.close()
        # ignore_cleanup_errors is not enough on a file system that vanished; nothing else can be done then.
        with contextlib.suppress(OSError):
            self._tmp.cleanup()
        return code


_logged: set[str] = set()


def log_once(why: str) -> None:
    """Log a restriction that could not be applied, once per process."""
    if why not in _logged:
        _logged.add(why)
        log.info("extraction sandbox: %s", why)


def sandbox_ids() -> tuple[int, int] | None:
    """The uid and gid the child runs as: ``nobody`` when the worker is root; None (the worker's own) otherwise."""
    if os.geteuid() != 0:
        log_once(f"the extraction process runs as the worker's own uid ({os.geteuid()}): "
                 "a separate uid needs a worker running as root")
        return None
    import pwd

    try:
        pw = pwd.getpwnam(SANDBOX_USER)
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return 65534, 65534  # the kernel's overflow ids: nobody/nogroup on every distribution


def child_env(tmp: str) -> dict[str, str]:
    """The child's whole environment: an allow-list of the worker's (locale, PATH) and its own temp dir.

    The worker's environment is passed through, not read as settings: it may hold every credential of the job.
    """
    env = {k: v for k, v in os.environ.items() if k in _ENV_KEEP or k.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.update(TMPDIR=tmp, HOME=tmp, PYTHONDONTWRITEBYTECODE="1")
    return env


def death_reason(code: int | None) -> str:
    """Why a child ended, in words."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"extraction process died ({name})"
    return f"extraction process died (exit code {code})"


# ----------------------------------------------------------------------------------------------------- the child

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm")


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _errno_text() -> str:
    import ctypes

    return os.strerror(ctypes.get_errno())


def _isolate(libc: Any, tmp: str) -> tuple[list[str], bool]:
    """Own network and mount namespaces: no network, and the temp dir as /tmp. Before any thread exists.

    Returns what could not be applied, and whether /tmp is now the private temp dir.
    """
    missing: list[str] = []
    root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()  # read before a user namespace hides them
    # Without root, a user namespace grants the right to make the others (where the kernel allows it).
    flags = _CLONE_NEWNS | _CLONE_NEWNET | (0 if root else _CLONE_NEWUSER)
    if libc.unshare(flags) != 0:
        why = _errno_text()
        return [f"network not cut off: no network namespace ({why})",
                f"temp dir not private: no mount namespace ({why})"], False
    if not root:
        # Map our own ids into the new user namespace, or files we create would have no owner there.
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with contextlib.suppress(OSError), open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    # Mounts made here must not propagate back to the host's namespace.
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        return [f"temp dir not private: cannot make mounts private ({_errno_text()})"], False
    # Through a descriptor: once /tmp is covered, a temp dir below it has no path left.
    fd = os.open(tmp, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    bound = set()
    code = {q for r in _import_roots() for q in (r, os.path.realpath(r))}
    for target in _PRIVATE_TMP:
        if not os.path.isdir(target):
            continue
        if any(r == target or r.startswith(target + "/") for r in code):
            # Covering it would hide datascan's own code (a checkout or venv under /tmp) from the imports to come.
            missing.append(f"temp dir not private: datascan's code is installed below {target}")
            continue
        if libc.mount(f"/proc/self/fd/{fd}".encode(), target.encode(), None, _MS_BIND, None) == 0:
            bound.add(target)
        else:
            missing.append(f"temp dir not private: cannot mount it on {target} ({_errno_text()})")
    os.close(fd)
    if "/tmp" in bound:
        os.environ["TMPDIR"] = "/tmp"  # reachable whatever the permissions of the real temp dir's parents
        tempfile.tempdir = "/tmp"
    return missing, "/tmp" in bound


def _import_roots() -> set[str]:
    """The folders imports are found in: sys.path, and the parents of every imported package's folders."""
    roots = {p for p in sys.path if p and os.path.isdir(p)}
    for mod in list(sys.modules.values()):
        for p in getattr(mod, "__path__", None) or ():
            if isinstance(p, str) and os.path.isdir(p):
                roots.add(os.path.dirname(p))
    return roots


class _FdPathFinder:
    """Import hook for modules first imported after the uid drop, from folders the new uid cannot reach.

    The interpreter and its libraries may sit below a folder only root may enter (``/root/.pyenv``). Every import
    folder is opened while still root; a later import (a codec, a parser's optional module) is looked up through
    ``/proc/self/fd/N/...``, which reaches the folder without walking its parents. It only runs after the normal
    lookup found nothing.
    """

    def __init__(self) -> None:
        self.roots = {r: os.open(r, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC) for r in sorted(_import_roots())}

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        from importlib.machinery import PathFinder

        mapped = []
        for p in (list(path) if path is not None else list(self.roots)):
            for root, fd in self.roots.items():
                if p == root or p.startswith(root + "/"):
                    mapped.append(f"/proc/self/fd/{fd}{p[len(root):]}")
                    break
        return PathFinder.find_spec(fullname, mapped, target) if mapped else None


def _reachable(path: str, uid: int) -> bool:
    """Whether ``uid`` (not root, in no group of ours) may walk every folder above ``path``."""
    parent = os.path.dirname(os.path.realpath(path))
    while True:
        try:
            st = os.stat(parent)
        except OSError:
            return False
        if not (st.st_mode & stat.S_IXOTH or st.st_uid == uid):
            return False
        if parent == "/":
            return True
        parent = os.path.dirname(parent)


def _drop_privileges(uid: int, gid: int, tmp_private: bool, tmp: str) -> list[str]:
    """Become ``uid``/``gid`` with no supplementary groups, for good (saved ids too)."""
    if not tmp_private and not _reachable(tmp, uid):
        return [f"separate uid not used: the temp dir {tmp} is not reachable by uid {uid} without a mount namespace"]
    sys.meta_path.append(_FdPathFinder())  # type: ignore[arg-type]
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        return [f"separate uid not used: {exc.strerror}"]
    return []


def confine(libc: Any, uid: int | None, gid: int | None, tmp: str, prepare: Any) -> list[str]:
    """Apply every restriction the OS allows to this process; returns what could not be applied, with why.

    ``prepare`` runs after the namespaces are made and before privileges are dropped (imports, memory limit).
    """
    missing, tmp_private = _isolate(libc, tmp)
    prepare()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        missing.append(f"no_new_privs not set ({_errno_text()})")
    if uid is not None and gid is not None:
        missing += _drop_privileges(uid, gid, tmp_private, tmp)
    # After the uid change: the kernel clears the parent-death signal when credentials change.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:
        os._exit(0)  # the worker died before the signal was armed
    return missing


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _prepare(memory_mb: int) -> None:
    """Import every format module (and the codecs they may need), then limit memory to what one extraction adds."""
    import encodings
    import pkgutil

    from scanner.extract import archives, core, mail, office, ole, pdf  # noqa: F401

    for mod in ("pypdf", "py7zr", "rarfile", "olefile", "xlrd", "striprtf.striprtf", "defusedxml.ElementTree",
                "charset_normalizer", "tarfile", "gzip", "bz2", "lzma", "zlib", "email.parser", "email.policy",
                "html.parser", "unicodedata", "subprocess", "selectors", "shutil", "tempfile"):
        with contextlib.suppress(ImportError):
            __import__(mod)
    # Codecs are imported on first use: a legacy document names any code page.
    for info in pkgutil.iter_modules(encodings.__path__):
        with contextlib.suppress(ImportError):
            __import__(f"encodings.{info.name}")
    import resource

    limit = _vm_size() + memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class _Channel:
    """The child's end of the socket: blocking frame reads and writes."""

    def __init__(self, fd: int):
        self.sock = socket.socket(fileno=fd)
        self.enc = msgspec.msgpack.Encoder()
        self.dec = msgspec.msgpack.Decoder(Request)

    def send(self, msg: msgspec.Struct) -> None:
        self.sock.sendall(encode_frame(self.enc, msg))

    def recv(self) -> Request | None:
        """The next request; None when the parent closed the socket. Raises msgspec.DecodeError."""
        head = self._read(_HEADER.size)
        if head is None:
            return None
        body = self._read(_HEADER.unpack(head)[0])
        if body is None:
            return None
        return self.dec.decode(body)

    def _read(self, n: int) -> bytearray | None:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self.sock.recv_into(view[got:])
            if not k:
                return None
            got += k
        return buf


def _batch(gen: Iterator[ContentComponent]) -> tuple[list[ContentComponent], bool]:
    items: list[ContentComponent] = []
    size = 0
    for comp in gen:
        items.append(comp)
        size += len(comp.text)
        if size >= _BATCH_CHARS or len(items) >= _BATCH_ITEMS:
            return items, False
    return items, True


def child_main(fd: int, memory_mb: int, uid: int | None = None, gid: int | None = None) -> None:
    """The child's loop: one object at a time, components handed out on request."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the whole group; the worker decides
    logging.disable(logging.CRITICAL)  # libraries' log lines may quote content; reasons travel back instead
    unconfined = confine(_libc(), uid, gid, os.getcwd(), lambda: _prepare(memory_mb))
    from scanner.extract.core import Ctx, extract_bytes
    from scanner.extract.limits import Budget, LimitExceeded

    ch = _Channel(fd)
    ch.send(Ready(os.getpid(), unconfined))
    cfg: ExtractionConfig | None = None
    gen: Iterator[ContentComponent] | None = None
    budget: Budget | None = None
    items: list[ContentComponent] = []
    while True:
        try:
            msg = ch.recv()
        except OSError:
            return
        except MemoryError:  # the object alone does not fit in the memory limit
            with contextlib.suppress(Exception):
                ch.send(Failed([], f"extraction exceeded memory limit ({memory_mb} MB)", True, -1))
            os._exit(3)
        except msgspec.DecodeError:
            ch.send(Failed([], "extraction protocol error", True, 0))
            os._exit(4)
        if msg is None:
            return
        if isinstance(msg, Start):
            if gen is not None:
                with contextlib.suppress(Exception):
                    gen.close()  # type: ignore[attr-defined]
            if msg.cfg is not None:
                cfg = ExtractionConfig.model_validate(msg.cfg)
            if cfg is None:
                ch.send(Failed([], "extraction protocol error", True, 0))
                os._exit(4)
            budget = Budget(cfg)
            gen = extract_bytes(msg.data, Ctx(budget, msg.name))
            del msg
        elif gen is None or budget is None:
            ch.send(Failed([], "extraction protocol error", True, 0))
            os._exit(4)
        items = []
        try:
            items, done = _batch(gen)
            if done:
                gen = None
                ch.send(End(items, budget.notes, budget.inflated))
            else:
                ch.send(More(items))
        except LimitExceeded as exc:
            gen = None
            ch.send(End(items, [*budget.notes, str(exc)], budget.inflated))
        except ExtractionError as exc:
            gen = None
            ch.send(Failed(items, str(exc), False, budget.inflated))
        except MemoryError:
            gen = items = None  # type: ignore[assignment]
            # The heap may be fragmented or half-freed: report, then let the parent start a fresh child.
            with contextlib.suppress(Exception):
                ch.send(Failed([], f"extraction exceeded memory limit ({memory_mb} MB)", True, -1))
            os._exit(3)
        except RecursionError:
            gen = None
            ch.send(Failed(items, "content nested too deeply to extract", False, budget.inflated))
        except Exception as exc:  # noqa: BLE001 - any parser bug on hostile input costs this object only
            gen = None
            ch.send(Failed(items, f"cannot extract ({exc.__class__.__name__})", False, budget.inflated))


def main(argv: list[str]) -> None:
    """``python -m scanner.extract.sandbox FD MEMORY_MB [UID GID]``: what the worker starts."""
    ids = [int(a) for a in argv[2:4]]
    child_main(int(argv[0]), int(argv[1]), *ids)


if __name__ == "__main__":
    main(sys.argv[1:])
